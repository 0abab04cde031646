package nftmon

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// ErrInconsistent matches the error of a snapshot that kept changing: every
// attempt saw a commit land while it was dumping.
var ErrInconsistent = errors.New("nftmon: the ruleset kept changing during the snapshot")

// The order in which a snapshot delivers objects, so that a consumer can
// apply them: what a rule refers to comes before the rule, and the objects
// an object map's elements name come before the elements.
const (
	snapTables = iota
	snapChains
	snapSets
	snapObjs
	snapElems
	snapFlowtables
	snapRules
	snapKinds
)

// snapshotBuf holds the messages of one snapshot attempt, copied out of
// the reply buffer, by kind. It is reused from one snapshot to the next.
type snapshotBuf struct {
	data  []byte
	kinds [snapKinds][]span
	req   []byte
}

func (sb *snapshotBuf) reset() {
	sb.data = sb.data[:0]
	for i := range sb.kinds {
		sb.kinds[i] = sb.kinds[i][:0]
	}
}

// add copies a message (header and payload) into the buffer.
func (sb *snapshotBuf) add(kind int, m *Message) {
	off := len(sb.data)
	var h [HeaderLen]byte
	binary.NativeEndian.PutUint32(h[0:], m.Header.Len)
	binary.NativeEndian.PutUint16(h[4:], m.Header.Type)
	binary.NativeEndian.PutUint16(h[6:], m.Header.Flags)
	binary.NativeEndian.PutUint32(h[8:], m.Header.Seq)
	binary.NativeEndian.PutUint32(h[12:], m.Header.PortID)
	sb.data = append(sb.data, h[:]...)
	sb.data = append(sb.data, m.Payload...)
	sb.kinds[kind] = append(sb.kinds[kind], span{off: off, n: int(m.Header.Len)})
}

// span is one message of a snapshot buffer: data[off:off+n].
type span struct{ off, n int }

// errRetry marks an attempt that saw the ruleset change.
var errRetry = errors.New("nftmon: the ruleset changed during the snapshot attempt")

// snapshotter takes consistent snapshots on a request socket.
type snapshotter struct {
	conn      *Conn
	scope     Scope
	attempts  int
	buf       snapshotBuf
	retries   uint64
	afterDump func(op string) // tests: called after each dump
}

// Snapshot dumps the ruleset (or the part scope names) at one generation
// and calls fn for each object, in an order a consumer can apply (tables,
// chains, sets, objects, set elements, flowtables, rules), each as an
// EventSnapshot, between an EventSnapshotBegin and an EventSnapshotEnd that
// carry the generation. It returns that generation.
//
// It does what nft does to keep its cache consistent: read the generation,
// dump everything, read the generation again, and start over while the two
// differ, a reply carries NLM_F_DUMP_INTR, or a reply's res_id is not the
// generation's low 16 bits (set-element dumps never set NLM_F_DUMP_INTR);
// up to DefaultSnapshotAttempts times with a growing pause, then it fails
// with an error matching ErrInconsistent. Nothing is delivered from an
// attempt that is not consistent.
//
// c must be a request socket: one that joined no multicast group. The
// snapshot allocates memory in proportion to the ruleset; the events are
// valid only until fn returns.
func (c *Conn) Snapshot(ctx context.Context, scope Scope, fn func(*Event) error) (uint32, error) {
	s := &snapshotter{conn: c, scope: scope, attempts: DefaultSnapshotAttempts}
	return s.take(ctx, fn)
}

func (s *snapshotter) take(ctx context.Context, fn func(*Event) error) (uint32, error) {
	if err := s.scope.validate(); err != nil {
		return 0, err
	}
	pause := time.Millisecond
	for attempt := 1; ; attempt++ {
		gen, err := s.attempt()
		if err == nil {
			return gen, s.deliver(gen, fn)
		}
		if !errors.Is(err, errRetry) {
			return 0, err
		}
		s.retries++
		if attempt == s.attempts {
			return 0, fmt.Errorf("%w (%d attempts)", ErrInconsistent, attempt)
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return 0, ctx.Err()
		case <-t.C:
		}
		pause = min(2*pause, 100*time.Millisecond)
	}
}

// attempt dumps everything once; it returns errRetry if the ruleset
// changed meanwhile.
func (s *snapshotter) attempt() (uint32, error) {
	s.buf.reset()
	g0, err := s.conn.GetGen()
	if err != nil {
		return 0, err
	}
	gen := g0.ID
	fam := s.scope.Family
	dumps := []struct {
		kind int
		t    MsgType
		op   string
		attr uint16 // the table attribute of the request, for a table scope
	}{
		{snapTables, MsgGetTable, "GETTABLE", 0},
		{snapChains, MsgGetChain, "GETCHAIN", unix.NFTA_CHAIN_TABLE},
		{snapSets, MsgGetSet, "GETSET", unix.NFTA_SET_TABLE},
		{snapRules, MsgGetRule, "GETRULE", unix.NFTA_RULE_TABLE},
		{snapObjs, MsgGetObj, "GETOBJ", unix.NFTA_OBJ_TABLE},
		{snapFlowtables, MsgGetFlowtable, "GETFLOWTABLE", nftaFlowtableTable},
	}
	for _, d := range dumps {
		var attrs []byte
		if s.scope.Table != "" && d.attr != 0 {
			attrs = AppendStringAttr(nil, d.attr, s.scope.Table)
		}
		err := s.dump(d.op, d.kind, d.t, fam, attrs, gen)
		if d.t == MsgGetFlowtable && (errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOENT)) {
			continue // a kernel without flowtables
		}
		if err != nil {
			return 0, err
		}
	}
	// One element dump per set, with the set's own family.
	sets := s.buf.kinds[snapSets]
	for i := range sets {
		sp := sets[i]
		m, _, _ := ParseMessage(s.buf.data[sp.off : sp.off+sp.n])
		nf, attrs, _ := ParseNFGen(m.Payload)
		var table, name []byte
		a := NewAttrScanner(attrs)
		for a.Next() {
			switch a.Type() {
			case unix.NFTA_SET_TABLE:
				table = a.StringBytes()
			case unix.NFTA_SET_NAME:
				name = a.StringBytes()
			}
		}
		if a.Err() != nil || table == nil || name == nil {
			return 0, errSetNoName
		}
		req := AppendStringAttr(nil, unix.NFTA_SET_ELEM_LIST_TABLE, string(table))
		req = AppendStringAttr(req, unix.NFTA_SET_ELEM_LIST_SET, string(name))
		if err := s.dump("GETSETELEM", snapElems, MsgGetSetElem, nf.Family, req, gen); err != nil {
			if errors.Is(err, unix.ENOENT) {
				return 0, errRetry // deleted since the set dump
			}
			return 0, err
		}
	}
	g1, err := s.conn.GetGen()
	if err != nil {
		return 0, err
	}
	if g1.ID != gen {
		return 0, errRetry
	}
	return gen, nil
}

// dump runs one dump request and keeps its messages; errRetry if one of
// them was interrupted or is of another generation.
func (s *snapshotter) dump(op string, kind int, t MsgType, fam Family, attrs []byte, gen uint32) error {
	b := AppendRequest(s.buf.req[:0], t, unix.NLM_F_REQUEST|unix.NLM_F_DUMP, 0, fam)
	b = append(b, attrs...)
	s.buf.req = FinishRequest(b, 0)
	changed := false
	if s.afterDump != nil {
		defer s.afterDump(op)
	}
	err := s.conn.Request(op, s.buf.req, func(m *Message) error {
		nf, attrs, err := m.NFGen()
		if err != nil {
			return wrap(op+" reply", err)
		}
		if m.Header.Flags&unix.NLM_F_DUMP_INTR != 0 || nf.ResID != uint16(gen) {
			changed = true
			return nil
		}
		if !s.scope.contains(nf.Family, attrs) {
			return nil // the kernel filters some dumps by table, not all (GETTABLE, GETCHAIN)
		}
		if kind == snapElems && emptyElemList(attrs) {
			return nil // the kernel ends an element dump with an empty list
		}
		s.buf.add(kind, m)
		return nil
	})
	if err != nil {
		var oe *OpError
		if errors.As(err, &oe) && oe.Errno == unix.EINTR {
			return errRetry
		}
		return err
	}
	if changed {
		return errRetry
	}
	return nil
}

// emptyElemList reports whether a set-element message has no element: the
// kernel ends each set's element dump with one (KERNEL.md, fact 15).
func emptyElemList(attrs []byte) bool {
	a := NewAttrScanner(attrs)
	for a.Next() {
		if a.Type() == unix.NFTA_SET_ELEM_LIST_ELEMENTS {
			return len(a.Bytes()) == 0
		}
	}
	return true
}

// deliver hands a consistent snapshot to fn.
func (s *snapshotter) deliver(gen uint32, fn func(*Event) error) error {
	ev := Event{Kind: EventSnapshotBegin, Type: MsgNewGen, Gen: gen}
	if err := fn(&ev); err != nil {
		return err
	}
	for kind := range s.buf.kinds {
		for _, sp := range s.buf.kinds[kind] {
			m, _, _ := ParseMessage(s.buf.data[sp.off : sp.off+sp.n])
			nf, attrs, _ := ParseNFGen(m.Payload)
			ev = Event{
				Kind:   EventSnapshot,
				Type:   m.Header.MsgType(),
				Family: nf.Family,
				Gen:    gen,
				Header: m.Header,
				ResID:  nf.ResID,
				Attrs:  attrs,
			}
			if err := fn(&ev); err != nil {
				return err
			}
		}
	}
	ev = Event{Kind: EventSnapshotEnd, Type: MsgNewGen, Gen: gen}
	return fn(&ev)
}
