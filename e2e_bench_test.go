package nftmon_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// The end-to-end benchmarks commit one large transaction per iteration in
// a private namespace and measure what the consumer spends on it: its CPU
// time (user + system, from getrusage, so nft's own work is not counted)
// and its allocations, per event. "bare" only receives and counts
// messages, the floor any consumer can reach; "monitor" groups them by
// transaction and decodes every event into its typed view in the
// callback. Both run with the default 4 MiB receive buffer. Run with
//
//	go test -run XXX -bench EndToEnd -benchtime 5x .

// workload builds the nft script of one iteration.
type workload struct {
	name   string
	n      int
	script func(table string, n int) string
}

var workloads = []workload{
	{"elements-10000", 10000, nstest.ElementsScript},
	{"elements-100000", 100000, nstest.ElementsScript},
	{"rules-10000", 10000, nstest.RulesScript},
	{"rules-100000", 100000, nstest.RulesScript},
}

// consumer receives notifications until stopped, counting events and
// reporting each commit's generation.
type consumer interface {
	run(ctx context.Context) error
	close()
	events() uint64
	lost() uint64
}

// bareConsumer is the floor: receive, walk the messages, count.
type bareConsumer struct {
	conn    *nftmon.Conn
	commits chan uint32
	n, loss atomic.Uint64
}

func newBare(t testing.TB, ns *nstest.NS, commits chan uint32) consumer {
	c, err := nftmon.Open(nftmon.ConnConfig{NetNS: ns.Path})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.JoinGroup(unix.NFNLGRP_NFTABLES); err != nil {
		t.Fatal(err)
	}
	return &bareConsumer{conn: c, commits: commits}
}

func (b *bareConsumer) run(ctx context.Context) error {
	buf := make([]byte, nftmon.MinBufferLen)
	var g nftmon.Gen
	for ctx.Err() == nil {
		d, err := b.conn.Receive(buf)
		if err != nil {
			if errors.Is(err, nftmon.ErrOverflow) {
				b.loss.Add(1)
				continue
			}
			return err
		}
		s := nftmon.NewMessageScanner(buf[:d.N])
		for s.Next() {
			m := s.Message()
			b.n.Add(1)
			if m.Header.MsgType() == nftmon.MsgNewGen {
				_, attrs, _ := m.NFGen()
				g.Decode(attrs)
				b.commits <- g.ID
			}
		}
	}
	return ctx.Err()
}

func (b *bareConsumer) close()         { b.conn.Close() }
func (b *bareConsumer) events() uint64 { return b.n.Load() }
func (b *bareConsumer) lost() uint64   { return b.loss.Load() }

// monitorConsumer is the product: a Monitor whose callback decodes every
// event into its typed view.
type monitorConsumer struct {
	m    *nftmon.Monitor
	n    atomic.Uint64
	loss atomic.Uint64
}

// decoder holds the views a callback decodes into, reused for every event.
type decoder struct {
	table msgs.Table
	chain msgs.Chain
	rule  msgs.Rule
	set   msgs.Set
	elems msgs.SetElems
	obj   msgs.Obj
	exprs int
}

func (d *decoder) decode(e *nftmon.Event) error {
	switch e.Type.Object() {
	case nftmon.ObjectTable:
		return d.table.Decode(e.Attrs)
	case nftmon.ObjectChain:
		return d.chain.Decode(e.Attrs)
	case nftmon.ObjectRule:
		if err := d.rule.Decode(e.Attrs); err != nil {
			return err
		}
		s := d.rule.Exprs()
		for s.Next() {
			d.exprs++
		}
		return s.Err()
	case nftmon.ObjectSet:
		return d.set.Decode(e.Attrs)
	case nftmon.ObjectSetElem:
		if err := d.elems.Decode(e.Attrs); err != nil {
			return err
		}
		s := d.elems.Elems()
		for s.Next() {
			_ = s.Elem().Key
		}
		return s.Err()
	case nftmon.ObjectObj:
		return d.obj.Decode(e.Attrs)
	}
	return nil
}

func newMonitorConsumer(t testing.TB, ns *nstest.NS, commits chan uint32) consumer {
	mc := &monitorConsumer{}
	var d decoder
	m, err := nftmon.NewMonitor(nftmon.Config{NetNS: ns.Path}, func(e *nftmon.Event) error {
		mc.n.Add(1)
		switch e.Kind {
		case nftmon.EventCommit:
			commits <- e.Gen
		case nftmon.EventLoss:
			mc.loss.Add(1)
		default:
			return d.decode(e)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mc.m = m
	return mc
}

func (m *monitorConsumer) run(ctx context.Context) error { return m.m.Run(ctx) }
func (m *monitorConsumer) close()                        { m.m.Close() }
func (m *monitorConsumer) events() uint64                { return m.n.Load() }
func (m *monitorConsumer) lost() uint64                  { return m.loss.Load() }

func cpuTime() time.Duration {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkEndToEnd(b *testing.B) {
	for _, w := range workloads {
		for _, c := range []struct {
			name string
			make func(testing.TB, *nstest.NS, chan uint32) consumer
		}{{"bare", newBare}, {"monitor", newMonitorConsumer}} {
			b.Run(w.name+"/"+c.name, func(b *testing.B) {
				if testing.Short() && w.n > 10000 {
					b.Skip("large workloads skipped in -short mode")
				}
				benchEndToEnd(b, w, c.make)
			})
		}
	}
}

func benchEndToEnd(b *testing.B, w workload, mk func(testing.TB, *nstest.NS, chan uint32) consumer) {
	ns := nstest.New(b)
	commits := make(chan uint32, 16)
	c := mk(b, ns, commits)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.run(ctx) }()
	defer func() {
		cancel()
		c.close()
		<-done
	}()
	// Scripts are files, so that nft reads them itself: no goroutine of
	// this process copies them while the consumer is measured.
	// Iteration 0 is a warm-up, not measured: the monitor's arena grows to
	// the transaction's size once, and stays.
	scripts := make([]string, b.N+1)
	for i := range scripts {
		scripts[i] = filepath.Join(b.TempDir(), "script.nft")
		if err := os.WriteFile(scripts[i], []byte(w.script(fmt.Sprintf("t%d", i), w.n)), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	// waitGen waits for the commit of gen or a later one; a transaction
	// whose notifications were lost may never show its own.
	waitGen := func(gen uint32, wait time.Duration) bool {
		timeout := time.After(wait)
		for {
			select {
			case g := <-commits:
				if g == gen || nftmon.GenAfter(g, gen) {
					return true
				}
			case <-timeout:
				return false
			}
		}
	}
	sync := func(i int) {
		ns.Nft(b, "add", "table", "ip", fmt.Sprintf("sync%d", i+b.N))
		if !waitGen(currentGen(b, ns), 60*time.Second) {
			b.Fatalf("no commit after a loss (events %d, losses %d)", c.events(), c.lost())
		}
	}
	var cpu time.Duration
	var mallocs, events uint64
	var ms runtime.MemStats
	b.ResetTimer()
	for i := range b.N + 1 {
		gen := currentGen(b, ns) + 1
		cmd := ns.Command("nft", "-f", scripts[i])
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		runtime.GC() // no collection of the scripts' garbage in the window
		n0 := c.events()
		runtime.ReadMemStats(&ms)
		a0 := ms.Mallocs
		t0 := cpuTime()
		if err := cmd.Wait(); err != nil {
			b.Fatal(err)
		}
		if !waitGen(gen, 5*time.Second) {
			sync(-i - 1) // the commit was lost: wait for a later one
		}
		if i > 0 {
			cpu += cpuTime() - t0
			runtime.ReadMemStats(&ms)
			mallocs += ms.Mallocs - a0
			events += c.events() - n0
		}
		// Clean up outside the measurement.
		ns.Nft(b, "delete", "table", "ip", fmt.Sprintf("t%d", i))
		sync(i)
	}
	b.StopTimer()
	if events == 0 {
		b.Fatal("no events")
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(events), "cpu-ns/event")
	b.ReportMetric(float64(mallocs)/float64(events), "allocs/event")
	b.ReportMetric(float64(events)/float64(b.N), "events/op")
	b.ReportMetric(float64(c.lost()), "losses")
}
