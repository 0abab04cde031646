package nftext

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
	"github.com/nftmon/nftmon/msgs"
)

// TestRulesSnapshotKernel loads each corpus script in a namespace of its
// own, takes a snapshot of the ruleset (nftmon.Conn.Snapshot, as a
// monitor's snapshot mode does), renders every rule of it with the set
// knowledge the snapshot taught, and compares each chain's rules with
// what nft list ruleset prints for the chain: the text of a rule must not
// depend on whether it came in a notification or a dump (the anonymous
// sets' elements come from their own dumps then).
func TestRulesSnapshotKernel(t *testing.T) {
	for _, f := range ruleScripts(t) {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".nft"), func(t *testing.T) {
			script, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			ns := nstest.New(t)
			rr := &RuleRenderer{Links: NSLinkNames(t, ns)}
			for _, part := range strings.Split(string(script), "# --- next transaction ---\n") {
				ns.Script(t, part)
			}
			want := listedRules(ns.Nft(t, "list", "ruleset"))
			c, err := nftmon.Open(nftmon.ConnConfig{NetNS: ns.Path, ReadBuffer: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var sets Sets
			var r msgs.Rule
			buf := make([]byte, 0, 4096)
			got := map[string][]string{}
			_, err = c.Snapshot(context.Background(), nftmon.Scope{}, func(e *nftmon.Event) error {
				if err := sets.Observe(e); err != nil {
					return err
				}
				if e.Type != nftmon.MsgNewRule {
					return nil
				}
				if err := r.Decode(e.Attrs); err != nil {
					return err
				}
				k := fmt.Sprintf("%s %s %s", familyName(e.Family), r.Table, r.Chain)
				got[k] = append(got[k], string(rr.AppendRule(nil, NSID(e), e.Family, &r, &sets)))
				// Anonymous sets from a dump print sorted, interfaces
				// named: still nothing allocated.
				if n := testing.AllocsPerRun(5, func() { buf = rr.AppendRule(buf[:0], NSID(e), e.Family, &r, &sets) }); n != 0 {
					t.Errorf("%s: %q allocates %v times", k, buf, n)
				}
				// The function too, but for a rule beyond the arrays or
				// a set beyond smallSort, whose room it allocates.
				var fresh RuleRenderer
				fresh.AppendRule(nil, NSID(e), e.Family, &r, &sets)
				if n := testing.AllocsPerRun(5, func() { buf = AppendRule(buf[:0], NSID(e), e.Family, &r, &sets) }); n != 0 && !fresh.s.big && fresh.s.sorted == nil {
					t.Errorf("%s: AppendRule %q allocates %v times", k, buf, n)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			n, same := 0, 0
			for _, k := range slices.Sorted(keysOf(want)) {
				w, g := want[k], got[k]
				if len(w) != len(g) {
					t.Errorf("%s: %d rules in the snapshot, nft lists %d", k, len(g), len(w))
				}
				for i := range min(len(w), len(g)) {
					n++
					if g[i] == w[i] {
						same++
						continue
					}
					t.Errorf("%s rule %d:\n got: %s\nwant: %s", k, i, g[i], w[i])
				}
			}
			for k := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("%s: in the snapshot, not listed by nft", k)
				}
			}
			t.Logf("%d of %d rules as nft list ruleset prints them", same, n)
		})
	}
}

// listedRules returns the rule lines of nft list ruleset, by "family
// table chain".
func listedRules(text string) map[string][]string {
	out := map[string][]string{}
	var table, chain string
	for _, line := range strings.Split(text, "\n") {
		depth := len(line) - len(strings.TrimLeft(line, "\t"))
		l := strings.TrimSpace(line)
		switch {
		case depth == 0 && strings.HasPrefix(l, "table "):
			table = strings.TrimSuffix(strings.TrimPrefix(l, "table "), " {")
			chain = ""
		case depth == 1 && strings.HasPrefix(l, "chain "):
			chain = strings.TrimSuffix(strings.TrimPrefix(l, "chain "), " {")
		case depth == 1:
			chain = ""
		case depth == 2 && chain != "" && l != "" && !strings.HasPrefix(l, "type ") &&
			!strings.HasPrefix(l, "policy ") && !strings.HasPrefix(l, "devices = "):
			k := table + " " + chain
			out[k] = append(out[k], l)
		}
	}
	return out
}

func keysOf(m map[string][]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
