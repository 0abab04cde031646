package main

import (
	"context"

	"github.com/nftmon/nftmon"
)

// config returns the monitor configuration the options ask for.
func (o *options) config() nftmon.Config {
	return nftmon.Config{
		NetNS:      o.netnsPath,
		AllNetNS:   o.allNetNS,
		ReadBuffer: o.rcvbuf,
		Floor:      o.sinceGen,
		Stream:     o.stream,
		Snapshot:   o.snapshot,
	}
}

// replayConfig returns the fields of config that apply to recorded
// datagrams.
func (o *options) replayConfig() nftmon.ReplayConfig {
	c := o.config()
	return nftmon.ReplayConfig{Floor: c.Floor, Stream: c.Stream, Scope: c.Scope, MaxTransactionBytes: c.MaxTransactionBytes}
}

// watch runs a Monitor on the socket until ctx is done or h fails, and
// returns a function that reads the monitor's counters.
func watch(ctx context.Context, o *options, h *handler) (func() nftmon.Stats, error) {
	if err := resolveNetNS(o); err != nil {
		return nil, err
	}
	m, err := nftmon.NewMonitor(o.config(), h.event)
	if err != nil {
		return nil, explainOpen(err)
	}
	defer m.Close()
	// A request socket in the watched namespace, for the printer to ask the
	// kernel (once, GETSET) about a set made before the monitor started.
	req, err := nftmon.Open(nftmon.ConnConfig{NetNS: o.netnsPath, ReadBuffer: -1})
	if err != nil {
		return nil, explainOpen(err)
	}
	defer req.Close()
	h.p.useConn(req)
	err = m.Run(ctx)
	return m.Stats, err
}
