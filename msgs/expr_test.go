package msgs

import (
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// Builders of expression attributes for synthetic tests (the kernel of the
// test machine cannot produce every expression: no nft_queue, no "last" in
// nft 1.0.6, ...).
func xAttr(typ uint16, payload ...[]byte) []byte {
	var p []byte
	for _, b := range payload {
		p = append(p, b...)
	}
	return nftmon.AppendAttr(nil, typ, p)
}
func xU8(typ uint16, v uint8) []byte   { return xAttr(typ, []byte{v}) }
func xU16(typ uint16, v uint16) []byte { return xAttr(typ, binary.BigEndian.AppendUint16(nil, v)) }
func xU32(typ uint16, v uint32) []byte { return xAttr(typ, binary.BigEndian.AppendUint32(nil, v)) }
func xU64(typ uint16, v uint64) []byte { return xAttr(typ, binary.BigEndian.AppendUint64(nil, v)) }
func xStr(typ uint16, s string) []byte { return nftmon.AppendStringAttr(nil, typ, s) }
func xValue(typ uint16, v ...byte) []byte {
	return xAttr(typ, xAttr(unix.NFTA_DATA_VALUE, v))
}
func xVerdict(typ uint16, code int32, chain string) []byte {
	v := xU32(unix.NFTA_VERDICT_CODE, uint32(code))
	if chain != "" {
		v = append(v, xStr(unix.NFTA_VERDICT_CHAIN, chain)...)
	}
	return xAttr(typ, xAttr(unix.NFTA_DATA_VERDICT, v))
}

// xExpr builds an expression nest (NFTA_EXPR_NAME, NFTA_EXPR_DATA).
func xExpr(name string, data ...[]byte) []byte {
	return append(xStr(unix.NFTA_EXPR_NAME, name), xAttr(unix.NFTA_EXPR_DATA, data...)...)
}

// xExprOf decodes an expression nest.
func xExprOf(t testing.TB, nest []byte) Expr {
	t.Helper()
	var e Expr
	if err := e.Decode(nest); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestExprTextSynthetic covers the expressions and modes the corpus cannot
// produce on the test machine. The expected text is libnftnl 1.2.x's
// format for each (src/expr/<name>.c), written out by hand.
func TestExprTextSynthetic(t *testing.T) {
	for _, c := range []struct {
		nest []byte
		want string
	}{
		{xExpr("queue", xU16(unix.NFTA_QUEUE_NUM, 3), xU16(unix.NFTA_QUEUE_TOTAL, 3), xU16(unix.NFTA_QUEUE_FLAGS, 3)), "queue num 3-5 bypass fanout"},
		{xExpr("queue", xU16(unix.NFTA_QUEUE_NUM, 7), xU16(unix.NFTA_QUEUE_TOTAL, 1)), "queue num 7"},
		{xExpr("queue", xU32(unix.NFTA_QUEUE_SREG_QNUM, 1), xU16(unix.NFTA_QUEUE_FLAGS, 1)), "queue sreg_qnum 1 bypass"},
		{xExpr("last", xU32(AttrLastSet, 0), xU64(AttrLastMsecs, 0)), "last never"},
		{xExpr("last", xU32(AttrLastSet, 1), xU64(AttrLastMsecs, 1234)), "last 1234"},
		{xExpr("bitwise", xU32(unix.NFTA_BITWISE_SREG, 1), xU32(unix.NFTA_BITWISE_DREG, 2), xU32(unix.NFTA_BITWISE_LEN, 4), xU32(AttrBitwiseOp, 3), xU32(AttrBitwiseSreg2, 3)), "bitwise reg 2 = ( reg 1 & reg 3 )"},
		{xExpr("bitwise", xU32(unix.NFTA_BITWISE_SREG, 1), xU32(unix.NFTA_BITWISE_DREG, 1), xU32(unix.NFTA_BITWISE_LEN, 4), xU32(AttrBitwiseOp, 4), xU32(AttrBitwiseSreg2, 9)), "bitwise reg 1 = ( reg 1 | reg 9 )"},
		{xExpr("bitwise", xU32(unix.NFTA_BITWISE_SREG, 1), xU32(unix.NFTA_BITWISE_DREG, 1), xU32(unix.NFTA_BITWISE_LEN, 4), xU32(AttrBitwiseOp, 5), xU32(AttrBitwiseSreg2, 9)), "bitwise reg 1 = ( reg 1 ^ reg 9 )"},
		{xExpr("bitwise", xU32(unix.NFTA_BITWISE_SREG, 1), xU32(unix.NFTA_BITWISE_DREG, 1), xU32(unix.NFTA_BITWISE_LEN, 4), xValue(unix.NFTA_BITWISE_MASK, 0xff, 0, 0, 0), xValue(unix.NFTA_BITWISE_XOR, 0, 0, 0, 0)), "bitwise reg 1 = ( reg 1 & 0x000000ff ) ^ 0x00000000"},
		{xExpr("bitwise", xU32(unix.NFTA_BITWISE_SREG, 1), xU32(unix.NFTA_BITWISE_DREG, 1), xU32(unix.NFTA_BITWISE_LEN, 4), xU32(AttrBitwiseOp, 4), xValue(AttrBitwiseData, 1, 0, 0, 0)), "bitwise reg 1 = ( reg 1 | 0x00000001 )"},
		{xExpr("bitwise", xU32(unix.NFTA_BITWISE_SREG, 1), xU32(unix.NFTA_BITWISE_DREG, 1), xU32(unix.NFTA_BITWISE_LEN, 4), xU32(AttrBitwiseOp, 9)), "bitwise"},
		{xExpr("exthdr", xU8(unix.NFTA_EXTHDR_TYPE, 4), xU32(unix.NFTA_EXTHDR_OP, 0), xU32(unix.NFTA_EXTHDR_LEN, 2), xU32(unix.NFTA_EXTHDR_OFFSET, 1)), "exthdr op 0 len 2 type 4 offset 1"},
		{xExpr("exthdr", xU32(unix.NFTA_EXTHDR_SREG, 1), xU8(unix.NFTA_EXTHDR_TYPE, 7), xU32(unix.NFTA_EXTHDR_OP, 2), xU32(unix.NFTA_EXTHDR_LEN, 4), xU32(unix.NFTA_EXTHDR_OFFSET, 3)), "exthdr write ipv4 reg 1 => 4b @ 7 + 3"},
		{xExpr("tunnel", xU32(AttrTunnelKey, 1), xU32(AttrTunnelDreg, 1)), "tunnel load id => reg 1"},
		{xExpr("match", xStr(unix.NFTA_MATCH_NAME, "conntrack"), xU32(unix.NFTA_MATCH_REV, 3), xAttr(unix.NFTA_MATCH_INFO, make([]byte, 8))), "match name conntrack rev 3"},
		{xExpr("target", xStr(unix.NFTA_TARGET_NAME, "MASQUERADE"), xU32(unix.NFTA_TARGET_REV, 0)), "target name MASQUERADE rev 0"},
		{xExpr("inner", xU32(AttrInnerNum, 0), xU32(AttrInnerType, 1), xU32(AttrInnerFlags, 0xe), xU32(AttrInnerHdrsize, 8),
			xAttr(AttrInnerExpr, xExpr("meta", xU32(unix.NFTA_META_KEY, 16), xU32(unix.NFTA_META_DREG, 1)))),
			"inner type 1 hdrsize 8 flags e [ meta load l4proto => reg 1 ]"},
		{xExpr("dynset", xStr(unix.NFTA_DYNSET_SET_NAME, "m"), xU32(unix.NFTA_DYNSET_OP, 0), xU32(unix.NFTA_DYNSET_SREG_KEY, 1), xU32(unix.NFTA_DYNSET_SREG_DATA, 2), xU64(unix.NFTA_DYNSET_TIMEOUT, 5000)),
			"dynset add reg_key 1 set m sreg_data 2 timeout 5000ms"},
		{xExpr("immediate", xU32(unix.NFTA_IMMEDIATE_DREG, 0), xVerdict(unix.NFTA_IMMEDIATE_DATA, int32(VerdictBreak), "")), "immediate reg 0 break"},
		{xExpr("immediate", xU32(unix.NFTA_IMMEDIATE_DREG, 0), xVerdict(unix.NFTA_IMMEDIATE_DATA, int32(VerdictQueue), "")), "immediate reg 0 queue"},
		{xExpr("immediate", xU32(unix.NFTA_IMMEDIATE_DREG, 0), xVerdict(unix.NFTA_IMMEDIATE_DATA, 42, "")), "immediate reg 0 unknown"},
		{xExpr("immediate", xU32(unix.NFTA_IMMEDIATE_DREG, 1), xValue(unix.NFTA_IMMEDIATE_DATA, 1, 2, 3, 4, 5)), "immediate reg 1 0x04030201 0x00000005"},
		{xExpr("fib", xU32(unix.NFTA_FIB_DREG, 1), xU32(unix.NFTA_FIB_RESULT, 9), xU32(unix.NFTA_FIB_FLAGS, 0x40|2)), "fib daddr . unknown 0x40unknown => reg 1"},
		{xExpr("limit", xU64(unix.NFTA_LIMIT_RATE, 1), xU64(unix.NFTA_LIMIT_UNIT, 604800), xU32(unix.NFTA_LIMIT_BURST, 0), xU32(unix.NFTA_LIMIT_TYPE, 0), xU32(unix.NFTA_LIMIT_FLAGS, 0)), "limit rate 1/week burst 0 type packets flags 0x0"},
		{xExpr("limit", xU64(unix.NFTA_LIMIT_RATE, 1), xU64(unix.NFTA_LIMIT_UNIT, 7)), "limit rate 1/error burst 0 type packets flags 0x0"},
		{xExpr("ct", xU32(unix.NFTA_CT_KEY, 99), xU32(unix.NFTA_CT_DREG, 1)), "ct load unknown => reg 1"},
		{xExpr("meta", xU32(unix.NFTA_META_KEY, 35), xU32(unix.NFTA_META_SREG, 1)), "meta set broute with reg 1"},
		{xExpr("payload", xU32(unix.NFTA_PAYLOAD_DREG, 1), xU32(unix.NFTA_PAYLOAD_BASE, 3), xU32(unix.NFTA_PAYLOAD_OFFSET, 0), xU32(unix.NFTA_PAYLOAD_LEN, 1)), "payload load 1b @ inner header + 0 => reg 1"},
		{xExpr("notrack"), "notrack"},
		{xExpr("flow_offload", xStr(1, "ft")), "flow_offload"},
		{xExpr("payload", xAttr(unix.NFTA_PAYLOAD_LEN, []byte{1})), "payload (malformed)"},
	} {
		got := string(AppendExprText(nil, xExprOf(t, c.nest)))
		if got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
	}
}

// TestExprDecodeViews checks the typed views on synthetic input: fields,
// Present, aliasing, and that Decode resets the value.
func TestExprDecodeViews(t *testing.T) {
	data := append(append(xU32(unix.NFTA_PAYLOAD_SREG, 1), xU32(unix.NFTA_PAYLOAD_BASE, 2)...), xU32(200, 7)...)
	var p PayloadExpr
	if err := p.Decode(data); err != nil {
		t.Fatal(err)
	}
	if p.SReg != 1 || p.Base != PayloadTransport || !p.Present.Has(unix.NFTA_PAYLOAD_SREG) || p.Present.Has(unix.NFTA_PAYLOAD_DREG) {
		t.Errorf("payload: %+v", p)
	}
	if err := p.Decode(xU32(unix.NFTA_PAYLOAD_DREG, 3)); err != nil {
		t.Fatal(err)
	}
	if (p != PayloadExpr{DReg: 3, Present: 1 << unix.NFTA_PAYLOAD_DREG}) {
		t.Errorf("payload not reset: %+v", p)
	}

	lk := append(xStr(unix.NFTA_LOOKUP_SET, "myset"), xU32(unix.NFTA_LOOKUP_FLAGS, LookupInv)...)
	var l LookupExpr
	if err := l.Decode(lk); err != nil {
		t.Fatal(err)
	}
	if string(l.Set) != "myset" || l.Flags != LookupInv || &l.Set[0] != &lk[4] {
		t.Errorf("lookup: %+v (set must alias the input)", l)
	}

	var d DynsetExpr
	two := xAttr(AttrDynsetExpressions, xAttr(unix.NFTA_LIST_ELEM, xExpr("counter")), xAttr(unix.NFTA_LIST_ELEM, xExpr("limit")))
	if err := d.Decode(append(xStr(unix.NFTA_DYNSET_SET_NAME, "s"), two...)); err != nil {
		t.Fatal(err)
	}
	var names []string
	for s := d.Exprs(); s.Next(); {
		names = append(names, string(s.Expr().Name))
	}
	if strings.Join(names, ",") != "counter,limit" {
		t.Errorf("dynset expressions %v", names)
	}

	// Wrong sizes are errors, the value is then zero.
	var c CtExpr
	err := c.Decode(append(xU32(unix.NFTA_CT_KEY, 3), xU32(unix.NFTA_CT_DIRECTION, 1)...))
	if !errors.Is(err, nftmon.ErrMalformed) || (c != CtExpr{}) {
		t.Errorf("ct with a u32 direction: %v, %+v", err, c)
	}
	var q QueueExpr
	if err := q.Decode(xU32(unix.NFTA_QUEUE_NUM, 1)); !errors.Is(err, nftmon.ErrMalformed) {
		t.Errorf("queue with a u32 num: %v", err)
	}
	var cmp CmpExpr
	if err := cmp.Decode(xAttr(unix.NFTA_CMP_DATA, xU32(7, 1))); !errors.Is(err, nftmon.ErrMalformed) {
		t.Errorf("cmp with an empty data nest: %v", err)
	}
}

// TestExprEnumStrings checks the libnftnl spellings.
func TestExprEnumStrings(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{MetaL4proto.String(), "l4proto"}, {MetaTimeNS.String(), "time"}, {MetaBriBroute.String(), "broute"},
		{MetaKey(36).String(), "unknown"}, {CtLabels.String(), "label"}, {CtPkts.String(), "packets"},
		{CtEventmask.String(), "event"}, {CtL3Protocol.String(), "l3protocol"}, {CtID.String(), "unknown"},
		{CtDirReply.String(), "reply"}, {CmpGte.String(), "gte"}, {RangeNeq.String(), "neq"},
		{BitwiseRshift.String(), "rshift"}, {ByteorderHton.String(), "hton"}, {NatDnat.String(), "dnat"},
		{PayloadTunnel.String(), "tunnel"}, {ExthdrTCPOpt.String(), "tcpopt"}, {LimitBytes.String(), "bytes"},
		{NumgenRandom.String(), "random"}, {HashSym.String(), "symhash"}, {FibResultAddrtype.String(), "type"},
		{DynsetDelete.String(), "delete"}, {RtXfrm.String(), "ipsec"}, {SocketCgroupv2.String(), "cgroupv2"},
		{XfrmSaddrIP6.String(), "saddr6"}, {XfrmOut.String(), "out"}, {TunnelID.String(), "id"},
		{RejectTCPRst.String(), "tcp reset"}, {XfrmKey(0).String(), "unknown"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// TestExprTextErrors: malformed rules and element lists are errors that
// leave dst as it was.
func TestExprTextErrors(t *testing.T) {
	good := xExpr("counter", xU64(unix.NFTA_COUNTER_PACKETS, 1), xU64(unix.NFTA_COUNTER_BYTES, 2))
	bad := xExpr("counter", xU32(unix.NFTA_COUNTER_PACKETS, 1))
	rule := func(exprs ...[]byte) []byte {
		var l []byte
		for _, e := range exprs {
			l = append(l, xAttr(unix.NFTA_LIST_ELEM, e)...)
		}
		return append(append(xStr(unix.NFTA_RULE_TABLE, "t"), xStr(unix.NFTA_RULE_CHAIN, "c")...), xAttr(unix.NFTA_RULE_EXPRESSIONS, l)...)
	}
	got, err := AppendRuleText([]byte("x"), nftmon.FamilyIPv4, rule(good))
	if err != nil || string(got) != "xip t c\n  [ counter pkts 1 bytes 2 ]" {
		t.Errorf("good rule: %q, %v", got, err)
	}
	for name, attrs := range map[string][]byte{
		"bad expression":    rule(good, bad),
		"no table":          xStr(unix.NFTA_RULE_CHAIN, "c"),
		"truncated":         rule(good)[:20],
		"expr without name": append(xStr(unix.NFTA_RULE_TABLE, "t"), xAttr(unix.NFTA_RULE_EXPRESSIONS, xAttr(unix.NFTA_LIST_ELEM, xAttr(unix.NFTA_EXPR_DATA)))...),
	} {
		got, err := AppendRuleText([]byte("x"), nftmon.FamilyIPv4, attrs)
		if !errors.Is(err, nftmon.ErrMalformed) || string(got) != "x" {
			t.Errorf("%s: %q, %v", name, got, err)
		}
	}
	elems := func(elem ...[]byte) []byte {
		return append(append(xStr(unix.NFTA_SET_ELEM_LIST_TABLE, "t"), xStr(unix.NFTA_SET_ELEM_LIST_SET, "s")...),
			xAttr(unix.NFTA_SET_ELEM_LIST_ELEMENTS, xAttr(unix.NFTA_LIST_ELEM, elem...))...)
	}
	got, err = AppendSetElemsText(nil, nftmon.FamilyINet, elems(xValue(unix.NFTA_SET_ELEM_KEY, 10, 0, 0, 1), xVerdict(unix.NFTA_SET_ELEM_DATA, int32(VerdictGoto), "x"), xU32(unix.NFTA_SET_ELEM_FLAGS, 0)))
	if err != nil || string(got) != "inet t @s\n\telement 0100000a  : goto -> x 0 [end]" {
		t.Errorf("element: %q, %v", got, err)
	}
	got, err = AppendSetElemsText([]byte("x"), nftmon.FamilyINet, elems(xValue(unix.NFTA_SET_ELEM_KEY, 1), xU64(unix.NFTA_SET_ELEM_FLAGS, 0)))
	if !errors.Is(err, nftmon.ErrMalformed) || string(got) != "x" {
		t.Errorf("bad element: %q, %v", got, err)
	}
}

// TestExprDecoder: the decoder picks the view of every name this package
// knows, returns nil and no error for an unknown name, and a nil view, an
// error and a zero view for malformed data.
func TestExprDecoder(t *testing.T) {
	var d ExprDecoder
	for name, want := range exprKinds {
		v, err := d.Decode([]byte(name), nil)
		if err != nil {
			t.Errorf("%s with no data: %v", name, err)
			continue
		}
		if reflect.TypeOf(v) != reflect.TypeOf(want) {
			t.Errorf("%s decoded into %T, want %T", name, v, want)
		}
	}
	if v, err := d.Decode([]byte("frobnicate"), xU32(1, 1)); v != nil || err != nil {
		t.Errorf("unknown expression: %v, %v", v, err)
	}
	// Each kind has its own view: decoding a cmp leaves the payload alone,
	// and match and target do not share one.
	p, _ := d.Decode([]byte("payload"), xU32(unix.NFTA_PAYLOAD_LEN, 2))
	d.Decode([]byte("cmp"), xU32(unix.NFTA_CMP_SREG, 1))
	if p.(*PayloadExpr).Len != 2 {
		t.Errorf("payload view overwritten: %+v", p)
	}
	m, _ := d.Decode([]byte("match"), xStr(unix.NFTA_MATCH_NAME, "conntrack"))
	d.Decode([]byte("target"), xStr(unix.NFTA_TARGET_NAME, "MASQUERADE"))
	if string(m.(*CompatExpr).Name) != "conntrack" {
		t.Errorf("match view overwritten by target: %+v", m)
	}
	// Malformed: a u32 attribute of 1 byte.
	for name := range exprKinds {
		if name == "notrack" {
			continue
		}
		var bad []byte
		for typ := uint16(1); typ < 12; typ++ {
			bad = append(bad, xAttr(typ, []byte{1})...)
		}
		view, _ := d.Decode([]byte(name), nil) // the decoder's view of this kind
		v, err := d.Decode([]byte(name), bad)
		if err == nil || v != nil {
			t.Errorf("%s malformed: %v, %v", name, v, err)
			continue
		}
		if !errors.Is(err, nftmon.ErrMalformed) {
			t.Errorf("%s malformed: %v is not nftmon.ErrMalformed", name, err)
		}
		if !reflect.ValueOf(view).Elem().IsZero() {
			t.Errorf("%s: view not zero after an error", name)
		}
	}
	if v, err := d.Decode([]byte("notrack"), []byte{1, 2}); v != nil || !errors.Is(err, nftmon.ErrMalformed) {
		t.Errorf("notrack with truncated data: %v, %v", v, err)
	}
}
