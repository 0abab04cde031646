package nftext

import (
	"strconv"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
)

// The statements that send packets elsewhere: snat, dnat, masquerade,
// redirect, tproxy, dup, fwd (nat_stmt_print, tproxy_stmt_print,
// dup_stmt_print, fwd_stmt_print of nftables src/statement.c).

// appendNatFlags appends the flags of a nat statement (print_nf_nat_flags).
func appendNatFlags(dst []byte, f msgs.NatFlags) []byte {
	delim := " "
	if f&msgs.NatProtoRandom != 0 {
		dst = append(dst, delim...)
		dst = append(dst, "random"...)
		delim = ","
	}
	if f&msgs.NatProtoRandomFull != 0 {
		dst = append(dst, delim...)
		dst = append(dst, "fully-random"...)
		delim = ","
	}
	if f&msgs.NatPersistent != 0 {
		dst = append(dst, delim...)
		dst = append(dst, "persistent"...)
	}
	return dst
}

// appendNat appends snat, dnat, masquerade or redirect (nat_stmt_print).
func (s *ruleState) appendNat(dst []byte, st *stmt) []byte {
	var flags msgs.NatFlags
	var addrType Type = TypeIPAddr
	fam := nftmon.FamilyUnspec
	switch st.kind {
	case sNat:
		var x msgs.NatExpr
		if x.Decode(st.expr.Data) != nil {
			return appendRawExpr(dst, st.expr)
		}
		dst = append(dst, x.Type.String()...)
		flags = x.Flags
		if x.Family == nftmon.FamilyIPv6 {
			addrType = TypeIP6Addr
		}
		if s.family == nftmon.FamilyINet {
			fam = x.Family
		}
		if st.mapProto {
			fam = x.Family
		}
		if a := st.val; a >= 0 && s.op(a).kind == opMap {
			// A map to address intervals names the family
			// (is_nat_addr_map).
			if info := s.lookupSet(s.op(a).set); info != nil && info.DataInterval {
				fam = x.Family
			}
		}
	case sMasq:
		var x msgs.MasqExpr
		x.Decode(st.expr.Data)
		dst = append(dst, "masquerade"...)
		flags = x.Flags
	case sRedir:
		var x msgs.RedirExpr
		x.Decode(st.expr.Data)
		dst = append(dst, "redirect"...)
		flags = x.Flags
	}
	addr, addr2, proto, proto2 := st.val, st.valOp2, st.valOp3, st.valOp4
	if addr2 == addr {
		addr2 = -1
	}
	if proto2 == proto {
		proto2 = -1
	}
	if addr >= 0 || proto >= 0 {
		switch fam {
		case nftmon.FamilyIPv4:
			dst = append(dst, " ip"...)
		case nftmon.FamilyIPv6:
			dst = append(dst, " ip6"...)
		}
		if flags&msgs.NatNetmap != 0 {
			dst = append(dst, " prefix"...)
		}
		dst = append(dst, " to"...)
	}
	if addr >= 0 {
		dst = append(dst, ' ')
		bracket := proto >= 0 && addrType == TypeIP6Addr && s.op(addr).kind == opImm
		dst = s.appendAddrRange(dst, addr, addr2, addrType, bracket)
	}
	if proto >= 0 {
		if addr < 0 {
			dst = append(dst, ' ')
		}
		dst = append(dst, ':')
		dst = s.appendOperandAs(dst, proto, TypeInetService, BigEndian)
		if proto2 >= 0 {
			dst = append(dst, '-')
			dst = s.appendOperandAs(dst, proto2, TypeInetService, BigEndian)
		}
	}
	return appendNatFlags(dst, flags)
}

// appendAddrRange appends an address, or a range of two, as a prefix when
// the range is one (range_expr_to_prefix); IPv6 addresses in brackets when
// a port follows.
func (s *ruleState) appendAddrRange(dst []byte, a, b int16, t Type, bracket bool) []byte {
	oa := s.op(a)
	if b >= 0 && oa.kind == opImm && s.op(b).kind == opImm {
		if plen, ok := rangePrefix(s.v(oa.value), s.v(s.op(b).value)); ok {
			dst = s.names.appendValue(dst, t, BigEndian, s.v(oa.value))
			dst = append(dst, '/')
			return strconv.AppendUint(dst, uint64(plen), 10)
		}
	}
	if bracket {
		dst = append(dst, '[')
	}
	dst = s.appendOperandAs(dst, a, t, BigEndian)
	if b >= 0 {
		if bracket {
			dst = append(dst, "]-["...)
		} else {
			dst = append(dst, '-')
		}
		dst = s.appendOperandAs(dst, b, t, BigEndian)
	}
	if bracket {
		dst = append(dst, ']')
	}
	return dst
}

// rangePrefix reports whether [lo, hi] is a prefix, and its length.
func rangePrefix(lo, hi []byte) (uint32, bool) {
	if len(lo) != len(hi) || len(lo) == 0 {
		return 0, false
	}
	n := uint32(len(lo)) * 8
	var plen uint32
	for plen = 0; plen < n; plen++ {
		if bitAt(lo, n-1-plen) != bitAt(hi, n-1-plen) {
			break
		}
	}
	for i := plen; i < n; i++ {
		if bitAt(lo, n-1-i) || !bitAt(hi, n-1-i) {
			return 0, false
		}
	}
	return plen, plen < n
}

// appendTproxy appends a tproxy statement (tproxy_stmt_print).
func (s *ruleState) appendTproxy(dst []byte, st *stmt) []byte {
	var x msgs.TproxyExpr
	x.Decode(st.expr.Data)
	dst = append(dst, "tproxy"...)
	if s.family == nftmon.FamilyINet && x.Family != nftmon.FamilyUnspec {
		dst = append(dst, ' ')
		dst = append(dst, familyKeyword(x.Family)...)
	}
	dst = append(dst, " to"...)
	t := TypeIPAddr
	if x.Family == nftmon.FamilyIPv6 {
		t = TypeIP6Addr
	}
	if st.val >= 0 {
		dst = append(dst, ' ')
		bracket := t == TypeIP6Addr && s.op(st.val).kind == opImm
		if bracket {
			dst = append(dst, '[')
		}
		dst = s.appendOperandAs(dst, st.val, t, BigEndian)
		if bracket {
			dst = append(dst, ']')
		}
	}
	if p := st.valOp3; p >= 0 && s.op(p).kind == opImm {
		if st.val < 0 {
			dst = append(dst, ' ')
		}
		dst = append(dst, ':')
		dst = s.appendOperandAs(dst, p, TypeInetService, BigEndian)
	}
	return dst
}

// familyKeyword returns "ip" or "ip6" for a network family.
func familyKeyword(f nftmon.Family) string {
	switch f {
	case nftmon.FamilyIPv4:
		return "ip"
	case nftmon.FamilyIPv6:
		return "ip6"
	}
	return "unknown"
}

// appendDup appends a dup statement (dup_stmt_print).
func (s *ruleState) appendDup(dst []byte, st *stmt) []byte {
	dst = append(dst, "dup"...)
	addr, dev := st.val, st.valOp2
	if addr >= 0 {
		dst = append(dst, " to "...)
		dst = s.appendOperandAs(dst, addr, s.addrType(addr), BigEndian)
		if dev >= 0 {
			dst = append(dst, " device "...)
			dst = s.appendOperandAs(dst, dev, TypeIfIndex, HostEndian)
		}
	} else if dev >= 0 {
		dst = append(dst, " to "...)
		dst = s.appendOperandAs(dst, dev, TypeIfIndex, HostEndian)
	}
	return dst
}

// addrType returns the address type a constant of this length is.
func (s *ruleState) addrType(i int16) Type {
	if s.op(i).len == 128 {
		return TypeIP6Addr
	}
	return TypeIPAddr
}

// appendFwd appends a fwd statement (fwd_stmt_print).
func (s *ruleState) appendFwd(dst []byte, st *stmt) []byte {
	var x msgs.FwdExpr
	x.Decode(st.expr.Data)
	addr, dev := st.val, st.valOp2
	if addr >= 0 {
		dst = append(dst, "fwd "...)
		dst = append(dst, familyKeyword(x.NFProto)...)
		dst = append(dst, " to "...)
		dst = s.appendOperandAs(dst, addr, s.addrType(addr), BigEndian)
		dst = append(dst, " device "...)
	} else {
		dst = append(dst, "fwd to "...)
	}
	if dev >= 0 {
		dst = s.appendOperandAs(dst, dev, TypeIfIndex, HostEndian)
	}
	return dst
}
