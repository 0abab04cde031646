package nftext

import (
	"strconv"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// Stateful objects as nft monitor prints them after "add " (obj_print_plain
// in src/rule.c): `counter inet t c { packets 0 bytes 0 }`, `quota inet t q
// { over 100 mbytes used 10 kbytes }`, `ct helper inet t h { type "ftp"
// protocol tcp; l3proto ip; }`.

// The object attributes x/sys/unix lacks (enum nft_ct_timeout_timeout_attributes,
// nft_ct_expectation_attributes, nft_synproxy_attributes,
// nft_secmark_attributes in linux/netfilter/nf_tables.h).
const (
	attrCtTimeoutL3Proto = 1 // NFTA_CT_TIMEOUT_L3PROTO
	attrCtTimeoutL4Proto = 2 // NFTA_CT_TIMEOUT_L4PROTO
	attrCtTimeoutData    = 3 // NFTA_CT_TIMEOUT_DATA

	attrCtExpectL3Proto = 1 // NFTA_CT_EXPECT_L3PROTO
	attrCtExpectL4Proto = 2 // NFTA_CT_EXPECT_L4PROTO
	attrCtExpectDport   = 3 // NFTA_CT_EXPECT_DPORT
	attrCtExpectTimeout = 4 // NFTA_CT_EXPECT_TIMEOUT
	attrCtExpectSize    = 5 // NFTA_CT_EXPECT_SIZE

	attrSynproxyMSS    = 1 // NFTA_SYNPROXY_MSS
	attrSynproxyWscale = 2 // NFTA_SYNPROXY_WSCALE
	attrSynproxyFlags  = 3 // NFTA_SYNPROXY_FLAGS

	attrSecmarkCtx = 1 // NFTA_SECMARK_CTX
)

// The synproxy option flags (linux/netfilter/nf_synproxy.h).
const (
	synproxyMSS       = 0x01 // NF_SYNPROXY_OPT_MSS
	synproxyWscale    = 0x02 // NF_SYNPROXY_OPT_WSCALE
	synproxySackPerm  = 0x04 // NF_SYNPROXY_OPT_SACK_PERM
	synproxyTimestamp = 0x08 // NF_SYNPROXY_OPT_TIMESTAMP
)

// ctTimeoutStates are the states nft names in a ct timeout policy, with
// the kernel's defaults that nft leaves out (tcp_state_to_name,
// tcp_dflt_timeout, udp_... in src/rule.c), indexed by the attribute type
// in NFTA_CT_TIMEOUT_DATA minus one.
var ctTimeoutStates = map[uint8][]stdTimeout{
	unix.IPPROTO_TCP: {
		{"syn_sent", 120}, {"syn_recv", 60}, {"established", 432000}, {"fin_wait", 120},
		{"close_wait", 60}, {"last_ack", 30}, {"time_wait", 120}, {"close", 10},
		{"syn_sent2", 120}, {"retrans", 300}, {"unack", 300},
	},
	unix.IPPROTO_UDP: {{"unreplied", 30}, {"replied", 120}},
}

// stdTimeout is a conntrack state's name and default timeout in seconds.
type stdTimeout struct {
	name string
	dflt uint32
}

// AppendObj appends an object as nft monitor prints it after "add ", its
// comment first as nft does. Kinds nft 1.0.6 cannot print (tunnel,
// connlimit) print as `<kind> family table name { }`.
func AppendObj(dst []byte, family nftmon.Family, o *msgs.Obj) []byte {
	dst = AppendName(dst, o.Type.String(), family, o.Table, o.Name)
	dst = append(dst, " {"...)
	if c := o.Comment(); c != nil {
		dst = AppendQuoted(append(dst, " comment "...), c)
	}
	switch o.Type {
	case msgs.ObjCounter:
		var c msgs.CounterExpr
		_ = c.Decode(o.Data)
		dst = strconv.AppendUint(append(dst, " packets "...), c.Packets, 10)
		dst = strconv.AppendUint(append(dst, " bytes "...), c.Bytes, 10)
		dst = append(dst, ' ')
	case msgs.ObjQuota:
		var q msgs.QuotaExpr
		_ = q.Decode(o.Data)
		dst = append(appendQuota(append(dst, ' '), &q, false), ' ')
	case msgs.ObjLimit:
		var l msgs.LimitExpr
		_ = l.Decode(o.Data)
		dst = append(appendLimit(append(dst, ' '), &l), ' ')
	case msgs.ObjSecmark:
		var ctx []byte
		a := nftmon.NewAttrScanner(o.Data)
		for a.Next() {
			if a.Type() == attrSecmarkCtx {
				ctx = a.StringBytes()
			}
		}
		dst = append(AppendQuoted(append(dst, ' '), ctx), ' ')
	case msgs.ObjCTHelper:
		dst = appendCtHelper(dst, o.Data)
	case msgs.ObjCTTimeout:
		dst = appendCtTimeout(dst, o.Data)
	case msgs.ObjCTExpect:
		dst = appendCtExpect(dst, o.Data)
	case msgs.ObjSynproxy:
		dst = appendSynproxy(dst, o.Data)
	default:
		dst = append(dst, ' ')
	}
	return append(dst, '}')
}

// appendProto appends a layer 4 protocol as nft names it in objects
// (print_proto_name_proto): its /etc/protocols name, or the number.
func appendProto(dst []byte, p uint8) []byte {
	return AppendValue(dst, TypeInetProto, ByteOrderInvalid, []byte{p})
}

// appendL3Proto appends an object's l3proto as nft does (family2str).
func appendL3Proto(dst []byte, p uint16) []byte {
	switch f := nftmon.Family(p); f {
	case nftmon.FamilyINet, nftmon.FamilyIPv4, nftmon.FamilyIPv6, nftmon.FamilyARP, nftmon.FamilyBridge, nftmon.FamilyNetdev:
		return append(dst, f.String()...)
	}
	return append(dst, "unknown"...)
}

func appendCtHelper(dst []byte, data []byte) []byte {
	var name []byte
	var l3 uint16
	var l4 uint8
	a := nftmon.NewAttrScanner(data)
	for a.Next() {
		switch a.Type() {
		case unix.NFTA_CT_HELPER_NAME:
			name = a.StringBytes()
		case unix.NFTA_CT_HELPER_L3PROTO:
			l3 = a.Uint16()
		case unix.NFTA_CT_HELPER_L4PROTO:
			l4 = a.Uint8()
		}
	}
	dst = AppendQuoted(append(dst, " type "...), name)
	dst = appendProto(append(dst, " protocol "...), l4)
	return append(appendL3Proto(append(dst, "; l3proto "...), l3), "; "...)
}

func appendCtTimeout(dst []byte, data []byte) []byte {
	var l3 uint16
	var l4 uint8
	var pol []byte
	a := nftmon.NewAttrScanner(data)
	for a.Next() {
		switch a.Type() {
		case attrCtTimeoutL3Proto:
			l3 = a.Uint16()
		case attrCtTimeoutL4Proto:
			l4 = a.Uint8()
		case attrCtTimeoutData:
			pol = a.Bytes()
		}
	}
	dst = appendProto(append(dst, " protocol "...), l4)
	dst = append(appendL3Proto(append(dst, "; l3proto "...), l3), "; policy = { "...)
	states := ctTimeoutStates[l4]
	var vals [16]uint32
	for i := range states {
		vals[i] = states[i].dflt
	}
	p := nftmon.NewAttrScanner(pol)
	for p.Next() {
		if i := int(p.Type()) - 1; i >= 0 && i < len(states) {
			vals[i] = p.Uint32()
		}
	}
	n := 0
	for i := range states {
		if vals[i] == states[i].dflt {
			continue
		}
		if n > 0 {
			dst = append(dst, ", "...)
		}
		n++
		dst = strconv.AppendUint(append(append(dst, states[i].name...), " : "...), uint64(vals[i]), 10)
	}
	return append(dst, " }; "...)
}

func appendCtExpect(dst []byte, data []byte) []byte {
	var l3, dport uint16
	var l4, size uint8
	var timeout uint32
	a := nftmon.NewAttrScanner(data)
	for a.Next() {
		switch a.Type() {
		case attrCtExpectL3Proto:
			l3 = a.Uint16()
		case attrCtExpectL4Proto:
			l4 = a.Uint8()
		case attrCtExpectDport:
			dport = a.Uint16()
		case attrCtExpectTimeout:
			// The kernel keeps this one in host byte order.
			if b := a.Bytes(); len(b) == 4 {
				timeout = uint32(loadUint(b, HostEndian))
			}
		case attrCtExpectSize:
			size = a.Uint8()
		}
	}
	dst = appendProto(append(dst, " protocol "...), l4)
	dst = strconv.AppendUint(append(dst, "; dport "...), uint64(dport), 10)
	dst = AppendDuration(append(dst, "; timeout "...), uint64(timeout))
	dst = strconv.AppendUint(append(dst, "; size "...), uint64(size), 10)
	return append(appendL3Proto(append(dst, "; l3proto "...), l3), "; "...)
}

func appendSynproxy(dst []byte, data []byte) []byte {
	var mss uint16
	var wscale uint8
	var flags uint32
	a := nftmon.NewAttrScanner(data)
	for a.Next() {
		switch a.Type() {
		case attrSynproxyMSS:
			mss = a.Uint16()
		case attrSynproxyWscale:
			wscale = a.Uint8()
		case attrSynproxyFlags:
			flags = a.Uint32()
		}
	}
	if flags&synproxyMSS != 0 {
		dst = strconv.AppendUint(append(dst, " mss "...), uint64(mss), 10)
	}
	if flags&synproxyWscale != 0 {
		dst = strconv.AppendUint(append(dst, " wscale "...), uint64(wscale), 10)
	}
	if flags&(synproxyTimestamp|synproxySackPerm) != 0 {
		dst = append(dst, ' ')
		if flags&synproxyTimestamp != 0 {
			dst = append(dst, "timestamp"...)
		}
		dst = append(dst, ' ')
		if flags&synproxySackPerm != 0 {
			dst = append(dst, "sack-perm"...)
		}
	}
	return append(dst, "; "...)
}
