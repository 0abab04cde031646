package msgs

// Expression attribute ids that golang.org/x/sys/unix (v0.35.0) lacks, from
// linux/netfilter/nf_tables.h. The others are used as unix.NFTA_*.
const (
	nftaBitwiseOp    = 6 // NFTA_BITWISE_OP
	nftaBitwiseData  = 7 // NFTA_BITWISE_DATA
	nftaBitwiseSreg2 = 8 // NFTA_BITWISE_SREG2

	nftaDynsetFlags       = 9  // NFTA_DYNSET_FLAGS
	nftaDynsetExpressions = 10 // NFTA_DYNSET_EXPRESSIONS

	nftaFwdSregAddr = 2 // NFTA_FWD_SREG_ADDR
	nftaFwdNfproto  = 3 // NFTA_FWD_NFPROTO

	nftaHashSetName = 8 // NFTA_HASH_SET_NAME (never sent by current kernels)
	nftaHashSetID   = 9 // NFTA_HASH_SET_ID (requests only)

	nftaConnlimitCount = 1 // NFTA_CONNLIMIT_COUNT
	nftaConnlimitFlags = 2 // NFTA_CONNLIMIT_FLAGS

	nftaSocketKey   = 1 // NFTA_SOCKET_KEY
	nftaSocketDreg  = 2 // NFTA_SOCKET_DREG
	nftaSocketLevel = 3 // NFTA_SOCKET_LEVEL

	nftaOsfDreg  = 1 // NFTA_OSF_DREG
	nftaOsfTTL   = 2 // NFTA_OSF_TTL
	nftaOsfFlags = 3 // NFTA_OSF_FLAGS

	nftaTproxyFamily  = 1 // NFTA_TPROXY_FAMILY
	nftaTproxyRegAddr = 2 // NFTA_TPROXY_REG_ADDR
	nftaTproxyRegPort = 3 // NFTA_TPROXY_REG_PORT

	nftaSynproxyMSS    = 1 // NFTA_SYNPROXY_MSS
	nftaSynproxyWscale = 2 // NFTA_SYNPROXY_WSCALE
	nftaSynproxyFlags  = 3 // NFTA_SYNPROXY_FLAGS

	nftaXfrmDreg  = 1 // NFTA_XFRM_DREG
	nftaXfrmKey   = 2 // NFTA_XFRM_KEY
	nftaXfrmDir   = 3 // NFTA_XFRM_DIR
	nftaXfrmSpnum = 4 // NFTA_XFRM_SPNUM

	nftaLastSet   = 1 // NFTA_LAST_SET
	nftaLastMsecs = 2 // NFTA_LAST_MSECS

	nftaInnerNum     = 1 // NFTA_INNER_NUM
	nftaInnerType    = 2 // NFTA_INNER_TYPE
	nftaInnerFlags   = 3 // NFTA_INNER_FLAGS
	nftaInnerHdrsize = 4 // NFTA_INNER_HDRSIZE
	nftaInnerExpr    = 5 // NFTA_INNER_EXPR

	nftaTunnelKey  = 1 // NFTA_TUNNEL_KEY
	nftaTunnelDreg = 2 // NFTA_TUNNEL_DREG
	nftaTunnelMode = 3 // NFTA_TUNNEL_MODE
)
