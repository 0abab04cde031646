package nftext

import (
	"strconv"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// The packet line of a trace, as nft builds it (nftables src/netlink.c,
// trace_print_packet and trace_gen_stmts): each header the trace carries
// is one raw payload load over the whole header, expanded into the fields
// of the protocol the context says it is (payload_expr_expand, with the
// templates of proto.go), each field compared with its bytes; the protocol
// fields update the context for the next header, the fields print in the
// protocol's order, some are left out, and a protocol match the next
// header implies is dropped, as in a rule.

// traceFormat is how a protocol's fields print in a trace (struct
// proto_desc's format): in order first, the rest as they come; the
// fields of filter never.
type traceFormat struct {
	order  []int8
	filter uint32 // 1 << template index
}

// Template indexes of the fields the formats name (enum iphdr_fields,
// ip6hdr_fields, tcphdr_fields, ahhdr_fields, arphdr_fields, ethhdr_fields
// in nftables include/proto.h), as proto.go's templates hold them.
var traceFormats = [protoCount]traceFormat{
	protoIP:    {order: []int8{11, 12, 3, 4, 8, 6, 9, 5}, filter: 1<<1 | 1<<2 | 1<<7}, // saddr daddr dscp ecn ttl id protocol length; not version hdrlength frag-off
	protoIP6:   {order: []int8{8, 9, 2, 3, 7, 4, 6, 5}, filter: 1 << 1},               // saddr daddr dscp ecn hoplimit flowlabel nexthdr length; not version
	protoTCP:   {filter: 1<<3 | 1<<4 | 1<<5 | 1<<6 | 1<<10},                           // not sequence ackseq doff reserved urgptr
	protoAH:    {order: []int8{4, 2, 1}, filter: 1<<3 | 1<<5},                         // spi hdrlength nexthdr; not reserved sequence
	protoARP:   {filter: 1<<1 | 1<<2 | 1<<3 | 1<<4 | 1<<6 | 1<<7 | 1<<8 | 1<<9},       // only operation
	protoEther: {order: []int8{2, 1, 3}},                                              // saddr daddr type
}

// maxTraceFields bounds the fields of one trace's packet line: the
// kernel sends at most a few dozen bytes of each header, and every field
// is at least a bit; the fields beyond the bound print as one raw load.
const maxTraceFields = 48

// traceField is one field of the packet line: template tmpl of proto
// (tmpl -1: a raw load) over bits [off, off+n) of its header hdr, at
// offset poff of its protocol's header (the raw load's own offset).
type traceField struct {
	proto   protoID
	tmpl    int8
	base    protoBase
	hdr     []byte
	off, n  uint32
	poff    uint32
	dead    bool // a dependency the next header implies
	placed  bool // moved to the print order
	protoOf bool // names the next protocol (EXPR_F_PROTOCOL)
}

// tracePacket is the state of one packet line.
type tracePacket struct {
	family nftmon.Family
	desc   [baseCount]protoID
	fields [maxTraceFields]traceField
	n      int
	out    [maxTraceFields]int8 // the fields in print order
	nout   int
	deps   [baseCount + 1]int8
	icmp   uint8 // payload_dep_ctx.icmp_type
}

// appendTracePacket appends the packet line.
func appendTracePacket(dst []byte, nsid int32, family nftmon.Family, tr *msgs.Trace, c *TraceContext) []byte {
	dst = append(appendTraceHdr(dst, family, tr), "packet: "...)
	if tr.Present.Has(unix.NFTA_TRACE_IIF) {
		dst = appendTraceLink(dst, "iif", nsid, tr.IIF, c)
	}
	if tr.Present.Has(unix.NFTA_TRACE_OIF) {
		dst = appendTraceLink(dst, "oif", nsid, tr.OIF, c)
	}
	var p tracePacket
	p.family = family
	for i := range p.deps {
		p.deps[i] = -1
	}
	if base, id := familyBase(family); base != baseInvalid {
		p.desc[base] = id
	}
	if ll := p.desc[baseLL]; (ll == protoInet || ll == protoNetdev) && tr.Present.Has(unix.NFTA_TRACE_NFPROTO) {
		p.desc[baseLL] = protoNone
		p.desc[baseNetwork] = protos[ll].upper(uint16(tr.NFProto))
	}
	if p.desc[baseLL] == protoNone && tr.Present.Has(unix.NFTA_TRACE_IIFTYPE) && tr.IIFType == unix.ARPHRD_ETHER {
		p.desc[baseLL] = protoEther // proto_dev_desc
	}
	if tr.Present.Has(unix.NFTA_TRACE_LL_HEADER) {
		p.gen(baseLL, tr.LLHeader)
	}
	if tr.Present.Has(unix.NFTA_TRACE_NETWORK_HEADER) {
		p.gen(baseNetwork, tr.NetworkHeader)
	}
	if tr.Present.Has(unix.NFTA_TRACE_TRANSPORT_HEADER) {
		p.gen(baseTransport, tr.TransportHeader)
	}
	for _, i := range p.out[:p.nout] {
		if f := &p.fields[i]; !f.dead {
			dst = append(f.append(dst), ' ')
		}
	}
	return append(dst, '\n')
}

// add appends a field, or extends the last raw load when full.
func (p *tracePacket) add(f traceField) {
	if p.n == len(p.fields) {
		last := &p.fields[p.n-1]
		last.tmpl, last.proto = -1, protoUnknown
		last.n = f.off + f.n - last.off
		return
	}
	p.fields[p.n] = f
	p.n++
}

// gen expands header hdr of base into fields and orders them
// (trace_gen_stmts, without stacked link layers such as VLAN: what
// follows the outer header prints raw).
func (p *tracePacket) gen(base protoBase, hdr []byte) {
	first := p.n
	total := uint32(len(hdr)) * 8
	off := uint32(0)
	if id := p.desc[base]; id != protoNone && id != protoUnknown && protos[id].base == base {
		pd := &protos[id]
		for i := 1; i < len(pd.tmpls) && off < total; i++ {
			t := &pd.tmpls[i]
			if t.len == 0 || uint32(t.offset) != off {
				continue
			}
			n := min(uint32(t.len), total-off)
			f := traceField{proto: id, tmpl: int8(i), base: base, hdr: hdr, off: off, n: n, poff: off}
			off += n
			fm := &traceFormats[id]
			if int(pd.checksum) == i || fm.filter&(1<<i) != 0 {
				continue
			}
			f.protoOf = pd.isProtocol(i)
			if f.protoOf && base+1 < baseCount {
				// relational_expr_pctx_update: the next header's protocol.
				p.desc[base+1] = pd.upper(uint16(f.uint()))
			}
			p.add(f)
		}
	}
	if off < total {
		p.add(traceField{proto: protoUnknown, tmpl: -1, base: base, hdr: hdr, off: off, n: total - off, poff: off})
	}
	// Print order: the format's order first, then the rest as they came;
	// at each step the first field not placed that the order admits.
	placed := 0
	for k := 0; placed < p.n-first; k++ {
		pick := -1
		for j := first; j < p.n; j++ {
			f := &p.fields[j]
			if f.placed {
				continue
			}
			order := traceFormats[f.proto].order
			if f.tmpl < 0 || k >= len(order) || order[k] == f.tmpl {
				pick = j
				break
			}
		}
		if pick < 0 {
			// No field has the order's next index (a short header): nft
			// prints none of the rest.
			return
		}
		p.place(pick, base)
		placed++
	}
}

// place moves field i to the print order, killing the dependency it
// implies and storing it as one if it names the next protocol.
func (p *tracePacket) place(i int, base protoBase) {
	f := &p.fields[i]
	f.placed = true
	p.out[p.nout] = int8(i)
	p.nout++
	b := base
	if f.protoOf {
		if up := protos[f.proto].upper(uint16(f.uint())); up != protoNone && protos[up].base == protos[f.proto].base {
			b-- // payload_is_stacked
		}
	}
	if p.icmp == 0 {
		p.kill(f)
	}
	if f.protoOf {
		p.store(i, b)
	}
}

// dep returns the dependency a field of base would make redundant
// (payload_dependency_get), or -1.
func (p *tracePacket) dep(base protoBase) int8 {
	if d := p.deps[base]; d >= 0 {
		return d
	}
	if base == baseTransport {
		return p.deps[baseInner]
	}
	return -1
}

// kill drops the dependency field f implies (payload_dependency_kill).
func (p *tracePacket) kill(f *traceField) {
	if f.tmpl < 0 {
		return
	}
	d := p.dep(f.base)
	if d < 0 || !p.mayKill(&p.fields[d], f) {
		return
	}
	p.fields[d].dead = true
	if p.deps[f.base] == d {
		p.deps[f.base] = -1
	} else {
		p.deps[baseInner] = -1
	}
}

// mayKill reports whether dependency d is redundant beside field f
// (payload_may_dependency_kill).
func (p *tracePacket) mayKill(d, f *traceField) bool {
	switch p.family {
	case nftmon.FamilyBridge, nftmon.FamilyNetdev, nftmon.FamilyINet:
		if d.base == baseNetwork && (d.proto == protoIP || d.proto == protoIP6) && f.base == baseTransport {
			return false
		}
		if f.base == d.base {
			if f.protoOf {
				return false
			}
			if f.base == baseLL {
				if d.proto == protoVLAN {
					return false
				}
				if d.proto == protoEther && d.n == 16 {
					return d.uint() == ethP8021Q
				}
				return true
			}
		}
	}
	if f.base != baseTransport || d.base != baseTransport {
		return true
	}
	if d.proto == protoICMP || d.proto == protoICMP6 {
		t := &protos[f.proto].tmpls[f.tmpl]
		if t.icmp == icmpAny || t.icmp == icmpDepNone || d.proto != f.proto {
			return false
		}
		return p.icmp == t.icmp.icmpType()
	}
	return true
}

// store records field i as the dependency of the header above b
// (payload_dependency_store); an ICMP type is remembered instead.
func (p *tracePacket) store(i int, b protoBase) {
	f := &p.fields[i]
	if f.n == 8 {
		switch f.proto {
		case protoICMP:
			t := uint8(f.uint())
			if t == icmpEchoReply {
				t = icmpEchoRequest
			}
			p.icmp = t
			if t == icmpEchoRequest {
				return
			}
		case protoICMP6:
			t := uint8(f.uint())
			p.icmp = t
			if t == icmp6EchoRequest || t == icmp6EchoReply {
				return
			}
		}
	}
	if b+1 < baseCount+1 {
		p.deps[b+1] = int8(i)
	}
}

// bits copies the field's bits into buf, right-aligned, big endian, and
// returns the bytes that hold them.
func (f *traceField) bits(buf *[maxValueLen]byte) []byte {
	nbytes := int(f.n+7) / 8
	if nbytes > len(buf) {
		return nil
	}
	v := buf[:nbytes]
	clear(v)
	pad := uint32(nbytes)*8 - f.n
	for i := uint32(0); i < f.n; i++ {
		src := f.off + i
		if f.hdr[src/8]&(0x80>>(src%8)) == 0 {
			continue
		}
		dst := pad + i
		v[dst/8] |= 0x80 >> (dst % 8)
	}
	return v
}

// uint returns the field's value as a number (its low 64 bits).
func (f *traceField) uint() uint64 {
	var buf [maxValueLen]byte
	return loadUint(f.bits(&buf), BigEndian)
}

// append appends the field and its value: `ip saddr 127.0.0.1`,
// `@th,64,40 0x7472616365`.
func (f *traceField) append(dst []byte) []byte {
	var buf [maxValueLen]byte
	v := f.bits(&buf)
	if f.tmpl < 0 {
		dst = append(dst, '@')
		dst = append(dst, baseTokens[f.base]...)
		dst = strconv.AppendUint(append(dst, ','), uint64(f.poff), 10)
		dst = strconv.AppendUint(append(dst, ','), uint64(f.n), 10)
		if v == nil {
			return appendHexValue(append(dst, ' '), f.hdr[f.off/8:])
		}
		return appendHexNumber(append(dst, ' '), v, BigEndian, 0)
	}
	pd := &protos[f.proto]
	t := pd.tmpls[f.tmpl].typ
	dst = append(append(append(dst, pd.name...), ' '), pd.tmpls[f.tmpl].name...)
	if in := &types[t]; in.bitmask && len(v) <= 8 && (in.size == 0 || len(v) == int(in.size)) {
		// A bitmask compared with a value prints its operator, and the
		// value as one symbol or a number, never as flags joined by |
		// (must_print_eq_op): `tcp flags == 0x12`.
		dst = append(dst, " == "...)
		if s, ok := lookupSymbol(in.syms, loadUint(v, BigEndian)); ok {
			return appendSymbol(dst, in, s)
		}
		return appendBase(dst, t, in, BigEndian, v)
	}
	return AppendValue(append(dst, ' '), t, BigEndian, v)
}
