package msgs

import "github.com/nftmon/nftmon"

// AttrSet records which attribute types a decoded message carried, so that
// "absent" can be told from "zero": a DEL message carries only the identity
// attributes (a table's name, use and handle, say), and its view's other
// fields are zero because nothing was sent, not because the kernel sent 0.
// Types above 63 are not recorded (no nftables message has such attributes).
type AttrSet uint64

// Has reports whether an attribute of type t (an NFTA_* constant of the
// message's attribute space) was present.
func (s AttrSet) Has(t uint16) bool { return t < 64 && s&(1<<t) != 0 }

// add records the attribute type t.
func (s *AttrSet) add(t uint16) {
	if t < 64 {
		*s |= 1 << t
	}
}

// userDataTLV returns the value of the first TLV of type typ in nft's user
// data (libnftnl's struct nftnl_udata: u8 type, u8 len, then len bytes, no
// padding), or nil when there is none or the TLVs are malformed (user data
// is opaque to the kernel: a bad TLV is not a bad message). A trailing NUL of
// the value is removed: nft stores comments with nftnl_udata_put_strz.
func userDataTLV(b []byte, typ uint8) []byte {
	for len(b) >= 2 {
		t, l := b[0], int(b[1])
		if len(b) < 2+l {
			return nil
		}
		v := b[2 : 2+l : 2+l]
		if t == typ {
			return trimNUL(v)
		}
		b = b[2+l:]
	}
	return nil
}

// trimNUL returns b up to its first NUL byte, or all of b when it has none.
func trimNUL(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i:i]
		}
	}
	return b
}

// The reasons the decoders of this package reject a message, beyond what
// nftmon.AttrScanner reports. Preallocated, so that rejecting input does not
// allocate.
var (
	errTableNoName    = &nftmon.ParseError{What: "table without NFTA_TABLE_NAME"}
	errTableEmptyName = &nftmon.ParseError{What: "table name is empty"}
	errChainNoTable   = &nftmon.ParseError{What: "chain without NFTA_CHAIN_TABLE"}
	errChainNoName    = &nftmon.ParseError{What: "chain without NFTA_CHAIN_NAME"}
	errChainEmptyName = &nftmon.ParseError{What: "chain table or name is empty"}
	errRuleNoTable    = &nftmon.ParseError{What: "rule without NFTA_RULE_TABLE"}
	errRuleNoChain    = &nftmon.ParseError{What: "rule without NFTA_RULE_CHAIN"}
	errRuleEmptyName  = &nftmon.ParseError{What: "rule table or chain name is empty"}
	errSetNoTable     = &nftmon.ParseError{What: "set without NFTA_SET_TABLE"}
	errSetNoName      = &nftmon.ParseError{What: "set without NFTA_SET_NAME"}
	errSetEmptyName   = &nftmon.ParseError{What: "set table or name is empty"}
	errSetFields      = &nftmon.ParseError{What: "set description has more than 16 concatenated fields (NFT_REG32_COUNT)"}
	errElemsNoTable   = &nftmon.ParseError{What: "set element list without NFTA_SET_ELEM_LIST_TABLE"}
	errElemsNoSet     = &nftmon.ParseError{What: "set element list without NFTA_SET_ELEM_LIST_SET"}
	errElemsEmptyName = &nftmon.ParseError{What: "set element list table or set name is empty"}
	errElemNoKey      = &nftmon.ParseError{What: "set element key nest without NFTA_DATA_VALUE"}
	errDataTwice      = &nftmon.ParseError{What: "data nest holds both NFTA_DATA_VALUE and NFTA_DATA_VERDICT"}
	errDataEmpty      = &nftmon.ParseError{What: "data nest holds neither NFTA_DATA_VALUE nor NFTA_DATA_VERDICT"}
	errVerdictNoCode  = &nftmon.ParseError{What: "verdict without NFTA_VERDICT_CODE"}
	errObjNoTable     = &nftmon.ParseError{What: "object without NFTA_OBJ_TABLE"}
	errObjNoName      = &nftmon.ParseError{What: "object without NFTA_OBJ_NAME"}
	errObjNoType      = &nftmon.ParseError{What: "object without NFTA_OBJ_TYPE"}
	errObjEmptyName   = &nftmon.ParseError{What: "object table or name is empty"}
	errFlowNoTable    = &nftmon.ParseError{What: "flowtable without NFTA_FLOWTABLE_TABLE"}
	errFlowNoName     = &nftmon.ParseError{What: "flowtable without NFTA_FLOWTABLE_NAME"}
	errFlowEmptyName  = &nftmon.ParseError{What: "flowtable table or name is empty"}
	errDevEmpty       = &nftmon.ParseError{What: "device name is empty"}
	errDevTooLong     = &nftmon.ParseError{What: "device name longer than IFNAMSIZ"}
)
