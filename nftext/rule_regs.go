package nftext

import "github.com/nftmon/nftmon/msgs"

// What the registers hold while a rule's expressions are read
// (netlink_set_register and netlink_get_register of nftables
// src/netlink_delinearize.c): each load puts an operand in its
// destination register, and the expressions that read registers take the
// operands from there.

// opKind is what an operand is.
type opKind uint8

const (
	opPayload   opKind = iota + 1 // packet bytes: base, offset, len
	opMeta                        // meta key
	opCt                          // ct key and direction
	opExthdr                      // an extension header, option or chunk field
	opFib                         // a route lookup
	opRt                          // routing data
	opSocket                      // socket data
	opOsf                         // OS fingerprint
	opNumgen                      // a generated number
	opHash                        // a hash of another operand (jhash) or of the flow (symhash)
	opXfrm                        // IPsec state
	opImm                         // a constant
	opBitwise                     // (arg & and) ^ xor | or, or arg shifted
	opByteorder                   // arg converted between host and network order
	opMap                         // the data a map lookup finds for a key
)

// operand is one value a register holds.
type operand struct {
	kind opKind
	len  uint32 // bits
	data []byte // the data of the expression that loaded it

	// opPayload, opExthdr: where.
	base   protoBase
	offset uint32 // bits
	// opPayload after completion: the protocol and its template, or -1.
	proto protoID
	tmpl  int16
	// The data type and byte order of its values, where post-processing
	// decided them (payload fields, ct addresses).
	typ   Type
	order ByteOrder

	key uint32 // meta, ct, rt, socket, xfrm key; exthdr type
	dir int16  // ct direction, -1 when none

	arg int16 // opBitwise, opByteorder, opHash: the operand worked on

	// opBitwise, in nft's form: and (none: all ones), xor, or (none: zero),
	// in scratch space.
	and, xor, or span
	shift        int16 // 0 none, 1 left, -1 right (by shiftBy)
	shiftBy      uint32

	value val // opImm

	// opMap: the key (a list) and the set.
	list, nlist int16
	set         []byte
	setShift    uint8 // the bits the keys of an anonymous map are shifted by
}

// regUnit returns the 32-bit register a register number names (the
// verdict register is 0, NFT_REG_1 to NFT_REG_4 start at 1, 5, 9, 13,
// NFT_REG32_00 is 1), or -1 for a number no register has.
func regUnit(r msgs.Register) int {
	switch {
	case r == msgs.RegVerdict:
		return 0
	case r >= msgs.Reg1 && r <= msgs.Reg4:
		return 1 + int(r-msgs.Reg1)*4
	case r >= msgs.Reg32_00 && r < msgs.Reg32_00+16:
		return 1 + int(r-msgs.Reg32_00)
	}
	return -1
}

// setReg stores operand i in register r; false for a register that cannot
// be written.
func (s *ruleState) setReg(r msgs.Register, i int16) bool {
	u := regUnit(r)
	if u <= 0 || i < 0 {
		return false
	}
	s.regs[u] = i
	return true
}

// getReg returns the operand register r holds, or -1.
func (s *ruleState) getReg(r msgs.Register) int16 {
	u := regUnit(r)
	if u <= 0 {
		return -1
	}
	return s.regs[u]
}

// regSpace is how many 32-bit registers a value of bits takes.
func regSpace(bits uint32) int { return int((bits + 31) / 32) }

// concat returns the operands that make up a value of n bytes read from
// register r (netlink_parse_concat_expr): the operand in r, then the one
// in the register after it, and so on. It returns the list's start and
// length, or ok false when a register is empty or there is no room.
func (s *ruleState) concat(r msgs.Register, n uint32) (list, count int16, ok bool) {
	u := regUnit(r)
	if u <= 0 {
		return 0, 0, false
	}
	start := s.nlist
	bits := n * 8
	for bits > 0 {
		if u >= regUnits || s.regs[u] < 0 || s.nlist == s.listCap() {
			s.nlist = start
			return 0, 0, false
		}
		op := s.op(s.regs[u])
		s.list()[s.nlist] = s.regs[u]
		s.nlist++
		space := regSpace(op.len)
		if space == 0 {
			s.nlist = start
			return 0, 0, false
		}
		used := uint32(space) * 32
		if used >= bits {
			bits = 0
		} else {
			bits -= used
		}
		u += space
	}
	return int16(start), int16(s.nlist - start), true
}

// single returns a list of one operand.
func (s *ruleState) single(i int16) (list, count int16, ok bool) {
	if i < 0 || s.nlist == s.listCap() {
		return 0, 0, false
	}
	s.list()[s.nlist] = i
	s.nlist++
	return int16(s.nlist - 1), 1, true
}

// listOps returns the operand indexes of a list.
func (s *ruleState) listOps(list, count int16) []int16 {
	if count <= 0 {
		return nil
	}
	return s.list()[list : list+count]
}
