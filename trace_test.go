package nftmon

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
)

// traceDatagrams returns the kernel's trace datagrams captured in
// msgs/testdata/trace.pcap (see msgs/testdata/README.md).
func traceDatagrams(tb testing.TB) [][]byte {
	tb.Helper()
	dgs := mustDatagrams(tb, filepath.Join("msgs", "testdata", "trace.pcap"))
	if len(dgs) == 0 {
		tb.Fatal("trace.pcap holds no datagram")
	}
	return dgs
}

// eventLine is what a test compares of an event.
func eventLine(e *Event) string {
	return fmt.Sprintf("%v %v %v gen=%d pid=%d nsid=%d/%v streamed=%v attrs=%x", e.Kind, e.Type, e.Family, e.Gen, e.ProcPID, e.NSID, e.HasNSID, e.Streamed, e.Attrs)
}

// replayLines feeds dgs to a Replayer of cfg, with trace datagram
// traces[i%len(traces)] after the i-th datagram when traces is not empty,
// and returns the events' lines and the Replayer's counters.
func replayLines(t *testing.T, cfg ReplayConfig, dgs, traces [][]byte) ([]string, Stats) {
	t.Helper()
	var lines []string
	r := mustReplayer(t, cfg, func(e *Event) error {
		lines = append(lines, eventLine(e))
		return nil
	})
	for i, dg := range dgs {
		if err := r.Feed(dg, 0, false); err != nil {
			t.Fatal(err)
		}
		if len(traces) > 0 {
			if err := r.Feed(traces[i%len(traces)], 0, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	return lines, r.Stats()
}

// TestReplayTraces feeds a trace after every datagram of real
// transactions: each is delivered at once as an EventTrace, unstamped,
// and the transactions around them are delivered exactly as without
// traces. TracesOff drops the traces, TracesOnly everything else.
func TestReplayTraces(t *testing.T) {
	traces := traceDatagrams(t)
	for _, name := range []string{"chains", "big", "sets", "objects"} {
		t.Run(name, func(t *testing.T) {
			dgs := captureDatagrams(t, name)
			base, baseStats := replayLines(t, ReplayConfig{}, dgs, nil)
			off, _ := replayLines(t, ReplayConfig{}, dgs, traces)
			if !slices.Equal(off, base) {
				t.Errorf("TracesOff: the events differ from a replay without traces")
			}
			too, st := replayLines(t, ReplayConfig{Traces: TracesToo}, dgs, traces)
			only, onlyStats := replayLines(t, ReplayConfig{Traces: TracesOnly}, dgs, traces)
			var changes, got []string
			for _, l := range too {
				if len(l) > 6 && l[:6] == "trace " {
					got = append(got, l)
				} else {
					changes = append(changes, l)
				}
			}
			if !slices.Equal(changes, base) {
				t.Errorf("TracesToo: the events other than traces differ from a replay without traces")
			}
			var want []string
			for i := range dgs {
				want = append(want, traceLine(t, traces[i%len(traces)]))
			}
			if !slices.Equal(got, want) {
				t.Errorf("TracesToo: traces\n%s\nwant\n%s", got, want)
			}
			if !slices.Equal(only, want) {
				t.Errorf("TracesOnly: events\n%s\nwant the traces\n%s", only, want)
			}
			if st.Traces != uint64(len(dgs)) || st.Transactions != baseStats.Transactions || st.Events != baseStats.Events+uint64(len(dgs)) {
				t.Errorf("TracesToo: %d traces, %d transactions, %d events; want %d, %d, %d", st.Traces, st.Transactions, st.Events, len(dgs), baseStats.Transactions, baseStats.Events+uint64(len(dgs)))
			}
			if onlyStats.Traces != uint64(len(dgs)) || onlyStats.Transactions != 0 {
				t.Errorf("TracesOnly: %d traces, %d transactions; want %d, 0", onlyStats.Traces, onlyStats.Transactions, len(dgs))
			}
		})
	}
}

// traceLine is the line of the EventTrace a trace datagram (one message,
// as the kernel sends them) must give.
func traceLine(t *testing.T, dg []byte) string {
	t.Helper()
	var m Message
	if _, err := parseMessage(dg, &m); err != nil {
		t.Fatal(err)
	}
	nf, attrs, err := ParseNFGen(m.Payload)
	if err != nil || m.Header.MsgType() != MsgTrace {
		t.Fatalf("trace.pcap: a datagram of %v (%v), not a trace", m.Header.MsgType(), err)
	}
	return eventLine(&Event{Kind: EventTrace, Type: MsgTrace, Family: nf.Family, Attrs: attrs})
}

// TestTraceOutsideState checks that traces pass through every state of
// the dispatcher untouched: after a loss (nothing discarded), in the
// middle of a held transaction, below the floor, and in another namespace
// (with its nsid).
func TestTraceOutsideState(t *testing.T) {
	traces := traceDatagrams(t)
	dgs := captureDatagrams(t, "chains")
	var got []Event
	r := mustReplayer(t, ReplayConfig{Traces: TracesToo, Floor: ^uint32(0) >> 1}, func(e *Event) error {
		got = append(got, *e.Clone())
		return nil
	})
	feed := func(dg []byte, ns int) {
		t.Helper()
		nsid, has := nsArgs(ns)
		if err := r.Feed(dg, nsid, has); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.FeedLoss(ErrOverflow); err != nil {
		t.Fatal(err)
	}
	feed(traces[0], 0)
	feed(dgs[0], 0) // discarded: the first transaction after the loss
	feed(traces[1], 2)
	for _, dg := range dgs[1:] {
		feed(dg, 0)
		feed(traces[2], 0)
	}
	var n int
	for i := range got {
		e := &got[i]
		if e.Kind != EventTrace {
			if e.Kind != EventLoss {
				t.Errorf("event %d: %v, want only the loss and traces (the rest is discarded or below the floor)", i, e.Kind)
			}
			continue
		}
		n++
		if e.Gen != 0 || e.ProcPID != 0 || e.ProcName != nil || e.Streamed || e.Type != MsgTrace {
			t.Errorf("trace %d: stamped: %s", n, eventLine(e))
		}
		wantNS, wantHas := nsArgs(0)
		if n == 2 {
			wantNS, wantHas = nsArgs(2)
		}
		if e.NSID != wantNS || e.HasNSID != wantHas {
			t.Errorf("trace %d: nsid %d/%v, want %d/%v", n, e.NSID, e.HasNSID, wantNS, wantHas)
		}
	}
	if want := len(dgs) + 1; n != want {
		t.Errorf("%d traces delivered, want %d", n, want)
	}
	if s := r.Stats(); s.Traces != uint64(n) || s.BelowFloor == 0 {
		t.Errorf("Stats.Traces %d (want %d), BelowFloor %d (want some)", s.Traces, n, s.BelowFloor)
	}
}

// TestTraceModeValid checks the modes a Monitor or Replayer refuses.
func TestTraceModeValid(t *testing.T) {
	if _, err := NewReplayer(ReplayConfig{Traces: TracesOnly + 1}, func(*Event) error { return nil }); !errors.Is(err, errTraceMode) {
		t.Errorf("NewReplayer with an unknown TraceMode: %v, want errTraceMode", err)
	}
	if _, err := NewMonitor(Config{Traces: TracesOnly, Snapshot: true}, func(*Event) error { return nil }); !errors.Is(err, errTraceSnapshot) {
		t.Errorf("NewMonitor with TracesOnly and Snapshot: %v, want errTraceSnapshot", err)
	}
}

// TestNoAllocsTrace checks that a trace goes through the dispatcher
// without an allocation.
func TestNoAllocsTrace(t *testing.T) {
	traces := traceDatagrams(t)
	n := 0
	r := mustReplayer(t, ReplayConfig{Traces: TracesOnly}, func(e *Event) error { n++; return nil })
	for _, dg := range traces {
		r.Feed(dg, 0, false)
	}
	if a := testing.AllocsPerRun(100, func() {
		for _, dg := range traces {
			if err := r.Feed(dg, 3, true); err != nil {
				t.Fatal(err)
			}
		}
	}); a != 0 {
		t.Errorf("%v allocations per replay of trace.pcap, want 0", a)
	}
	if n == 0 {
		t.Fatal("no trace delivered")
	}
}
