package msgs

import (
	"path/filepath"
	"testing"

	"github.com/nftmon/nftmon"
)

// typicalRule returns the corpus rule whose expression count is nearest 10:
// basic.nft's "ip saddr 1.2.3.4 tcp dport 22 counter accept" in an inet
// table (meta, cmp, payload, cmp, meta, cmp, payload, cmp, counter,
// immediate).
func typicalRule(b *testing.B) (corpusMsg, int) {
	var best corpusMsg
	bestN := -100
	files, _ := filepath.Glob("testdata/exprs/*.pcap")
	for _, f := range files {
		for _, m := range parseCorpusMsgs(b, readPcap(b, f)) {
			if m.typ != nftmon.MsgNewRule {
				continue
			}
			n := 0
			for s := NewExprScanner(ruleExprList(m.attrs)); s.Next(); {
				n++
			}
			if abs(n-10) < abs(bestN-10) {
				best, bestN = m, n
			}
		}
	}
	if bestN < 8 {
		b.Fatalf("no rule of about 10 expressions in the corpus")
	}
	return best, bestN
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// BenchmarkExprDecodeRule walks a typical rule's expressions and decodes
// each with an ExprDecoder.
func BenchmarkExprDecodeRule(b *testing.B) {
	rule, n := typicalRule(b)
	list := ruleExprList(rule.attrs)
	var d ExprDecoder
	b.ReportAllocs()
	b.ResetTimer()
	b.ReportMetric(float64(n), "exprs/rule")
	for i := 0; i < b.N; i++ {
		s := NewExprScanner(list)
		for s.Next() {
			e := s.Expr()
			if _, err := d.Decode(e.Name, e.Data); err != nil {
				b.Fatal(err)
			}
		}
		if s.Err() != nil {
			b.Fatal(s.Err())
		}
	}
}

// BenchmarkRuleTyped decodes rule messages as a callback that wants every
// typed view does (the root package's end-to-end benchmarks decode so):
// Rule.Decode, then each expression through an ExprDecoder by its name;
// one op is one rule. "typical" is typicalRule's message again and again,
// "corpus" every captured rule in turn; the "-reset" ones walk the
// expressions with one ExprScanner, Reset for each rule, where the others
// take a new one from Rule.Exprs.
func BenchmarkRuleTyped(b *testing.B) {
	rule, _ := typicalRule(b)
	var corpus [][]byte
	for _, m := range benchMsgs(b, nftmon.MsgNewRule) {
		corpus = append(corpus, m.Attrs)
	}
	for _, c := range []struct {
		name  string
		rules [][]byte
	}{{"typical", [][]byte{rule.attrs}}, {"corpus", corpus}} {
		b.Run(c.name, func(b *testing.B) {
			var r Rule
			var d ExprDecoder
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				must2(b, r.Decode(c.rules[i%len(c.rules)]))
				s := r.Exprs()
				for s.Next() {
					e := s.Expr()
					if _, err := d.Decode(e.Name, e.Data); err != nil {
						b.Fatal(err)
					}
				}
				must2(b, s.Err())
			}
		})
		b.Run(c.name+"-reset", func(b *testing.B) {
			var r Rule
			var d ExprDecoder
			var s ExprScanner
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				must2(b, r.Decode(c.rules[i%len(c.rules)]))
				s.Reset(r.Expressions)
				for s.Next() {
					e := s.Expr()
					if _, err := d.Decode(e.Name, e.Data); err != nil {
						b.Fatal(err)
					}
				}
				must2(b, s.Err())
			}
		})
	}
}

// BenchmarkExprRuleText renders a typical rule into a reused buffer.
func BenchmarkExprRuleText(b *testing.B) {
	rule, n := typicalRule(b)
	dst := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	b.ReportMetric(float64(n), "exprs/rule")
	for i := 0; i < b.N; i++ {
		var err error
		if dst, err = AppendRuleText(dst[:0], rule.family, rule.attrs); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(dst)))
}

// BenchmarkExprSetElemsText renders the biggest set element dump message
// of the corpus (big.nft's "many": 1157 IPv6 elements in 32 KB of
// attributes) into a reused buffer.
func BenchmarkExprSetElemsText(b *testing.B) {
	m := longestElems(b)
	dst := make([]byte, 0, 64<<10)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var err error
		if dst, err = AppendSetElemsText(dst[:0], m.family, m.attrs); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(dst)))
}
