package nftext

import (
	"bytes"

	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// Reading the expressions that load registers and compare them: the
// matches, lookups and maps (netlink_parse_cmp, netlink_parse_range,
// netlink_parse_lookup, netlink_parse_bitwise of nftables
// src/netlink_delinearize.c).

// loadExpr reads the expressions that only load a value: fib, rt, socket,
// osf, numgen, xfrm.
func (s *ruleState) loadExpr(e msgs.Expr) (ok, room bool) {
	var (
		k    opKind
		n    uint32
		key  uint32
		dreg msgs.Register
	)
	switch string(e.Name) {
	case "fib":
		var x msgs.FibExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		k, dreg, key = opFib, x.DReg, uint32(x.Result)
		n = fibLen(x.Result)
	case "rt":
		var x msgs.RtExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		k, dreg, key = opRt, x.DReg, uint32(x.Key)
		n = rtLen(x.Key)
	case "socket":
		var x msgs.SocketExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		k, dreg, key = opSocket, x.DReg, uint32(x.Key)
		n = socketLen(x.Key)
	case "osf":
		var x msgs.OsfExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		k, dreg, n = opOsf, x.DReg, osfNameLen*8
	case "numgen":
		var x msgs.NumgenExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		k, dreg, n = opNumgen, x.DReg, 32
	case "xfrm":
		var x msgs.XfrmExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		k, dreg, key = opXfrm, x.DReg, uint32(x.Key)
		n = xfrmLen(x.Key)
	}
	if n == 0 {
		return false, true
	}
	op, i := s.newOp(k, n)
	if op == nil {
		return false, false
	}
	op.data, op.key = e.Data, key
	return s.setReg(dreg, i), true
}

// parseBitwise reads a bitwise expression (netlink_parse_bitwise): a mask
// and xor as nft's and, xor and or, or a shift.
func (s *ruleState) parseBitwise(e msgs.Expr) (ok, room bool) {
	var x msgs.BitwiseExpr
	if x.Decode(e.Data) != nil {
		return false, true
	}
	arg := s.getReg(x.SReg)
	if arg < 0 {
		return false, true
	}
	op, i := s.newOp(opBitwise, s.op(arg).len)
	if op == nil {
		return false, false
	}
	op.data, op.arg = e.Data, arg
	switch x.Op {
	case msgs.BitwiseMaskXor:
		m, xr := x.Mask.Value, x.Xor.Value
		if len(m) != len(xr) || len(m) == 0 {
			return false, true
		}
		// o = (m & x) ^ x: the bits set where the mask clears them;
		// x &= m; m |= o (netlink_parse_bitwise_bool).
		andV, and := s.alloc(len(m))
		xorV, xor := s.alloc(len(m))
		orV, or := s.alloc(len(m))
		if or == nil {
			return false, false
		}
		allOnes, anyX, anyO := true, false, false
		for j := range m {
			o := (m[j] & xr[j]) ^ xr[j]
			xor[j] = xr[j] & m[j]
			and[j] = m[j] | o
			or[j] = o
			anyX = anyX || xor[j] != 0
			anyO = anyO || o != 0
		}
		// The mask covers the whole value when it has no zero bit
		// within the operand's length.
		for j := range and {
			if uint32(j)*8 >= op.len {
				break
			}
			if and[j] != 0xff {
				allOnes = false
			}
		}
		if uint32(len(and))*8 < op.len {
			allOnes = false
		}
		if !allOnes {
			op.and = andV.span()
		}
		if anyX {
			op.xor = xorV.span()
		}
		if anyO {
			op.or = orV.span()
		}
	case msgs.BitwiseLshift, msgs.BitwiseRshift:
		if len(x.Data.Value) != 4 {
			return false, true
		}
		op.shift = 1
		if x.Op == msgs.BitwiseRshift {
			op.shift = -1
		}
		op.shiftBy = uint32(loadUint(x.Data.Value, HostEndian))
	default:
		return false, true
	}
	return s.setReg(x.DReg, i), true
}

// match makes a match statement of the operand(s) in r compared with a
// value of n bytes: a concatenation when the value is longer than the
// operand in r (netlink_parse_cmp).
func (s *ruleState) match(e msgs.Expr, r msgs.Register, n uint32) (*stmt, bool) {
	left := s.getReg(r)
	if left < 0 {
		return nil, true
	}
	var list, count int16
	var ok bool
	if l := s.op(left).len; l > 0 && l < n*8 {
		list, count, ok = s.concat(r, n)
	} else {
		list, count, ok = s.single(left)
	}
	if !ok {
		return nil, s.nlist < s.listCap()
	}
	st := s.newStmt(sMatch, e)
	if st == nil {
		return nil, false
	}
	st.left, st.nleft = list, count
	return st, true
}

// parseCmp reads a cmp expression.
func (s *ruleState) parseCmp(e msgs.Expr) (ok, room bool) {
	var x msgs.CmpExpr
	if x.Decode(e.Data) != nil || x.Data.IsVerdict {
		return false, true
	}
	st, room := s.match(e, x.SReg, uint32(len(x.Data.Value)))
	if st == nil {
		return false, room
	}
	switch x.Op {
	case msgs.CmpEq:
		st.op = relEq
	case msgs.CmpNeq:
		st.op = relNeq
	case msgs.CmpLt:
		st.op = relLt
	case msgs.CmpLte:
		st.op = relLte
	case msgs.CmpGt:
		st.op = relGt
	case msgs.CmpGte:
		st.op = relGte
	default:
		s.n--
		return false, true
	}
	st.rk, st.val1 = rValue, msgVal(x.Data.Value)
	// A value shorter than its operand compares a prefix of it.
	if left := s.op(s.list()[st.left]); st.nleft == 1 && left.len > uint32(len(x.Data.Value))*8 && !s.typeOf(left).isString() {
		st.rk, st.prefix = rPrefix, uint32(len(x.Data.Value))*8
	}
	s.pp(st)
	return true, true
}

// lookupSet returns what is known of a set the rule names, or nil.
func (s *ruleState) lookupSet(name []byte) *SetInfo {
	if s.sets == nil {
		return nil
	}
	if s.setName != nil && string(s.setName) == string(name) {
		return s.setInfo
	}
	s.setName, s.setInfo = name, s.sets.Lookup(s.nsid, s.family, s.rule.Table, name)
	return s.setInfo
}

// setKey returns the key list a lookup in set name reads from r.
func (s *ruleState) setKey(r msgs.Register, name []byte) (list, count int16, ok bool) {
	left := s.getReg(r)
	if left < 0 {
		return 0, 0, false
	}
	if info := s.lookupSet(name); info != nil && s.op(left).len < info.Key.Len*8 {
		return s.concat(r, info.Key.Len)
	}
	return s.single(left)
}

// setKeyStmt makes a statement of kind k keyed by the operands of r, as
// set name's key.
func (s *ruleState) setKeyStmt(k stmtKind, e msgs.Expr, r msgs.Register, name []byte) (*stmt, bool) {
	list, count, ok := s.setKey(r, name)
	if !ok {
		return nil, s.nlist < s.listCap()
	}
	st := s.newStmt(k, e)
	if st == nil {
		return nil, false
	}
	st.left, st.nleft = list, count
	return st, true
}

// parseLookup reads a lookup: a set match, a verdict map, or a map whose
// data goes into a register (netlink_parse_lookup).
func (s *ruleState) parseLookup(e msgs.Expr) (ok, room bool) {
	var x msgs.LookupExpr
	if x.Decode(e.Data) != nil {
		return false, true
	}
	if x.Present.Has(unix.NFTA_LOOKUP_DREG) && x.DReg != msgs.RegVerdict {
		list, count, ok := s.setKey(x.SReg, x.Set)
		if !ok {
			return false, s.nlist < s.listCap()
		}
		op, i := s.newOp(opMap, 0)
		if op == nil {
			return false, false
		}
		op.data, op.list, op.nlist, op.set = e.Data, list, count, x.Set
		op.len = 32
		return s.setReg(x.DReg, i), true
	}
	k := sMatch
	if x.Present.Has(unix.NFTA_LOOKUP_DREG) {
		k = sVmap
	}
	st, room := s.setKeyStmt(k, e, x.SReg, x.Set)
	if st == nil {
		return false, room
	}
	st.rk, st.set = rSet, x.Set
	if x.Flags&msgs.LookupInv != 0 {
		st.op = relNeq
	}
	s.pp(st)
	return true, true
}

// isAnonymous reports whether a set name is one nft gives an anonymous
// set ("__set%d", "__map%d", "__objmap%d").
func isAnonymous(name []byte) bool {
	return bytes.HasPrefix(name, []byte("__set")) || bytes.HasPrefix(name, []byte("__map")) ||
		bytes.HasPrefix(name, []byte("__objmap"))
}
