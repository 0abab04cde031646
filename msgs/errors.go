package msgs

import "github.com/nftmon/nftmon"

// The reasons the decoders of this package reject a message, beyond what
// nftmon.AttrScanner reports. Preallocated, so that rejecting input does not
// allocate.
var (
	errExprNoName     = &nftmon.ParseError{What: "expression without NFTA_EXPR_NAME"}
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
	errTraceNoID      = &nftmon.ParseError{What: "trace without NFTA_TRACE_ID"}
	errTraceNoType    = &nftmon.ParseError{What: "trace without NFTA_TRACE_TYPE"}
	errDevEmpty       = &nftmon.ParseError{What: "device name is empty"}
	errDevTooLong     = &nftmon.ParseError{What: "device name longer than IFNAMSIZ"}
)
