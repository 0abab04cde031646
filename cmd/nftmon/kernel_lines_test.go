package main

import (
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/nftmon/nftmon/internal/nstest"
)

// TestKernelLinesMatchNftMonitor applies the capture scenarios live with
// nft monitor and nftmon watching, and nft -a monitor and nftmon -a, and
// compares their text line by line:
// every line identical (nft's trailing blank aside), but for the
// deliberate differences the README lists (a base chain's devices,
// which nftmon names as nft list ruleset does; a rule's interfaces, which
// nftmon prints as their index). It logs the identical lines by kind.
func TestKernelLinesMatchNftMonitor(t *testing.T) {
	ns := nstest.New(t)
	nm := startProc(t, "nft monitor", ns.Command("nft", "monitor"))
	nmA := startProc(t, "nft -a monitor", ns.Command("nft", "-a", "monitor"))
	text := nftmonProc(t, "-netns", ns.Path)
	textA := nftmonProc(t, "-a", "-netns", ns.Path)
	floor := syncProcs(t, ns, nm, nmA, text, textA)
	// As TestKernelMatchesNftMonitor: objects after deltable's flush, no
	// concatrange (nft monitor 1.0.6 prints garbage for its elements).
	applyScenarios(t, ns, "tables", "chains", "rules", "sets", "maps", "typeof", "expressions", "failed", "owner", "deltable", "objects")
	// nft create: the kernel repeats NLM_F_EXCL, and nft monitor says
	// "create".
	for _, cmd := range []string{"create table ip cr", "create chain ip cr c", "create set ip cr s { type ipv4_addr; }",
		"create element ip cr s { 10.0.0.1 }", "create counter ip cr k", "create map ip cr m { type inet_service : verdict; }",
		"add rule ip cr c ip saddr @s counter name k", "delete table ip cr"} {
		ns.Nft(t, strings.Fields(cmd)...)
	}
	syncProcs(t, ns, nm, nmA, text, textA)
	compareMonitorLines(t, "", after(t, text, floor), after(t, nm, floor))
	compareMonitorLines(t, "-a ", after(t, textA, floor), after(t, nmA, floor))
}

var (
	devicesRE = regexp.MustCompile(` (device "[^"]*"|devices = \{[^}]*\})`)
	ifnameRE  = regexp.MustCompile(`((?:fwd|dup) to (?:\S+ device )?)"lo"`)
)

// compareMonitorLines compares nftmon's text with nft monitor's, line by
// line, and logs the identical lines by kind.
func compareMonitorLines(t *testing.T, what, ours, nft string) {
	t.Helper()
	split := func(s string) []string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if l = strings.TrimSuffix(l, " "); l != "" && !strings.Contains(l, "__sync") {
				out = append(out, l)
			}
		}
		return out
	}
	got, want := split(ours), split(nft)
	if len(want) < 300 {
		t.Fatalf("%snft monitor printed only %d lines", what, len(want))
	}
	same := map[string]int{}
	all := map[string]int{}
	n := min(len(got), len(want))
	for i := 0; i < n; i++ {
		k, _ := lineKind(want[i])
		if k == "" {
			k = "generations"
		}
		all[k]++
		w := ifnameRE.ReplaceAllString(want[i], "${1}1")
		switch {
		case got[i] == w && w == want[i]:
			same[k]++
		case got[i] == w:
			// a rule's interface by index
		case k == "chains" && devicesRE.ReplaceAllString(got[i], "") == want[i]:
			// a chain's devices
		default:
			t.Errorf("%sline %d:\n  nftmon: %q\n     nft: %q", what, i+1, got[i], want[i])
		}
	}
	if len(got) != len(want) {
		t.Errorf("%snftmon printed %d lines, nft monitor %d; from line %d:\n  nftmon: %q\n     nft: %q", what, len(got), len(want), n+1, got[n:], want[n:])
	}
	var kinds []string
	for k := range all {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		t.Logf("%s%-12s %4d of %4d lines identical", what, k, same[k], all[k])
	}
}
