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
// so SetInfo.AppendElem holds the first of a pair until the second comes
// and then prints them as one (10.0.0.0/8, 22-25), as nft monitor does.
// A concatenation's intervals are one element with a KEY_END.

// interval is the half of an interval held for its other half.
type interval struct {
	held   bool
	del    bool   // held from a deletion
	isEnd  bool   // the held element is the end (deletions send it first)
	raw    []byte // the held element's attributes, a copy
	scanEl msgs.Elem
}

// ElemStatus says what AppendElem did with an element.
type ElemStatus uint8

// The element statuses.
const (
	ElemPrinted ElemStatus = iota // the element's text was appended
	ElemHeld                      // the first half of an interval, held for the other: nothing appended
	ElemHidden                    // an element nft does not print (the leading end of an interval set): nothing appended
)

// AppendElem appends the text of one element of a NEWSETELEM (del false)
// or DELSETELEM (del true) of this set, as nft monitor prints it between
// the braces. raw is the element's attributes (the payload of its
// NFTA_LIST_ELEM, as ElemScanner walks them) and el its decoded view; the
// first half of an interval is copied from raw and held (ElemHeld), and
// printed with the second. Elements of a deletion do not pair with those
// of an addition.
func (s *SetInfo) AppendElem(dst []byte, del bool, raw []byte, el *msgs.Elem) ([]byte, ElemStatus) {
	if s.Flags&msgs.SetInterval == 0 || s.Flags&msgs.SetConcat != 0 || el.Flags&msgs.ElemCatchall != 0 || el.Present.Has(msgs.AttrSetElemKeyEnd) {
		return s.appendElem(dst, el, el.Key, nil, false), ElemPrinted
	}
	isEnd := el.Flags&msgs.ElemIntervalEnd != 0
	iv := &s.iv
	if iv.held && (iv.del != del || iv.isEnd == isEnd) {
		// Not the other half of what is held: drop the held half, as
		// nft monitor would print nothing for it either.
		iv.held = false
	}
	if !iv.held {
		if isEnd && allZero(el.Key) {
			return dst, ElemHidden
		}
		if !isEnd && openInterval(el) {
			return s.appendElem(dst, el, el.Key, nil, true), ElemPrinted
		}
		iv.held, iv.del, iv.isEnd = true, del, isEnd
		iv.raw = append(iv.raw[:0], raw...)
		return dst, ElemHeld
	}
	iv.held = false
	if iv.scanEl.Decode(iv.raw) != nil {
		return s.appendElem(dst, el, el.Key, nil, false), ElemPrinted
	}
	start, end := el, &iv.scanEl
	if isEnd {
		start, end = &iv.scanEl, el
	}
	return s.appendElem(dst, start, start.Key, end.Key, true), ElemPrinted
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

// appendElem appends an element with the given key. For an interval set
// (interval true), endExcl is the first value after the interval, nil for
// one that runs to the highest value.
func (s *SetInfo) appendElem(dst []byte, el *msgs.Elem, key, endExcl []byte, interval bool) []byte {
	switch {
	case el.Flags&msgs.ElemCatchall != 0:
		dst = append(dst, '*')
	case el.Present.Has(msgs.AttrSetElemKeyEnd):
		dst = s.Key.appendRange(dst, key, el.KeyEnd)
	case interval:
		dst = s.Key.appendInterval(dst, key, endExcl)
	default:
		dst = s.Key.AppendValue(dst, key)
	}
	if el.Expr != nil {
		var e msgs.Expr
		if e.Decode(el.Expr) == nil {
			dst = AppendStatefulExpr(append(dst, ' '), e, false)
		}
	}
	x := el.Exprs()
	for x.Next() {
		dst = AppendStatefulExpr(append(dst, ' '), x.Expr(), false)
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
	switch {
	case el.IsVerdict:
		dst = AppendVerdict(append(dst, " : "...), &el.Verdict)
	case el.Present.Has(unix.NFTA_SET_ELEM_OBJREF):
		dst = AppendQuoted(append(dst, " : "...), el.ObjRef)
	case el.Present.Has(unix.NFTA_SET_ELEM_DATA):
		dst = s.Data.AppendValue(append(dst, " : "...), el.Data)
	}
	return dst
}

// maxKey is the longest key an interval can have (NFT_DATA_VALUE_MAXLEN).
const maxKey = maxValueLen

// appendInterval appends the interval [start, endExcl) of a set that is
// not a concatenation as nft does (interval_map_decompose): one value, a
// prefix (10.0.0.0/8) for the types that prefer one, a wildcard string
// ("eth*"), or a range (22-25). The kernel keeps interval keys in big
// endian, whatever the type's order. endExcl nil means up to the highest
// value.
func (v *ValueType) appendInterval(dst []byte, start, endExcl []byte) []byte {
	if v.numFields != 1 || len(start) != int(v.Len) || len(start) > maxKey || endExcl != nil && len(endExcl) != len(start) {
		dst = appendHexValue(dst, start)
		if endExcl != nil {
			dst = appendHexValue(append(dst, '-'), endExcl)
		}
		return dst
	}
	var lastBuf [maxKey]byte
	last := lastBuf[:len(start)]
	if endExcl == nil {
		for i := range last {
			last[i] = 0xff
		}
	} else {
		copy(last, endExcl)
		decrement(last)
	}
	return appendSpan(dst, v.fields[0].Type, start, last)
}

// appendRange appends the interval [start, end] (both inclusive) of a
// concatenation as nft prints it: field by field, each a value, a prefix
// or a range.
func (v *ValueType) appendRange(dst []byte, start, end []byte) []byte {
	if v.numFields == 0 || uint32(len(start)) != v.Len || len(end) != len(start) {
		return appendHexValue(append(appendHexValue(dst, start), '-'), end)
	}
	for i := 0; i < v.numFields; i++ {
		f := &v.fields[i]
		if i > 0 {
			dst = append(dst, " . "...)
		}
		dst = appendSpan(dst, f.Type, start[:f.Len], end[:f.Len])
		if v.numFields > 1 {
			start, end = start[pad4(f.Len):], end[pad4(f.Len):]
		}
	}
	return dst
}

// appendSpan appends [start, last], big-endian values of type t, as nft's
// add_interval does.
func appendSpan(dst []byte, t Type, start, last []byte) []byte {
	if bytes.Equal(start, last) {
		return appendScalar(dst, t, BigEndian, start)
	}
	if bits, ok := prefixLen(start, last); ok {
		switch {
		case t.PrefersPrefix():
			dst = appendScalar(dst, t, BigEndian, start)
			return strconv.AppendUint(append(dst, '/'), uint64(bits), 10)
		case t.isString() && bits%8 == 0:
			n := bits / 8
			if str := bytes.IndexByte(start, 0); str > 0 && str == n && n < len(start) {
				dst = AppendQuoted(dst, start[:n])
				return append(dst[:len(dst)-1], '*', '"')
			}
			dst = appendScalar(dst, t, BigEndian, start)
			return strconv.AppendUint(append(dst, '/'), uint64(bits), 10)
		}
	}
	dst = appendScalar(dst, t, BigEndian, start)
	return appendScalar(append(dst, '-'), t, BigEndian, last)
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
