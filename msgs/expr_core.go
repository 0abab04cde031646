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
	// A load as the kernel sends it (nft_payload_dump): DREG, BASE,
	// OFFSET, LEN.
	if len(data) == 4*u32Attr {
		dreg, ok1 := u32At(data, unix.NFTA_PAYLOAD_DREG)
		base, ok2 := u32At(data[u32Attr:], unix.NFTA_PAYLOAD_BASE)
		off, ok3 := u32At(data[2*u32Attr:], unix.NFTA_PAYLOAD_OFFSET)
		n, ok4 := u32At(data[3*u32Attr:], unix.NFTA_PAYLOAD_LEN)
		if ok1 && ok2 && ok3 && ok4 {
			*e = PayloadExpr{
				DReg: Register(dreg), Base: PayloadBase(base), Offset: off, Len: n,
				Present: 1<<unix.NFTA_PAYLOAD_DREG | 1<<unix.NFTA_PAYLOAD_BASE |
					1<<unix.NFTA_PAYLOAD_OFFSET | 1<<unix.NFTA_PAYLOAD_LEN,
			}
			return nil
		}
	}
	return e.decode(data)
}

// decode is Decode for any attributes.
func (e *PayloadExpr) decode(data []byte) error {
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
	// As the kernel sends it (nft_cmp_dump): SREG, OP, DATA holding a
	// value.
	if len(data) > 2*u32Attr {
		sreg, ok1 := u32At(data, unix.NFTA_CMP_SREG)
		op, ok2 := u32At(data[u32Attr:], unix.NFTA_CMP_OP)
		if v, ok3 := valueAt(data[2*u32Attr:], unix.NFTA_CMP_DATA); ok1 && ok2 && ok3 {
			*e = CmpExpr{
				SReg: Register(sreg), Op: CmpOp(op),
				Present: 1<<unix.NFTA_CMP_SREG | 1<<unix.NFTA_CMP_OP | 1<<unix.NFTA_CMP_DATA,
			}
			e.Data.Value = v
			return nil
		}
	}
	return e.decode(data)
}

// decode is Decode for any attributes.
func (e *CmpExpr) decode(data []byte) error {
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
	// A load as the kernel sends it (nft_meta_get_dump): KEY, DREG.
	if len(data) == 2*u32Attr {
		key, ok1 := u32At(data, unix.NFTA_META_KEY)
		if dreg, ok2 := u32At(data[u32Attr:], unix.NFTA_META_DREG); ok1 && ok2 {
			*e = MetaExpr{
				DReg: Register(dreg), Key: MetaKey(key),
				Present: 1<<unix.NFTA_META_KEY | 1<<unix.NFTA_META_DREG,
			}
			return nil
		}
	}
	return e.decode(data)
}

// decode is Decode for any attributes.
func (e *MetaExpr) decode(data []byte) error {
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
	// As the kernel sends it (nft_immediate_dump): DREG, then DATA
	// holding a value or a verdict.
	if dreg, ok := u32At(data, unix.NFTA_IMMEDIATE_DREG); ok {
		if d, rest, err := nftmon.ParseAttr(data[u32Attr:]); err == nil && d.Type == unix.NFTA_IMMEDIATE_DATA && len(rest) == 0 {
			*e = ImmediateExpr{}
			if err := e.Data.Decode(d.Data); err != nil {
				return err // e.Data is left zero, and so all of e
			}
			e.DReg = Register(dreg)
			e.Present = 1<<unix.NFTA_IMMEDIATE_DREG | 1<<unix.NFTA_IMMEDIATE_DATA
			return nil
		}
	}
	return e.decode(data)
}

// decode is Decode for any attributes.
func (e *ImmediateExpr) decode(data []byte) error {
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
