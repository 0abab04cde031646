package nftext

import "github.com/nftmon/nftmon"

// Payload loads back to header fields, and the protocol context that says
// which headers the packet has (nftables src/payload.c and src/proto.c:
// payload_expr_complete, payload_expr_expand, payload_expr_trim,
// payload_dependency_*).

// protoCtx is what the rule's matches so far say of the packet's
// protocols (struct proto_ctx).
type protoCtx struct {
	desc     [baseCount]protoID
	stacked  [4]protoID // link layer headers below the current one (vlan on ether)
	nstacked int
	icmpType uint8 // the ICMP type a match fixed, or 0
}

// depCtx remembers the protocol matches that a later match may make
// redundant (struct payload_dep_ctx), by the base they lead to.
type depCtx struct {
	deps     [baseCount + 1]int16 // statement index, or -1
	icmpType uint8
	prev     int16 // the statement before the current one, or -1
}

func (d *depCtx) reset() {
	for i := range d.deps {
		d.deps[i] = -1
	}
	d.icmpType = 0
}

// initProto sets the context a family's hooks start with
// (proto_ctx_init with hook_proto_desc).
func (s *ruleState) initProto() {
	if base, id := s.hookBase(); base != baseInvalid {
		s.pctx.desc[base] = id
	}
	s.pdctx.reset()
	s.pdctx.prev = -1
}

// hookBase is the base the family's hooks start at, and its protocol.
func (s *ruleState) hookBase() (protoBase, protoID) { return familyBase(s.family) }

// familyBase is the base a family's hooks start at, and its protocol
// (hook_proto_desc).
func familyBase(f nftmon.Family) (protoBase, protoID) {
	switch f {
	case nftmon.FamilyBridge:
		return baseLL, protoEther
	case nftmon.FamilyNetdev:
		return baseLL, protoNetdev
	case nftmon.FamilyINet:
		return baseLL, protoInet
	case nftmon.FamilyIPv4:
		return baseNetwork, protoIP
	case nftmon.FamilyIPv6:
		return baseNetwork, protoIP6
	case nftmon.FamilyARP:
		return baseNetwork, protoARP
	}
	return baseInvalid, protoNone
}

// update records that base has protocol id (proto_ctx_update).
func (c *protoCtx) update(base protoBase, id protoID) {
	if base < baseCount {
		c.desc[base] = id
	}
}

// stackedDesc returns the protocol a link layer offset falls in, and how
// many bits of the headers below it to skip (get_stacked_desc).
func (c *protoCtx) stackedDesc(top protoID, op *operand) (protoID, uint32) {
	off := op.offset
	if op.base != baseLL || off < uint32(protos[top].length) {
		return top, 0
	}
	var total uint32
	for i := 0; i < c.nstacked; i++ {
		st := c.stacked[i]
		if off < uint32(protos[st].length) {
			return st, total
		}
		off -= uint32(protos[st].length)
		total += uint32(protos[st].length)
	}
	return top, total
}

// complete finds the template of a payload load (payload_expr_complete).
func (s *ruleState) complete(op *operand) {
	if op.kind != opPayload || op.base >= baseCount {
		return
	}
	id := s.pctx.desc[op.base]
	if id == protoNone || id == protoInet || id == protoUnknown {
		s.completeRaw(op)
		return
	}
	id, skip := s.pctx.stackedDesc(id, op)
	off := op.offset - skip
	p := &protos[id]
	for i := range p.tmpls {
		t := &p.tmpls[i]
		if t.name == "" || uint32(t.offset) != off || uint32(t.len) != op.len || (t.metaKey && i == 0) {
			continue
		}
		if t.icmp != icmpDepNone && t.icmp != icmpAny && s.pctx.icmpType != 0 && s.pctx.icmpType != t.icmp.icmpType() {
			continue
		}
		op.proto, op.tmpl = id, int16(i)
		op.typ, op.order = t.typ, BigEndian
		return
	}
	s.completeRaw(op)
}

// completeRaw types a payload no template matched (payload_init_raw): the
// ports of an unknown transport protocol are th's.
func (s *ruleState) completeRaw(op *operand) {
	if op.tmpl >= 0 {
		return
	}
	op.proto, op.typ, op.order = protoUnknown, TypeInteger, BigEndian
	if op.base == baseTransport && op.len == 16 && (op.offset == 0 || op.offset == 16) {
		op.proto, op.tmpl, op.typ = protoTH, 1, TypeInetService
		if op.offset == 16 {
			op.tmpl = 2
		}
	}
}

// known reports whether a payload operand has a template.
func (op *operand) known() bool {
	return op.kind == opPayload && op.tmpl >= 0 && op.proto != protoUnknown
}

// isProtocolField reports whether a payload operand is the field that
// names the next protocol (EXPR_F_PROTOCOL).
func (op *operand) isProtocolField() bool {
	return op.known() && protos[op.proto].isProtocol(int(op.tmpl))
}

// trim narrows a masked payload load to the template the mask selects
// (payload_expr_trim); it returns the bits the value must be shifted
// right by, and false when no template matches.
func (s *ruleState) trim(op *operand, mask []byte) (uint32, bool) {
	if op.kind != opPayload || op.base >= baseCount {
		return 0, false
	}
	id := s.pctx.desc[op.base]
	if id == protoNone || id == protoUnknown {
		return 0, false
	}
	id, skip := s.pctx.stackedDesc(id, op)
	maskBits := uint32(len(mask)) * 8
	maskOff, ok := lowestSet(mask)
	if !ok {
		return 0, false
	}
	maskLen := lowestClearFrom(mask, maskOff+1)
	off := op.offset - skip + (maskBits - maskLen)
	payloadLen := op.len
	var n uint32
	p := &protos[id]
	for i := 1; i < len(p.tmpls); i++ {
		t := &p.tmpls[i]
		if uint32(t.offset) != off || t.len == 0 {
			continue
		}
		if uint32(t.len) > payloadLen {
			return 0, false
		}
		payloadLen -= uint32(t.len)
		off += uint32(t.len)
		n += uint32(t.len)
		if payloadLen == 0 {
			return 0, false
		}
		if maskOff+n == maskLen {
			op.offset += maskBits - maskLen
			op.len = n
			return maskOff, true
		}
	}
	return 0, false
}

// lowestSet returns the lowest set bit of a big-endian number (mpz_scan1
// from 0).
func lowestSet(b []byte) (uint32, bool) {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] != 0 {
			for j := uint32(0); j < 8; j++ {
				if b[i]&(1<<j) != 0 {
					return uint32(len(b)-1-i)*8 + j, true
				}
			}
		}
	}
	return 0, false
}

// lowestClearFrom returns the lowest clear bit at or above bit from of a
// big-endian number (mpz_scan0), which may be its length.
func lowestClearFrom(b []byte, from uint32) uint32 {
	n := uint32(len(b)) * 8
	for i := from; i < n; i++ {
		if !bitAt(b, i) {
			return i
		}
	}
	return n
}

// bitAt reports bit i (0 the lowest) of a big-endian number.
func bitAt(b []byte, i uint32) bool {
	byteIdx := len(b) - 1 - int(i/8)
	return byteIdx >= 0 && b[byteIdx]&(1<<(i%8)) != 0
}

// bitsOf copies bits [from, from+n) of a big-endian value x of
// len*8 bits, counted from the top, into a right-aligned big-endian value
// of (n+7)/8 bytes; no value when there is no room.
func (s *ruleState) bitsOf(x val, from, n uint32) val {
	total := uint32(x.size()) * 8
	if from%8 == 0 && n%8 == 0 && from+n <= total {
		if x.b != nil {
			return msgVal(x.b[from/8 : (from+n)/8])
		}
		return val{off: x.off + uint16(from/8), n: uint16(n / 8)}
	}
	if from+n > total {
		return val{}
	}
	res, out := s.alloc(int((n + 7) / 8))
	if out == nil {
		return val{}
	}
	b := s.v(x)
	for i := uint32(0); i < n; i++ {
		src := total - 1 - (from + i) // bit index from the bottom
		if bitAt(b, src) {
			dst := n - 1 - i
			out[len(out)-1-int(dst/8)] |= 1 << (dst % 8)
		}
	}
	return res
}

// shiftRight returns a big-endian value shifted right by n bits (x itself
// when n is 0); no value when there is no room.
func (s *ruleState) shiftRight(x val, n uint32) val {
	if n == 0 {
		return x
	}
	res, out := s.alloc(x.size())
	if out == nil {
		return val{}
	}
	b := s.v(x)
	total := uint32(len(b)) * 8
	for i := n; i < total; i++ {
		if bitAt(b, i) {
			j := i - n
			out[len(out)-1-int(j/8)] |= 1 << (j % 8)
		}
	}
	return res
}

// pctxUpdate records what a protocol match on a payload field says of the
// next header (payload_expr_pctx_update).
func (s *ruleState) pctxUpdate(op *operand, value []byte) {
	if !op.known() || len(value) > 4 {
		return
	}
	num := uint16(loadUint(value, BigEndian))
	base := s.pctx.desc[op.base]
	next := protos[base].upper(num)
	if next == protoNone {
		switch base {
		case protoICMP:
			if num == 0 {
				num = icmpEchoRequest
			}
			s.pctx.icmpType = uint8(num)
		case protoICMP6:
			if num == icmp6EchoReply {
				num = icmp6EchoRequest
			}
			s.pctx.icmpType = uint8(num)
		}
		return
	}
	if protos[next].base == protos[base].base && s.pctx.nstacked < len(s.pctx.stacked) {
		s.pctx.stacked[s.pctx.nstacked] = base
		s.pctx.nstacked++
	}
	s.pctx.update(protos[next].base, next)
}

// isStacked reports whether a protocol match leads to a header of the same
// base (payload_is_stacked: vlan on ether).
func (s *ruleState) isStacked(op *operand, value []byte) bool {
	if !op.isProtocolField() || len(value) > 4 {
		return false
	}
	d := &protos[s.pctx.desc[op.base]]
	next := d.upper(uint16(loadUint(value, BigEndian)))
	return next != protoNone && protos[next].base == d.base
}
