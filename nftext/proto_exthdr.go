package nftext

import (
	"strconv"

	"github.com/nftmon/nftmon/msgs"
)

// Extension headers, TCP options, IPv4 options and SCTP chunks (nftables
// src/exthdr.c, src/tcpopt.c, src/ipopt.c, src/sctp_chunk.c): each a
// header type and its fields, found by offset and length as payload
// fields are.

// exthdrDesc is one header, option or chunk.
type exthdrDesc struct {
	name  string
	typ   uint8
	tmpls []tmpl
}

// xf makes a field at a bit offset with a bit length.
func xf(name string, t Type, off, n uint16) tmpl {
	return tmpl{name: name, typ: t, offset: off, len: n, icmp: icmpDepNone}
}

// addrFields returns the address fields of a routing header: name[1] to
// name[n], 128 bits each from bit off.
func addrFields(name string, off uint16, n int) []tmpl {
	out := make([]tmpl, n)
	for i := range out {
		out[i] = xf(name+"["+strconv.Itoa(i+1)+"]", TypeIP6Addr, off+uint16(i)*128, 128)
	}
	return out
}

// The IPv6 extension headers.
var (
	exthdrHbh = exthdrDesc{"hbh", 0, []tmpl{xf("nexthdr", TypeInetProto, 0, 8), xf("hdrlength", TypeInteger, 8, 8)}}
	exthdrRt  = exthdrDesc{"rt", 43, []tmpl{xf("nexthdr", TypeInetProto, 0, 8), xf("hdrlength", TypeInteger, 8, 8),
		xf("type", TypeInteger, 16, 8), xf("seg-left", TypeInteger, 24, 8)}}
	exthdrRt0 = exthdrDesc{"rt0", 43, append([]tmpl{xf("reserved", TypeInteger, 32, 32)}, addrFields("addr", 64, 8)...)}
	exthdrSrh = exthdrDesc{"srh", 43, append([]tmpl{xf("last-entry", TypeInteger, 32, 8), xf("flags", TypeInteger, 40, 8),
		xf("tag", TypeInteger, 48, 16)}, addrFields("sid", 64, 8)...)}
	exthdrFrag = exthdrDesc{"frag", 44, []tmpl{xf("nexthdr", TypeInetProto, 0, 8), xf("reserved", TypeInteger, 8, 8),
		xf("frag-off", TypeInteger, 16, 13), xf("reserved2", TypeInteger, 29, 2), xf("more-fragments", TypeInteger, 31, 1),
		xf("id", TypeInteger, 32, 32)}}
	exthdrDst = exthdrDesc{"dst", 60, []tmpl{xf("nexthdr", TypeInetProto, 0, 8), xf("hdrlength", TypeInteger, 8, 8)}}
	exthdrMh  = exthdrDesc{"mh", 135, []tmpl{xf("nexthdr", TypeInetProto, 0, 8), xf("hdrlength", TypeInteger, 8, 8),
		xf("type", TypeMHType, 16, 8), xf("reserved", TypeInteger, 24, 8), xf("checksum", TypeInteger, 32, 16)}}
)

var ipv6Exthdrs = []*exthdrDesc{&exthdrHbh, &exthdrRt, &exthdrFrag, &exthdrDst, &exthdrMh}

// The TCP options.
var tcpOpts = []exthdrDesc{
	{"eol", 0, []tmpl{xf("kind", TypeInteger, 0, 8)}},
	{"nop", 1, []tmpl{xf("kind", TypeInteger, 0, 8)}},
	{"maxseg", 2, []tmpl{xf("kind", TypeInteger, 0, 8), xf("length", TypeInteger, 8, 8), xf("size", TypeInteger, 16, 16)}},
	{"window", 3, []tmpl{xf("kind", TypeInteger, 0, 8), xf("length", TypeInteger, 8, 8), xf("count", TypeInteger, 16, 8)}},
	{"sack-perm", 4, []tmpl{xf("kind", TypeInteger, 0, 8), xf("length", TypeInteger, 8, 8)}},
	{"sack", 5, []tmpl{xf("kind", TypeInteger, 0, 8), xf("length", TypeInteger, 8, 8),
		xf("left", TypeInteger, 16, 32), xf("right", TypeInteger, 48, 32),
		xf("left", TypeInteger, 80, 32), xf("right", TypeInteger, 112, 32),
		xf("left", TypeInteger, 144, 32), xf("right", TypeInteger, 176, 32),
		xf("left", TypeInteger, 208, 32), xf("right", TypeInteger, 240, 32)}},
	{"timestamp", 8, []tmpl{xf("kind", TypeInteger, 0, 8), xf("length", TypeInteger, 8, 8),
		xf("tsval", TypeInteger, 16, 32), xf("tsecr", TypeInteger, 48, 32)}},
	{"md5sig", 19, []tmpl{xf("kind", TypeInteger, 0, 8), xf("length", TypeInteger, 8, 8)}},
	{"mptcp", 30, []tmpl{xf("kind", TypeInteger, 0, 8), xf("length", TypeInteger, 8, 8), xf("subtype", TypeInteger, 16, 4)}},
	{"fastopen", 34, []tmpl{xf("kind", TypeInteger, 0, 8), xf("length", TypeInteger, 8, 8)}},
}

// The IPv4 options.
var ipOpts = []exthdrDesc{
	{"lsrr", 131, []tmpl{xf("type", TypeInteger, 0, 8), xf("length", TypeInteger, 8, 8), xf("ptr", TypeInteger, 16, 8), xf("addr", TypeInteger, 24, 32)}},
	{"rr", 7, []tmpl{xf("type", TypeInteger, 0, 8), xf("length", TypeInteger, 8, 8), xf("ptr", TypeInteger, 16, 8), xf("addr", TypeInteger, 24, 32)}},
	{"ssrr", 137, []tmpl{xf("type", TypeInteger, 0, 8), xf("length", TypeInteger, 8, 8), xf("ptr", TypeInteger, 16, 8), xf("addr", TypeInteger, 24, 32)}},
	{"ra", 148, []tmpl{xf("type", TypeInteger, 0, 8), xf("length", TypeInteger, 8, 8), xf("value", TypeInteger, 16, 16)}},
}

// sctpCommon are the fields every SCTP chunk starts with.
var sctpCommon = []tmpl{xf("type", TypeInteger, 0, 8), xf("flags", TypeInteger, 8, 8), xf("length", TypeInteger, 16, 16)}

func sctpChunk(name string, typ uint8, more ...tmpl) exthdrDesc {
	return exthdrDesc{name, typ, append(sctpCommon[:len(sctpCommon):len(sctpCommon)], more...)}
}

var sctpInitFields = []tmpl{xf("init-tag", TypeInteger, 32, 32), xf("a-rwnd", TypeInteger, 64, 32),
	xf("num-outbound-streams", TypeInteger, 96, 16), xf("num-inbound-streams", TypeInteger, 112, 16),
	xf("initial-tsn", TypeInteger, 128, 32)}

// The SCTP chunks.
var sctpChunks = []exthdrDesc{
	sctpChunk("data", 0, xf("tsn", TypeInteger, 32, 32), xf("stream", TypeInteger, 64, 16),
		xf("ssn", TypeInteger, 80, 16), xf("ppid", TypeInteger, 96, 32)),
	sctpChunk("init", 1, sctpInitFields...),
	sctpChunk("init-ack", 2, sctpInitFields...),
	sctpChunk("sack", 3, xf("cum-tsn-ack", TypeInteger, 32, 32), xf("a-rwnd", TypeInteger, 64, 32),
		xf("num-gap-ack-blocks", TypeInteger, 96, 16), xf("num-dup-tsns", TypeInteger, 112, 16)),
	sctpChunk("heartbeat", 4), sctpChunk("heartbeat-ack", 5), sctpChunk("abort", 6),
	sctpChunk("shutdown", 7, xf("cum-tsn-ack", TypeInteger, 32, 32)),
	sctpChunk("shutdown-ack", 8), sctpChunk("error", 9), sctpChunk("cookie-echo", 10), sctpChunk("cookie-ack", 11),
	sctpChunk("ecne", 12, xf("lowest-tsn", TypeInteger, 32, 32)),
	sctpChunk("cwr", 13, xf("lowest-tsn", TypeInteger, 32, 32)),
	sctpChunk("shutdown-complete", 14),
	sctpChunk("asconf-ack", 0x80, xf("seqno", TypeInteger, 32, 32)),
	sctpChunk("forward-tsn", 0xc0, xf("new-cum-tsn", TypeInteger, 32, 32)),
	sctpChunk("asconf", 0xc1, xf("seqno", TypeInteger, 32, 32)),
}

func findDesc(list []exthdrDesc, typ uint8) *exthdrDesc {
	for i := range list {
		if list[i].typ == typ {
			return &list[i]
		}
	}
	return nil
}

// exthdrLookup finds the header and field an exthdr operand loads, or nil
// for either.
func exthdrLookup(op *operand) (*exthdrDesc, *tmpl, msgs.ExthdrOp, bool) {
	var x msgs.ExthdrExpr
	if x.Decode(op.data) != nil {
		return nil, nil, 0, false
	}
	present := x.Flags&msgs.ExthdrPresent != 0
	var d *exthdrDesc
	switch x.Op {
	case msgs.ExthdrTCPOpt:
		d = findDesc(tcpOpts, x.Type)
	case msgs.ExthdrIPv4:
		d = findDesc(ipOpts, x.Type)
	case msgs.ExthdrSCTP:
		d = findDesc(sctpChunks, x.Type)
	case msgs.ExthdrIPv6:
		for _, c := range ipv6Exthdrs {
			if c.typ == x.Type {
				d = c
			}
		}
	}
	if d == nil {
		return nil, nil, x.Op, present
	}
	find := func(d *exthdrDesc) *tmpl {
		for i := range d.tmpls {
			t := &d.tmpls[i]
			if uint32(t.offset) == op.offset && uint32(t.len) == op.len {
				return t
			}
		}
		return nil
	}
	if present && x.Op != msgs.ExthdrIPv6 {
		return d, nil, x.Op, present
	}
	if t := find(d); t != nil {
		return d, t, x.Op, present
	}
	if d == &exthdrRt {
		for _, alt := range []*exthdrDesc{&exthdrSrh, &exthdrRt0} {
			if t := find(alt); t != nil {
				return alt, t, x.Op, present
			}
		}
	}
	return d, nil, x.Op, present
}

// exthdrType returns the data type of an exthdr load.
func exthdrType(op *operand) Type {
	_, t, _, present := exthdrLookup(op)
	switch {
	case present:
		return TypeBoolean
	case t != nil:
		return t.typ
	}
	return TypeInteger
}

// exthdrTrim narrows a masked exthdr load to the field the mask selects
// (exthdr_find_template); it returns the shift of the value.
func (s *ruleState) exthdrTrim(op *operand, mask []byte) (uint32, bool) {
	maskOff, ok := lowestSet(mask)
	if !ok {
		return 0, false
	}
	maskLen := lowestClearFrom(mask, maskOff+1)
	saved := *op
	op.offset += uint32(len(mask))*8 - maskLen
	op.len = maskLen - maskOff
	if _, t, _, _ := exthdrLookup(op); t == nil {
		*op = saved
		return 0, false
	}
	return maskOff, true
}

// appendExthdr appends an exthdr field (exthdr_expr_print).
func (s *ruleState) appendExthdr(dst []byte, op *operand) []byte {
	d, t, xop, present := exthdrLookup(op)
	switch xop {
	case msgs.ExthdrTCPOpt:
		dst = append(dst, "tcp option "...)
		if d == nil {
			if op.offset == 0 && present {
				return strconv.AppendUint(dst, uint64(op.key), 10)
			}
			dst = append(dst, '@')
			dst = strconv.AppendUint(dst, uint64(op.key), 10)
			dst = append(dst, ',')
			dst = strconv.AppendUint(dst, uint64(op.offset), 10)
			dst = append(dst, ',')
			return strconv.AppendUint(dst, uint64(op.len), 10)
		}
		dst = append(dst, d.name...)
		if present {
			return dst
		}
		if n := op.offset / 64; n != 0 {
			dst = strconv.AppendUint(dst, uint64(n), 10)
		}
	case msgs.ExthdrIPv4:
		dst = append(dst, "ip option "...)
		if d == nil {
			return append(dst, "unknown"...)
		}
		dst = append(dst, d.name...)
		if present {
			return dst
		}
	case msgs.ExthdrSCTP:
		dst = append(dst, "sctp chunk "...)
		if d == nil {
			return append(dst, "unknown"...)
		}
		dst = append(dst, d.name...)
		if present {
			return dst
		}
	default:
		name := "unknown-exthdr"
		if d != nil {
			name = d.name
		}
		if present {
			dst = append(dst, "exthdr "...)
			return append(dst, name...)
		}
		dst = append(dst, name...)
	}
	dst = append(dst, ' ')
	if t == nil {
		return append(dst, "unknown"...)
	}
	return append(dst, t.name...)
}

// appendExthdrSet appends "OPTION FIELD set VALUE" (exthdr_stmt_print).
func (s *ruleState) appendExthdrSet(dst []byte, st *stmt) []byte {
	var x msgs.ExthdrExpr
	if x.Decode(st.expr.Data) != nil {
		return appendRawExpr(dst, st.expr)
	}
	f := operand{kind: opExthdr, data: st.expr.Data, key: uint32(x.Type), offset: x.Offset * 8, len: x.Len * 8}
	dst = s.appendExthdr(dst, &f)
	dst = append(dst, " set "...)
	return s.appendOperandAs(dst, st.val, exthdrType(&f), BigEndian)
}
