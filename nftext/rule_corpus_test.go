package nftext

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
	"github.com/nftmon/nftmon/internal/pcapnl"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// The rule corpus: nft scripts under testdata/rules (NAME.nft), each applied
// in a private network namespace with nft monitor watching. NAME.pcap holds
// the notifications the kernel sent (every datagram, as read from an
// NFNLGRP_NFTABLES socket), NAME.monitor what nft monitor printed, and
// NAME.links the namespace's interfaces ("INDEX NAME" lines, as the
// namespace listed them), which nft monitor names in rules (`iif "lo"`).
// Regenerate them with
//
//	go test -run TestRulesKernel -update ./nftext
//
// A line "# --- next transaction ---" splits a script into transactions run
// one after another, so that later ones can replace, insert at or delete
// handles made by earlier ones.

var update = flag.Bool("update", false, "rewrite the captures and nft monitor output of testdata/rules")

const rulesDir = "testdata/rules"

// The tables the harness makes around each script to know that nft monitor
// has subscribed and has printed everything.
const (
	syncTable = "__sync"
	endTable  = "__end"
)

func ruleScripts(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(rulesDir, "*.nft"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no scripts in %s", rulesDir)
	}
	slices.Sort(files)
	return files
}

// TestRulesKernel applies every script of the corpus in a namespace of its
// own, with nft monitor and a notification socket watching, and checks that
// every rule line the renderer makes from the notifications is nft
// monitor's. With -update it rewrites NAME.pcap and NAME.monitor.
func TestRulesKernel(t *testing.T) {
	for _, f := range ruleScripts(t) {
		base := strings.TrimSuffix(f, ".nft")
		t.Run(filepath.Base(base), func(t *testing.T) {
			datagrams, text, links := runScript(t, f)
			if *update {
				writeCapture(t, base+".pcap", datagrams)
				if err := os.WriteFile(base+".monitor", []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := nstest.WriteLinks(base+".links", links); err != nil {
					t.Fatal(err)
				}
			}
			compareRules(t, datagrams, text, links)
		})
	}
}

// TestRulesKernelExprCorpus does the same, live only, with the scripts of
// the expression corpus of package msgs (../msgs/testdata/exprs), written
// for libnftnl's text: more rules nft made, of every family.
func TestRulesKernelExprCorpus(t *testing.T) {
	files, _ := filepath.Glob("../msgs/testdata/exprs/*.nft")
	if len(files) == 0 {
		t.Fatal("no scripts in ../msgs/testdata/exprs")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			datagrams, text, links := runScript(t, f)
			compareRules(t, datagrams, text, links)
		})
	}
}

// runScript applies the script in file in a namespace of its own, with
// nft monitor and a notification socket watching, and returns the
// datagrams the socket read, what nft monitor printed and the namespace's
// interfaces.
func runScript(t *testing.T, file string) ([][]byte, string, NSLinks) {
	t.Helper()
	script, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	ns := nstest.New(t)
	links := NSLinkNames(t, ns)
	conn, err := nftmon.Open(nftmon.ConnConfig{NetNS: ns.Path})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.JoinGroup(unix.NFNLGRP_NFTABLES); err != nil {
		nstest.Skip(t, "cannot join NFNLGRP_NFTABLES: %v", err)
	}
	mon := ns.StartNft(t, "monitor")
	// nft monitor has subscribed once it prints a change.
	for try := 0; ; try++ {
		ns.Script(t, fmt.Sprintf("add table ip %s\ndelete table ip %s\n", syncTable, syncTable))
		if mon.WaitFor("delete table ip "+syncTable, 200*time.Millisecond) {
			break
		}
		if try == 50 {
			t.Fatalf("nft monitor printed nothing: %s%s", mon.Stdout.String(), mon.Stderr.String())
		}
	}
	for _, part := range strings.Split(string(script), "# --- next transaction ---\n") {
		ns.Script(t, part)
	}
	ns.Script(t, fmt.Sprintf("add table ip %s\n", endTable))
	if !mon.WaitFor("add table ip "+endTable, 10*time.Second) {
		t.Fatalf("nft monitor did not print the end marker:\n%s%s", mon.Stdout.String(), mon.Stderr.String())
	}
	datagrams := receiveUntil(t, conn, endTable)
	mon.Stop(t, syscall.SIGTERM)
	if e := mon.Stderr.String(); e != "" {
		t.Fatalf("nft monitor: %s", e)
	}
	return datagrams, monitorPart(mon.Stdout.String()), links
}

// TestRules renders the rules of each corpus capture and compares them with
// the nft monitor output recorded beside it.
func TestRules(t *testing.T) {
	for _, f := range ruleScripts(t) {
		base := strings.TrimSuffix(f, ".nft")
		t.Run(filepath.Base(base), func(t *testing.T) {
			text, err := os.ReadFile(base + ".monitor")
			if err != nil {
				t.Fatalf("%v (run go test -run TestRulesKernel -update)", err)
			}
			compareRules(t, readCapture(t, base+".pcap"), string(text), readLinks(t, base+".links"))
		})
	}
}

// monitorPart returns nft monitor's output between the two markers, without
// them.
func monitorPart(s string) string {
	if i := strings.Index(s, "delete table ip "+syncTable+"\n"); i >= 0 {
		s = s[i+len("delete table ip "+syncTable+"\n"):]
		if j := strings.Index(s, "\n"); j >= 0 && strings.HasPrefix(s, "# new generation") {
			s = s[j+1:]
		}
	}
	if i := strings.Index(s, "add table ip "+endTable); i >= 0 {
		s = s[:i]
	}
	return s
}

// receiveUntil reads notifications until the NEWTABLE of table has come and
// then none for a moment.
func receiveUntil(t *testing.T, c *nftmon.Conn, table string) [][]byte {
	t.Helper()
	buf := make([]byte, nftmon.MinBufferLen)
	var out [][]byte
	seen := false
	for {
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		d, err := c.Receive(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			if seen {
				return out
			}
			t.Fatal("no notification of the end marker")
		}
		if err != nil {
			t.Fatalf("receive: %v", err)
		}
		b := bytes.Clone(buf[:d.N])
		out = append(out, b)
		if bytes.Contains(b, []byte(table+"\x00")) {
			seen = true
		}
	}
}

func writeCapture(t *testing.T, path string, datagrams [][]byte) {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapnl.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range datagrams {
		if err := w.Write(time.Unix(0, 0), d, 0, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readCapture(t testing.TB, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapnl.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out [][]byte
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, bytes.Clone(rec.Data))
	}
}

// corpusRule is one rule notification of a capture.
type corpusRule struct {
	family nftmon.Family
	flags  uint16
	rule   msgs.Rule
}

// corpusRules returns the NEWRULE notifications of datagrams, feeding every
// set and element notification to sets on the way, as a monitor would, and
// calling fn for each rule when the sets are as they were then.
func corpusRules(t testing.TB, datagrams [][]byte, sets *Sets, fn func(corpusRule)) {
	t.Helper()
	for _, d := range datagrams {
		s := nftmon.NewMessageScanner(d)
		for s.Next() {
			m := s.Message()
			if !m.Header.IsNFTables() {
				continue
			}
			nf, attrs, err := m.NFGen()
			if err != nil {
				t.Fatal(err)
			}
			switch m.Header.MsgType() {
			case nftmon.MsgNewRule:
				var r msgs.Rule
				if err := r.Decode(attrs); err != nil {
					t.Fatal(err)
				}
				fn(corpusRule{nf.Family, m.Header.Flags, r})
			default:
				observe(t, sets, m.Header.MsgType(), nf.Family, attrs)
			}
		}
		if err := s.Err(); err != nil {
			t.Fatal(err)
		}
	}
}

// ruleLine builds nft monitor's line for a rule notification around the
// renderer's text: "add rule FAMILY TABLE CHAIN [handle POS ]TEXT", with
// "insert" for a rule not appended.
func ruleLine(dst []byte, rr *RuleRenderer, r *corpusRule, sets *Sets) []byte {
	if r.flags&unix.NLM_F_APPEND != 0 {
		dst = append(dst, "add rule "...)
	} else {
		dst = append(dst, "insert rule "...)
	}
	dst = append(dst, familyName(r.family)...)
	dst = append(append(dst, ' '), r.rule.Table...)
	dst = append(append(dst, ' '), r.rule.Chain...)
	dst = append(dst, ' ')
	if r.rule.Present.Has(unix.NFTA_RULE_POSITION) {
		dst = fmt.Appendf(dst, "handle %d ", r.rule.Position)
	}
	return rr.AppendRule(dst, OwnNS, r.family, &r.rule, sets)
}

func familyName(f nftmon.Family) string {
	switch f {
	case nftmon.FamilyINet:
		return "inet"
	case nftmon.FamilyIPv4:
		return "ip"
	case nftmon.FamilyIPv6:
		return "ip6"
	case nftmon.FamilyARP:
		return "arp"
	case nftmon.FamilyBridge:
		return "bridge"
	case nftmon.FamilyNetdev:
		return "netdev"
	}
	return "unknown"
}

// compareRules checks every rule line of nft monitor's text against the
// renderer's (naming interfaces by links), in order, and logs how many are
// identical by family.
func compareRules(t *testing.T, datagrams [][]byte, text string, links NSLinks) {
	t.Helper()
	var want []string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "add rule ") || strings.HasPrefix(line, "insert rule ") {
			want = append(want, strings.TrimRight(line, " "))
		}
	}
	var got []string
	var fams []string
	sets := new(Sets)
	rr := &RuleRenderer{Links: links}
	corpusRules(t, datagrams, sets, func(r corpusRule) {
		if string(r.rule.Table) == syncTable || string(r.rule.Table) == endTable {
			return
		}
		got = append(got, strings.TrimRight(string(ruleLine(nil, rr, &r, sets)), " "))
		fams = append(fams, familyName(r.family))
	})
	if len(got) != len(want) {
		t.Errorf("%d rule notifications, nft monitor printed %d rule lines", len(got), len(want))
	}
	same := map[string][2]int{}
	for i := range min(len(got), len(want)) {
		c := same[fams[i]]
		c[1]++
		if got[i] == want[i] {
			c[0]++
		} else {
			t.Errorf("rule %d:\n got: %s\nwant: %s", i, got[i], want[i])
		}
		same[fams[i]] = c
	}
	for _, f := range slices.Sorted(maps.Keys(same)) {
		c := same[f]
		t.Logf("%s: %d of %d rules identical", f, c[0], c[1])
	}
}

// TestRulesCaptures compares the rule lines of the module's kernel
// captures (../testdata/NAME.pcap, made by internal/cmd/capture) with the
// nft monitor output captured beside them (NAME.monitor).
func TestRulesCaptures(t *testing.T) {
	files, _ := filepath.Glob("../testdata/*.monitor")
	if len(files) == 0 {
		t.Fatal("no captures with nft monitor output in ../testdata")
	}
	for _, f := range files {
		base := strings.TrimSuffix(f, ".monitor")
		t.Run(filepath.Base(base), func(t *testing.T) {
			text, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			compareRules(t, readCapture(t, base+".pcap"), string(text), readLinks(t, base+".links"))
		})
	}
}
