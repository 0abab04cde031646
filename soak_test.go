package nftmon_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
)

// The soak is left out of the default run: `go test -run TestSoak -soak 10m
// -timeout 30m .` runs each of its two tests for 10 minutes (-run
// TestSoak/1ns or TestSoak/50ns for one).
var (
	soakFor   = flag.Duration("soak", 0, "run TestSoak's tests for this long each (0: skip them)")
	soakRound = flag.Duration("soak.round", 30*time.Second, "how long the soak's writers run between two comparisons")
	soakSeed  = flag.Uint64("soak.seed", 0, "the soak writers' random seed (0: from the clock, logged)")
)

// TestSoak commits random transactions (tables, chains, rules, sets,
// elements, objects, renames, deletes, failing transactions) from several
// concurrent nft processes, while nft monitor, a Monitor holding each
// transaction, and a snapshot-mode Monitor with a tiny buffer (forced
// losses, each repaired by a new snapshot) watch. Every round, with the
// writers paused, it checks that the held Monitor's transactions equal nft
// monitor's one by one (generation, process, changes), that their number is
// the number of commits, and that the state rebuilt from snapshots and
// tails equals `nft -j list ruleset`.
func TestSoak(t *testing.T) {
	if *soakFor <= 0 {
		t.Skip("the soak runs only with -soak DURATION")
	}
	for _, c := range []struct {
		name           string
		sites, writers int
	}{{"1ns", 1, 4}, {"50ns", 50, 6}} {
		t.Run(c.name, func(t *testing.T) {
			if dl, ok := t.Deadline(); ok && time.Until(dl) < *soakFor+time.Minute {
				t.Fatalf("-soak %v does not fit in what is left of -timeout (%v): raise -timeout", *soakFor, time.Until(dl).Round(time.Second))
			}
			newSoak(t, c.sites, c.writers).run(t, *soakFor)
		})
	}
}

// soakSite is one watched namespace and its observers.
type soakSite struct {
	ns      *nstest.NS
	nsid    int32 // with several sites: the nsid the held monitor sees
	nm      *nftMonitor
	held    *recorder         // the held monitor's events of this namespace
	snap    *snapshotRecorder // the snapshot-mode monitor's state
	snapMon *nftmon.Monitor
	floor   uint32       // the generation of the last comparison
	commits atomic.Int64 // writers' successful transactions since then
}

// soak is one run: its namespaces, the held monitor, the writers' picture of
// each namespace, and the totals it reports.
type soak struct {
	sites   []*soakSite
	held    *nftmon.Monitor
	writers [][]*soakWriter // [writer][site]
	seed    uint64
	round   int

	// totals
	txns, events, commits, failed, snapLosses, snapshots, retries int64
	heldLosses                                                    atomic.Int64
	diffs, stateDiffs, stateChecks, merged                        int
}

// newSoak makes nsites namespaces (with more than one, each gets an nsid in
// a watching namespace of its own, whose AllNetNS socket the held monitor
// reads) and starts their observers; nwriters writers will commit in them.
func newSoak(t *testing.T, nsites, nwriters int) *soak {
	s := &soak{seed: *soakSeed}
	if s.seed == 0 {
		s.seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (-soak.seed)", s.seed)
	var watch *nstest.NS
	if nsites > 1 {
		watch = nstest.New(t)
	}
	for i := range nsites {
		site := &soakSite{ns: nstest.New(t), held: &recorder{}, snap: &snapshotRecorder{}}
		if watch != nil {
			site.nsid = int32(i + 1)
			if err := watch.SetNSID(site.ns, site.nsid); err != nil {
				t.Fatal(err)
			}
		}
		s.sites = append(s.sites, site)
	}
	// One held monitor: of the namespace, or of all of them through one
	// AllNetNS socket in the watching namespace.
	cfg := nftmon.Config{NetNS: s.sites[0].ns.Path}
	if watch != nil {
		cfg = nftmon.Config{NetNS: watch.Path, AllNetNS: true}
	}
	var routeErr atomic.Value
	m, err := nftmon.NewMonitor(cfg, func(e *nftmon.Event) error {
		if e.Kind == nftmon.EventLoss {
			s.heldLosses.Add(1)
			return nil
		}
		i := 0
		if watch != nil {
			i = int(e.NSID) - 1
			if !e.HasNSID || i < 0 || i >= len(s.sites) {
				routeErr.CompareAndSwap(nil, fmt.Errorf("%s %s event of nsid %d (has %v)", e.Kind, e.Type, e.NSID, e.HasNSID))
				return nil
			}
		}
		r := s.sites[i].held
		r.mu.Lock()
		r.evs = append(r.evs, e.Clone())
		r.mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatalf("NewMonitor: %v", err)
	}
	s.held = m
	runUntilCleanup(t, "held monitor", m)
	t.Cleanup(func() {
		if err, _ := routeErr.Load().(error); err != nil {
			t.Errorf("held monitor: %v", err)
		}
	})
	for i, site := range s.sites {
		site.held.m = m
		site.nm = startNftMonitor(t, site.ns)
		rng := rand.New(rand.NewPCG(s.seed, uint64(i)))
		site.snapMon, err = nftmon.NewMonitor(nftmon.Config{NetNS: site.ns.Path, Snapshot: true, ReadBuffer: 8192}, func(e *nftmon.Event) error {
			// Fall behind now and then, so that the small buffer overflows.
			if rng.IntN(100) == 0 {
				time.Sleep(time.Duration(5+rng.IntN(30)) * time.Millisecond)
			}
			return site.snap.event(e)
		})
		if err != nil {
			t.Fatalf("NewMonitor (snapshot): %v", err)
		}
		runUntilCleanup(t, "snapshot monitor", site.snapMon)
	}
	for w := range nwriters {
		var ws []*soakWriter
		for range s.sites {
			ws = append(ws, newSoakWriter(w, s.seed))
		}
		s.writers = append(s.writers, ws)
	}
	return s
}

// runUntilCleanup runs m until the test's cleanup, which checks that Run
// ended only then.
func runUntilCleanup(t *testing.T, name string, m *nftmon.Monitor) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runMonitor(ctx, m) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("%s: Run returned %v, want context.Canceled", name, err)
		}
		m.Close()
	})
}

func (s *soak) run(t *testing.T, d time.Duration) {
	for _, site := range s.sites {
		site.floor = syncMonitors(t, site.ns, site.held, site.nm)
		site.held.take()
		site.nm.take()
	}
	start := time.Now()
	end := start.Add(d)
	rounds := 0
	for time.Now().Before(end) && !t.Failed() {
		s.round = rounds
		s.write(t, min(*soakRound, time.Until(end)))
		for _, site := range s.sites {
			s.compare(t, site)
		}
		rounds++
	}
	for _, site := range s.sites {
		st := site.snapMon.Stats()
		s.snapLosses += int64(st.Losses)
		s.snapshots += int64(st.Snapshots)
		s.retries += int64(st.Retries)
	}
	st := s.held.Stats()
	t.Logf("%v, %d rounds, %d namespaces: %d transactions compared (%d by the writers, the rest synchronizations), %d failing transactions refused, %d events; held monitor: %d losses; snapshot monitors: %d losses, %d snapshots, %d retried; %d state comparisons; differences: %d in transactions, %d in state; %d transactions printed by nft monitor without their generation line",
		time.Since(start).Round(time.Second), rounds, len(s.sites), s.txns, s.commits, s.failed, s.events, st.Losses, s.snapLosses, s.snapshots, s.retries, s.stateChecks, s.diffs, s.stateDiffs, s.merged)
	if st.Losses != 0 || s.heldLosses.Load() != 0 {
		t.Errorf("the held monitor lost notifications %d times (stats %+v)", s.heldLosses.Load(), st)
	}
	if s.diffs+s.stateDiffs != 0 {
		t.Errorf("%d transactions and %d states differ", s.diffs, s.stateDiffs)
	}
}

// write runs the writers for d, then stops them.
func (s *soak) write(t *testing.T, d time.Duration) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var failed atomic.Int64
	for w := range s.writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(s.seed+uint64(s.round), uint64(1000+w)))
			for {
				select {
				case <-stop:
					return
				default:
				}
				if t.Failed() {
					return
				}
				i := rng.IntN(len(s.sites))
				committed, err := s.writers[w][i].commit(s.sites[i].ns)
				switch {
				case err != nil:
					t.Errorf("writer %d in namespace %d: %v", w, s.sites[i].nsid, err)
					return
				case committed:
					s.sites[i].commits.Add(1)
				default:
					failed.Add(1)
				}
			}
		}()
	}
	for end := time.Now().Add(d); time.Now().Before(end) && !t.Failed(); {
		time.Sleep(min(time.Second, time.Until(end)))
	}
	close(stop)
	wg.Wait()
	s.failed += failed.Load()
}

// compare synchronizes site's observers after a round, compares their
// transcripts and states, and starts the next round's transcripts.
func (s *soak) compare(t *testing.T, site *soakSite) {
	t.Helper()
	where := fmt.Sprintf("namespace %d", site.nsid)
	g := syncMonitors(t, site.ns, site.held, site.nm)
	evs, text := site.held.take(), site.nm.take()
	s.events += int64(len(evs))
	commits := site.commits.Swap(0)
	s.commits += commits
	checkStamps(t, evs, g)

	if n := strings.Count(text, "# ERROR"); n != 0 {
		t.Errorf("%s: nft monitor reported %d errors (its own losses?)", where, n)
	}
	ours := ourTxns(t, evs, site.floor)
	nfts := parseNftMonitor(t, text, site.floor)
	s.txns += int64(len(nfts))
	syncs := 0
	for _, x := range nfts {
		if len(x.changes) == 2 && x.changes[0].table == "__sync" {
			syncs++
		}
	}
	if int64(len(nfts)-syncs) != commits {
		s.diffs++
		t.Errorf("%s: nft monitor printed %d transactions and %d synchronizations, the writers committed %d", where, len(nfts)-syncs, syncs, commits)
	}
	diffs, merged := diffTxns(ours, nfts)
	s.merged += merged
	s.diffs += len(diffs)
	for i, d := range diffs {
		if i == 10 {
			t.Errorf("%s: %d more differences", where, len(diffs)-i)
			break
		}
		t.Errorf("%s: %s", where, d)
	}
	site.floor = g

	// The snapshot monitor: it reaches g (after a resync if it lost
	// something), and its state is nft's.
	deadline := time.Now().Add(time.Minute)
	for site.snap.gen() != g && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	want := nftState(t, site.ns).String()
	r := site.snap
	r.mu.Lock()
	defer r.mu.Unlock()
	s.stateChecks++
	switch got := r.state.String(); {
	case r.err != nil:
		s.stateDiffs++
		t.Errorf("%s: snapshot monitor: %v", where, r.err)
		r.err = nil
	case r.lastGen != g:
		s.stateDiffs++
		t.Errorf("%s: snapshot monitor at gen %d, the kernel at %d; stats %+v", where, r.lastGen, g, site.snapMon.Stats())
	case got != want:
		s.stateDiffs++
		t.Errorf("%s: state rebuilt from snapshot and tail differs from nft -j list ruleset at gen %d:\n%s", where, g, lineDiff(got, want))
	}
}

// diffTxns compares the held monitor's transactions with nft monitor's and
// describes each difference. nft monitor 1.0.6 sometimes drops a "# new
// generation" line (KERNEL.md, fact 16): its changes then print under the
// next generation. Such a transaction of nft's is compared with ours merged,
// and counted in merged.
func diffTxns(ours, nfts []txn) (diffs []string, merged int) {
	i := 0
	for j, n := range nfts {
		if i == len(ours) {
			diffs = append(diffs, fmt.Sprintf("nft monitor printed %d more transactions, from %q", len(nfts)-j, n.commit))
			return diffs, merged
		}
		if sameTxn(ours[i], n) {
			i++
			continue
		}
		m := ours[i]
		k := i + 1
		for ; k < len(ours) && k < i+4 && m.commit != n.commit; k++ {
			m = mergeTxns(m, ours[k])
		}
		if sameTxn(m, n) {
			merged += k - i - 1
			i = k
			continue
		}
		diffs = append(diffs, fmt.Sprintf("transaction %d differs:\n got %s\n  %v\n  elements %v\nwant %s\n  %v\n  elements %v",
			j, ours[i].commit, ours[i].changes, ours[i].elems, n.commit, n.changes, n.elems))
		i++
	}
	if i < len(ours) {
		diffs = append(diffs, fmt.Sprintf("the monitor delivered %d more transactions, from %q", len(ours)-i, ours[i].commit))
	}
	return diffs, merged
}

func sameTxn(a, b txn) bool {
	return a.commit == b.commit && fmt.Sprint(a.changes) == fmt.Sprint(b.changes) && fmt.Sprint(a.elems) == fmt.Sprint(b.elems)
}

// mergeTxns returns a followed by b, under b's commit.
func mergeTxns(a, b txn) txn {
	m := txn{changes: append(append([]change(nil), a.changes...), b.changes...), elems: map[change]int{}, commit: b.commit}
	for c, n := range a.elems {
		m.elems[c] += n
	}
	for c, n := range b.elems {
		m.elems[c] += n
	}
	return m
}

// lineDiff lists the lines only in got (-) or only in want (+).
func lineDiff(got, want string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	g, w := in(got), in(want)
	var b strings.Builder
	for _, l := range strings.Split(got, "\n") {
		if !w[l] {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			fmt.Fprintf(&b, "+ %s\n", l)
		}
	}
	return b.String()
}

// take returns the events recorded so far and forgets them.
func (r *recorder) take() []*nftmon.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	evs := r.evs
	r.evs = nil
	return evs
}

// take returns what nft monitor printed so far and forgets it.
func (nm *nftMonitor) take() string {
	nm.mu.Lock()
	defer nm.mu.Unlock()
	s := nm.out.String()
	nm.out.Reset()
	return s
}
