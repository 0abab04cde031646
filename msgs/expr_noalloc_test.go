package msgs

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nftmon/nftmon"
)

// exprDecoders decodes an expression's data with its typed view, by name.
var exprDecoders = map[string]func(data []byte) error{
	"payload":   func(b []byte) error { var x PayloadExpr; return x.Decode(b) },
	"cmp":       func(b []byte) error { var x CmpExpr; return x.Decode(b) },
	"range":     func(b []byte) error { var x RangeExpr; return x.Decode(b) },
	"meta":      func(b []byte) error { var x MetaExpr; return x.Decode(b) },
	"immediate": func(b []byte) error { var x ImmediateExpr; return x.Decode(b) },
	"bitwise":   func(b []byte) error { var x BitwiseExpr; return x.Decode(b) },
	"byteorder": func(b []byte) error { var x ByteorderExpr; return x.Decode(b) },
	"lookup":    func(b []byte) error { var x LookupExpr; return x.Decode(b) },
	"counter":   func(b []byte) error { var x CounterExpr; return x.Decode(b) },
	"ct":        func(b []byte) error { var x CtExpr; return x.Decode(b) },
	"connlimit": func(b []byte) error { var x ConnlimitExpr; return x.Decode(b) },
	"limit":     func(b []byte) error { var x LimitExpr; return x.Decode(b) },
	"quota":     func(b []byte) error { var x QuotaExpr; return x.Decode(b) },
	"last":      func(b []byte) error { var x LastExpr; return x.Decode(b) },
	"log":       func(b []byte) error { var x LogExpr; return x.Decode(b) },
	"objref":    func(b []byte) error { var x ObjrefExpr; return x.Decode(b) },
	"dynset": func(b []byte) error {
		var x DynsetExpr
		if err := x.Decode(b); err != nil {
			return err
		}
		s := x.Exprs()
		for s.Next() {
		}
		return s.Err()
	},
	"nat":      func(b []byte) error { var x NatExpr; return x.Decode(b) },
	"masq":     func(b []byte) error { var x MasqExpr; return x.Decode(b) },
	"redir":    func(b []byte) error { var x RedirExpr; return x.Decode(b) },
	"tproxy":   func(b []byte) error { var x TproxyExpr; return x.Decode(b) },
	"synproxy": func(b []byte) error { var x SynproxyExpr; return x.Decode(b) },
	"reject":   func(b []byte) error { var x RejectExpr; return x.Decode(b) },
	"queue":    func(b []byte) error { var x QueueExpr; return x.Decode(b) },
	"dup":      func(b []byte) error { var x DupExpr; return x.Decode(b) },
	"fwd":      func(b []byte) error { var x FwdExpr; return x.Decode(b) },
	"exthdr":   func(b []byte) error { var x ExthdrExpr; return x.Decode(b) },
	"fib":      func(b []byte) error { var x FibExpr; return x.Decode(b) },
	"numgen":   func(b []byte) error { var x NumgenExpr; return x.Decode(b) },
	"hash":     func(b []byte) error { var x HashExpr; return x.Decode(b) },
	"socket":   func(b []byte) error { var x SocketExpr; return x.Decode(b) },
	"osf":      func(b []byte) error { var x OsfExpr; return x.Decode(b) },
	"xfrm":     func(b []byte) error { var x XfrmExpr; return x.Decode(b) },
	"rt":       func(b []byte) error { var x RtExpr; return x.Decode(b) },
	"tunnel":   func(b []byte) error { var x TunnelExpr; return x.Decode(b) },
	"inner":    func(b []byte) error { var x InnerExpr; return x.Decode(b) },
	"match":    func(b []byte) error { var x CompatExpr; return x.Decode(b) },
	"target":   func(b []byte) error { var x CompatExpr; return x.Decode(b) },
	"notrack":  func(b []byte) error { return nil },
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
				if s.Type() != 4 { // NFTA_RULE_EXPRESSIONS
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
		xExpr("queue", xU16(1, 3), xU16(2, 3), xU16(3, 3)),
		xExpr("last", xU32(nftaLastSet, 1), xU64(nftaLastMsecs, 1234)),
		xExpr("tunnel", xU32(nftaTunnelKey, 1), xU32(nftaTunnelDreg, 1)),
		xExpr("match", xStr(1, "conntrack"), xU32(2, 3), xAttr(3, make([]byte, 8))),
		xExpr("target", xStr(1, "MASQUERADE"), xU32(2, 0)),
		xExpr("inner", xU32(nftaInnerNum, 0), xU32(nftaInnerType, 1), xU32(nftaInnerFlags, 0xe), xU32(nftaInnerHdrsize, 8),
			xAttr(nftaInnerExpr, xExpr("meta", xU32(2, 16), xU32(1, 1)))),
		xExpr("bitwise", xU32(1, 1), xU32(2, 2), xU32(3, 4), xU32(nftaBitwiseOp, 3), xU32(nftaBitwiseSreg2, 3)),
	}
}

// TestExprNoAllocs: decoding any expression with its view, rendering it,
// and rendering a long rule or a set element message into a buffer with
// room allocate nothing.
func TestExprNoAllocs(t *testing.T) {
	seen := map[string][]byte{}
	for _, nest := range corpusExprs(t) {
		e := xExprOf(t, nest)
		if _, ok := seen[string(e.Name)]; !ok {
			seen[string(e.Name)] = nest
		}
	}
	for name, dec := range exprDecoders {
		nest, ok := seen[name]
		if !ok {
			t.Errorf("no %s expression in the corpus or the synthetic ones", name)
			continue
		}
		e := xExprOf(t, nest)
		if err := dec(e.Data); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if n := testing.AllocsPerRun(100, func() { _ = dec(e.Data) }); n != 0 {
			t.Errorf("decoding %s: %v allocations", name, n)
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
		exprs[i] = xExprOf(t, nest)
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
	bad := Expr{Name: []byte("payload"), Data: xAttr(4, []byte{1})}
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
		if s.Type() == 4 { // NFTA_RULE_EXPRESSIONS
			return s.Bytes()
		}
	}
	return nil
}

// TestExprInlining checks that the small helpers the expression decoders
// and the renderer call per attribute or per word are inlined.
func TestExprInlining(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("the go tool is not in PATH, so the compiler's inlining decisions cannot be read: %v", err)
	}
	out, err := exec.Command(goTool, "build", "-gcflags=-m", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build -gcflags=-m: %v\n%s", err, out)
	}
	for _, fn := range []string{
		"NewExprScanner", "(*ExprScanner).Expr", "(*DynsetExpr).Exprs", "(*InnerExpr).Exprs",
		"exprMark", "txName", "txU", "txReg", "appendHex8", "familyText", "verdictText",
	} {
		re := regexp.MustCompile(`(?m)can inline ` + regexp.QuoteMeta(fn) + `( |$)`)
		if !re.Match(out) {
			t.Errorf("%s is not inlined", fn)
		}
	}
}
