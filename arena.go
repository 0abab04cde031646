package nftmon

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// arena is the memory the socket reads into. Messages that wait for their
// commit stay where recvmsg wrote them and are listed in held, as runs;
// nothing is copied to hold them. The arena is a list of blocks, filled one after the
// other and reused: growing it never copies what it holds, and a block,
// once touched, stays in memory for the next transaction.
//
// The blocks are Go heap memory, so that bytes a caller keeps past its
// callback (which Event forbids) stay valid memory however long it keeps
// them: they are stale, never unmapped. They are in pages of the base size
// (newBlock), and faulted in ahead of the reads while the socket is empty
// (prefault).
type arena struct {
	size      int // the size of a block: blockSize, but for tests
	keep      int // blocks kept when nothing is held; the rest are given back
	keepHeld  int // capacity of the held list kept then (a run per message, at worst)
	blocks    [][]byte
	ready     []int // blocks[i][:ready[i]] was made resident by prefault
	populate  bool  // prefault may ask for MADV_POPULATE_WRITE (false once the kernel refused it)
	cur       int   // the block being filled
	used      int   // blocks[cur][:used] holds datagrams with held messages
	held      []run // held messages, in arrival order (and so in arena order)
	heldBytes int   // the sum of the held messages' lengths
	heldMsgs  int   // how many messages are held
}

// run is a stretch of held messages of one namespace with nothing between
// them: blocks[block][off:end], framed as the datagrams were, msgs messages
// of bytes bytes (their lengths, padding left out), from namespace nss[ns]
// of the dispatcher. A message held where the last run ends extends it, so
// that a transaction, whose datagrams the socket reads one after the other
// into a block, is held as about one run per block, not one record per
// message: a hundred thousand rules are a dozen runs, not 3 MB of list
// written while they arrive and read back at their commit.
type run struct {
	block, off, end int
	msgs, bytes     int
	ns              int
}

// blockSize is the size of an arena block: room for about sixty datagrams
// of the largest size.
const blockSize = 4 << 20

// prefaultChunk is how much arena prefault makes resident at a time,
// before the socket is read again: small enough that its page faults
// (about 1.5 µs a base page, KERNEL.md fact 18) keep a datagram that
// arrives meanwhile waiting for about 100 µs at most.
const prefaultChunk = 256 << 10

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
	a := arena{size: size, keep: keep, keepHeld: keepHeld, populate: true}
	a.fill(size)
	return a
}

// bytesOf returns the bytes of a held run.
func (a *arena) bytesOf(r run) []byte { return a.blocks[r.block][r.off:r.end] }

// reserve returns the free part of the arena to read the next datagram
// into, at least MinBufferLen long. The arena starts over when nothing is
// held, goes on to the next block (made if need be) when the current one is
// full, and is compacted when at least half of the blocks in use hold
// messages already delivered (which happens only when transactions of
// several namespaces overlap without end). Starting over, it gives back the
// blocks beyond its retained size to the garbage collector, so that one
// large transaction does not pin its memory for the life of the process.
func (a *arena) reserve() []byte {
	if len(a.held) == 0 {
		a.cur, a.used = 0, 0
		if len(a.blocks) > a.keep {
			clear(a.blocks[a.keep:])
			a.blocks, a.ready = a.blocks[:a.keep], a.ready[:a.keep]
		}
		if cap(a.held) > a.keepHeld {
			// A run per message at worst (each followed by one not
			// held, or by another namespace's): the list of such a
			// transaction of millions of messages is tens of megabytes.
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

// fill makes blocks[cur] a block of at least n bytes (see ensure).
func (a *arena) fill(n int) { a.ensure(a.cur, n) }

// ensure makes blocks[i], for i at most len(blocks), a block of at least n
// bytes: the one there, a new one if there is none, or one that replaces a
// block too small.
func (a *arena) ensure(i, n int) {
	if i == len(a.blocks) {
		a.blocks, a.ready = append(a.blocks, nil), append(a.ready, 0)
	}
	if len(a.blocks[i]) < n {
		a.blocks[i], a.ready[i] = newBlock(max(n, a.size)), 0
	}
}

// prefault makes resident, prefaultChunk at a time, the memory the next
// datagrams will be read into: the rest of the current block and all of
// the next (if it is one of the blocks retained, or the current one is half
// full). It reports whether it did something; false means there was
// nothing left to do (or the kernel cannot populate memory,
// MADV_POPULATE_WRITE being Linux 5.14).
//
// A Monitor calls it when the socket is empty, before it waits: the page
// faults of fresh arena, taken by recvmsg while a large transaction
// arrives, stalled the reader long enough for the socket to overflow
// (KERNEL.md, fact 18), and with the socket empty there is room for them.
// Populating keeps what the pages hold: it may run over held messages.
func (a *arena) prefault() bool {
	i, start, end, ok := a.nextPrefault()
	if !ok {
		return false
	}
	if i == len(a.blocks) {
		a.ensure(i, a.size)
	}
	if err := unix.Madvise(a.blocks[i][start:end], unix.MADV_POPULATE_WRITE); err != nil {
		a.populate = false
		return false
	}
	a.ready[i] = end
	return true
}

// prefaultDue reports whether prefault has something to do.
func (a *arena) prefaultDue() bool {
	_, _, _, ok := a.nextPrefault()
	return ok
}

// nextPrefault returns what prefault makes resident next: blocks[i][start:end]
// (i may be len(blocks): the next block, not made yet). ok is false when
// there is nothing to do.
func (a *arena) nextPrefault() (i, start, end int, ok bool) {
	if !a.populate {
		return 0, 0, 0, false
	}
	for i = a.cur; i <= a.cur+1; i++ {
		if i > a.cur && i >= a.keep && 2*a.used < len(a.blocks[a.cur]) {
			// Not retained, and not needed yet: made resident for every
			// small transaction, it would be given back after each.
			break
		}
		n, start := a.size, 0 // a block not made yet will be of a.size
		if i < len(a.blocks) {
			n, start = len(a.blocks[i]), a.ready[i]
		}
		if i == a.cur {
			start = max(start, a.used&^(prefaultChunk-1))
		}
		if start >= n {
			continue
		}
		return i, start, min(n, (start+prefaultChunk)&^(prefaultChunk-1)), true
	}
	return 0, 0, 0, false
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
// datagram of dgLen bytes read at offset base of the current block, from
// namespace ns; the next message of the datagram starts at its aligned end
// (or the datagram ends). That datagram is kept: the next one is read after
// it.
func (a *arena) hold(base, off, n, dgLen, ns int) {
	start, end := base+off, base+off+min(align(n), dgLen-off)
	if k := len(a.held) - 1; k >= 0 && a.held[k].end == start && a.held[k].block == a.cur && a.held[k].ns == ns {
		r := &a.held[k]
		r.end, r.msgs, r.bytes = end, r.msgs+1, r.bytes+n
	} else {
		a.held = append(a.held, run{block: a.cur, off: start, end: end, msgs: 1, bytes: n, ns: ns})
	}
	a.heldBytes += n
	a.heldMsgs++
	a.used = base + align(dgLen)
}

// forget drops every held message.
func (a *arena) forget() {
	a.held, a.heldBytes, a.heldMsgs = a.held[:0], 0, 0
}

// compact moves the held runs to the front of the arena, in order, so that
// no copy overwrites a message not yet moved.
func (a *arena) compact() {
	wb, wo := 0, 0
	for i := range a.held {
		r := &a.held[i]
		n := r.end - r.off
		if wo+n > len(a.blocks[wb]) {
			wb, wo = wb+1, 0
		}
		copy(a.blocks[wb][wo:], a.bytesOf(*r))
		r.block, r.off, r.end = wb, wo, wo+n
		wo += align(n)
	}
	a.cur, a.used = wb, wo
}

// newBlock allocates an arena block of n bytes, aligned to a page, in
// pages of the base size (MADV_NOHUGEPAGE).
//
// A fresh Monitor fills tens of megabytes of arena while the kernel is
// sending it a large transaction, and each page is faulted in as the
// arena is first written: by prefault, ahead of the reads, where the
// socket leaves time, else by recvmsg. Transparent huge pages (which Go
// heap memory gets on a kernel that gives them) made that worse, not
// better: a huge page's fault in the middle of a burst took 4 to 9 ms on
// the project's machine, against 80 to 150 µs alone, long enough for the
// socket to overflow (KERNEL.md, fact 18); a base page's takes about
// 1.5 µs.
func newBlock(n int) []byte {
	page := unix.Getpagesize()
	b := make([]byte, n+page)
	off := int(-uintptr(unsafe.Pointer(&b[0])) & uintptr(page-1))
	b = b[off : off+n : off+n]
	_ = unix.Madvise(b[:n&^(page-1)], unix.MADV_NOHUGEPAGE) // a hint: fine to fail
	return b
}
