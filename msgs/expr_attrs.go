package msgs

// Expression attribute ids that golang.org/x/sys/unix (v0.35.0) lacks, from
// linux/netfilter/nf_tables.h. Test an expression view's Present with them
// as with the unix.NFTA_* constants of the others:
// bitwise.Present.Has(msgs.AttrBitwiseSreg2).
const (
	AttrBitwiseOp    = 6 // NFTA_BITWISE_OP
	AttrBitwiseData  = 7 // NFTA_BITWISE_DATA
	AttrBitwiseSreg2 = 8 // NFTA_BITWISE_SREG2

	AttrDynsetFlags       = 9  // NFTA_DYNSET_FLAGS
	AttrDynsetExpressions = 10 // NFTA_DYNSET_EXPRESSIONS

	AttrFwdSregAddr = 2 // NFTA_FWD_SREG_ADDR
	AttrFwdNfproto  = 3 // NFTA_FWD_NFPROTO

	AttrHashSetName = 8 // NFTA_HASH_SET_NAME (never sent by current kernels)
	AttrHashSetID   = 9 // NFTA_HASH_SET_ID (requests only)

	AttrConnlimitCount = 1 // NFTA_CONNLIMIT_COUNT
	AttrConnlimitFlags = 2 // NFTA_CONNLIMIT_FLAGS

	AttrSocketKey   = 1 // NFTA_SOCKET_KEY
	AttrSocketDreg  = 2 // NFTA_SOCKET_DREG
	AttrSocketLevel = 3 // NFTA_SOCKET_LEVEL

	AttrOsfDreg  = 1 // NFTA_OSF_DREG
	AttrOsfTTL   = 2 // NFTA_OSF_TTL
	AttrOsfFlags = 3 // NFTA_OSF_FLAGS

	AttrTproxyFamily  = 1 // NFTA_TPROXY_FAMILY
	AttrTproxyRegAddr = 2 // NFTA_TPROXY_REG_ADDR
	AttrTproxyRegPort = 3 // NFTA_TPROXY_REG_PORT

	AttrSynproxyMSS    = 1 // NFTA_SYNPROXY_MSS
	AttrSynproxyWscale = 2 // NFTA_SYNPROXY_WSCALE
	AttrSynproxyFlags  = 3 // NFTA_SYNPROXY_FLAGS

	AttrXfrmDreg  = 1 // NFTA_XFRM_DREG
	AttrXfrmKey   = 2 // NFTA_XFRM_KEY
	AttrXfrmDir   = 3 // NFTA_XFRM_DIR
	AttrXfrmSpnum = 4 // NFTA_XFRM_SPNUM

	AttrLastSet   = 1 // NFTA_LAST_SET
	AttrLastMsecs = 2 // NFTA_LAST_MSECS

	AttrInnerNum     = 1 // NFTA_INNER_NUM
	AttrInnerType    = 2 // NFTA_INNER_TYPE
	AttrInnerFlags   = 3 // NFTA_INNER_FLAGS
	AttrInnerHdrsize = 4 // NFTA_INNER_HDRSIZE
	AttrInnerExpr    = 5 // NFTA_INNER_EXPR

	AttrTunnelKey  = 1 // NFTA_TUNNEL_KEY
	AttrTunnelDreg = 2 // NFTA_TUNNEL_DREG
	AttrTunnelMode = 3 // NFTA_TUNNEL_MODE
)
