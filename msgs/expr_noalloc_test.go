package msgs

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// exprKinds maps every expression name this package knows to a value of
// its view's type: the oracle of ExprDecoder's table.
var exprKinds = map[string]ExprView{
	"payload": &PayloadExpr{}, "cmp": &CmpExpr{}, "range": &RangeExpr{}, "meta": &MetaExpr{},
	"immediate": &ImmediateExpr{}, "bitwise": &BitwiseExpr{}, "byteorder": &ByteorderExpr{},
	"lookup": &LookupExpr{}, "dynset": &DynsetExpr{}, "objref": &ObjrefExpr{},
	"counter": &CounterExpr{}, "limit": &LimitExpr{}, "quota": &QuotaExpr{},
	"connlimit": &ConnlimitExpr{}, "last": &LastExpr{}, "ct": &CtExpr{}, "log": &LogExpr{},
	"reject": &RejectExpr{}, "nat": &NatExpr{}, "masq": &MasqExpr{}, "redir": &RedirExpr{},
	"tproxy": &TproxyExpr{}, "synproxy": &SynproxyExpr{}, "queue": &QueueExpr{}, "dup": &DupExpr{},
	"fwd": &FwdExpr{}, "exthdr": &ExthdrExpr{}, "fib": &FibExpr{}, "numgen": &NumgenExpr{},
	"hash": &HashExpr{}, "socket": &SocketExpr{}, "osf": &OsfExpr{}, "xfrm": &XfrmExpr{},
	"rt": &RtExpr{}, "tunnel": &TunnelExpr{}, "inner": &InnerExpr{}, "match": &CompatExpr{},
	"target": &CompatExpr{}, "notrack": &NotrackExpr{},
}

// corpusExprs returns every expression nest of the corpus rules (dumped and
// notified), plus the synthetic ones of expressions the test kernel cannot
// make.
func corpusExprs(t testing.TB) [][]byte {
	t.Helper()
	var out [][]byte
	files, _ := filepath.Glob("testdata/exprs/*.pcap")
	for _, f := range files {
		for _, m := range parseCorpusMsgs(t, readPcap(t, f)) {
			if m.typ != nftmon.MsgNewRule {
				continue
			}
			s := nftmon.NewAttrScanner(m.attrs)
			for s.Next() {
				if s.Type() != unix.NFTA_RULE_EXPRESSIONS {
					continue
				}
				l := s.Nested()
				for l.Next() {
					out = append(out, l.Bytes())
				}
			}
		}
	}
	return append(out, syntheticExprs()...)
}

// syntheticExprs are expressions the corpus cannot produce here.
func syntheticExprs() [][]byte {
	return [][]byte{
		atExpr("queue", atU16(unix.NFTA_QUEUE_NUM, 3), atU16(unix.NFTA_QUEUE_TOTAL, 3), atU16(unix.NFTA_QUEUE_FLAGS, 3)),
		atExpr("last", atU32(AttrLastSet, 1), atU64(AttrLastMsecs, 1234)),
		atExpr("tunnel", atU32(AttrTunnelKey, 1), atU32(AttrTunnelDreg, 1)),
		atExpr("match", atStr(unix.NFTA_MATCH_NAME, "conntrack"), atU32(unix.NFTA_MATCH_REV, 3), at(unix.NFTA_MATCH_INFO, make([]byte, 8))),
		atExpr("target", atStr(unix.NFTA_TARGET_NAME, "MASQUERADE"), atU32(unix.NFTA_TARGET_REV, 0)),
		atExpr("inner", atU32(AttrInnerNum, 0), atU32(AttrInnerType, 1), atU32(AttrInnerFlags, 0xe), atU32(AttrInnerHdrsize, 8),
			at(AttrInnerExpr, atExpr("meta", atU32(unix.NFTA_META_KEY, 16), atU32(unix.NFTA_META_DREG, 1)))),
		atExpr("bitwise", atU32(unix.NFTA_BITWISE_SREG, 1), atU32(unix.NFTA_BITWISE_DREG, 2), atU32(unix.NFTA_BITWISE_LEN, 4), atU32(AttrBitwiseOp, 3), atU32(AttrBitwiseSreg2, 3)),
	}
}

// TestExprNoAllocs: decoding any expression with an ExprDecoder (and
// walking the expressions nested in it), rendering it, and rendering a long
// rule or a set element message into a buffer with room allocate nothing.
func TestExprNoAllocs(t *testing.T) {
	seen := map[string][]byte{}
	for _, nest := range corpusExprs(t) {
		e := exprOf(t, nest)
		if _, ok := seen[string(e.Name)]; !ok {
			seen[string(e.Name)] = nest
		}
	}
	var d ExprDecoder
	for name := range exprKinds {
		nest, ok := seen[name]
		if !ok {
			t.Errorf("no %s expression in the corpus or the synthetic ones", name)
			continue
		}
		e := exprOf(t, nest)
		if _, err := d.Decode(e.Name, e.Data); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if n := testing.AllocsPerRun(100, func() {
			v, _ := d.Decode(e.Name, e.Data)
			var s ExprScanner
			switch x := v.(type) {
			case *DynsetExpr:
				s = x.Exprs()
			case *InnerExpr:
				s = x.Exprs()
			}
			for s.Next() {
			}
		}); n != 0 {
			t.Errorf("decoding %s: %v allocations", name, n)
		}
		if n := testing.AllocsPerRun(100, func() {
			var local ExprDecoder // on the stack: Decode must not make it escape
			_, _ = local.Decode(e.Name, e.Data)
		}); n != 0 {
			t.Errorf("decoding %s with a local decoder: %v allocations", name, n)
		}
		dst := make([]byte, 0, 4096)
		if n := testing.AllocsPerRun(100, func() { dst = AppendExprText(dst[:0], e) }); n != 0 {
			t.Errorf("text of %s: %v allocations", name, n)
		}
	}
	// Every expression of the corpus, in every mode, renders without
	// allocating.
	all := corpusExprs(t)
	exprs := make([]Expr, len(all))
	for i, nest := range all {
		exprs[i] = exprOf(t, nest)
	}
	big := make([]byte, 0, 1<<20)
	if n := testing.AllocsPerRun(10, func() {
		big = big[:0]
		for _, e := range exprs {
			big = AppendExprText(big, e)
		}
	}); n != 0 {
		t.Errorf("text of all %d corpus expressions: %v allocations", len(exprs), n)
	}
	// A malformed expression costs nothing either.
	bad := Expr{Name: []byte("payload"), Data: at(unix.NFTA_PAYLOAD_LEN, []byte{1})}
	dst := make([]byte, 0, 4096)
	if n := testing.AllocsPerRun(100, func() { dst = AppendExprText(dst[:0], bad) }); n != 0 {
		t.Errorf("text of a malformed expression: %v allocations", n)
	}

	rule, elems := longestRule(t), longestElems(t)
	if n := testing.AllocsPerRun(100, func() { dst, _ = AppendRuleText(dst[:0], rule.family, rule.attrs) }); n != 0 {
		t.Errorf("rule text: %v allocations", n)
	}
	if !strings.Contains(string(dst), "\n  [ ") {
		t.Errorf("rule text %q", dst)
	}
	if n := testing.AllocsPerRun(100, func() { dst, _ = AppendSetElemsText(dst[:0], elems.family, elems.attrs) }); n != 0 {
		t.Errorf("set element text: %v allocations", n)
	}
	s := NewExprScanner(nil)
	if n := testing.AllocsPerRun(100, func() {
		s = NewExprScanner(ruleExprList(rule.attrs))
		for s.Next() {
		}
	}); n != 0 {
		t.Errorf("expression scanner: %v allocations", n)
	}
}

// longestRule returns the corpus rule with the most expressions.
func longestRule(t testing.TB) corpusMsg {
	var best corpusMsg
	most := -1
	files, _ := filepath.Glob("testdata/exprs/*.pcap")
	for _, f := range files {
		for _, m := range parseCorpusMsgs(t, readPcap(t, f)) {
			if m.typ != nftmon.MsgNewRule {
				continue
			}
			n := 0
			for s := NewExprScanner(ruleExprList(m.attrs)); s.Next(); {
				n++
			}
			if n > most {
				best, most = m, n
			}
		}
	}
	if most < 5 {
		t.Fatalf("no long rule in the corpus (longest has %d expressions)", most)
	}
	return best
}

// longestElems returns the biggest set element message of the corpus.
func longestElems(t testing.TB) corpusMsg {
	var best corpusMsg
	files, _ := filepath.Glob("testdata/exprs/*.pcap")
	for _, f := range files {
		for _, m := range parseCorpusMsgs(t, readPcap(t, f)) {
			if m.typ == nftmon.MsgNewSetElem && len(m.attrs) > len(best.attrs) {
				best = m
			}
		}
	}
	if best.attrs == nil {
		t.Fatal("no set elements in the corpus")
	}
	return best
}

// ruleExprList returns a rule's NFTA_RULE_EXPRESSIONS payload.
func ruleExprList(attrs []byte) []byte {
	s := nftmon.NewAttrScanner(attrs)
	for s.Next() {
		if s.Type() == unix.NFTA_RULE_EXPRESSIONS {
			return s.Bytes()
		}
	}
	return nil
}
