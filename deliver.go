package nftmon

// release delivers or drops the held messages of namespace nsi, in order,
// and forgets them. With releaseCommit, g is the commit.
func (d *dispatcher) release(nsi int, mode releaseMode, g Gen) error {
	// How a change of the committed transaction goes out; the stamp of
	// the others is worked out one by one.
	stamped := delivery{kind: EventChange, gen: g.ID, exact: true, pid: g.ProcPID, name: g.ProcName}
	j := 0
	var err error
	for i := range d.a.held {
		r := d.a.held[i]
		if r.ns != nsi || err != nil {
			d.a.held[j] = r
			j++
			continue
		}
		switch mode {
		case releaseDiscard:
			d.c.Discarded += uint64(r.msgs)
		case releaseBelowFloor:
			d.c.BelowFloor += uint64(r.msgs)
		default:
			var rest run
			if rest, err = d.releaseRun(nsi, r, mode, &stamped); rest.msgs > 0 {
				// The callback failed: what follows its message stays held.
				d.a.held[j] = rest
				j++
			}
			continue
		}
		d.a.heldBytes -= r.bytes
		d.a.heldMsgs -= r.msgs
	}
	d.a.held = d.a.held[:j]
	return err
}

// releaseRun delivers the messages of a held run, as release says (mode
// releaseCommit or releaseStream), and forgets each as it goes. If the
// callback fails, it returns the error and the part of the run after the
// message it failed on, which stays held.
func (d *dispatcher) releaseRun(nsi int, r run, mode releaseMode, stamped *delivery) (run, error) {
	ns := &d.nss[nsi]
	var m Message
	var nt notice
	var dl delivery
	b := d.a.bytesOf(r)
	for off := 0; off < len(b); {
		next, perr := parseMessage(b[off:], &m)
		if perr != nil {
			return run{}, nil // parsed once already; cannot happen
		}
		off += next
		n := int(m.Header.Len)
		r.msgs, r.bytes = r.msgs-1, r.bytes-n
		d.a.heldMsgs, d.a.heldBytes = d.a.heldMsgs-1, d.a.heldBytes-n
		nt.hdr.copyFrom(&m.Header)
		nt.nf, nt.attrs, _ = ParseNFGen(m.Payload)
		var err error
		if mode == releaseCommit && nt.nf.ResID == uint16(stamped.gen) {
			err = d.deliver(nsi, &nt, stamped)
		} else {
			if mode == releaseStream {
				dl = delivery{kind: EventChange, streamed: true}
			} else {
				// Not of this transaction, so not its process's either.
				dl = delivery{kind: EventOutside}
			}
			dl.gen, dl.exact = ns.stamp(nt.nf.ResID)
			err = d.deliver(nsi, &nt, &dl)
		}
		if err != nil {
			r.off += off
			return r, err
		}
	}
	return run{}, nil
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
	e.Header.copyFrom(&nt.hdr)
	e.ResID, e.Attrs = nt.nf.ResID, nt.attrs
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
