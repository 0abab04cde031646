package nftmon_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
)

// writer commits random changes (soakWriter's) until stop is closed.
func writer(t *testing.T, ns *nstest.NS, id int, stop <-chan struct{}, commits *atomic.Int64) {
	w := newSoakWriter(id, 1)
	for {
		select {
		case <-stop:
			return
		default:
		}
		committed, err := w.commit(ns)
		if err != nil {
			t.Errorf("writer %d: %v", id, err)
			return
		}
		if committed {
			commits.Add(1)
		}
	}
}

func runSnapshotMonitor(t *testing.T, cfg nftmon.Config, r *snapshotRecorder) (*nftmon.Monitor, func()) {
	t.Helper()
	m, err := nftmon.NewMonitor(cfg, r.event)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runMonitor(ctx, m) }()
	return m, func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
		m.Close()
	}
}

// waitState waits until the monitor has applied the namespace's current
// generation, then compares its state with nft's.
func waitState(t *testing.T, ns *nstest.NS, r *snapshotRecorder) {
	t.Helper()
	gen := currentGen(t, ns)
	deadline := time.Now().Add(20 * time.Second)
	for r.gen() != gen && !nftmon.GenAfter(r.gen(), gen) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.lastGen != gen {
		t.Fatalf("monitor at gen %d, kernel at %d", r.lastGen, gen)
	}
	got, want := r.state.String(), nftState(t, ns).String()
	if got != want {
		t.Errorf("rebuilt state differs from nft -j list ruleset\n got:\n%s\nwant:\n%s", got, want)
	}
}

func TestSnapshotUnderFire(t *testing.T) {
	rounds := 6
	if testing.Short() {
		rounds = 2
	}
	var retries, commitsDuring uint64
	// A ruleset large enough that a snapshot takes a while: 1,000 sets,
	// each its own element dump, so that commits land while it runs.
	var bulk strings.Builder
	bulk.WriteString("add table ip bulk\n")
	for i := range 1000 {
		fmt.Fprintf(&bulk, "add set ip bulk s%d { type ipv4_addr; elements = {", i)
		for j := range 20 {
			if j > 0 {
				bulk.WriteByte(',')
			}
			fmt.Fprintf(&bulk, " 172.%d.%d.%d", 16+i/250, i%250, j)
		}
		bulk.WriteString(" } }\n")
	}
	for round := range rounds {
		ns := nstest.New(t)
		ns.Script(t, bulk.String())
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var commits atomic.Int64
		for w := range 3 {
			wg.Add(1)
			go func() { defer wg.Done(); writer(t, ns, w, stop, &commits) }()
		}
		for deadline := time.Now().Add(time.Minute); commits.Load() < int64(20+10*round); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) || t.Failed() {
				close(stop)
				wg.Wait()
				t.Fatalf("writers made only %d commits", commits.Load())
			}
		}
		r := &snapshotRecorder{}
		m, done := runSnapshotMonitor(t, nftmon.Config{NetNS: ns.Path, Snapshot: true}, r)
		before := commits.Load()
		time.Sleep(700 * time.Millisecond)
		close(stop)
		wg.Wait()
		commitsDuring += uint64(commits.Load() - before)
		waitState(t, ns, r)
		st := m.Stats()
		retries += st.Retries
		if st.Snapshots != 1 || r.snapshots != 1 || st.Losses != 0 {
			t.Errorf("round %d: stats %+v, %d snapshots seen", round, st, r.snapshots)
		}
		done()
	}
	t.Logf("%d rounds, %d commits while monitoring, %d snapshot retries", rounds, commitsDuring, retries)
	if retries == 0 {
		t.Errorf("no snapshot was retried in %d rounds under fire: the retry path was not exercised", rounds)
	}
}

func TestSnapshotResyncAfterLoss(t *testing.T) {
	ns := nstest.New(t)
	ns.Script(t, "add table ip base\nadd set ip base s { type ipv4_addr; }\nadd element ip base s { 1.1.1.1 }")
	r := &snapshotRecorder{}
	var slowOnce atomic.Bool
	release := make(chan struct{})
	var releaseOnce sync.Once
	free := func() { releaseOnce.Do(func() { close(release) }) }
	// The end of the resync waits for a commit of the test's: the kernel
	// must not have dropped it (KERNEL.md, fact 7).
	resynced, resume := make(chan struct{}), make(chan struct{})
	var resumeOnce sync.Once
	cont := func() { resumeOnce.Do(func() { close(resume) }) }
	cb := func(e *nftmon.Event) error {
		if e.Kind == nftmon.EventChange && slowOnce.CompareAndSwap(true, false) {
			<-release // fall behind until the burst is committed: it overflows
		}
		err := r.event(e)
		if e.Kind == nftmon.EventSnapshotEnd && r.snapshots == 2 { // the resync's end (r.snapshots is written on this goroutine only)
			close(resynced)
			<-resume
		}
		return err
	}
	m, err := nftmon.NewMonitor(nftmon.Config{NetNS: ns.Path, Snapshot: true, ReadBuffer: 8192}, cb)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runMonitor(ctx, m) }()
	defer func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v, want context.Canceled", err)
		}
		m.Close()
	}()
	defer cont()
	defer free() // before Run is stopped, whatever failed
	waitState(t, ns, r)

	slowOnce.Store(true)
	ns.Script(t, "add element ip base s { 2.2.2.2 }")
	ns.Script(t, nstest.ElementsScript("burst", 2000))
	ns.Script(t, "delete element ip base s { 1.1.1.1 }\nadd table ip after")
	free()
	select {
	case <-resynced:
	case <-time.After(20 * time.Second):
		t.Fatalf("no resync after the burst; stats %+v", m.Stats())
	}
	ns.Script(t, "add table ip post")
	cont()
	waitState(t, ns, r)
	st := m.Stats()
	r.mu.Lock()
	defer r.mu.Unlock()
	if st.Losses == 0 || r.losses == 0 {
		t.Fatalf("no loss with an 8 KiB buffer: stats %+v", st)
	}
	if st.Snapshots != 1+st.Losses || r.snapshots != int(st.Snapshots) {
		t.Errorf("%d losses, %d snapshots (%d seen): want a resync after each loss", st.Losses, st.Snapshots, r.snapshots)
	}
}

func TestSnapshotScoped(t *testing.T) {
	ns := nstest.New(t)
	ns.Script(t, `add table ip a
add chain ip a c
add set ip a s { type ipv4_addr; }
add element ip a s { 1.1.1.1 }
add table ip6 a
add table ip b
add chain ip b c`)
	for _, c := range []struct {
		scope nftmon.Scope
		want  []string // tables in the snapshot
	}{
		{nftmon.Scope{}, []string{"ip a", "ip b", "ip6 a"}},
		{nftmon.Scope{Family: nftmon.FamilyIPv4}, []string{"ip a", "ip b"}},
		{nftmon.Scope{Family: nftmon.FamilyIPv4, Table: "a"}, []string{"ip a"}},
	} {
		conn, err := nftmon.Open(nftmon.ConnConfig{NetNS: ns.Path, ReadBuffer: -1})
		if err != nil {
			t.Fatal(err)
		}
		var tables []string
		var kinds []string
		gen, err := conn.Snapshot(context.Background(), c.scope, func(e *nftmon.Event) error {
			kinds = append(kinds, e.Kind.String())
			if e.Kind != nftmon.EventSnapshot {
				return nil
			}
			c := ident(t, e)
			if e.Type.Object() == nftmon.ObjectTable {
				tables = append(tables, c.family+" "+c.table)
			} else if !slices.Contains(tables, c.family+" "+c.table) {
				t.Errorf("scope %+v: %s of table %s %s, not in the snapshot's tables", c, e.Type, c.family, c.table)
			}
			return nil
		})
		conn.Close()
		if err != nil {
			t.Fatal(err)
		}
		if gen != currentGen(t, ns) {
			t.Errorf("snapshot gen %d, kernel %d", gen, currentGen(t, ns))
		}
		sort.Strings(tables)
		if !slices.Equal(tables, c.want) {
			t.Errorf("scope %+v: tables %v, want %v", c.scope, tables, c.want)
		}
		if kinds[0] != "snapshot-begin" || kinds[len(kinds)-1] != "snapshot-end" {
			t.Errorf("scope %+v: snapshot not bracketed: %v", c.scope, kinds)
		}
	}
}

// TestSnapshotResyncSeesNextCommit: after an overflow the kernel drops
// every notification for the socket until its queue is empty, without a
// second ENOBUFS. A commit made right after the resync snapshot (here from
// the callback of its EventSnapshotEnd) must still reach the tail.
func TestSnapshotResyncSeesNextCommit(t *testing.T) {
	ns := nstest.New(t)
	ns.Script(t, "add table ip base\nadd set ip base s { type ipv4_addr; }")
	r := &snapshotRecorder{}
	var slowOnce, commitOnce, committed atomic.Bool
	cb := func(e *nftmon.Event) error {
		if e.Kind == nftmon.EventChange && slowOnce.CompareAndSwap(true, false) {
			time.Sleep(400 * time.Millisecond) // fall behind: the burst overflows
		}
		err := r.event(e)
		if e.Kind == nftmon.EventSnapshotEnd && r.losses > 0 && commitOnce.CompareAndSwap(false, true) {
			ns.Script(t, "add table ip late")
			committed.Store(true)
		}
		return err
	}
	m, err := nftmon.NewMonitor(nftmon.Config{NetNS: ns.Path, Snapshot: true, ReadBuffer: 8192}, cb)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	defer func() { cancel(); <-done; m.Close() }()
	waitState(t, ns, r)

	slowOnce.Store(true)
	ns.Script(t, "add element ip base s { 2.2.2.2 }")
	ns.Script(t, nstest.ElementsScript("burst", 2000))
	for deadline := time.Now().Add(10 * time.Second); !committed.Load(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no resync snapshot after the burst: stats %+v", m.Stats())
		}
	}
	waitState(t, ns, r) // fails if the table made after the snapshot never came
}
