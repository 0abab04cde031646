package nftext

import (
	"strconv"
)

// Type is one of nft's data types (enum datatypes in nftables'
// include/datatype.h). A set's NFTA_SET_KEY_TYPE and NFTA_SET_DATA_TYPE hold
// one, or a concatenation of several packed TypeBits each, the first field
// in the highest bits (see Concat).
type Type uint32

// The data types of nft 1.0.6, in its order. The comment after each is the
// name nft prints in a set declaration (`type ipv4_addr`).
const (
	TypeInvalid     Type = iota // invalid
	TypeVerdict                 // verdict
	TypeNFProto                 // nf_proto
	TypeBitmask                 // bitmask
	TypeInteger                 // integer
	TypeString                  // string
	TypeLLAddr                  // ll_addr
	TypeIPAddr                  // ipv4_addr
	TypeIP6Addr                 // ipv6_addr
	TypeEtherAddr               // ether_addr
	TypeEtherType               // ether_type
	TypeARPOp                   // arp_op
	TypeInetProto               // inet_proto
	TypeInetService             // inet_service
	TypeICMPType                // icmp_type
	TypeTCPFlag                 // tcp_flag
	TypeDCCPPktType             // dccp_pkttype
	TypeMHType                  // mh_type
	TypeTime                    // time
	TypeMark                    // mark
	TypeIfIndex                 // iface_index
	TypeARPHRD                  // iface_type
	TypeRealm                   // realm
	TypeClassID                 // classid
	TypeUID                     // uid
	TypeGID                     // gid
	TypeCtState                 // ct_state
	TypeCtDir                   // ct_dir
	TypeCtStatus                // ct_status
	TypeICMP6Type               // icmpv6_type
	TypeCtLabel                 // ct_label
	TypePktType                 // pkt_type
	TypeICMPCode                // icmp_code
	TypeICMPv6Code              // icmpv6_code
	TypeICMPXCode               // icmpx_code
	TypeDevGroup                // devgroup
	TypeDSCP                    // dscp
	TypeECN                     // ecn
	TypeFIBAddr                 // fib_addrtype
	TypeBoolean                 // boolean
	TypeCtEventBit              // ct_event
	TypeIfName                  // ifname
	TypeIGMPType                // igmp_type
	TypeTimeDate                // time (a date: meta time)
	TypeTimeHour                // hour
	TypeTimeDay                 // day
	TypeCgroupV2                // cgroupsv2

	typeCount // __TYPE_MAX
)

// TypeBits is how many bits each field of a concatenated type takes
// (TYPE_BITS).
const TypeBits = 6

// typeMask masks one field of a concatenated type (TYPE_MASK).
const typeMask = 1<<TypeBits - 1

// dataVerdict is the data type the kernel gives a verdict map's values
// (NFT_DATA_VERDICT); nft maps it to TypeVerdict.
const dataVerdict = 0xffffff00

// FromKernel returns the Type a set's NFTA_SET_KEY_TYPE or
// NFTA_SET_DATA_TYPE names, mapping NFT_DATA_VERDICT to TypeVerdict as nft
// does (dtype_map_from_kernel).
func FromKernel(v uint32) Type {
	if v == dataVerdict {
		return TypeVerdict
	}
	return Type(v)
}

// ByteOrder is the byte order of a value's bytes.
type ByteOrder uint8

// The byte orders. nft records a set's in its user data
// (NFTNL_UDATA_SET_KEYBYTEORDER) with enum byteorder's numbering, which
// differs: convert with ByteOrderFromUserData.
const (
	ByteOrderInvalid ByteOrder = iota // not known: the type's own order applies
	BigEndian                         // network byte order
	HostEndian                        // the host's order (little endian on amd64 and arm64)
)

// nft's enum byteorder, as stored in set user data.
const (
	udataHostEndian = 1 // BYTEORDER_HOST_ENDIAN
	udataBigEndian  = 2 // BYTEORDER_BIG_ENDIAN
)

// ByteOrderFromUserData converts nft's enum byteorder, as a set's user data
// holds it (NFTNL_UDATA_SET_KEYBYTEORDER, NFTNL_UDATA_SET_DATABYTEORDER).
func ByteOrderFromUserData(v uint32) ByteOrder {
	switch v {
	case udataHostEndian:
		return HostEndian
	case udataBigEndian:
		return BigEndian
	}
	return ByteOrderInvalid
}

// String returns "big endian", "host endian" or "invalid".
func (o ByteOrder) String() string {
	switch o {
	case BigEndian:
		return "big endian"
	case HostEndian:
		return "host endian"
	}
	return "invalid"
}

// format says how a type's values print when no symbol matches.
type format uint8

const (
	fmtDecimal format = iota // integer_type_print with "%Zu"
	fmtHex                   // a basefmt "0x%.NZx" (width in typeInfo.hexWidth)
	fmtString                // string_type_print: quoted, up to the first NUL
	fmtLLAddr                // lladdr_type_print: hex bytes joined by colons
	fmtIPv4                  // ipaddr_type_print
	fmtIPv6                  // ip6addr_type_print
	fmtTime                  // time_type_print: 1d2h3m4s5ms
	fmtClassID               // tchandle_type_print: root, none, or major:minor in hex
	fmtDate                  // date_type_print: "YYYY-MM-DD hh:mm:ss" (UTC)
	fmtHour                  // hour_type_print: "hh:mm[:ss]" (UTC)
	fmtCtLabel               // ct_label_type_print: the lowest bit set
	fmtVerdict               // a verdict value (NF_ACCEPT...), 4 bytes host order
	fmtInvalid               // invalid_type_print
)

// typeInfo is what nft knows of one data type (struct datatype).
type typeInfo struct {
	name     string
	size     uint8     // bytes; 0: variable
	order    ByteOrder // the type's own byte order
	fmt      format
	hexWidth uint8 // digits of fmtHex; 0: as many as needed
	syms     []symbol
	quoted   bool // symbols print in double quotes (mark, devgroup, realm, day)
	bitmask  bool // a bitmask type: several bits print as "a | b"
	prefix   bool // ranges print as prefixes (DTYPE_F_PREFIX)
}

// types is nft 1.0.6's table of data types (src/datatype.c and the types of
// src/proto.c, src/meta.c, src/ct.c, src/fib.c, src/rt.c, src/exthdr.c).
var types = [typeCount]typeInfo{
	TypeInvalid:     {name: "invalid", fmt: fmtInvalid},
	TypeVerdict:     {name: "verdict", size: 4, order: HostEndian, fmt: fmtVerdict},
	TypeNFProto:     {name: "nf_proto", size: 1, syms: nfprotoSyms},
	TypeBitmask:     {name: "bitmask", fmt: fmtHex, bitmask: true},
	TypeInteger:     {name: "integer"},
	TypeString:      {name: "string", order: HostEndian, fmt: fmtString},
	TypeLLAddr:      {name: "ll_addr", order: BigEndian, fmt: fmtLLAddr},
	TypeIPAddr:      {name: "ipv4_addr", size: 4, order: BigEndian, fmt: fmtIPv4, prefix: true},
	TypeIP6Addr:     {name: "ipv6_addr", size: 16, order: BigEndian, fmt: fmtIPv6, prefix: true},
	TypeEtherAddr:   {name: "ether_addr", size: 6, order: BigEndian, fmt: fmtLLAddr},
	TypeEtherType:   {name: "ether_type", size: 2, order: BigEndian, fmt: fmtHex, hexWidth: 4, syms: etherTypeSyms},
	TypeARPOp:       {name: "arp_op", size: 2, order: BigEndian, syms: arpOpSyms},
	TypeInetProto:   {name: "inet_proto", size: 1, syms: inetProtoSyms},
	TypeInetService: {name: "inet_service", size: 2, order: BigEndian},
	TypeICMPType:    {name: "icmp_type", size: 1, order: BigEndian, syms: icmpTypeSyms},
	TypeTCPFlag:     {name: "tcp_flag", size: 1, order: BigEndian, fmt: fmtHex, syms: tcpFlagSyms, bitmask: true},
	TypeDCCPPktType: {name: "dccp_pkttype", size: 1, syms: dccpPktTypeSyms},
	TypeMHType:      {name: "mh_type", size: 1, order: BigEndian, syms: mhTypeSyms},
	TypeTime:        {name: "time", size: 4, order: HostEndian, fmt: fmtTime},
	TypeMark:        {name: "mark", size: 4, order: HostEndian, fmt: fmtHex, hexWidth: 8, quoted: true, prefix: true},
	TypeIfIndex:     {name: "iface_index", size: 4, order: HostEndian},
	TypeARPHRD:      {name: "iface_type", size: 2, order: HostEndian, syms: arphrdSyms},
	TypeRealm:       {name: "realm", size: 4, order: HostEndian, syms: realmSyms, quoted: true, prefix: true},
	TypeClassID:     {name: "classid", size: 4, order: HostEndian, fmt: fmtClassID},
	TypeUID:         {name: "uid", size: 4, order: HostEndian},
	TypeGID:         {name: "gid", size: 4, order: HostEndian},
	TypeCtState:     {name: "ct_state", size: 4, order: HostEndian, fmt: fmtHex, syms: ctStateSyms, bitmask: true},
	TypeCtDir:       {name: "ct_dir", size: 1, syms: ctDirSyms},
	TypeCtStatus:    {name: "ct_status", size: 4, order: HostEndian, fmt: fmtHex, syms: ctStatusSyms, bitmask: true},
	TypeICMP6Type:   {name: "icmpv6_type", size: 1, order: BigEndian, syms: icmp6TypeSyms},
	TypeCtLabel:     {name: "ct_label", size: 16, order: HostEndian, fmt: fmtCtLabel},
	TypePktType:     {name: "pkt_type", size: 1, order: HostEndian, syms: pktTypeSyms},
	TypeICMPCode:    {name: "icmp_code", size: 1, order: BigEndian, syms: icmpCodeSyms},
	TypeICMPv6Code:  {name: "icmpv6_code", size: 1, order: BigEndian, syms: icmpv6CodeSyms},
	TypeICMPXCode:   {name: "icmpx_code", size: 1, order: BigEndian, syms: icmpxCodeSyms},
	TypeDevGroup:    {name: "devgroup", size: 4, order: HostEndian, syms: devgroupSyms, quoted: true, prefix: true},
	TypeDSCP:        {name: "dscp", size: 1, order: BigEndian, fmt: fmtHex, hexWidth: 2, syms: dscpSyms},
	TypeECN:         {name: "ecn", size: 1, order: BigEndian, fmt: fmtHex, hexWidth: 1, syms: ecnSyms},
	TypeFIBAddr:     {name: "fib_addrtype", size: 4, order: HostEndian, syms: fibAddrSyms},
	TypeBoolean:     {name: "boolean", size: 1, syms: booleanSyms},
	TypeCtEventBit:  {name: "ct_event", size: 4, order: HostEndian, fmt: fmtHex, syms: ctEventSyms, bitmask: true},
	TypeIfName:      {name: "ifname", size: 16, order: HostEndian, fmt: fmtString},
	TypeIGMPType:    {name: "igmp_type", size: 1, order: BigEndian, syms: igmpTypeSyms},
	TypeTimeDate:    {name: "time", size: 8, order: HostEndian, fmt: fmtDate},
	TypeTimeHour:    {name: "hour", size: 4, order: HostEndian, fmt: fmtHour},
	TypeTimeDay:     {name: "day", size: 1, order: HostEndian, syms: daySyms, quoted: true},
	TypeCgroupV2:    {name: "cgroupsv2", size: 8, order: HostEndian},
}

// info returns what is known of t, nil for a concatenation or an unknown id.
func (t Type) info() *typeInfo {
	if t < typeCount {
		return &types[t]
	}
	return nil
}

// String returns the type's name as nft prints it in a set declaration
// (`ipv4_addr`), fields of a concatenation joined by " . ", and
// "type(N)" for an id nft does not know.
func (t Type) String() string { return string(AppendTypeName(nil, t)) }

// Size returns the size in bytes of one value of a single (not
// concatenated) type, or 0 when it varies (integer, string, ll_addr) or t
// is unknown.
func (t Type) Size() int {
	if in := t.info(); in != nil {
		return int(in.size)
	}
	return 0
}

// Order returns the byte order of the type's values when the set does not
// say (BigEndian for addresses and ports, HostEndian for marks), or
// ByteOrderInvalid.
func (t Type) Order() ByteOrder {
	if in := t.info(); in != nil {
		return in.order
	}
	return ByteOrderInvalid
}

// PrefersPrefix reports whether nft prints an interval of this type as a
// prefix when it is one (10.0.0.0/8), rather than as a range.
func (t Type) PrefersPrefix() bool {
	in := t.info()
	return in != nil && in.prefix
}

// AppendTypeName appends t's name as nft prints it after `type` in a set
// declaration: `ipv4_addr`, `ipv4_addr . inet_service`.
func AppendTypeName(dst []byte, t Type) []byte {
	if t == dataVerdict {
		t = TypeVerdict
	}
	if t < typeCount {
		return append(dst, types[t].name...)
	}
	var f [maxFields]Type
	n, ok := t.fields(&f)
	if !ok {
		return append(strconv.AppendUint(append(dst, "type("...), uint64(t), 10), ')')
	}
	for i := 0; i < n; i++ {
		if i > 0 {
			dst = append(dst, " . "...)
		}
		dst = append(dst, types[f[i]].name...)
	}
	return dst
}

// maxFields is the most fields a concatenation can have: 32 bits of
// TypeBits each.
const maxFields = 32 / TypeBits

// Concat returns the concatenation of types, packed as nft packs a
// concatenated set key (concat_subtype_add): the first in the highest bits.
func Concat(fields ...Type) Type {
	var t Type
	for _, f := range fields {
		t = t<<TypeBits | f&typeMask
	}
	return t
}

// fields splits a concatenated type into its fields, first field first;
// ok is false when one of them is not a known type. A single type is one
// field.
func (t Type) fields(f *[maxFields]Type) (n int, ok bool) {
	var rev [maxFields + 1]Type
	for v := t; v != 0; v >>= TypeBits {
		if n == len(rev) {
			return 0, false
		}
		rev[n] = v & typeMask
		n++
	}
	if n == 0 || n > maxFields {
		return 0, false
	}
	for i := 0; i < n; i++ {
		f[i] = rev[n-1-i]
		if f[i] >= typeCount || f[i] == TypeInvalid {
			return 0, false
		}
	}
	return n, true
}

// AppendValue appends nft's text for one value of type t held in data (its
// bytes, in order): `10.0.0.1`, `22`, `tcp`, `"eth0"`, `0x00000001`,
// `established | related`. order is the byte order the set's user data
// gives; ByteOrderInvalid means the type's own. A concatenated type prints
// its fields joined by " . ", each field taking a multiple of 4 bytes of
// data as the kernel pads them. A value whose length does not fit its type
// prints as nft prints an invalid value: 0x and its hex digits.
func AppendValue(dst []byte, t Type, order ByteOrder, data []byte) []byte {
	return ifNames{}.appendValue(dst, t, order, data)
}

// appendValue is AppendValue, interface indexes named by n.
func (n ifNames) appendValue(dst []byte, t Type, order ByteOrder, data []byte) []byte {
	if t == dataVerdict {
		t = TypeVerdict
	}
	if t < typeCount {
		return n.appendScalar(dst, t, order, data)
	}
	var f [maxFields]Type
	nf, ok := t.fields(&f)
	if !ok || !concatFits(&f, nf, data) {
		return appendHexValue(dst, data)
	}
	for i := 0; i < nf; i++ {
		if i > 0 {
			dst = append(dst, " . "...)
		}
		l := fieldLen(f[i], len(data), nf-i)
		dst = n.appendScalar(dst, f[i], ByteOrderInvalid, data[:l])
		data = data[min(pad4(l), len(data)):]
	}
	return dst
}

// pad4 rounds n up to a multiple of 4 (NFT_REG32_SIZE): each field of a
// concatenation takes whole 32-bit registers.
func pad4(n int) int { return (n + 3) &^ 3 }

// fieldLen is the length of a field of type t in a concatenation, with
// left bytes left for it and the fields after it; a variable-size field
// (integer, string) can only be the last, and takes what is left.
func fieldLen(t Type, left, fieldsLeft int) int {
	if s := int(types[t].size); s != 0 {
		return s
	}
	if fieldsLeft == 1 {
		return left
	}
	return 0
}

// concatFits reports whether data is exactly as long as the fields of a
// concatenation need, each padded to 4 bytes.
func concatFits(f *[maxFields]Type, n int, data []byte) bool {
	left := len(data)
	for i := 0; i < n; i++ {
		l := pad4(fieldLen(f[i], left, n-i))
		if l == 0 || l > left {
			return false
		}
		left -= l
	}
	return left == 0
}

// appendScalar appends a value of a single known type, interface indexes
// named by n.
func (n ifNames) appendScalar(dst []byte, t Type, order ByteOrder, data []byte) []byte {
	in := &types[t]
	if in.size != 0 && len(data) != int(in.size) || len(data) == 0 && in.fmt != fmtString {
		return appendHexValue(dst, data)
	}
	if order == ByteOrderInvalid {
		order = in.order
	}
	if t == TypeIfIndex {
		return n.appendIndex(dst, uint32(loadUint(data, order)))
	}
	if in.syms != nil || in.bitmask {
		if len(data) <= 8 {
			v := loadUint(data, order)
			if s, ok := lookupSymbol(in.syms, v); ok {
				return appendSymbol(dst, in, s)
			}
			if in.bitmask && v&(v-1) != 0 && in.syms != nil {
				return appendBits(dst, in, v)
			}
		}
	}
	return appendBase(dst, t, in, order, data)
}

// appendSymbol appends a symbol's name, quoted where nft quotes it.
func appendSymbol(dst []byte, in *typeInfo, s string) []byte {
	if in.quoted {
		return append(append(append(dst, '"'), s...), '"')
	}
	return append(dst, s...)
}

// appendBits appends a bitmask value of several bits as nft prints it
// (bitmask_expr_to_binops): each bit by its symbol, lowest first, joined by
// " | ".
func appendBits(dst []byte, in *typeInfo, v uint64) []byte {
	first := true
	for bit := uint64(1); bit != 0 && bit <= v; bit <<= 1 {
		if v&bit == 0 {
			continue
		}
		if !first {
			dst = append(dst, " | "...)
		}
		first = false
		if s, ok := lookupSymbol(in.syms, bit); ok {
			dst = appendSymbol(dst, in, s)
		} else {
			dst = appendHexUint(dst, bit, int(in.hexWidth))
		}
	}
	return dst
}

// appendBase appends a value as the type prints it without a symbol.
func appendBase(dst []byte, t Type, in *typeInfo, order ByteOrder, data []byte) []byte {
	switch in.fmt {
	case fmtDecimal:
		return appendDecimal(dst, data, order)
	case fmtHex:
		return appendHexNumber(dst, data, order, int(in.hexWidth))
	case fmtString:
		return appendString(dst, data)
	case fmtLLAddr:
		return appendLLAddr(dst, data)
	case fmtIPv4:
		return appendIPv4(dst, data)
	case fmtIPv6:
		return appendIPv6(dst, data)
	case fmtTime:
		if v := loadUint(data, order); v != 0 {
			return AppendDuration(dst, v)
		}
		// nft prints nothing for a time of zero: print what it reads.
		return append(dst, "0s"...)
	case fmtClassID:
		return appendClassID(dst, uint32(loadUint(data, order)))
	case fmtDate:
		return appendDate(dst, loadUint(data, order))
	case fmtHour:
		return appendHour(dst, uint32(loadUint(data, order)))
	case fmtCtLabel:
		return appendCtLabel(dst, data, order)
	case fmtVerdict:
		return AppendVerdictCode(dst, int32(loadUint(data, order)))
	}
	return append(appendHexNumber(dst, data, order, 0), " [invalid type]"...)
}
