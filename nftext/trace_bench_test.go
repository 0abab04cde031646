package nftext

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/pcapnl"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// traceMessages returns the family and attributes of every trace message
// of msgs/testdata/trace.pcap.
func traceMessages(tb testing.TB) (fams []nftmon.Family, attrs [][]byte) {
	tb.Helper()
	dgs, err := pcapnl.Datagrams(filepath.Join("..", "msgs", "testdata", "trace.pcap"))
	if err != nil {
		tb.Fatal(err)
	}
	for _, dg := range dgs {
		for m, err := range nftmon.Messages(dg) {
			if err != nil {
				tb.Fatal(err)
			}
			nf, a, err := m.NFGen()
			if err != nil {
				tb.Fatal(err)
			}
			fams, attrs = append(fams, nftmon.Family(nf.Family)), append(attrs, a)
		}
	}
	return fams, attrs
}

// fixedRule is a TraceRules that knows one rule text for every handle.
type fixedRule struct{}

func (fixedRule) AppendRule(dst []byte, _ int32, _ nftmon.Family, _, _ []byte, _ uint64) ([]byte, bool) {
	return append(dst, "udp dport 9999 counter packets 0 bytes 0 accept"...), true
}

// oneLink names interface 1 "lo".
type oneLink struct{}

func (oneLink) AppendLinkName(dst []byte, _ int32, index uint32) ([]byte, bool) {
	if index == 1 {
		return append(dst, "lo"...), true
	}
	return dst, false
}

// TestNoAllocsTrace checks that decoding and rendering every trace of the
// capture allocates nothing, and that a RuleCache lookup does not either.
func TestNoAllocsTrace(t *testing.T) {
	fams, attrs := traceMessages(t)
	var tr msgs.Trace
	buf := make([]byte, 0, 1<<12)
	ctx := &TraceContext{Rules: fixedRule{}, Links: oneLink{}}
	if n := testing.AllocsPerRun(50, func() {
		for i, a := range attrs {
			if tr.Decode(a) != nil {
				t.Fatal("decode")
			}
			buf = AppendTrace(buf[:0], OwnNS, fams[i], &tr, ctx)
		}
	}); n != 0 {
		t.Errorf("AppendTrace: %v allocations per run of the capture, want 0", n)
	}
	rc := rulesCache(t)
	if n := testing.AllocsPerRun(100, func() {
		buf, _ = rc.cache.AppendRule(buf[:0], OwnNS, rc.family, rc.table, rc.chain, rc.handle)
	}); n != 0 || len(buf) == 0 {
		t.Errorf("RuleCache.AppendRule: %v allocations, %q; want 0 and the rule", n, buf)
	}
}

// cachedCapture is a RuleCache fed testdata/rules.pcap, and its last rule.
type cachedCapture struct {
	cache        RuleCache
	family       nftmon.Family
	table, chain []byte
	handle       uint64
	text         string
	candidates   []cachedCapture
	newRules     int
}

// rulesCache feeds the rules capture through a Replayer to a RuleCache.
func rulesCache(t testing.TB) *cachedCapture {
	dgs, err := pcapnl.Datagrams(filepath.Join("..", "testdata", "rules.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	c := &cachedCapture{cache: RuleCache{Sets: &Sets{}}}
	var r msgs.Rule
	rp, err := nftmon.NewReplayer(nftmon.ReplayConfig{}, func(e *nftmon.Event) error {
		if err := c.cache.Sets.Observe(e); err != nil {
			return err
		}
		if err := c.cache.Observe(e); err != nil {
			return err
		}
		if e.Type == nftmon.MsgNewRule && r.Decode(e.Attrs) == nil {
			c.newRules++
			c.candidates = append(c.candidates, cachedCapture{family: e.Family, table: bytes.Clone(r.Table), chain: bytes.Clone(r.Chain), handle: r.Handle,
				text: string(AppendRule(nil, OwnNS, e.Family, &r, c.cache.Sets))})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, dg := range dgs {
		if err := rp.Feed(dg, 0, false); err != nil {
			t.Fatal(err)
		}
	}
	// The last rule still there at the end.
	for i := len(c.candidates) - 1; i >= 0; i-- {
		k := &c.candidates[i]
		if _, ok := c.cache.AppendRule(nil, OwnNS, k.family, k.table, k.chain, k.handle); ok {
			c.family, c.table, c.chain, c.handle, c.text = k.family, k.table, k.chain, k.handle, k.text
			return c
		}
	}
	t.Fatalf("rules.pcap: none of its %d NEWRULEs is known at the end", c.newRules)
	return nil
}

// TestRuleCache checks that a RuleCache prints what AppendRule prints for
// the rules it learnt, forgets a deleted table's, and never asks without
// a Conn.
func TestRuleCache(t *testing.T) {
	c := rulesCache(t)
	got, ok := c.cache.AppendRule(nil, OwnNS, c.family, c.table, c.chain, c.handle)
	if !ok || string(got) != c.text {
		t.Fatalf("rule handle %d: %q, %v; want %q", c.handle, got, ok, c.text)
	}
	if _, ok := c.cache.AppendRule(nil, OwnNS, c.family, c.table, []byte("other"), c.handle); ok {
		t.Error("a rule found under another chain")
	}
	if _, ok := c.cache.AppendRule(nil, 5, c.family, c.table, c.chain, c.handle); ok {
		t.Error("a rule found in another namespace")
	}
	// A DELTABLE of the rule's table forgets it.
	del := nftmon.AppendRequest(nil, nftmon.MsgDelTable, 0, 0, c.family)
	del = appendStringAttr(del, 1, c.table)
	del = nftmon.FinishRequest(del, 0)
	n := c.cache.Len()
	e := nftmon.Event{Kind: nftmon.EventChange, Type: nftmon.MsgDelTable, Family: c.family, Attrs: del[nftmon.HeaderLen+nftmon.NFGenLen:]}
	if err := c.cache.Observe(&e); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.cache.AppendRule(nil, OwnNS, c.family, c.table, c.chain, c.handle); ok || c.cache.Len() >= n {
		t.Errorf("after DELTABLE: the rule is still known (%d rules, %d before)", c.cache.Len(), n)
	}
}

// BenchmarkTrace decodes and renders every trace of the capture, as
// nftmon trace does for each event.
func BenchmarkTrace(b *testing.B) {
	fams, attrs := traceMessages(b)
	var tr msgs.Trace
	buf := make([]byte, 0, 1<<12)
	ctx := &TraceContext{Rules: fixedRule{}, Links: oneLink{}}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for i, a := range attrs {
			if err := tr.Decode(a); err != nil {
				b.Fatal(err)
			}
			buf = AppendTrace(buf[:0], OwnNS, fams[i], &tr, ctx)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(attrs)), "ns/trace")
}

// FuzzTrace renders any trace message that decodes: no panic, and every
// line it prints is a whole `trace id` line.
func FuzzTrace(f *testing.F) {
	fams, attrs := traceMessages(f)
	for i, a := range attrs {
		f.Add(uint8(fams[i]), a)
	}
	ctx := &TraceContext{Rules: fixedRule{}, Links: oneLink{}}
	f.Fuzz(func(t *testing.T, fam uint8, a []byte) {
		var tr msgs.Trace
		if tr.Decode(a) != nil {
			return
		}
		out := AppendTrace(nil, OwnNS, nftmon.Family(fam), &tr, ctx)
		packet := tr.Present.Has(unix.NFTA_TRACE_LL_HEADER) || tr.Present.Has(unix.NFTA_TRACE_NETWORK_HEADER)
		step := tr.Type == msgs.TracePolicy || tr.Type == msgs.TraceReturn || tr.Type == msgs.TraceRule && tr.Present.Has(unix.NFTA_TRACE_RULE_HANDLE)
		if len(out) == 0 {
			if packet || step {
				t.Fatalf("no text for a trace of type %v (packet %v)", tr.Type, packet)
			}
			return // nothing nft prints
		}
		if !packet && !step {
			t.Fatalf("text for a trace nft prints nothing of: %q", out)
		}
		if out[len(out)-1] != '\n' || !bytes.HasPrefix(out, []byte("trace id ")) {
			t.Fatalf("text is not whole trace lines: %q", out)
		}
		// One line for the packet, one for the step; names are printed
		// as they are, as nft does, so a newline in one adds a line.
		want := 0
		for _, b := range []bool{packet, step} {
			if b {
				want++
			}
		}
		if !bytes.ContainsAny(tr.Table, "\n") && !bytes.ContainsAny(tr.Chain, "\n") && bytes.Count(out, []byte("\n")) != want {
			t.Fatalf("%d lines, want %d: %q", bytes.Count(out, []byte("\n")), want, out)
		}
	})
}
