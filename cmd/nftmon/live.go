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

// watch runs a Monitor on the socket until ctx is done or fn fails, and
// returns a function that reads the monitor's counters.
func watch(ctx context.Context, o *options, fn func(*nftmon.Event) error) (func() nftmon.Stats, error) {
	if err := resolveNetNS(o); err != nil {
		return nil, err
	}
	m, err := nftmon.NewMonitor(o.config(), fn)
	if err != nil {
		return nil, explainOpen(err)
	}
	defer m.Close()
	err = m.Run(ctx)
	return m.Stats, err
}
