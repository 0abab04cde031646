package msgs

import "golang.org/x/sys/unix"

// The expression enums of linux/netfilter/nf_tables.h. Every String method
// spells the value as libnftnl 1.2.x prints it in its debug text (the
// *2str tables of src/expr/*.c), and returns "unknown" for a value libnftnl
// has no name for, as libnftnl does.

// txName returns names[i], or "unknown" when i is out of range or unnamed.
func txName(names []string, i uint32) string {
	if uint64(i) < uint64(len(names)) && names[i] != "" {
		return names[i]
	}
	return "unknown"
}

// Register is an nf_tables register number as the kernel dumps it
// (enum nft_registers): 0 is the verdict register, 1 to 4 the 16-byte
// registers, 8 to 23 the 4-byte registers NFT_REG32_00 to NFT_REG32_15.
type Register uint32

// The registers.
const (
	RegVerdict Register = unix.NFT_REG_VERDICT // NFT_REG_VERDICT
	Reg1       Register = unix.NFT_REG_1       // NFT_REG_1
	Reg2       Register = unix.NFT_REG_2       // NFT_REG_2
	Reg3       Register = unix.NFT_REG_3       // NFT_REG_3
	Reg4       Register = unix.NFT_REG_4       // NFT_REG_4
	Reg32_00   Register = unix.NFT_REG32_00    // NFT_REG32_00; NFT_REG32_15 is Reg32_00 + 15
)

// PayloadBase is where a payload expression's offset starts
// (NFTA_PAYLOAD_BASE, enum nft_payload_bases).
type PayloadBase uint32

// The payload bases.
const (
	PayloadLinkLayer PayloadBase = unix.NFT_PAYLOAD_LL_HEADER        // NFT_PAYLOAD_LL_HEADER
	PayloadNetwork   PayloadBase = unix.NFT_PAYLOAD_NETWORK_HEADER   // NFT_PAYLOAD_NETWORK_HEADER
	PayloadTransport PayloadBase = unix.NFT_PAYLOAD_TRANSPORT_HEADER // NFT_PAYLOAD_TRANSPORT_HEADER
	PayloadInner     PayloadBase = unix.NFT_PAYLOAD_INNER_HEADER     // NFT_PAYLOAD_INNER_HEADER
	PayloadTunnel    PayloadBase = unix.NFT_PAYLOAD_TUN_HEADER       // NFT_PAYLOAD_TUN_HEADER
)

var payloadBaseNames = []string{"link", "network", "transport", "inner", "tunnel"}

// String returns "link", "network", "transport", "inner" or "tunnel".
func (b PayloadBase) String() string { return txName(payloadBaseNames, uint32(b)) }

// PayloadCsumType is the checksum a payload write fixes up
// (NFTA_PAYLOAD_CSUM_TYPE, enum nft_payload_csum_types).
type PayloadCsumType uint32

// The checksum types.
const (
	PayloadCsumNone PayloadCsumType = unix.NFT_PAYLOAD_CSUM_NONE // NFT_PAYLOAD_CSUM_NONE
	PayloadCsumInet PayloadCsumType = unix.NFT_PAYLOAD_CSUM_INET // NFT_PAYLOAD_CSUM_INET
	PayloadCsumSCTP PayloadCsumType = unix.NFT_PAYLOAD_CSUM_SCTP // NFT_PAYLOAD_CSUM_SCTP
)

// CmpOp is a cmp expression's comparison (NFTA_CMP_OP, enum nft_cmp_ops).
type CmpOp uint32

// The comparisons.
const (
	CmpEq  CmpOp = unix.NFT_CMP_EQ  // NFT_CMP_EQ
	CmpNeq CmpOp = unix.NFT_CMP_NEQ // NFT_CMP_NEQ
	CmpLt  CmpOp = unix.NFT_CMP_LT  // NFT_CMP_LT
	CmpLte CmpOp = unix.NFT_CMP_LTE // NFT_CMP_LTE
	CmpGt  CmpOp = unix.NFT_CMP_GT  // NFT_CMP_GT
	CmpGte CmpOp = unix.NFT_CMP_GTE // NFT_CMP_GTE
)

var cmpOpNames = []string{"eq", "neq", "lt", "lte", "gt", "gte"}

// String returns "eq", "neq", "lt", "lte", "gt" or "gte" (libnftnl's expr_cmp_str).
func (o CmpOp) String() string { return txName(cmpOpNames, uint32(o)) }

// RangeOp is a range expression's comparison (NFTA_RANGE_OP, enum nft_range_ops).
type RangeOp uint32

// The range comparisons.
const (
	RangeEq  RangeOp = unix.NFT_RANGE_EQ  // NFT_RANGE_EQ
	RangeNeq RangeOp = unix.NFT_RANGE_NEQ // NFT_RANGE_NEQ
)

// String returns "eq" or "neq".
func (o RangeOp) String() string { return txName(cmpOpNames[:2], uint32(o)) }

// BitwiseOp is a bitwise expression's operation (NFTA_BITWISE_OP,
// enum nft_bitwise_ops).
type BitwiseOp uint32

// The bitwise operations. AND, OR and XOR of two registers are Linux 6.13.
const (
	BitwiseMaskXor BitwiseOp = unix.NFT_BITWISE_BOOL // NFT_BITWISE_MASK_XOR (NFT_BITWISE_BOOL in x/sys/unix): (reg & mask) ^ xor
	BitwiseLshift  BitwiseOp = 1                     // NFT_BITWISE_LSHIFT
	BitwiseRshift  BitwiseOp = 2                     // NFT_BITWISE_RSHIFT
	BitwiseAnd     BitwiseOp = 3                     // NFT_BITWISE_AND: sreg & sreg2
	BitwiseOr      BitwiseOp = 4                     // NFT_BITWISE_OR: sreg | sreg2
	BitwiseXor     BitwiseOp = 5                     // NFT_BITWISE_XOR: sreg ^ sreg2
)

var bitwiseOpNames = []string{"mask_xor", "lshift", "rshift", "and", "or", "xor"}

// String returns "mask_xor", "lshift", "rshift", "and", "or" or "xor".
func (o BitwiseOp) String() string { return txName(bitwiseOpNames, uint32(o)) }

// ByteorderOp is a byteorder expression's conversion (NFTA_BYTEORDER_OP,
// enum nft_byteorder_ops).
type ByteorderOp uint32

// The byte order conversions.
const (
	ByteorderNtoh ByteorderOp = unix.NFT_BYTEORDER_NTOH // NFT_BYTEORDER_NTOH
	ByteorderHton ByteorderOp = unix.NFT_BYTEORDER_HTON // NFT_BYTEORDER_HTON
)

var byteorderOpNames = []string{"ntoh", "hton"}

// String returns "ntoh" or "hton".
func (o ByteorderOp) String() string { return txName(byteorderOpNames, uint32(o)) }

// MetaKey is what a meta expression loads or sets (NFTA_META_KEY,
// enum nft_meta_keys).
type MetaKey uint32

// The meta keys.
const (
	MetaLen          MetaKey = unix.NFT_META_LEN         // NFT_META_LEN
	MetaProtocol     MetaKey = unix.NFT_META_PROTOCOL    // NFT_META_PROTOCOL
	MetaPriority     MetaKey = unix.NFT_META_PRIORITY    // NFT_META_PRIORITY
	MetaMark         MetaKey = unix.NFT_META_MARK        // NFT_META_MARK
	MetaIif          MetaKey = unix.NFT_META_IIF         // NFT_META_IIF
	MetaOif          MetaKey = unix.NFT_META_OIF         // NFT_META_OIF
	MetaIifname      MetaKey = unix.NFT_META_IIFNAME     // NFT_META_IIFNAME
	MetaOifname      MetaKey = unix.NFT_META_OIFNAME     // NFT_META_OIFNAME
	MetaIiftype      MetaKey = unix.NFT_META_IIFTYPE     // NFT_META_IIFTYPE
	MetaOiftype      MetaKey = unix.NFT_META_OIFTYPE     // NFT_META_OIFTYPE
	MetaSkuid        MetaKey = unix.NFT_META_SKUID       // NFT_META_SKUID
	MetaSkgid        MetaKey = unix.NFT_META_SKGID       // NFT_META_SKGID
	MetaNftrace      MetaKey = unix.NFT_META_NFTRACE     // NFT_META_NFTRACE
	MetaRtclassid    MetaKey = unix.NFT_META_RTCLASSID   // NFT_META_RTCLASSID
	MetaSecmark      MetaKey = unix.NFT_META_SECMARK     // NFT_META_SECMARK
	MetaNfproto      MetaKey = unix.NFT_META_NFPROTO     // NFT_META_NFPROTO
	MetaL4proto      MetaKey = unix.NFT_META_L4PROTO     // NFT_META_L4PROTO
	MetaBriIifname   MetaKey = unix.NFT_META_BRI_IIFNAME // NFT_META_BRI_IIFNAME
	MetaBriOifname   MetaKey = unix.NFT_META_BRI_OIFNAME // NFT_META_BRI_OIFNAME
	MetaPkttype      MetaKey = unix.NFT_META_PKTTYPE     // NFT_META_PKTTYPE
	MetaCPU          MetaKey = unix.NFT_META_CPU         // NFT_META_CPU
	MetaIifgroup     MetaKey = unix.NFT_META_IIFGROUP    // NFT_META_IIFGROUP
	MetaOifgroup     MetaKey = unix.NFT_META_OIFGROUP    // NFT_META_OIFGROUP
	MetaCgroup       MetaKey = unix.NFT_META_CGROUP      // NFT_META_CGROUP
	MetaPrandom      MetaKey = unix.NFT_META_PRANDOM     // NFT_META_PRANDOM
	MetaSecpath      MetaKey = 25                        // NFT_META_SECPATH
	MetaIifkind      MetaKey = 26                        // NFT_META_IIFKIND
	MetaOifkind      MetaKey = 27                        // NFT_META_OIFKIND
	MetaBriIifpvid   MetaKey = 28                        // NFT_META_BRI_IIFPVID
	MetaBriIifvproto MetaKey = 29                        // NFT_META_BRI_IIFVPROTO
	MetaTimeNS       MetaKey = 30                        // NFT_META_TIME_NS
	MetaTimeDay      MetaKey = 31                        // NFT_META_TIME_DAY
	MetaTimeHour     MetaKey = 32                        // NFT_META_TIME_HOUR
	MetaSdif         MetaKey = 33                        // NFT_META_SDIF
	MetaSdifname     MetaKey = 34                        // NFT_META_SDIFNAME
	MetaBriBroute    MetaKey = 35                        // NFT_META_BRI_BROUTE
)

var metaKeyNames = []string{
	"len", "protocol", "priority", "mark", "iif", "oif", "iifname", "oifname",
	"iiftype", "oiftype", "skuid", "skgid", "nftrace", "rtclassid", "secmark",
	"nfproto", "l4proto", "bri_iifname", "bri_oifname", "pkttype", "cpu",
	"iifgroup", "oifgroup", "cgroup", "prandom", "secpath", "iifkind",
	"oifkind", "bri_iifpvid", "bri_iifvproto", "time", "day", "hour", "sdif",
	"sdifname", "broute",
}

// String returns libnftnl's name of the key (meta_key2str_array), e.g.
// "l4proto", "iifname", "time", "day", "hour", "broute".
func (k MetaKey) String() string { return txName(metaKeyNames, uint32(k)) }

// CtKey is what a ct expression loads or sets (NFTA_CT_KEY, enum nft_ct_keys).
type CtKey uint32

// The conntrack keys.
const (
	CtState      CtKey = unix.NFT_CT_STATE      // NFT_CT_STATE
	CtDirection  CtKey = unix.NFT_CT_DIRECTION  // NFT_CT_DIRECTION
	CtStatus     CtKey = unix.NFT_CT_STATUS     // NFT_CT_STATUS
	CtMark       CtKey = unix.NFT_CT_MARK       // NFT_CT_MARK
	CtSecmark    CtKey = unix.NFT_CT_SECMARK    // NFT_CT_SECMARK
	CtExpiration CtKey = unix.NFT_CT_EXPIRATION // NFT_CT_EXPIRATION
	CtHelper     CtKey = unix.NFT_CT_HELPER     // NFT_CT_HELPER
	CtL3Protocol CtKey = unix.NFT_CT_L3PROTOCOL // NFT_CT_L3PROTOCOL
	CtSrc        CtKey = unix.NFT_CT_SRC        // NFT_CT_SRC
	CtDst        CtKey = unix.NFT_CT_DST        // NFT_CT_DST
	CtProtocol   CtKey = unix.NFT_CT_PROTOCOL   // NFT_CT_PROTOCOL
	CtProtoSrc   CtKey = unix.NFT_CT_PROTO_SRC  // NFT_CT_PROTO_SRC
	CtProtoDst   CtKey = unix.NFT_CT_PROTO_DST  // NFT_CT_PROTO_DST
	CtLabels     CtKey = unix.NFT_CT_LABELS     // NFT_CT_LABELS
	CtPkts       CtKey = unix.NFT_CT_PKTS       // NFT_CT_PKTS
	CtBytes      CtKey = unix.NFT_CT_BYTES      // NFT_CT_BYTES
	CtAvgpkt     CtKey = unix.NFT_CT_AVGPKT     // NFT_CT_AVGPKT
	CtZone       CtKey = unix.NFT_CT_ZONE       // NFT_CT_ZONE
	CtEventmask  CtKey = unix.NFT_CT_EVENTMASK  // NFT_CT_EVENTMASK
	CtSrcIP      CtKey = unix.NFT_CT_SRC_IP     // NFT_CT_SRC_IP
	CtDstIP      CtKey = unix.NFT_CT_DST_IP     // NFT_CT_DST_IP
	CtSrcIP6     CtKey = unix.NFT_CT_SRC_IP6    // NFT_CT_SRC_IP6
	CtDstIP6     CtKey = unix.NFT_CT_DST_IP6    // NFT_CT_DST_IP6
	CtID         CtKey = unix.NFT_CT_ID         // NFT_CT_ID
)

var ctKeyNames = []string{
	"state", "direction", "status", "mark", "secmark", "expiration", "helper",
	"l3protocol", "src", "dst", "protocol", "proto_src", "proto_dst", "label",
	"packets", "bytes", "avgpkt", "zone", "event", "src_ip", "dst_ip",
	"src_ip6", "dst_ip6", // libnftnl 1.2.4 has no name for NFT_CT_ID: "unknown"
}

// String returns libnftnl's name of the key (ctkey2str_array), e.g.
// "state", "l3protocol", "label", "packets", "event", "src_ip".
func (k CtKey) String() string { return txName(ctKeyNames, uint32(k)) }

// CtDir is a conntrack direction (NFTA_CT_DIRECTION, enum
// ip_conntrack_dir).
type CtDir uint8

// The directions.
const (
	CtDirOriginal CtDir = 0 // IP_CT_DIR_ORIGINAL
	CtDirReply    CtDir = 1 // IP_CT_DIR_REPLY
)

// String returns "original" or "reply".
func (d CtDir) String() string { return txName([]string{"original", "reply"}, uint32(d)) }

// NatType is a nat expression's kind (NFTA_NAT_TYPE, enum nft_nat_types).
type NatType uint32

// The NAT types.
const (
	NatSnat NatType = unix.NFT_NAT_SNAT // NFT_NAT_SNAT
	NatDnat NatType = unix.NFT_NAT_DNAT // NFT_NAT_DNAT
)

// String returns "snat" or "dnat".
func (t NatType) String() string { return txName([]string{"snat", "dnat"}, uint32(t)) }

// NatFlags are the NF_NAT_RANGE_* flags of nat, masq and redir expressions.
type NatFlags uint32

// The NAT range flags, from linux/netfilter/nf_nat.h.
const (
	NatMapIPs          NatFlags = unix.NF_NAT_RANGE_MAP_IPS            // NF_NAT_RANGE_MAP_IPS
	NatProtoSpecified  NatFlags = unix.NF_NAT_RANGE_PROTO_SPECIFIED    // NF_NAT_RANGE_PROTO_SPECIFIED
	NatProtoRandom     NatFlags = unix.NF_NAT_RANGE_PROTO_RANDOM       // NF_NAT_RANGE_PROTO_RANDOM
	NatPersistent      NatFlags = unix.NF_NAT_RANGE_PERSISTENT         // NF_NAT_RANGE_PERSISTENT
	NatProtoRandomFull NatFlags = unix.NF_NAT_RANGE_PROTO_RANDOM_FULLY // NF_NAT_RANGE_PROTO_RANDOM_FULLY
	NatProtoOffset     NatFlags = unix.NF_NAT_RANGE_PROTO_OFFSET       // NF_NAT_RANGE_PROTO_OFFSET
	NatNetmap          NatFlags = unix.NF_NAT_RANGE_NETMAP             // NF_NAT_RANGE_NETMAP
)

// RejectType is how a reject expression answers (NFTA_REJECT_TYPE,
// enum nft_reject_types). libnftnl prints it as a number.
type RejectType uint32

// The reject types.
const (
	RejectICMPUnreach  RejectType = unix.NFT_REJECT_ICMP_UNREACH  // NFT_REJECT_ICMP_UNREACH
	RejectTCPRst       RejectType = unix.NFT_REJECT_TCP_RST       // NFT_REJECT_TCP_RST
	RejectICMPXUnreach RejectType = unix.NFT_REJECT_ICMPX_UNREACH // NFT_REJECT_ICMPX_UNREACH
)

// String returns "icmp", "tcp reset" or "icmpx", as nft names them.
func (t RejectType) String() string {
	return txName([]string{"icmp", "tcp reset", "icmpx"}, uint32(t))
}

// ExthdrOp is the header an exthdr expression looks into (NFTA_EXTHDR_OP,
// enum nft_exthdr_op).
type ExthdrOp uint32

// The extension header kinds.
const (
	ExthdrIPv6   ExthdrOp = unix.NFT_EXTHDR_OP_IPV6   // NFT_EXTHDR_OP_IPV6
	ExthdrTCPOpt ExthdrOp = unix.NFT_EXTHDR_OP_TCPOPT // NFT_EXTHDR_OP_TCPOPT
	ExthdrIPv4   ExthdrOp = 2                         // NFT_EXTHDR_OP_IPV4
	ExthdrSCTP   ExthdrOp = 3                         // NFT_EXTHDR_OP_SCTP
	ExthdrDCCP   ExthdrOp = 4                         // NFT_EXTHDR_OP_DCCP
)

// String returns "ipv6", "tcpopt", "ipv4", "sctp" or "dccp". (libnftnl
// 1.2.x prints only the first three in its debug text.)
func (o ExthdrOp) String() string {
	return txName([]string{"ipv6", "tcpopt", "ipv4", "sctp", "dccp"}, uint32(o))
}

// LimitType says what a limit counts (NFTA_LIMIT_TYPE, enum nft_limit_type).
type LimitType uint32

// The limit types.
const (
	LimitPkts  LimitType = unix.NFT_LIMIT_PKTS      // NFT_LIMIT_PKTS
	LimitBytes LimitType = unix.NFT_LIMIT_PKT_BYTES // NFT_LIMIT_PKT_BYTES
)

// String returns "packets" or "bytes".
func (t LimitType) String() string { return txName([]string{"packets", "bytes"}, uint32(t)) }

// NumgenType is how a numgen expression makes numbers (NFTA_NG_TYPE,
// enum nft_ng_types).
type NumgenType uint32

// The number generators.
const (
	NumgenInc    NumgenType = unix.NFT_NG_INCREMENTAL // NFT_NG_INCREMENTAL
	NumgenRandom NumgenType = unix.NFT_NG_RANDOM      // NFT_NG_RANDOM
)

// String returns "inc" or "random".
func (t NumgenType) String() string { return txName([]string{"inc", "random"}, uint32(t)) }

// HashType is a hash expression's function (NFTA_HASH_TYPE, enum nft_hash_types).
type HashType uint32

// The hash functions.
const (
	HashJenkins HashType = unix.NFT_HASH_JENKINS // NFT_HASH_JENKINS
	HashSym     HashType = unix.NFT_HASH_SYM     // NFT_HASH_SYM
)

// String returns "jhash" or "symhash".
func (t HashType) String() string { return txName([]string{"jhash", "symhash"}, uint32(t)) }

// FibResult is what a fib expression returns (NFTA_FIB_RESULT,
// enum nft_fib_result).
type FibResult uint32

// The fib results.
const (
	FibResultOif      FibResult = unix.NFT_FIB_RESULT_OIF      // NFT_FIB_RESULT_OIF
	FibResultOifname  FibResult = unix.NFT_FIB_RESULT_OIFNAME  // NFT_FIB_RESULT_OIFNAME
	FibResultAddrtype FibResult = unix.NFT_FIB_RESULT_ADDRTYPE // NFT_FIB_RESULT_ADDRTYPE
)

// String returns "oif", "oifname" or "type" (libnftnl's fib_type_str).
func (r FibResult) String() string {
	return txName([]string{"unspec", "oif", "oifname", "type"}, uint32(r))
}

// FibFlags are a fib expression's inputs (NFTA_FIB_FLAGS, enum nft_fib_flags).
type FibFlags uint32

// The fib flags.
const (
	FibSaddr   FibFlags = unix.NFTA_FIB_F_SADDR   // NFTA_FIB_F_SADDR
	FibDaddr   FibFlags = unix.NFTA_FIB_F_DADDR   // NFTA_FIB_F_DADDR
	FibMark    FibFlags = unix.NFTA_FIB_F_MARK    // NFTA_FIB_F_MARK
	FibIif     FibFlags = unix.NFTA_FIB_F_IIF     // NFTA_FIB_F_IIF
	FibOif     FibFlags = unix.NFTA_FIB_F_OIF     // NFTA_FIB_F_OIF
	FibPresent FibFlags = unix.NFTA_FIB_F_PRESENT // NFTA_FIB_F_PRESENT
)

var fibFlagNames = []string{"saddr", "daddr", "mark", "iif", "oif", "present"}

// DynsetOp is what a dynset expression does (NFTA_DYNSET_OP,
// enum nft_dynset_ops).
type DynsetOp uint32

// The dynset operations.
const (
	DynsetAdd    DynsetOp = unix.NFT_DYNSET_OP_ADD    // NFT_DYNSET_OP_ADD
	DynsetUpdate DynsetOp = unix.NFT_DYNSET_OP_UPDATE // NFT_DYNSET_OP_UPDATE
	DynsetDelete DynsetOp = 2                         // NFT_DYNSET_OP_DELETE
)

// String returns "add", "update" or "delete".
func (o DynsetOp) String() string {
	return txName([]string{"add", "update", "delete"}, uint32(o))
}

// RtKey is what an rt expression loads (NFTA_RT_KEY, enum nft_rt_keys).
type RtKey uint32

// The routing keys.
const (
	RtClassid  RtKey = unix.NFT_RT_CLASSID  // NFT_RT_CLASSID
	RtNexthop4 RtKey = unix.NFT_RT_NEXTHOP4 // NFT_RT_NEXTHOP4
	RtNexthop6 RtKey = unix.NFT_RT_NEXTHOP6 // NFT_RT_NEXTHOP6
	RtTCPMSS   RtKey = unix.NFT_RT_TCPMSS   // NFT_RT_TCPMSS
	RtXfrm     RtKey = 4                    // NFT_RT_XFRM
)

// String returns "classid", "nexthop4", "nexthop6", "tcpmss" or "ipsec".
func (k RtKey) String() string {
	return txName([]string{"classid", "nexthop4", "nexthop6", "tcpmss", "ipsec"}, uint32(k))
}

// SocketKey is what a socket expression loads (NFTA_SOCKET_KEY,
// enum nft_socket_keys).
type SocketKey uint32

// The socket keys.
const (
	SocketTransparent SocketKey = 0 // NFT_SOCKET_TRANSPARENT
	SocketMark        SocketKey = 1 // NFT_SOCKET_MARK
	SocketWildcard    SocketKey = 2 // NFT_SOCKET_WILDCARD
	SocketCgroupv2    SocketKey = 3 // NFT_SOCKET_CGROUPV2
)

// String returns "transparent", "mark", "wildcard" or "cgroupv2".
func (k SocketKey) String() string {
	return txName([]string{"transparent", "mark", "wildcard", "cgroupv2"}, uint32(k))
}

// XfrmKey is what an xfrm expression loads (NFTA_XFRM_KEY, enum nft_xfrm_keys).
type XfrmKey uint32

// The xfrm keys.
const (
	XfrmDaddrIP4 XfrmKey = 1 // NFT_XFRM_KEY_DADDR_IP4
	XfrmDaddrIP6 XfrmKey = 2 // NFT_XFRM_KEY_DADDR_IP6
	XfrmSaddrIP4 XfrmKey = 3 // NFT_XFRM_KEY_SADDR_IP4
	XfrmSaddrIP6 XfrmKey = 4 // NFT_XFRM_KEY_SADDR_IP6
	XfrmReqid    XfrmKey = 5 // NFT_XFRM_KEY_REQID
	XfrmSPI      XfrmKey = 6 // NFT_XFRM_KEY_SPI
)

// String returns "daddr4", "daddr6", "saddr4", "saddr6", "reqid" or "spi".
func (k XfrmKey) String() string {
	return txName([]string{"", "daddr4", "daddr6", "saddr4", "saddr6", "reqid", "spi"}, uint32(k))
}

// XfrmDir is the policy direction of an xfrm expression (NFTA_XFRM_DIR,
// XFRM_POLICY_IN or XFRM_POLICY_OUT).
type XfrmDir uint8

// The xfrm directions.
const (
	XfrmIn  XfrmDir = 0 // XFRM_POLICY_IN
	XfrmOut XfrmDir = 1 // XFRM_POLICY_OUT
)

// String returns "in" or "out".
func (d XfrmDir) String() string { return txName([]string{"in", "out"}, uint32(d)) }

// TunnelKey is what a tunnel expression loads (NFTA_TUNNEL_KEY,
// enum nft_tunnel_keys).
type TunnelKey uint32

// The tunnel keys.
const (
	TunnelPath TunnelKey = 0 // NFT_TUNNEL_PATH
	TunnelID   TunnelKey = 1 // NFT_TUNNEL_ID
)

// String returns "path" or "id".
func (k TunnelKey) String() string { return txName([]string{"path", "id"}, uint32(k)) }

// The flag bits of the expressions that have them.
const (
	LookupInv      = unix.NFT_LOOKUP_F_INV             // NFTA_LOOKUP_FLAGS: NFT_LOOKUP_F_INV, the match is inverted
	LimitInv       = unix.NFT_LIMIT_F_INV              // NFTA_LIMIT_FLAGS: NFT_LIMIT_F_INV, "over"
	QuotaInv       = unix.NFT_QUOTA_F_INV              // NFTA_QUOTA_FLAGS: NFT_QUOTA_F_INV, "over"
	QuotaDepleted  = unix.NFT_QUOTA_F_DEPLETED         // NFTA_QUOTA_FLAGS: NFT_QUOTA_F_DEPLETED
	ConnlimitInv   = 1                                 // NFTA_CONNLIMIT_FLAGS: NFT_CONNLIMIT_F_INV, "over"
	DynsetInv      = unix.NFT_DYNSET_F_INV             // NFTA_DYNSET_FLAGS: NFT_DYNSET_F_INV
	DynsetWithExpr = 2                                 // NFTA_DYNSET_FLAGS: NFT_DYNSET_F_EXPR
	ExthdrPresent  = unix.NFT_EXTHDR_F_PRESENT         // NFTA_EXTHDR_FLAGS: NFT_EXTHDR_F_PRESENT
	QueueBypass    = 0x01                              // NFTA_QUEUE_FLAGS: NFT_QUEUE_FLAG_BYPASS
	QueueCPUFanout = 0x02                              // NFTA_QUEUE_FLAGS: NFT_QUEUE_FLAG_CPU_FANOUT
	PayloadCsumL4  = unix.NFT_PAYLOAD_L4CSUM_PSEUDOHDR // NFTA_PAYLOAD_CSUM_FLAGS: NFT_PAYLOAD_L4CSUM_PSEUDOHDR
	SynproxyMSS    = 0x01                              // NFTA_SYNPROXY_FLAGS: NF_SYNPROXY_OPT_MSS
	SynproxyWscale = 0x02                              // NFTA_SYNPROXY_FLAGS: NF_SYNPROXY_OPT_WSCALE
	SynproxySackOK = 0x04                              // NFTA_SYNPROXY_FLAGS: NF_SYNPROXY_OPT_SACK_PERM
	SynproxyTstamp = 0x08                              // NFTA_SYNPROXY_FLAGS: NF_SYNPROXY_OPT_TIMESTAMP
	OsfVersion     = 0x01                              // NFTA_OSF_FLAGS: NFT_OSF_F_VERSION
	LogTCPSeq      = 0x01                              // NFTA_LOG_FLAGS: NF_LOG_TCPSEQ
	LogTCPOpt      = 0x02                              // NFTA_LOG_FLAGS: NF_LOG_TCPOPT
	LogIPOpt       = 0x04                              // NFTA_LOG_FLAGS: NF_LOG_IPOPT
	LogUID         = 0x08                              // NFTA_LOG_FLAGS: NF_LOG_UID
	LogMACDecode   = 0x20                              // NFTA_LOG_FLAGS: NF_LOG_MACDECODE
)
