package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// A consumer counts the events of a monitor and reports the commits it sees.
type consumer struct {
	events  atomic.Uint64
	commits chan uint32
	dead    atomic.Bool // the monitor stopped for good
	stop    func()      // stops the monitor; never blocks for more than stopWait
}

// stopWait is how long a consumer's stop waits for its monitor's goroutine
// to end before it reports the goroutine leaked and returns.
const stopWait = 5 * time.Second

// awaitStop waits until done is closed, taking the commits nobody reads any
// more so that the consumer never blocks sending one, for at most stopWait.
// A goroutine still running then is reported as leaked (a log line and the
// leaked metric) instead of hanging the benchmark.
func (c *consumer) awaitStop(b *testing.B, name string, done <-chan struct{}) {
	timeout := time.NewTimer(stopWait)
	defer timeout.Stop()
	for {
		select {
		case <-done:
			b.ReportMetric(0, "leaked")
			return
		case <-c.commits:
		case <-timeout.C:
			b.Logf("%s: the monitor's goroutine did not end within %v of stop; leaked", name, stopWait)
			b.ReportMetric(1, "leaked")
			return
		}
	}
}

// startNftmon runs an nftmon Monitor with the default 4 MiB buffer whose
// callback decodes every event into its typed view.
func startNftmon(b *testing.B, ns *nstest.NS) *consumer {
	c := &consumer{commits: make(chan uint32, 64)}
	var (
		rule  msgs.Rule
		elems msgs.SetElems
		other msgs.Table
	)
	m, err := nftmon.NewMonitor(nftmon.Config{NetNS: ns.Path}, func(e *nftmon.Event) error {
		c.events.Add(1)
		switch e.Kind {
		case nftmon.EventCommit:
			c.commits <- e.Gen
			return nil
		case nftmon.EventLoss:
			return nil
		}
		switch e.Type.Object() {
		case nftmon.ObjectRule:
			if err := rule.Decode(e.Attrs); err != nil {
				return err
			}
			s := rule.Exprs()
			for s.Next() {
			}
			return s.Err()
		case nftmon.ObjectSetElem:
			if err := elems.Decode(e.Attrs); err != nil {
				return err
			}
			s := elems.Elems()
			for s.Next() {
			}
			return s.Err()
		case nftmon.ObjectTable:
			return other.Decode(e.Attrs)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx); c.dead.Store(true); close(done) }()
	c.stop = func() { cancel(); m.Close(); c.awaitStop(b, "nftmon", done) }
	return c
}

// startGoogle runs google/nftables' generational monitor on a socket with
// the kernel's default buffer (it sets none), reading its channel.
func startGoogle(b *testing.B, ns *nstest.NS) *consumer {
	c := &consumer{commits: make(chan uint32, 64)}
	conn, err := nftables.New(nftables.WithNetNSFd(ns.FD), nftables.AsLasting())
	if err != nil {
		b.Fatal(err)
	}
	mon := nftables.NewMonitor()
	events, err := conn.AddGenerationalMonitor(mon)
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for evs := range events {
			c.events.Add(uint64(len(evs.Changes)) + 1)
			if g, ok := evs.GeneratedBy.Data.(*nftables.GenMsg); ok {
				c.commits <- g.ID
			}
		}
		c.dead.Store(true)
	}()
	// The monitor reads the lasting socket, which mon.Close leaves open (its
	// closer is a no-op for a lasting Conn): close the socket first, so that
	// the monitor's Receive fails and its goroutine ends.
	c.stop = func() {
		conn.CloseLasting()
		mon.Close()
		c.awaitStop(b, "google-nftables", done)
	}
	return c
}

func cpuTime() time.Duration {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func currentGen(b *testing.B, ns *nstest.NS) uint32 {
	c, err := nftmon.Open(nftmon.ConnConfig{NetNS: ns.Path, ReadBuffer: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	g, err := c.GetGen()
	if err != nil {
		b.Fatal(err)
	}
	return g.ID
}

// BenchmarkCompare commits one transaction of n elements or n rules per
// iteration and reports, for each monitor, the CPU time and allocations of
// this process per event it delivered, and the events it did not deliver
// (lost). CPU time is this process's (getrusage): nft's own work is not
// counted.
func BenchmarkCompare(b *testing.B) {
	for _, w := range []struct {
		name   string
		n      int
		script func(string, int) string
	}{{"elements-10000", 10000, nstest.ElementsScript}, {"rules-10000", 10000, nstest.RulesScript}} {
		for _, m := range []struct {
			name  string
			start func(*testing.B, *nstest.NS) *consumer
		}{{"nftmon", startNftmon}, {"google-nftables", startGoogle}} {
			b.Run(w.name+"/"+m.name, func(b *testing.B) {
				ns := nstest.New(b)
				c := m.start(b, ns)
				defer c.stop()
				dir := b.TempDir()
				var cpu time.Duration
				var mallocs, delivered, want uint64
				var ms runtime.MemStats
				for i := range b.N {
					path := filepath.Join(dir, fmt.Sprintf("%d.nft", i))
					os.WriteFile(path, []byte(w.script(fmt.Sprintf("t%d", i), w.n)), 0o644)
					gen := currentGen(b, ns) + 1
					cmd := ns.Command("nft", "-f", path)
					if err := cmd.Start(); err != nil {
						b.Fatal(err)
					}
					e0 := c.events.Load()
					runtime.ReadMemStats(&ms)
					a0 := ms.Mallocs
					t0 := cpuTime()
					if err := cmd.Wait(); err != nil {
						b.Fatal(err)
					}
					seen := false
					timeout := time.After(10 * time.Second)
				wait:
					for !seen {
						select {
						case g := <-c.commits:
							seen = g == gen || nftmon.GenAfter(g, gen)
						case <-timeout:
							break wait
						}
					}
					cpu += cpuTime() - t0
					runtime.ReadMemStats(&ms)
					mallocs += ms.Mallocs - a0
					delivered += c.events.Load() - e0
					want += uint64(w.n) + 3 // the objects, the table and its set or chain, the commit
					if c.dead.Load() {
						b.Logf("the monitor stopped for good after iteration %d", i)
						break
					}
				}
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(max(delivered, 1)), "cpu-ns/event")
				b.ReportMetric(float64(mallocs)/float64(max(delivered, 1)), "allocs/event")
				b.ReportMetric(float64(want-min(delivered, want))/float64(want)*100, "%lost")
			})
		}
	}
}
