package nftmon

import (
	"errors"

	"golang.org/x/sys/unix"
)

// TraceMode says whether a Monitor or Replayer delivers packet traces
// (NFT_MSG_TRACE, sent to group NFNLGRP_NFTRACE for every step of a packet
// marked with "meta nftrace set 1"), ruleset changes, or both.
type TraceMode uint8

// The trace modes.
const (
	// TracesOff delivers ruleset changes only: the zero value. A Replayer
	// drops the traces it is fed.
	TracesOff TraceMode = iota
	// TracesToo delivers ruleset changes and traces: a Monitor joins both
	// NFNLGRP_NFTABLES and NFNLGRP_NFTRACE. The changes keep a cache of
	// rules current (nftext.RuleCache), which trace lines print.
	TracesToo
	// TracesOnly delivers traces only, as `nft monitor trace` prints: a
	// Monitor joins NFNLGRP_NFTRACE alone; a Replayer drops everything
	// else it is fed. Snapshot mode needs the changes, so NewMonitor
	// rejects it with TracesOnly.
	TracesOnly
)

// The errors of a TraceMode that cannot be used.
var (
	errTraceSnapshot = errors.New("nftmon: Config.Snapshot needs the ruleset's changes, which TracesOnly leaves out (use TracesToo)")
	errTraceMode     = errors.New("nftmon: unknown TraceMode")
)

// validate reports whether the mode can be used, with snapshot mode or not.
func (t TraceMode) validate(snapshot bool) error {
	switch {
	case t > TracesOnly:
		return errTraceMode
	case t == TracesOnly && snapshot:
		return errTraceSnapshot
	}
	return nil
}

// join subscribes c to the groups the mode asks for.
func (t TraceMode) join(c *Conn) error {
	if t != TracesOnly {
		if err := c.JoinGroup(unix.NFNLGRP_NFTABLES); err != nil {
			return err
		}
	}
	if t != TracesOff {
		return c.JoinGroup(unix.NFNLGRP_NFTRACE)
	}
	return nil
}

// trace is the input of a trace message: it belongs to no transaction
// (KERNEL.md, fact 17), so it is delivered at once as an EventTrace, whatever state the
// namespace is in, which it leaves as it was: never held, never stamped,
// never below a floor, and never discarded after a loss. Scope applies:
// NFTA_TRACE_TABLE is attribute 1, as the table of every object message.
func (d *dispatcher) trace(nsi int, nt *notice) error {
	if d.traces == TracesOff || !d.scope.contains(nt.nf.Family, nt.attrs) {
		return nil
	}
	d.c.Traces++
	ns := &d.nss[nsi]
	e := &d.ev
	e.Kind, e.Type, e.Family = EventTrace, MsgTrace, nt.nf.Family
	e.Gen, e.ProcPID, e.ProcName = 0, 0, nil
	e.NSID, e.HasNSID, e.Streamed = ns.nsid, ns.hasNSID, false
	e.Header, e.ResID, e.Attrs = nt.hdr, nt.nf.ResID, nt.attrs
	e.Raw, e.Err = nil, nil
	return d.call()
}
