package msgs

import (
	"strconv"

	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// SetFlags are a set's flags (enum nft_set_flags).
type SetFlags uint32

// The set flags.
const (
	SetAnonymous SetFlags = unix.NFT_SET_ANONYMOUS // NFT_SET_ANONYMOUS: an anonymous set (__set0), freed with its rule
	SetConstant  SetFlags = unix.NFT_SET_CONSTANT  // NFT_SET_CONSTANT: contents fixed while bound
	SetInterval  SetFlags = unix.NFT_SET_INTERVAL  // NFT_SET_INTERVAL: holds intervals
	SetMap       SetFlags = unix.NFT_SET_MAP       // NFT_SET_MAP: a map (elements have data)
	SetTimeout   SetFlags = unix.NFT_SET_TIMEOUT   // NFT_SET_TIMEOUT: elements time out
	SetEval      SetFlags = unix.NFT_SET_EVAL      // NFT_SET_EVAL: updated from the packet path (dynamic)
	SetObject    SetFlags = unix.NFT_SET_OBJECT    // NFT_SET_OBJECT: an object map
	SetConcat    SetFlags = 0x80                   // NFT_SET_CONCAT: keys are concatenations
	SetExpr      SetFlags = 0x100                  // NFT_SET_EXPR: elements carry expressions
)

// String returns the flags joined by commas as nft spells them ("anonymous",
// "constant", "interval", "map", "timeout", "dynamic", "object", "concat",
// "expr"), with any unknown bits in hex.
func (f SetFlags) String() string { return flagString(uint32(f), setFlagNames[:]) }

var setFlagNames = [...]string{"anonymous", "constant", "interval", "map", "timeout", "dynamic", "object", "concat", "expr"}

// SetPolicy is a set's selection policy (enum nft_set_policies).
type SetPolicy uint32

// The set policies.
const (
	SetPolicyPerformance SetPolicy = unix.NFT_SET_POL_PERFORMANCE // NFT_SET_POL_PERFORMANCE
	SetPolicyMemory      SetPolicy = unix.NFT_SET_POL_MEMORY      // NFT_SET_POL_MEMORY
)

// String returns "performance" or "memory", or "policy(n)".
func (p SetPolicy) String() string {
	switch p {
	case SetPolicyPerformance:
		return "performance"
	case SetPolicyMemory:
		return "memory"
	}
	return "policy(" + strconv.FormatUint(uint64(p), 10) + ")"
}

// maxSetFields is the most fields a concatenated key can have
// (NFT_REG32_COUNT).
const maxSetFields = 16

// SetDesc is a set's description (NFTA_SET_DESC). The kernel may send it as
// an empty nest.
type SetDesc struct {
	Size      uint32               // NFTA_SET_DESC_SIZE: the declared maximum number of elements
	NumFields int                  // how many entries of FieldLen NFTA_SET_DESC_CONCAT filled
	FieldLen  [maxSetFields]uint32 // NFTA_SET_FIELD_LEN of each concatenated field, in bytes (KERNEL.md, fact 15)
}

// Fields returns the lengths of the concatenated key's fields, a view of d.
func (d *SetDesc) Fields() []uint32 { return d.FieldLen[:d.NumFields] }

// Set is a view of a set message (NEWSET, DELSET, or a GETSET dump reply).
// A DELSET carries only Table, Name and Handle; several attributes are sent
// only when they are not the default (Flags, Policy, DataType and DataLen
// of non-maps, Timeout, GCInterval). Check Present.
type Set struct {
	Table       []byte    // NFTA_SET_TABLE
	Name        []byte    // NFTA_SET_NAME
	Flags       SetFlags  // NFTA_SET_FLAGS
	KeyType     uint32    // NFTA_SET_KEY_TYPE: nft's data type of the key (informational to the kernel)
	KeyLen      uint32    // NFTA_SET_KEY_LEN: the key length in bytes
	DataType    uint32    // NFTA_SET_DATA_TYPE: a map's data type (NFT_DATA_VERDICT 0xffffff00 for verdict maps)
	DataLen     uint32    // NFTA_SET_DATA_LEN: a map's data length in bytes
	Policy      SetPolicy // NFTA_SET_POLICY
	Desc        SetDesc   // NFTA_SET_DESC
	ID          uint32    // NFTA_SET_ID: the set's transaction id, in requests only
	Timeout     uint64    // NFTA_SET_TIMEOUT: the default element timeout, in milliseconds
	GCInterval  uint32    // NFTA_SET_GC_INTERVAL: in milliseconds
	UserData    []byte    // NFTA_SET_USERDATA: nft's TLVs (see Comment)
	ObjType     ObjType   // NFTA_SET_OBJ_TYPE: the object type of an object map
	Handle      uint64    // NFTA_SET_HANDLE
	Expr        []byte    // NFTA_SET_EXPR: one expression nest (decode with Expr.Decode)
	Expressions []byte    // NFTA_SET_EXPRESSIONS: the raw expression list; walk it with Exprs
	Type        []byte    // NFTA_SET_TYPE: the kernel's backend, printed with %ps: "nft_rhash_ops", or an address like "0xffffffff82509020" without kallsyms (Linux 6.16+, informational; KERNEL.md, fact 15)
	Count       uint32    // NFTA_SET_COUNT: the number of elements (Linux 6.16+)
	Present     AttrSet   // the attribute types the message carried
}

// Decode decodes a set message's attributes, replacing all of set. Byte
// slices in set alias attrs. On error set is left zero.
func (set *Set) Decode(attrs []byte) error {
	if err := set.decode(attrs); err != nil {
		*set = Set{}
		return err
	}
	return nil
}

func (set *Set) decode(attrs []byte) error {
	*set = Set{}
	s := nftmon.NewAttrScanner(attrs)
	for s.Next() {
		typ := s.Type()
		set.Present.add(typ)
		switch typ {
		case unix.NFTA_SET_TABLE:
			set.Table = s.StringBytes()
		case unix.NFTA_SET_NAME:
			set.Name = s.StringBytes()
		case unix.NFTA_SET_FLAGS:
			set.Flags = SetFlags(s.Uint32())
		case unix.NFTA_SET_KEY_TYPE:
			set.KeyType = s.Uint32()
		case unix.NFTA_SET_KEY_LEN:
			set.KeyLen = s.Uint32()
		case unix.NFTA_SET_DATA_TYPE:
			set.DataType = s.Uint32()
		case unix.NFTA_SET_DATA_LEN:
			set.DataLen = s.Uint32()
		case unix.NFTA_SET_POLICY:
			set.Policy = SetPolicy(s.Uint32())
		case unix.NFTA_SET_DESC:
			n := s.Nested()
			set.Desc.decode(&n)
			s.Fail(n.Err())
		case unix.NFTA_SET_ID:
			set.ID = s.Uint32()
		case unix.NFTA_SET_TIMEOUT:
			set.Timeout = s.Uint64()
		case unix.NFTA_SET_GC_INTERVAL:
			set.GCInterval = s.Uint32()
		case unix.NFTA_SET_USERDATA:
			set.UserData = s.Bytes()
		case unix.NFTA_SET_OBJ_TYPE:
			set.ObjType = ObjType(s.Uint32())
		case AttrSetHandle:
			set.Handle = s.Uint64()
		case AttrSetExpr:
			set.Expr = s.Bytes()
		case AttrSetExpressions:
			set.Expressions = s.Bytes()
		case AttrSetType:
			set.Type = s.StringBytes()
		case AttrSetCount:
			set.Count = s.Uint32()
		}
	}
	if err := s.Err(); err != nil {
		return err
	}
	switch {
	case !set.Present.Has(unix.NFTA_SET_TABLE):
		return errSetNoTable
	case !set.Present.Has(unix.NFTA_SET_NAME):
		return errSetNoName
	case len(set.Table) == 0 || len(set.Name) == 0:
		return errSetEmptyName
	}
	return nil
}

// decode decodes the payload of NFTA_SET_DESC; errors stick in n.
func (d *SetDesc) decode(n *nftmon.AttrScanner) {
	for n.Next() {
		switch n.Type() {
		case unix.NFTA_SET_DESC_SIZE:
			d.Size = n.Uint32()
		case AttrSetDescConcat:
			d.NumFields = 0
			list := n.Nested()
			for list.Next() {
				if list.Type() != unix.NFTA_LIST_ELEM {
					continue
				}
				if d.NumFields == maxSetFields {
					list.Fail(errSetFields)
					break
				}
				f := list.Nested()
				for f.Next() {
					if f.Type() == AttrSetFieldLen {
						d.FieldLen[d.NumFields] = f.Uint32()
					}
				}
				list.Fail(f.Err())
				d.NumFields++
			}
			n.Fail(list.Err())
		}
	}
}

// Exprs returns a scanner over the set's expressions (NFTA_SET_EXPRESSIONS).
// A set with a single expression may carry it in NFTA_SET_EXPR instead: see
// Expr.
func (set *Set) Exprs() ExprScanner { return NewExprScanner(set.Expressions) }

// Comment returns the comment nft stored in the set's user data
// (NFTNL_UDATA_SET_COMMENT), or nil.
func (set *Set) Comment() []byte { return userDataTLV(set.UserData, udataSetComment) }
