package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"github.com/nftmon/nftmon/nftext"
)

// tracer prints packet traces (the trace word) as `nft monitor trace`
// does, or one JSON object per line with -json.
type tracer struct {
	o      *options
	w      *bufio.Writer
	stderr io.Writer
	sets   *nftext.Sets
	rules  *nftext.RuleCache
	tc     nftext.TraceContext
	tr     msgs.Trace
	lines  []byte // the trace's lines, as nft prints them
	buf    []byte // the output
	// readAt is the time of the datagram being fed (-r: as recorded;
	// -w: as read); zero when a Monitor reads the socket, and then the
	// time of the callback is the time of the read.
	readAt time.Time
}

// newTracer returns a tracer for the options; req, when not nil, is a
// request socket of the watched namespace, to ask for a rule not seen.
// Interfaces are named live, as nft monitor trace in the watched
// namespace names them (linkNames); a recording's (-r) print as indexes,
// as the namespace they belong to is not known.
func newTracer(o *options, w *bufio.Writer, stderr io.Writer, req *nftmon.Conn) *tracer {
	t := &tracer{o: o, w: w, stderr: stderr, sets: &nftext.Sets{}}
	t.rules = &nftext.RuleCache{Sets: t.sets, Conn: req}
	t.tc.Rules = t.rules
	if o.read == "" {
		l := newLinkNames(o.netnsPath, nil)
		t.tc.Links, t.rules.Links = l, l
	}
	return t
}

// watchTraces runs a Monitor of traces (and of the changes that keep the
// rules current) until ctx is done or output fails.
func watchTraces(ctx context.Context, o *options, w *bufio.Writer, stderr io.Writer) (func() nftmon.Stats, error) {
	if err := resolveNetNS(o); err != nil {
		return nil, err
	}
	cfg := o.config()
	cfg.Traces = nftmon.TracesToo // the changes keep the rules current
	cfg.Snapshot = true           // the rules, as nft lists them before it subscribes
	req, err := nftmon.Open(nftmon.ConnConfig{NetNS: cfg.NetNS, ReadBuffer: -1})
	if err != nil {
		return nil, explainOpen(err)
	}
	defer req.Close()
	t := newTracer(o, w, stderr, req)
	m, err := nftmon.NewMonitor(cfg, t.event)
	if err != nil {
		return nil, explainOpen(err)
	}
	defer m.Close()
	err = m.Run(ctx)
	return m.Stats, err
}

// recordTraces records the traces and changes to the pcap file o.write
// while printing the traces. There is no snapshot: a rule not seen
// changing is asked for (GETRULE), and is not in the file.
func recordTraces(ctx context.Context, o *options, w *bufio.Writer, stderr io.Writer) (func() nftmon.Stats, error) {
	if err := resolveNetNS(o); err != nil {
		return nil, err
	}
	req, err := nftmon.Open(nftmon.ConnConfig{NetNS: o.netnsPath, ReadBuffer: -1})
	if err != nil {
		return nil, explainOpen(err)
	}
	defer req.Close()
	t := newTracer(o, w, stderr, req)
	cfg := o.replayConfig()
	cfg.Traces = nftmon.TracesToo
	return record(ctx, o, cfg, t.event, &t.readAt)
}

// event prints the lines of a trace or a loss; it learns the rules and
// sets of every other event.
func (t *tracer) event(e *nftmon.Event) error {
	if err := t.sets.Observe(e); err != nil {
		return err
	}
	if err := t.rules.Observe(e); err != nil {
		return err
	}
	switch e.Kind {
	case nftmon.EventLoss:
		t.lines = append(t.lines[:0], "# ERROR: We lost some netlink events!\n"...)
	case nftmon.EventTrace:
		if err := t.tr.Decode(e.Attrs); err != nil {
			fmt.Fprintf(t.stderr, "nftmon: trace: %v\n", err)
			return nil
		}
		t.lines = nftext.AppendTrace(t.lines[:0], nftext.NSID(e), e.Family, &t.tr, &t.tc)
	default:
		return nil
	}
	var at time.Time
	if t.o.times {
		if at = t.readAt; at.IsZero() {
			at = time.Now()
		}
	}
	t.buf = t.buf[:0]
	for rest := t.lines; len(rest) > 0; {
		line, tail, _ := bytes.Cut(rest, []byte{'\n'})
		rest = tail
		if t.o.json {
			t.buf = t.appendJSON(t.buf, e, line, at)
			continue
		}
		if !at.IsZero() {
			t.buf = append(appendTime(t.buf, at), ' ')
		}
		t.buf = append(append(t.buf, line...), '\n')
	}
	if _, err := t.w.Write(t.buf); err != nil {
		return err
	}
	return t.w.Flush()
}

// appendJSON appends one trace line as a JSON object: "type":"TRACE" (or
// "LOSS"), the trace's id, family, table and chain, and the line under
// "trace".
func (t *tracer) appendJSON(b []byte, e *nftmon.Event, line []byte, at time.Time) []byte {
	if e.Kind == nftmon.EventLoss {
		b = append(b, `{"type":"LOSS","error":"lost netlink events"`...)
	} else {
		b = append(b, `{"type":"TRACE","family":"`...)
		b = append(b, e.Family.String()...)
		b = strconv.AppendUint(append(b, `","id":`...), uint64(t.tr.ID), 10)
		b = appendJSONString(append(b, `,"table":`...), t.tr.Table)
		b = appendJSONString(append(b, `,"chain":`...), t.tr.Chain)
		if e.HasNSID {
			b = strconv.AppendInt(append(b, `,"nsid":`...), int64(e.NSID), 10)
		}
	}
	if !at.IsZero() {
		b = append(appendTime(append(b, `,"time":"`...), at), '"')
	}
	b = appendJSONString(append(b, `,"trace":`...), line)
	return append(b, "}\n"...)
}
