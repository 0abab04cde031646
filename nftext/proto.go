package nftext

import "golang.org/x/sys/unix"

// The protocol header templates nft knows (nftables src/proto.c): which
// field of which header a payload expression loads, found by its base,
// offset and length, given what earlier matches of the rule said the
// packet's protocols are.

// protoBase is where a payload offset counts from (enum proto_bases).
type protoBase uint8

const (
	baseInvalid   protoBase = iota // PROTO_BASE_INVALID
	baseLL                         // PROTO_BASE_LL_HDR
	baseNetwork                    // PROTO_BASE_NETWORK_HDR
	baseTransport                  // PROTO_BASE_TRANSPORT_HDR
	baseInner                      // PROTO_BASE_INNER_HDR
	baseCount
)

// baseTokens are the raw payload spellings of the bases (`@nh,16,8`).
var baseTokens = [baseCount]string{"invalid", "ll", "nh", "th", "ih"}

// protoID names one protocol description.
type protoID uint8

const (
	protoNone protoID = iota
	protoUnknown
	protoAH
	protoESP
	protoComp
	protoICMP
	protoIGMP
	protoUDP
	protoUDPLite
	protoTCP
	protoDCCP
	protoSCTP
	protoTH
	protoIP
	protoIP6
	protoICMP6
	protoARP
	protoVLAN
	protoEther
	protoInet        // the inet family's dummy link layer: meta nfproto
	protoInetService // the transport protocols of both ip and ip6: meta l4proto
	protoNetdev      // the netdev family's dummy link layer: meta protocol
	protoCount
)

// icmpDep is the ICMP type a field of the ICMP header depends on
// (enum icmp_hdr_field_type).
type icmpDep uint8

const (
	icmpAny     icmpDep = iota // PROTO_ICMP_ANY
	icmpEcho                   // PROTO_ICMP_ECHO
	icmpMTU                    // PROTO_ICMP_MTU
	icmpAddress                // PROTO_ICMP_ADDRESS
	icmp6Echo                  // PROTO_ICMP6_ECHO
	icmp6MTU                   // PROTO_ICMP6_MTU
	icmp6MGMQ                  // PROTO_ICMP6_MGMQ
	icmp6PPtr                  // PROTO_ICMP6_PPTR
	icmpDepNone                // not an ICMP field
)

// ICMP and ICMPv6 types the dependent fields need (linux/icmp.h,
// linux/icmpv6.h).
const (
	icmpEchoReply      = 0   // ICMP_ECHOREPLY
	icmpDestUnreach    = 3   // ICMP_DEST_UNREACH
	icmpRedirect       = 5   // ICMP_REDIRECT
	icmpEchoRequest    = 8   // ICMP_ECHO
	icmp6PacketTooBig  = 2   // ICMPV6_PKT_TOOBIG
	icmp6ParamProb     = 4   // ICMPV6_PARAMPROB
	icmp6EchoRequest   = 128 // ICMPV6_ECHO_REQUEST
	icmp6EchoReply     = 129 // ICMPV6_ECHO_REPLY
	icmp6ListenerQuery = 130 // ICMPV6_MGM_QUERY
)

// icmpType returns the ICMP type a dependent field implies
// (icmp_dep_to_type).
func (d icmpDep) icmpType() uint8 {
	switch d {
	case icmpEcho:
		return icmpEchoRequest
	case icmp6Echo:
		return icmp6EchoRequest
	case icmpMTU:
		return icmpDestUnreach
	case icmpAddress:
		return icmpRedirect
	case icmp6MTU:
		return icmp6PacketTooBig
	case icmp6MGMQ:
		return icmp6ListenerQuery
	case icmp6PPtr:
		return icmp6ParamProb
	}
	return 0
}

// tmpl is one header field (struct proto_hdr_template). Offsets and lengths
// are in bits; a template with metaKey is the meta expression that stands
// for the protocol's key in a mixed family (never matched by offset).
type tmpl struct {
	name    string
	typ     Type
	offset  uint16
	len     uint16
	icmp    icmpDep
	metaKey bool
}

// protoLink says which protocol a key value of the lower layer leads to.
type protoLink struct {
	num uint16
	id  protoID
}

// protoDesc is one protocol (struct proto_desc).
type protoDesc struct {
	name     string
	base     protoBase
	key      int8 // the template of the upper protocol's number, or -1
	length   uint16
	links    []protoLink
	tmpls    []tmpl
	checksum int8 // the checksum field's template, or -1
}

// isProtocol reports whether template i of p names the next protocol
// (proto_key_is_protocol).
func (p *protoDesc) isProtocol(i int) bool {
	return i == int(p.key) ||
		(p == &protos[protoIP6] && i == ip6NexthdrField) ||
		(p == &protos[protoIP] && i == ipProtocolField)
}

// upper returns the protocol that number num of p leads to
// (proto_find_upper), or protoNone.
func (p *protoDesc) upper(num uint16) protoID {
	for _, l := range p.links {
		if l.num == num {
			return l.id
		}
	}
	return protoNone
}

func field(name string, t Type, byteOff, bytes uint16) tmpl {
	return tmpl{name: name, typ: t, offset: byteOff * 8, len: bytes * 8, icmp: icmpDepNone}
}

func bitfield(name string, t Type, off, n uint16) tmpl {
	return tmpl{name: name, typ: t, offset: off, len: n, icmp: icmpDepNone}
}

func icmpField(name string, byteOff, bytes uint16, dep icmpDep) tmpl {
	return tmpl{name: name, typ: TypeInteger, offset: byteOff * 8, len: bytes * 8, icmp: dep}
}

func metaTmpl(name string, t Type, n uint16) tmpl {
	return tmpl{name: name, typ: t, len: n, metaKey: true, icmp: icmpDepNone}
}

// The network protocol numbers the link layers use (linux/if_ether.h), big
// endian as they sit in the packet and in the links below.
const (
	ethPIP     = 0x0800 // ETH_P_IP
	ethPARP    = 0x0806 // ETH_P_ARP
	ethPIPv6   = 0x86dd // ETH_P_IPV6
	ethP8021Q  = 0x8100 // ETH_P_8021Q
	ethP8021AD = 0x88a8 // ETH_P_8021AD
)

// Template indexes that the dependency logic names.
const (
	ipProtocolField = 9 // IPHDR_PROTOCOL
	ip6NexthdrField = 6 // IP6HDR_NEXTHDR
	etherTypeField  = 3 // ETHHDR_TYPE
)

var transportLinks = []protoLink{
	{unix.IPPROTO_ESP, protoESP}, {unix.IPPROTO_AH, protoAH}, {unix.IPPROTO_COMP, protoComp},
	{unix.IPPROTO_UDP, protoUDP}, {unix.IPPROTO_UDPLITE, protoUDPLite}, {unix.IPPROTO_TCP, protoTCP},
	{unix.IPPROTO_DCCP, protoDCCP}, {unix.IPPROTO_SCTP, protoSCTP},
}

var allTransportLinks = append(transportLinks[:len(transportLinks):len(transportLinks)],
	protoLink{unix.IPPROTO_ICMP, protoICMP}, protoLink{unix.IPPROTO_IGMP, protoIGMP},
	protoLink{unix.IPPROTO_ICMPV6, protoICMP6})

var l2Links = []protoLink{
	{ethPIP, protoIP}, {ethPARP, protoARP}, {ethPIPv6, protoIP6},
	{ethP8021Q, protoVLAN}, {ethP8021AD, protoVLAN},
}

// protos holds every protocol description, by protoID.
var protos = [protoCount]protoDesc{
	protoNone:    {name: "none", key: -1, checksum: -1},
	protoUnknown: {name: "unknown", key: -1, checksum: -1},
	protoAH: {name: "ah", base: baseTransport, key: 1, links: transportLinks, checksum: -1, tmpls: []tmpl{
		{}, field("nexthdr", TypeInetProto, 0, 1), field("hdrlength", TypeInteger, 1, 1),
		field("reserved", TypeInteger, 2, 2), field("spi", TypeInteger, 4, 4), field("sequence", TypeInteger, 8, 4),
	}},
	protoESP: {name: "esp", base: baseTransport, key: -1, checksum: -1, tmpls: []tmpl{
		{}, field("spi", TypeInteger, 0, 4), field("sequence", TypeInteger, 4, 4),
	}},
	protoComp: {name: "comp", base: baseTransport, key: 1, links: transportLinks, checksum: -1, tmpls: []tmpl{
		{}, field("nexthdr", TypeInetProto, 0, 1), field("flags", TypeBitmask, 1, 1), field("cpi", TypeInteger, 2, 2),
	}},
	protoICMP: {name: "icmp", base: baseTransport, key: 1, checksum: 3, tmpls: []tmpl{
		{}, field("type", TypeICMPType, 0, 1), field("code", TypeICMPCode, 1, 1),
		icmpField("checksum", 2, 2, icmpAny), icmpField("id", 4, 2, icmpEcho), icmpField("sequence", 6, 2, icmpEcho),
		icmpField("gateway", 4, 4, icmpAddress), icmpField("mtu", 6, 2, icmpMTU),
	}},
	protoIGMP: {name: "igmp", base: baseTransport, key: -1, checksum: 2, tmpls: []tmpl{
		{}, field("type", TypeIGMPType, 0, 1), field("checksum", TypeInteger, 2, 2),
		field("mrt", TypeInteger, 1, 1), field("group", TypeInteger, 4, 4),
	}},
	protoUDP: {name: "udp", base: baseTransport, key: -1, checksum: 4, tmpls: []tmpl{
		{}, field("sport", TypeInetService, 0, 2), field("dport", TypeInetService, 2, 2),
		field("length", TypeInteger, 4, 2), field("checksum", TypeInteger, 6, 2),
	}},
	protoUDPLite: {name: "udplite", base: baseTransport, key: -1, checksum: -1, tmpls: []tmpl{
		{}, field("sport", TypeInetService, 0, 2), field("dport", TypeInetService, 2, 2),
		field("csumcov", TypeInteger, 4, 2), field("checksum", TypeInteger, 6, 2),
	}},
	protoTCP: {name: "tcp", base: baseTransport, key: -1, checksum: 9, tmpls: []tmpl{
		{}, field("sport", TypeInetService, 0, 2), field("dport", TypeInetService, 2, 2),
		field("sequence", TypeInteger, 4, 4), field("ackseq", TypeInteger, 8, 4),
		bitfield("doff", TypeInteger, 96, 4), bitfield("reserved", TypeInteger, 100, 4),
		bitfield("flags", TypeTCPFlag, 104, 8), field("window", TypeInteger, 14, 2),
		field("checksum", TypeInteger, 16, 2), field("urgptr", TypeInteger, 18, 2),
	}},
	protoDCCP: {name: "dccp", base: baseTransport, key: -1, checksum: -1, tmpls: []tmpl{
		{}, field("sport", TypeInetService, 0, 2), field("dport", TypeInetService, 2, 2),
		bitfield("type", TypeDCCPPktType, 67, 4),
	}},
	protoSCTP: {name: "sctp", base: baseTransport, key: -1, checksum: 4, tmpls: []tmpl{
		{}, field("sport", TypeInetService, 0, 2), field("dport", TypeInetService, 2, 2),
		field("vtag", TypeInteger, 4, 4), field("checksum", TypeInteger, 8, 4),
	}},
	protoTH: {name: "th", base: baseTransport, key: -1, checksum: -1, tmpls: []tmpl{
		{}, field("sport", TypeInetService, 0, 2), field("dport", TypeInetService, 2, 2),
	}},
	protoIP: {name: "ip", base: baseNetwork, key: -1, links: allTransportLinks, checksum: 10, tmpls: []tmpl{
		metaTmpl("l4proto", TypeInetProto, 8),
		bitfield("version", TypeInteger, 0, 4), bitfield("hdrlength", TypeInteger, 4, 4),
		bitfield("dscp", TypeDSCP, 8, 6), bitfield("ecn", TypeECN, 14, 2),
		field("length", TypeInteger, 2, 2), field("id", TypeInteger, 4, 2),
		field("frag-off", TypeInteger, 6, 2), field("ttl", TypeInteger, 8, 1),
		field("protocol", TypeInetProto, 9, 1), field("checksum", TypeInteger, 10, 2),
		field("saddr", TypeIPAddr, 12, 4), field("daddr", TypeIPAddr, 16, 4),
	}},
	protoIP6: {name: "ip6", base: baseNetwork, key: -1, links: allTransportLinks, checksum: -1, tmpls: []tmpl{
		metaTmpl("l4proto", TypeInetProto, 8),
		bitfield("version", TypeInteger, 0, 4), bitfield("dscp", TypeDSCP, 4, 6),
		bitfield("ecn", TypeECN, 10, 2), bitfield("flowlabel", TypeInteger, 12, 20),
		field("length", TypeInteger, 4, 2), field("nexthdr", TypeInetProto, 6, 1),
		field("hoplimit", TypeInteger, 7, 1), field("saddr", TypeIP6Addr, 8, 16),
		field("daddr", TypeIP6Addr, 24, 16),
	}},
	protoICMP6: {name: "icmpv6", base: baseTransport, key: 1, checksum: 3, tmpls: []tmpl{
		{}, field("type", TypeICMP6Type, 0, 1), field("code", TypeICMPv6Code, 1, 1),
		icmpField("checksum", 2, 2, icmpAny), icmpField("parameter-problem", 4, 4, icmp6PPtr),
		icmpField("mtu", 4, 4, icmp6MTU), icmpField("id", 4, 2, icmp6Echo),
		icmpField("sequence", 6, 2, icmp6Echo), icmpField("max-delay", 4, 2, icmp6MGMQ),
	}},
	protoARP: {name: "arp", base: baseNetwork, key: -1, checksum: -1, tmpls: []tmpl{
		{}, field("htype", TypeInteger, 0, 2), field("ptype", TypeEtherType, 2, 2),
		field("hlen", TypeInteger, 4, 1), field("plen", TypeInteger, 5, 1),
		field("operation", TypeARPOp, 6, 2), field("saddr ether", TypeEtherAddr, 8, 6),
		field("saddr ip", TypeIPAddr, 14, 4), field("daddr ether", TypeEtherAddr, 18, 6),
		field("daddr ip", TypeIPAddr, 24, 4),
	}},
	protoVLAN: {name: "vlan", base: baseLL, key: 5, length: 4 * 8, links: l2Links, checksum: -1, tmpls: []tmpl{
		{}, bitfield("pcp", TypeInteger, 0, 3), bitfield("dei", TypeInteger, 3, 1), bitfield("cfi", TypeInteger, 3, 1),
		bitfield("id", TypeInteger, 4, 12), field("type", TypeEtherType, 2, 2),
	}},
	protoEther: {name: "ether", base: baseLL, key: etherTypeField, length: 14 * 8, links: l2Links, checksum: -1, tmpls: []tmpl{
		{}, field("daddr", TypeEtherAddr, 0, 6), field("saddr", TypeEtherAddr, 6, 6), field("type", TypeEtherType, 12, 2),
	}},
	protoInet: {name: "inet", base: baseLL, key: -1, checksum: -1,
		links: []protoLink{{unix.NFPROTO_IPV4, protoIP}, {unix.NFPROTO_IPV6, protoIP6}},
		tmpls: []tmpl{metaTmpl("nfproto", TypeNFProto, 8)}},
	protoInetService: {name: "inet-service", base: baseTransport, key: 0, links: allTransportLinks, checksum: -1,
		tmpls: []tmpl{metaTmpl("l4proto", TypeInetProto, 8)}},
	protoNetdev: {name: "netdev", base: baseLL, key: -1, links: l2Links, checksum: -1,
		tmpls: []tmpl{metaTmpl("protocol", TypeEtherType, 16)}},
}
