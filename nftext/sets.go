package nftext

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// OwnNS is the nsid of the monitor's own network namespace in the Sets
// methods: events from it carry no nsid (nftmon.Event.HasNSID is false).
const OwnNS int32 = -1

// NSID returns the nsid the Sets methods take for an event's namespace:
// e.NSID, or OwnNS.
func NSID(e *nftmon.Event) int32 {
	if e.HasNSID {
		return e.NSID
	}
	return OwnNS
}

// Sets knows the key and data types of every set it has seen, by
// namespace, family, table and name: element notifications carry no type,
// so this is what lets an element print as 10.0.0.0/8 rather than as
// bytes. Feed it every event (Observe), snapshots included; it learns from
// NEWSET, forgets on DELSET and DELTABLE, and so holds no more than the
// ruleset. It keeps the elements an anonymous set receives in its
// transaction, for the rule that uses the set (SetInfo.Elems).
//
// Looking a set up and printing its elements allocate nothing. The zero
// value is ready to use. A Sets is not safe for concurrent use.
type Sets struct {
	m      map[string]*SetInfo
	key    []byte
	asked  map[string]struct{} // sets asked for with GETSET and not found
	req    []byte
	set    msgs.Set
	elems  msgs.SetElems
	spares []*SetInfo
}

// maxAsked bounds how many missing sets Sets remembers having asked for.
const maxAsked = 1024

// mapKey builds the map key of a set in s.key: the nsid, the family, the
// table, a NUL and the name (names hold no NUL).
func (s *Sets) mapKey(nsid int32, family nftmon.Family, table, name []byte) []byte {
	k := binary.BigEndian.AppendUint32(s.key[:0], uint32(nsid))
	k = append(append(k, byte(family)), table...)
	k = append(append(k, 0), name...)
	s.key = k
	return k
}

// Lookup returns what is known of a set, or nil.
func (s *Sets) Lookup(nsid int32, family nftmon.Family, table, name []byte) *SetInfo {
	return s.m[string(s.mapKey(nsid, family, table, name))]
}

// Learn remembers a set from its NEWSET or GETSET reply, replacing what was
// known of it, and returns its SetInfo.
func (s *Sets) Learn(nsid int32, family nftmon.Family, set *msgs.Set) *SetInfo {
	if s.m == nil {
		s.m = make(map[string]*SetInfo)
	}
	k := s.mapKey(nsid, family, set.Table, set.Name)
	info := s.m[string(k)]
	if info == nil {
		if n := len(s.spares); n > 0 {
			info, s.spares = s.spares[n-1], s.spares[:n-1]
		} else {
			info = new(SetInfo)
		}
		s.m[string(k)] = info
	}
	if s.asked != nil {
		delete(s.asked, string(k))
	}
	info.Learn(family, set)
	return info
}

// Forget forgets a set (DELSET).
func (s *Sets) Forget(nsid int32, family nftmon.Family, table, name []byte) {
	k := s.mapKey(nsid, family, table, name)
	if info := s.m[string(k)]; info != nil {
		delete(s.m, string(k))
		s.spares = append(s.spares, info)
	}
}

// ForgetTable forgets every set of a table (DELTABLE).
func (s *Sets) ForgetTable(nsid int32, family nftmon.Family, table []byte) {
	prefix := string(s.mapKey(nsid, family, table, nil))
	for k, info := range s.m {
		if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
			delete(s.m, k)
			s.spares = append(s.spares, info)
		}
	}
}

// ForgetNS forgets every set of a namespace.
func (s *Sets) ForgetNS(nsid int32) {
	var prefix [4]byte
	binary.BigEndian.PutUint32(prefix[:], uint32(nsid))
	for k, info := range s.m {
		if len(k) >= 4 && k[:4] == string(prefix[:]) {
			delete(s.m, k)
			s.spares = append(s.spares, info)
		}
	}
}

// Reset forgets every set, as a loss of events requires.
func (s *Sets) Reset() {
	for k, info := range s.m {
		delete(s.m, k)
		s.spares = append(s.spares, info)
	}
	clear(s.asked)
}

// Len returns how many sets are known.
func (s *Sets) Len() int { return len(s.m) }

// Observe updates the knowledge from one event: it learns sets from NEWSET
// (of a notification or a snapshot), forgets them on DELSET and DELTABLE,
// keeps the elements of anonymous sets from NEWSETELEM, forgets everything
// on a loss of events, and a namespace's sets when a snapshot of it
// begins (what is gone without a notification, such as an owner's table,
// goes then). It returns the error of a message it could not decode. Call
// it before printing the event.
func (s *Sets) Observe(e *nftmon.Event) error {
	switch e.Kind {
	case nftmon.EventLoss:
		s.Reset()
		return nil
	case nftmon.EventSnapshotBegin:
		s.ForgetNS(NSID(e))
		return nil
	case nftmon.EventChange, nftmon.EventSnapshot, nftmon.EventOutside:
	default:
		return nil
	}
	nsid := NSID(e)
	switch e.Type {
	case nftmon.MsgNewSet:
		if err := s.set.Decode(e.Attrs); err != nil {
			return err
		}
		s.Learn(nsid, e.Family, &s.set)
	case nftmon.MsgDelSet:
		if err := s.set.Decode(e.Attrs); err != nil {
			return err
		}
		s.Forget(nsid, e.Family, s.set.Table, s.set.Name)
	case nftmon.MsgDelTable:
		table, err := tableName(e.Attrs)
		if err != nil {
			return err
		}
		s.ForgetTable(nsid, e.Family, table)
	case nftmon.MsgNewSetElem:
		if err := s.elems.Decode(e.Attrs); err != nil {
			return err
		}
		if info := s.Lookup(nsid, e.Family, s.elems.Table, s.elems.Set); info != nil && info.Flags&msgs.SetAnonymous != 0 {
			info.collect(s.elems.Elements)
			info.dumped = info.dumped || e.Kind == nftmon.EventSnapshot
		}
	}
	return nil
}

// tableName returns NFTA_TABLE_NAME of a table message.
func tableName(attrs []byte) ([]byte, error) {
	a := nftmon.NewAttrScanner(attrs)
	for a.Next() {
		if a.Type() == unix.NFTA_TABLE_NAME {
			n := a.StringBytes()
			return n, a.Err()
		}
	}
	if err := a.Err(); err != nil {
		return nil, err
	}
	return nil, errNoTableName
}

var (
	errNoTableName = errors.New("nftext: table message without NFTA_TABLE_NAME")
	// ErrNoSet is returned by Ask when the kernel has no such set.
	ErrNoSet = errors.New("nftext: no such set")
)

// Ask returns what is known of a set, asking the kernel with GETSET on c (a
// request connection of the set's namespace, not the one reading events)
// when it is not known, for a set created before the monitor started
// without a snapshot. It asks once per set: a set the kernel does not have
// is remembered as missing (ErrNoSet) until a NEWSET names it.
func (s *Sets) Ask(c *nftmon.Conn, nsid int32, family nftmon.Family, table, name []byte) (*SetInfo, error) {
	if info := s.Lookup(nsid, family, table, name); info != nil {
		return info, nil
	}
	if _, ok := s.asked[string(s.key)]; ok {
		return nil, ErrNoSet
	}
	s.req = nftmon.AppendRequest(s.req[:0], nftmon.MsgGetSet, unix.NLM_F_REQUEST, 0, family)
	s.req = appendStringAttr(s.req, unix.NFTA_SET_TABLE, table)
	s.req = appendStringAttr(s.req, unix.NFTA_SET_NAME, name)
	s.req = nftmon.FinishRequest(s.req, 0)
	var found *SetInfo
	err := c.Request("getset", s.req, func(m *nftmon.Message) error {
		nf, attrs, err := m.NFGen()
		if err != nil {
			return err
		}
		if m.Header.MsgType() != nftmon.MsgNewSet {
			return nil
		}
		if err := s.set.Decode(attrs); err != nil {
			return err
		}
		found = s.Learn(nsid, nftmon.Family(nf.Family), &s.set)
		return nil
	})
	var op *nftmon.OpError
	if errors.As(err, &op) && op.Errno == unix.ENOENT || err == nil && found == nil {
		if s.asked == nil {
			s.asked = make(map[string]struct{})
		}
		if len(s.asked) >= maxAsked {
			clear(s.asked)
		}
		s.asked[string(s.mapKey(nsid, family, table, name))] = struct{}{}
		return nil, fmt.Errorf("%w: %s %s %s", ErrNoSet, family, table, name)
	}
	if err != nil {
		return nil, err
	}
	return found, nil
}

// appendStringAttr appends a NUL-terminated string attribute.
func appendStringAttr(b []byte, typ uint16, s []byte) []byte {
	l := nftmon.AttrHeaderLen + len(s) + 1
	b = binary.NativeEndian.AppendUint16(b, uint16(l))
	b = binary.NativeEndian.AppendUint16(b, typ)
	b = append(append(b, s...), 0)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}
