package nftmon

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/nftmon/nftmon/internal/nstest"
	"golang.org/x/sys/unix"
)

// TestTraceKernel traces UDP datagrams sent from namespace a to namespace
// b over a veth pair, traced in a's output hook and b's prerouting hook,
// and watches them with a Monitor of a with AllNetNS and TracesOnly: each
// trace comes as an EventTrace, a's without an nsid, b's with b's nsid in
// a, never stamped; nothing else comes (no NFNLGRP_NFTABLES), though a
// ruleset is loaded while the monitor runs.
func TestTraceKernel(t *testing.T) {
	a, b := nstest.New(t), nstest.New(t)
	const nsid = 42
	setNSID(t, a, b, nsid)
	nstest.Veth(t, a, b)
	a.Script(t, "table inet ta {\n chain out {\n type filter hook output priority filter\n udp dport 9999 meta nftrace set 1\n }\n}\n")
	b.Script(t, "table ip tb {\n chain pre {\n type filter hook prerouting priority filter\n udp dport 9999 meta nftrace set 1\n }\n}\n")

	var mu sync.Mutex
	var events []Event
	m, err := NewMonitor(Config{NetNS: a.Path, AllNetNS: true, Traces: TracesOnly}, func(e *Event) error {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, *e.Clone())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()

	a.Script(t, "table ip changed { }") // a change: not delivered
	const packets = 3
	err = a.Do(func() error {
		// Unconnected: b's port unreachable answers fail no write.
		c, err := net.ListenPacket("udp4", ":0")
		if err != nil {
			return err
		}
		defer c.Close()
		to := &net.UDPAddr{IP: net.ParseIP(nstest.VethB4), Port: 9999}
		for range packets {
			if _, err := c.WriteTo([]byte("trace"), to); err != nil {
				return err
			}
			time.Sleep(50 * time.Millisecond)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Each packet makes two traces in each namespace at least (the packet
	// and its rule's verdict); wait for them.
	for i := 0; i < 100; i++ {
		mu.Lock()
		n := len(events)
		mu.Unlock()
		if n >= 4*packets {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	var own, other int
	for i := range events {
		e := &events[i]
		if e.Kind != EventTrace || e.Type != MsgTrace || e.Gen != 0 || e.ProcPID != 0 || e.Streamed {
			t.Fatalf("event %d: %s, want only unstamped traces", i, eventLine(e))
		}
		table := traceTable(t, e.Attrs)
		switch {
		case !e.HasNSID && e.Family == FamilyINet && table == "ta":
			own++
		case e.HasNSID && e.NSID == nsid && e.Family == FamilyIPv4 && table == "tb":
			other++
		default:
			t.Errorf("event %d: table %q of %v, nsid %d/%v: not where it was traced", i, table, e.Family, e.NSID, e.HasNSID)
		}
	}
	t.Logf("%d traces of a, %d of b", own, other)
	if own < 2*packets || other < 2*packets {
		t.Errorf("%d traces of a and %d of b, want at least %d of each", own, other, 2*packets)
	}
	if s := m.Stats(); s.Traces != uint64(len(events)) || s.Transactions != 0 {
		t.Errorf("Stats: %d traces, %d transactions; want %d, 0", s.Traces, s.Transactions, len(events))
	}
}

// traceTable returns NFTA_TRACE_TABLE of a trace.
func traceTable(t *testing.T, attrs []byte) string {
	s := NewAttrScanner(attrs)
	for s.Next() {
		if s.Type() == unix.NFTA_TRACE_TABLE {
			return string(s.StringBytes())
		}
	}
	t.Fatalf("a trace without NFTA_TRACE_TABLE: %x", attrs)
	return ""
}
