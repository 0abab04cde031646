package nftext

import (
	"github.com/nftmon/nftmon/msgs"
)

// Post-processing of each statement (rule_parse_postprocess and
// expr_postprocess of nftables src/netlink_delinearize.c): header fields
// found by the protocol context, masks turned into prefixes, field
// widths and flag tests, protocol matches that a later match implies
// removed.

// pp post-processes statement st, just made.
func (s *ruleState) pp(st *stmt) {
	idx := int16(s.n - 1)
	switch st.kind {
	case sMatch:
		s.matchPP(st, idx)
	case sSimple:
		if string(st.expr.Name) == "reject" {
			s.rejectPP()
		}
	case sPayloadSet:
		s.payloadSetPP(st)
	case sVmap:
		st.setShift = s.mapKeyPP(st.left, st.nleft)
	case sExthdrSet:
		s.exthdrDepKill(&operand{kind: opExthdr, data: st.expr.Data})
		s.operandsPP(st)
	default:
		s.operandsPP(st)
	}
	if s.n > 0 && st.kind == sMatch && !st.dead {
		s.pdctx.prev = int16(s.n - 1)
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
	for _, i := range [4]int16{st.val, st.valOp2, st.valOp3, st.valOp4} {
		if i >= 0 {
			s.exprPP(i)
		}
	}
}

// concatPP post-processes the operands of a list. In a concatenation, a
// masked payload field is the field itself: the mask only cuts it out of
// the bytes loaded (RULE_PP_REMOVE_OP_AND).
func (s *ruleState) concatPP(list, count int16) {
	for k, i := range s.listOps(list, count) {
		if count > 1 {
			i = s.unmask(i)
			s.list()[int(list)+k] = i
		}
		s.exprPP(i)
	}
}

// unmask returns, for a masked payload load, the field the mask selects
// (a copy of the load, narrowed), and for a shift of one, a copy of the
// shift of the field; otherwise i (__binop_postprocess in a concatenation
// or a map key). The values compared are left as they are.
func (s *ruleState) unmask(i int16) int16 {
	op := s.op(i)
	if op.kind != opBitwise {
		return i
	}
	if op.shift != 0 {
		a := s.unmask(op.arg)
		if a == op.arg {
			return i
		}
		j := s.copyOp(i)
		if j < 0 {
			return i
		}
		s.op(j).arg = a
		return j
	}
	if !op.and.ok() || op.xor.ok() || op.or.ok() || s.op(op.arg).kind != opPayload {
		return i
	}
	j := s.copyOp(op.arg)
	if j < 0 {
		return i
	}
	if _, ok := s.trim(s.op(j), s.sp(op.and)); !ok {
		return i
	}
	return j
}

// mapKeyPP post-processes the key of a map or verdict map: a masked field
// is the field, and the keys of an anonymous map are shifted as it is
// (map_binop_postprocess). It returns the shift.
func (s *ruleState) mapKeyPP(list, count int16) uint8 {
	if count != 1 {
		s.concatPP(list, count)
		return 0
	}
	i := s.list()[list]
	op := s.op(i)
	var shift uint8
	if op.kind == opBitwise && op.and.ok() && !op.xor.ok() && !op.or.ok() && op.shift == 0 && s.op(op.arg).kind == opPayload {
		if j := s.copyOp(op.arg); j >= 0 {
			if n, ok := s.trim(s.op(j), s.sp(op.and)); ok {
				s.list()[list], i, shift = j, j, uint8(n)
			}
		}
	}
	s.exprPP(i)
	return shift
}

// exprPP post-processes one operand and what it is made of.
func (s *ruleState) exprPP(i int16) {
	op := s.op(i)
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
		op.setShift = s.mapKeyPP(op.list, op.nlist)
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
func (s *ruleState) matchPP(st *stmt, idx int16) {
	if st.nleft != 1 {
		s.concatPP(st.left, st.nleft)
		s.rangeMerge(st, idx)
		return
	}
	li := s.list()[st.left]
	left := s.op(li)
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
func (s *ruleState) rangeMerge(st *stmt, idx int16) {
	p := s.pdctx.prev
	if p < 0 || st.rk != rValue || st.nleft != 1 {
		return
	}
	prev := s.st(int(p))
	if prev.dead || prev.kind != sMatch || prev.rk != rValue || prev.nleft != 1 {
		return
	}
	a, b := s.unaryArg(s.list()[prev.left]), s.unaryArg(s.list()[st.left])
	if s.op(a).kind != s.op(b).kind {
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
func (s *ruleState) unaryArg(i int16) int16 {
	if s.op(i).kind == opByteorder {
		return s.op(i).arg
	}
	return i
}
