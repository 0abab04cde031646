package nftmon

import (
	"encoding/binary"
	"slices"
)

func nsArgs(ns int) (int32, bool) { return int32(ns * 7), ns != 0 }

// rewrite copies a message with a new res_id and nlmsg_seq.
func rewrite(msg []byte, res uint16, seq uint32) []byte {
	b := append([]byte(nil), msg...)
	binary.NativeEndian.PutUint32(b[8:], seq)
	binary.BigEndian.PutUint16(b[HeaderLen+2:], res)
	return b
}

// pack joins messages into one datagram, each padded to 4 bytes.
func pack(msgs ...[]byte) []byte {
	var b []byte
	for _, m := range msgs {
		b = append(b, m...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
	}
	return b
}

func (fr *fuzzRun) fail(format string, args ...any) {
	fr.t.Helper()
	fr.t.Fatalf(format, args...)
}

// event is the replayer's callback: it checks each event as it comes.
func (fr *fuzzRun) event(e *Event) error {
	fr.events++
	ns := 0
	if e.HasNSID {
		ns = int(e.NSID / 7)
		if e.NSID%7 != 0 || ns < 1 || ns > 2 {
			fr.fail("event of unknown nsid %d", e.NSID)
		}
	}
	switch e.Kind {
	case EventLoss:
		if e.Type != MsgNone || e.Err == nil {
			fr.fail("loss event %+v", e)
		}
		return nil
	case EventMalformed:
		if e.Type != MsgNone || e.Err == nil || len(e.Raw) == 0 {
			fr.fail("malformed event %+v", e)
		}
		fr.malformed++
		return nil
	}
	m := fr.msgs[e.Header.Seq]
	if m == nil || m.ns != ns {
		fr.fail("%s event of seq %d (nsid %v %d): not sent in that namespace", e.Kind, e.Header.Seq, e.HasNSID, e.NSID)
	}
	if m.seen {
		fr.fail("seq %d delivered twice (%s then %s)", e.Header.Seq, m.kind, e.Kind)
	}
	m.seen, m.kind = true, e.Kind
	if !m.fed {
		fr.fail("seq %d delivered but never fed", e.Header.Seq)
	}
	// The floor applies to every generation the replayer knows in full:
	// all but those of changes streamed before any commit was read.
	exact := fr.known[ns] || !e.Streamed
	if fr.floor != 0 && exact && !GenAfter(e.Gen, fr.floor) {
		fr.fail("%s of gen %d delivered at or below the floor %d", e.Kind, e.Gen, fr.floor)
	}
	switch e.Kind {
	case EventCommit:
		if !m.commit {
			fr.fail("commit event for a notification (seq %d)", e.Header.Seq)
		}
		tx := fr.txs[m.tx]
		if e.Gen != tx.gen || e.ProcPID != tx.pid || string(e.ProcName) != tx.name {
			fr.fail("commit stamped %d/%d/%q, sent %d/%d/%q", e.Gen, e.ProcPID, e.ProcName, tx.gen, tx.pid, tx.name)
		}
		if tx.dropped {
			fr.fail("commit %d delivered, but part of its transaction was dropped in a loss", tx.gen)
		}
		if fr.straddles(tx) {
			fr.fail("commit %d delivered, but its transaction straddles a loss", tx.gen)
		}
		// Held changes delivered since the last commit are all of this
		// transaction.
		for _, s := range fr.pending[ns] {
			if fr.msgs[s].tx != m.tx {
				fr.fail("change seq %d of gen %d delivered before commit %d", s, fr.msgs[s].gen, tx.gen)
			}
		}
		fr.pending[ns] = fr.pending[ns][:0]
		fr.commits[ns] = append(fr.commits[ns], e.Header.Seq)
	case EventChange, EventOutside:
		if m.commit {
			fr.fail("%s event for a commit (seq %d)", e.Kind, e.Header.Seq)
		}
		if fr.got[ns] == nil {
			fr.got[ns] = map[uint32]uint32{}
		}
		fr.got[ns][e.Header.Seq] = e.Gen
		if m.tx < 0 {
			// An outside notification: never stamped with a process.
			if e.Kind != EventOutside && !e.Streamed || e.ProcPID != 0 || e.ProcName != nil {
				fr.fail("outside notification delivered as %s (streamed %v) with process %d", e.Kind, e.Streamed, e.ProcPID)
			}
			if e.Kind == EventOutside && e.Gen != m.gen {
				fr.fail("outside notification of gen %d stamped %d", m.gen, e.Gen)
			}
			return nil
		}
		tx := fr.txs[m.tx]
		if e.Kind == EventOutside {
			fr.fail("change of transaction %d delivered as outside", tx.gen)
		}
		if e.Streamed {
			if e.ProcPID != 0 || e.ProcName != nil {
				fr.fail("streamed change with a process")
			}
			if e.Gen != tx.gen && (fr.known[ns] || e.Gen != uint32(uint16(tx.gen))) {
				fr.fail("streamed change of gen %d stamped %d", tx.gen, e.Gen)
			}
			return nil
		}
		if e.Gen != tx.gen || e.ProcPID != tx.pid || string(e.ProcName) != tx.name {
			fr.fail("held change stamped %d/%d/%q, its commit is %d/%d/%q", e.Gen, e.ProcPID, e.ProcName, tx.gen, tx.pid, tx.name)
		}
		if tx.dropped || fr.straddles(tx) {
			fr.fail("held change of gen %d delivered, but its transaction lost datagrams or straddles a loss", tx.gen)
		}
		if !fr.msgs[tx.commitSeq].fed || fr.msgs[tx.commitSeq].fedAt != fr.clock {
			fr.fail("held change of gen %d delivered before its commit was read", tx.gen)
		}
		fr.pending[ns] = append(fr.pending[ns], e.Header.Seq)
	default:
		fr.fail("unexpected %s event", e.Kind)
	}
	return nil
}

// straddles reports whether a loss happened between the first datagram of
// tx read and its commit read (or the end, if it was not read).
func (fr *fuzzRun) straddles(tx *fuzzTx) bool {
	first, last := -1, -1
	for _, s := range append(slices.Clip(tx.msgs), tx.commitSeq) {
		if m := fr.msgs[s]; m.fed {
			if first < 0 || m.fedAt < first {
				first = m.fedAt
			}
			last = max(last, m.fedAt)
		}
	}
	if first < 0 {
		return false
	}
	if !fr.msgs[tx.commitSeq].fed {
		last = fr.clock + 1
	}
	for _, l := range fr.losses {
		if l > first && l <= last {
			return true
		}
	}
	return false
}

func (fr *fuzzRun) nextSeq() uint32 { fr.seq++; return fr.seq }

// queueTx queues the transaction pool[k] in namespace ns, at generation
// gen; mode 1 reverses its datagrams, mode 2 sends one message per
// datagram.
func (fr *fuzzRun) queueTx(k, ns int, gen uint32, mode byte) {
	pool := replayPool()
	p := pool[k%len(pool)]
	tx := &fuzzTx{ns: ns, gen: gen, pid: p.pid, name: p.name}
	ti := len(fr.txs)
	fr.txs = append(fr.txs, tx)
	var dgs []fuzzDgram
	for _, msgs := range p.dgs {
		var dg fuzzDgram
		var parts [][]byte
		for _, m := range msgs {
			s := fr.nextSeq()
			fr.msgs[s] = &fuzzMsg{ns: ns, tx: ti, gen: gen}
			tx.msgs = append(tx.msgs, s)
			if mode == 2 {
				dgs = append(dgs, fuzzDgram{b: pack(rewrite(m, uint16(gen), s)), seqs: []uint32{s}})
				continue
			}
			parts = append(parts, rewrite(m, uint16(gen), s))
			dg.seqs = append(dg.seqs, s)
		}
		if mode != 2 {
			dg.b = pack(parts...)
			dgs = append(dgs, dg)
		}
	}
	if mode == 1 {
		slices.Reverse(dgs)
	}
	s := fr.nextSeq()
	tx.commitSeq = s
	fr.msgs[s] = &fuzzMsg{ns: ns, tx: ti, commit: true, gen: gen}
	dgs = append(dgs, fuzzDgram{b: genMsg(gen, p.pid, p.name, s), seqs: []uint32{s}})
	fr.queues[ns] = append(fr.queues[ns], dgs...)
	fr.gen[ns], fr.commit[ns], fr.sent[ns] = gen, gen, true
}

// feedNext feeds the next datagram of namespace ns's queue.
func (fr *fuzzRun) feedNext(ns int) {
	if len(fr.queues[ns]) == 0 {
		return
	}
	dg := fr.queues[ns][0]
	fr.queues[ns] = fr.queues[ns][1:]
	fr.clock++
	for _, s := range dg.seqs {
		m := fr.msgs[s]
		m.fed, m.fedAt = true, fr.clock
		if m.commit {
			fr.txs[m.tx].lossBefore = fr.lostSince[ns]
		}
	}
	before := fr.malformed
	nsid, has := nsArgs(ns)
	if err := fr.r.Feed(dg.b, nsid, has); err != nil {
		fr.fail("Feed: %v", err)
	}
	if dg.bad && fr.malformed != before+1 {
		fr.fail("a datagram whose framing lies gave %d malformed events, want 1", fr.malformed-before)
	}
	for _, s := range dg.seqs {
		if m := fr.msgs[s]; m.commit {
			fr.lostSince[ns] = false
			fr.known[ns] = true // every commit read tells the generation
		}
	}
}

// drop drops the next n datagrams of namespace ns's queue, as the kernel
// does while the socket is congested.
func (fr *fuzzRun) drop(ns, n int) {
	for ; n > 0 && len(fr.queues[ns]) > 0; n-- {
		for _, s := range fr.queues[ns][0].seqs {
			if m := fr.msgs[s]; m.tx >= 0 {
				fr.txs[m.tx].dropped = true
			}
		}
		fr.queues[ns] = fr.queues[ns][1:]
	}
}

func (fr *fuzzRun) run(prog []byte) {
	pool := replayPool()
	if len(pool) == 0 {
		fr.t.Fatal("no captures in testdata: the replay fuzz target has nothing to feed")
	}
	fr.msgs = map[uint32]*fuzzMsg{}
	var err error
	// Small arena blocks: cheap to make for every input, and the
	// multi-block and compaction paths are taken with small transactions.
	fr.r, err = newReplayer(ReplayConfig{Stream: fr.stream, MaxTransactionBytes: fr.maxTx, ArenaRetain: 2 * MinBufferLen}, fr.event, MinBufferLen)
	if err != nil {
		fr.fail("%v", err)
	}
	base := uint32(0xfff0) // so that res_ids wrap during a run
	if len(prog) > 0 {
		base += uint32(prog[0]) << 16
	}
	for i := range fr.gen {
		fr.gen[i] = base + uint32(i)*1000
	}
	if len(prog) > 0 && prog[0]&4 != 0 {
		fr.r.SetGen(fr.gen[0])
		fr.known[0] = true
	}
	if len(prog) > 1 {
		prog = prog[1:]
	}
	for i := 0; i+1 < len(prog) && i < 400; i += 2 {
		op, x := prog[i], prog[i+1]
		ns := int(x % 3)
		switch op % 8 {
		case 0, 1: // a transaction
			fr.queueTx(int(x/3), ns, fr.gen[ns]+1, op/8%3)
		case 2: // read datagrams, interleaving namespaces
			for j := range int(x/3)%6 + 1 {
				fr.feedNext((ns + j*int(op/8)) % 3)
			}
		case 3: // a loss, and the gap after it
			if fr.strip {
				continue
			}
			fr.losses = append(fr.losses, fr.clock+1)
			err := error(ErrOverflow)
			if op&8 != 0 {
				err = &TruncatedError{Size: MinBufferLen + 1, BufLen: MinBufferLen}
			}
			if e := fr.r.FeedLoss(err); e != nil {
				fr.fail("FeedLoss: %v", e)
			}
			for n := range fr.lostSince {
				fr.lostSince[n] = true
			}
			fr.drop(ns, int(x/3)%5)
		case 4: // the floor
			if fr.strip {
				continue
			}
			fr.floor, fr.floorEver = 0, true
			if x != 0 {
				fr.floor = fr.gen[0] - 8 + uint32(x%16)
			}
			fr.r.SetFloor(fr.floor)
		case 5: // a notification outside any transaction, after the last commit sent
			if !fr.sent[ns] || op&8 != 0 && len(fr.queues[ns]) > 0 {
				continue
			}
			p := pool[int(x/3)%len(pool)]
			s := fr.nextSeq()
			fr.msgs[s] = &fuzzMsg{ns: ns, tx: -1, gen: fr.commit[ns]}
			fr.queues[ns] = append(fr.queues[ns], fuzzDgram{b: pack(rewrite(p.dgs[0][0], uint16(fr.commit[ns]), s)), seqs: []uint32{s}})
		case 6: // a datagram whose framing lies
			b := nftMsg(MsgNewTable, uint16(fr.gen[ns]), "x", 0)
			binary.NativeEndian.PutUint32(b, uint32(len(b))+uint32(x)+1)
			fr.queues[ns] = append(fr.queues[ns], fuzzDgram{b: b, bad: true})
		case 7: // a jump of the generation (commits of another writer, unseen)
			fr.gen[ns] += uint32(x%64) + 1 // within WidenGen's reach over the whole run
		}
	}
	for ns := range fr.queues {
		for len(fr.queues[ns]) > 0 {
			fr.feedNext(ns)
		}
	}
	fr.finish()
}

// finish checks what must have been delivered: every transaction read
// whole, not straddling a loss, with no loss in its namespace between the
// commit before it and its own, and the floor never set.
func (fr *fuzzRun) finish() {
	for _, tx := range fr.txs {
		c := fr.msgs[tx.commitSeq]
		if !c.fed || tx.dropped || tx.lossBefore || fr.straddles(tx) || fr.floorEver {
			continue
		}
		for _, s := range tx.msgs {
			if !fr.msgs[s].seen {
				fr.fail("change seq %d of transaction %d (read whole, no loss) never delivered", s, tx.gen)
			}
		}
		if !c.seen {
			fr.fail("commit %d (read whole, no loss) never delivered", tx.gen)
		}
	}
	st := fr.r.Stats()
	if st.Events != uint64(fr.events) || st.Losses != uint64(len(fr.losses)) || st.Malformed != uint64(fr.malformed) {
		fr.fail("stats %+v: %d events, %d losses, %d malformed seen", st, fr.events, len(fr.losses), fr.malformed)
	}
}
