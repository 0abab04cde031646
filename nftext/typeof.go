package nftext

import "strconv"

// A set declared `typeof ip saddr . tcp dport` keeps the expressions in its
// user data (NFTNL_UDATA_SET_KEY_TYPEOF, NFTNL_UDATA_SET_DATA_TYPEOF), each
// as nft's expression type and that expression's own TLVs. This file turns
// them back into nft's words and into the fields the values need: type,
// byte order, length.

// nft's expression types that a typeof can hold (enum expr_types,
// include/expression.h).
const (
	exprVerdict = 1  // EXPR_VERDICT
	exprPayload = 7  // EXPR_PAYLOAD
	exprMeta    = 9  // EXPR_META
	exprSocket  = 10 // EXPR_SOCKET
	exprOsf     = 11 // EXPR_OSF
	exprCt      = 12 // EXPR_CT
	exprConcat  = 13 // EXPR_CONCAT
	exprNumgen  = 23 // EXPR_NUMGEN
	exprRt      = 25 // EXPR_RT
	exprFib     = 26 // EXPR_FIB
)

// The TLVs of each expression (the NFTNL_UDATA_* defines of src/payload.c,
// src/meta.c, src/ct.c, src/expression.c).
const (
	udataPayloadDesc   = 0 // NFTNL_UDATA_SET_KEY_PAYLOAD_DESC: enum proto_desc_id
	udataPayloadType   = 1 // NFTNL_UDATA_SET_KEY_PAYLOAD_TYPE: the template's index
	udataPayloadBase   = 2 // NFTNL_UDATA_SET_KEY_PAYLOAD_BASE: a raw payload's enum proto_bases
	udataPayloadOffset = 3 // NFTNL_UDATA_SET_KEY_PAYLOAD_OFFSET: a raw payload's, in bits
	udataPayloadLen    = 4 // NFTNL_UDATA_SET_KEY_PAYLOAD_LEN: in bits, for integer fields
	udataMetaKey       = 0 // NFTNL_UDATA_META_KEY
	udataCtKey         = 0 // NFTNL_UDATA_CT_KEY
	udataCtDir         = 1 // NFTNL_UDATA_CT_DIR
	udataConcatSubType = 0 // NFTNL_UDATA_SET_KEY_CONCAT_SUB_TYPE
	udataConcatSubData = 1 // NFTNL_UDATA_SET_KEY_CONCAT_SUB_DATA
	udataSocketKey     = 0 // NFTNL_UDATA_SOCKET_KEY
	udataNumgenType    = 0 // NFTNL_UDATA_NUMGEN_TYPE
	udataNumgenMod     = 1 // NFTNL_UDATA_NUMGEN_MOD
	udataNumgenOffset  = 2 // NFTNL_UDATA_NUMGEN_OFFSET
	udataRtKey         = 0 // NFTNL_UDATA_RT_KEY
	udataFibResult     = 0 // NFTNL_UDATA_FIB_RESULT
	udataFibFlags      = 1 // NFTNL_UDATA_FIB_FLAGS
)

// socketTemplates are nft's socket keys (socket_templates, src/socket.c),
// indexed by enum nft_socket_keys; cgroupv2 needs its level, which typeof
// does not keep.
var socketTemplates = [...]template{
	0: {"transparent", TypeInteger, HostEndian, 1},
	1: {"mark", TypeMark, HostEndian, 0},
	2: {"wildcard", TypeInteger, HostEndian, 1},
}

// rtTemplates are nft's routing keys (rt_templates, src/rt.c), indexed by
// enum nft_rt_keys.
var rtTemplates = [...]template{
	0: {"classid", TypeRealm, HostEndian, 0},
	1: {"ip nexthop", TypeIPAddr, BigEndian, 0},
	2: {"ip6 nexthop", TypeIP6Addr, BigEndian, 0},
	3: {"mtu", TypeInteger, HostEndian, 2},
	4: {"ipsec", TypeBoolean, HostEndian, 0},
}

// The fib flags and results (enum nft_fib_flags, nft_fib_result).
var (
	fibFlagNames = [...]string{"saddr", "daddr", "mark", "iif", "oif"} // NFTA_FIB_F_SADDR... by bit
	fibResults   = [...]template{
		1: {"oif", TypeIfIndex, HostEndian, 0},     // NFT_FIB_RESULT_OIF
		2: {"oifname", TypeString, HostEndian, 16}, // NFT_FIB_RESULT_OIFNAME
		3: {"type", TypeFIBAddr, HostEndian, 0},    // NFT_FIB_RESULT_ADDRTYPE
	}
)

// fibFlagPresent is NFTA_FIB_F_PRESENT, which nft does not print.
const fibFlagPresent = 1 << 5

// Field is one field of a set's key or data: its type, the byte order of
// its bytes, and its length in bytes (unpadded).
type Field struct {
	Type  Type
	Order ByteOrder
	Len   int
	// Hex: the field is a raw payload (`typeof @nh,16,16`), an integer
	// nft prints in hex (xinteger_type).
	Hex bool
}

// template is one named field of an expression nft can name in a typeof.
type template struct {
	name  string
	typ   Type
	order ByteOrder
	len   int // bytes; 0: the type's size, or the user data's length
}

// protoTemplates are the header fields of nft's protocol descriptions
// (src/proto.c), indexed by enum proto_desc_id and then by the template's
// index, for the typeof declarations that name them.
var protoTemplates = [...]struct {
	name   string
	fields []string
	types  []Type
}{
	1:  {"ah", []string{"", "nexthdr", "hdrlength", "reserved", "spi", "sequence"}, []Type{0, TypeInetProto, TypeInteger, TypeInteger, TypeInteger, TypeInteger}},
	2:  {"esp", []string{"", "spi", "sequence"}, []Type{0, TypeInteger, TypeInteger}},
	3:  {"comp", []string{"", "nexthdr", "flags", "cpi"}, []Type{0, TypeInetProto, TypeBitmask, TypeInteger}},
	4:  {"icmp", []string{"", "type", "code", "checksum", "id", "sequence", "gateway", "mtu"}, []Type{0, TypeICMPType, TypeICMPCode, TypeInteger, TypeInteger, TypeInteger, TypeInteger, TypeInteger}},
	5:  {"igmp", []string{"", "type", "mrt", "checksum", "group"}, []Type{0, TypeIGMPType, TypeInteger, TypeInteger, TypeInteger}},
	6:  {"udp", []string{"", "sport", "dport", "length", "checksum"}, []Type{0, TypeInetService, TypeInetService, TypeInteger, TypeInteger}},
	7:  {"udplite", []string{"", "sport", "dport", "csumcov", "checksum"}, []Type{0, TypeInetService, TypeInetService, TypeInteger, TypeInteger}},
	8:  {"tcp", []string{"", "sport", "dport", "sequence", "ackseq", "doff", "reserved", "flags", "window", "checksum", "urgptr"}, []Type{0, TypeInetService, TypeInetService, TypeInteger, TypeInteger, TypeInteger, TypeInteger, TypeTCPFlag, TypeInteger, TypeInteger, TypeInteger}},
	9:  {"dccp", []string{"", "sport", "dport", "type"}, []Type{0, TypeInetService, TypeInetService, TypeDCCPPktType}},
	10: {"sctp", []string{"", "sport", "dport", "vtag", "checksum"}, []Type{0, TypeInetService, TypeInetService, TypeInteger, TypeInteger}},
	11: {"th", []string{"", "sport", "dport"}, []Type{0, TypeInetService, TypeInetService}},
	12: {"ip", []string{"", "version", "hdrlength", "dscp", "ecn", "length", "id", "frag-off", "ttl", "protocol", "checksum", "saddr", "daddr"}, []Type{0, TypeInteger, TypeInteger, TypeDSCP, TypeECN, TypeInteger, TypeInteger, TypeInteger, TypeInteger, TypeInetProto, TypeInteger, TypeIPAddr, TypeIPAddr}},
	13: {"ip6", []string{"", "version", "dscp", "ecn", "flowlabel", "length", "nexthdr", "hoplimit", "saddr", "daddr"}, []Type{0, TypeInteger, TypeDSCP, TypeECN, TypeInteger, TypeInteger, TypeInetProto, TypeInteger, TypeIP6Addr, TypeIP6Addr}},
	14: {"icmpv6", []string{"", "type", "code", "checksum", "parameter-problem", "mtu", "id", "sequence", "max-delay"}, []Type{0, TypeICMP6Type, TypeICMPv6Code, TypeInteger, TypeInteger, TypeInteger, TypeInteger, TypeInteger, TypeInteger}},
	15: {"arp", []string{"", "htype", "ptype", "hlen", "plen", "operation", "saddr ether", "saddr ip", "daddr ether", "daddr ip"}, []Type{0, TypeInteger, TypeEtherType, TypeInteger, TypeInteger, TypeARPOp, TypeEtherAddr, TypeIPAddr, TypeEtherAddr, TypeIPAddr}},
	16: {"vlan", []string{"", "pcp", "dei", "cfi", "id", "type"}, []Type{0, TypeInteger, TypeInteger, TypeInteger, TypeInteger, TypeEtherType}},
	17: {"ether", []string{"", "daddr", "saddr", "type"}, []Type{0, TypeEtherAddr, TypeEtherAddr, TypeEtherType}},
}

// metaTemplates are nft's meta keys (meta_templates, src/meta.c), indexed
// by enum nft_meta_keys. The unqualified ones (iifname, oif...) print
// without "meta ".
var metaTemplates = [...]template{
	0:  {"length", TypeInteger, HostEndian, 4},
	1:  {"protocol", TypeEtherType, BigEndian, 0},
	2:  {"priority", TypeClassID, HostEndian, 0},
	3:  {"mark", TypeMark, HostEndian, 0},
	4:  {"iif", TypeIfIndex, HostEndian, 0},
	5:  {"oif", TypeIfIndex, HostEndian, 0},
	6:  {"iifname", TypeIfName, HostEndian, 0},
	7:  {"oifname", TypeIfName, HostEndian, 0},
	8:  {"iiftype", TypeARPHRD, HostEndian, 0},
	9:  {"oiftype", TypeARPHRD, HostEndian, 0},
	10: {"skuid", TypeUID, HostEndian, 0},
	11: {"skgid", TypeGID, HostEndian, 0},
	12: {"nftrace", TypeInteger, HostEndian, 1},
	13: {"rtclassid", TypeRealm, HostEndian, 0},
	14: {"secmark", TypeInteger, HostEndian, 4},
	15: {"nfproto", TypeNFProto, HostEndian, 0},
	16: {"l4proto", TypeInetProto, HostEndian, 0},
	17: {"ibrname", TypeIfName, HostEndian, 0},
	18: {"obrname", TypeIfName, HostEndian, 0},
	19: {"pkttype", TypePktType, HostEndian, 0},
	20: {"cpu", TypeInteger, HostEndian, 4},
	21: {"iifgroup", TypeDevGroup, HostEndian, 0},
	22: {"oifgroup", TypeDevGroup, HostEndian, 0},
	23: {"cgroup", TypeInteger, HostEndian, 4},
	24: {"random", TypeInteger, BigEndian, 4},
	25: {"ipsec", TypeBoolean, HostEndian, 0},
	26: {"iifkind", TypeIfName, HostEndian, 0},
	27: {"oifkind", TypeIfName, HostEndian, 0},
	28: {"ibrpvid", TypeInteger, HostEndian, 2},
	29: {"ibrvproto", TypeEtherType, BigEndian, 0},
	30: {"time", TypeTimeDate, HostEndian, 0},
	31: {"day", TypeTimeDay, HostEndian, 0},
	32: {"hour", TypeTimeHour, HostEndian, 0},
	33: {"sdif", TypeIfIndex, HostEndian, 0},
	34: {"sdifname", TypeIfName, HostEndian, 0},
}

// metaUnqualified reports whether nft prints a meta key without "meta "
// (meta_key_is_unqualified).
func metaUnqualified(key uint32) bool {
	switch key {
	case 4, 5, 6, 7, 21, 22: // NFT_META_IIF, OIF, IIFNAME, OIFNAME, IIFGROUP, OIFGROUP
		return true
	}
	return false
}

// ctTemplates are nft's conntrack keys (ct_templates, src/ct.c), indexed by
// enum nft_ct_keys.
var ctTemplates = [...]template{
	0:  {"state", TypeCtState, HostEndian, 0},
	1:  {"direction", TypeCtDir, HostEndian, 0},
	2:  {"status", TypeCtStatus, HostEndian, 0},
	3:  {"mark", TypeMark, HostEndian, 0},
	4:  {"secmark", TypeInteger, HostEndian, 4},
	5:  {"expiration", TypeTime, HostEndian, 0},
	6:  {"helper", TypeString, HostEndian, 16},
	7:  {"l3proto", TypeNFProto, HostEndian, 0},
	10: {"protocol", TypeInetProto, BigEndian, 0},
	11: {"proto-src", TypeInetService, BigEndian, 0},
	12: {"proto-dst", TypeInetService, BigEndian, 0},
	13: {"label", TypeCtLabel, HostEndian, 0},
	14: {"packets", TypeInteger, HostEndian, 8},
	15: {"bytes", TypeInteger, HostEndian, 8},
	16: {"avgpkt", TypeInteger, HostEndian, 8},
	17: {"zone", TypeInteger, HostEndian, 2},
	18: {"event", TypeCtEventBit, HostEndian, 0},
	19: {"ip saddr", TypeIPAddr, BigEndian, 0},
	20: {"ip daddr", TypeIPAddr, BigEndian, 0},
	21: {"ip6 saddr", TypeIP6Addr, BigEndian, 0},
	22: {"ip6 daddr", TypeIP6Addr, BigEndian, 0},
	23: {"id", TypeInteger, BigEndian, 4},
}

// typeofFields holds what a typeof declaration says.
type typeofFields struct {
	n      int
	fields [maxFields]Field
}

// parseTypeof reads a typeof TLV (the value of NFTNL_UDATA_SET_KEY_TYPEOF
// or _DATA_TYPEOF): it appends the expression's text to text and fills f.
// ok is false for an expression this package cannot name; nft then prints
// `type` instead, and so does the caller.
func parseTypeof(text []byte, f *typeofFields, v []byte) ([]byte, bool) {
	etype, data, ok := typeofExpr(v)
	if !ok {
		return text, false
	}
	f.n = 0
	if etype != exprConcat {
		return typeofOne(text, f, etype, data)
	}
	u := udata{b: data}
	for u.next() {
		if u.typ >= maxFields || f.n == maxFields {
			return text, false
		}
		sub, subData, ok := typeofExpr(u.val)
		if !ok || sub == exprConcat {
			return text, false
		}
		if f.n > 0 {
			text = append(text, " . "...)
		}
		if text, ok = typeofOne(text, f, sub, subData); !ok {
			return text, false
		}
	}
	return text, f.n > 0
}

// typeofExpr returns the expression type and data of a typeof TLV list.
func typeofExpr(v []byte) (etype uint32, data []byte, ok bool) {
	t, okT := udataFind(v, udataTypeofExpr)
	d, okD := udataFind(v, udataTypeofData)
	if !okT || !okD {
		return 0, nil, false
	}
	etype, ok = udataU32(t)
	return etype, d, ok
}

// typeofOne appends one expression's text and field.
func typeofOne(text []byte, f *typeofFields, etype uint32, data []byte) ([]byte, bool) {
	var fl Field
	switch etype {
	case exprPayload:
		desc, ok1 := udataU32Find(data, udataPayloadDesc)
		idx, ok2 := udataU32Find(data, udataPayloadType)
		if ok1 && desc == 0 {
			return typeofRawPayload(text, f, data)
		}
		if !ok1 || !ok2 || desc >= uint32(len(protoTemplates)) || idx == 0 || idx >= uint32(len(protoTemplates[desc].fields)) {
			return text, false
		}
		p := &protoTemplates[desc]
		text = append(append(append(text, p.name...), ' '), p.fields[idx]...)
		fl = Field{Type: p.types[idx], Order: BigEndian, Len: p.types[idx].Size()}
		if bits, ok := udataU32Find(data, udataPayloadLen); ok {
			fl.Len = int(bits+7) / 8
		}
	case exprMeta:
		key, ok := udataU32Find(data, udataMetaKey)
		if !ok || key >= uint32(len(metaTemplates)) {
			return text, false
		}
		if !metaUnqualified(key) {
			text = append(text, "meta "...)
		}
		t := &metaTemplates[key]
		text = append(text, t.name...)
		fl = t.field()
	case exprCt:
		key, ok1 := udataU32Find(data, udataCtKey)
		dir, ok2 := udataU32Find(data, udataCtDir)
		if !ok1 || !ok2 || key >= uint32(len(ctTemplates)) || ctTemplates[key].name == "" {
			return text, false
		}
		text = append(text, "ct "...)
		switch int8(dir) {
		case 0:
			text = append(text, "original "...)
		case 1:
			text = append(text, "reply "...)
		}
		t := &ctTemplates[key]
		text = append(text, t.name...)
		fl = t.field()
	case exprSocket:
		key, ok := udataU32Find(data, udataSocketKey)
		if !ok || key >= uint32(len(socketTemplates)) {
			return text, false
		}
		t := &socketTemplates[key]
		text = append(append(text, "socket "...), t.name...)
		fl = t.field()
	case exprOsf:
		text = append(text, "osf name"...)
		fl = Field{Type: TypeString, Order: HostEndian, Len: 16} // NFT_OSF_MAXGENRELEN
	case exprNumgen:
		typ, ok1 := udataU32Find(data, udataNumgenType)
		mod, ok2 := udataU32Find(data, udataNumgenMod)
		off, _ := udataU32Find(data, udataNumgenOffset)
		if !ok1 || !ok2 || typ > 1 {
			return text, false
		}
		text = append(text, "numgen "...)
		text = append(text, [...]string{"inc", "random"}[typ]...)
		text = strconv.AppendUint(append(text, " mod "...), uint64(mod), 10)
		if off != 0 {
			text = strconv.AppendUint(append(text, " offset "...), uint64(off), 10)
		}
		fl = Field{Type: TypeInteger, Order: HostEndian, Len: 4}
	case exprRt:
		key, ok := udataU32Find(data, udataRtKey)
		if !ok || key >= uint32(len(rtTemplates)) {
			return text, false
		}
		t := &rtTemplates[key]
		text = append(append(text, "rt "...), t.name...)
		fl = t.field()
	case exprFib:
		res, ok1 := udataU32Find(data, udataFibResult)
		flags, ok2 := udataU32Find(data, udataFibFlags)
		if !ok1 || !ok2 || res == 0 || res >= uint32(len(fibResults)) {
			return text, false
		}
		text = append(text, "fib "...)
		flags &^= fibFlagPresent
		for i, name := range fibFlagNames {
			if flags&(1<<i) == 0 {
				continue
			}
			text = append(text, name...)
			if flags &^= 1 << i; flags != 0 {
				text = append(text, " . "...)
			}
		}
		if flags != 0 {
			text = strconv.AppendUint(append(text, "0x"...), uint64(flags), 16)
		}
		t := &fibResults[res]
		text = append(append(text, ' '), t.name...)
		fl = t.field()
	case exprVerdict:
		text = append(text, "verdict"...)
		fl = Field{Type: TypeVerdict, Order: HostEndian, Len: 4}
	default:
		return text, false
	}
	if fl.Len == 0 {
		return text, false
	}
	f.fields[f.n] = fl
	f.n++
	return text, true
}

// protoBases are the names nft gives payload bases in a raw payload
// expression (proto_base_tokens, src/proto.c).
var protoBases = [...]string{"invalid", "ll", "nh", "th", "ih"}

// typeofRawPayload appends a raw payload expression, `@nh,16,16`, and its
// field: an integer nft prints in hex.
func typeofRawPayload(text []byte, f *typeofFields, data []byte) ([]byte, bool) {
	base, ok1 := udataU32Find(data, udataPayloadBase)
	off, ok2 := udataU32Find(data, udataPayloadOffset)
	bits, ok3 := udataU32Find(data, udataPayloadLen)
	if !ok1 || !ok2 || !ok3 || base >= uint32(len(protoBases)) || bits == 0 || bits > 8*maxValueLen {
		return text, false
	}
	text = append(append(text, '@'), protoBases[base]...)
	text = strconv.AppendUint(append(text, ','), uint64(off), 10)
	text = strconv.AppendUint(append(text, ','), uint64(bits), 10)
	f.fields[f.n] = Field{Type: TypeInteger, Order: BigEndian, Len: int(bits+7) / 8, Hex: true}
	f.n++
	return text, true
}

// field returns a template's field.
func (t *template) field() Field {
	l := t.len
	if l == 0 {
		l = t.typ.Size()
	}
	return Field{Type: t.typ, Order: t.order, Len: l}
}

// udataU32Find returns the u32 value of the first TLV of type typ.
func udataU32Find(b []byte, typ uint8) (uint32, bool) {
	v, ok := udataFind(b, typ)
	if !ok {
		return 0, false
	}
	return udataU32(v)
}
