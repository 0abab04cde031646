package nftmon_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
	"golang.org/x/sys/unix"
)

// The end-to-end benchmarks commit one large transaction per iteration in a
// private namespace and measure what the consumer spends on it: its CPU time
// (user + system, from getrusage, so nft's own work is not counted) and its
// allocations, per event. All consumers have the default receive buffer
// (DefaultReadBuffer). For each workload, four kinds of consumer, each in a
// namespace of its own, take turns at every iteration (so that they share
// the machine's conditions, which on a shared machine change from one
// second to the next); each reports KIND-ns/event (the median over the
// iterations), KIND-allocs/event,
// KIND-ctxsw/event (voluntary and involuntary context switches of the
// process, getrusage's ru_nvcsw + ru_nivcsw), KIND-faults/event (minor page
// faults, ru_minflt) and KIND-losses, and the monitors KIND-x, their ratio
// to the floor (the median of the iterations' ratios):
//
//   - floor: the least any consumer can do. A blocking read(2) on a locked
//     OS thread into one reused 64 KiB buffer, counting messages: no runtime
//     poller, no arena, no decoding.
//   - held: a fresh Monitor per transaction (its arena grows while the
//     transaction arrives), each transaction held until its commit.
//   - longrunning: one Monitor for all iterations, its arena grown by a
//     warm-up transaction that is not measured and kept grown
//     (Config.ArenaRetain -1; by default it would give back all but
//     DefaultArenaRetain after each transaction).
//   - stream: one Monitor with Config.Stream.
//
// Every Monitor's callback decodes each event into its typed view: set
// elements walked, rules decoded and each of their expressions decoded into
// the view its name selects. The kinds held-empty, longrunning-empty and
// stream-empty are the same monitors with an empty callback; they run only
// when asked for with -e2e.kinds, a comma-separated list of kinds (the
// ratios are reported when the floor is among them); conn is the floor's
// loop through Conn.Receive. Run with
//
//	go test -run XXX -bench EndToEnd -benchtime 5x .
//	go test -run XXX -bench EndToEnd/rules-100000 -e2e.kinds held,held-empty .

var e2eKinds = flag.String("e2e.kinds", "floor,held,longrunning,stream", "BenchmarkEndToEnd's consumers, comma-separated (also conn, held-empty, longrunning-empty, stream-empty)")

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

// usage is what the process has spent so far, from getrusage.
type usage struct {
	cpu           time.Duration // user + system
	ctxsw, faults int64         // context switches (voluntary + involuntary), minor page faults
}

func getUsage() usage {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return usage{
		cpu:    time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		ctxsw:  int64(ru.Nvcsw) + int64(ru.Nivcsw), // int32 fields on 32-bit
		faults: int64(ru.Minflt),
	}
}

func (u usage) sub(v usage) usage {
	return usage{cpu: u.cpu - v.cpu, ctxsw: u.ctxsw - v.ctxsw, faults: u.faults - v.faults}
}

func (u usage) add(v usage) usage {
	return usage{cpu: u.cpu + v.cpu, ctxsw: u.ctxsw + v.ctxsw, faults: u.faults + v.faults}
}

// consumerKind is one column of the benchmark.
type consumerKind struct {
	name  string
	make  func(testing.TB, *nstest.NS, chan uint32) consumer
	fresh bool // a new consumer for every transaction, not warmed up
}

var consumerKinds = []consumerKind{
	{"floor", newFloor, false},
	{"conn", newConnConsumer, false},
	{"held", newMonitorConsumer(nftmon.Config{}, false), true},
	{"longrunning", newMonitorConsumer(nftmon.Config{ArenaRetain: -1}, false), false},
	{"stream", newMonitorConsumer(nftmon.Config{Stream: true}, false), false},
	{"held-empty", newMonitorConsumer(nftmon.Config{}, true), true},
	{"longrunning-empty", newMonitorConsumer(nftmon.Config{ArenaRetain: -1}, true), false},
	{"stream-empty", newMonitorConsumer(nftmon.Config{Stream: true}, true), false},
}

// selectedKinds returns the kinds -e2e.kinds names, in the order of
// consumerKinds: the floor first.
func selectedKinds(b *testing.B) []consumerKind {
	names := strings.Split(*e2eKinds, ",")
	var ks []consumerKind
	for _, k := range consumerKinds {
		if slices.Contains(names, k.name) {
			ks = append(ks, k)
		}
	}
	for _, n := range names {
		if !slices.ContainsFunc(consumerKinds, func(k consumerKind) bool { return k.name == n }) {
			b.Fatalf("-e2e.kinds: no consumer kind %q", n)
		}
	}
	return ks
}

func BenchmarkEndToEnd(b *testing.B) {
	for _, w := range workloads {
		b.Run(w.name, func(b *testing.B) {
			if testing.Short() && w.n > 10000 {
				b.Skip("large workloads skipped in -short mode")
			}
			benchEndToEnd(b, w)
		})
	}
}

// e2eRun is a consumer of one kind, in a namespace of its own, and what
// it was measured to spend.
type e2eRun struct {
	kind    consumerKind
	ns      *nstest.NS
	commits chan uint32
	c       consumer // nil between the transactions of a fresh kind
	done    chan error

	used                    usage
	mallocs, events, losses uint64
	perEvent                []float64 // CPU ns per event of each measured transaction
}

func (r *e2eRun) start(b *testing.B) {
	r.c, r.done = r.kind.make(b, r.ns, r.commits), make(chan error, 1)
	go func() { r.done <- r.c.run() }()
	if f, ok := r.c.(*floorConsumer); ok {
		if err := <-f.ready; err != nil {
			b.Fatal(err)
		}
	}
	r.sync(b, "ready")
}

func (r *e2eRun) stop(b *testing.B) {
	r.c.close()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case <-r.commits: // a consumer blocked on sending one must get on
		case <-r.done:
			r.c = nil
			return
		case <-timeout:
			b.Fatalf("%s: consumer did not stop", r.kind.name)
		}
	}
}

// waitGen waits for the commit of gen or a later one; a transaction whose
// notifications were lost may never show its own.
func (r *e2eRun) waitGen(gen uint32, wait time.Duration) bool {
	timeout := time.After(wait)
	for {
		select {
		case g := <-r.commits:
			if g == gen || nftmon.GenAfter(g, gen) {
				return true
			}
		case <-timeout:
			return false
		}
	}
}

// sync commits a table and waits for the consumer to see it. After a loss
// a monitor discards the next transaction too (see dispatcher.loss), so
// it tries again.
func (r *e2eRun) sync(b *testing.B, name string) {
	for range 3 {
		r.ns.Nft(b, "add", "table", "ip", name)
		seen := r.waitGen(currentGen(b, r.ns), 20*time.Second)
		r.ns.Nft(b, "delete", "table", "ip", name)
		if seen {
			return
		}
	}
	b.Fatalf("%s: no commit seen (events %d, losses %d)", r.kind.name, r.c.events(), r.c.lost())
}

// transaction commits script (which makes table) and, if measure, adds
// what the consumer spent on it to the totals.
func (r *e2eRun) transaction(b *testing.B, script, table string, measure bool) {
	if r.c == nil {
		r.start(b)
	}
	gen := currentGen(b, r.ns) + 1
	cmd := r.ns.Command("nft", "-f", script)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	runtime.GC() // no collection of the setup's garbage in the window
	var ms runtime.MemStats
	n0, l0 := r.c.events(), r.c.lost()
	runtime.ReadMemStats(&ms)
	a0 := ms.Mallocs
	u0 := getUsage()
	if err := cmd.Wait(); err != nil {
		b.Fatal(err)
	}
	ok := r.waitGen(gen, 10*time.Second)
	if measure {
		u := getUsage().sub(u0)
		r.used = r.used.add(u)
		runtime.ReadMemStats(&ms)
		r.mallocs += ms.Mallocs - a0
		n := r.c.events() - n0
		r.events += n
		r.losses += r.c.lost() - l0
		r.perEvent = append(r.perEvent, float64(u.cpu.Nanoseconds())/float64(max(n, 1)))
	}
	if !ok {
		r.sync(b, "lost") // the commit was lost: wait for a later one
	}
	// Clean up outside the measurement.
	r.ns.Nft(b, "delete", "table", "ip", table)
	r.sync(b, "clean")
	if r.kind.fresh {
		r.stop(b)
	}
}

// benchEndToEnd runs the workload b.N times for each kind of consumer, the
// kinds taking turns at each iteration so that they share the machine's
// conditions, and reports each one's CPU time per event, its ratio to the
// floor's, its allocations per event and its losses. The CPU time per event
// is the median over the iterations, and the ratio the median of each
// iteration's ratio to the floor of the same iteration, so that one
// iteration that another process slowed down does not move them.
func benchEndToEnd(b *testing.B, w workload) {
	// Scripts are files, so that nft reads them itself: no goroutine of
	// this process copies them while the consumer is measured.
	dir := b.TempDir()
	script := func(table string) string {
		p := filepath.Join(dir, table+".nft")
		if err := os.WriteFile(p, []byte(w.script(table, w.n)), 0o644); err != nil {
			b.Fatal(err)
		}
		return p
	}
	warm := script("warm")
	kinds := selectedKinds(b)
	runs := make([]*e2eRun, len(kinds))
	for i, k := range kinds {
		runs[i] = &e2eRun{kind: k, ns: nstest.New(b), commits: make(chan uint32, 16)}
	}
	defer func() {
		for _, r := range runs {
			if r.c != nil {
				r.stop(b)
			}
		}
	}()
	// A consumer that is not fresh has had a transaction of the same size
	// before: the monitor's arena has grown to it, once, and stays.
	for _, r := range runs {
		if !r.kind.fresh {
			r.transaction(b, warm, "warm", false)
		}
	}
	scripts := make([]string, b.N)
	for i := range scripts {
		scripts[i] = script(fmt.Sprintf("t%d", i))
	}
	b.ResetTimer()
	for i := range b.N {
		for _, r := range runs {
			r.transaction(b, scripts[i], fmt.Sprintf("t%d", i), true)
		}
	}
	b.StopTimer()
	var floor []float64
	for _, r := range runs {
		if r.events == 0 {
			b.Fatalf("%s: no events", r.kind.name)
		}
		b.ReportMetric(median(r.perEvent), r.kind.name+"-ns/event")
		if r.kind.name == "floor" {
			floor = r.perEvent
		} else if floor != nil {
			ratios := make([]float64, len(r.perEvent))
			for i, v := range r.perEvent {
				ratios[i] = v / floor[i]
			}
			b.ReportMetric(median(ratios), r.kind.name+"-x")
		}
		b.ReportMetric(float64(r.mallocs)/float64(r.events), r.kind.name+"-allocs/event")
		b.ReportMetric(float64(r.used.ctxsw)/float64(r.events), r.kind.name+"-ctxsw/event")
		b.ReportMetric(float64(r.used.faults)/float64(r.events), r.kind.name+"-faults/event")
		b.ReportMetric(float64(r.losses), r.kind.name+"-losses")
	}
	b.ReportMetric(float64(runs[0].events)/float64(b.N), "events/op")
}

// median returns the median of vs (the mean of the middle two of an even
// number).
func median(vs []float64) float64 {
	s := slices.Sorted(slices.Values(vs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
