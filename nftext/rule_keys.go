package nftext

import "github.com/nftmon/nftmon/msgs"

// The keys of the expressions that load metadata, with their names, data
// types, lengths and byte orders: nftables' meta_templates (src/meta.c),
// ct_templates (src/ct.c), rt_templates (src/rt.c), socket_templates
// (src/socket.c) and xfrm_templates (src/xfrm.c).

// keyInfo is one key's template.
type keyInfo struct {
	name  string
	typ   Type
	len   uint16 // bits
	order ByteOrder
}

// ifnameLen is the length of an interface name (IFNAMSIZ), in bytes.
const ifnameLen = 16

// osfNameLen is the length of an OS fingerprint's name
// (NFT_OSF_MAXGENRELEN), in bytes.
const osfNameLen = 16

var metaKeys = [...]keyInfo{
	msgs.MetaLen:          {"length", TypeInteger, 32, HostEndian},
	msgs.MetaProtocol:     {"protocol", TypeEtherType, 16, BigEndian},
	msgs.MetaPriority:     {"priority", TypeClassID, 32, HostEndian},
	msgs.MetaMark:         {"mark", TypeMark, 32, HostEndian},
	msgs.MetaIif:          {"iif", TypeIfIndex, 32, HostEndian},
	msgs.MetaOif:          {"oif", TypeIfIndex, 32, HostEndian},
	msgs.MetaIifname:      {"iifname", TypeIfName, ifnameLen * 8, HostEndian},
	msgs.MetaOifname:      {"oifname", TypeIfName, ifnameLen * 8, HostEndian},
	msgs.MetaIiftype:      {"iiftype", TypeARPHRD, 16, HostEndian},
	msgs.MetaOiftype:      {"oiftype", TypeARPHRD, 16, HostEndian},
	msgs.MetaSkuid:        {"skuid", TypeUID, 32, HostEndian},
	msgs.MetaSkgid:        {"skgid", TypeGID, 32, HostEndian},
	msgs.MetaNftrace:      {"nftrace", TypeInteger, 1, HostEndian},
	msgs.MetaRtclassid:    {"rtclassid", TypeRealm, 32, HostEndian},
	msgs.MetaSecmark:      {"secmark", TypeInteger, 32, HostEndian},
	msgs.MetaNfproto:      {"nfproto", TypeNFProto, 8, HostEndian},
	msgs.MetaL4proto:      {"l4proto", TypeInetProto, 8, HostEndian},
	msgs.MetaBriIifname:   {"ibrname", TypeIfName, ifnameLen * 8, HostEndian},
	msgs.MetaBriOifname:   {"obrname", TypeIfName, ifnameLen * 8, HostEndian},
	msgs.MetaPkttype:      {"pkttype", TypePktType, 8, HostEndian},
	msgs.MetaCPU:          {"cpu", TypeInteger, 32, HostEndian},
	msgs.MetaIifgroup:     {"iifgroup", TypeDevGroup, 32, HostEndian},
	msgs.MetaOifgroup:     {"oifgroup", TypeDevGroup, 32, HostEndian},
	msgs.MetaCgroup:       {"cgroup", TypeInteger, 32, HostEndian},
	msgs.MetaPrandom:      {"random", TypeInteger, 32, BigEndian},
	msgs.MetaSecpath:      {"ipsec", TypeBoolean, 8, HostEndian},
	msgs.MetaIifkind:      {"iifkind", TypeIfName, ifnameLen * 8, HostEndian},
	msgs.MetaOifkind:      {"oifkind", TypeIfName, ifnameLen * 8, HostEndian},
	msgs.MetaBriIifpvid:   {"ibrpvid", TypeInteger, 16, HostEndian},
	msgs.MetaBriIifvproto: {"ibrvproto", TypeEtherType, 16, BigEndian},
	msgs.MetaTimeNS:       {"time", TypeTimeDate, 64, HostEndian},
	msgs.MetaTimeDay:      {"day", TypeTimeDay, 8, HostEndian},
	msgs.MetaTimeHour:     {"hour", TypeTimeHour, 32, HostEndian},
	msgs.MetaSdif:         {"sdif", TypeIfIndex, 32, HostEndian},
	msgs.MetaSdifname:     {"sdifname", TypeIfName, ifnameLen * 8, HostEndian},
}

// metaInfo returns a meta key's template, or nil.
func metaInfo(k msgs.MetaKey) *keyInfo {
	if int(k) < len(metaKeys) && metaKeys[k].name != "" {
		return &metaKeys[k]
	}
	return nil
}

// ctLabelBits is the size of the conntrack labels (CT_LABEL_BIT_SIZE).
const ctLabelBits = 128

var ctKeys = [...]keyInfo{
	msgs.CtState:      {"state", TypeCtState, 32, HostEndian},
	msgs.CtDirection:  {"direction", TypeCtDir, 8, HostEndian},
	msgs.CtStatus:     {"status", TypeCtStatus, 32, HostEndian},
	msgs.CtMark:       {"mark", TypeMark, 32, HostEndian},
	msgs.CtExpiration: {"expiration", TypeTime, 32, HostEndian},
	msgs.CtHelper:     {"helper", TypeString, 16 * 8, HostEndian},
	msgs.CtL3Protocol: {"l3proto", TypeNFProto, 8, HostEndian},
	msgs.CtSrc:        {"saddr", TypeInvalid, 0, BigEndian},
	msgs.CtDst:        {"daddr", TypeInvalid, 0, BigEndian},
	msgs.CtProtocol:   {"protocol", TypeInetProto, 8, BigEndian},
	msgs.CtProtoSrc:   {"proto-src", TypeInvalid, 16, BigEndian},
	msgs.CtProtoDst:   {"proto-dst", TypeInvalid, 16, BigEndian},
	msgs.CtLabels:     {"label", TypeCtLabel, ctLabelBits, HostEndian},
	msgs.CtBytes:      {"bytes", TypeInteger, 64, HostEndian},
	msgs.CtPkts:       {"packets", TypeInteger, 64, HostEndian},
	msgs.CtAvgpkt:     {"avgpkt", TypeInteger, 64, HostEndian},
	msgs.CtZone:       {"zone", TypeInteger, 16, HostEndian},
	msgs.CtEventmask:  {"event", TypeCtEventBit, 32, HostEndian},
	msgs.CtSrcIP:      {"ip saddr", TypeIPAddr, 32, BigEndian},
	msgs.CtDstIP:      {"ip daddr", TypeIPAddr, 32, BigEndian},
	msgs.CtSrcIP6:     {"ip6 saddr", TypeIP6Addr, 128, BigEndian},
	msgs.CtDstIP6:     {"ip6 daddr", TypeIP6Addr, 128, BigEndian},
	msgs.CtSecmark:    {"secmark", TypeInteger, 32, HostEndian},
	msgs.CtID:         {"id", TypeInteger, 32, BigEndian},
}

// ctInfo returns a ct key's template, or nil.
func ctInfo(k msgs.CtKey) *keyInfo {
	if int(k) < len(ctKeys) && ctKeys[k].name != "" {
		return &ctKeys[k]
	}
	return nil
}

// ctLen returns the length of a ct load: the template's, which is 0 for
// the addresses, whose type and length only the protocol context gives
// (ct_expr_update_type). So a comparison with fewer bytes than the address
// is not a prefix, and prints as nft prints it: ct original saddr
// 10.0.0.0/8 prints as ct original ip saddr 0.0.0.10, in nft list ruleset
// too.
func ctLen(c *keyInfo) uint32 {
	return uint32(c.len)
}

// ctBase is the protocol layer a ct key belongs to (ct_expr_alloc).
func ctBase(k msgs.CtKey) protoBase {
	switch k {
	case msgs.CtSrc, msgs.CtDst, msgs.CtProtocol:
		return baseNetwork
	case msgs.CtProtoSrc, msgs.CtProtoDst:
		return baseTransport
	case msgs.CtL3Protocol:
		return baseLL
	}
	return baseInvalid
}

var rtKeys = [...]keyInfo{
	msgs.RtClassid:  {"classid", TypeRealm, 32, HostEndian},
	msgs.RtNexthop4: {"ip nexthop", TypeIPAddr, 32, BigEndian},
	msgs.RtNexthop6: {"ip6 nexthop", TypeIP6Addr, 128, BigEndian},
	msgs.RtTCPMSS:   {"mtu", TypeInteger, 16, HostEndian},
	msgs.RtXfrm:     {"ipsec", TypeBoolean, 8, HostEndian},
}

func rtLen(k msgs.RtKey) uint32 {
	if int(k) < len(rtKeys) {
		return uint32(rtKeys[k].len)
	}
	return 0
}

var socketKeys = [...]keyInfo{
	msgs.SocketTransparent: {"transparent", TypeInteger, 8, HostEndian},
	msgs.SocketMark:        {"mark", TypeMark, 32, HostEndian},
	msgs.SocketWildcard:    {"wildcard", TypeInteger, 8, HostEndian},
	msgs.SocketCgroupv2:    {"cgroupv2", TypeCgroupV2, 64, HostEndian},
}

func socketLen(k msgs.SocketKey) uint32 {
	if int(k) < len(socketKeys) {
		return uint32(socketKeys[k].len)
	}
	return 0
}

var xfrmKeys = [...]keyInfo{
	msgs.XfrmDaddrIP4: {"ip daddr", TypeIPAddr, 32, BigEndian},
	msgs.XfrmSaddrIP4: {"ip saddr", TypeIPAddr, 32, BigEndian},
	msgs.XfrmDaddrIP6: {"ip6 daddr", TypeIP6Addr, 128, BigEndian},
	msgs.XfrmSaddrIP6: {"ip6 saddr", TypeIP6Addr, 128, BigEndian},
	msgs.XfrmReqid:    {"reqid", TypeInteger, 32, HostEndian},
	msgs.XfrmSPI:      {"spi", TypeInteger, 32, BigEndian},
}

func xfrmLen(k msgs.XfrmKey) uint32 {
	if int(k) < len(xfrmKeys) {
		return uint32(xfrmKeys[k].len)
	}
	return 0
}

// fibLen returns the length of a fib result (fib_expr_alloc).
func fibLen(r msgs.FibResult) uint32 {
	switch r {
	case msgs.FibResultOif, msgs.FibResultAddrtype:
		return 32
	case msgs.FibResultOifname:
		return ifnameLen * 8
	}
	return 0
}

// fibType returns the data type of a fib result.
func fibType(r msgs.FibResult, f msgs.FibFlags) Type {
	if f&msgs.FibPresent != 0 {
		return TypeBoolean
	}
	switch r {
	case msgs.FibResultOif:
		return TypeIfIndex
	case msgs.FibResultOifname:
		return TypeString
	}
	return TypeFIBAddr
}
