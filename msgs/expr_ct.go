package msgs

import (
	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// The conntrack expression.

// CtExpr is the "ct" expression: load a conntrack key into DReg, or (with
// SReg) set it.
type CtExpr struct {
	DReg      Register // NFTA_CT_DREG (load)
	Key       CtKey    // NFTA_CT_KEY
	Direction CtDir    // NFTA_CT_DIRECTION (per-direction keys only)
	SReg      Register // NFTA_CT_SREG (set)
	Present   AttrSet  // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *CtExpr) Decode(data []byte) error {
	*e = CtExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_CT_DREG:
			e.DReg = Register(s.Uint32())
		case unix.NFTA_CT_KEY:
			e.Key = CtKey(s.Uint32())
		case unix.NFTA_CT_DIRECTION:
			e.Direction = CtDir(s.Uint8())
		case unix.NFTA_CT_SREG:
			e.SReg = Register(s.Uint32())
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = CtExpr{}
		return err
	}
	return nil
}
