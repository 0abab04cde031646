package nftmon

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// arena is the memory the socket reads into. Messages that wait for their
// commit stay where recvmsg wrote them and are listed in held; nothing is
// copied to hold it. The arena is a list of blocks, filled one after the
// other and reused: growing it never copies what it holds, and a block,
// once touched, stays in memory for the next transaction.
type arena struct {
	size      int // the size of a block: blockSize, but for tests
	keep      int // blocks kept when nothing is held; the rest are given back
	keepHeld  int // capacity of the held list kept then
	blocks    [][]byte
	cur       int    // the block being filled
	used      int    // blocks[cur][:used] holds datagrams with held messages
	held      []span // held messages, in arrival order (and so in arena order)
	heldBytes int    // the sum of the held messages' lengths
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
// it starts over, and gives the rest back to the garbage collector; a
// negative retain keeps everything.
func newArena(retain, size int) arena {
	size = max(size, MinBufferLen)
	keep := max(1, retain/size)
	keepHeld := keep * (size / 64) // a block's worth of the smallest messages (a set element notification is about 60 bytes)
	if retain < 0 {
		keep, keepHeld = int(^uint(0)>>1), int(^uint(0)>>1)
	}
	return arena{size: size, keep: keep, keepHeld: keepHeld, blocks: [][]byte{newBlock(size)}}
}

// msg returns the bytes of a held message.
func (a *arena) msg(sp span) []byte { return a.blocks[sp.block][sp.off : sp.off+sp.n] }

// reserve returns the free part of the arena to read the next datagram
// into, at least MinBufferLen long. The arena starts over when nothing is
// held, goes on to the next block (made if need be) when the current one is
// full, and is compacted when at least half of the blocks in use hold
// messages already delivered (which happens only when transactions of
// several namespaces overlap without end). Starting over, it gives back the
// blocks beyond its retained size, so that one large transaction does not
// pin its memory for the life of the process.
func (a *arena) reserve() []byte {
	if len(a.held) == 0 {
		a.cur, a.used = 0, 0
		if len(a.blocks) > a.keep {
			clear(a.blocks[a.keep:])
			a.blocks = a.blocks[:a.keep]
		}
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
	if a.cur == len(a.blocks) {
		a.blocks = append(a.blocks, newBlock(a.size))
	}
	return a.blocks[a.cur]
}

// place copies a datagram into the arena, as if the socket had read it
// there, and returns its length. One larger than any the socket reads gets
// a block of its own.
func (a *arena) place(b []byte) int {
	buf := a.reserve()
	if len(buf) < len(b) {
		a.cur, a.used = a.cur+1, 0
		if a.cur == len(a.blocks) {
			a.blocks = append(a.blocks, nil)
		}
		if len(a.blocks[a.cur]) < len(b) {
			a.blocks[a.cur] = make([]byte, max(len(b), a.size))
		}
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

// newBlock allocates an arena block of n bytes, aligned to a huge page, and
// asks the kernel to back it with transparent huge pages (MADV_HUGEPAGE),
// where it can. A large transaction fills tens of megabytes of arena while
// the kernel is sending it; with 4 KiB pages the TLB misses of writing that
// much (dear under virtualization) slowed the reader enough for the socket
// to overflow on a 100,000-rule transaction that a reader reusing one small
// buffer kept up with. With huge pages it keeps up too.
func newBlock(n int) []byte {
	if n < hugePageSize {
		return make([]byte, n) // a test's small block: not worth a huge page
	}
	b := make([]byte, n+hugePageSize)
	off := int(-uintptr(unsafe.Pointer(&b[0])) & (hugePageSize - 1))
	b = b[off : off+n : off+n]
	_ = unix.Madvise(b, unix.MADV_HUGEPAGE) // a hint: fine to fail
	return b
}
