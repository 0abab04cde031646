package nftmon

import (
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// arena is the memory the socket reads into. Messages that wait for their
// commit stay where recvmsg wrote them and are listed in held; nothing is
// copied to hold it. The arena is a list of blocks, filled one after the
// other and reused: growing it never copies what it holds, and a block,
// once touched, stays in memory for the next transaction.
//
// The blocks are mapped outside the Go heap (newBlock), and never unmapped:
// an Event's bytes point into them, and a caller that keeps them past its
// callback (which Event forbids) must read stale bytes or zeros, never
// crash the process. Memory is given back with MADV_DONTNEED instead, which
// keeps the mapping: the blocks beyond the retained size when the arena
// starts over (they stay in the list, to be filled again if a transaction
// that large comes back), and every block once the arena is garbage
// (mappings.release, a finalizer). What stays reserved is address
// space only, as much as the arena's largest size.
type arena struct {
	size      int // the size of a block: blockSize, but for tests
	keep      int // blocks kept when nothing is held; the rest are given back
	keepHeld  int // capacity of the held list kept then
	blocks    [][]byte
	mapped    []bool    // whether blocks[i] is mapped (newBlock), not on the Go heap
	maps      *mappings // every block mapped, for the cleanup of the arena's owner
	warm      int       // blocks[:warm] may have memory behind them; the others were given back
	cur       int       // the block being filled
	used      int       // blocks[cur][:used] holds datagrams with held messages
	held      []span    // held messages, in arrival order (and so in arena order)
	heldBytes int       // the sum of the held messages' lengths
}

// mappings lists the blocks an arena mapped, so that its finalizer can
// give their memory back.
type mappings struct{ blocks [][]byte }

// release gives the memory of every mapped block back to the kernel,
// keeping the mappings.
func (m *mappings) release() {
	for _, b := range m.blocks {
		giveBack(b)
	}
}

// span is one held message: blocks[block][off:off+n], from namespace
// nss[ns] of the dispatcher.
type span struct {
	block, off, n int
	ns            int
}

// blockSize is the size of an arena block: room for about sixty datagrams
// of the largest size, two huge pages.
const blockSize = 4 << 20

// hugePageSize is the size of a transparent huge page on the platforms
// that have them (2 MiB on x86-64 and arm64 with 4 KiB pages).
const hugePageSize = 2 << 20

// newArena returns an arena of blocks of size bytes (at least
// MinBufferLen) that keeps retain bytes of blocks (at least one block) when
// it starts over, and gives the rest back; a negative retain keeps
// everything.
func newArena(retain, size int) arena {
	size = max(size, MinBufferLen)
	keep := max(1, retain/size)
	keepHeld := keep * (size / 64) // a block's worth of the smallest messages (a set element notification is about 60 bytes)
	if retain < 0 {
		keep, keepHeld = int(^uint(0)>>1), int(^uint(0)>>1)
	}
	a := arena{size: size, keep: keep, keepHeld: keepHeld, maps: &mappings{}}
	// Only the arena points to maps, and maps to nothing on the Go heap:
	// it is garbage with the arena's owner, and its finalizer gives the
	// blocks' memory back then.
	runtime.SetFinalizer(a.maps, (*mappings).release)
	a.fill(size)
	return a
}

// msg returns the bytes of a held message.
func (a *arena) msg(sp span) []byte { return a.blocks[sp.block][sp.off : sp.off+sp.n] }

// reserve returns the free part of the arena to read the next datagram
// into, at least MinBufferLen long. The arena starts over when nothing is
// held, goes on to the next block (made if need be) when the current one is
// full, and is compacted when at least half of the blocks in use hold
// messages already delivered (which happens only when transactions of
// several namespaces overlap without end). Starting over, it gives back the
// memory of the blocks beyond its retained size, so that one large
// transaction does not pin its memory for the life of the process.
func (a *arena) reserve() []byte {
	if len(a.held) == 0 {
		a.cur, a.used = 0, 0
		for i := a.keep; i < a.warm; i++ {
			a.giveBack(i)
		}
		a.warm = min(a.warm, a.keep)
		if cap(a.held) > a.keepHeld {
			// The list of a transaction of millions of messages is
			// tens of megabytes too.
			a.held = nil
		}
	}
	if len(a.blocks[a.cur])-a.used >= MinBufferLen {
		return a.blocks[a.cur][a.used:]
	}
	if a.cur >= 3 && 2*a.heldBytes < a.cur*a.size {
		a.compact()
		if len(a.blocks[a.cur])-a.used >= MinBufferLen {
			return a.blocks[a.cur][a.used:]
		}
	}
	a.cur, a.used = a.cur+1, 0
	a.fill(a.size)
	return a.blocks[a.cur]
}

// fill makes blocks[cur] a block of at least n bytes: the one there, a new
// one if there is none, or one that replaces a block too small (whose
// memory is given back).
func (a *arena) fill(n int) {
	if a.cur == len(a.blocks) {
		a.blocks, a.mapped = append(a.blocks, nil), append(a.mapped, false)
	}
	if len(a.blocks[a.cur]) < n {
		a.giveBack(a.cur)
		b, mapped := newBlock(max(n, a.size))
		a.blocks[a.cur], a.mapped[a.cur] = b, mapped
		if mapped {
			a.maps.blocks = append(a.maps.blocks, b)
		}
	}
	a.warm = max(a.warm, a.cur+1)
}

// giveBack gives the memory of block i back: a mapped block stays mapped,
// and is refilled from fresh pages when next used; one on the Go heap is
// left to the garbage collector.
func (a *arena) giveBack(i int) {
	if a.mapped[i] {
		giveBack(a.blocks[i])
		return
	}
	a.blocks[i] = nil
}

// place copies a datagram into the arena, as if the socket had read it
// there, and returns its length. One larger than any the socket reads gets
// a block of its own.
func (a *arena) place(b []byte) int {
	buf := a.reserve()
	if len(buf) < len(b) {
		a.cur, a.used = a.cur+1, 0
		a.fill(len(b))
		buf = a.blocks[a.cur]
	}
	return copy(buf, b)
}

// hold adds a message to the held list: n bytes at offset off of the
// datagram of dgLen bytes read at offset base of the current block. That
// datagram is kept: the next one is read after it.
func (a *arena) hold(base, off, n, dgLen, ns int) {
	a.held = append(a.held, span{block: a.cur, off: base + off, n: n, ns: ns})
	a.heldBytes += n
	a.used = base + align(dgLen)
}

// compact moves the held messages to the front of the arena, in order, so
// that no copy overwrites a message not yet moved.
func (a *arena) compact() {
	wb, wo := 0, 0
	for i := range a.held {
		sp := &a.held[i]
		if wo+sp.n > len(a.blocks[wb]) {
			wb, wo = wb+1, 0
		}
		copy(a.blocks[wb][wo:], a.msg(*sp))
		sp.block, sp.off = wb, wo
		wo += align(sp.n)
	}
	a.cur, a.used = wb, wo
}

// newBlock maps an arena block of n bytes outside the Go heap, aligned to a
// huge page, and asks the kernel to back it with transparent huge pages
// (MADV_HUGEPAGE), where it can; mapped reports that it did. A fresh
// Monitor fills tens of megabytes of arena while the kernel is sending a
// large transaction, and a block of Go heap cost it dear then: the
// runtime zeroes a reused span (faulting it in 4 KiB pages before the
// hint is given), and each block counts towards the next collection,
// whose assists then fall on the reader. A mapped block's pages are
// untouched until the socket writes them, two huge pages per block. Where
// the kernel refuses a mapping, the block comes from the Go heap.
func newBlock(n int) (b []byte, mapped bool) {
	page := unix.Getpagesize()
	n = (n + page - 1) &^ (page - 1)
	extra := 0
	if n >= hugePageSize {
		extra = hugePageSize // room to align the block to a huge page
	}
	const prot, flags = unix.PROT_READ | unix.PROT_WRITE, unix.MAP_PRIVATE | unix.MAP_ANONYMOUS
	p, err := unix.MmapPtr(-1, 0, nil, uintptr(n+extra), prot, flags)
	if err != nil {
		return make([]byte, n), false
	}
	if extra > 0 {
		// Unmap the ends that fall outside the aligned block: nothing
		// ever pointed to them.
		head := int(-uintptr(p) & (hugePageSize - 1))
		if head > 0 {
			_ = unix.MunmapPtr(p, uintptr(head))
		}
		if tail := extra - head; tail > 0 {
			_ = unix.MunmapPtr(unsafe.Add(p, head+n), uintptr(tail))
		}
		p = unsafe.Add(p, head)
	}
	b = unsafe.Slice((*byte)(p), n)
	if extra > 0 {
		_ = unix.Madvise(b, unix.MADV_HUGEPAGE) // a hint: fine to fail
	}
	return b, true
}

// giveBack gives the memory of a mapped block back to the kernel
// (MADV_DONTNEED): the mapping stays, and reads as zeros until written.
func giveBack(b []byte) {
	_ = unix.Madvise(b, unix.MADV_DONTNEED) // a hint: the memory is only kept longer
}
