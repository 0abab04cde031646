package msgs

import (
	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// The number generating expressions: numgen, hash.

// NumgenExpr is the "numgen" expression: DReg = next number mod Modulus,
// plus Offset.
type NumgenExpr struct {
	DReg    Register   // NFTA_NG_DREG
	Modulus uint32     // NFTA_NG_MODULUS
	Type    NumgenType // NFTA_NG_TYPE
	Offset  uint32     // NFTA_NG_OFFSET
	Present AttrSet    // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *NumgenExpr) Decode(data []byte) error {
	*e = NumgenExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_NG_DREG:
			e.DReg = Register(s.Uint32())
		case unix.NFTA_NG_MODULUS:
			e.Modulus = s.Uint32()
		case unix.NFTA_NG_TYPE:
			e.Type = NumgenType(s.Uint32())
		case unix.NFTA_NG_OFFSET:
			e.Offset = s.Uint32()
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = NumgenExpr{}
		return err
	}
	return nil
}

// HashExpr is the "hash" expression: DReg = hash(Len bytes of SReg, Seed)
// mod Modulus, plus Offset (jhash), or a symmetric hash of the flow (symhash).
type HashExpr struct {
	SReg    Register // NFTA_HASH_SREG (jhash)
	DReg    Register // NFTA_HASH_DREG
	Len     uint32   // NFTA_HASH_LEN (jhash)
	Modulus uint32   // NFTA_HASH_MODULUS
	Seed    uint32   // NFTA_HASH_SEED (jhash)
	Offset  uint32   // NFTA_HASH_OFFSET (sent only when not 0)
	Type    HashType // NFTA_HASH_TYPE
	SetName []byte   // NFTA_HASH_SET_NAME (obsolete)
	Present AttrSet  // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *HashExpr) Decode(data []byte) error {
	*e = HashExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_HASH_SREG:
			e.SReg = Register(s.Uint32())
		case unix.NFTA_HASH_DREG:
			e.DReg = Register(s.Uint32())
		case unix.NFTA_HASH_LEN:
			e.Len = s.Uint32()
		case unix.NFTA_HASH_MODULUS:
			e.Modulus = s.Uint32()
		case unix.NFTA_HASH_SEED:
			e.Seed = s.Uint32()
		case unix.NFTA_HASH_OFFSET:
			e.Offset = s.Uint32()
		case unix.NFTA_HASH_TYPE:
			e.Type = HashType(s.Uint32())
		case AttrHashSetName:
			e.SetName = s.StringBytes()
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = HashExpr{}
		return err
	}
	return nil
}
