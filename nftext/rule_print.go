package nftext

import (
	"bytes"
	"cmp"
	"math/bits"
	"slices"
	"strconv"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// Printing the statements as nft does (the *_print functions of nftables
// src/expression.c, src/payload.c, src/meta.c, src/ct.c, src/statement.c).

// print appends every statement that is not dead, separated by blanks.
func (s *ruleState) print(dst []byte) []byte {
	n := len(dst)
	for i := 0; i < s.n; i++ {
		st := s.st(i)
		if st.dead {
			continue
		}
		if len(dst) > n {
			dst = append(dst, ' ')
		}
		dst = s.appendStmt(dst, st)
	}
	return dst
}

// appendStmt appends one statement.
func (s *ruleState) appendStmt(dst []byte, st *stmt) []byte {
	switch st.kind {
	case sMatch:
		return s.appendMatch(dst, st)
	case sVerdict:
		var x msgs.ImmediateExpr
		if x.Decode(st.expr.Data) != nil {
			return appendRawExpr(dst, st.expr)
		}
		return AppendVerdict(dst, &x.Data.Verdict)
	case sVmap:
		dst = s.appendList(dst, st.left, st.nleft)
		dst = append(dst, " vmap "...)
		return s.appendMapRef(dst, st.set, st.left, st.nleft, st.setShift)
	case sSimple:
		return s.appendSimple(dst, st)
	case sMetaSet:
		var x msgs.MetaExpr
		if x.Decode(st.expr.Data) != nil || metaInfo(x.Key) == nil {
			return appendRawExpr(dst, st.expr)
		}
		m := metaInfo(x.Key)
		if !metaUnqualified(uint32(x.Key)) {
			dst = append(dst, "meta "...)
		}
		dst = append(dst, m.name...)
		dst = append(dst, " set "...)
		return s.appendOperandAs(dst, st.val, m.typ, m.order)
	case sCtSet:
		var x msgs.CtExpr
		if x.Decode(st.expr.Data) != nil || ctInfo(x.Key) == nil {
			return appendRawExpr(dst, st.expr)
		}
		c := ctInfo(x.Key)
		dir := int16(-1)
		if x.Present.Has(unix.NFTA_CT_DIRECTION) {
			dir = int16(x.Direction)
		}
		dst = appendCtName(dst, x.Key, dir, 0)
		dst = append(dst, " set "...)
		if x.Key == msgs.CtEventmask {
			return s.appendCtEvents(dst, st.val)
		}
		return s.appendOperandAs(dst, st.val, c.typ, c.order)
	case sPayloadSet:
		return s.appendPayloadSet(dst, st)
	case sExthdrSet:
		return s.appendExthdrSet(dst, st)
	case sNat, sMasq, sRedir:
		return s.appendNat(dst, st)
	case sTproxy:
		return s.appendTproxy(dst, st)
	case sDup:
		return s.appendDup(dst, st)
	case sFwd:
		return s.appendFwd(dst, st)
	case sQueue:
		return s.appendQueue(dst, st)
	case sDynset:
		return s.appendDynset(dst, st)
	case sObjref:
		return s.appendObjrefMap(dst, st)
	}
	return appendRawExpr(dst, st.expr)
}

// appendSetRef appends a set reference: an anonymous set's elements
// inline when known, "@name" otherwise.
func (s *ruleState) appendSetRef(dst []byte, name []byte) []byte {
	if isAnonymous(name) {
		// Its elements are known only when its transaction was seen
		// (not from a GETSET): otherwise the name.
		if info := s.lookupSet(name); info != nil && info.Flags&msgs.SetAnonymous != 0 && len(info.elems) > 0 {
			return s.appendInline(dst, info)
		}
	}
	dst = append(dst, '@')
	return AppendIdent(dst, name)
}

// appendMapRef appends the set or map a lookup names: the shifted keys of
// an anonymous one keyed by a field that is not whole bytes, otherwise as
// appendSetRef does.
func (s *ruleState) appendMapRef(dst []byte, name []byte, list, count int16, shift uint8) []byte {
	if shift != 0 && count == 1 {
		if info := s.lookupSet(name); info != nil && info.Flags&msgs.SetAnonymous != 0 && len(info.elems) > 0 {
			return s.appendShiftedSet(dst, info, s.op(s.list()[list]), uint32(shift))
		}
	}
	return s.appendSetRef(dst, name)
}

// appendShiftedSet appends the elements of an anonymous set or map keyed by
// a field that is not whole bytes: each key shifted right by shift bits and
// printed as the field's type, then a map's data.
func (s *ruleState) appendShiftedSet(dst []byte, info *SetInfo, f *operand, shift uint32) []byte {
	dst = append(dst, "{ "...)
	start := len(dst)
	var el msgs.Elem
	if info.dumped {
		var small [smallSort]sortedElem
		for _, e := range s.sortedElems(info, &small) {
			dst = s.appendShiftedElem(dst, start, info, f, shift, e.raw, &el)
		}
		return append(dst, " }"...)
	}
	a := nftmon.NewAttrScanner(info.elems)
	for a.Next() {
		if a.Type() == unix.NFTA_LIST_ELEM {
			dst = s.appendShiftedElem(dst, start, info, f, shift, a.Bytes(), &el)
		}
	}
	return append(dst, " }"...)
}

// appendShiftedElem appends one element, its key shifted.
func (s *ruleState) appendShiftedElem(dst []byte, start int, info *SetInfo, f *operand, shift uint32, raw []byte, el *msgs.Elem) []byte {
	if el.Decode(raw) != nil || el.Flags&msgs.ElemIntervalEnd != 0 {
		return dst
	}
	if len(dst) > start {
		dst = append(dst, ", "...)
	}
	mark := s.nscratch
	v := s.trimValue(msgVal(el.Key), shift, f.len)
	dst = s.appendValueOf(dst, f, s.v(v))
	s.nscratch = mark
	if info.IsMap() || info.IsObjMap() {
		dst = info.appendData(dst, Elem{Elem: el}, s.names)
	}
	return dst
}

// appendInline appends the elements an anonymous set received, as nft
// prints them in a rule: "{ 22, 80 }", "{ 22 : accept }". Those of a
// notification print in the order they came, as nft monitor prints them;
// those of a dump sorted by key, as nft list ruleset prints them
// (list_expr_sort, interval_map_decompose).
func (s *ruleState) appendInline(dst []byte, info *SetInfo) []byte {
	dst = append(dst, "{ "...)
	start := len(dst)
	var el msgs.Elem
	if info.dumped {
		var small [smallSort]sortedElem
		for _, e := range s.sortedElems(info, &small) {
			dst = s.appendOneElem(dst, start, info, e.raw, &el)
		}
		return closeElems(dst, start)
	}
	a := nftmon.NewAttrScanner(info.elems)
	for a.Next() {
		if a.Type() == unix.NFTA_LIST_ELEM {
			dst = s.appendOneElem(dst, start, info, a.Bytes(), &el)
		}
	}
	return closeElems(dst, start)
}

// appendOneElem appends one element of an inline set, after ", " unless
// it is the first (the list starts at start).
func (s *ruleState) appendOneElem(dst []byte, start int, info *SetInfo, raw []byte, el *msgs.Elem) []byte {
	if el.Decode(raw) != nil {
		return dst
	}
	mark := len(dst)
	if mark > start {
		dst = append(dst, ", "...)
	}
	var st ElemStatus
	dst, st = info.appendElem(dst, false, raw, el, s.names)
	if st != ElemReady {
		dst = dst[:mark]
	}
	return dst
}

// closeElems ends an inline set that started at start.
func closeElems(dst []byte, start int) []byte {
	if len(dst) == start {
		return append(dst[:start-1], '}')
	}
	return append(dst, " }"...)
}

// sortedElem is an element of an anonymous set from a dump, as sorted:
// its attributes, and what the order reads of them.
type sortedElem struct {
	raw           []byte // the NFTA_LIST_ELEM payload
	key           []byte
	catchall, end bool
}

// smallSort is how many elements a set sorts in the caller's array; a
// larger one in the renderer's list.
const smallSort = 32

// sortedElems returns the elements of an anonymous set from a dump,
// sorted by key as nft sorts them: in small, the caller's array, when
// they fit, otherwise in the renderer's list (grown to the largest set
// once, then reused: nothing allocated after).
func (s *ruleState) sortedElems(info *SetInfo, small *[smallSort]sortedElem) []sortedElem {
	n := 0
	for a := nftmon.NewAttrScanner(info.elems); a.Next(); {
		if a.Type() == unix.NFTA_LIST_ELEM {
			n++
		}
	}
	var els []sortedElem
	if n > len(small) {
		s.sorted = appendSortElems(s.sorted[:0], info)
		els = s.sorted
	} else {
		els = appendSortElems(small[:0], info)
	}
	reversed := reversedKeys(info)
	slices.SortStableFunc(els, func(x, y sortedElem) int { return compareElems(&x, &y, reversed) })
	return els
}

// appendSortElems appends the elements of an anonymous set, as sorted.
func appendSortElems(els []sortedElem, info *SetInfo) []sortedElem {
	var el msgs.Elem
	a := nftmon.NewAttrScanner(info.elems)
	for a.Next() {
		if a.Type() != unix.NFTA_LIST_ELEM {
			continue
		}
		raw := a.Bytes()
		if el.Decode(raw) != nil {
			continue // appendOneElem skips it too
		}
		els = append(els, sortedElem{raw: raw, key: el.Key, catchall: el.Flags&msgs.ElemCatchall != 0, end: el.Flags&msgs.ElemIntervalEnd != 0})
	}
	return els
}

// reversedKeys reports whether nft compares a set's keys from their last
// byte: those in host order, and concatenations (expr_msort_value reads
// them as one host-order number).
func reversedKeys(info *SetInfo) bool {
	if len(info.Key.Fields()) > 1 {
		return true
	}
	o := info.Key.Order
	if o == ByteOrderInvalid {
		o = info.Key.Type.Order()
	}
	return o == HostEndian
}

// compareElems orders two elements' keys as nft does (list_expr_sort): a
// catch-all last, shorter keys first, then by value (from the last byte
// when reversed), an interval's end before a start of the same value.
func compareElems(x, y *sortedElem, reversed bool) int {
	if x.catchall || y.catchall {
		return cmpBool(x.catchall, y.catchall)
	}
	k, l := x.key, y.key
	if len(k) != len(l) {
		return cmp.Compare(len(k), len(l))
	}
	if !reversed {
		if c := bytes.Compare(k, l); c != 0 {
			return c
		}
	} else {
		for i := len(k) - 1; i >= 0; i-- {
			if k[i] != l[i] {
				return cmp.Compare(k[i], l[i])
			}
		}
	}
	return -cmpBool(x.end, y.end)
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// appendList appends the operands of a list joined by " . ".
func (s *ruleState) appendList(dst []byte, list, count int16) []byte {
	for k, i := range s.listOps(list, count) {
		if k > 0 {
			dst = append(dst, " . "...)
		}
		dst = s.appendOperand(dst, i)
	}
	return dst
}

// appendMatch appends a match: left, operator, right.
func (s *ruleState) appendMatch(dst []byte, st *stmt) []byte {
	dst = s.appendList(dst, st.left, st.nleft)
	left := s.op(s.list()[st.left])
	t := s.typeOf(left)
	if st.rk == rFlagcmp {
		if st.op == relNeq {
			dst = append(dst, " != "...)
		} else {
			dst = append(dst, ' ')
		}
		dst = s.appendFlagList(dst, t, s.orderOf(left), s.v(st.val1))
		dst = append(dst, " / "...)
		return s.appendFlagList(dst, t, s.orderOf(left), s.sp(st.mask))
	}
	switch st.op {
	case relEq:
		if st.nleft == 1 && ((st.rk == rValue && t.isBitmask()) || left.kind == opBitwise) {
			dst = append(dst, " == "...)
		} else {
			dst = append(dst, ' ')
		}
	case relNeq:
		dst = append(dst, " != "...)
	case relLt:
		dst = append(dst, " < "...)
	case relGt:
		dst = append(dst, " > "...)
	case relLte:
		dst = append(dst, " <= "...)
	case relGte:
		dst = append(dst, " >= "...)
	case relImplicit:
		dst = append(dst, ' ')
	case relNeg:
		dst = append(dst, " ! "...)
	}
	switch st.rk {
	case rValue:
		if st.nleft > 1 {
			return s.appendConcatValue(dst, st, s.v(st.val1))
		}
		return s.appendValueOf(dst, left, s.v(st.val1))
	case rRange:
		dst = s.appendValueOf(dst, left, s.v(st.val1))
		dst = append(dst, '-')
		return s.appendValueOf(dst, left, s.v(st.val2))
	case rPrefix:
		dst = s.appendValueOf(dst, left, s.v(st.val1))
		dst = append(dst, '/')
		return strconv.AppendUint(dst, uint64(st.prefix), 10)
	case rSet:
		return s.appendMapRef(dst, st.set, st.left, st.nleft, st.setShift)
	case rFlags:
		return s.appendFlagList(dst, t, s.orderOf(left), s.v(st.val1))
	}
	return dst
}

// appendValueOf appends a value compared with operand op, by its type.
func (s *ruleState) appendValueOf(dst []byte, op *operand, v []byte) []byte {
	if op.kind == opBitwise {
		return s.appendValueOf(dst, s.op(op.arg), v)
	}
	t := s.typeOf(op)
	order := s.orderOf(op)
	if t.isBitmask() && bits.OnesCount64(loadUint(v, order)) > 1 {
		return s.appendFlags(dst, t, order, v)
	}
	if t.isString() && len(v) > 0 {
		if v[len(v)-1] != 0 {
			// No NUL: a prefix, printed with a wildcard.
			dst = appendString(dst, v)
			if len(dst) > 0 && dst[len(dst)-1] == '"' {
				dst = append(dst[:len(dst)-1], `*"`...)
			}
			return dst
		}
		if i := bytes.IndexByte(v, 0); i > 0 && v[i-1] == '*' {
			// A name that ends in a star: escaped, not a wildcard.
			dst = appendString(dst, v[:i-1])
			return append(dst[:len(dst)-1], `\*"`...)
		}
	}
	if op.kind == opPayload && !op.known() && op.proto != protoTH {
		return appendRawNumber(dst, v)
	}
	return s.names.appendValue(dst, t, order, s.fitSize(t, order, v))
}

// fitSize returns v as long as a value of t: nft reads values as numbers,
// so a register's padding or a short constant prints as the number it
// holds.
func (s *ruleState) fitSize(t Type, order ByteOrder, v []byte) []byte {
	n := t.Size()
	switch {
	case n == 0 || len(v) == n:
		return v
	case len(v) > n && order == HostEndian:
		return v[:n]
	case len(v) > n:
		return v[len(v)-n:]
	}
	_, out := s.alloc(n)
	if out == nil {
		return v
	}
	if order == HostEndian {
		copy(out, v)
	} else {
		copy(out[n-len(v):], v)
	}
	return out
}

// appendRawNumber appends the value of a raw payload, in hex
// (xinteger_type).
func appendRawNumber(dst []byte, v []byte) []byte {
	return appendHexNumber(dst, v, BigEndian, 0)
}

// appendConcatValue appends a concatenated value: each operand's part,
// each taking whole 32-bit registers.
func (s *ruleState) appendConcatValue(dst []byte, st *stmt, v []byte) []byte {
	off := 0
	for k, i := range s.listOps(st.left, st.nleft) {
		if k > 0 {
			dst = append(dst, " . "...)
		}
		op := s.op(i)
		n := int(op.len+7) / 8
		if off+n > len(v) {
			n = len(v) - off
		}
		dst = s.appendValueOf(dst, op, v[off:off+n])
		off += regSpace(op.len) * 4
		if off > len(v) {
			off = len(v)
		}
	}
	return dst
}

// appendFlags appends a bitmask value as nft's binop of flags: "syn",
// "fin | syn".
func (s *ruleState) appendFlags(dst []byte, t Type, order ByteOrder, v []byte) []byte {
	return s.appendEachFlag(dst, t, order, v, " | ")
}

// appendFlagList appends the flags of a bitmask as a list: "established,related".
func (s *ruleState) appendFlagList(dst []byte, t Type, order ByteOrder, v []byte) []byte {
	return s.appendEachFlag(dst, t, order, v, ",")
}

// appendEachFlag appends each set bit of v, lowest first, as a value of t,
// joined by sep.
func (s *ruleState) appendEachFlag(dst []byte, t Type, order ByteOrder, v []byte, sep string) []byte {
	u := loadUint(v, order)
	if u == 0 || len(v) > 8 {
		return AppendValue(dst, t, order, v)
	}
	first := true
	var buf [8]byte
	for u != 0 {
		bit := u & -u
		u &^= bit
		b := buf[:len(v)]
		storeUint(b, bit, order)
		if !first {
			dst = append(dst, sep...)
		}
		first = false
		dst = AppendValue(dst, t, order, b)
	}
	return dst
}

// storeUint stores v in b in the given byte order.
func storeUint(b []byte, v uint64, order ByteOrder) {
	n := len(b)
	for i := 0; i < n; i++ {
		c := byte(v >> (8 * i))
		if order == HostEndian {
			b[i] = c
		} else {
			b[n-1-i] = c
		}
	}
}
