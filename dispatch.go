package nftmon

import (
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// DefaultMaxTransactionBytes is the most a Monitor holds of one transaction
// when Config.MaxTransactionBytes is 0: 256 MiB, about four million set
// elements or 600,000 rules.
const DefaultMaxTransactionBytes = 256 << 20

// dispatcher groups notifications by transaction and hands them to the
// callback. It owns the arena the socket reads into: messages that wait for
// their NEWGEN stay where recvmsg wrote them, and are listed in held.
type dispatcher struct {
	fn     func(*Event) error
	stream bool
	maxTx  int
	scope  Scope

	// The arena is a list of blocks, filled one after the other and
	// reused: growing it never copies what it holds, and a block, once
	// touched, stays in memory for the next transaction.
	blocks    [][]byte
	cur       int    // the block being filled
	used      int    // blocks[cur][:used] holds datagrams with held messages
	held      []span // held messages, in arrival order (and so in arena order)
	heldBytes int    // the sum of the held messages' lengths
	nss       []nsState

	minGen atomic.Uint32 // the floor; 0 means none (the kernel never uses gen 0)
	ev     Event
	c      counters
	stats  statsCell
}

// span is one held message: blocks[block][off:off+n], from namespace
// nss[ns].
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

// msg returns the bytes of a held message.
func (d *dispatcher) msg(sp span) []byte { return d.blocks[sp.block][sp.off : sp.off+sp.n] }

// nsState is the transaction state of one network namespace.
type nsState struct {
	nsid     int32
	hasNSID  bool
	gen      uint32 // the last committed generation, when knownGen
	knownGen bool
	// seen: the commit of gen was seen here (its NEWGEN read, or a
	// snapshot taken at it), so all its notifications were read before.
	// A generation learned from GETGEN alone may still have notifications
	// queued in the socket: they are a transaction, not outside one.
	seen bool
	held int  // bytes held for the transaction in flight
	over bool // the transaction in flight outgrew maxTx and is being streamed

	// The transaction in flight: the res_id of the messages read since the
	// last commit, when inflight.
	inflight    bool
	inflightRes uint16

	// After a loss, the transactions that may have lost notifications are
	// discarded: the one in flight at the loss (taint) and the one whose
	// message is read first after it (taintNext), which may have lost its
	// beginning. See dispatcher.loss.
	taint     uint16
	tainted   bool
	taintNext bool
}

// discards reports whether a message of generation res is part of a
// transaction that lost notifications.
func (ns *nsState) discards(res uint16) bool {
	if ns.taintNext {
		ns.taintNext = false
		if !ns.tainted {
			ns.taint, ns.tainted = res, true
		} else if ns.taint != res {
			// A second transaction after the one in flight: it too may
			// have lost its beginning; the first is over.
			ns.taint = res
		}
	}
	return ns.tainted && ns.taint == res
}

func newDispatcher(cfg *Config, fn func(*Event) error) *dispatcher {
	d := &dispatcher{fn: fn, stream: cfg.Stream, maxTx: cfg.MaxTransactionBytes, scope: cfg.Scope}
	if d.maxTx == 0 {
		d.maxTx = DefaultMaxTransactionBytes
	}
	d.blocks = [][]byte{newBlock(blockSize)}
	d.nss = []nsState{{}} // nss[0] is the monitor's own namespace
	d.minGen.Store(cfg.SinceGen)
	return d
}

// reserve returns the free part of the arena to read the next datagram
// into, at least MinBufferLen long. The arena starts over when nothing is
// held, goes on to the next block (made if need be) when the current one is
// full, and is compacted when at least half of the blocks in use hold
// messages already delivered (which happens only when transactions of
// several namespaces overlap without end).
func (d *dispatcher) reserve() []byte {
	if len(d.held) == 0 {
		d.cur, d.used = 0, 0
	}
	if len(d.blocks[d.cur])-d.used >= MinBufferLen {
		return d.blocks[d.cur][d.used:]
	}
	if d.cur >= 3 && 2*d.heldBytes < d.cur*blockSize {
		d.compact()
		if len(d.blocks[d.cur])-d.used >= MinBufferLen {
			return d.blocks[d.cur][d.used:]
		}
	}
	d.cur, d.used = d.cur+1, 0
	if d.cur == len(d.blocks) {
		d.blocks = append(d.blocks, newBlock(blockSize))
	}
	return d.blocks[d.cur]
}

// compact moves the held messages to the front of the arena, in order, so
// that no copy overwrites a message not yet moved.
func (d *dispatcher) compact() {
	wb, wo := 0, 0
	for i := range d.held {
		sp := &d.held[i]
		if wo+sp.n > len(d.blocks[wb]) {
			wb, wo = wb+1, 0
		}
		copy(d.blocks[wb][wo:], d.msg(*sp))
		sp.block, sp.off = wb, wo
		wo += align(sp.n)
	}
	d.cur, d.used = wb, wo
}

// newBlock allocates an arena block of n bytes, aligned to a huge page, and
// asks the kernel to back it with transparent huge pages (MADV_HUGEPAGE),
// where it can. A large transaction fills tens of megabytes of arena while
// the kernel is sending it; with 4 KiB pages the TLB misses of writing that
// much (dear under virtualization) slowed the reader enough for the socket
// to overflow on a 100,000-rule transaction that a reader reusing one small
// buffer kept up with. With huge pages it keeps up too.
func newBlock(n int) []byte {
	b := make([]byte, n+hugePageSize)
	off := int(-uintptr(unsafe.Pointer(&b[0])) & (hugePageSize - 1))
	b = b[off : off+n : off+n]
	_ = unix.Madvise(b, unix.MADV_HUGEPAGE) // a hint: fine to fail
	return b
}

// nsIndex returns the index of the namespace's state, adding it if new.
func (d *dispatcher) nsIndex(nsid int32, hasNSID bool) int {
	if !hasNSID {
		return 0
	}
	for i := 1; i < len(d.nss); i++ {
		if d.nss[i].nsid == nsid {
			return i
		}
	}
	d.nss = append(d.nss, nsState{nsid: nsid, hasNSID: true})
	return len(d.nss) - 1
}

// datagram processes one datagram that was read into the arena at
// d.blocks[d.cur][d.used:d.used+n].
func (d *dispatcher) datagram(n int, nsid int32, hasNSID bool) error {
	d.c.Datagrams++
	d.c.Bytes += uint64(n)
	defer d.stats.publish(&d.c)
	nsi := d.nsIndex(nsid, hasNSID)
	base := d.used
	data := d.blocks[d.cur][base : base+n]
	var m Message
	for off := 0; off < len(data); {
		next, err := parseMessage(data[off:], &m)
		if err != nil {
			d.c.Malformed++
			break
		}
		start := off
		off += next
		d.c.Messages++
		if !m.Header.IsNFTables() {
			continue // NLMSG_NOOP, NLMSG_OVERRUN, another subsystem
		}
		nf, attrs, err := ParseNFGen(m.Payload)
		if err != nil {
			d.c.Malformed++
			continue
		}
		ns := &d.nss[nsi]
		if m.Header.MsgType() == MsgNewGen {
			if err := d.commit(nsi, &m, nf, attrs); err != nil {
				return err
			}
			continue
		}
		ns.inflight, ns.inflightRes = true, nf.ResID
		switch {
		case (ns.tainted || ns.taintNext) && ns.discards(nf.ResID):
			d.c.Discarded++
		case ns.seen && nf.ResID == uint16(ns.gen):
			// A notification of a generation that has committed already:
			// not part of a transaction (DESIGN fact 10).
			if err := d.deliver(EventOutside, &m, nf, attrs, nsi, false, nil); err != nil {
				return err
			}
		case d.stream || ns.over:
			if err := d.deliver(EventChange, &m, nf, attrs, nsi, true, nil); err != nil {
				return err
			}
		default:
			// The datagram stays where it is until its messages are
			// delivered: the next one goes after it.
			d.used = base + align(n)
			d.held = append(d.held, span{block: d.cur, off: base + start, n: int(m.Header.Len), ns: nsi})
			d.heldBytes += int(m.Header.Len)
			ns.held += int(m.Header.Len)
			if ns.held > d.maxTx {
				if err := d.flush(nsi); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// flush streams the held messages of namespace nsi, whose transaction grew
// past the cap; the rest of the transaction is streamed as it comes.
func (d *dispatcher) flush(nsi int) error {
	d.nss[nsi].over = true
	d.nss[nsi].held = 0
	return d.release(nsi, releaseStream, nil)
}

// What release does with the held messages of a namespace.
const (
	releaseDiscard    = iota // count them as discarded
	releaseBelowFloor        // count them as below the floor
	releaseStream            // deliver them as streamed changes
	releaseCommit            // deliver them stamped with their commit
)

// release delivers or drops the held messages of namespace nsi, in order,
// and forgets them. With releaseCommit, g is the commit.
func (d *dispatcher) release(nsi, how int, g *Gen) error {
	j := 0
	var err error
	var m Message
	for i, sp := range d.held {
		if sp.ns != nsi || err != nil {
			d.held[j] = d.held[i]
			j++
			continue
		}
		d.heldBytes -= sp.n
		switch how {
		case releaseDiscard:
			d.c.Discarded++
			continue
		case releaseBelowFloor:
			d.c.BelowFloor++
			continue
		}
		if _, perr := parseMessage(d.msg(sp), &m); perr != nil {
			continue // parsed once already; cannot happen
		}
		nf, attrs, _ := ParseNFGen(m.Payload)
		switch {
		case how == releaseStream:
			err = d.deliver(EventChange, &m, nf, attrs, nsi, true, nil)
		case nf.ResID != uint16(g.ID):
			// Not of this transaction, so not its process's either.
			err = d.deliver(EventOutside, &m, nf, attrs, nsi, false, nil)
		default:
			err = d.deliver(EventChange, &m, nf, attrs, nsi, false, g)
		}
	}
	d.held = d.held[:j]
	return err
}

// commit handles a NEWGEN: the held messages of its namespace are delivered,
// stamped with its generation and process, then the commit itself.
func (d *dispatcher) commit(nsi int, m *Message, nf NFGenMsg, attrs []byte) error {
	var g Gen
	if err := g.Decode(attrs); err != nil {
		d.c.Malformed++
		return nil
	}
	d.c.Transactions++
	ns := &d.nss[nsi]
	// A commit right after a loss, or of a transaction that lost
	// notifications, is discarded with what is held of it (nothing,
	// normally: its messages were discarded as they came).
	lost := ns.taintNext || ns.tainted && ns.taint == uint16(g.ID)
	ns.gen, ns.knownGen, ns.seen = g.ID, true, true
	ns.over, ns.held, ns.inflight = false, 0, false
	ns.tainted, ns.taintNext = false, false
	if lost {
		d.c.Discarded++
		return d.release(nsi, releaseDiscard, nil)
	}
	if floor := d.minGen.Load(); floor != 0 && !GenAfter(g.ID, floor) {
		d.c.BelowFloor++ // the commit itself
		return d.release(nsi, releaseBelowFloor, nil)
	}
	if err := d.release(nsi, releaseCommit, &g); err != nil {
		return err
	}
	d.ev = Event{
		Kind:     EventCommit,
		Type:     MsgNewGen,
		Family:   nf.Family,
		Gen:      g.ID,
		ProcPID:  g.ProcPID,
		ProcName: g.ProcName,
		NSID:     ns.nsid,
		HasNSID:  ns.hasNSID,
		Header:   m.Header,
		ResID:    nf.ResID,
		Attrs:    attrs,
	}
	return d.call()
}

// deliver fills the event for a change or outside notification and calls
// the callback, unless its generation is at or below the floor. A change
// delivered at its commit is stamped with the commit's g.
func (d *dispatcher) deliver(kind EventKind, m *Message, nf NFGenMsg, attrs []byte, nsi int, streamed bool, g *Gen) error {
	ns := &d.nss[nsi]
	gen := uint32(nf.ResID)
	known := ns.knownGen
	switch {
	case g != nil:
		gen, known = g.ID, true
	case known:
		gen = WidenGen(nf.ResID, ns.gen)
	}
	if floor := d.minGen.Load(); floor != 0 && known && !GenAfter(gen, floor) {
		d.c.BelowFloor++
		return nil
	}
	if !d.scope.contains(nf.Family, attrs) {
		return nil
	}
	if streamed {
		d.c.Streamed++
	}
	d.ev = Event{
		Kind:     kind,
		Type:     m.Header.MsgType(),
		Family:   nf.Family,
		Gen:      gen,
		NSID:     ns.nsid,
		HasNSID:  ns.hasNSID,
		Streamed: streamed,
		Header:   m.Header,
		ResID:    nf.ResID,
		Attrs:    attrs,
	}
	if g != nil {
		d.ev.ProcPID, d.ev.ProcName = g.ProcPID, g.ProcName
	}
	return d.call()
}

// contains reports whether a message of family f with attributes attrs is
// in the scope: every nftables object message names its table (or, for a
// table, itself) in attribute 1.
func (sc *Scope) contains(f Family, attrs []byte) bool {
	if sc.Family != FamilyUnspec && f != sc.Family {
		return false
	}
	if sc.Table == "" {
		return true
	}
	a := NewAttrScanner(attrs)
	for a.Next() {
		if a.Type() == 1 { // NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, ...
			return string(a.StringBytes()) == sc.Table
		}
	}
	return false
}

func (d *dispatcher) call() error {
	d.c.Events++
	return d.fn(&d.ev)
}

// loss reports a loss and discards what may be incomplete.
//
// When the kernel cannot queue a notification it drops it and makes the
// next recvmsg fail with ENOBUFS; the datagrams queued before the drop are
// read after the error. So the transaction in flight at the error (of which
// messages may be held) may miss its end, and the one whose first message
// is read after the error may miss its beginning (or be the same one). Both
// are discarded, up to and including their NEWGEN, in every namespace; the
// transactions after them are delivered as usual. What else was lost, no
// one can say: the loss event tells the caller to resync.
func (d *dispatcher) loss(err error) error {
	d.c.Losses++
	if _, ok := err.(*TruncatedError); ok {
		d.c.Truncated++
	}
	defer d.stats.publish(&d.c)
	d.c.Discarded += uint64(len(d.held))
	d.held, d.heldBytes = d.held[:0], 0
	for i := range d.nss {
		ns := &d.nss[i]
		if ns.inflight {
			ns.taint, ns.tainted = ns.inflightRes, true
		}
		ns.held, ns.over, ns.inflight, ns.taintNext = 0, false, false, true
	}
	d.ev = Event{Kind: EventLoss, Err: err}
	return d.call()
}

// feed copies a datagram into the arena and processes it, as if it had
// been read from the socket.
func (d *dispatcher) feed(b []byte, nsid int32, hasNSID bool) error {
	buf := d.reserve()
	if len(buf) < len(b) {
		// Larger than any datagram the socket reads: a block of its own.
		d.cur, d.used = d.cur+1, 0
		if d.cur == len(d.blocks) {
			d.blocks = append(d.blocks, nil)
		}
		if len(d.blocks[d.cur]) < len(b) {
			d.blocks[d.cur] = make([]byte, max(len(b), blockSize))
		}
		buf = d.blocks[d.cur]
	}
	n := copy(buf, b)
	return d.datagram(n, nsid, hasNSID)
}
