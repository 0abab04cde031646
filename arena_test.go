package nftmon

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// bigTransaction returns the datagrams of one transaction of about n bytes,
// the notifications of the big capture's 3,000-element transaction sent
// again and again, then its commit, and a small transaction after it.
func bigTransaction(tb testing.TB, n int) (dgs [][]byte, after [][]byte) {
	tb.Helper()
	all := captureDatagrams(tb, "big")
	var body [][]byte
	var commit []byte
	for i, dg := range all {
		m, _, err := ParseMessage(dg)
		if err != nil {
			tb.Fatal(err)
		}
		if m.Header.MsgType() == MsgNewGen && len(body) > 10 {
			commit, after = dg, all[i+1:]
			break
		}
		if m.Header.MsgType() == MsgNewGen {
			body = body[:0]
			continue
		}
		body = append(body, dg)
	}
	if commit == nil || len(after) == 0 {
		tb.Fatal("no big transaction followed by another in the capture")
	}
	for size := 0; size < n; {
		for _, dg := range body {
			dgs = append(dgs, dg)
			size += len(dg)
		}
	}
	return append(dgs, commit), after
}

// resident returns how many bytes of the blocks have memory behind them
// (mincore).
func resident(tb testing.TB, blocks [][]byte) int {
	page := unix.Getpagesize()
	n := 0
	for _, b := range blocks {
		vec := make([]byte, (len(b)+page-1)/page)
		if _, _, e := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
			tb.Fatalf("mincore: %v", e)
			continue
		}
		for _, v := range vec {
			n += int(v&1) * page
		}
	}
	return n
}

// arenaResident feeds a transaction of about n bytes and the one after it
// through a Replayer that keeps retain bytes of arena, and returns the
// arena's resident memory while the transaction is held (at its first
// change) and after the next transaction, and its blocks.
func arenaResident(tb testing.TB, n, retain int) (during, after int, blocks [][]byte) {
	dgs, next := bigTransaction(tb, n)
	var r *Replayer
	r = mustReplayer(tb, ReplayConfig{ArenaRetain: retain}, func(e *Event) error {
		if during == 0 && e.Kind == EventChange {
			during = resident(tb, r.d.a.blocks)
		}
		return nil
	})
	for _, dg := range dgs {
		if err := r.Feed(dg, 0, false); err != nil {
			tb.Fatal(err)
		}
	}
	for _, dg := range next {
		if err := r.Feed(dg, 0, false); err != nil {
			tb.Fatal(err)
		}
	}
	return during, resident(tb, r.d.a.blocks), r.d.a.blocks
}

// TestArenaRetain: after a 64 MiB transaction the arena keeps the memory
// of no more than DefaultArenaRetain (the rest is left to the garbage
// collector); with a negative ArenaRetain it keeps everything.
func TestArenaRetain(t *testing.T) {
	const size = 64 << 20
	during, after, _ := arenaResident(t, size, 0)
	t.Logf("default retain: arena %d MiB resident while held, %d MiB after", during>>20, after>>20)
	if during < size || after > DefaultArenaRetain {
		t.Errorf("arena resident %d bytes while held, %d after: want the %d-byte transaction held, then no more than DefaultArenaRetain (%d) kept", during, after, size, DefaultArenaRetain)
	}
	during, after, _ = arenaResident(t, size, -1)
	if after < during {
		t.Errorf("ArenaRetain -1: arena resident %d bytes held and %d after: want everything kept", during, after)
	}
}

// BenchmarkArenaRetain reports the arena's resident memory during and
// after a 300 MB transaction, with the default retained size and with
// everything kept.
func BenchmarkArenaRetain(b *testing.B) {
	for _, c := range []struct {
		name   string
		retain int
	}{{"default", 0}, {"keep-all", -1}} {
		b.Run(c.name, func(b *testing.B) {
			var during, after int
			for range b.N {
				during, after, _ = arenaResident(b, 300e6, c.retain)
			}
			b.ReportMetric(float64(during)/1e6, "MB-during")
			b.ReportMetric(float64(after)/1e6, "MB-after")
		})
	}
}

// TestArenaPrefault: prefault makes the rest of the current block and all
// of the next resident, a chunk per call, keeps what the pages hold, and
// has nothing left to do after that.
func TestArenaPrefault(t *testing.T) {
	a := newArena(DefaultArenaRetain, blockSize)
	buf := a.reserve()
	copy(buf, "held bytes")
	a.hold(0, 0, 10, 10, 0)
	calls := 0
	for a.prefault() {
		calls++
		if calls > 2*blockSize/prefaultChunk {
			t.Fatal("prefault never done")
		}
	}
	if want := 2 * blockSize / prefaultChunk; calls != want {
		t.Errorf("prefault did %d chunks, want %d (two blocks)", calls, want)
	}
	if len(a.blocks) != 2 {
		t.Fatalf("%d blocks after prefault, want the next one made", len(a.blocks))
	}
	if n := resident(t, a.blocks); n != 2*blockSize {
		t.Errorf("%d bytes resident after prefault, want %d", n, 2*blockSize)
	}
	if string(a.bytesOf(a.held[0])) != "held bytes" {
		t.Errorf("held message after prefault: %q", a.bytesOf(a.held[0]))
	}
	// Given back, the next block is made again, once it may be needed.
	a.forget()
	a.keep = 1
	a.reserve()
	if len(a.blocks) != 1 {
		t.Errorf("%d blocks after starting over with one retained", len(a.blocks))
	}
	for a.prefault() {
	}
	if len(a.blocks) != 1 {
		t.Errorf("the next block, not retained, made before the current one is half full")
	}
	a.used = blockSize / 2
	for a.prefault() {
	}
	if len(a.blocks) != 2 {
		t.Fatalf("%d blocks after prefault of a half-full block, want the next one made", len(a.blocks))
	}
	if n := resident(t, a.blocks[1:]); n != blockSize {
		t.Errorf("%d bytes of the next block resident after prefault, want %d", n, blockSize)
	}
}
