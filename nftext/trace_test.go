package nftext_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/pcapnl"
	"github.com/nftmon/nftmon/msgs"
	"github.com/nftmon/nftmon/nftext"
)

// traceListing is a TraceRules read from `nft -a list ruleset`: the text
// of each rule by table, chain and handle.
type traceListing map[string]string

func (l traceListing) AppendRule(dst []byte, nsid int32, family nftmon.Family, table, chain []byte, handle uint64) ([]byte, bool) {
	s, ok := l[family.String()+" "+string(table)+" "+string(chain)+" "+strconv.FormatUint(handle, 10)]
	return append(dst, s...), ok
}

var (
	traceListTable = regexp.MustCompile(`^table (\S+) (\S+) \{`)
	traceListChain = regexp.MustCompile(`^\tchain (\S+) \{`)
	traceListRule  = regexp.MustCompile(`^\t\t(.*) # handle (\d+)$`)
	counterText    = regexp.MustCompile(`counter packets \d+ bytes \d+`)
)

// parseTraceListing reads the rules of a listing.
func parseTraceListing(t *testing.T, text string) traceListing {
	l := traceListing{}
	var table, chain string
	for _, line := range strings.Split(text, "\n") {
		if m := traceListTable.FindStringSubmatch(line); m != nil {
			table = m[1] + " " + m[2]
		} else if m := traceListChain.FindStringSubmatch(line); m != nil {
			chain = m[1]
		} else if m := traceListRule.FindStringSubmatch(line); m != nil {
			l[table+" "+chain+" "+m[2]] = m[1]
		}
	}
	if len(l) == 0 {
		t.Fatal("no rule in the listing")
	}
	return l
}

// loName names interface 1 "lo", as in every fresh namespace.
type loName struct{}

func (loName) AppendLinkName(dst []byte, nsid int32, index uint32) ([]byte, bool) {
	if index == 1 {
		return append(dst, "lo"...), true
	}
	return dst, false
}

// traceText renders every trace of a capture through a Replayer.
func traceText(t testing.TB, dgs [][]byte, ctx *nftext.TraceContext) []byte {
	var out []byte
	var tr msgs.Trace
	r, err := nftmon.NewReplayer(nftmon.ReplayConfig{Traces: nftmon.TracesOnly}, func(e *nftmon.Event) error {
		if err := tr.Decode(e.Attrs); err != nil {
			t.Errorf("trace: %v", err)
			return nil
		}
		out = nftext.AppendTrace(out, nftext.NSID(e), e.Family, &tr, ctx)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, dg := range dgs {
		if err := r.Feed(dg, 0, false); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestTrace renders the kernel's traces of msgs/testdata/trace.pcap and
// compares every line with what nft monitor trace printed for them
// (trace.monitor), trace ids included; the rules come from the listing
// (trace.ruleset), so the counter values nft printed from its own listing,
// made later, are compared as "counter packets N bytes N".
func TestTrace(t *testing.T) {
	dgs, want, listing := traceCapture(t)
	got := traceText(t, dgs, &nftext.TraceContext{Rules: parseTraceListing(t, string(listing)), Links: loName{}})
	same, counters := compareTraceLines(t, got, want)
	t.Logf("%d of %d lines identical, %d more but for counter values", same, bytes.Count(want, []byte("\n")), counters)
}

// traceCapture reads msgs/testdata's trace capture: its datagrams, what
// nft monitor trace printed for them (trace.monitor), and the ruleset's
// listing (trace.ruleset).
func traceCapture(t *testing.T) (dgs [][]byte, monitor, listing []byte) {
	t.Helper()
	dir := filepath.Join("..", "msgs", "testdata")
	dgs, err := pcapnl.Datagrams(filepath.Join(dir, "trace.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	if monitor, err = os.ReadFile(filepath.Join(dir, "trace.monitor")); err != nil {
		t.Fatal(err)
	}
	if listing, err = os.ReadFile(filepath.Join(dir, "trace.ruleset")); err != nil {
		t.Fatal(err)
	}
	return dgs, monitor, listing
}

// compareTraceLines fails on every line that differs, counter values
// aside, and returns how many are identical, and how many differ only in
// counter values.
func compareTraceLines(t *testing.T, got, want []byte) (same, counters int) {
	t.Helper()
	g := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
	w := strings.Split(strings.TrimSuffix(string(want), "\n"), "\n")
	if len(g) != len(w) {
		t.Errorf("%d lines, want %d", len(g), len(w))
	}
	for i := range min(len(g), len(w)) {
		switch {
		case g[i] == w[i]:
			same++
		case counterText.ReplaceAllString(g[i], "counter packets N bytes N") == counterText.ReplaceAllString(w[i], "counter packets N bytes N"):
			counters++
		default:
			t.Errorf("line %d:\n got %q\nwant %q", i+1, g[i], w[i])
		}
	}
	return same, counters
}

// TestTraceNoContext renders the capture without rules or interface
// names: the rule lines say `unknown rule handle N`, as nft does for a
// rule it does not know, and interfaces print as their index; the rest is
// nft's text.
func TestTraceNoContext(t *testing.T) {
	dgs, want, listing := traceCapture(t)
	// nft's lines, with each rule's text replaced by what is printed of
	// a rule not known.
	handles := map[string]string{}
	for k, text := range parseTraceListing(t, string(listing)) {
		f := strings.Fields(k) // family table chain handle
		handles[f[2]+" rule "+text] = f[3]
	}
	ruleText := regexp.MustCompile(`^(trace id \S+ \S+ \S+ )(\S+) (rule .*) \(verdict`)
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(string(want), "\n"), "\n") {
		l = strings.ReplaceAll(strings.ReplaceAll(l, `iif "lo"`, "iif 1"), `oif "lo"`, "oif 1")
		if m := ruleText.FindStringSubmatch(counterText.ReplaceAllString(l, "counter packets 0 bytes 0")); m != nil {
			h, ok := handles[m[2]+" "+m[3]]
			if !ok {
				t.Fatalf("no handle for %q", m[3])
			}
			l = m[1] + m[2] + " unknown rule handle " + h + l[strings.LastIndex(l, " (verdict"):]
		}
		lines = append(lines, l)
	}
	got := traceText(t, dgs, nil)
	if same, _ := compareTraceLines(t, got, []byte(strings.Join(lines, "\n")+"\n")); same != len(lines) {
		t.Errorf("%d of %d lines identical", same, len(lines))
	}
}
