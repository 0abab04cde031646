package nftmon

// release delivers or drops the held messages of namespace nsi, in order,
// and forgets them. With releaseCommit, g is the commit.
func (d *dispatcher) release(nsi int, mode releaseMode, g Gen) error {
	ns := &d.nss[nsi]
	// How a change of the committed transaction goes out; the stamp of
	// the others is worked out one by one.
	stamped := delivery{kind: EventChange, gen: g.ID, exact: true, pid: g.ProcPID, name: g.ProcName}
	j := 0
	var err error
	var m Message
	var nt notice
	var dl delivery
	for i, sp := range d.a.held {
		if sp.ns != nsi || err != nil {
			d.a.held[j] = d.a.held[i]
			j++
			continue
		}
		d.a.heldBytes -= sp.n
		switch mode {
		case releaseDiscard:
			d.c.Discarded++
			continue
		case releaseBelowFloor:
			d.c.BelowFloor++
			continue
		}
		if _, perr := parseMessage(d.a.msg(sp), &m); perr != nil {
			continue // parsed once already; cannot happen
		}
		nt.hdr = m.Header
		nt.nf, nt.attrs, _ = ParseNFGen(m.Payload)
		switch {
		case mode == releaseCommit && nt.nf.ResID == uint16(g.ID):
			err = d.deliver(nsi, &nt, &stamped)
			continue
		case mode == releaseStream:
			dl = delivery{kind: EventChange, streamed: true}
		default:
			// Not of this transaction, so not its process's either.
			dl = delivery{kind: EventOutside}
		}
		dl.gen, dl.exact = ns.stamp(nt.nf.ResID)
		err = d.deliver(nsi, &nt, &dl)
	}
	d.a.held = d.a.held[:j]
	return err
}

// delivery is how a notification goes out: its kind and stamp.
type delivery struct {
	kind     EventKind
	gen      uint32 // the generation to stamp
	exact    bool   // gen is a full generation, not a bare res_id
	streamed bool   // delivered before its commit
	pid      uint32 // the committing process, for a change delivered at its commit
	name     []byte
}

// deliver fills the event for a change or outside notification and calls
// the callback, unless its generation is at or below the floor, or it is
// out of scope.
func (d *dispatcher) deliver(nsi int, nt *notice, dl *delivery) error {
	if dl.exact && !d.aboveFloor(dl.gen) {
		d.c.BelowFloor++
		return nil
	}
	if !d.scope.contains(nt.nf.Family, nt.attrs) {
		return nil
	}
	if dl.streamed {
		d.c.Streamed++
	}
	ns := &d.nss[nsi]
	// Field by field: a composite literal of the whole Event is built
	// aside and copied, which cost this path a quarter of its time.
	e := &d.ev
	e.Kind, e.Type, e.Family = dl.kind, nt.hdr.MsgType(), nt.nf.Family
	e.Gen, e.ProcPID, e.ProcName = dl.gen, dl.pid, dl.name
	e.NSID, e.HasNSID, e.Streamed = ns.nsid, ns.hasNSID, dl.streamed
	e.Header, e.ResID, e.Attrs = nt.hdr, nt.nf.ResID, nt.attrs
	e.Raw, e.Err = nil, nil
	return d.call()
}

// malformed delivers an EventMalformed for bytes that could not be parsed:
// a message whose framing lies (then raw is the rest of the datagram and
// hdr is zero), or an nftables message too short or a commit that cannot
// be decoded (then hdr is its header and raw the whole message).
func (d *dispatcher) malformed(nsi int, hdr Header, raw []byte, err error) error {
	d.c.Malformed++
	ns := &d.nss[nsi]
	d.ev = Event{
		Kind:    EventMalformed,
		Type:    MsgNone,
		NSID:    ns.nsid,
		HasNSID: ns.hasNSID,
		Header:  hdr,
		Raw:     raw,
		Err:     err,
	}
	return d.call()
}

func (d *dispatcher) call() error {
	d.c.Events++
	return d.fn(&d.ev)
}
