package nftmon_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
	"golang.org/x/sys/unix"
)

func TestMonitorMatchesNftMonitor(t *testing.T) {
	for _, tc := range monitorCorpus {
		t.Run(tc.name, func(t *testing.T) {
			ns := nstest.New(t)
			r := startMonitor(t, nftmon.Config{NetNS: ns.Path})
			nm := startNftMonitor(t, ns)
			floor := syncMonitors(t, ns, r, nm)
			for _, step := range tc.steps {
				if s, ok := strings.CutPrefix(step, "!fail\n"); ok {
					if _, err := ns.TryNft(s, "-f", "-"); err == nil {
						t.Fatalf("step should have failed:\n%s", s)
					}
					continue
				}
				ns.Script(t, step)
			}
			last := syncMonitors(t, ns, r, nm)
			ours := ourTxns(t, r.events(), floor)
			nfts := parseNftMonitor(t, nm.text(), floor)
			// Drop the closing sync transaction from both.
			if len(ours) == 0 || len(nfts) == 0 {
				t.Fatalf("no transactions: ours %d, nft's %d", len(ours), len(nfts))
			}
			ours, nfts = ours[:len(ours)-1], nfts[:len(nfts)-1]
			if want := len(tc.steps) - strings.Count(strings.Join(tc.steps, "\x00"), "!fail\n"); len(nfts) != want {
				t.Errorf("nft monitor printed %d transactions, the corpus has %d", len(nfts), want)
			}
			compareTxns(t, ours, nfts)
			hidden := 0
			for _, o := range ours {
				hidden += o.hidden
			}
			if hidden != tc.hidden {
				t.Errorf("%d element events with a key end (not printed by nft monitor), want %d", hidden, tc.hidden)
			}
			if t.Failed() {
				t.Logf("nft monitor:\n%s", tail(nm.text(), 4000))
			}
			checkStamps(t, r.events(), last)
		})
	}
}

// checkStamps checks what nft monitor cannot: every change is stamped with
// its commit's gen and process, and its res_id is that gen's low 16 bits.
func checkStamps(t *testing.T, evs []*nftmon.Event, last uint32) {
	t.Helper()
	var pending []*nftmon.Event
	for _, e := range evs {
		switch e.Kind {
		case nftmon.EventChange:
			pending = append(pending, e)
		case nftmon.EventCommit:
			for _, p := range pending {
				if p.Gen != e.Gen || p.ProcPID != e.ProcPID || !bytes.Equal(p.ProcName, e.ProcName) || p.ResID != uint16(e.Gen) {
					t.Errorf("%s stamped gen %d pid %d %q res_id %d, its commit is gen %d pid %d %q",
						p.Type, p.Gen, p.ProcPID, p.ProcName, p.ResID, e.Gen, e.ProcPID, e.ProcName)
				}
				if p.Streamed {
					t.Errorf("%s streamed without Config.Stream", p.Type)
				}
			}
			pending = nil
		}
	}
	if len(pending) != 0 {
		t.Errorf("%d changes after the last commit (gen %d)", len(pending), last)
	}
}

func TestMonitorConcurrentWriters(t *testing.T) {
	ns := nstest.New(t)
	r := startMonitor(t, nftmon.Config{NetNS: ns.Path})
	nm := startNftMonitor(t, ns)
	floor := syncMonitors(t, ns, r, nm)
	const writers, each = 4, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				script := fmt.Sprintf("add table ip w%d_%d\nadd chain ip w%d_%d c\nadd set ip w%d_%d s { type ipv4_addr; }\nadd element ip w%d_%d s { 1.1.1.%d }\n", w, i, w, i, w, i, w, i, i+1)
				if i%3 == 2 {
					script += fmt.Sprintf("delete table ip w%d_%d\n", w, i-1)
				}
				if _, err := ns.TryNft(script, "-f", "-"); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	syncMonitors(t, ns, r, nm)
	ours := ourTxns(t, r.events(), floor)
	nfts := parseNftMonitor(t, nm.text(), floor)
	if len(nfts) != writers*each+1 {
		t.Errorf("nft monitor printed %d transactions, want %d", len(nfts), writers*each+1)
	}
	compareTxns(t, ours, nfts)
	checkStamps(t, r.events(), 0)
}

func TestMonitorLargeTransaction(t *testing.T) {
	const n = 50000
	ns := nstest.New(t)
	r := startMonitor(t, nftmon.Config{NetNS: ns.Path})
	before := currentGen(t, ns)
	ns.Script(t, nstest.ElementsScript("t", n))
	gen := currentGen(t, ns)
	if gen != before+1 {
		t.Fatalf("gen went from %d to %d", before, gen)
	}
	r.waitCommit(t, gen)
	var elems int
	for _, e := range r.events() {
		if e.Kind == nftmon.EventChange && e.Type == nftmon.MsgNewSetElem {
			elems++
		}
	}
	if elems != n {
		t.Errorf("got %d element events, want %d", elems, n)
	}
	checkStamps(t, r.events(), gen)
	st := r.m.Stats()
	if st.Losses != 0 || st.Malformed != 0 || st.Datagrams < 100 {
		t.Errorf("stats %+v: want no loss, no malformed message, many datagrams", st)
	}
	t.Logf("stats %+v", st)
}

func TestMonitorCloseAndCancelUnblock(t *testing.T) {
	ns := nstest.New(t)
	before := runtime.NumGoroutine()
	for _, how := range []string{"close", "cancel"} {
		m, err := nftmon.NewMonitor(nftmon.Config{NetNS: ns.Path}, func(*nftmon.Event) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- runMonitor(ctx, m) }()
		time.Sleep(50 * time.Millisecond) // let Run block in recvmsg
		if how == "close" {
			m.Close()
		} else {
			cancel()
		}
		select {
		case err := <-done:
			want := nftmon.ErrClosed
			if how == "cancel" {
				want = context.Canceled
			}
			if !errors.Is(err, want) {
				t.Errorf("%s: Run returned %v, want %v", how, err, want)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("%s: Run did not return", how)
		}
		cancel()
		if err := m.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left behind", n-before)
	}
}

func TestMonitorCallbackErrorStopsRun(t *testing.T) {
	ns := nstest.New(t)
	stop := errors.New("enough")
	m, err := nftmon.NewMonitor(nftmon.Config{NetNS: ns.Path}, func(e *nftmon.Event) error {
		if e.Kind == nftmon.EventCommit {
			return stop
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	done := make(chan error, 1)
	go func() { done <- runMonitor(context.Background(), m) }()
	ns.Nft(t, "add", "table", "ip", "t")
	select {
	case err := <-done:
		if !errors.Is(err, stop) {
			t.Errorf("Run returned %v, want the callback's error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return the callback's error")
	}
}

func TestMonitorLoss(t *testing.T) {
	ns := nstest.New(t)
	var (
		mu      sync.Mutex
		evs     []*nftmon.Event
		slow    = make(chan struct{})
		release = make(chan struct{})
		once    sync.Once
		first   = true
	)
	free := func() { once.Do(func() { close(release) }) }
	m, err := nftmon.NewMonitor(nftmon.Config{NetNS: ns.Path, ReadBuffer: 8192}, func(e *nftmon.Event) error {
		mu.Lock()
		evs = append(evs, e.Clone())
		mu.Unlock()
		select {
		case <-slow:
			if first {
				// Fall behind until the burst has been committed (not
				// for a time, which a loaded machine may not keep).
				first = false
				<-release
			}
		default:
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runMonitor(ctx, m) }()
	defer func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v, want context.Canceled", err)
		}
	}()
	defer free() // before Run is stopped, whatever failed

	ns.Nft(t, "add", "table", "ip", "warmup")
	warm := currentGen(t, ns)
	waitFor(t, &mu, &evs, warm)
	close(slow)
	// The burst: a transaction of 3,000 elements (many datagrams) while
	// the callback waits, so that the 8 KiB buffer overflows.
	ns.Script(t, "add table ip first")
	ns.Script(t, nstest.ElementsScript("t", 3000))
	burst := currentGen(t, ns)
	free()
	// Until the monitor has emptied its queue, the kernel drops every
	// notification (KERNEL.md, fact 7): commit probes until one arrives.
	for i := 0; ; i++ {
		ns.Nft(t, "add", "table", "ip", fmt.Sprintf("probe%d", i))
		if g := currentGen(t, ns); seenCommit(&mu, &evs, g, time.Second) {
			break
		}
		if i == 30 {
			t.Fatalf("no probe delivered after the loss; stats %+v", m.Stats())
		}
	}
	// Transactions after the loss, delivered whole.
	ns.Script(t, "add table ip after1\nadd chain ip after1 c")
	ns.Script(t, "add table ip after2")
	last := currentGen(t, ns)
	waitFor(t, &mu, &evs, last)

	mu.Lock()
	got := slices.Clone(evs)
	mu.Unlock()
	losses := 0
	for _, e := range got {
		if e.Kind == nftmon.EventLoss {
			losses++
			if !errors.Is(e.Err, nftmon.ErrOverflow) || !errors.Is(e.Err, unix.ENOBUFS) {
				t.Errorf("loss event error %v, want ErrOverflow", e.Err)
			}
		}
		if e.Kind == nftmon.EventChange && e.Gen == burst {
			t.Errorf("a change of the overflowing transaction %d was delivered", burst)
		}
	}
	if losses != 1 {
		t.Errorf("%d loss events, want 1", losses)
	}
	checkStamps(t, got, last)
	// The two transactions after the loss are whole.
	var after []string
	for _, e := range got {
		if e.Gen == last || e.Gen == last-1 {
			after = append(after, fmt.Sprintf("%s %s", e.Kind, e.Type))
		}
	}
	want := []string{"change NEWTABLE", "change NEWCHAIN", "commit NEWGEN", "change NEWTABLE", "commit NEWGEN"}
	if !slices.Equal(after, want) {
		t.Errorf("after the loss got %v, want %v", after, want)
	}
	if st := m.Stats(); st.Losses != 1 || st.Discarded == 0 {
		t.Errorf("stats %+v: want one loss, some discarded", st)
	}
}

func waitFor(t *testing.T, mu *sync.Mutex, evs *[]*nftmon.Event, gen uint32) {
	t.Helper()
	if !seenCommit(mu, evs, gen, 10*time.Second) {
		t.Fatalf("no commit of generation %d", gen)
	}
}

// TestMonitorQuotaDepletion makes the kernel send a notification outside
// any transaction: a quota object that runs out sends NEWOBJ from the
// packet path (nft_obj_notify), with no NEWGEN after it.
func TestMonitorQuotaDepletion(t *testing.T) {
	ns := nstest.New(t)
	if out, err := ns.Command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("ip link set lo up: %v: %s", err, out)
	}
	r := startMonitor(t, nftmon.Config{NetNS: ns.Path})
	ns.Script(t, "add table ip t\nadd quota ip t q { until 100 bytes }\nadd chain ip t out { type filter hook output priority 0; }\nadd rule ip t out quota name q")
	gen := currentGen(t, ns)
	r.waitCommit(t, gen)
	// Traffic on lo, through the output hook, uses the quota up.
	udp := "for i in 1 2 3; do head -c 200 /dev/zero > /dev/udp/127.0.0.1/9; done"
	if out, err := ns.Command("bash", "-c", udp).CombinedOutput(); err != nil {
		t.Fatalf("sending UDP on lo: %v: %s", err, out)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, e := range r.events() {
			if e.Kind == nftmon.EventOutside {
				if e.Type != nftmon.MsgNewObj || e.Gen != gen || e.ProcPID != 0 {
					t.Errorf("outside event %s gen %d pid %d, want NEWOBJ of gen %d without process", e.Type, e.Gen, e.ProcPID, gen)
				}
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no outside event after the quota ran out; events: %d, stats %+v", len(r.events()), r.m.Stats())
}

// TestMonitorAllNetNS watches two namespaces with one socket: the second
// has an nsid in the first.
func TestMonitorAllNetNS(t *testing.T) {
	a, b := nstest.New(t), nstest.New(t)
	const nsid = 7
	if err := a.SetNSID(b, nsid); err != nil {
		t.Fatal(err)
	}

	r := startMonitor(t, nftmon.Config{NetNS: a.Path, AllNetNS: true})
	var wg sync.WaitGroup
	for i, ns := range []*nstest.NS{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 10 {
				script := fmt.Sprintf("add table ip n%d_%d\nadd chain ip n%d_%d c\nadd set ip n%d_%d s { type ipv4_addr; }\nadd element ip n%d_%d s { 1.2.3.4, 5.6.7.8 }", i, j, i, j, i, j, i, j)
				if _, err := ns.TryNft(script, "-f", "-"); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	genA, genB := currentGen(t, a), currentGen(t, b)
	r.waitCommit(t, genA)
	deadline := time.Now().Add(10 * time.Second)
	for !hasCommit(r.events(), genB, int32(nsid)) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	evs := r.events()
	for _, side := range []struct {
		name    string
		hasNSID bool
		prefix  string
	}{{"own", false, "n0_"}, {"other", true, "n1_"}} {
		var own []*nftmon.Event
		for _, e := range evs {
			if e.HasNSID == side.hasNSID {
				if side.hasNSID && e.NSID != int32(nsid) {
					t.Fatalf("event with nsid %d, want %d", e.NSID, nsid)
				}
				own = append(own, e)
			}
		}
		commits := 0
		for _, e := range own {
			if e.Kind == nftmon.EventCommit {
				commits++
			} else if c := ident(t, e); !strings.HasPrefix(c.table, side.prefix) {
				t.Errorf("%s namespace: event for table %q", side.name, c.table)
			}
		}
		if commits != 10 || len(own) != 10*6 {
			t.Errorf("%s namespace: %d events, %d commits; want 60, 10", side.name, len(own), commits)
		}
		checkStamps(t, own, 0)
	}
}

func hasCommit(evs []*nftmon.Event, gen uint32, nsid int32) bool {
	for _, e := range evs {
		if e.Kind == nftmon.EventCommit && e.Gen == gen && e.HasNSID && e.NSID == nsid {
			return true
		}
	}
	return false
}

// TestMonitorRunAgain cancels Run, runs it again, and sees the changes made
// in between: nothing is lost by stopping and starting.
func TestMonitorRunAgain(t *testing.T) {
	ns := nstest.New(t)
	var mu sync.Mutex
	var evs []*nftmon.Event
	m, err := nftmon.NewMonitor(nftmon.Config{NetNS: ns.Path, Snapshot: true}, func(e *nftmon.Event) error {
		mu.Lock()
		evs = append(evs, e.Clone())
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for round := range 2 {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- runMonitor(ctx, m) }()
		if round == 0 {
			// The first Run starts with a snapshot: a table made before it
			// is read would be in it, not in the tail.
			for deadline := time.Now().Add(10 * time.Second); !hasKind(&mu, &evs, nftmon.EventSnapshotEnd); time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("no snapshot")
				}
			}
		}
		ns.Nft(t, "add", "table", "ip", fmt.Sprintf("r%d", round))
		waitFor(t, &mu, &evs, currentGen(t, ns))
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("round %d: Run returned %v", round, err)
		}
		// Made while no Run runs: the next one delivers it.
		ns.Nft(t, "add", "table", "ip", fmt.Sprintf("between%d", round))
	}
	var tables []string
	for _, e := range evs {
		if e.Kind == nftmon.EventChange {
			tables = append(tables, ident(t, e).table)
		}
	}
	if want := []string{"r0", "between0", "r1"}; !slices.Equal(tables, want) {
		t.Errorf("tables made %v, want %v", tables, want)
	}
	if st := m.Stats(); st.Snapshots != 1 || st.Transactions != 3 {
		t.Errorf("stats %+v: want one snapshot, then three commits", st)
	}
}

// hasKind reports whether an event of kind is among evs.
func hasKind(mu *sync.Mutex, evs *[]*nftmon.Event, kind nftmon.EventKind) bool {
	mu.Lock()
	defer mu.Unlock()
	for _, e := range *evs {
		if e.Kind == kind {
			return true
		}
	}
	return false
}

// seenCommit waits up to wait for the commit of gen among evs.
func seenCommit(mu *sync.Mutex, evs *[]*nftmon.Event, gen uint32, wait time.Duration) bool {
	for deadline := time.Now().Add(wait); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		for _, e := range *evs {
			if e.Kind == nftmon.EventCommit && e.Gen == gen {
				mu.Unlock()
				return true
			}
		}
		mu.Unlock()
	}
	return false
}
