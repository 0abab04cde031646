package msgs

import (
	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// PayloadExpr is the "payload" expression: a load of packet bytes into a
// register, or (with SReg) a write of a register into the packet with an
// optional checksum fix-up.
type PayloadExpr struct {
	DReg       Register        // NFTA_PAYLOAD_DREG (load)
	Base       PayloadBase     // NFTA_PAYLOAD_BASE
	Offset     uint32          // NFTA_PAYLOAD_OFFSET, in bytes from Base
	Len        uint32          // NFTA_PAYLOAD_LEN, in bytes
	SReg       Register        // NFTA_PAYLOAD_SREG (write)
	CsumType   PayloadCsumType // NFTA_PAYLOAD_CSUM_TYPE (write)
	CsumOffset uint32          // NFTA_PAYLOAD_CSUM_OFFSET (write)
	CsumFlags  uint32          // NFTA_PAYLOAD_CSUM_FLAGS (write): PayloadCsumL4
	Present    AttrSet         // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *PayloadExpr) Decode(data []byte) error {
	*e = PayloadExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_PAYLOAD_DREG:
			e.DReg = Register(s.Uint32())
		case unix.NFTA_PAYLOAD_BASE:
			e.Base = PayloadBase(s.Uint32())
		case unix.NFTA_PAYLOAD_OFFSET:
			e.Offset = s.Uint32()
		case unix.NFTA_PAYLOAD_LEN:
			e.Len = s.Uint32()
		case unix.NFTA_PAYLOAD_SREG:
			e.SReg = Register(s.Uint32())
		case unix.NFTA_PAYLOAD_CSUM_TYPE:
			e.CsumType = PayloadCsumType(s.Uint32())
		case unix.NFTA_PAYLOAD_CSUM_OFFSET:
			e.CsumOffset = s.Uint32()
		case unix.NFTA_PAYLOAD_CSUM_FLAGS:
			e.CsumFlags = s.Uint32()
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = PayloadExpr{}
		return err
	}
	return nil
}

// CmpExpr is the "cmp" expression: compare a register with a constant.
type CmpExpr struct {
	SReg    Register // NFTA_CMP_SREG
	Op      CmpOp    // NFTA_CMP_OP
	Data    Data     // NFTA_CMP_DATA: the constant, in packet byte order
	Present AttrSet  // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *CmpExpr) Decode(data []byte) error {
	*e = CmpExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_CMP_SREG:
			e.SReg = Register(s.Uint32())
		case unix.NFTA_CMP_OP:
			e.Op = CmpOp(s.Uint32())
		case unix.NFTA_CMP_DATA:
			s.Fail(e.Data.Decode(s.Bytes()))
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = CmpExpr{}
		return err
	}
	return nil
}

// RangeExpr is the "range" expression: is a register within [From, To]
// (or outside it, with RangeNeq).
type RangeExpr struct {
	SReg    Register // NFTA_RANGE_SREG
	Op      RangeOp  // NFTA_RANGE_OP
	From    Data     // NFTA_RANGE_FROM_DATA
	To      Data     // NFTA_RANGE_TO_DATA
	Present AttrSet  // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *RangeExpr) Decode(data []byte) error {
	*e = RangeExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_RANGE_SREG:
			e.SReg = Register(s.Uint32())
		case unix.NFTA_RANGE_OP:
			e.Op = RangeOp(s.Uint32())
		case unix.NFTA_RANGE_FROM_DATA:
			s.Fail(e.From.Decode(s.Bytes()))
		case unix.NFTA_RANGE_TO_DATA:
			s.Fail(e.To.Decode(s.Bytes()))
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = RangeExpr{}
		return err
	}
	return nil
}

// MetaExpr is the "meta" expression: load packet metadata into a register,
// or (with SReg) set it from one.
type MetaExpr struct {
	DReg    Register // NFTA_META_DREG (load)
	Key     MetaKey  // NFTA_META_KEY
	SReg    Register // NFTA_META_SREG (set)
	Present AttrSet  // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *MetaExpr) Decode(data []byte) error {
	*e = MetaExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_META_DREG:
			e.DReg = Register(s.Uint32())
		case unix.NFTA_META_KEY:
			e.Key = MetaKey(s.Uint32())
		case unix.NFTA_META_SREG:
			e.SReg = Register(s.Uint32())
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = MetaExpr{}
		return err
	}
	return nil
}

// ImmediateExpr is the "immediate" expression: load a constant or a verdict
// (register 0, with the chain of a jump or goto) into a register.
type ImmediateExpr struct {
	DReg    Register // NFTA_IMMEDIATE_DREG
	Data    Data     // NFTA_IMMEDIATE_DATA: a value, or a verdict when Data.IsVerdict
	Present AttrSet  // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *ImmediateExpr) Decode(data []byte) error {
	*e = ImmediateExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_IMMEDIATE_DREG:
			e.DReg = Register(s.Uint32())
		case unix.NFTA_IMMEDIATE_DATA:
			s.Fail(e.Data.Decode(s.Bytes()))
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = ImmediateExpr{}
		return err
	}
	return nil
}

// BitwiseExpr is the "bitwise" expression: DReg = (SReg & Mask) ^ Xor, or a
// shift of SReg by Data bits, or (Linux 6.13) SReg and/or/xor SReg2.
type BitwiseExpr struct {
	SReg    Register  // NFTA_BITWISE_SREG
	DReg    Register  // NFTA_BITWISE_DREG
	Len     uint32    // NFTA_BITWISE_LEN, in bytes
	Mask    Data      // NFTA_BITWISE_MASK (BitwiseMaskXor)
	Xor     Data      // NFTA_BITWISE_XOR (BitwiseMaskXor)
	Op      BitwiseOp // NFTA_BITWISE_OP; absent (older kernels) means BitwiseMaskXor
	Data    Data      // NFTA_BITWISE_DATA: the shift, a host-order u32 (shifts)
	SReg2   Register  // NFTA_BITWISE_SREG2 (and, or, xor)
	Present AttrSet   // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *BitwiseExpr) Decode(data []byte) error {
	*e = BitwiseExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_BITWISE_SREG:
			e.SReg = Register(s.Uint32())
		case unix.NFTA_BITWISE_DREG:
			e.DReg = Register(s.Uint32())
		case unix.NFTA_BITWISE_LEN:
			e.Len = s.Uint32()
		case unix.NFTA_BITWISE_MASK:
			s.Fail(e.Mask.Decode(s.Bytes()))
		case unix.NFTA_BITWISE_XOR:
			s.Fail(e.Xor.Decode(s.Bytes()))
		case AttrBitwiseOp:
			e.Op = BitwiseOp(s.Uint32())
		case AttrBitwiseData:
			s.Fail(e.Data.Decode(s.Bytes()))
		case AttrBitwiseSreg2:
			e.SReg2 = Register(s.Uint32())
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = BitwiseExpr{}
		return err
	}
	return nil
}

// ByteorderExpr is the "byteorder" expression: convert Len bytes of SReg,
// in units of Size bytes, between host and network order.
type ByteorderExpr struct {
	SReg    Register    // NFTA_BYTEORDER_SREG
	DReg    Register    // NFTA_BYTEORDER_DREG
	Op      ByteorderOp // NFTA_BYTEORDER_OP
	Len     uint32      // NFTA_BYTEORDER_LEN
	Size    uint32      // NFTA_BYTEORDER_SIZE: 2, 4 or 8
	Present AttrSet     // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *ByteorderExpr) Decode(data []byte) error {
	*e = ByteorderExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_BYTEORDER_SREG:
			e.SReg = Register(s.Uint32())
		case unix.NFTA_BYTEORDER_DREG:
			e.DReg = Register(s.Uint32())
		case unix.NFTA_BYTEORDER_OP:
			e.Op = ByteorderOp(s.Uint32())
		case unix.NFTA_BYTEORDER_LEN:
			e.Len = s.Uint32()
		case unix.NFTA_BYTEORDER_SIZE:
			e.Size = s.Uint32()
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = ByteorderExpr{}
		return err
	}
	return nil
}
