package nftext

import (
	"bytes"
	"strings"
	"testing"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// FuzzAppendRule renders arbitrary expression lists (NFTA_RULE_EXPRESSIONS
// payloads) in every family, seeded with every rule of the corpus captures,
// with and without set knowledge. Invariants: no panic; the bytes already in
// dst are left alone; a list with at least one expression prints some text;
// the text holds no control byte but tab (one line); rendering is
// deterministic.
func FuzzAppendRule(f *testing.F) {
	for _, file := range ruleScripts(f) {
		base := strings.TrimSuffix(file, ".nft")
		corpusRules(f, readCapture(f, base+".pcap"), new(Sets), func(r corpusRule) {
			f.Add(uint8(r.family), r.rule.Expressions)
		})
	}
	sets := fuzzSets(f)
	f.Fuzz(func(t *testing.T, family uint8, exprs []byte) {
		r := msgs.Rule{Table: []byte("t"), Chain: []byte("c"), Expressions: exprs}
		n := 0
		sc := r.Exprs()
		for sc.Next() {
			n++
		}
		for _, k := range []*Sets{nil, sets} {
			dst := append(make([]byte, 0, 256), "prefix "...)
			out := AppendRule(dst, OwnNS, nftmon.Family(family), &r, k)
			if !bytes.HasPrefix(out, []byte("prefix ")) {
				t.Fatalf("dst's bytes changed: %q", out)
			}
			text := out[len("prefix "):]
			if (n > 0 || sc.Err() != nil) && len(text) == 0 {
				t.Fatalf("%d expressions, no text", n)
			}
			for _, c := range text {
				if isControl(c) {
					t.Fatalf("a control byte %#x in %q: a line must stay one line", c, text)
				}
			}
			again := AppendRule(nil, OwnNS, nftmon.Family(family), &r, k)
			if !bytes.Equal(again, text) {
				t.Fatalf("not deterministic: %q then %q", text, again)
			}
		}
	})
}

// fuzzSets returns the set knowledge at the end of the sets capture: named
// and anonymous sets of table t that fuzzed lookups may name.
func fuzzSets(tb testing.TB) *Sets {
	sets := new(Sets)
	corpusRules(tb, readCapture(tb, rulesDir+"/sets.pcap"), sets, func(corpusRule) {})
	return sets
}

// TestRuleFallback: shapes nft never makes print as libnftnl's text of the
// expressions that cannot be put back in nft's words, and the rest as nft
// would.
func TestRuleFallback(t *testing.T) {
	r, sets := corpusRuleMatching(t, "ip saddr 10.0.0.1 ip daddr 10.0.0.2 accept")
	for _, c := range []struct {
		name  string
		exprs []byte
		want  string
	}{
		{"cmp without load", appendExprs(nil, "cmp", cmpData(t, r)), "[ cmp eq reg 1 0x0200000a ]"},
		{"unknown expression", appendExprs(nil, "frobnicate", nil), "[ frobnicate ]"},
		{"verdict after unknown", appendExprs(appendExprs(nil, "frobnicate", nil), "immediate", lastData(t, r)), "[ frobnicate ] accept"},
		{"malformed list", []byte{1, 2, 3}, "[ malformed ]"},
		{"at the arrays' capacity", manyCounters(maxStmts), strings.TrimSuffix(strings.Repeat("counter packets 0 bytes 0 ", maxStmts), " ")},
		{"beyond the arrays", manyCounters(maxStmts + 1), strings.TrimSuffix(strings.Repeat("counter packets 0 bytes 0 ", maxStmts+1), " ")},
		{"far beyond", manyCounters(1000), strings.TrimSuffix(strings.Repeat("counter packets 0 bytes 0 ", 1000), " ")},
	} {
		rr := msgs.Rule{Table: r.rule.Table, Chain: r.rule.Chain, Expressions: c.exprs}
		if got := string(AppendRule(nil, OwnNS, r.family, &rr, sets)); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

// manyCounters returns an expression list of n counters.
func manyCounters(n int) []byte {
	var b []byte
	for range n {
		b = appendExprs(b, "counter", []byte{})
	}
	return b
}

// appendExprs appends one NFTA_LIST_ELEM with an expression of the given
// name and data.
func appendExprs(b []byte, name string, data []byte) []byte {
	var e []byte
	e = nftmon.AppendStringAttr(e, unix.NFTA_EXPR_NAME, name)
	if data != nil {
		e = nftmon.AppendAttr(e, unix.NFTA_EXPR_DATA|unix.NLA_F_NESTED, data)
	}
	return nftmon.AppendAttr(b, unix.NFTA_LIST_ELEM|unix.NLA_F_NESTED, e)
}

// cmpData returns the data of the rule's second cmp (ip daddr 10.0.0.2).
func cmpData(t *testing.T, r corpusRule) []byte {
	t.Helper()
	var n int
	sc := r.rule.Exprs()
	for sc.Next() {
		if string(sc.Expr().Name) == "cmp" {
			if n++; n == 2 {
				return sc.Expr().Data
			}
		}
	}
	t.Fatal("no second cmp")
	return nil
}

// lastData returns the data of the rule's last expression.
func lastData(t *testing.T, r corpusRule) []byte {
	t.Helper()
	var d []byte
	sc := r.rule.Exprs()
	for sc.Next() {
		d = sc.Expr().Data
	}
	return d
}
