package nftmon

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/nftmon/nftmon/internal/pcapnl"
)

// The stateful fuzz target of the dispatcher, through the Replayer.
//
// The input is a program: its first byte sets the options, every later
// byte pair an operation and its operand. The operations build a stream of
// datagrams as the kernel sends them, from the transactions of the
// captures in testdata (each sent again with a generation and nlmsg_seq of
// its own, so that every message is told apart): transactions of three
// namespaces queued and read interleaved, reordered or one message per
// datagram, generations that jump, losses with the datagrams the kernel
// then drops, floor changes, notifications outside any transaction, and
// datagrams whose framing lies. The harness knows where every message
// came from, and checks each event against it, and the whole run at the
// end.

// poolTx is one transaction of a capture: its datagrams of notifications
// (each a list of messages) and its commit's process.
type poolTx struct {
	dgs  [][][]byte
	pid  uint32
	name string
}

var replayPool = sync.OnceValue(func() []poolTx {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.pcap"))
	var pool []poolTx
	for _, f := range files {
		if strings.HasSuffix(f, ".dump.pcap") {
			continue
		}
		dgs, err := pcapnl.Datagrams(f)
		if err != nil {
			panic(err)
		}
		var tx poolTx
		for _, dg := range dgs {
			var msgs [][]byte
			for m, err := range Messages(dg) {
				if err != nil {
					panic(fmt.Sprintf("%s: %v", f, err))
				}
				if !m.Header.IsNFTables() {
					continue
				}
				if m.Header.MsgType() == MsgNewGen {
					_, attrs, _ := m.NFGen()
					var g Gen
					if g.Decode(attrs) == nil && len(tx.dgs) > 0 && len(tx.dgs) <= 24 {
						tx.pid, tx.name = g.ProcPID, string(g.ProcName)
						pool = append(pool, tx)
					}
					tx = poolTx{}
					continue
				}
				msgs = append(msgs, messageBytes(&m))
			}
			if len(msgs) > 0 {
				tx.dgs = append(tx.dgs, msgs)
			}
		}
	}
	return pool
})

// messageBytes returns a copy of the whole message m, header included.
func messageBytes(m *Message) []byte {
	b := make([]byte, HeaderLen, HeaderLen+len(m.Payload))
	putHeader(b, m.Header)
	return append(b, m.Payload...)
}

// fuzzMsg is what the harness knows of one message it sent.
type fuzzMsg struct {
	ns     int
	tx     int // index in fuzzRun.txs; -1 for an outside notification
	commit bool
	gen    uint32 // the generation of its transaction, or of the commit before an outside one
	fed    bool   // read by the replayer (not dropped)
	fedAt  int    // the feed clock when it was read
	seen   bool   // delivered
	kind   EventKind
}

// fuzzTx is what the harness knows of one transaction it sent.
type fuzzTx struct {
	ns        int
	gen       uint32
	pid       uint32
	name      string
	msgs      []uint32 // seqs of its notifications
	commitSeq uint32
	dropped   bool // some of it (or its commit) was dropped in a loss's gap
	// lossBefore: when its commit was read, a loss had happened in its
	// namespace since the commit before was read. A transaction read
	// whole without it must be delivered (unless below the floor).
	lossBefore bool
}

// fuzzDgram is one datagram waiting in a namespace's queue.
type fuzzDgram struct {
	b    []byte
	seqs []uint32
	bad  bool // framing that lies: one EventMalformed
}

type fuzzRun struct {
	t      *testing.T
	stream bool
	maxTx  int
	strip  bool // no losses, drops or floor changes (the differential runs)

	r         *Replayer
	msgs      map[uint32]*fuzzMsg
	txs       []*fuzzTx
	queues    [3][]fuzzDgram
	gen       [3]uint32 // the last generation used in each namespace (sent, or jumped over)
	commit    [3]uint32 // the generation of the last commit sent in each namespace
	sent      [3]bool   // a commit was sent in the namespace
	known     [3]bool   // the replayer can widen res_ids in the namespace
	seq       uint32
	clock     int
	losses    []int // the feed clock at each loss
	floor     uint32
	floorEver bool // the floor was set at some point
	// per namespace: the clock at which its last commit was read, and
	// whether a loss happened since
	lostSince [3]bool
	// delivered changes and outside notifications, by namespace: seq -> gen
	got       [3]map[uint32]uint32
	commits   [3][]uint32 // commit seqs delivered, in order
	pending   [3][]uint32 // held-mode changes delivered since the namespace's last commit event
	malformed int
	events    int
}

func FuzzReplayer(f *testing.F) {
	for _, s := range replayerSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, prog []byte) {
		if len(prog) > 802 {
			return
		}
		opts := byte(0)
		if len(prog) > 0 {
			opts = prog[0]
		}
		maxTx := 0
		if opts&2 != 0 {
			maxTx = 1500
		}
		main := &fuzzRun{t: t, stream: opts&1 != 0, maxTx: maxTx}
		main.run(prog)
		// The differential check: without losses and floor, held and
		// streamed deliver the same notifications, with the same
		// generations, and the same commits.
		var runs [2]*fuzzRun
		for i := range runs {
			runs[i] = &fuzzRun{t: t, stream: i == 1, maxTx: maxTx, strip: true}
			runs[i].run(prog)
		}
		for ns := range 3 {
			h, s := runs[0], runs[1]
			if !slices.Equal(h.commits[ns], s.commits[ns]) {
				t.Fatalf("namespace %d: held delivered commits %v, streamed %v", ns, h.commits[ns], s.commits[ns])
			}
			for seq, hg := range h.got[ns] {
				sg, ok := s.got[ns][seq]
				if !ok || sg != hg && sg != uint32(uint16(hg)) {
					t.Fatalf("namespace %d: seq %d delivered held with gen %d, streamed %v (%d)", ns, seq, hg, ok, sg)
				}
			}
			for seq := range s.got[ns] {
				m := s.msgs[seq]
				if _, ok := h.got[ns][seq]; !ok && (m.tx < 0 || s.msgs[s.txs[m.tx].commitSeq].fed) {
					t.Fatalf("namespace %d: seq %d streamed but not delivered held", ns, seq)
				}
			}
		}
	})
}

// replayerSeeds are programs that exercise each operation: the seed corpus
// (also written to testdata/fuzz/FuzzReplayer by TestWriteReplayerSeeds).
func replayerSeeds() [][]byte {
	tx := func(k, ns byte) []byte { return []byte{0, k*3 + ns} }
	read := func(ns, n byte) []byte { return []byte{2 + 8, ns + 3*n} }
	loss := func(ns, gap byte) []byte { return []byte{3, ns + 3*gap} }
	cat := func(opts byte, parts ...[]byte) []byte { return append([]byte{opts}, bytes.Join(parts, nil)...) }
	var seeds [][]byte
	for opts := range byte(8) {
		seeds = append(seeds,
			cat(opts, tx(0, 0), tx(1, 0), read(0, 5), read(0, 5), tx(2, 1), read(1, 5), read(0, 5)),
			cat(opts, tx(3, 0), read(0, 1), loss(0, 1), read(0, 5), tx(4, 0), read(0, 5)),
			cat(opts, tx(5, 0), read(0, 5), read(0, 5), []byte{5, 0}, read(0, 1), tx(6, 0), read(0, 5), []byte{4, 9}, tx(12, 0), read(0, 5), read(0, 5)),
			cat(opts, tx(7, 1), tx(8, 2), []byte{2 + 8, 5*3 + 1}, []byte{6, 4}, []byte{7, 200}, tx(9, 1), read(1, 5), read(2, 5)),
			cat(opts, []byte{8, 10*3 + 0}, []byte{16, 11*3 + 0}, read(0, 5), loss(1, 0), read(0, 5), []byte{3 + 8, 2}),
		)
	}
	return seeds
}

// TestWriteReplayerSeeds writes the seed corpus of FuzzReplayer to
// testdata/fuzz/FuzzReplayer when NFTMON_WRITE_SEEDS=1, in the format of go
// test's corpus files:
//
//	NFTMON_WRITE_SEEDS=1 go test -run TestWriteReplayerSeeds .
func TestWriteReplayerSeeds(t *testing.T) {
	if os.Getenv("NFTMON_WRITE_SEEDS") != "1" {
		t.Skip("set NFTMON_WRITE_SEEDS=1 to write the seed corpus")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzReplayer")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, s := range replayerSeeds() {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReplayerSeedsHold runs the seed programs and checks that they do
// what they are for: deliver transactions, losses, outside notifications
// and malformed datagrams.
func TestReplayerSeedsHold(t *testing.T) {
	var events, losses, outside, malformed int
	for _, s := range replayerSeeds() {
		fr := &fuzzRun{t: t, stream: s[0]&1 != 0}
		fr.run(s)
		st := fr.r.Stats()
		events += int(st.Events)
		losses += int(st.Losses)
		malformed += fr.malformed
		for ns := range fr.got {
			for seq := range fr.got[ns] {
				if fr.msgs[seq].tx < 0 {
					outside++
				}
			}
		}
	}
	if events == 0 || losses == 0 || outside == 0 || malformed == 0 {
		t.Errorf("seeds delivered %d events, %d losses, %d outside, %d malformed: each should be exercised", events, losses, outside, malformed)
	}
}

// TestReplayerNoAllocsMixed: the steady state allocates nothing on the
// paths the fuzz target mixes: three namespaces interleaved, losses,
// outside notifications, malformed datagrams, streaming over the cap.
func TestReplayerNoAllocsMixed(t *testing.T) {
	type item struct {
		b    []byte
		ns   int
		loss bool
	}
	var items []item
	fr := &fuzzRun{t: t, msgs: map[uint32]*fuzzMsg{}}
	for i := range 30 {
		ns := i % 3
		fr.queueTx(i, ns, fr.gen[ns]+1, byte(i%3))
		if i%7 == 6 {
			items = append(items, item{loss: true})
		}
		if i%5 == 4 {
			b := nftMsg(MsgNewTable, uint16(fr.gen[ns]), "x", 0)
			binary.NativeEndian.PutUint32(b, uint32(len(b))+9)
			items = append(items, item{b: b, ns: ns})
			items = append(items, item{b: pack(rewrite(replayPool()[0].dgs[0][0], uint16(fr.commit[ns]), 0)), ns: ns})
		}
		for j, dg := range fr.queues[ns] {
			items = append(items, item{b: dg.b, ns: ns})
			if j == 1 && i%3 == 0 {
				// another namespace's datagram in the middle
				items = append(items, item{b: pack(nftMsg(MsgNewChain, 5, "y", 0)), ns: (ns + 1) % 3})
			}
		}
		fr.queues[ns] = nil
	}
	for _, maxTx := range []int{0, 1500} {
		for _, stream := range []bool{false, true} {
			events := 0
			r := mustReplayer(t, ReplayConfig{Stream: stream, MaxTransactionBytes: maxTx}, func(*Event) error { events++; return nil })
			feedAll := func() {
				for _, it := range items {
					var err error
					if it.loss {
						err = r.FeedLoss(ErrOverflow)
					} else {
						nsid, has := nsArgs(it.ns)
						err = r.Feed(it.b, nsid, has)
					}
					if err != nil {
						t.Fatal(err)
					}
				}
			}
			feedAll()
			if n := testing.AllocsPerRun(20, feedAll); n != 0 {
				t.Errorf("stream %v, cap %d: %d items (%d events a run) allocate %v times a run, want 0", stream, maxTx, len(items), events/21, n)
			}
		}
	}
}
