package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
)

// The command's behaviour live: signals, errors, large transactions,
// losses, filters, snapshots, namespaces, handles and times.

// TestKernelSignals checks that SIGINT and SIGTERM end nftmon with status 0
// and its output flushed, and that -stats prints the counters.
func TestKernelSignals(t *testing.T) {
	ns := nstest.New(t)
	for _, c := range []struct {
		sig  syscall.Signal
		args []string
	}{
		{syscall.SIGINT, []string{"-netns", ns.Path}},
		{syscall.SIGTERM, []string{"-json", "-stats", "-netns", ns.Path}},
		{syscall.SIGTERM, []string{"-stats", "-stream", "-netns", ns.Path, "-w", filepath.Join(t.TempDir(), "x.pcap")}},
	} {
		p := nftmonProc(t, c.args...)
		g := syncProcs(t, ns, p)
		// Changes whose commit is printed: the output ends with it.
		ns.Script(t, "add table inet sig\nadd chain inet sig c\n")
		g2 := currentGen(t, ns)
		if !p.WaitFor(p.genMarker(g2), 5*time.Second) {
			t.Fatalf("%s: no commit %d", p.Name, g2)
		}
		if code := p.stop(t, c.sig); code != 0 {
			t.Errorf("%s: exit status %d on %v, want 0; stderr %q", p.Name, code, c.sig, p.Stderr.String())
		}
		out := p.Stdout.String()
		if !strings.Contains(out, p.genMarker(g)) || !strings.HasSuffix(strings.TrimSpace(out), "(nft)") && !strings.HasSuffix(strings.TrimSpace(out), `"comm":"nft"}`) {
			t.Errorf("%s: output not flushed up to the last commit:\n%s", p.Name, tail(out, 500))
		}
		if !strings.Contains(strings.ToLower(out), "chain") {
			t.Errorf("%s: no chain in the output:\n%s", p.Name, out)
		}
		errs := p.Stderr.String()
		if slices.Contains(c.args, "-stats") != strings.Contains(errs, "nftmon: stats: datagrams=") {
			t.Errorf("%s: stderr %q", p.Name, errs)
		}
		ns.Script(t, "delete table inet sig\n")
	}
}

// TestKernelErrors checks the exit status and the one line on stderr for
// bad flags, a missing namespace and missing privileges.
func TestKernelErrors(t *testing.T) {
	ns := nstest.New(t)
	bin := nftmonBinary(t)
	for _, c := range []struct {
		cmd  *exec.Cmd
		code int
		msg  string
	}{
		{exec.Command(bin, "-bogus"), 2, "flag provided but not defined: -bogus"},
		{exec.Command(bin, "-kind", "tables,nope"), 2, `unknown kind "nope"`},
		{exec.Command(bin, "-op", "maybe"), 2, `unknown operation "maybe"`},
		{exec.Command(bin, "-since-gen", "x"), 2, "-since-gen"},
		{exec.Command(bin, "-rcvbuf", "-1"), 2, "-rcvbuf"},
		{exec.Command(bin, "-r", "f", "-w", "g"), 2, "-r reads a file"},
		{exec.Command(bin, "extra"), 2, `unexpected word "extra"`},
		{exec.Command(bin, "new", "trace", "-netns", ns.Path), 2, "does not go with new"},
		{exec.Command(bin, "trace", "-netns", "nftmon-test-no-such-ns"), 1, "not found"},
		{exec.Command(bin, "xml"), 2, "not supported"},
		{exec.Command(bin, "-netns", "nftmon-test-no-such-ns"), 1, `network namespace "nftmon-test-no-such-ns" not found`},
		{exec.Command(bin, "-netns", "/nonexistent/ns"), 1, "not found"},
		{exec.Command(bin, "-r", "/nonexistent.pcap"), 1, "no such file"},
		{exec.Command(bin, "-r", "../../testdata/README.md"), 1, "not a LINKTYPE_NETLINK pcap file"},
		// A new user namespace has no CAP_NET_ADMIN over ns.
		{exec.Command("unshare", "--user", bin, "-netns", ns.Path), 1, ""},
	} {
		var out, errb bytes.Buffer
		c.cmd.Stdout, c.cmd.Stderr = &out, &errb
		err := c.cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%v: %v", c.cmd.Args, err)
		}
		lines := strings.Split(strings.TrimSuffix(errb.String(), "\n"), "\n")
		if code != c.code || len(lines) != 1 || !strings.HasPrefix(lines[0], "nftmon: ") || !strings.Contains(lines[0], c.msg) || out.Len() != 0 {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit %d and one line with %q", c.cmd.Args[1:], code, errb.String(), out.String(), c.code, c.msg)
		}
		if strings.Contains(errb.String(), "goroutine ") || strings.Contains(errb.String(), "panic") {
			t.Errorf("%v: stack trace: %s", c.cmd.Args, errb.String())
		}
	}
}

// TestKernelHundredThousandElements checks that nftmon prints 100,000
// element events without the kernel dropping any: in 20 transactions of
// 5,000 elements committed back to back, at the default buffer, and in one
// transaction of 100,000 elements, whose notifications (about 10 MB of
// socket buffer) need a larger -rcvbuf when the reader may be kept off the
// CPU while the kernel sends them.
func TestKernelHundredThousandElements(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: -short")
	}
	ns := nstest.New(t)
	const n = 100000
	elements := func(from, to int) string {
		var b strings.Builder
		b.WriteString("add element ip big s { ")
		for i := from; i < to; i++ {
			if i > from {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "10.%d.%d.%d", i>>16, i>>8&0xff, i&0xff)
		}
		b.WriteString(" }\n")
		return b.String()
	}
	for _, c := range []struct {
		args []string
		txns int
	}{
		{[]string{"-stats", "-netns", ns.Path}, 20},
		{[]string{"-json", "-stats", "-netns", ns.Path}, 20},
		{[]string{"-stats", "-netns", ns.Path, "-rcvbuf", "32M"}, 1},
	} {
		p := nftmonProc(t, c.args...)
		syncProcs(t, ns, p)
		ns.Script(t, "add table ip big\nadd set ip big s { type ipv4_addr; }\n")
		per := n / c.txns
		for i := 0; i < n; i += per {
			ns.Script(t, elements(i, i+per))
		}
		g := currentGen(t, ns)
		if !p.WaitFor(p.genMarker(g), 60*time.Second) {
			p.stop(t, syscall.SIGINT)
			t.Fatalf("%s: no commit %d; output ends %q; stderr %s", p.Name, g, tail(p.Stdout.String(), 300), p.Stderr.String())
		}
		if code := p.stop(t, syscall.SIGINT); code != 0 {
			t.Fatalf("%s: exit %d: %s", p.Name, code, p.Stderr.String())
		}
		out := p.Stdout.String()
		elems := strings.Count(out, "add element ip big s { 10.") + strings.Count(out, `"type":"NEWSETELEM"`)
		if elems != n {
			t.Errorf("%s: %d element events, want %d", p.Name, elems, n)
		}
		stats := p.Stderr.String()
		if !strings.Contains(stats, " losses=0 ") || !strings.Contains(stats, " discarded=0 ") {
			t.Errorf("%s: %s", p.Name, stats)
		}
		ns.Script(t, "delete table ip big\n")
	}
}

// TestKernelLoss stops nftmon while a transaction larger than its receive
// buffer is committed: it must print a loss, go on watching, and record
// the loss with -w so that -r replays it.
func TestKernelLoss(t *testing.T) {
	ns := nstest.New(t)
	var script strings.Builder
	script.WriteString("add table ip lossy\nadd set ip lossy s { type ipv4_addr; }\nadd element ip lossy s { ")
	for i := 0; i < 5000; i++ {
		if i > 0 {
			script.WriteString(", ")
		}
		fmt.Fprintf(&script, "10.0.%d.%d", i>>8, i&0xff)
	}
	script.WriteString(" }\n")
	file := filepath.Join(t.TempDir(), "loss.pcap")
	for _, args := range [][]string{{"-netns", ns.Path, "-rcvbuf", "8k"}, {"-json", "-stats", "-netns", ns.Path, "-rcvbuf", "8k", "-w", file}} {
		p := nftmonProc(t, args...)
		before := syncProcs(t, ns, p)
		if err := p.Cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		ns.Script(t, script.String())
		if err := p.Cmd.Process.Signal(syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
		ns.Script(t, "delete table ip lossy\n")
		syncProcs(t, ns, p) // it watches on after the loss
		if code := p.stop(t, syscall.SIGINT); code != 0 {
			t.Fatalf("%s: exit %d: %s", p.Name, code, p.Stderr.String())
		}
		out := p.Stdout.String()
		// The last transaction read whole before the loss is the
		// sync one: its NEWGEN was read before the reader stopped.
		want := fmt.Sprintf("# ERROR: We lost some netlink events! Changes after generation %d may be missing", before)
		if strings.Contains(p.Name, "-json") {
			want = fmt.Sprintf(`"lost_after":[{"gen":%d}]}`, before)
		}
		if !strings.Contains(out, want) {
			t.Fatalf("%s: no %q in the output:\n%s", p.Name, want, tail(out, 1000))
		}
		if strings.Contains(p.Name, "-w") {
			if !strings.Contains(p.Stderr.String(), "losses=") || strings.Contains(p.Stderr.String(), " losses=0 ") {
				t.Errorf("stats: %s", p.Stderr.String())
			}
			code, replay, errs := runCmd("-json", "-r", file)
			if code != 0 || errs != "" || replay != out {
				t.Errorf("replay of the recording: exit %d, stderr %q, equal to the live output: %v", code, errs, replay == out)
			}
			checkJSONLines(t, out)
		}
	}
}

// TestKernelFilters checks -kind and -op, and nft monitor's words, on live
// output: a transaction whose changes the filter hides has no commit line.
func TestKernelFilters(t *testing.T) {
	ns := nstest.New(t)
	rules := nftmonProc(t, "-json", "-kind", "rules", "-netns", ns.Path)
	dels := nftmonProc(t, "-json", "-op", "delete", "-netns", ns.Path)
	newRules := nftmonProc(t, "new", "rules", "-netns", ns.Path, "json")
	// The sync transaction has a change each filter lets through.
	const sync = "add table ip __sync\nadd chain ip __sync c\nadd rule ip __sync c accept\ndelete table ip __sync\n"
	floor := syncProcsWith(t, ns, sync, rules, dels, newRules)
	ns.Script(t, "add table inet flt\nadd chain inet flt c\nadd rule inet flt c accept\n")
	ns.Script(t, "add chain inet flt d\n") // nothing for the rules filters
	ns.Script(t, "delete table inet flt\n")
	syncProcsWith(t, ns, sync, rules, dels, newRules)
	for _, c := range []struct {
		p    *proc
		want []string
	}{
		{rules, []string{"NEWRULE", "NEWGEN", "DELRULE", "NEWGEN", "NEWRULE", "DELRULE", "NEWGEN"}},
		{dels, []string{"DELRULE", "DELCHAIN", "DELCHAIN", "DELTABLE", "NEWGEN", "DELRULE", "DELCHAIN", "DELTABLE", "NEWGEN"}},
		{newRules, []string{"NEWRULE", "NEWGEN", "NEWRULE", "NEWGEN"}},
	} {
		var got []string
		s := bufio.NewScanner(strings.NewReader(after(t, c.p, floor)))
		for s.Scan() {
			var e struct{ Type string }
			if err := json.Unmarshal(s.Bytes(), &e); err != nil {
				t.Fatal(err)
			}
			got = append(got, e.Type)
		}
		// The sync transaction after the changes adds and deletes a
		// table: the delete filter sees its DELTABLE.
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.p.Name, got, c.want)
		}
	}
}

// TestKernelSnapshot checks -snapshot: the snapshot holds what nft lists,
// at the generation current when nftmon started, and the changes after it
// follow, none twice.
func TestKernelSnapshot(t *testing.T) {
	ns := nstest.New(t)
	applyScenarios(t, ns, "rules", "sets", "maps")
	g0 := currentGen(t, ns)

	var listing struct {
		Nftables []map[string]json.RawMessage `json:"nftables"`
	}
	if err := json.Unmarshal([]byte(ns.Nft(t, "-j", "list", "ruleset")), &listing); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	for _, o := range listing.Nftables {
		for k := range o {
			switch k {
			case "table", "chain", "rule":
				want[k]++
			case "set", "map":
				want["set"]++
			}
		}
	}

	p := nftmonProc(t, "-json", "-snapshot", "-netns", ns.Path)
	end := fmt.Sprintf(`{"type":"SNAPSHOT_END","family":"unspec","gen":%d,"snapshot":true}`, g0)
	if !p.WaitFor(end, 10*time.Second) {
		t.Fatalf("no %s in:\n%s\nstderr: %s", end, tail(p.Stdout.String(), 2000), p.Stderr.String())
	}
	ns.Script(t, "add table ip aftersnap\n")
	last := syncProcs(t, ns, p)
	if code := p.stop(t, syscall.SIGINT); code != 0 {
		t.Fatalf("exit %d: %s", code, p.Stderr.String())
	}
	evs := checkJSONLines(t, p.Stdout.String())
	got := map[string]int{}
	inSnapshot, after := false, 0
	for i, e := range evs {
		switch {
		case e.Type == "SNAPSHOT_BEGIN":
			if i != 0 || *e.Gen != g0 {
				t.Errorf("event %d: SNAPSHOT_BEGIN at gen %d, want first and at %d", i, *e.Gen, g0)
			}
			inSnapshot = true
		case e.Type == "SNAPSHOT_END":
			inSnapshot = false
		case inSnapshot:
			if !e.Snapshot || *e.Gen != g0 {
				t.Errorf("snapshot event %d: %+v", i, e)
			}
			switch e.Type {
			case "NEWTABLE":
				got["table"]++
			case "NEWCHAIN":
				got["chain"]++
			case "NEWRULE":
				got["rule"]++
			case "NEWSET":
				if !strings.HasPrefix(e.Name, "__") { // nft lists no anonymous set
					got["set"]++
				}
			case "NEWSETELEM", "NEWOBJ", "NEWFLOWTABLE":
			default:
				t.Errorf("snapshot event %d: type %s", i, e.Type)
			}
		default:
			if e.Snapshot || !nftmon.GenAfter(*e.Gen, g0) || nftmon.GenAfter(*e.Gen, last) {
				t.Errorf("event %d after the snapshot: %+v", i, e)
			}
			if e.Type == "NEWTABLE" && e.Table == "aftersnap" {
				after++
			}
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || want["rule"] < 5 {
		t.Errorf("snapshot holds %v, nft lists %v", got, want)
	}
	if after != 1 {
		t.Errorf("the change after the snapshot was printed %d times", after)
	}
}

// TestKernelAllNetNS watches namespace a with -all-netns and -netns NAME
// (a name under /run/netns): changes in namespace b, which has nsid 5 in
// a, carry the nsid and b's name; a's own do not. Each has a veth pair of
// its own (va0 in a, vb0 in b): a rule's interface is named in the
// namespace of its rule, as nft monitor run there names it.
func TestKernelAllNetNS(t *testing.T) {
	nstest.New(t) // skips where namespaces or nft are missing
	a, b := fmt.Sprintf("nftmon-test-a-%d", os.Getpid()), fmt.Sprintf("nftmon-test-b-%d", os.Getpid())
	for _, name := range []string{a, b} {
		if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
			nstest.Skip(t, "ip netns add: %v: %s", err, out)
		}
		t.Cleanup(func() { exec.Command("ip", "netns", "delete", name).Run() })
	}
	if out, err := exec.Command("ip", "netns", "exec", a, "ip", "netns", "set", b, "5").CombinedOutput(); err != nil {
		t.Fatalf("ip netns set: %v: %s", err, out)
	}
	for ns, link := range map[string]string{a: "va", b: "vb"} {
		if out, err := exec.Command("ip", "-n", ns, "link", "add", link+"0", "type", "veth", "peer", "name", link+"1").CombinedOutput(); err != nil {
			t.Fatalf("ip link add in %s: %v: %s", ns, err, out)
		}
	}
	nft := func(ns, script string) {
		cmd := exec.Command("ip", "netns", "exec", ns, "nft", "-f", "-")
		cmd.Stdin = strings.NewReader(script)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("nft in %s: %v: %s", ns, err, out)
		}
	}
	jp := nftmonProc(t, "-json", "-all-netns", "-netns", a)
	tp := nftmonProc(t, "-all-netns", "-netns", a)
	// Wait until both have subscribed: a's own commits show up.
	for try := 0; ; try++ {
		nft(a, "add table ip __sync\ndelete table ip __sync\n")
		if jp.WaitFor(`"table":"__sync"`, time.Second) && tp.WaitFor("add table ip __sync", time.Second) {
			break
		}
		if try == 30 {
			t.Fatalf("no sync: %s %s", jp.Stderr.String(), tp.Stderr.String())
		}
	}
	nft(b, "add table ip inb\n")
	nft(a, "add table ip ina\n")
	if !jp.WaitFor(`"table":"ina"`, 5*time.Second) || !tp.WaitFor("add table ip ina", 5*time.Second) {
		t.Fatalf("no table ina:\n%s\n%s", jp.Stdout.String(), tp.Stdout.String())
	}
	nft(b, "add chain ip inb c\nadd rule ip inb c iif \"vb0\" oif \"lo\" accept\n")
	nft(a, "add chain ip ina c\nadd rule ip ina c iif \"va0\" oif \"lo\" accept\n")
	if !tp.WaitFor(`add rule ip ina c iif`, 5*time.Second) {
		t.Fatalf("no rule of ina:\n%s", tp.Stdout.String())
	}
	for _, p := range []*proc{jp, tp} {
		if code := p.stop(t, syscall.SIGTERM); code != 0 {
			t.Fatalf("%s: exit %d: %s", p.Name, code, p.Stderr.String())
		}
	}
	out := jp.Stdout.String()
	checkJSONLines(t, out)
	if !regexp.MustCompile(`(?m)^\{"type":"NEWTABLE","family":"ip","gen":\d+,"pid":\d+,"comm":"nft","nsid":5,"netns":"`+b+`","table":"inb",`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^\{"type":"NEWGEN","family":"unspec","gen":\d+,"pid":\d+,"comm":"nft","nsid":5,"netns":"`+b+`"\}$`).MatchString(out) {
		t.Errorf("no events of namespace b with nsid 5:\n%s", out)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, `"ina"`) && strings.Contains(l, "nsid") {
			t.Errorf("namespace a's own event has an nsid: %s", l)
		}
	}
	text := tp.Stdout.String()
	if !strings.Contains(text, "\n[nsid 5 netns "+b+"] add table ip inb\n[nsid 5 netns "+b+"] # new generation ") || !strings.Contains(text, "\nadd table ip ina\n# new generation ") {
		t.Errorf("text:\n%s", text)
	}
	if !strings.Contains(text, "\n[nsid 5 netns "+b+`] add rule ip inb c iif "vb0" oif "lo" accept`+"\n") ||
		!strings.Contains(text, "\n"+`add rule ip ina c iif "va0" oif "lo" accept`+"\n") {
		t.Errorf("rules' interfaces not named in their namespaces:\n%s", text)
	}
	if !strings.Contains(out, `"rule":"iif \"vb0\" oif \"lo\" accept"`) {
		t.Errorf("JSON: b's rule's interfaces not named in b:\n%s", out)
	}
}

var nftHandleRE = regexp.MustCompile(`# handle (\d+)`)

// handleKeys returns "op kind family table name handle" for each line of
// a monitor's text that prints a handle.
func handleKeys(text string) []string {
	var keys []string
	for _, l := range strings.Split(text, "\n") {
		l = timeRE.ReplaceAllString(l, "")
		m := nftHandleRE.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		f := strings.Fields(l)
		if f[0] == "insert" {
			f[0] = "add"
		}
		key := f[:4]
		if f[1] != "table" {
			key = f[:5]
		}
		keys = append(keys, strings.Join(key, " ")+" "+m[1])
	}
	return keys
}

// TestKernelHandlesTimes runs nftmon -a -t next to nft -a monitor: every
// handle nft prints, nftmon prints for the same object; the times nftmon
// prints are those of the reads, in order.
func TestKernelHandlesTimes(t *testing.T) {
	ns := nstest.New(t)
	nm := nftProc(t, ns, "-a", "monitor")
	p := nftmonProc(t, "-a", "-t", "-netns", ns.Path)
	jp := nftmonProc(t, "-j", "-t", "-netns", ns.Path)
	floor := syncProcs(t, ns, nm, p, jp)
	start := time.Now()
	ns.Script(t, `add table ip h
add chain ip h c { type filter hook input priority 0; policy accept; }
add chain ip h r
add set ip h s { type ipv4_addr; }
add counter ip h cnt
add quota ip h q { over 100 mbytes }
add rule ip h c ip saddr 10.0.0.1 counter accept
add rule ip h c jump r
`)
	ns.Script(t, "insert rule ip h c drop\n")
	ns.Script(t, "delete table ip h\n")
	syncProcs(t, ns, nm, p, jp)
	end := time.Now()
	want, got := handleKeys(after(t, nm, floor)), handleKeys(after(t, p, floor))
	if len(want) < 10 {
		t.Fatalf("nft -a monitor printed %d handles:\n%s", len(want), after(t, nm, floor))
	}
	for _, w := range want {
		if i := slices.Index(got, w); i < 0 {
			t.Errorf("nft -a monitor printed %q; nftmon -a did not:\n%q", w, got)
		} else {
			got = slices.Delete(got, i, i+1)
		}
	}
	var last time.Time
	for _, l := range strings.Split(strings.TrimSpace(after(t, p, floor)), "\n") {
		ts, err := time.Parse(timeLayout, strings.TrimSpace(timeRE.FindString(l)))
		if err != nil || ts.Before(start.Truncate(time.Microsecond)) || ts.After(end) || ts.Before(last) {
			t.Errorf("line %q: time not within the test (%v to %v) and after the previous line's (%v): %v", l, start, end, last, err)
		}
		last = ts
	}
	for _, l := range strings.Split(strings.TrimSpace(after(t, jp, floor)), "\n") {
		var e struct{ Time string }
		json.Unmarshal([]byte(l), &e)
		ts, err := time.Parse(timeLayout, e.Time)
		if err != nil || ts.Before(start.Truncate(time.Microsecond)) || ts.After(end) {
			t.Errorf("JSON line %q: time not within the test: %v", l, err)
		}
	}
}
