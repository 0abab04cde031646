package nftext

import (
	"strings"
	"testing"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// TestNoAllocsRules renders every rule of the corpus captures under
// testing.AllocsPerRun, with the set knowledge as it was when the rule
// came: no rule may allocate (but a rule beyond the renderer's arrays,
// rendered by the function AppendRule, which grows its big slices anew:
// a RuleRenderer grows them once, then allocates nothing).
func TestNoAllocsRules(t *testing.T) {
	buf := make([]byte, 0, 4096)
	var rr RuleRenderer // reused from rule to rule: nothing of one may show in the next
	n := 0
	for _, f := range ruleScripts(t) {
		base := strings.TrimSuffix(f, ".nft")
		sets := new(Sets)
		corpusRules(t, readCapture(t, base+".pcap"), sets, func(r corpusRule) {
			n++
			allocs := testing.AllocsPerRun(20, func() {
				buf = AppendRule(buf[:0], OwnNS, r.family, &r.rule, sets)
			})
			// A rule beyond the arrays grows the renderer's big slices:
			// the function's new renderer allocates, a RuleRenderer once.
			rr.AppendRule(nil, OwnNS, r.family, &r.rule, sets)
			if allocs != 0 && !rr.s.big {
				t.Errorf("%s: %q allocates %v times", base, buf, allocs)
			}
			want := string(buf)
			allocs = testing.AllocsPerRun(20, func() {
				buf = rr.AppendRule(buf[:0], OwnNS, r.family, &r.rule, sets)
			})
			if allocs != 0 || string(buf) != want {
				t.Errorf("%s: RuleRenderer: %q, %v allocations; AppendRule: %q", base, buf, allocs, want)
			}
		})
	}
	if n < 100 {
		t.Fatalf("only %d rules in the corpus", n)
	}
}

// corpusRuleMatching returns the first rule of the corpus whose text is
// want, with the set knowledge of its time.
func corpusRuleMatching(tb testing.TB, want string) (corpusRule, *Sets) {
	tb.Helper()
	return corpusRuleWhere(tb, want, func(text string) bool { return text == want })
}

// corpusRuleWhere returns the first rule of the corpus whose text match
// accepts (what says which: want).
func corpusRuleWhere(tb testing.TB, want string, match func(string) bool) (corpusRule, *Sets) {
	tb.Helper()
	for _, f := range ruleScripts(tb) {
		base := strings.TrimSuffix(f, ".nft")
		sets := new(Sets)
		var found *corpusRule
		var foundSets *Sets
		corpusRules(tb, readCapture(tb, base+".pcap"), sets, func(r corpusRule) {
			if found == nil && match(string(AppendRule(nil, OwnNS, r.family, &r.rule, sets))) {
				found, foundSets = &r, sets
			}
		})
		if found != nil {
			return *found, foundSets
		}
	}
	tb.Fatalf("no corpus rule prints %q", want)
	return corpusRule{}, nil
}

// benchRules are the rules of the benchmarks: a typical rule of four
// expressions, a rule with an anonymous set inlined, a NAT rule.
var benchRules = []struct{ name, text string }{
	{"FourExprs", "ip saddr 10.0.0.1 ip daddr 10.0.0.2 accept"},
	{"AnonSet", "tcp dport { 22, 80, 443 } accept"},
	{"NAT", "tcp dport 80 dnat to 10.0.0.1:8080"},
}

// BenchmarkAppendRule renders the benchmark rules, next to libnftnl's
// debug text of the same rule (msgs.AppendRuleText, what the monitor
// printed before) for scale.
func BenchmarkAppendRule(b *testing.B) {
	for _, c := range benchRules {
		r, sets := corpusRuleMatching(b, c.text)
		buf := make([]byte, 0, 1024)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				buf = AppendRule(buf[:0], OwnNS, r.family, &r.rule, sets)
			}
		})
		var rr RuleRenderer
		b.Run(c.name+"/renderer", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				buf = rr.AppendRule(buf[:0], OwnNS, r.family, &r.rule, sets)
			}
		})
		attrs := ruleAttrs(b, r)
		b.Run(c.name+"/libnftnl-text", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				buf, _ = msgs.AppendRuleText(buf[:0], r.family, attrs)
			}
		})
	}
}

// BenchmarkAppendRuleLong renders the corpus rule of 106 statements, beyond
// the renderer's arrays, with a RuleRenderer, which grows its room for it
// once: no allocation after.
func BenchmarkAppendRuleLong(b *testing.B) {
	const start = "ip saddr != 10.0.0.1 meta mark set 0x00000001 ip saddr != 10.0.0.2"
	r, sets := corpusRuleWhere(b, start+"...", func(text string) bool { return strings.HasPrefix(text, start) })
	buf := make([]byte, 0, 4096)
	var rr RuleRenderer
	buf = rr.AppendRule(buf[:0], OwnNS, r.family, &r.rule, sets)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		buf = rr.AppendRule(buf[:0], OwnNS, r.family, &r.rule, sets)
	}
}

// ruleAttrs rebuilds the attributes of a rule message from its view, for
// msgs.AppendRuleText.
func ruleAttrs(tb testing.TB, r corpusRule) []byte {
	tb.Helper()
	var b []byte
	b = nftmon.AppendStringAttr(b, unix.NFTA_RULE_TABLE, string(r.rule.Table))
	b = nftmon.AppendStringAttr(b, unix.NFTA_RULE_CHAIN, string(r.rule.Chain))
	b = nftmon.AppendAttr(b, unix.NFTA_RULE_EXPRESSIONS|unix.NLA_F_NESTED, r.rule.Expressions)
	return b
}
