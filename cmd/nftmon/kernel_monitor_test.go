package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/nftmon/nftmon/internal/nstest"
)

// The monitor's events against nft monitor's, transaction by transaction.

// change is one line of nft monitor, or one JSON event, reduced to what
// both say: the operation, the kind of object, its family, table and name
// (a rule's chain, an element's set).
type change struct{ op, kind, family, table, name string }

// txn is a transaction: its changes (elements apart: nft monitor merges
// intervals and hides interval ends, so only which sets changed is
// compared) and its commit line.
type txn struct {
	changes []string
	elems   []string
	commit  string
}

var genLineFull = regexp.MustCompile(`^# new generation (\d+) by process (\d+) \((.*)\)$`)

var objKinds = []string{"counter", "quota", "limit", "ct", "secmark", "synproxy", "tunnel"}

func (c change) String() string {
	return strings.Join([]string{c.op, c.kind, c.family, c.table, c.name}, " ")
}

func (x *txn) add(c change) {
	if c.kind == "element" {
		if !slices.Contains(x.elems, c.String()) {
			x.elems = append(x.elems, c.String())
		}
		return
	}
	x.changes = append(x.changes, c.String())
}

func (x *txn) end(commit string) txn {
	slices.Sort(x.changes)
	slices.Sort(x.elems)
	x.commit = commit
	done := *x
	*x = txn{}
	return done
}

// parseNftMonitor splits nft monitor's text into transactions.
func parseNftMonitor(t *testing.T, text string) []txn {
	t.Helper()
	var out []txn
	var cur txn
	for _, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		if genLineFull.MatchString(line) {
			out = append(out, cur.end(line))
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 {
			t.Fatalf("unexpected nft monitor line %q", line)
		}
		c := change{op: f[0], kind: f[1]}
		rest := f[2:]
		if c.op == "insert" {
			c.op = "add"
		}
		if slices.Contains(objKinds, c.kind) {
			if c.kind == "ct" {
				rest = f[3:]
			}
			c.kind = "object"
		}
		if c.kind == "map" {
			c.kind = "set"
		}
		c.family, c.table = rest[0], rest[1]
		if c.kind != "table" {
			c.name = rest[2]
		}
		cur.add(c)
	}
	return out
}

// parseJSON groups nftmon's JSON lines into transactions the way nft
// monitor prints them: the creation of anonymous sets and their elements
// is left out.
func parseJSON(t *testing.T, text string) []txn {
	t.Helper()
	var out []txn
	var cur txn
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		var e struct {
			Type, Family, Table, Name, Chain, Set, Comm string
			Gen, PID                                    uint32
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if e.Type == "NEWGEN" {
			out = append(out, cur.end(fmt.Sprintf("# new generation %d by process %d (%s)", e.Gen, e.PID, e.Comm)))
			continue
		}
		c := change{op: "add", family: e.Family, table: e.Table}
		if strings.HasPrefix(e.Type, "DEL") {
			c.op = "delete"
		}
		kind := strings.TrimPrefix(strings.TrimPrefix(e.Type, "NEW"), "DEL")
		switch kind {
		case "TABLE":
			c.kind = "table"
		case "CHAIN", "SET", "OBJ", "FLOWTABLE":
			c.kind, c.name = strings.ToLower(kind), e.Name
			if kind == "OBJ" {
				c.kind = "object"
			}
		case "RULE":
			c.kind, c.name = "rule", e.Chain
		case "SETELEM":
			c.kind, c.name = "element", e.Set
		default:
			t.Fatalf("unexpected event %s", line)
		}
		if c.op == "add" && (c.kind == "set" || c.kind == "element") && strings.HasPrefix(c.name, "__") {
			continue // nft monitor hides anonymous sets being made
		}
		cur.add(c)
	}
	return out
}

// compareTxns compares transactions, commits included.
func compareTxns(t *testing.T, what string, got, want []txn) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d transactions, nft monitor printed %d", what, len(got), len(want))
	}
	for i := 0; i < len(got) && i < len(want); i++ {
		g, w := got[i], want[i]
		if g.commit != w.commit || !slices.Equal(g.changes, w.changes) || !slices.Equal(g.elems, w.elems) {
			t.Errorf("%s: transaction %d differs:\n got: %s\n  %.2000v\n  elements %.2000v\nwant: %s\n  %.2000v\n  elements %.2000v",
				what, i, g.commit, g.changes, g.elems, w.commit, w.changes, w.elems)
		}
	}
}

// TestKernelMatchesNftMonitor runs nftmon three ways (JSON, JSON recording
// with -w, text recording with -w) next to nft monitor while the capture
// scenarios are applied, and checks that the events, generations and
// processes match nft monitor's; that the recordings replayed with -r
// print exactly what was printed live, but for the interfaces, which a
// recording prints as indexes (it does not hold their names); and that
// tshark reads them as netlink.
func TestKernelMatchesNftMonitor(t *testing.T) {
	ns := nstest.New(t)
	dir := t.TempDir()
	jsonPcap, textPcap := filepath.Join(dir, "json.pcap"), filepath.Join(dir, "text.pcap")
	nm := nftProc(t, ns, "monitor")
	live := nftmonProc(t, "-json", "-netns", ns.Path)
	rec := nftmonProc(t, "-json", "-netns", ns.Path, "-w", jsonPcap)
	text := nftmonProc(t, "-netns", ns.Path, "-w", textPcap)
	floor := syncProcs(t, ns, nm, live, rec, text)

	// objects comes after deltable's "flush ruleset": nft 1.0.6's monitor
	// dies printing the deletion of a ct timeout object.
	// concatrange is left out: nft 1.0.6's monitor prints garbage for
	// its elements (#!nomonitor).
	applyScenarios(t, ns, "tables", "chains", "rules", "sets", "maps", "expressions", "failed", "owner", "deltable", "objects")
	last := syncProcs(t, ns, nm, live, rec, text)

	want := parseNftMonitor(t, after(t, nm, floor))
	if len(want) < 40 {
		t.Fatalf("nft monitor printed only %d transactions", len(want))
	}
	liveOut := after(t, live, floor)
	checkJSONLines(t, liveOut)
	compareTxns(t, "nftmon -json", parseJSON(t, liveOut), want)
	if recOut := after(t, rec, floor); recOut != liveOut {
		t.Errorf("nftmon -json -w printed other events than nftmon -json:\n%s\nvs\n%s", tail(recOut, 2000), tail(liveOut, 2000))
	}

	// The text's generation lines are nft monitor's.
	gens := func(s string) []string { return genLineRE.FindAllString(s, -1) }
	if g, w := gens(after(t, text, floor)), gens(after(t, nm, floor)); !slices.Equal(g, w) {
		t.Errorf("text generation lines differ:\n got: %q\nwant: %q", g, w)
	}
	if out := text.Stdout.String(); !strings.Contains(out[strings.LastIndexByte(strings.TrimSuffix(out, "\n"), '\n')+1:], text.genMarker(last)) {
		t.Errorf("text output does not end with the last commit:\n%s", tail(out, 300))
	}

	// Stop the recorders; replay what they wrote.
	for _, p := range []*proc{live, rec, text} {
		if code := p.stop(t, syscall.SIGINT); code != 0 {
			t.Errorf("%s exited %d on SIGINT: %s", p.Name, code, p.Stderr.String())
		}
	}
	links := nsLinkIndexes(t, ns)
	for _, c := range []struct {
		p    *proc
		args []string
	}{{rec, []string{"-json", "-r", jsonPcap}}, {text, []string{"-r", textPcap}}} {
		code, out, errs := runCmd(c.args...)
		if code != 0 || errs != "" {
			t.Fatalf("%v: exit %d: %s", c.args, code, errs)
		}
		liveOut := c.p.Stdout.String()
		want := indexed(liveOut, links)
		if want == liveOut {
			t.Errorf("%s printed no interface name", c.p.Name)
		}
		if out != want {
			t.Errorf("nftmon %v printed other output than %s live:\n%s\nvs\n%s", c.args, c.p.Name, tail(out, 1500), tail(want, 1500))
		}
	}
	tshark(t, jsonPcap)
}

// tshark checks that tshark reads the pcap file and dissects it as
// netlink.
func tshark(t *testing.T, file string) {
	t.Helper()
	path, err := exec.LookPath("tshark")
	if err != nil {
		nstest.Skip(t, "tshark (Debian package tshark) is not installed: %v", err)
	}
	cmd := exec.Command(path, "-r", file)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // no profile of the user's
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("tshark -r %s: %v\n%s", file, err, errb.String())
	}
	if strings.Contains(errb.String(), "appears to be damaged") || strings.Contains(errb.String(), "isn't a capture file") {
		t.Fatalf("tshark: %s", errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	netlink := 0
	for _, l := range lines {
		if strings.Contains(strings.ToLower(l), "netlink") || strings.Contains(strings.ToLower(l), "nftables") {
			netlink++
		}
	}
	if len(lines) < 40 || netlink != len(lines) {
		t.Errorf("tshark dissected %d of %d records as netlink:\n%s", netlink, len(lines), tail(out.String(), 2000))
	}
}

// ifindexRE finds an interface name where nft prints an interface index
// (`iif "lo"`, `fwd to "lo"`, `device "lo"`, in text or in a JSON string).
var ifindexRE = regexp.MustCompile(`\b(iif|oif|sdif|to|device)( != | )(\\?)"([^"\\]*)\\?"`)

// indexed rewrites the interface names of the rules and elements of live
// output as a recording read back prints them: as their indexes (links,
// by name). A base chain's devices are names, not indexes.
func indexed(s string, links map[string]int) string {
	lines := strings.SplitAfter(s, "\n")
	for k, l := range lines {
		if !strings.Contains(l, " rule ") && !strings.Contains(l, " element ") && !strings.Contains(l, `"rule":`) {
			continue
		}
		lines[k] = ifindexRE.ReplaceAllStringFunc(l, func(m string) string {
			g := ifindexRE.FindStringSubmatch(m)
			i, ok := links[g[4]]
			if !ok {
				return m
			}
			return g[1] + g[2] + strconv.Itoa(i)
		})
	}
	return strings.Join(lines, "")
}

// nsLinkIndexes returns the indexes of the interfaces of ns, by name.
func nsLinkIndexes(t *testing.T, ns *nstest.NS) map[string]int {
	t.Helper()
	links, err := ns.Links()
	if err != nil {
		t.Fatal(err)
	}
	l := map[string]int{}
	for i, name := range links {
		l[name] = int(i)
	}
	return l
}
