package msgs

import (
	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// The expressions that use sets and stateful objects: lookup, dynset, objref.

// LookupExpr is the "lookup" expression: is SReg in the set, and for maps,
// load the element's data into DReg (register 0 for verdict maps).
type LookupExpr struct {
	Set     []byte   // NFTA_LOOKUP_SET: the set's name (anonymous sets are "__set%d", "__map%d")
	SReg    Register // NFTA_LOOKUP_SREG
	DReg    Register // NFTA_LOOKUP_DREG (maps only)
	SetID   uint32   // NFTA_LOOKUP_SET_ID (requests only; never dumped)
	Flags   uint32   // NFTA_LOOKUP_FLAGS: LookupInv
	Present AttrSet  // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *LookupExpr) Decode(data []byte) error {
	*e = LookupExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_LOOKUP_SET:
			e.Set = s.StringBytes()
		case unix.NFTA_LOOKUP_SREG:
			e.SReg = Register(s.Uint32())
		case unix.NFTA_LOOKUP_DREG:
			e.DReg = Register(s.Uint32())
		case unix.NFTA_LOOKUP_SET_ID:
			e.SetID = s.Uint32()
		case unix.NFTA_LOOKUP_FLAGS:
			e.Flags = s.Uint32()
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = LookupExpr{}
		return err
	}
	return nil
}

// DynsetExpr is the "dynset" expression: add, update or delete the key in
// SRegKey (and data in SRegData) in a set from the packet path, optionally
// with a timeout and stateful expressions attached to the element.
type DynsetExpr struct {
	SetName     []byte   // NFTA_DYNSET_SET_NAME
	SetID       uint32   // NFTA_DYNSET_SET_ID (requests only)
	Op          DynsetOp // NFTA_DYNSET_OP
	SRegKey     Register // NFTA_DYNSET_SREG_KEY
	SRegData    Register // NFTA_DYNSET_SREG_DATA (maps)
	Timeout     uint64   // NFTA_DYNSET_TIMEOUT, in milliseconds
	Expr        []byte   // NFTA_DYNSET_EXPR: one expression nest (NFTA_EXPR_NAME, NFTA_EXPR_DATA)
	Flags       uint32   // NFTA_DYNSET_FLAGS: DynsetInv, DynsetWithExpr
	Expressions []byte   // NFTA_DYNSET_EXPRESSIONS: a list of expression nests (two or more)
	Present     AttrSet  // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero. The nested expressions are
// not decoded: walk them with Exprs.
func (e *DynsetExpr) Decode(data []byte) error {
	*e = DynsetExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_DYNSET_SET_NAME:
			e.SetName = s.StringBytes()
		case unix.NFTA_DYNSET_SET_ID:
			e.SetID = s.Uint32()
		case unix.NFTA_DYNSET_OP:
			e.Op = DynsetOp(s.Uint32())
		case unix.NFTA_DYNSET_SREG_KEY:
			e.SRegKey = Register(s.Uint32())
		case unix.NFTA_DYNSET_SREG_DATA:
			e.SRegData = Register(s.Uint32())
		case unix.NFTA_DYNSET_TIMEOUT:
			e.Timeout = s.Uint64()
		case unix.NFTA_DYNSET_EXPR:
			e.Expr = s.Bytes()
		case AttrDynsetFlags:
			e.Flags = s.Uint32()
		case AttrDynsetExpressions:
			e.Expressions = s.Bytes()
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = DynsetExpr{}
		return err
	}
	return nil
}

// Exprs returns a scanner over the dynset's expressions: the one in
// NFTA_DYNSET_EXPR, then those of NFTA_DYNSET_EXPRESSIONS (the kernel sends
// one form or the other).
func (e *DynsetExpr) Exprs() ExprScanner {
	return ExprScanner{list: nftmon.NewAttrScanner(e.Expressions), one: e.Expr}
}

// ObjrefExpr is the "objref" expression: use a named stateful object
// (counter, quota, limit, ct helper, ...), given directly or looked up in an
// object map by SetSReg.
type ObjrefExpr struct {
	ImmType uint32   // NFTA_OBJREF_IMM_TYPE: NFT_OBJECT_*
	ImmName []byte   // NFTA_OBJREF_IMM_NAME
	SetSReg Register // NFTA_OBJREF_SET_SREG
	SetName []byte   // NFTA_OBJREF_SET_NAME
	SetID   uint32   // NFTA_OBJREF_SET_ID (requests only)
	Present AttrSet  // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *ObjrefExpr) Decode(data []byte) error {
	*e = ObjrefExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_OBJREF_IMM_TYPE:
			e.ImmType = s.Uint32()
		case unix.NFTA_OBJREF_IMM_NAME:
			e.ImmName = s.StringBytes()
		case unix.NFTA_OBJREF_SET_SREG:
			e.SetSReg = Register(s.Uint32())
		case unix.NFTA_OBJREF_SET_NAME:
			e.SetName = s.StringBytes()
		case unix.NFTA_OBJREF_SET_ID:
			e.SetID = s.Uint32()
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = ObjrefExpr{}
		return err
	}
	return nil
}
