package nftext

import (
	"math/bits"
	"strconv"

	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// Printing operands as nft expressions (the expr_print functions of
// nftables src/payload.c, src/meta.c, src/ct.c, src/fib.c, src/rt.c,
// src/socket.c, src/osf.c, src/numgen.c, src/hash.c, src/xfrm.c), and the
// types and byte orders of their values.

// typeOf returns the data type of an operand's values.
func (s *ruleState) typeOf(op *operand) Type {
	switch op.kind {
	case opPayload:
		if op.typ == TypeInvalid {
			return TypeInteger
		}
		return op.typ
	case opMeta:
		if m := metaInfo(msgs.MetaKey(op.key)); m != nil {
			return m.typ
		}
	case opCt:
		if op.typ != TypeInvalid {
			return op.typ
		}
		if c := ctInfo(msgs.CtKey(op.key)); c != nil {
			return c.typ
		}
	case opExthdr:
		return exthdrType(op)
	case opFib:
		var x msgs.FibExpr
		if x.Decode(op.data) == nil {
			return fibType(x.Result, x.Flags)
		}
	case opRt:
		if int(op.key) < len(rtKeys) {
			return rtKeys[op.key].typ
		}
	case opSocket:
		if int(op.key) < len(socketKeys) {
			return socketKeys[op.key].typ
		}
	case opXfrm:
		if int(op.key) < len(xfrmKeys) {
			return xfrmKeys[op.key].typ
		}
	case opOsf:
		return TypeString
	case opBitwise, opByteorder:
		return s.typeOf(s.op(op.arg))
	}
	return TypeInteger
}

// orderOf returns the byte order of an operand's values.
func (s *ruleState) orderOf(op *operand) ByteOrder {
	switch op.kind {
	case opPayload, opExthdr:
		return BigEndian
	case opMeta:
		if m := metaInfo(msgs.MetaKey(op.key)); m != nil {
			return m.order
		}
	case opCt:
		if c := ctInfo(msgs.CtKey(op.key)); c != nil {
			return c.order
		}
	case opRt:
		if int(op.key) < len(rtKeys) {
			return rtKeys[op.key].order
		}
	case opSocket:
		if int(op.key) < len(socketKeys) {
			return socketKeys[op.key].order
		}
	case opXfrm:
		if int(op.key) < len(xfrmKeys) {
			return xfrmKeys[op.key].order
		}
	case opBitwise:
		return s.orderOf(s.op(op.arg))
	case opByteorder:
		// Converted to network order to compare (a host order value
		// compared with < or > is).
		if s.orderOf(s.op(op.arg)) == HostEndian {
			return BigEndian
		}
		return HostEndian
	}
	return HostEndian
}

// isBitmask reports whether a type's values are flags.
func (t Type) isBitmask() bool {
	if t == TypeCtLabel {
		return true // its basetype is bitmask
	}
	if i := t.info(); i != nil {
		return i.bitmask
	}
	return false
}

// appendOperandAs appends an operand as the value of a statement: a
// constant typed as t (meta mark set 0x00000001), or an expression.
func (s *ruleState) appendOperandAs(dst []byte, i int16, t Type, order ByteOrder) []byte {
	op := s.op(i)
	if op.kind == opImm {
		v := s.v(op.value)
		if t.isBitmask() && bits.OnesCount64(loadUint(v, order)) > 1 {
			return s.appendFlags(dst, t, order, v)
		}
		return s.names.appendValue(dst, t, order, s.fitSize(t, order, v))
	}
	return s.appendOperand(dst, i)
}

// appendOperand appends an operand as an expression.
func (s *ruleState) appendOperand(dst []byte, i int16) []byte {
	op := s.op(i)
	switch op.kind {
	case opPayload:
		return s.appendPayload(dst, op)
	case opMeta:
		k := msgs.MetaKey(op.key)
		if !metaUnqualified(uint32(k)) {
			dst = append(dst, "meta "...)
		}
		if m := metaInfo(k); m != nil {
			dst = append(dst, m.name...)
		}
		return dst
	case opCt:
		var nfproto uint8
		switch op.typ {
		case TypeIPAddr:
			nfproto = unix.NFPROTO_IPV4
		case TypeIP6Addr:
			nfproto = unix.NFPROTO_IPV6
		}
		return appendCtName(dst, msgs.CtKey(op.key), op.dir, nfproto)
	case opExthdr:
		return s.appendExthdr(dst, op)
	case opFib:
		return appendFib(dst, op.data)
	case opRt:
		dst = append(dst, "rt "...)
		if int(op.key) < len(rtKeys) {
			dst = append(dst, rtKeys[op.key].name...)
		}
		return dst
	case opSocket:
		var x msgs.SocketExpr
		x.Decode(op.data)
		dst = append(dst, "socket "...)
		if int(op.key) < len(socketKeys) {
			dst = append(dst, socketKeys[op.key].name...)
		}
		if x.Key == msgs.SocketCgroupv2 {
			dst = append(dst, " level "...)
			dst = strconv.AppendUint(dst, uint64(x.Level), 10)
		}
		return dst
	case opOsf:
		var x msgs.OsfExpr
		x.Decode(op.data)
		dst = append(dst, "osf "...)
		switch x.TTL {
		case 1:
			dst = append(dst, "ttl loose "...)
		case 2:
			dst = append(dst, "ttl skip "...)
		}
		if x.Flags&msgs.OsfVersion != 0 {
			return append(dst, "version"...)
		}
		return append(dst, "name"...)
	case opNumgen:
		var x msgs.NumgenExpr
		x.Decode(op.data)
		dst = append(dst, "numgen "...)
		dst = append(dst, x.Type.String()...)
		dst = append(dst, " mod "...)
		dst = strconv.AppendUint(dst, uint64(x.Modulus), 10)
		if x.Offset != 0 {
			dst = append(dst, " offset "...)
			dst = strconv.AppendUint(dst, uint64(x.Offset), 10)
		}
		return dst
	case opHash:
		var x msgs.HashExpr
		x.Decode(op.data)
		if x.Type == msgs.HashSym {
			dst = append(dst, "symhash"...)
		} else {
			dst = append(dst, "jhash "...)
			dst = s.appendList(dst, op.list, op.nlist)
		}
		dst = append(dst, " mod "...)
		dst = strconv.AppendUint(dst, uint64(x.Modulus), 10)
		if x.Present.Has(unix.NFTA_HASH_SEED) {
			dst = append(dst, " seed 0x"...)
			dst = strconv.AppendUint(dst, uint64(x.Seed), 16)
		}
		if x.Offset != 0 {
			dst = append(dst, " offset "...)
			dst = strconv.AppendUint(dst, uint64(x.Offset), 10)
		}
		return dst
	case opXfrm:
		var x msgs.XfrmExpr
		x.Decode(op.data)
		dst = append(dst, "ipsec "...)
		dst = append(dst, x.Dir.String()...)
		if x.Spnum != 0 {
			dst = append(dst, " spnum "...)
			dst = strconv.AppendUint(dst, uint64(x.Spnum), 10)
		}
		if int(op.key) < len(xfrmKeys) {
			dst = append(dst, ' ')
			dst = append(dst, xfrmKeys[op.key].name...)
		}
		return dst
	case opImm:
		return AppendValue(dst, TypeInteger, HostEndian, s.v(op.value))
	case opBitwise:
		return s.appendBinop(dst, op)
	case opByteorder:
		return s.appendOperand(dst, op.arg)
	case opMap:
		dst = s.appendList(dst, op.list, op.nlist)
		dst = append(dst, " map "...)
		return s.appendMapRef(dst, op.set, op.list, op.nlist, op.setShift)
	}
	return append(dst, "[ unknown ]"...)
}

// appendBinop appends a bitwise operation: arg & mask ^ xor | or, or a
// shift, values typed by the operand.
func (s *ruleState) appendBinop(dst []byte, op *operand) []byte {
	arg := s.op(op.arg)
	t, order := s.typeOf(arg), s.orderOf(arg)
	// In parentheses when the operation applied to it binds tighter than
	// its own outermost one (binop_arg_print): `(@nh,8,8 & 0xfc) >> 2`.
	paren := arg.kind == opBitwise && op.innerPrec() < arg.outerPrec()
	if paren {
		dst = append(dst, '(')
	}
	dst = s.appendOperand(dst, op.arg)
	if paren {
		dst = append(dst, ')')
	}
	if op.shift != 0 {
		if op.shift > 0 {
			dst = append(dst, " << "...)
		} else {
			dst = append(dst, " >> "...)
		}
		return strconv.AppendUint(dst, uint64(op.shiftBy), 10)
	}
	part := func(dst []byte, sym string, x span) []byte {
		v := s.sp(x)
		dst = append(dst, sym...)
		if t.isBitmask() && bits.OnesCount64(loadUint(v, order)) > 1 {
			dst = append(dst, '(')
			dst = s.appendFlags(dst, t, order, v)
			return append(dst, ')')
		}
		return s.appendValueOf(dst, arg, v)
	}
	if op.and.ok() {
		dst = part(dst, " & ", op.and)
	}
	if op.xor.ok() {
		dst = part(dst, " ^ ", op.xor)
	}
	if op.or.ok() {
		dst = part(dst, " | ", op.or)
	}
	return dst
}

// The precedences nft gives its bitwise operations (expr_binop_precedence):
// shifts bind tightest, then &, ^, |.
const (
	precShift = 1 + iota
	precAnd
	precXor
	precOr
)

// innerPrec returns the precedence of the first operation a bitwise
// operand applies to its argument: the one printed next to it.
func (op *operand) innerPrec() int {
	switch {
	case op.shift != 0:
		return precShift
	case op.and.ok():
		return precAnd
	case op.xor.ok():
		return precXor
	}
	return precOr
}

// outerPrec returns the precedence of the last operation a bitwise
// operand applies: the outermost of its printed binops.
func (op *operand) outerPrec() int {
	switch {
	case op.shift != 0:
		return precShift
	case op.or.ok():
		return precOr
	case op.xor.ok():
		return precXor
	}
	return precAnd
}

// appendPayload appends a payload field: "tcp dport", or raw "@th,16,16".
func (s *ruleState) appendPayload(dst []byte, op *operand) []byte {
	if op.known() || op.proto == protoTH {
		p := &protos[op.proto]
		dst = append(dst, p.name...)
		dst = append(dst, ' ')
		return append(dst, p.tmpls[op.tmpl].name...)
	}
	dst = append(dst, '@')
	if op.base < baseCount {
		dst = append(dst, baseTokens[op.base]...)
	}
	dst = append(dst, ',')
	dst = strconv.AppendUint(dst, uint64(op.offset), 10)
	dst = append(dst, ',')
	return strconv.AppendUint(dst, uint64(op.len), 10)
}

// appendCtName appends a ct key: "ct state", "ct original saddr",
// "ct original ip saddr" (ct_print).
func appendCtName(dst []byte, k msgs.CtKey, dir int16, nfproto uint8) []byte {
	dst = append(dst, "ct "...)
	if dir >= 0 {
		dst = append(dst, msgs.CtDir(dir).String()...)
		dst = append(dst, ' ')
		if k == msgs.CtSrc || k == msgs.CtDst {
			switch nfproto {
			case unix.NFPROTO_IPV4:
				dst = append(dst, "ip "...)
			case unix.NFPROTO_IPV6:
				dst = append(dst, "ip6 "...)
			}
		}
	}
	if c := ctInfo(k); c != nil {
		dst = append(dst, c.name...)
	}
	return dst
}

// appendCtEvents appends the events of "ct event set", as a list.
func (s *ruleState) appendCtEvents(dst []byte, i int16) []byte {
	op := s.op(i)
	if op.kind != opImm {
		return s.appendOperand(dst, i)
	}
	return s.appendFlagList(dst, TypeCtEventBit, HostEndian, s.v(op.value))
}

// appendFib appends a fib expression: "fib saddr . iif oif".
func appendFib(dst []byte, data []byte) []byte {
	var x msgs.FibExpr
	x.Decode(data)
	dst = append(dst, "fib "...)
	flags := x.Flags &^ msgs.FibPresent
	for _, f := range [...]struct {
		bit  msgs.FibFlags
		name string
	}{{msgs.FibSaddr, "saddr"}, {msgs.FibDaddr, "daddr"}, {msgs.FibMark, "mark"}, {msgs.FibIif, "iif"}, {msgs.FibOif, "oif"}} {
		if flags&f.bit == 0 {
			continue
		}
		flags &^= f.bit
		dst = append(dst, f.name...)
		if flags != 0 {
			dst = append(dst, " . "...)
		}
	}
	if flags != 0 {
		dst = append(dst, "0x"...)
		dst = strconv.AppendUint(dst, uint64(flags), 16)
	}
	dst = append(dst, ' ')
	return append(dst, x.Result.String()...)
}
