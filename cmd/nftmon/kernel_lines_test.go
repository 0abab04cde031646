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
// deliberate difference the README lists (a base chain's devices, which
// nftmon names as nft list ruleset does). It logs the identical lines by
// kind. The namespace has a veth (vb, linked to a peer namespace) beside
// its lo: rules and elements name both, as nft monitor there names them,
// and an index no interface has as a number; nftmon watches it from
// outside (-netns), where neither name is its own.
func TestKernelLinesMatchNftMonitor(t *testing.T) {
	_, ns := nstest.VethPair(t)
	nm := nftProc(t, ns, "monitor")
	nmA := nftProc(t, ns, "-a", "monitor")
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
	ns.Script(t, linksScript)
	syncProcs(t, ns, nm, nmA, text, textA)
	for _, s := range []string{`iif "vb" oif "lo" accept`, `dup to "vb"`, `iif { "lo", "vb" }`, `iif 77 accept`, `{ "vb" }`, `10.0.0.1 : "lo"`} {
		if !strings.Contains(nm.Stdout.String(), s) {
			t.Errorf("nft monitor printed no %q", s)
		}
	}
	compareMonitorLines(t, "", after(t, text, floor), after(t, nm, floor))
	compareMonitorLines(t, "-a ", after(t, textA, floor), after(t, nmA, floor))
}

// linksScript names the interfaces of the namespace (nstest.VethB and
// lo) wherever nft prints an interface index, and an index none has.
const linksScript = `add table netdev lk
add chain netdev lk c
add rule netdev lk c fwd to "lo"
add rule netdev lk c dup to "vb"
add rule netdev lk c fwd ip to 10.0.0.1 device "vb"
add table ip lk
add chain ip lk c
add rule ip lk c iif "vb" oif "lo" accept
add rule ip lk c iif != "vb" meta sdif "lo" drop
add rule ip lk c iif { "lo", "vb" } accept
add rule ip lk c iif 77 accept
add rule ip lk c dup to 10.0.0.9 device "vb"
add set ip lk s { type iface_index; }
add element ip lk s { "vb", 5 }
add map ip lk m { type ipv4_addr : iface_index; }
add element ip lk m { 10.0.0.1 : "lo" }
delete table ip lk
delete table netdev lk
`

var devicesRE = regexp.MustCompile(` (device "[^"]*"|devices = \{[^}]*\})`)

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
		switch {
		case got[i] == want[i]:
			same[k]++
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
