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
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
)

// The tests here run the built nftmon command in a private network
// namespace (internal/nstest, never the host's), next to nft monitor,
// while nft applies the capture scenarios of the module's testdata.

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// TestMain removes the binary that the tests built. A crash prints every
// goroutine, so that the running tests are named by their stacks.
func TestMain(m *testing.M) {
	debug.SetTraceback("all")
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// nftmonBinary builds the command once per test run and returns its path.
func nftmonBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "nftmon-test-")
		if buildErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", filepath.Join(buildDir, "nftmon"), ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(buildDir, "nftmon")
}

// lockedBuffer collects a process's output as it is written.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// proc is a running nftmon or nft monitor.
type proc struct {
	name      string
	cmd       *exec.Cmd
	out, errb lockedBuffer
	done      chan struct{}
	err       error
}

// startProc starts cmd with its output collected; it is killed when the
// test ends if still running.
func startProc(t *testing.T, name string, cmd *exec.Cmd) *proc {
	t.Helper()
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &p.out, &p.errb
	if err := nstest.Isolate(cmd).Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			nstest.KillGroup(cmd)
			<-p.done
		}
	})
	return p
}

// nftmonProc starts the built command with args.
func nftmonProc(t *testing.T, args ...string) *proc {
	return startProc(t, "nftmon "+strings.Join(args, " "), exec.Command(nftmonBinary(t), args...))
}

// stop sends sig and returns the exit status.
func (p *proc) stop(t *testing.T, sig syscall.Signal) int {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %s: %v", p.name, err)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not exit on %v", p.name, sig)
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		t.Fatalf("%s: %v", p.name, p.err)
	}
	return 0
}

// genMarker returns what a process prints for the commit of gen.
func (p *proc) genMarker(gen uint32) string {
	if strings.Contains(p.name, "-json") {
		return fmt.Sprintf(`{"type":"NEWGEN","family":"unspec","gen":%d,`, gen)
	}
	return fmt.Sprintf("# new generation %d by process ", gen)
}

// waitFor waits until the process has printed s.
func (p *proc) waitFor(s string, wait time.Duration) bool {
	deadline := time.Now().Add(wait)
	for {
		if strings.Contains(p.out.String(), s) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-p.done:
			return strings.Contains(p.out.String(), s)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// currentGen asks the namespace's kernel for its generation.
func currentGen(t *testing.T, ns *nstest.NS) uint32 {
	t.Helper()
	c, err := nftmon.Open(nftmon.ConnConfig{NetNS: ns.Path, ReadBuffer: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	g, err := c.GetGen()
	if err != nil {
		t.Fatal(err)
	}
	return g.ID
}

// syncProcs commits an empty-handed transaction until every process has
// printed its commit (a process may not have subscribed yet), and returns
// its generation: what the processes print after it, they all saw.
func syncProcs(t *testing.T, ns *nstest.NS, procs ...*proc) uint32 {
	t.Helper()
	for try := 0; ; try++ {
		ns.Script(t, "add table ip __sync\ndelete table ip __sync\n")
		g := currentGen(t, ns)
		all := true
		for _, p := range procs {
			if !p.waitFor(p.genMarker(g), time.Second) {
				all = false
			}
		}
		if all {
			return g
		}
		if try == 30 {
			if d := os.Getenv("NFTMON_TEST_DUMP"); d != "" {
				for i, p := range procs {
					os.WriteFile(filepath.Join(d, fmt.Sprintf("proc%d.out", i)), []byte(p.name+"\n"+p.out.String()), 0o644)
				}
			}
			for _, p := range procs {
				t.Logf("%s:\nstdout: %s\nstderr: %s", p.name, tail(p.out.String(), 1000), p.errb.String())
			}
			t.Fatalf("the processes did not all print generation %d", g)
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// after returns the lines of out that follow the commit of gen floor.
func after(t *testing.T, p *proc, floor uint32) string {
	t.Helper()
	out := p.out.String()
	m := p.genMarker(floor)
	i := strings.Index(out, m)
	if i < 0 {
		t.Fatalf("%s never printed generation %d", p.name, floor)
	}
	j := strings.IndexByte(out[i:], '\n')
	return out[i+j+1:]
}

// applyScenarios runs the steps of the named scenarios of the module's
// testdata/scenarios, each as one nft -f; steps marked "fail" must fail.
func applyScenarios(t *testing.T, ns *nstest.NS, names ...string) {
	t.Helper()
	for _, name := range names {
		text, err := os.ReadFile("../../testdata/scenarios/" + name + ".nft")
		if err != nil {
			t.Fatal(err)
		}
		var step strings.Builder
		fail := false
		flush := func() {
			if strings.TrimSpace(step.String()) == "" {
				return
			}
			_, err := ns.TryNft(step.String(), "-f", "-")
			if fail != (err != nil) {
				t.Fatalf("%s: step (fail=%v): %v\n%s", name, fail, err, step.String())
			}
			step.Reset()
		}
		for _, line := range strings.Split(string(text), "\n") {
			switch {
			case strings.HasPrefix(line, "#!setup "):
				cmd := ns.Command("sh", "-c", strings.TrimPrefix(line, "#!setup "))
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("%s: %s: %v\n%s", name, line, err, out)
				}
			case strings.HasPrefix(line, "#--- "):
				flush()
				fail = strings.TrimSpace(strings.TrimPrefix(line, "#--- ")) == "fail"
			case strings.HasPrefix(line, "#"):
			default:
				step.WriteString(line + "\n")
			}
		}
		flush()
	}
}

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
// print exactly what was printed live; and that tshark reads them as
// netlink.
func TestKernelMatchesNftMonitor(t *testing.T) {
	ns := nstest.New(t)
	dir := t.TempDir()
	jsonPcap, textPcap := filepath.Join(dir, "json.pcap"), filepath.Join(dir, "text.pcap")
	nm := startProc(t, "nft monitor", ns.Command("nft", "monitor"))
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
	if out := text.out.String(); !strings.Contains(out[strings.LastIndexByte(strings.TrimSuffix(out, "\n"), '\n')+1:], text.genMarker(last)) {
		t.Errorf("text output does not end with the last commit:\n%s", tail(out, 300))
	}

	// Stop the recorders; replay what they wrote.
	for _, p := range []*proc{live, rec, text} {
		if code := p.stop(t, syscall.SIGINT); code != 0 {
			t.Errorf("%s exited %d on SIGINT: %s", p.name, code, p.errb.String())
		}
	}
	for _, c := range []struct {
		p    *proc
		args []string
	}{{rec, []string{"-json", "-r", jsonPcap}}, {text, []string{"-r", textPcap}}} {
		code, out, errs := runCmd(c.args...)
		if code != 0 || errs != "" {
			t.Fatalf("%v: exit %d: %s", c.args, code, errs)
		}
		if out != c.p.out.String() {
			t.Errorf("nftmon %v printed other output than %s live:\n%s\nvs\n%s", c.args, c.p.name, tail(out, 1500), tail(c.p.out.String(), 1500))
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
		if !p.waitFor(p.genMarker(g2), 5*time.Second) {
			t.Fatalf("%s: no commit %d", p.name, g2)
		}
		if code := p.stop(t, c.sig); code != 0 {
			t.Errorf("%s: exit status %d on %v, want 0; stderr %q", p.name, code, c.sig, p.errb.String())
		}
		out := p.out.String()
		if !strings.Contains(out, p.genMarker(g)) || !strings.HasSuffix(strings.TrimSpace(out), "(nft)") && !strings.HasSuffix(strings.TrimSpace(out), `"comm":"nft"}`) {
			t.Errorf("%s: output not flushed up to the last commit:\n%s", p.name, tail(out, 500))
		}
		if !strings.Contains(strings.ToLower(out), "chain") {
			t.Errorf("%s: no chain in the output:\n%s", p.name, out)
		}
		errs := p.errb.String()
		if slices.Contains(c.args, "-stats") != strings.Contains(errs, "nftmon: stats: datagrams=") {
			t.Errorf("%s: stderr %q", p.name, errs)
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
		{exec.Command(bin, "extra"), 2, "unexpected argument"},
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
		if !p.waitFor(p.genMarker(g), 60*time.Second) {
			p.stop(t, syscall.SIGINT)
			t.Fatalf("%s: no commit %d; output ends %q; stderr %s", p.name, g, tail(p.out.String(), 300), p.errb.String())
		}
		if code := p.stop(t, syscall.SIGINT); code != 0 {
			t.Fatalf("%s: exit %d: %s", p.name, code, p.errb.String())
		}
		out := p.out.String()
		elems := strings.Count(out, "add element ip big s { 10.") + strings.Count(out, `"type":"NEWSETELEM"`)
		if elems != n {
			t.Errorf("%s: %d element events, want %d", p.name, elems, n)
		}
		stats := p.errb.String()
		if !strings.Contains(stats, " losses=0 ") || !strings.Contains(stats, " discarded=0 ") {
			t.Errorf("%s: %s", p.name, stats)
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
		syncProcs(t, ns, p)
		if err := p.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		ns.Script(t, script.String())
		if err := p.cmd.Process.Signal(syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
		ns.Script(t, "delete table ip lossy\n")
		syncProcs(t, ns, p) // it watches on after the loss
		if code := p.stop(t, syscall.SIGINT); code != 0 {
			t.Fatalf("%s: exit %d: %s", p.name, code, p.errb.String())
		}
		out := p.out.String()
		want := "# ERROR: We lost some netlink events!"
		if strings.Contains(p.name, "-json") {
			want = `{"type":"LOSS","error":`
		}
		if !strings.Contains(out, want) {
			t.Fatalf("%s: no %q in the output:\n%s", p.name, want, tail(out, 1000))
		}
		if strings.Contains(p.name, "-w") {
			if !strings.Contains(p.errb.String(), "losses=") || strings.Contains(p.errb.String(), " losses=0 ") {
				t.Errorf("stats: %s", p.errb.String())
			}
			code, replay, errs := runCmd("-json", "-r", file)
			if code != 0 || errs != "" || replay != out {
				t.Errorf("replay of the recording: exit %d, stderr %q, equal to the live output: %v", code, errs, replay == out)
			}
			checkJSONLines(t, out)
		}
	}
}

// TestKernelFilters checks -kind and -op on live output.
func TestKernelFilters(t *testing.T) {
	ns := nstest.New(t)
	rules := nftmonProc(t, "-json", "-kind", "rules", "-netns", ns.Path)
	dels := nftmonProc(t, "-json", "-op", "delete", "-netns", ns.Path)
	floor := syncProcs(t, ns, rules, dels)
	ns.Script(t, "add table inet flt\nadd chain inet flt c\nadd rule inet flt c accept\n")
	ns.Script(t, "delete table inet flt\n")
	syncProcs(t, ns, rules, dels)
	for _, c := range []struct {
		p    *proc
		want []string
	}{
		{rules, []string{"NEWRULE", "NEWGEN", "DELRULE", "NEWGEN", "NEWGEN"}},
		{dels, []string{"NEWGEN", "DELRULE", "DELCHAIN", "DELTABLE", "NEWGEN", "DELTABLE", "NEWGEN"}},
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
			t.Errorf("%s: %v, want %v", c.p.name, got, c.want)
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
	if !p.waitFor(end, 10*time.Second) {
		t.Fatalf("no %s in:\n%s\nstderr: %s", end, tail(p.out.String(), 2000), p.errb.String())
	}
	ns.Script(t, "add table ip aftersnap\n")
	last := syncProcs(t, ns, p)
	if code := p.stop(t, syscall.SIGINT); code != 0 {
		t.Fatalf("exit %d: %s", code, p.errb.String())
	}
	evs := checkJSONLines(t, p.out.String())
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
// a, carry the nsid; a's own do not.
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
		if jp.waitFor(`"table":"__sync"`, time.Second) && tp.waitFor("add table ip __sync", time.Second) {
			break
		}
		if try == 30 {
			t.Fatalf("no sync: %s %s", jp.errb.String(), tp.errb.String())
		}
	}
	nft(b, "add table ip inb\n")
	nft(a, "add table ip ina\n")
	if !jp.waitFor(`"table":"ina"`, 5*time.Second) || !tp.waitFor("add table ip ina", 5*time.Second) {
		t.Fatalf("no table ina:\n%s\n%s", jp.out.String(), tp.out.String())
	}
	for _, p := range []*proc{jp, tp} {
		if code := p.stop(t, syscall.SIGTERM); code != 0 {
			t.Fatalf("%s: exit %d: %s", p.name, code, p.errb.String())
		}
	}
	out := jp.out.String()
	checkJSONLines(t, out)
	if !regexp.MustCompile(`(?m)^\{"type":"NEWTABLE","family":"ip","gen":\d+,"pid":\d+,"comm":"nft","nsid":5,"table":"inb",`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^\{"type":"NEWGEN","family":"unspec","gen":\d+,"pid":\d+,"comm":"nft","nsid":5\}$`).MatchString(out) {
		t.Errorf("no events of namespace b with nsid 5:\n%s", out)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, `"ina"`) && strings.Contains(l, "nsid") {
			t.Errorf("namespace a's own event has an nsid: %s", l)
		}
	}
	text := tp.out.String()
	if !strings.Contains(text, "\n[nsid 5] add table ip inb\n[nsid 5] # new generation ") || !strings.Contains(text, "\nadd table ip ina\n# new generation ") {
		t.Errorf("text:\n%s", text)
	}
}
