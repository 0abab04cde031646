package msgs

// Attribute ids that golang.org/x/sys/unix (v0.35.0) lacks, from
// linux/netfilter/nf_tables.h. Use them, like the unix.NFTA_* constants, with
// the AttrSet of a view: chain.Present.Has(msgs.AttrChainFlags).
const (
	AttrTableHandle   = 4 // NFTA_TABLE_HANDLE
	AttrTablePad      = 5 // NFTA_TABLE_PAD
	AttrTableUserData = 6 // NFTA_TABLE_USERDATA
	AttrTableOwner    = 7 // NFTA_TABLE_OWNER

	AttrHookDevs = 4 // NFTA_HOOK_DEVS

	AttrDeviceName   = 1 // NFTA_DEVICE_NAME
	AttrDevicePrefix = 2 // NFTA_DEVICE_PREFIX (Linux 6.18)

	AttrChainFlags    = 10 // NFTA_CHAIN_FLAGS
	AttrChainID       = 11 // NFTA_CHAIN_ID (requests only)
	AttrChainUserData = 12 // NFTA_CHAIN_USERDATA

	AttrRulePositionID = 10 // NFTA_RULE_POSITION_ID (requests only)
	AttrRuleChainID    = 11 // NFTA_RULE_CHAIN_ID (requests only)

	AttrSetDescConcat  = 2  // NFTA_SET_DESC_CONCAT
	AttrSetFieldLen    = 1  // NFTA_SET_FIELD_LEN
	AttrSetHandle      = 16 // NFTA_SET_HANDLE
	AttrSetExpr        = 17 // NFTA_SET_EXPR
	AttrSetExpressions = 18 // NFTA_SET_EXPRESSIONS
	AttrSetType        = 19 // NFTA_SET_TYPE
	AttrSetCount       = 20 // NFTA_SET_COUNT

	AttrSetElemKeyEnd      = 10 // NFTA_SET_ELEM_KEY_END
	AttrSetElemExpressions = 11 // NFTA_SET_ELEM_EXPRESSIONS

	AttrVerdictChainID = 3 // NFTA_VERDICT_CHAIN_ID

	AttrObjHandle   = 6 // NFTA_OBJ_HANDLE
	AttrObjPad      = 7 // NFTA_OBJ_PAD
	AttrObjUserData = 8 // NFTA_OBJ_USERDATA

	AttrFlowtableTable  = 1 // NFTA_FLOWTABLE_TABLE
	AttrFlowtableName   = 2 // NFTA_FLOWTABLE_NAME
	AttrFlowtableHook   = 3 // NFTA_FLOWTABLE_HOOK
	AttrFlowtableUse    = 4 // NFTA_FLOWTABLE_USE
	AttrFlowtableHandle = 5 // NFTA_FLOWTABLE_HANDLE
	AttrFlowtablePad    = 6 // NFTA_FLOWTABLE_PAD
	AttrFlowtableFlags  = 7 // NFTA_FLOWTABLE_FLAGS

	AttrFlowtableHookNum      = 1 // NFTA_FLOWTABLE_HOOK_NUM
	AttrFlowtableHookPriority = 2 // NFTA_FLOWTABLE_HOOK_PRIORITY
	AttrFlowtableHookDevs     = 3 // NFTA_FLOWTABLE_HOOK_DEVS
)

// The user-data TLV types nft uses for comments (libnftnl
// include/libnftnl/udata.h).
const (
	udataTableComment   = 0 // NFTNL_UDATA_TABLE_COMMENT
	udataChainComment   = 0 // NFTNL_UDATA_CHAIN_COMMENT
	udataRuleComment    = 0 // NFTNL_UDATA_RULE_COMMENT
	udataSetComment     = 7 // NFTNL_UDATA_SET_COMMENT
	udataSetElemComment = 0 // NFTNL_UDATA_SET_ELEM_COMMENT
	udataObjComment     = 0 // NFTNL_UDATA_OBJ_COMMENT
)
