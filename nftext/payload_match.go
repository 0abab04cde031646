package nftext

import (
	"math/bits"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// Matches on payload fields: loads that span several fields split into one
// match per field, partial fields as prefixes, masked fields narrowed to the
// field the mask selects (payload_match_expand, payload_match_postprocess,
// relational_binop_postprocess of nftables src/netlink_delinearize.c).

// payloadMatchPP post-processes a match on a payload load
// (payload_match_postprocess).
func (s *ruleState) payloadMatchPP(st *stmt, idx int16, left *operand) {
	if (st.op == relEq || st.op == relNeq) && st.rk == rValue {
		s.expand(st, idx, left)
		return
	}
	if st.rk == rSet {
		s.icmpCheck(left, st.set)
	}
	s.complete(left)
	s.depKill(left)
	s.rangeMerge(st, idx)
}

// icmpCheck records the ICMP type the first element of an anonymous set
// of ICMP types names, for the fields that depend on it
// (payload_icmp_check).
func (s *ruleState) icmpCheck(left *operand, set []byte) {
	if left.base != baseTransport || left.len != 8 || s.pctx.icmpType != 0 {
		return
	}
	d := s.pctx.desc[baseTransport]
	if d != protoICMP && d != protoICMP6 {
		return
	}
	info := s.lookupSet(set)
	if info == nil || info.Flags&msgs.SetAnonymous == 0 {
		return
	}
	p := &protos[d]
	if t := &p.tmpls[p.key]; uint32(t.offset) != left.offset || uint32(t.len) != left.len {
		return
	}
	a := nftmon.NewAttrScanner(info.elems)
	var el msgs.Elem
	for a.Next() {
		if a.Type() != unix.NFTA_LIST_ELEM || el.Decode(a.Bytes()) != nil {
			continue
		}
		if len(el.Key) == 1 {
			s.pctx.icmpType = el.Key[0]
		}
		return
	}
}

// expand splits a match on a load that spans several header fields into
// one match per field (payload_match_expand), and records and kills
// dependencies on the way.
func (s *ruleState) expand(st *stmt, idx int16, left *operand) {
	// The fields the load covers, in order.
	var fields [16]int16
	n := 0
	base := left.base
	id := protoNone
	if base < baseCount {
		id = s.pctx.desc[base]
	}
	value := st.val1
	if id != protoNone && id != protoUnknown && id != protoInet {
		id, skip := s.pctx.stackedDesc(id, left)
		off := left.offset - skip
		remain := left.len
		p := &protos[id]
		for i := 1; i < len(p.tmpls) && remain > 0; i++ {
			t := &p.tmpls[i]
			if t.len == 0 {
				break
			}
			if uint32(t.offset) != off {
				continue
			}
			if t.icmp != icmpDepNone && t.icmp != icmpAny && s.pctx.icmpType != 0 && s.pctx.icmpType != t.icmp.icmpType() {
				continue
			}
			l := min(uint32(t.len), remain)
			op, oi := s.newOp(opPayload, l)
			if op == nil || n == len(fields) {
				break
			}
			*op = *left
			op.len, op.offset, op.proto, op.tmpl = l, off+skip, id, int16(i)
			op.typ, op.order = t.typ, BigEndian
			fields[n] = oi
			n++
			off += l
			remain -= l
		}
		if remain > 0 && n > 0 {
			op, oi := s.newOp(opPayload, remain)
			if op != nil && n < len(fields) {
				*op = *left
				op.len, op.offset, op.tmpl, op.proto = remain, off+skip, -1, protoUnknown
				op.typ = TypeInteger
				fields[n] = oi
				n++
			}
		}
	}
	if n <= 1 {
		// One field (or none known): the match stays as it is.
		if n == 1 {
			s.list()[st.left] = fields[0]
		} else {
			s.complete(left)
		}
		s.fieldMatch(st, idx, s.op(s.list()[st.left]), s.v(value))
		return
	}
	// Several: this statement becomes the first field's match, the others
	// are new statements after it.
	op := st.op
	var pos uint32
	cur := st
	curIdx := idx
	for k := 0; k < n; k++ {
		f := s.op(fields[k])
		v := s.bitsOf(value, pos, f.len)
		pos += f.len
		if k > 0 {
			ns := s.newStmt(sMatch, st.expr)
			if ns == nil {
				return
			}
			curIdx = int16(s.n - 1)
			cur = ns
			cur.op = op
		}
		l, c, ok := s.single(fields[k])
		if !ok || !v.ok() {
			return
		}
		cur.left, cur.nleft, cur.rk, cur.val1 = l, c, rValue, v
		s.fieldMatch(cur, curIdx, f, s.v(v))
	}
}

// fieldMatch finishes the match of one header field: a field shorter than
// its template compares a prefix; an equality on a protocol field updates
// the context; the field may kill a dependency and become one.
func (s *ruleState) fieldMatch(st *stmt, idx int16, f *operand, value []byte) {
	if f.known() {
		t := &protos[f.proto].tmpls[f.tmpl]
		if f.len < uint32(t.len) {
			// A partial field: the value padded to the field, as a prefix.
			fullV, full := s.alloc(int(t.len+7) / 8)
			if full != nil && len(value) <= len(full) {
				copy(full, value)
				st.rk, st.val1, st.prefix = rPrefix, fullV, f.len
			}
		}
	}
	if st.op == relEq && st.rk == rValue {
		s.pctxUpdate(f, value)
	}
	base := f.base
	if st.rk == rValue && s.isStacked(f, value) {
		base--
	}
	s.depKill(f)
	if st.op == relEq && st.rk == rValue && f.isProtocolField() {
		s.depStore(idx, base)
	}
}

// binopMatchPP post-processes a match on a masked or shifted value
// (relational_binop_postprocess).
func (s *ruleState) binopMatchPP(st *stmt, idx int16, binop *operand) {
	if binop.shift < 0 {
		s.rshiftMatchPP(st, binop)
		return
	}
	// The field is narrowed in a copy: another statement may read the
	// same register (a range is two comparisons of it).
	argIdx := s.copyOp(binop.arg)
	if argIdx < 0 {
		return
	}
	arg := s.op(argIdx)
	t := s.typeOf(arg)
	simpleAnd := binop.and.ok() && !binop.xor.ok() && !binop.or.ok() && binop.shift == 0
	if simpleAnd && (st.op == relEq || st.op == relNeq) && t.isBitmask() {
		if st.rk != rValue {
			return
		}
		switch v1 := s.v(st.val1); {
		case bits.OnesCount64(loadUint(v1, s.orderOf(arg))) > 1:
			// Several flags on the right: nft made them a binop first.
			st.left = s.replaceSingle(st.left, argIdx)
			st.rk, st.mask = rFlagcmp, binop.and
		case isZero(v1):
			// data & flags != 0: the flags as a list.
			st.left = s.replaceSingle(st.left, argIdx)
			st.rk, st.val1 = rFlags, binop.and.val()
			if st.op == relNeq {
				st.op = relImplicit
			} else {
				st.op = relNeg
			}
		case equal(v1, s.sp(binop.and)):
			// data & flag == flag: stays as it is.
		default:
			st.left = s.replaceSingle(st.left, argIdx)
			st.rk, st.mask = rFlagcmp, binop.and
		}
		return
	}
	if simpleAnd && st.rk == rValue && t.PrefersPrefix() {
		if plen, ok := maskPrefixLen(s.numeric(binop.and.val(), s.orderOf(arg)), arg.len); ok {
			st.left = s.replaceSingle(st.left, argIdx)
			st.rk, st.prefix = rPrefix, plen
			return
		}
	}
	if simpleAnd && arg.kind == opExthdr && st.rk == rValue {
		shift, ok := s.exthdrTrim(arg, s.sp(binop.and))
		if !ok {
			return
		}
		if v := s.trimValue(st.val1, shift, arg.len); v.ok() {
			st.left = s.replaceSingle(st.left, argIdx)
			st.val1 = v
		}
		return
	}
	if simpleAnd && arg.kind == opPayload {
		saved := *arg
		shift, ok := s.trim(arg, s.sp(binop.and))
		if !ok {
			*arg = saved
			return
		}
		if st.rk == rSet {
			// The elements of an anonymous set hold the field where the
			// mask has it: printed shifted back (binop_adjust).
			st.left = s.replaceSingle(st.left, argIdx)
			st.setShift = uint8(shift)
			s.payloadMatchPP(st, idx, arg)
			return
		}
		v1 := s.trimValue(st.val1, shift, arg.len)
		v2 := st.val2
		if st.rk == rRange {
			v2 = s.trimValue(st.val2, shift, arg.len)
		}
		if (st.rk == rValue || st.rk == rRange) && (!v1.ok() || !v2.ok() && st.rk == rRange) {
			*arg = saved
			return
		}
		st.left = s.replaceSingle(st.left, argIdx)
		if st.rk == rValue || st.rk == rRange {
			st.val1, st.val2 = v1, v2
		}
		s.payloadMatchPP(st, idx, arg)
	}
}

// rshiftMatchPP post-processes a match on (payload & mask) >> n, which nft
// makes to look a field that is not whole bytes up in a named set or map
// (`ip version @s`; the elements hold the field shifted down): the
// relational_binop_postprocess branch for OP_RSHIFT. The mask selects the
// field (payload_expr_trim) and n is adjusted as binop_adjust adjusts a
// value, shifted right by the bits after the field; a shift of zero left
// goes, and the match is on the field. A mask that selects no field
// leaves the match as it is.
func (s *ruleState) rshiftMatchPP(st *stmt, shift *operand) {
	and := s.op(shift.arg)
	if and.kind != opBitwise || and.shift != 0 || !and.and.ok() || and.xor.ok() || and.or.ok() || s.op(and.arg).kind != opPayload {
		return
	}
	fi := s.copyOp(and.arg)
	if fi < 0 {
		return
	}
	f := s.op(fi)
	n, ok := s.trim(f, s.sp(and.and))
	if !ok {
		return // the copy is left unused
	}
	by := uint32(0)
	if n < 32 {
		by = shift.shiftBy >> n
	}
	left := fi
	if by != 0 {
		if left = s.copyOp(s.list()[st.left]); left < 0 {
			return
		}
		op := s.op(left)
		op.arg, op.shiftBy = fi, by
	}
	st.left = s.replaceSingle(st.left, left)
	s.complete(f)
	s.depKill(f)
}

// numeric returns a value's bytes as a big-endian number: host order
// values reversed (as nft reads them), in scratch space.
func (s *ruleState) numeric(x val, order ByteOrder) []byte {
	b := s.v(x)
	if order != HostEndian || len(b) < 2 {
		return b
	}
	_, out := s.alloc(len(b))
	if out == nil {
		return b
	}
	for i, c := range b {
		out[len(b)-1-i] = c
	}
	return out
}

// trimValue shifts a value right and keeps the bytes of bits.
func (s *ruleState) trimValue(v val, shift, bits uint32) val {
	if !v.ok() {
		return val{}
	}
	v = s.shiftRight(v, shift)
	if !v.ok() {
		return val{}
	}
	n := int(bits+7) / 8
	if l := v.size(); n < l {
		return s.bitsOf(v, uint32(l-n)*8, uint32(n)*8)
	}
	return v
}

// copyOp returns a copy of operand i, or -1 when there is no room.
func (s *ruleState) copyOp(i int16) int16 {
	op, j := s.newOp(s.op(i).kind, 0)
	if op == nil {
		return -1
	}
	*op = (*s.op(i))
	return j
}

// replaceSingle returns a list of the one operand i, reusing list l.
func (s *ruleState) replaceSingle(l, i int16) int16 {
	s.list()[l] = i
	return l
}

// maskPrefixLen returns the prefix length of a mask of bits bits that is one
// (expr_mask_is_prefix, expr_mask_to_prefix).
func maskPrefixLen(mask []byte, bits uint32) (uint32, bool) {
	lo, ok := lowestSet(mask)
	if !ok {
		return 0, true
	}
	hi := lowestClearFrom(mask, lo+1)
	if hi < bits {
		return 0, false
	}
	return hi - lo, true
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func equal(a, b []byte) bool { return string(a) == string(b) }

// payloadSetPP finishes a payload statement: the field it writes, found
// through the mask that keeps the other bits of the bytes written when the
// field is not whole bytes (stmt_payload_postprocess and
// stmt_payload_binop_postprocess).
func (s *ruleState) payloadSetPP(st *stmt) {
	dest := s.op(st.valOp2)
	s.complete(dest)
	val := s.op(st.val)
	if !dest.known() && val.kind == opBitwise && !val.xor.ok() && val.shift == 0 {
		arg := s.op(val.arg)
		if arg.kind == opPayload && arg.base == dest.base && arg.offset == dest.offset && arg.len == dest.len {
			s.payloadSetTrim(st, dest, val)
		}
	}
	s.depKill(dest)
	s.exprPP(st.val)
}

// payloadSetTrim narrows a payload write of (field & mask) | value to the
// field and its value.
func (s *ruleState) payloadSetTrim(st *stmt, dest, val *operand) {
	n := int(dest.len+7) / 8
	_, mask := s.alloc(n)
	and, or := s.sp(val.and), s.sp(val.or)
	if mask == nil || (and != nil && len(and) != n) || (or != nil && len(or) != n) {
		return
	}
	value := val.or.val()
	switch {
	case and != nil && or != nil:
		// bitmask = ~0 ^ and ^ or: the bits of the field.
		for i := range mask {
			mask[i] = 0xff ^ and[i] ^ or[i]
		}
	case and != nil:
		// A zero written: the mask's holes are the field.
		for i := range mask {
			mask[i] = 0xff ^ and[i]
		}
		value, _ = s.alloc(n)
	default:
		copy(mask, or)
	}
	if !value.ok() {
		return
	}
	saved := *dest
	shift, ok := s.trim(dest, mask)
	if ok {
		s.complete(dest)
	}
	if !ok || !dest.known() {
		*dest = saved
		return
	}
	if v := s.trimValue(value, shift, dest.len); v.ok() {
		st.val1 = v
	}
}
