package nftmon

import (
	"errors"
	"sync/atomic"
)

// The dispatcher groups notifications by transaction and hands them to the
// callback. It keeps one small state machine per network namespace (txState,
// below); its inputs are the methods change, commit, loss and
// snapshotTaken, fed by datagram (the framing walk) and by the Monitor or
// Replayer that owns it; deliver.go turns what it decides into events.
// Nothing outside these files touches its fields.
type dispatcher struct {
	fn     func(*Event) error
	stream bool
	traces TraceMode
	maxTx  int
	scope  Scope

	a   arena
	nss []nsState // nss[0] is the owner's own namespace

	floor atomic.Uint32 // 0 means none (the kernel never uses gen 0)
	ev    Event
	c     counters
	stats statsCell
}

// txState is where a namespace stands between two commits.
type txState uint8

const (
	// txIdle: no notification read since the last commit (or the start).
	txIdle txState = iota
	// txHeld: a transaction is in flight; its changes are held in the
	// arena until its commit.
	txHeld
	// txStreamed: a transaction is in flight and its changes are delivered
	// as they are read: Config.Stream, or a held transaction that outgrew
	// MaxTransactionBytes (what was held of it was delivered then).
	txStreamed
	// txLost: a loss happened, and nothing of this namespace was read
	// since. The next transaction read may miss its beginning, or (if it
	// was in flight) its end (KERNEL.md, fact 7): the next commit is
	// discarded, and the res_id of the next notification becomes the one
	// discarded (txDiscard).
	txLost
	// txDiscard: discarding the transaction whose res_id is
	// nsState.discard, up to and including its commit. A notification of
	// another res_id means that commit was lost: it starts the next
	// transaction.
	txDiscard
)

var txStateNames = [...]string{"idle", "held", "streamed", "lost", "discard"}

func (s txState) String() string { return txStateNames[s] }

// genState is what a namespace knows of its current generation.
type genState uint8

const (
	// genUnknown: nothing; a res_id cannot be widened.
	genUnknown genState = iota
	// genAsked: learned from GETGEN (or Replayer.SetGen). Notifications of
	// that generation may still be queued: they are a transaction, not
	// outside one (KERNEL.md, fact 10).
	genAsked
	// genCommitted: the generation's commit was read, or a snapshot taken
	// at it, so every notification of it was read before: a later one is
	// outside any transaction.
	genCommitted
)

// nsState is the state machine of one network namespace.
type nsState struct {
	nsid    int32
	hasNSID bool
	state   txState
	gen     uint32 // the current generation, unless genUnknown
	known   genState
	held    int    // bytes held for the transaction in flight (txHeld)
	discard uint16 // the res_id of the transaction discarded (txDiscard)
	// gapEnd, when gapKnown (txLost only): the loss's gap ended before
	// generation gapEnd+1 was committed, so a transaction after gapEnd is
	// complete.
	gapEnd   uint32
	gapKnown bool
}

// stamp returns the generation a notification of res_id res belongs to, as
// far as the namespace knows: widened from res, or res itself when nothing
// is known (exact reports which).
func (ns *nsState) stamp(res uint16) (gen uint32, exact bool) {
	if ns.known == genUnknown {
		return uint32(res), false
	}
	return WidenGen(res, ns.gen), true
}

// releaseMode says what release does with the held messages of a namespace.
type releaseMode uint8

const (
	releaseDiscard    releaseMode = iota // count them as discarded (a loss)
	releaseBelowFloor                    // count them as below the floor
	releaseStream                        // deliver them as streamed changes
	releaseCommit                        // deliver them stamped with their commit
)

// notice is one parsed nftables message of the datagram being walked.
type notice struct {
	hdr   Header
	nf    NFGenMsg
	attrs []byte
}

// dispatchConfig is what a Monitor or Replayer tells its dispatcher.
type dispatchConfig struct {
	stream bool
	maxTx  int // 0: DefaultMaxTransactionBytes
	retain int // 0: DefaultArenaRetain; negative: keep everything
	block  int // the arena's block size; 0: blockSize (tests make it small)
	scope  Scope
	floor  uint32
	traces TraceMode
}

func newDispatcher(fn func(*Event) error, cfg dispatchConfig) *dispatcher {
	if cfg.maxTx <= 0 {
		cfg.maxTx = DefaultMaxTransactionBytes
	}
	if cfg.retain == 0 {
		cfg.retain = DefaultArenaRetain
	}
	if cfg.block == 0 {
		cfg.block = blockSize
	}
	d := &dispatcher{fn: fn, stream: cfg.stream, traces: cfg.traces, maxTx: cfg.maxTx, scope: cfg.scope, a: newArena(cfg.retain, cfg.block)}
	d.nss = []nsState{{}}
	d.floor.Store(cfg.floor)
	return d
}

// setFloor sets the floor: events of generations at or below gen are
// dropped. Safe from any goroutine.
func (d *dispatcher) setFloor(gen uint32) { d.floor.Store(gen) }

// aboveFloor reports whether generation gen passes the floor.
func (d *dispatcher) aboveFloor(gen uint32) bool {
	f := d.floor.Load()
	return f == 0 || GenAfter(gen, f)
}

// learnGen tells the own namespace its current generation, as GETGEN
// reports it.
func (d *dispatcher) learnGen(gen uint32) {
	ns := &d.nss[0]
	ns.gen, ns.known = gen, genAsked
}

// reserve returns the free part of the arena to read the next datagram
// into, at least MinBufferLen long.
func (d *dispatcher) reserve() []byte { return d.a.reserve() }

// feed copies a datagram into the arena and processes it, as if it had
// been read from the socket.
func (d *dispatcher) feed(b []byte, nsid int32, hasNSID bool) error {
	return d.datagram(d.a.place(b), nsid, hasNSID)
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
	ns := nsState{nsid: nsid, hasNSID: true}
	if d.c.Losses > 0 {
		// Seen for the first time after a loss: its first transaction
		// may have lost its beginning in it, as any namespace's may.
		ns.state = txLost
	}
	d.nss = append(d.nss, ns)
	return len(d.nss) - 1
}

// datagram walks one datagram of n bytes that was read into the arena at
// its free position, and feeds each nftables message to its namespace's
// state machine.
func (d *dispatcher) datagram(n int, nsid int32, hasNSID bool) error {
	d.c.Datagrams++
	d.c.Bytes += uint64(n)
	defer d.stats.publish(&d.c)
	nsi := d.nsIndex(nsid, hasNSID)
	base := d.a.used
	data := d.a.blocks[d.a.cur][base : base+n]
	var m Message
	for off := 0; off < len(data); {
		next, err := parseMessage(data[off:], &m)
		if err != nil {
			// The framing is lost: nothing after this point can be read.
			return d.malformed(nsi, Header{}, data[off:], err)
		}
		start := off
		off += next
		d.c.Messages++
		if !m.Header.IsNFTables() {
			continue // NLMSG_NOOP, NLMSG_OVERRUN, another subsystem
		}
		nf, attrs, err := ParseNFGen(m.Payload)
		if err != nil {
			if err := d.malformed(nsi, m.Header, data[start:start+int(m.Header.Len)], err); err != nil {
				return err
			}
			continue
		}
		var nt notice
		nt.hdr.copyFrom(&m.Header)
		nt.nf, nt.attrs = nf, attrs
		switch typ := m.Header.MsgType(); {
		case typ == MsgTrace:
			err = d.trace(nsi, &nt) // trace.go
		case d.traces == TracesOnly:
			// Not asked for (a Replayer fed a recording of both groups).
		case typ == MsgNewGen:
			err = d.commit(nsi, &nt, data[start:start+int(m.Header.Len)])
		default:
			err = d.change(nsi, &nt, base, start, n)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// change is the input of one notification other than a commit, at offset
// off of the datagram of dgLen bytes read at offset base of the arena's
// current block.
func (d *dispatcher) change(nsi int, nt *notice, base, off, dgLen int) error {
	ns := &d.nss[nsi]
	if ns.known == genCommitted && nt.nf.ResID == uint16(ns.gen) {
		// A notification of a generation that has committed already: not
		// part of a transaction (KERNEL.md, fact 10). In every state.
		dl := delivery{kind: EventOutside, exact: true}
		dl.gen, _ = ns.stamp(nt.nf.ResID)
		return d.deliver(nsi, nt, &dl)
	}
	switch ns.state {
	case txLost:
		if ns.gapKnown && GenAfter(WidenGen(nt.nf.ResID, ns.gapEnd), ns.gapEnd) {
			ns.state = txIdle // committed after the gap: whole
			break
		}
		ns.state, ns.discard = txDiscard, nt.nf.ResID
		d.c.Discarded++
		return nil
	case txDiscard:
		if nt.nf.ResID == ns.discard {
			d.c.Discarded++
			return nil
		}
		ns.state = txIdle // the discarded transaction's commit was lost
	}
	if ns.state == txIdle {
		ns.state = txHeld
		if d.stream {
			ns.state = txStreamed
		}
	}
	if ns.state == txStreamed {
		dl := delivery{kind: EventChange, streamed: true}
		dl.gen, dl.exact = ns.stamp(nt.nf.ResID)
		return d.deliver(nsi, nt, &dl)
	}
	n := int(nt.hdr.Len)
	d.a.hold(base, off, n, dgLen, nsi)
	ns.held += n
	if ns.held > d.maxTx {
		// Too large to hold: what is held goes out now, the rest as it
		// comes.
		ns.state, ns.held = txStreamed, 0
		return d.release(nsi, releaseStream, Gen{})
	}
	return nil
}

// commit is the input of a NEWGEN: the held messages of its namespace are
// delivered, stamped with its generation and process, then the commit
// itself. raw is the whole message.
func (d *dispatcher) commit(nsi int, nt *notice, raw []byte) error {
	ns := &d.nss[nsi]
	was := ns.state
	ns.state, ns.held = txIdle, 0
	var g Gen
	if err := g.Decode(nt.attrs); err != nil {
		// A commit that cannot be read still ends its transaction, whose
		// changes go out unstamped after the malformed event.
		if err := d.malformed(nsi, nt.hdr, raw, err); err != nil {
			return err
		}
		if was == txLost || was == txDiscard {
			return d.release(nsi, releaseDiscard, Gen{})
		}
		return d.release(nsi, releaseStream, Gen{})
	}
	d.c.Transactions++
	ns.gen, ns.known = g.ID, genCommitted
	switch {
	case was == txLost || was == txDiscard:
		// The commit of the transaction being discarded, or, with
		// txLost, of one whose notifications were all lost: either may
		// be incomplete.
		d.c.Discarded++ // the commit itself
		return d.release(nsi, releaseDiscard, Gen{})
	case !d.aboveFloor(g.ID):
		d.c.BelowFloor++ // the commit itself
		return d.release(nsi, releaseBelowFloor, Gen{})
	}
	if err := d.release(nsi, releaseCommit, g); err != nil {
		return err
	}
	d.ev = Event{
		Kind:     EventCommit,
		Type:     MsgNewGen,
		Family:   nt.nf.Family,
		Gen:      g.ID,
		ProcPID:  g.ProcPID,
		ProcName: g.ProcName,
		NSID:     ns.nsid,
		HasNSID:  ns.hasNSID,
		Header:   nt.hdr,
		ResID:    nt.nf.ResID,
		Attrs:    nt.attrs,
	}
	return d.call()
}

// loss is the input of a loss (an error matching ErrOverflow or
// ErrTruncated): every namespace discards what it holds and goes to txLost.
//
// When the kernel cannot queue a notification it drops it and makes the
// next recvmsg fail with ENOBUFS; the datagrams queued before the drop are
// read after the error (KERNEL.md, fact 7). So the transaction in flight at
// the error may miss its end, and the one read next may miss its beginning
// (or be the same one): in each namespace the transaction of the first
// notification read after the loss is discarded, with its commit (or the
// first commit, if that comes first); the transactions after it are
// delivered as usual. The Monitor bounds the gap better: it empties the
// socket's queue at once (the kernel drops everything until it is empty)
// and asks GETGEN, and a transaction committed after that generation is
// known to be whole (gapEnded). What else was lost, no one can say: the
// loss event tells the caller to resync.
func (d *dispatcher) loss(err error) error {
	d.c.Losses++
	if errors.Is(err, ErrTruncated) {
		d.c.Truncated++
	}
	defer d.stats.publish(&d.c)
	d.c.Discarded += uint64(d.a.heldMsgs)
	d.a.forget()
	for i := range d.nss {
		d.nss[i].state, d.nss[i].held, d.nss[i].gapKnown = txLost, 0, false
	}
	d.ev = Event{Kind: EventLoss, Type: MsgNone, Err: err}
	return d.call()
}

// snapshotTaken is the input of a snapshot of the own namespace delivered
// at generation gen: everything up to gen is in it, so gen becomes the
// floor and the current generation, and a loss before it is repaired.
// retries is the snapshotter's running count of retried attempts.
func (d *dispatcher) snapshotTaken(gen uint32, retries uint64) {
	d.c.Snapshots++
	d.c.Retries = retries
	d.stats.publish(&d.c)
	d.floor.Store(gen)
	ns := &d.nss[0]
	ns.gen, ns.known = gen, genCommitted
	if ns.state == txLost || ns.state == txDiscard {
		ns.state = txIdle
	}
}

// gapEnded is the input that bounds a loss's gap in the own namespace: the
// socket's queue was emptied (so the kernel queues notifications again),
// then GETGEN said gen. A transaction committed after gen is complete; one
// at or before it may have lost some, and is discarded as after any loss.
func (d *dispatcher) gapEnded(gen uint32) {
	ns := &d.nss[0]
	if ns.state == txLost {
		ns.gapEnd, ns.gapKnown = gen, true
	}
}

// discarded counts n notifications thrown away unread after a loss.
func (d *dispatcher) discarded(n int) {
	d.c.Discarded += uint64(n)
	d.stats.publish(&d.c)
}

// snapshotFailed records the retries of a snapshot that failed.
func (d *dispatcher) snapshotFailed(retries uint64) {
	d.c.Retries = retries
	d.stats.publish(&d.c)
}

// snapshotEvent delivers one event of a snapshot.
func (d *dispatcher) snapshotEvent(e *Event) error {
	d.c.Events++
	return d.fn(e)
}

// setForeign records the socket's count of foreign datagrams.
func (d *dispatcher) setForeign(n uint64) { d.c.Foreign = n }
