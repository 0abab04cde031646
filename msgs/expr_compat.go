package msgs

import (
	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// The x_tables compatibility expressions: match, target.

// CompatExpr is the "match" or "target" expression of an x_tables extension
// run by nft_compat (iptables-nft). The attribute ids of NFTA_MATCH_* and
// NFTA_TARGET_* are the same.
type CompatExpr struct {
	Name    []byte  // NFTA_MATCH_NAME / NFTA_TARGET_NAME
	Rev     uint32  // NFTA_MATCH_REV / NFTA_TARGET_REV
	Info    []byte  // NFTA_MATCH_INFO / NFTA_TARGET_INFO: the extension's binary struct
	Present AttrSet // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *CompatExpr) Decode(data []byte) error {
	*e = CompatExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_MATCH_NAME:
			e.Name = s.StringBytes()
		case unix.NFTA_MATCH_REV:
			e.Rev = s.Uint32()
		case unix.NFTA_MATCH_INFO:
			e.Info = s.Bytes()
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = CompatExpr{}
		return err
	}
	return nil
}
