package msgs

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// TestExprTextSynthetic covers the expressions and modes the corpus cannot
// produce on the test machine. The expected text is libnftnl 1.2.x's
// format for each (src/expr/<name>.c), written out by hand.
func TestExprTextSynthetic(t *testing.T) {
	for _, c := range []struct {
		nest []byte
		want string
	}{
		{atExpr("queue", atU16(unix.NFTA_QUEUE_NUM, 3), atU16(unix.NFTA_QUEUE_TOTAL, 3), atU16(unix.NFTA_QUEUE_FLAGS, 3)), "queue num 3-5 bypass fanout"},
		{atExpr("queue", atU16(unix.NFTA_QUEUE_NUM, 7), atU16(unix.NFTA_QUEUE_TOTAL, 1)), "queue num 7"},
		{atExpr("queue", atU32(unix.NFTA_QUEUE_SREG_QNUM, 1), atU16(unix.NFTA_QUEUE_FLAGS, 1)), "queue sreg_qnum 1 bypass"},
		{atExpr("last", atU32(AttrLastSet, 0), atU64(AttrLastMsecs, 0)), "last never"},
		{atExpr("last", atU32(AttrLastSet, 1), atU64(AttrLastMsecs, 1234)), "last 1234"},
		{atExpr("bitwise", atU32(unix.NFTA_BITWISE_SREG, 1), atU32(unix.NFTA_BITWISE_DREG, 2), atU32(unix.NFTA_BITWISE_LEN, 4), atU32(AttrBitwiseOp, 3), atU32(AttrBitwiseSreg2, 3)), "bitwise reg 2 = ( reg 1 & reg 3 )"},
		{atExpr("bitwise", atU32(unix.NFTA_BITWISE_SREG, 1), atU32(unix.NFTA_BITWISE_DREG, 1), atU32(unix.NFTA_BITWISE_LEN, 4), atU32(AttrBitwiseOp, 4), atU32(AttrBitwiseSreg2, 9)), "bitwise reg 1 = ( reg 1 | reg 9 )"},
		{atExpr("bitwise", atU32(unix.NFTA_BITWISE_SREG, 1), atU32(unix.NFTA_BITWISE_DREG, 1), atU32(unix.NFTA_BITWISE_LEN, 4), atU32(AttrBitwiseOp, 5), atU32(AttrBitwiseSreg2, 9)), "bitwise reg 1 = ( reg 1 ^ reg 9 )"},
		{atExpr("bitwise", atU32(unix.NFTA_BITWISE_SREG, 1), atU32(unix.NFTA_BITWISE_DREG, 1), atU32(unix.NFTA_BITWISE_LEN, 4), atValue(unix.NFTA_BITWISE_MASK, 0xff, 0, 0, 0), atValue(unix.NFTA_BITWISE_XOR, 0, 0, 0, 0)), "bitwise reg 1 = ( reg 1 & 0x000000ff ) ^ 0x00000000"},
		{atExpr("bitwise", atU32(unix.NFTA_BITWISE_SREG, 1), atU32(unix.NFTA_BITWISE_DREG, 1), atU32(unix.NFTA_BITWISE_LEN, 4), atU32(AttrBitwiseOp, 4), atValue(AttrBitwiseData, 1, 0, 0, 0)), "bitwise reg 1 = ( reg 1 | 0x00000001 )"},
		{atExpr("bitwise", atU32(unix.NFTA_BITWISE_SREG, 1), atU32(unix.NFTA_BITWISE_DREG, 1), atU32(unix.NFTA_BITWISE_LEN, 4), atU32(AttrBitwiseOp, 9)), "bitwise"},
		{atExpr("exthdr", atU8(unix.NFTA_EXTHDR_TYPE, 4), atU32(unix.NFTA_EXTHDR_OP, 0), atU32(unix.NFTA_EXTHDR_LEN, 2), atU32(unix.NFTA_EXTHDR_OFFSET, 1)), "exthdr op 0 len 2 type 4 offset 1"},
		{atExpr("exthdr", atU32(unix.NFTA_EXTHDR_SREG, 1), atU8(unix.NFTA_EXTHDR_TYPE, 7), atU32(unix.NFTA_EXTHDR_OP, 2), atU32(unix.NFTA_EXTHDR_LEN, 4), atU32(unix.NFTA_EXTHDR_OFFSET, 3)), "exthdr write ipv4 reg 1 => 4b @ 7 + 3"},
		{atExpr("tunnel", atU32(AttrTunnelKey, 1), atU32(AttrTunnelDreg, 1)), "tunnel load id => reg 1"},
		{atExpr("match", atStr(unix.NFTA_MATCH_NAME, "conntrack"), atU32(unix.NFTA_MATCH_REV, 3), at(unix.NFTA_MATCH_INFO, make([]byte, 8))), "match name conntrack rev 3"},
		{atExpr("target", atStr(unix.NFTA_TARGET_NAME, "MASQUERADE"), atU32(unix.NFTA_TARGET_REV, 0)), "target name MASQUERADE rev 0"},
		{atExpr("inner", atU32(AttrInnerNum, 0), atU32(AttrInnerType, 1), atU32(AttrInnerFlags, 0xe), atU32(AttrInnerHdrsize, 8),
			at(AttrInnerExpr, atExpr("meta", atU32(unix.NFTA_META_KEY, 16), atU32(unix.NFTA_META_DREG, 1)))),
			"inner type 1 hdrsize 8 flags e [ meta load l4proto => reg 1 ]"},
		{atExpr("dynset", atStr(unix.NFTA_DYNSET_SET_NAME, "m"), atU32(unix.NFTA_DYNSET_OP, 0), atU32(unix.NFTA_DYNSET_SREG_KEY, 1), atU32(unix.NFTA_DYNSET_SREG_DATA, 2), atU64(unix.NFTA_DYNSET_TIMEOUT, 5000)),
			"dynset add reg_key 1 set m sreg_data 2 timeout 5000ms"},
		{atExpr("immediate", atU32(unix.NFTA_IMMEDIATE_DREG, 0), atVerdict(unix.NFTA_IMMEDIATE_DATA, int32(VerdictBreak), "")), "immediate reg 0 break"},
		{atExpr("immediate", atU32(unix.NFTA_IMMEDIATE_DREG, 0), atVerdict(unix.NFTA_IMMEDIATE_DATA, int32(VerdictQueue), "")), "immediate reg 0 queue"},
		{atExpr("immediate", atU32(unix.NFTA_IMMEDIATE_DREG, 0), atVerdict(unix.NFTA_IMMEDIATE_DATA, 42, "")), "immediate reg 0 unknown"},
		{atExpr("immediate", atU32(unix.NFTA_IMMEDIATE_DREG, 1), atValue(unix.NFTA_IMMEDIATE_DATA, 1, 2, 3, 4, 5)), "immediate reg 1 0x04030201 0x00000005"},
		{atExpr("fib", atU32(unix.NFTA_FIB_DREG, 1), atU32(unix.NFTA_FIB_RESULT, 9), atU32(unix.NFTA_FIB_FLAGS, 0x40|2)), "fib daddr . unknown 0x40unknown => reg 1"},
		{atExpr("limit", atU64(unix.NFTA_LIMIT_RATE, 1), atU64(unix.NFTA_LIMIT_UNIT, 604800), atU32(unix.NFTA_LIMIT_BURST, 0), atU32(unix.NFTA_LIMIT_TYPE, 0), atU32(unix.NFTA_LIMIT_FLAGS, 0)), "limit rate 1/week burst 0 type packets flags 0x0"},
		{atExpr("limit", atU64(unix.NFTA_LIMIT_RATE, 1), atU64(unix.NFTA_LIMIT_UNIT, 7)), "limit rate 1/error burst 0 type packets flags 0x0"},
		{atExpr("ct", atU32(unix.NFTA_CT_KEY, 99), atU32(unix.NFTA_CT_DREG, 1)), "ct load unknown => reg 1"},
		{atExpr("meta", atU32(unix.NFTA_META_KEY, 35), atU32(unix.NFTA_META_SREG, 1)), "meta set broute with reg 1"},
		{atExpr("payload", atU32(unix.NFTA_PAYLOAD_DREG, 1), atU32(unix.NFTA_PAYLOAD_BASE, 3), atU32(unix.NFTA_PAYLOAD_OFFSET, 0), atU32(unix.NFTA_PAYLOAD_LEN, 1)), "payload load 1b @ inner header + 0 => reg 1"},
		{atExpr("notrack"), "notrack"},
		{atExpr("flow_offload", atStr(1, "ft")), "flow_offload"},
		{atExpr("payload", at(unix.NFTA_PAYLOAD_LEN, []byte{1})), "payload (malformed)"},
	} {
		got := string(AppendExprText(nil, exprOf(t, c.nest)))
		if got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
	}
}

// TestExprDecodeViews checks the typed views on synthetic input: fields,
// Present, aliasing, and that Decode resets the value.
func TestExprDecodeViews(t *testing.T) {
	data := append(append(atU32(unix.NFTA_PAYLOAD_SREG, 1), atU32(unix.NFTA_PAYLOAD_BASE, 2)...), atU32(200, 7)...)
	var p PayloadExpr
	if err := p.Decode(data); err != nil {
		t.Fatal(err)
	}
	if p.SReg != 1 || p.Base != PayloadTransport || !p.Present.Has(unix.NFTA_PAYLOAD_SREG) || p.Present.Has(unix.NFTA_PAYLOAD_DREG) {
		t.Errorf("payload: %+v", p)
	}
	if err := p.Decode(atU32(unix.NFTA_PAYLOAD_DREG, 3)); err != nil {
		t.Fatal(err)
	}
	if (p != PayloadExpr{DReg: 3, Present: 1 << unix.NFTA_PAYLOAD_DREG}) {
		t.Errorf("payload not reset: %+v", p)
	}

	lk := append(atStr(unix.NFTA_LOOKUP_SET, "myset"), atU32(unix.NFTA_LOOKUP_FLAGS, LookupInv)...)
	var l LookupExpr
	if err := l.Decode(lk); err != nil {
		t.Fatal(err)
	}
	if string(l.Set) != "myset" || l.Flags != LookupInv || &l.Set[0] != &lk[4] {
		t.Errorf("lookup: %+v (set must alias the input)", l)
	}

	var d DynsetExpr
	two := at(AttrDynsetExpressions, at(unix.NFTA_LIST_ELEM, atExpr("counter")), at(unix.NFTA_LIST_ELEM, atExpr("limit")))
	if err := d.Decode(append(atStr(unix.NFTA_DYNSET_SET_NAME, "s"), two...)); err != nil {
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
	err := c.Decode(append(atU32(unix.NFTA_CT_KEY, 3), atU32(unix.NFTA_CT_DIRECTION, 1)...))
	if !errors.Is(err, nftmon.ErrMalformed) || (c != CtExpr{}) {
		t.Errorf("ct with a u32 direction: %v, %+v", err, c)
	}
	var q QueueExpr
	if err := q.Decode(atU32(unix.NFTA_QUEUE_NUM, 1)); !errors.Is(err, nftmon.ErrMalformed) {
		t.Errorf("queue with a u32 num: %v", err)
	}
	var cmp CmpExpr
	if err := cmp.Decode(at(unix.NFTA_CMP_DATA, atU32(7, 1))); !errors.Is(err, nftmon.ErrMalformed) {
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
	good := atExpr("counter", atU64(unix.NFTA_COUNTER_PACKETS, 1), atU64(unix.NFTA_COUNTER_BYTES, 2))
	bad := atExpr("counter", atU32(unix.NFTA_COUNTER_PACKETS, 1))
	rule := func(exprs ...[]byte) []byte {
		var l []byte
		for _, e := range exprs {
			l = append(l, at(unix.NFTA_LIST_ELEM, e)...)
		}
		return append(append(atStr(unix.NFTA_RULE_TABLE, "t"), atStr(unix.NFTA_RULE_CHAIN, "c")...), at(unix.NFTA_RULE_EXPRESSIONS, l)...)
	}
	got, err := AppendRuleText([]byte("x"), nftmon.FamilyIPv4, rule(good))
	if err != nil || string(got) != "xip t c\n  [ counter pkts 1 bytes 2 ]" {
		t.Errorf("good rule: %q, %v", got, err)
	}
	for name, attrs := range map[string][]byte{
		"bad expression":    rule(good, bad),
		"no table":          atStr(unix.NFTA_RULE_CHAIN, "c"),
		"truncated":         rule(good)[:20],
		"expr without name": append(atStr(unix.NFTA_RULE_TABLE, "t"), at(unix.NFTA_RULE_EXPRESSIONS, at(unix.NFTA_LIST_ELEM, at(unix.NFTA_EXPR_DATA)))...),
	} {
		got, err := AppendRuleText([]byte("x"), nftmon.FamilyIPv4, attrs)
		if !errors.Is(err, nftmon.ErrMalformed) || string(got) != "x" {
			t.Errorf("%s: %q, %v", name, got, err)
		}
	}
	elems := func(elem ...[]byte) []byte {
		return append(append(atStr(unix.NFTA_SET_ELEM_LIST_TABLE, "t"), atStr(unix.NFTA_SET_ELEM_LIST_SET, "s")...),
			at(unix.NFTA_SET_ELEM_LIST_ELEMENTS, at(unix.NFTA_LIST_ELEM, elem...))...)
	}
	got, err = AppendSetElemsText(nil, nftmon.FamilyINet, elems(atValue(unix.NFTA_SET_ELEM_KEY, 10, 0, 0, 1), atVerdict(unix.NFTA_SET_ELEM_DATA, int32(VerdictGoto), "x"), atU32(unix.NFTA_SET_ELEM_FLAGS, 0)))
	if err != nil || string(got) != "inet t @s\n\telement 0100000a  : goto -> x 0 [end]" {
		t.Errorf("element: %q, %v", got, err)
	}
	got, err = AppendSetElemsText([]byte("x"), nftmon.FamilyINet, elems(atValue(unix.NFTA_SET_ELEM_KEY, 1), atU64(unix.NFTA_SET_ELEM_FLAGS, 0)))
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
	if v, err := d.Decode([]byte("frobnicate"), atU32(1, 1)); v != nil || err != nil {
		t.Errorf("unknown expression: %v, %v", v, err)
	}
	// Each kind has its own view: decoding a cmp leaves the payload alone,
	// and match and target do not share one.
	p, _ := d.Decode([]byte("payload"), atU32(unix.NFTA_PAYLOAD_LEN, 2))
	d.Decode([]byte("cmp"), atU32(unix.NFTA_CMP_SREG, 1))
	if p.(*PayloadExpr).Len != 2 {
		t.Errorf("payload view overwritten: %+v", p)
	}
	m, _ := d.Decode([]byte("match"), atStr(unix.NFTA_MATCH_NAME, "conntrack"))
	d.Decode([]byte("target"), atStr(unix.NFTA_TARGET_NAME, "MASQUERADE"))
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
			bad = append(bad, at(typ, []byte{1})...)
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
