package msgs

import (
	"strconv"

	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// ObjType is a stateful object's type (NFT_OBJECT_*).
type ObjType uint32

// The object types.
const (
	ObjCounter   ObjType = unix.NFT_OBJECT_COUNTER    // NFT_OBJECT_COUNTER
	ObjQuota     ObjType = unix.NFT_OBJECT_QUOTA      // NFT_OBJECT_QUOTA
	ObjCTHelper  ObjType = unix.NFT_OBJECT_CT_HELPER  // NFT_OBJECT_CT_HELPER
	ObjLimit     ObjType = unix.NFT_OBJECT_LIMIT      // NFT_OBJECT_LIMIT
	ObjConnlimit ObjType = unix.NFT_OBJECT_CONNLIMIT  // NFT_OBJECT_CONNLIMIT
	ObjTunnel    ObjType = unix.NFT_OBJECT_TUNNEL     // NFT_OBJECT_TUNNEL
	ObjCTTimeout ObjType = unix.NFT_OBJECT_CT_TIMEOUT // NFT_OBJECT_CT_TIMEOUT
	ObjSecmark   ObjType = unix.NFT_OBJECT_SECMARK    // NFT_OBJECT_SECMARK
	ObjCTExpect  ObjType = unix.NFT_OBJECT_CT_EXPECT  // NFT_OBJECT_CT_EXPECT
	ObjSynproxy  ObjType = unix.NFT_OBJECT_SYNPROXY   // NFT_OBJECT_SYNPROXY
)

var objTypeNames = [...]string{"unspec", "counter", "quota", "ct helper", "limit", "connlimit", "tunnel", "ct timeout", "secmark", "ct expectation", "synproxy"}

// String returns the type as nft spells it ("counter", "quota", "ct helper",
// "limit", ...), or "object(n)".
func (t ObjType) String() string {
	if t > 0 && int(t) < len(objTypeNames) {
		return objTypeNames[t]
	}
	return "object(" + strconv.FormatUint(uint64(t), 10) + ")"
}

// Obj is a view of a stateful object message (NEWOBJ, DELOBJ, or a GETOBJ
// dump reply). A DELOBJ carries only Table, Name, Type and Handle: check
// Present. A NEWOBJ may come from the packet path (a quota running out),
// outside any transaction.
type Obj struct {
	Table    []byte  // NFTA_OBJ_TABLE
	Name     []byte  // NFTA_OBJ_NAME
	Type     ObjType // NFTA_OBJ_TYPE
	Data     []byte  // NFTA_OBJ_DATA: the raw type-specific attributes, as the expression of the same name has them
	Use      uint32  // NFTA_OBJ_USE: references to the object
	Handle   uint64  // NFTA_OBJ_HANDLE
	UserData []byte  // NFTA_OBJ_USERDATA: nft's TLVs (see Comment)
	Present  AttrSet // the attribute types the message carried
}

// Decode decodes an object message's attributes, replacing all of o. Byte
// slices in o alias attrs. On error o is left zero.
func (o *Obj) Decode(attrs []byte) error {
	if err := o.decode(attrs); err != nil {
		*o = Obj{}
		return err
	}
	return nil
}

func (o *Obj) decode(attrs []byte) error {
	*o = Obj{}
	s := nftmon.NewAttrScanner(attrs)
	for s.Next() {
		typ := s.Type()
		o.Present.add(typ)
		switch typ {
		case unix.NFTA_OBJ_TABLE:
			o.Table = s.StringBytes()
		case unix.NFTA_OBJ_NAME:
			o.Name = s.StringBytes()
		case unix.NFTA_OBJ_TYPE:
			o.Type = ObjType(s.Uint32())
		case unix.NFTA_OBJ_DATA:
			o.Data = s.Bytes()
		case unix.NFTA_OBJ_USE:
			o.Use = s.Uint32()
		case AttrObjHandle:
			o.Handle = s.Uint64()
		case AttrObjUserData:
			o.UserData = s.Bytes()
		}
	}
	if err := s.Err(); err != nil {
		return err
	}
	switch {
	case !o.Present.Has(unix.NFTA_OBJ_TABLE):
		return errObjNoTable
	case !o.Present.Has(unix.NFTA_OBJ_NAME):
		return errObjNoName
	case !o.Present.Has(unix.NFTA_OBJ_TYPE):
		return errObjNoType
	case len(o.Table) == 0 || len(o.Name) == 0:
		return errObjEmptyName
	}
	return nil
}

// Comment returns the comment nft stored in the object's user data, or nil.
func (o *Obj) Comment() []byte { return userDataTLV(o.UserData, udataObjComment) }
