package nftext

import "encoding/binary"

// nft keeps what the kernel does not need in user data: TLVs of a one-byte
// type and a one-byte length (libnftnl's struct nftnl_udata), integers in
// host byte order.

// The set user data types (enum nftnl_udata_set_types, libnftnl's
// include/libnftnl/udata.h).
const (
	udataSetKeyByteOrder  = 0 // NFTNL_UDATA_SET_KEYBYTEORDER
	udataSetDataByteOrder = 1 // NFTNL_UDATA_SET_DATABYTEORDER
	udataSetMergeElements = 2 // NFTNL_UDATA_SET_MERGE_ELEMENTS: auto-merge
	udataSetKeyTypeof     = 3 // NFTNL_UDATA_SET_KEY_TYPEOF
	udataSetDataTypeof    = 4 // NFTNL_UDATA_SET_DATA_TYPEOF
	udataSetDataInterval  = 6 // NFTNL_UDATA_SET_DATA_INTERVAL: a map of intervals
	udataSetComment       = 7 // NFTNL_UDATA_SET_COMMENT
)

// The set element user data types (enum nftnl_udata_set_elem_types).
const (
	udataElemFlags = 1 // NFTNL_UDATA_SET_ELEM_FLAGS

	// udataElemIntervalOpen marks a range with no end element
	// (NFTNL_SET_ELEM_F_INTERVAL_OPEN): it runs to the highest value.
	udataElemIntervalOpen = 0x1
)

// The typeof user data (NFTNL_UDATA_SET_TYPEOF_EXPR, _DATA).
const (
	udataTypeofExpr = 0 // NFTNL_UDATA_SET_TYPEOF_EXPR: nft's enum expr_types
	udataTypeofData = 1 // NFTNL_UDATA_SET_TYPEOF_DATA: the expression's own user data
)

// udata walks nft's user data TLVs.
type udata struct {
	b   []byte
	typ uint8
	val []byte
}

// next advances to the next TLV; a TLV that overruns ends the walk.
func (u *udata) next() bool {
	if len(u.b) < 2 || int(u.b[1]) > len(u.b)-2 {
		u.b = nil
		return false
	}
	u.typ, u.val = u.b[0], u.b[2:2+int(u.b[1])]
	u.b = u.b[2+int(u.b[1]):]
	return true
}

// udataFind returns the value of the first TLV of type typ in b.
func udataFind(b []byte, typ uint8) ([]byte, bool) {
	u := udata{b: b}
	for u.next() {
		if u.typ == typ {
			return u.val, true
		}
	}
	return nil, false
}

// udataU32 returns a TLV's value as nft's host-order u32.
func udataU32(v []byte) (uint32, bool) {
	if len(v) != 4 {
		return 0, false
	}
	return binary.NativeEndian.Uint32(v), true
}
