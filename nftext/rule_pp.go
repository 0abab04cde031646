package nftext

import (
	"math/bits"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// Post-processing of each statement (rule_parse_postprocess and
// expr_postprocess of nftables src/netlink_delinearize.c): header fields
// found by the protocol context, masks turned into prefixes, field
// widths and flag tests, protocol matches that a later match implies
// removed.

// pp post-processes statement st, just made.
func (s *ruleState) pp(st *stmt) {
	idx := int8(s.n - 1)
	switch st.kind {
	case sMatch:
		s.matchPP(st, idx)
	case sSimple:
		if string(st.expr.Name) == "reject" {
			s.rejectPP()
		}
	case sPayloadSet:
		s.payloadSetPP(st)
	case sExthdrSet:
		s.exthdrDepKill(&operand{kind: opExthdr, data: st.expr.Data})
		s.operandsPP(st)
	default:
		s.operandsPP(st)
	}
	if s.n > 0 && st.kind == sMatch && !st.dead {
		s.pdctx.prev = int8(s.n - 1)
	} else if st.kind != sMatch {
		s.pdctx.prev = -1
	}
	if st.kind != sMatch {
		s.pdctx.reset()
	}
}

// operandsPP completes the payload operands a statement reads, killing the
// dependencies they imply (expr_postprocess of a statement's expressions).
func (s *ruleState) operandsPP(st *stmt) {
	s.concatPP(st.left, st.nleft)
	for _, i := range [4]int8{st.val, st.valOp2, st.valOp3, st.valOp4} {
		if i >= 0 {
			s.exprPP(i)
		}
	}
}

// concatPP post-processes the operands of a list. In a concatenation, a
// masked payload field is the field itself: the mask only cuts it out of
// the bytes loaded (RULE_PP_REMOVE_OP_AND).
func (s *ruleState) concatPP(list, count int8) {
	for k, i := range s.listOps(list, count) {
		op := &s.ops[i]
		if count > 1 && op.kind == opBitwise && op.and.ok() && !op.xor.ok() && !op.or.ok() && op.shift == 0 {
			if s.ops[op.arg].kind == opPayload {
				if j := s.copyOp(op.arg); j >= 0 {
					if _, ok := s.trim(&s.ops[j], s.sp(op.and)); ok {
						s.lists[int(list)+k] = j
						i = j
					}
				}
			}
		}
		s.exprPP(i)
	}
}

// exprPP post-processes one operand and what it is made of.
func (s *ruleState) exprPP(i int8) {
	op := &s.ops[i]
	switch op.kind {
	case opPayload:
		s.complete(op)
		s.depKill(op)
	case opCt:
		s.ctUpdateType(op)
	case opExthdr:
		s.exthdrDepKill(op)
	case opBitwise, opByteorder:
		s.exprPP(op.arg)
	case opHash:
		for _, j := range s.listOps(op.list, op.nlist) {
			s.exprPP(j)
		}
	case opMap:
		for _, j := range s.listOps(op.list, op.nlist) {
			s.exprPP(j)
		}
	}
}

// ctUpdateType types the addresses and ports of a ct load by the protocol
// context (ct_expr_update_type).
func (s *ruleState) ctUpdateType(op *operand) {
	switch msgs.CtKey(op.key) {
	case msgs.CtSrc, msgs.CtDst:
		switch s.pctx.desc[baseNetwork] {
		case protoIP:
			op.typ, op.len = TypeIPAddr, 32
		case protoIP6:
			op.typ, op.len = TypeIP6Addr, 128
		}
	case msgs.CtProtoSrc, msgs.CtProtoDst:
		if s.pctx.desc[baseTransport] != protoNone {
			op.typ = TypeInetService
		}
	}
}

// matchPP post-processes a match.
func (s *ruleState) matchPP(st *stmt, idx int8) {
	if st.nleft != 1 {
		s.concatPP(st.left, st.nleft)
		s.rangeMerge(st, idx)
		return
	}
	li := s.lists[st.left]
	left := &s.ops[li]
	switch left.kind {
	case opPayload:
		s.payloadMatchPP(st, idx, left)
		return
	case opBitwise:
		s.exprPP(li)
		s.binopMatchPP(st, idx, left)
	case opMeta, opCt:
		if left.kind == opCt {
			s.ctUpdateType(left)
		}
		s.metaMatchPP(st, idx, left)
	case opByteorder:
		s.exprPP(li)
	default:
		s.exprPP(li)
	}
	s.rangeMerge(st, idx)
}

// rangeMerge merges ">= a" and "<= b" on the same left side into "a-b"
// (expr_may_merge_range), and "< a" and "> b" into "!= a-b".
func (s *ruleState) rangeMerge(st *stmt, idx int8) {
	p := s.pdctx.prev
	if p < 0 || st.rk != rValue || st.nleft != 1 {
		return
	}
	prev := &s.stmts[p]
	if prev.dead || prev.kind != sMatch || prev.rk != rValue || prev.nleft != 1 {
		return
	}
	a, b := s.unaryArg(s.lists[prev.left]), s.unaryArg(s.lists[st.left])
	if s.ops[a].kind != s.ops[b].kind {
		return
	}
	switch {
	case st.op == relLte && prev.op == relGte:
		prev.op = relEq
	case st.op == relGt && prev.op == relLt:
		prev.op = relNeq
	default:
		return
	}
	prev.rk, prev.val2 = rRange, st.val1
	st.dead = true
	s.pdctx.prev = -1
	_ = idx
}

// unaryArg returns the operand under a byteorder conversion.
func (s *ruleState) unaryArg(i int8) int8 {
	if s.ops[i].kind == opByteorder {
		return s.ops[i].arg
	}
	return i
}

// payloadMatchPP post-processes a match on a payload load
// (payload_match_postprocess).
func (s *ruleState) payloadMatchPP(st *stmt, idx int8, left *operand) {
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
func (s *ruleState) expand(st *stmt, idx int8, left *operand) {
	// The fields the load covers, in order.
	var fields [16]int8
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
			op.len, op.offset, op.proto, op.tmpl = l, off+skip, id, int8(i)
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
			s.lists[st.left] = fields[0]
		} else {
			s.complete(left)
		}
		s.fieldMatch(st, idx, &s.ops[s.lists[st.left]], s.v(value))
		return
	}
	// Several: this statement becomes the first field's match, the others
	// are new statements after it.
	op := st.op
	var pos uint32
	cur := st
	curIdx := idx
	for k := 0; k < n; k++ {
		f := &s.ops[fields[k]]
		v := s.bitsOf(value, pos, f.len)
		pos += f.len
		if k > 0 {
			ns := s.newStmt(sMatch, st.expr)
			if ns == nil {
				return
			}
			curIdx = int8(s.n - 1)
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
func (s *ruleState) fieldMatch(st *stmt, idx int8, f *operand, value []byte) {
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
func (s *ruleState) binopMatchPP(st *stmt, idx int8, binop *operand) {
	// The field is narrowed in a copy: another statement may read the
	// same register (a range is two comparisons of it).
	argIdx := s.copyOp(binop.arg)
	if argIdx < 0 {
		return
	}
	arg := &s.ops[argIdx]
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
			st.rk, st.mask = rFlagcmp, binop.and.val()
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
			st.rk, st.mask = rFlagcmp, binop.and.val()
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
func (s *ruleState) copyOp(i int8) int8 {
	op, j := s.newOp(s.ops[i].kind, 0)
	if op == nil {
		return -1
	}
	*op = s.ops[i]
	return j
}

// replaceSingle returns a list of the one operand i, reusing list l.
func (s *ruleState) replaceSingle(l, i int8) int8 {
	s.lists[l] = i
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

// metaMatchPP records what a meta or ct match says of the protocols, and
// the dependencies it kills or is (ct_meta_common_postprocess).
func (s *ruleState) metaMatchPP(st *stmt, idx int8, left *operand) {
	if st.op != relEq || st.rk != rValue {
		return
	}
	base, proto := s.metaBase(left)
	if proto {
		s.metaPctxUpdate(left, s.v(st.val1))
	}
	if base < baseTransport {
		if s.pdctx.deps[base] >= 0 && s.metaMayKill(left, s.v(st.val1)) {
			s.release(base)
		}
		if proto {
			s.depStore(idx, base)
		}
	}
}

// metaBase returns the base a meta or ct key stands for, and whether it
// names a protocol (meta_expr_alloc, ct_expr_alloc).
func (s *ruleState) metaBase(op *operand) (protoBase, bool) {
	if op.kind == opCt {
		switch msgs.CtKey(op.key) {
		case msgs.CtProtocol:
			return baseNetwork, true
		case msgs.CtL3Protocol:
			return baseLL, true
		}
		return ctBase(msgs.CtKey(op.key)), false
	}
	switch msgs.MetaKey(op.key) {
	case msgs.MetaIiftype:
		return baseInvalid, true
	case msgs.MetaNfproto, msgs.MetaProtocol:
		return baseLL, true
	case msgs.MetaL4proto:
		return baseNetwork, true
	}
	return baseInvalid, false
}

// metaPctxUpdate records the protocol a meta or ct match names
// (meta_expr_pctx_update, ct_expr_pctx_update).
func (s *ruleState) metaPctxUpdate(op *operand, v []byte) {
	hBase, hDesc := s.hookBase()
	if op.kind == opCt {
		base := ctBase(msgs.CtKey(op.key))
		if base >= baseCount || len(v) == 0 {
			return
		}
		d := s.pctx.desc[base]
		if d == protoNone {
			return
		}
		if next := protos[d].upper(uint16(v[0])); next != protoNone {
			s.pctx.update(base+1, next)
		}
		return
	}
	switch msgs.MetaKey(op.key) {
	case msgs.MetaNfproto:
		if len(v) != 1 {
			return
		}
		next := protos[hDesc].upper(uint16(v[0]))
		if next == protoNone {
			next = protoUnknown
			if nftmon.Family(v[0]) == s.family && hBase == baseNetwork {
				next = hDesc
			}
		}
		s.pctx.update(baseNetwork, next)
	case msgs.MetaL4proto:
		if len(v) != 1 {
			return
		}
		next := protos[protoInetService].upper(uint16(v[0]))
		if next == protoNone {
			next = protoUnknown
		}
		s.pctx.update(baseTransport, next)
	case msgs.MetaProtocol:
		if hBase != baseLL || (s.family != nftmon.FamilyNetdev && s.family != nftmon.FamilyBridge) || len(v) != 2 {
			return
		}
		next := protos[hDesc].upper(uint16(loadUint(v, BigEndian)))
		if next == protoNone {
			next = protoUnknown
		}
		s.pctx.update(baseNetwork, next)
	case msgs.MetaIiftype:
		if hBase < baseNetwork && s.family != nftmon.FamilyINet && s.family != nftmon.FamilyNetdev {
			return
		}
		next := protoUnknown
		if len(v) == 2 && loadUint(v, HostEndian) == unix.ARPHRD_ETHER {
			next = protoEther
		}
		s.pctx.update(baseLL, next)
	}
}

// depStore remembers statement idx as a protocol match leading past base
// (payload_dependency_store), unless it is an ICMP echo type match.
func (s *ruleState) depStore(idx int8, base protoBase) {
	st := &s.stmts[idx]
	if v1 := s.v(st.val1); st.nleft == 1 && st.rk == rValue && len(v1) == 1 {
		op := &s.ops[s.lists[st.left]]
		if op.kind == opPayload && op.known() {
			t := v1[0]
			switch op.proto {
			case protoICMP:
				if t == icmpEchoReply {
					t = icmpEchoRequest
				}
				s.pdctx.icmpType = t
				if t == icmpEchoRequest {
					return
				}
			case protoICMP6:
				s.pdctx.icmpType = t
				if t == icmp6EchoRequest || t == icmp6EchoReply {
					return
				}
			}
		}
	}
	if int(base)+1 < len(s.pdctx.deps) {
		s.pdctx.deps[base+1] = idx
	}
}

// dep returns the dependency stored for base (payload_dependency_get), or
// -1.
func (s *ruleState) dep(base protoBase) int8 {
	if base >= baseCount {
		return -1
	}
	if d := s.pdctx.deps[base]; d >= 0 {
		return d
	}
	if base == baseTransport {
		return s.pdctx.deps[baseInner]
	}
	return -1
}

// release removes the dependency stored for base (payload_dependency_release).
func (s *ruleState) release(base protoBase) {
	if base >= baseCount {
		return
	}
	b := base
	if s.pdctx.deps[b] < 0 && base == baseTransport {
		b = baseInner
	}
	if d := s.pdctx.deps[b]; d >= 0 {
		s.stmts[d].dead = true
		if s.pdctx.prev == d {
			s.pdctx.prev = -1
		}
		s.pdctx.deps[b] = -1
	}
}

// depLeft returns the left operand of a dependency statement.
func (s *ruleState) depLeft(d int8) (*stmt, *operand) {
	st := &s.stmts[d]
	return st, &s.ops[s.lists[st.left]]
}

// depKill kills the dependency a payload field implies
// (payload_dependency_kill).
func (s *ruleState) depKill(op *operand) {
	if op.kind != opPayload || op.proto == protoUnknown || op.base >= baseCount {
		return
	}
	d := s.dep(op.base)
	if d < 0 || !s.payloadMayKill(d, op) {
		return
	}
	s.release(op.base)
}

// payloadMayKill reports whether dependency d is redundant given payload
// field op (payload_may_dependency_kill).
func (s *ruleState) payloadMayKill(d int8, op *operand) bool {
	dst, dep := s.depLeft(d)
	switch s.family {
	case nftmon.FamilyBridge, nftmon.FamilyNetdev, nftmon.FamilyINet:
		if dep.kind == opPayload && dep.base == baseNetwork && (dep.proto == protoIP || dep.proto == protoIP6) && op.base == baseTransport {
			return false
		}
		if dep.kind == opPayload && dst.op == relEq && op.base == dep.base {
			if op.isProtocolField() {
				return false
			}
			if op.base == baseLL {
				if dep.proto == protoVLAN {
					return false
				}
				if v1 := s.v(dst.val1); dep.proto == protoEther && dst.rk == rValue && len(v1) == 2 {
					return loadUint(v1, BigEndian) == ethP8021Q
				}
				return true
			}
		}
	}
	if op.base != baseTransport || dep.kind != opPayload || dep.base != baseTransport {
		return true
	}
	if dep.proto == protoICMP || dep.proto == protoICMP6 {
		if !op.known() {
			return false
		}
		t := &protos[op.proto].tmpls[op.tmpl]
		if t.icmp == icmpAny || t.icmp == icmpDepNone || dep.proto != op.proto {
			return false
		}
		return s.pdctx.icmpType == t.icmp.icmpType()
	}
	return true
}

// metaMayKill reports whether the network dependency is redundant given a
// meta match (meta_may_dependency_kill).
func (s *ruleState) metaMayKill(op *operand, v []byte) bool {
	d := s.dep(baseNetwork)
	if d < 0 {
		return true
	}
	dst, dep := s.depLeft(d)
	var nfproto uint8
	dv := s.v(dst.val1)
	switch {
	case dep.kind == opMeta && msgs.MetaKey(dep.key) == msgs.MetaNfproto && len(dv) == 1:
		nfproto = dv[0]
	case dep.kind == opMeta && msgs.MetaKey(dep.key) == msgs.MetaProtocol && len(dv) == 2:
		nfproto = etherToNfproto(loadUint(dv, BigEndian))
	case dep.kind == opPayload && dep.base == baseLL && dep.typ == TypeEtherType && len(dv) == 2:
		nfproto = etherToNfproto(loadUint(dv, BigEndian))
	default:
		return true
	}
	switch s.family {
	case nftmon.FamilyINet, nftmon.FamilyNetdev, nftmon.FamilyBridge:
	case nftmon.FamilyIPv4, nftmon.FamilyIPv6:
		return nftmon.Family(nfproto) == s.family
	default:
		return true
	}
	if op.kind != opMeta || msgs.MetaKey(op.key) != msgs.MetaL4proto || len(v) != 1 {
		return true
	}
	switch v[0] {
	case unix.IPPROTO_ICMP, unix.IPPROTO_ICMPV6:
	default:
		return false
	}
	if (nfproto == unix.NFPROTO_IPV4 && v[0] == unix.IPPROTO_ICMPV6) || (nfproto == unix.NFPROTO_IPV6 && v[0] == unix.IPPROTO_ICMP) {
		return false
	}
	return true
}

func etherToNfproto(t uint64) uint8 {
	switch t {
	case ethPIP:
		return unix.NFPROTO_IPV4
	case ethPIPv6:
		return unix.NFPROTO_IPV6
	}
	return unix.NFPROTO_UNSPEC
}

// rejectPP removes the dependency a reject implies (stmt_reject_postprocess).
func (s *ruleState) rejectPP() {
	var x msgs.RejectExpr
	if x.Decode(s.stmts[s.n-1].expr.Data) != nil {
		return
	}
	switch s.family {
	case nftmon.FamilyIPv4, nftmon.FamilyIPv6:
		if x.Type == msgs.RejectTCPRst && s.dep(baseTransport) >= 0 {
			s.release(baseTransport)
		}
	case nftmon.FamilyINet, nftmon.FamilyBridge, nftmon.FamilyNetdev:
		if x.Type == msgs.RejectICMPXUnreach {
			return
		}
		if s.dep(baseNetwork) >= 0 {
			s.release(baseNetwork)
		}
	}
}

// rejectFamily returns the network protocol the context names, for a
// reject's text in the mixed families: unix.NFPROTO_IPV4, unix.NFPROTO_IPV6
// or 0.
func (s *ruleState) rejectFamily() uint8 {
	switch s.pctx.desc[baseNetwork] {
	case protoIP:
		return unix.NFPROTO_IPV4
	case protoIP6:
		return unix.NFPROTO_IPV6
	}
	return 0
}

// exthdrDepKill kills the dependency an extension header implies
// (exthdr_dependency_kill).
func (s *ruleState) exthdrDepKill(op *operand) {
	var x msgs.ExthdrExpr
	if x.Decode(op.data) != nil {
		return
	}
	switch x.Op {
	case msgs.ExthdrTCPOpt:
		s.release(baseTransport)
	case msgs.ExthdrIPv6, msgs.ExthdrIPv4:
		s.release(baseNetwork)
	}
}

// payloadSetPP finishes a payload statement: the field it writes, found
// through the mask that keeps the other bits of the bytes written when the
// field is not whole bytes (stmt_payload_postprocess and
// stmt_payload_binop_postprocess).
func (s *ruleState) payloadSetPP(st *stmt) {
	dest := &s.ops[st.valOp2]
	s.complete(dest)
	val := &s.ops[st.val]
	if !dest.known() && val.kind == opBitwise && !val.xor.ok() && val.shift == 0 {
		arg := &s.ops[val.arg]
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
