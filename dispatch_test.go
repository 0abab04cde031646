package nftmon

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// captureDatagrams reads testdata/NAME.pcap, notifications captured from
// the kernel (see testdata/README.md).
func captureDatagrams(t testing.TB, name string) [][]byte {
	t.Helper()
	return mustDatagrams(t, filepath.Join("testdata", name+".pcap"))
}

// mustReplayer returns a Replayer or fails the test.
func mustReplayer(tb testing.TB, cfg ReplayConfig, fn func(*Event) error) *Replayer {
	tb.Helper()
	r, err := NewReplayer(cfg, fn)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// captureNames lists the notification captures in testdata.
func captureNames(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/*.pcap")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		if n := strings.TrimSuffix(filepath.Base(f), ".pcap"); !strings.HasSuffix(n, ".dump") {
			names = append(names, n)
		}
	}
	if len(names) < 5 {
		t.Fatalf("only %d captures in testdata", len(names))
	}
	return names
}

// replay feeds datagrams through a replay Monitor and returns clones of
// the events; the buffer behind each event is poisoned after the callback,
// so that a view kept too long would show.
func replay(t testing.TB, cfg ReplayConfig, dgs [][]byte) ([]*Event, *Replayer) {
	t.Helper()
	var evs []*Event
	m := mustReplayer(t, cfg, func(e *Event) error {
		evs = append(evs, e.Clone())
		return nil
	})
	for _, dg := range dgs {
		if err := m.Feed(dg, 0, false); err != nil {
			t.Fatal(err)
		}
		for _, b := range m.d.a.blocks[m.d.a.cur+1:] {
			clear(b)
		}
		for i := range m.d.a.blocks[m.d.a.cur][m.d.a.used:] {
			m.d.a.blocks[m.d.a.cur][m.d.a.used+i] = 0xAA
		}
	}
	return evs, m
}

// messages lists every nftables message of the datagrams, in order.
func messages(t testing.TB, dgs [][]byte) []Message {
	t.Helper()
	var out []Message
	for _, dg := range dgs {
		s := NewMessageScanner(dg)
		for s.Next() {
			out = append(out, *s.Message())
		}
		if err := s.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

var genLineRE = regexp.MustCompile(`(?m)^# new generation \d+ by process \d+ \(.*\)$`)

func TestReplayGroupsByTransaction(t *testing.T) {
	for _, name := range captureNames(t) {
		t.Run(name, func(t *testing.T) {
			dgs := captureDatagrams(t, name)
			evs, m := replay(t, ReplayConfig{}, dgs)
			msgs := messages(t, dgs)
			if len(evs) != len(msgs) {
				t.Fatalf("%d events for %d messages", len(evs), len(msgs))
			}
			// Every message is delivered once, in kernel order, and every
			// change carries its commit's stamp.
			var commits []string
			start := 0
			for i, e := range evs {
				nf, attrs, _ := ParseNFGen(msgs[i].Payload)
				if e.Type != msgs[i].Header.MsgType() || !bytes.Equal(e.Attrs, attrs) || e.Header != msgs[i].Header || e.ResID != nf.ResID || e.Family != nf.Family {
					t.Fatalf("event %d (%s) is not message %d (%s)", i, e.Type, i, msgs[i].Header.MsgType())
				}
				if e.Kind != EventCommit {
					if e.Kind != EventChange || e.Streamed {
						t.Errorf("event %d: kind %s streamed %v, want a held change", i, e.Kind, e.Streamed)
					}
					continue
				}
				var g Gen
				if err := g.Decode(attrs); err != nil {
					t.Fatal(err)
				}
				if e.Gen != g.ID || e.ProcPID != g.ProcPID || !bytes.Equal(e.ProcName, g.ProcName) {
					t.Errorf("commit %d stamped %d/%d/%s, NEWGEN says %d/%d/%s", i, e.Gen, e.ProcPID, e.ProcName, g.ID, g.ProcPID, g.ProcName)
				}
				for _, c := range evs[start:i] {
					if c.Gen != g.ID || c.ProcPID != g.ProcPID || !bytes.Equal(c.ProcName, g.ProcName) || c.ResID != uint16(g.ID) {
						t.Errorf("%s stamped gen %d pid %d %q, its commit is %d %d %q", c.Type, c.Gen, c.ProcPID, c.ProcName, g.ID, g.ProcPID, g.ProcName)
					}
				}
				start = i + 1
				commits = append(commits, fmt.Sprintf("# new generation %d by process %d (%s)", e.Gen, e.ProcPID, e.ProcName))
			}
			if start != len(evs) {
				t.Errorf("%d events after the last commit", len(evs)-start)
			}
			if want, err := os.ReadFile(filepath.Join("testdata", name+".monitor")); err == nil {
				if got, want := strings.Join(commits, "\n"), strings.Join(genLineRE.FindAllString(string(want), -1), "\n"); got != want {
					t.Errorf("commit lines differ from nft monitor's:\n got %s\nwant %s", got, want)
				}
			}
			st := m.Stats()
			if st.Datagrams != uint64(len(dgs)) || st.Messages != uint64(len(msgs)) || st.Events != uint64(len(evs)) || st.Transactions != uint64(len(commits)) || st.Malformed != 0 {
				t.Errorf("stats %+v for %d datagrams, %d messages, %d commits", st, len(dgs), len(msgs), len(commits))
			}
		})
	}
}

// commitsOf returns the generations of the commit events.
func commitsOf(evs []*Event) []uint32 {
	var gens []uint32
	for _, e := range evs {
		if e.Kind == EventCommit {
			gens = append(gens, e.Gen)
		}
	}
	return gens
}

func TestReplayFloor(t *testing.T) {
	dgs := captureDatagrams(t, "rules")
	all, _ := replay(t, ReplayConfig{}, dgs)
	gens := commitsOf(all)
	if len(gens) < 3 {
		t.Fatalf("rules capture has %d transactions", len(gens))
	}
	floor := gens[1]
	evs, m := replay(t, ReplayConfig{Floor: floor}, dgs)
	for _, e := range evs {
		if !GenAfter(e.Gen, floor) {
			t.Errorf("%s %s of gen %d delivered with floor %d", e.Kind, e.Type, e.Gen, floor)
		}
	}
	var want int
	for _, e := range all {
		if GenAfter(e.Gen, floor) {
			want++
		}
	}
	if len(evs) != want {
		t.Errorf("%d events above the floor, want %d", len(evs), want)
	}
	if st := m.Stats(); st.BelowFloor != uint64(len(all)-want) {
		t.Errorf("BelowFloor = %d, want %d", st.BelowFloor, len(all)-want)
	}

	// SetFloor from the callback takes effect for the next transaction.
	var got []uint32
	var mm *Replayer
	mm = mustReplayer(t, ReplayConfig{}, func(e *Event) error {
		if e.Kind == EventCommit {
			got = append(got, e.Gen)
			mm.SetFloor(e.Gen + 1)
		}
		return nil
	})
	for _, dg := range dgs {
		if err := mm.Feed(dg, 0, false); err != nil {
			t.Fatal(err)
		}
	}
	if want := []uint32{gens[0], gens[2]}; len(got) < 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("with SetFloor(gen+1) at each commit got commits %v, want every other one starting %v", got, want)
	}
}

func TestReplayStream(t *testing.T) {
	dgs := captureDatagrams(t, "sets")
	held, _ := replay(t, ReplayConfig{}, dgs)
	evs, m := replay(t, ReplayConfig{Stream: true}, dgs)
	if len(evs) != len(held) {
		t.Fatalf("streamed %d events, held mode %d", len(evs), len(held))
	}
	known := false
	for i, e := range evs {
		h := held[i]
		if e.Type != h.Type || !bytes.Equal(e.Attrs, h.Attrs) {
			t.Fatalf("event %d: streamed %s, held %s", i, e.Type, h.Type)
		}
		switch e.Kind {
		case EventCommit:
			known = true
			if e.Gen != h.Gen || e.ProcPID != h.ProcPID || !bytes.Equal(e.ProcName, h.ProcName) {
				t.Errorf("commit %d differs: %+v vs %+v", i, e, h)
			}
		case EventChange:
			if !e.Streamed || e.ProcPID != 0 || e.ProcName != nil {
				t.Errorf("event %d: streamed change with Streamed %v, process %d %q", i, e.Streamed, e.ProcPID, e.ProcName)
			}
			// Before the first commit the replay knows no full gen.
			if known && e.Gen != h.Gen || !known && e.Gen != uint32(e.ResID) {
				t.Errorf("event %d: streamed gen %d, committed gen %d (known %v)", i, e.Gen, h.Gen, known)
			}
		}
	}
	if st := m.Stats(); st.Streamed == 0 || st.Streamed != uint64(len(evs)-len(commitsOf(evs))) {
		t.Errorf("Streamed = %d", st.Streamed)
	}
}

func TestReplayTransactionCap(t *testing.T) {
	dgs := captureDatagrams(t, "big")
	held, _ := replay(t, ReplayConfig{}, dgs)
	const limit = 20000
	evs, m := replay(t, ReplayConfig{MaxTransactionBytes: limit}, dgs)
	if len(evs) != len(held) {
		t.Fatalf("%d events with a cap, %d without", len(evs), len(held))
	}
	streamed := 0
	for i, e := range evs {
		if e.Type != held[i].Type || !bytes.Equal(e.Attrs, held[i].Attrs) {
			t.Fatalf("event %d differs", i)
		}
		if e.Streamed {
			streamed++
			if e.Gen != held[i].Gen {
				t.Errorf("streamed event %d gen %d, want %d", i, e.Gen, held[i].Gen)
			}
		}
	}
	if streamed == 0 {
		t.Fatal("no event was streamed over the cap")
	}
	if st := m.Stats(); st.Streamed != uint64(streamed) {
		t.Errorf("Streamed = %d, counted %d", st.Streamed, streamed)
	}
	// Nothing near the whole transaction was held.
	if n := len(m.d.a.blocks) * blockSize; n > limit+2*blockSize {
		t.Errorf("arena grew to %d bytes with a cap of %d", n, limit)
	}
}

func TestReplayLoss(t *testing.T) {
	dgs := captureDatagrams(t, "big")
	// Find the datagram in the middle of the big transaction.
	var bigEnd int
	for i, dg := range dgs {
		if len(dg) < 100 && i > 10 {
			bigEnd = i // the NEWGEN after the big transaction
			break
		}
	}
	if bigEnd == 0 {
		t.Fatal("no big transaction in the capture")
	}
	all, _ := replay(t, ReplayConfig{}, dgs)
	gens := commitsOf(all)
	var evs []*Event
	m := mustReplayer(t, ReplayConfig{}, func(e *Event) error { evs = append(evs, e.Clone()); return nil })
	for i, dg := range dgs {
		if i == bigEnd/2 {
			if err := m.FeedLoss(ErrOverflow); err != nil {
				t.Fatal(err)
			}
		}
		if err := m.Feed(dg, 0, false); err != nil {
			t.Fatal(err)
		}
	}
	var losses int
	var lostGen uint32
	for _, e := range evs {
		if e.Kind == EventLoss {
			losses++
			if !errors.Is(e.Err, ErrOverflow) {
				t.Errorf("loss event with error %v", e.Err)
			}
			continue
		}
		if lostGen == 0 && losses > 0 {
			lostGen = e.Gen
		}
		if losses > 0 && e.Gen == gens[len(commitsOf(all[:0]))] {
			continue
		}
	}
	if losses != 1 {
		t.Fatalf("%d loss events, want 1", losses)
	}
	// The transaction in flight is delivered neither before nor after
	// the loss; every later one is, whole and stamped.
	bigGen := commitsOf(messagesEvents(all, bigEnd, dgs))[0]
	for _, e := range evs {
		if e.Kind != EventLoss && e.Gen == bigGen {
			t.Fatalf("%s %s of the interrupted transaction %d delivered", e.Kind, e.Type, bigGen)
		}
	}
	after := func(evs []*Event) []*Event {
		var out []*Event
		for _, e := range evs {
			if e.Kind != EventLoss && GenAfter(e.Gen, bigGen) {
				out = append(out, e)
			}
		}
		return out
	}
	a, b := after(evs), after(all)
	if len(a) != len(b) || len(b) == 0 {
		t.Fatalf("%d events after the loss, want %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Kind != b[i].Kind || a[i].Gen != b[i].Gen || a[i].ProcPID != b[i].ProcPID || !bytes.Equal(a[i].Attrs, b[i].Attrs) {
			t.Errorf("event %d after the loss differs", i)
		}
	}
	if st := m.Stats(); st.Losses != 1 || st.Discarded == 0 {
		t.Errorf("stats %+v: want one loss and discarded messages", st)
	}
}

// messagesEvents returns the events of all up to the commit in datagram
// bigEnd of dgs.
func messagesEvents(all []*Event, bigEnd int, dgs [][]byte) []*Event {
	n := 0
	for _, dg := range dgs[:bigEnd+1] {
		s := NewMessageScanner(dg)
		for s.Next() {
			n++
		}
	}
	out := all[:n]
	return out[len(out)-1:]
}

func TestReplayNamespacesGroupedApart(t *testing.T) {
	a, b := captureDatagrams(t, "rules"), captureDatagrams(t, "sets")
	var evs []*Event
	m := mustReplayer(t, ReplayConfig{}, func(e *Event) error { evs = append(evs, e.Clone()); return nil })
	// Interleave the two namespaces datagram by datagram.
	for i := 0; i < max(len(a), len(b)); i++ {
		if i < len(a) {
			if err := m.Feed(a[i], 0, false); err != nil {
				t.Fatal(err)
			}
		}
		if i < len(b) {
			if err := m.Feed(b[i], 7, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	wantA, _ := replay(t, ReplayConfig{}, a)
	wantB, _ := replay(t, ReplayConfig{}, b)
	var gotA, gotB []*Event
	for _, e := range evs {
		if e.HasNSID {
			if e.NSID != 7 {
				t.Fatalf("nsid %d", e.NSID)
			}
			gotB = append(gotB, e)
		} else {
			gotA = append(gotA, e)
		}
	}
	for _, c := range []struct {
		name      string
		got, want []*Event
	}{{"own", gotA, wantA}, {"nsid 7", gotB, wantB}} {
		if len(c.got) != len(c.want) {
			t.Fatalf("%s namespace: %d events, want %d", c.name, len(c.got), len(c.want))
		}
		for i := range c.got {
			g, w := c.got[i], c.want[i]
			if g.Kind != w.Kind || g.Gen != w.Gen || g.ProcPID != w.ProcPID || !bytes.Equal(g.Attrs, w.Attrs) {
				t.Errorf("%s namespace event %d: got %s gen %d, want %s gen %d", c.name, i, g.Kind, g.Gen, w.Kind, w.Gen)
			}
		}
	}
}

func TestReplayOutsideCommit(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprint("stream=", stream), func(t *testing.T) { testOutsideCommit(t, stream) })
	}
}

func testOutsideCommit(t *testing.T, stream bool) {
	dgs := captureDatagrams(t, "objects")
	msgs := messages(t, dgs)
	// A NEWOBJ sent again after its transaction committed, with the
	// committed gen in res_id: what nft_obj_notify does when a quota runs
	// out (KERNEL.md, fact 10; see also TestMonitorQuotaDepletion).
	var obj []byte
	for _, m := range msgs {
		if m.Header.MsgType() == MsgNewObj {
			obj = make([]byte, m.Header.Len)
			copy(obj, unsafeMessageBytes(m))
			break
		}
	}
	if obj == nil {
		t.Fatal("no NEWOBJ in the objects capture")
	}
	var evs []*Event
	m := mustReplayer(t, ReplayConfig{Stream: stream}, func(e *Event) error { evs = append(evs, e.Clone()); return nil })
	// The first transaction, then the stray NEWOBJ, then the rest.
	first := 0
	for i, dg := range dgs {
		if err := m.Feed(dg, 0, false); err != nil {
			t.Fatal(err)
		}
		if len(commitsOf(evs)) == 1 {
			first = i
			break
		}
	}
	n := len(evs)
	if err := m.Feed(obj, 0, false); err != nil {
		t.Fatal(err)
	}
	if len(evs) != n+1 || evs[n].Kind != EventOutside || evs[n].Gen != evs[n-1].Gen || evs[n].ProcPID != 0 {
		t.Fatalf("stray NEWOBJ: got %d new events, want one outside event stamped with the committed gen; %+v", len(evs)-n, evs[n:])
	}
	for _, dg := range dgs[first+1:] {
		if err := m.Feed(dg, 0, false); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range evs[n+1:] {
		if e.Kind != EventChange && e.Kind != EventCommit {
			t.Errorf("after the stray message: %s event", e.Kind)
		}
	}
}

// unsafeMessageBytes returns the whole message (header included) that m
// was parsed from; its payload is a subslice of it.
func unsafeMessageBytes(m Message) []byte {
	b := make([]byte, HeaderLen, m.Header.Len)
	putHeader(b, m.Header)
	return append(b, m.Payload...)
}

func putHeader(b []byte, h Header) {
	le := func(off int, v uint32, n int) {
		for i := range n {
			b[off+i] = byte(v >> (8 * i))
		}
	}
	le(0, h.Len, 4)
	le(4, uint32(h.Type), 2)
	le(6, uint32(h.Flags), 2)
	le(8, h.Seq, 4)
	le(12, h.PortID, 4)
}
