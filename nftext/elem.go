package nftext

import (
	"bytes"
	"strconv"

	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// Set elements as nft prints them between the braces of `add element inet
// t s { ... }`: the key (a value, a prefix, a range or `*`), the element's
// statements, timeout, expiry and comment, and a map's ` : value`.
//
// An interval of a set that is not a concatenation is two elements for the
// kernel: the first value, and the first value after the interval, flagged
// NFT_SET_ELEM_INTERVAL_END. Notifications carry one element per message,
// so SetInfo.Pair holds the first of a pair until the second comes
// and then prints them as one (10.0.0.0/8, 22-25), as nft monitor does.
// A concatenation's intervals are one element with a KEY_END.

// interval is the half of an interval held for its other half.
type interval struct {
	held   bool
	del    bool   // held from a deletion
	isEnd  bool   // the held element is the end (deletions send it first)
	raw    []byte // the held element's attributes, a copy
	scanEl msgs.Elem
	last   [maxKey]byte
}

// ElemStatus says what Pair (and AppendElem) did with an element.
type ElemStatus uint8

// The element statuses.
const (
	ElemReady  ElemStatus = iota // the element (or the interval it ends) is ready to print
	ElemHeld                     // the first half of an interval, held for the other: nothing to print yet
	ElemHidden                   // an element nft does not print (the leading end of an interval set)
)

// Elem is one element as nft prints it: the element (the start of an
// interval), and for an interval its last value.
type Elem struct {
	*msgs.Elem
	// Last is the last value of an interval, inclusive: the KEY_END of a
	// concatenation's, the value before the end element of another
	// set's, all ones for one that runs to the highest value. Nil for
	// a single value. It may be a view of the SetInfo, valid until the
	// next Pair.
	Last []byte
}

// Pair takes one element of a NEWSETELEM (del false) or DELSETELEM (del
// true) of this set and returns the element to print. raw is the
// element's attributes (the payload of its NFTA_LIST_ELEM, as
// nftmon.AttrScanner walks them) and el its decoded view. The first half
// of an interval is copied from raw and held (ElemHeld), and returned with
// the second; halves of a deletion do not pair with those of an addition.
func (s *SetInfo) Pair(del bool, raw []byte, el *msgs.Elem) (Elem, ElemStatus) {
	switch {
	case el.Flags&msgs.ElemCatchall != 0:
		return Elem{Elem: el}, ElemReady
	case el.Present.Has(msgs.AttrSetElemKeyEnd):
		return Elem{Elem: el, Last: el.KeyEnd}, ElemReady
	case s.Flags&msgs.SetInterval == 0 || s.Flags&msgs.SetConcat != 0:
		return Elem{Elem: el}, ElemReady
	}
	isEnd := el.Flags&msgs.ElemIntervalEnd != 0
	iv := &s.iv
	if iv.held && (iv.del != del || iv.isEnd == isEnd) {
		// Not the other half of what is held: drop the held half, for
		// which nft monitor would print nothing either.
		iv.held = false
	}
	if !iv.held {
		if isEnd && allZero(el.Key) {
			return Elem{}, ElemHidden
		}
		if !isEnd && openInterval(el) {
			return Elem{Elem: el, Last: s.last(nil, len(el.Key))}, ElemReady
		}
		iv.held, iv.del, iv.isEnd = true, del, isEnd
		iv.raw = append(iv.raw[:0], raw...)
		return Elem{}, ElemHeld
	}
	iv.held = false
	if iv.scanEl.Decode(iv.raw) != nil {
		return Elem{Elem: el}, ElemReady
	}
	start, end := el, &iv.scanEl
	if isEnd {
		start, end = &iv.scanEl, el
	}
	if len(end.Key) != len(start.Key) {
		return Elem{Elem: start}, ElemReady
	}
	return Elem{Elem: start, Last: s.last(end.Key, len(start.Key))}, ElemReady
}

// last returns the value before end (all ones for a nil end) in the
// SetInfo's scratch buffer.
func (s *SetInfo) last(end []byte, n int) []byte {
	if n > maxKey {
		n = maxKey
	}
	l := s.iv.last[:n]
	if end == nil {
		for i := range l {
			l[i] = 0xff
		}
		return l
	}
	copy(l, end)
	decrement(l)
	return l
}

// AppendElem appends the text of one element of an element change, as nft
// monitor prints it between the braces: Pair, then AppendPaired. Nothing
// is appended unless the status is ElemReady.
// Interface indexes (iface_index values) print as numbers; Printer's
// lines name them with its Links.
func (s *SetInfo) AppendElem(dst []byte, del bool, raw []byte, el *msgs.Elem) ([]byte, ElemStatus) {
	return s.appendElem(dst, del, raw, el, ifNames{})
}

// appendElem is AppendElem, interface indexes named by n.
func (s *SetInfo) appendElem(dst []byte, del bool, raw []byte, el *msgs.Elem, n ifNames) ([]byte, ElemStatus) {
	p, st := s.Pair(del, raw, el)
	if st != ElemReady {
		return dst, st
	}
	return s.appendPaired(dst, p, n), st
}

// Pending reports whether the set holds the first half of an interval.
func (s *SetInfo) Pending() bool { return s.iv.held }

// allZero reports whether b is all zero bytes (or empty).
func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// openInterval reports whether an element is a range that runs to the
// highest value, which has no end element (NFTNL_SET_ELEM_F_INTERVAL_OPEN).
func openInterval(el *msgs.Elem) bool {
	v, ok := udataFind(el.UserData, udataElemFlags)
	if !ok {
		return false
	}
	f, ok := udataU32(v)
	return ok && f&udataElemIntervalOpen != 0
}

// AppendPaired appends an element as nft prints it: its key (AppendKey),
// statements, timeout, expiry and comment, and a map's ` : value`.
func (s *SetInfo) AppendPaired(dst []byte, p Elem) []byte {
	return s.appendPaired(dst, p, ifNames{})
}

// appendPaired is AppendPaired, interface indexes named by n.
func (s *SetInfo) appendPaired(dst []byte, p Elem, n ifNames) []byte {
	el := p.Elem
	dst = s.appendKey(dst, p, n)
	if el.Expr != nil {
		var e msgs.Expr
		if e.Decode(el.Expr) == nil {
			dst = AppendStatefulExpr(append(dst, ' '), e, false)
		}
	}
	x := el.Exprs()
	for x.Next() {
		dst = AppendStatefulExpr(append(dst, ' '), *x.Expr(), false)
	}
	if el.Present.Has(unix.NFTA_SET_ELEM_TIMEOUT) && el.Timeout != 0 {
		dst = AppendDuration(append(dst, " timeout "...), el.Timeout)
	}
	if el.Present.Has(unix.NFTA_SET_ELEM_EXPIRATION) && el.Expiration != 0 {
		dst = AppendDuration(append(dst, " expires "...), el.Expiration)
	}
	if c := el.Comment(); c != nil {
		dst = AppendQuoted(append(dst, " comment "...), c)
	}
	if s.IsMap() || s.IsObjMap() || el.Present.Has(unix.NFTA_SET_ELEM_DATA) {
		dst = s.appendData(dst, p, n)
	}
	return dst
}

// AppendData appends a map element's value as nft prints it after the key:
// ` : accept`, ` : jump c`, ` : "name"` (an object map's), ` : 10.0.0.1`;
// nothing for an element without one.
func (s *SetInfo) AppendData(dst []byte, p Elem) []byte {
	return s.appendData(dst, p, ifNames{})
}

// appendData is AppendData, interface indexes named by n.
func (s *SetInfo) appendData(dst []byte, p Elem, n ifNames) []byte {
	el := p.Elem
	switch {
	case el.IsVerdict:
		return AppendVerdict(append(dst, " : "...), &el.Verdict)
	case el.Present.Has(unix.NFTA_SET_ELEM_OBJREF):
		return AppendQuoted(append(dst, " : "...), el.ObjRef)
	case el.Present.Has(unix.NFTA_SET_ELEM_DATA) && s.DataInterval:
		return s.Data.appendIntervalValue(append(dst, " : "...), el.Data, n)
	case el.Present.Has(unix.NFTA_SET_ELEM_DATA):
		return s.Data.appendValue(append(dst, " : "...), el.Data, n)
	}
	return dst
}

// AppendIntervalValue appends the value of a map of intervals (`type
// ipv4_addr : interval ipv4_addr`, SetInfo.DataInterval): the kernel holds
// the interval's first and last value, each padded to 4 bytes; nft prints
// one value, a prefix or a range.
func (v *ValueType) AppendIntervalValue(dst []byte, data []byte) []byte {
	return v.appendIntervalValue(dst, data, ifNames{})
}

// appendIntervalValue is AppendIntervalValue, interface indexes named by n.
func (v *ValueType) appendIntervalValue(dst []byte, data []byte, n ifNames) []byte {
	size := v.Type.Size()
	if v.Type >= typeCount || size == 0 || len(data) != 2*pad4(size) {
		return appendHexValue(dst, data)
	}
	return n.appendSpan(dst, v.Type, data[:size], data[pad4(size):pad4(size)+size])
}

// AppendKey appends an element's key as nft prints it: `*` for the
// catch-all element, a value, or an interval: a prefix (10.0.0.0/8) for
// the types that prefer one, a wildcard string ("eth*"), a range (22-25),
// field by field for a concatenation (10.0.0.0/8 . 22-25).
func (s *SetInfo) AppendKey(dst []byte, p Elem) []byte {
	return s.appendKey(dst, p, ifNames{})
}

// appendKey is AppendKey, interface indexes named by n.
func (s *SetInfo) appendKey(dst []byte, p Elem, n ifNames) []byte {
	if p.Flags&msgs.ElemCatchall != 0 {
		return append(dst, '*')
	}
	v := &s.Key
	key := p.Key
	if v.numFields == 0 || uint32(len(key)) != v.Len || p.Last != nil && len(p.Last) != len(key) {
		dst = appendHexValue(dst, key)
		if p.Last != nil {
			dst = appendHexValue(append(dst, '-'), p.Last)
		}
		return dst
	}
	for i := 0; i < v.numFields; i++ {
		if i > 0 {
			dst = append(dst, " . "...)
		}
		dst = v.appendField(dst, i, key, p.Last, n)
	}
	return dst
}

// AppendField appends field i of a key or value as nft prints it: the
// field's value in data, or, when last is not nil, the interval from it to
// the field's value in last: one value, a prefix, a wildcard string or a
// range. The kernel keeps interval keys in big endian, whatever the
// type's order.
func (v *ValueType) AppendField(dst []byte, i int, data, last []byte) []byte {
	return v.appendField(dst, i, data, last, ifNames{})
}

// appendField is AppendField, interface indexes named by n.
func (v *ValueType) appendField(dst []byte, i int, data, last []byte, n ifNames) []byte {
	if i < 0 || i >= v.numFields || uint32(len(data)) != v.Len || last != nil && len(last) != len(data) {
		return appendHexValue(dst, data)
	}
	off := 0
	for j := 0; j < i; j++ {
		off += pad4(v.fields[j].Len)
	}
	f := &v.fields[i]
	end := off + f.Len
	if v.numFields == 1 {
		end = len(data)
	}
	if last == nil {
		return f.appendValue(dst, data[off:end], n)
	}
	if f.Hex {
		dst = appendHexNumber(dst, data[off:end], BigEndian, 0)
		if !bytes.Equal(data[off:end], last[off:end]) {
			dst = appendHexNumber(append(dst, '-'), last[off:end], BigEndian, 0)
		}
		return dst
	}
	return n.appendSpan(dst, f.Type, data[off:end], last[off:end])
}

// maxKey is the longest key an interval can have (NFT_DATA_VALUE_MAXLEN).
const maxKey = maxValueLen

// appendSpan appends [start, last], big-endian values of type t, as nft's
// add_interval does.
func (n ifNames) appendSpan(dst []byte, t Type, start, last []byte) []byte {
	if bytes.Equal(start, last) {
		return n.appendScalar(dst, t, BigEndian, start)
	}
	if bits, ok := prefixLen(start, last); ok {
		switch {
		case t.PrefersPrefix():
			dst = n.appendScalar(dst, t, BigEndian, start)
			return strconv.AppendUint(append(dst, '/'), uint64(bits), 10)
		case t.isString() && bits%8 == 0:
			k := bits / 8
			if str := bytes.IndexByte(start, 0); str > 0 && str == k && k < len(start) {
				dst = AppendQuoted(dst, start[:k])
				return append(dst[:len(dst)-1], '*', '"')
			}
			dst = n.appendScalar(dst, t, BigEndian, start)
			return strconv.AppendUint(append(dst, '/'), uint64(bits), 10)
		}
	}
	dst = n.appendScalar(dst, t, BigEndian, start)
	return n.appendScalar(append(dst, '-'), t, BigEndian, last)
}

// isString reports whether t's values are strings (string, ifname).
func (t Type) isString() bool { return t < typeCount && types[t].fmt == fmtString }

// decrement subtracts one from a big-endian number.
func decrement(b []byte) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i]--
		if b[i] != 0xff {
			return
		}
	}
}

// prefixLen reports whether [start, last] is exactly one prefix: start's
// bits below it zero, last's one. It returns the prefix length in bits.
func prefixLen(start, last []byte) (int, bool) {
	i := 0
	for i < len(start) && start[i] == last[i] {
		i++
	}
	if i == len(start) {
		return 8 * i, true
	}
	diff := start[i] ^ last[i]
	if diff&(diff+1) != 0 || start[i]&diff != 0 || last[i]&diff != diff {
		return 0, false
	}
	for j := i + 1; j < len(start); j++ {
		if start[j] != 0 || last[j] != 0xff {
			return 0, false
		}
	}
	bits := 8 * (i + 1)
	for d := diff; d != 0; d >>= 1 {
		bits--
	}
	return bits, true
}
