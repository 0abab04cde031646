package nftmon

import (
	"runtime"
	"testing"
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

// heapInUse returns the bytes of live heap objects after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// arenaHeap feeds a transaction of about n bytes and the one after it
// through a Replayer that keeps retain bytes of arena, and returns the heap
// in use before, while the transaction is held (at its first change), and
// after the next transaction.
func arenaHeap(tb testing.TB, n, retain int) (before, during, after uint64, blocks int) {
	dgs, next := bigTransaction(tb, n)
	first := true
	r := mustReplayer(tb, ReplayConfig{ArenaRetain: retain}, func(e *Event) error {
		if first && e.Kind == EventChange {
			first = false
			during = heapInUse()
		}
		return nil
	})
	before = heapInUse()
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
	after = heapInUse()
	runtime.KeepAlive(dgs)
	return before, during, after, len(r.d.a.blocks)
}

// TestArenaRetain: after a 64 MiB transaction the arena gives back all but
// DefaultArenaRetain, and the heap shrinks by about the difference; with a
// negative ArenaRetain it keeps everything.
func TestArenaRetain(t *testing.T) {
	const size = 64 << 20
	before, during, after, blocks := arenaHeap(t, size, 0)
	t.Logf("default retain: heap %d MiB before, %d MiB while held, %d MiB after; %d blocks kept", before>>20, during>>20, after>>20, blocks)
	if blocks != DefaultArenaRetain/blockSize {
		t.Errorf("%d blocks kept after the transaction, want %d (DefaultArenaRetain)", blocks, DefaultArenaRetain/blockSize)
	}
	if during < before+size || after > before+DefaultArenaRetain+blockSize {
		t.Errorf("heap %d before, %d held, %d after: want the %d-byte transaction held, then no more than DefaultArenaRetain kept", before, during, after, size)
	}
	_, during, after, blocks = arenaHeap(t, size, -1)
	if blocks*blockSize < size || after < during-blockSize {
		t.Errorf("ArenaRetain -1: %d blocks, heap %d held and %d after: want everything kept", blocks, during, after)
	}
}

// BenchmarkArenaRetain reports the heap before, during and after a 300 MB
// transaction, with the default retained size and with everything kept.
func BenchmarkArenaRetain(b *testing.B) {
	for _, c := range []struct {
		name   string
		retain int
	}{{"default", 0}, {"keep-all", -1}} {
		b.Run(c.name, func(b *testing.B) {
			var before, during, after uint64
			for range b.N {
				before, during, after, _ = arenaHeap(b, 300e6, c.retain)
			}
			b.ReportMetric(float64(before)/1e6, "MB-before")
			b.ReportMetric(float64(during)/1e6, "MB-during")
			b.ReportMetric(float64(after)/1e6, "MB-after")
		})
	}
}
