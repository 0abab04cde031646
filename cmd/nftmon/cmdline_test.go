package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/pcapnl"
)

// lineKind returns the kind and operation of a text line of a change
// ("rules", "new"), or "" for a line that is not one.
func lineKind(l string) (kind, op string) {
	f := strings.Fields(l)
	if len(f) < 3 || strings.HasPrefix(l, "#") {
		return "", ""
	}
	switch f[0] {
	case "add", "insert", "create":
		op = "new"
	case "delete":
		op = "destroy"
	default:
		return "", ""
	}
	switch f[1] {
	case "table", "chain", "rule", "set", "element", "flowtable":
		kind = f[1] + "s"
	case "map":
		kind = "sets"
	default:
		kind = "objects" // counter, quota, limit, ct helper, ...
	}
	return kind, op
}

// jsonKind is lineKind for a JSON line.
func jsonKind(l string) (kind, op string) {
	var e struct{ Type string }
	if err := json.Unmarshal([]byte(l), &e); err != nil {
		panic(err)
	}
	op = "new"
	if strings.HasPrefix(e.Type, "DEL") {
		op = "destroy"
	}
	switch strings.TrimPrefix(strings.TrimPrefix(e.Type, "NEW"), "DEL") {
	case "TABLE":
		return "tables", op
	case "CHAIN":
		return "chains", op
	case "RULE":
		return "rules", op
	case "SET":
		return "sets", op
	case "SETELEM":
		return "elements", op
	case "OBJ":
		return "objects", op
	case "FLOWTABLE":
		return "flowtables", op
	}
	return "", "" // NEWGEN
}

// filtered returns what the words should leave of the unfiltered output
// all: the changes of the kind and operation asked for, and the generation
// line of each transaction of which a change is left.
func filtered(all string, kinds []string, op string, isGen func(string) bool, kindOf func(string) (string, string)) string {
	var out, txn strings.Builder
	shown := false
	for _, l := range strings.SplitAfter(all, "\n") {
		if l == "" {
			continue
		}
		if isGen(l) {
			if shown || (kinds == nil && op == "") {
				out.WriteString(txn.String())
				out.WriteString(l)
			}
			txn.Reset()
			shown = false
			continue
		}
		k, o := kindOf(strings.TrimSuffix(l, "\n"))
		if (kinds == nil || slices.Contains(kinds, k)) && (op == "" || o == op) {
			txn.WriteString(l)
			shown = true
		}
	}
	return out.String() + txn.String()
}

// TestWords checks nft monitor's words against every capture: each prints
// exactly the changes of its kind and operation, and the generation lines
// of the transactions they come from; the flags -kind and -op print the
// same.
func TestWords(t *testing.T) {
	isTextGen := func(l string) bool { return strings.HasPrefix(l, "# new generation ") }
	isJSONGen := func(l string) bool { return strings.HasPrefix(l, `{"type":"NEWGEN"`) }
	hidden := 0
	for _, name := range captures(t) {
		file := "../../testdata/" + name + ".pcap"
		for _, c := range []struct {
			words []string
			flags []string // the same filter as flags
			kinds []string
			op    string
		}{
			{[]string{"new"}, []string{"-op", "new"}, nil, "new"},
			{[]string{"destroy"}, []string{"-op", "delete"}, nil, "destroy"},
			{[]string{"tables"}, []string{"-kind", "tables"}, []string{"tables"}, ""},
			{[]string{"chains"}, []string{"-kind", "chains"}, []string{"chains"}, ""},
			{[]string{"sets"}, []string{"-kind", "sets"}, []string{"sets"}, ""},
			{[]string{"rules"}, []string{"-kind", "rules"}, []string{"rules"}, ""},
			{[]string{"elements"}, []string{"-kind", "elements"}, []string{"elements"}, ""},
			{[]string{"objects"}, []string{"-kind", "objects"}, []string{"objects"}, ""},
			{[]string{"flowtables"}, []string{"-kind", "flowtables"}, []string{"flowtables"}, ""},
			{[]string{"new", "rules"}, []string{"-kind", "rules", "-op", "new"}, []string{"rules"}, "new"},
			{[]string{"destroy", "elements"}, []string{"-op", "destroy", "-kind", "elements"}, []string{"elements"}, "destroy"},
			{[]string{"ruleset"}, nil, nil, ""},
		} {
			for _, js := range []bool{false, true} {
				base := []string{"-r", file}
				isGen, kindOf := isTextGen, lineKind
				if js {
					base = append(base, "-j")
					isGen, kindOf = isJSONGen, jsonKind
				}
				_, all, _ := runCmd(base...)
				want := filtered(all, c.kinds, c.op, isGen, kindOf)
				hidden += strings.Count(all, "\n") - strings.Count(want, "\n")
				for _, args := range [][]string{append(slices.Clone(base), c.words...), append(slices.Clone(c.words), base...), append(base, c.flags...)} {
					code, out, errs := runCmd(args...)
					if code != 0 || errs != "" {
						t.Fatalf("%v: exit %d, stderr %q", args, code, errs)
					}
					if out != want {
						t.Errorf("%v printed:\n%s\nwant:\n%s", args, tail(out, 1500), tail(want, 1500))
					}
				}
			}
		}
	}
	if hidden < 1000 {
		t.Errorf("the filters hid only %d lines of all the captures", hidden)
	}
	// The json words are -json, as the -j flag is.
	_, want, _ := runCmd("-json", "-r", "../../testdata/rules.pcap")
	for _, args := range [][]string{{"-j"}, {"json"}, {"vm", "json"}, {"rules", "json"}, {"new", "rules", "vm", "json"}} {
		_, out, _ := runCmd(append(args, "-r", "../../testdata/rules.pcap")...)
		if strings.Contains(strings.Join(args, " "), "rules") {
			want = filtered(want, []string{"rules"}, map[bool]string{true: "new"}[slices.Contains(args, "new")], isJSONGen, jsonKind)
		}
		if out != want || !strings.HasPrefix(out, "{") {
			t.Errorf("%v: output differs from -json's:\n%s", args, tail(out, 500))
		}
	}
}

// TestWordErrors checks that a bad sequence of words, or words that clash
// with the flags, exit with status 2 and one line, and that trace refuses
// the words and flags it does not go with.
func TestWordErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"rules", "new"}, `unexpected word "new"`},
		{[]string{"new", "new"}, `unexpected word "new"`},
		{[]string{"tables", "chains"}, `unexpected word "chains"`},
		{[]string{"add"}, `unexpected word "add"`},
		{[]string{"rule"}, `unexpected word "rule"`},
		{[]string{"json", "rules"}, `unexpected word "rules"`},
		{[]string{"vm"}, `unexpected word "vm"`},
		{[]string{"xml"}, "xml: this output type is not supported"},
		{[]string{"rules", "-kind", "sets"}, `the word "rules" and -kind`},
		{[]string{"ruleset", "-kind", "sets"}, `the word "ruleset" and -kind`},
		{[]string{"new", "-op", "delete"}, `the word "new" and -op`},
		{[]string{"new", "trace"}, "trace prints packet traces: it does not go with new"},
		{[]string{"trace", "-op", "new"}, "it does not go with new, destroy, -kind or -op"},
		{[]string{"trace", "-stream"}, "trace watches one namespace"},
		{[]string{"trace", "-since-gen", "3"}, "trace watches one namespace"},
		{[]string{"trace", "-r", "x.pcap", "-w", "y.pcap"}, "-r reads a file"},
		{[]string{"trace", "-all-netns"}, "trace watches one namespace"},
		{[]string{"trace", "-snapshot"}, "trace watches one namespace"},
		{[]string{"trace", "-a"}, "trace watches one namespace"},
		{[]string{"trace", "rules"}, `unexpected word "rules"`},
	} {
		code, out, errs := runCmd(c.args...)
		if code != exitUsage || out != "" || strings.Count(errs, "\n") != 1 || !strings.HasPrefix(errs, "nftmon: ") || !strings.Contains(errs, c.msg) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", c.args, code, out, errs, c.msg)
		}
	}
}

// TestHelpVersion checks -h (the words, every flag, examples, exit
// statuses, on standard output, exit 0) and -version.
func TestHelpVersion(t *testing.T) {
	for _, h := range []string{"-h", "-help", "--help"} {
		code, out, errs := runCmd(h)
		if code != exitOK || errs != "" {
			t.Fatalf("%s: exit %d, stderr %q", h, code, errs)
		}
		want := []string{"usage: nftmon [flags] [new|destroy] [OBJECT] [json]", "examples:\n", "exit status:\n", "  0  ", "  1  ", "  2  ", "trace", "ruleset"}
		newFlagSet(&options{}, &flagValues{}).VisitAll(func(f *flag.Flag) { want = append(want, "  -"+f.Name) })
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: no %q in:\n%s", h, w, out)
			}
		}
		// Every example runs: its flags and words parse.
		ex := out[strings.Index(out, "examples:\n"):strings.Index(out, "exit status:")]
		n := 0
		for _, l := range strings.Split(ex, "\n")[1:] {
			f := strings.Fields(strings.SplitN(strings.TrimSpace(l), "  ", 2)[0])
			if len(f) == 0 {
				continue
			}
			n++
			if f[0] != "nftmon" {
				t.Fatalf("example %q", l)
			}
			if _, err := parseFlags(f[1:], nil); err != nil {
				t.Errorf("example %q: %v", l, err)
			}
		}
		if n < 5 {
			t.Errorf("%d examples", n)
		}
	}
	code, out, errs := runCmd("-version")
	if code != exitOK || errs != "" || !strings.HasPrefix(out, "nftmon ") || !strings.HasSuffix(out, " "+runtime.Version()+"\n") || strings.Count(out, "\n") != 1 {
		t.Errorf("-version: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

var timeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z `)

// TestTimes checks -t with -r: every line starts with the time its
// datagram was recorded (in text; a "time" key in JSON), and is otherwise
// the line printed without -t.
func TestTimes(t *testing.T) {
	for _, name := range captures(t) {
		file := "../../testdata/" + name + ".pcap"
		recorded := map[string]bool{}
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		r, err := pcapnl.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		for {
			rec, err := r.Next()
			if err != nil {
				break
			}
			recorded[rec.Time.UTC().Format(timeLayout)] = true
		}
		f.Close()
		_, plain, _ := runCmd("-r", file)
		_, timed, _ := runCmd("-t", "-r", file)
		pl, tl := strings.Split(plain, "\n"), strings.Split(timed, "\n")
		if len(pl) != len(tl) {
			t.Fatalf("%s: %d lines with -t, %d without", name, len(tl), len(pl))
		}
		times := map[string]bool{}
		for i, l := range tl[:len(tl)-1] {
			ts := timeRE.FindString(l)
			if ts == "" || l[len(ts):] != pl[i] || !recorded[ts[:len(ts)-1]] {
				t.Fatalf("%s: line %d with -t %q, without %q; recorded times %v", name, i+1, l, pl[i], recorded)
			}
			times[ts] = true
		}
		if len(recorded) > 1 && len(times) < 2 {
			t.Errorf("%s: one time printed for %d recorded", name, len(recorded))
		}
		_, js, _ := runCmd("-t", "-j", "-r", file)
		for _, l := range strings.Split(strings.TrimSpace(js), "\n") {
			var e struct{ Time string }
			if err := json.Unmarshal([]byte(l), &e); err != nil || !recorded[e.Time] {
				t.Fatalf("%s: %q: time %q (%v) not a recorded one", name, l, e.Time, err)
			}
		}
		checkJSONLines(t, js)
	}
	// A time is printed in UTC, in microseconds.
	if got := string(appendTime(nil, time.Date(2026, 12, 1, 16, 4, 5, 123456789, time.FixedZone("X", 3600)))); got != "2026-12-01T15:04:05.123456Z" {
		t.Errorf("appendTime: %s", got)
	}
}

// TestLossLine checks the loss line: nft monitor's words, then the
// generation after which changes may be missing, in each namespace.
func TestLossLine(t *testing.T) {
	dgs := loadDatagrams(t, "tables")
	// The generation of the last commit before the loss.
	lastGen := func(dgs [][]byte) uint32 {
		var g uint32
		for _, dg := range dgs {
			for rest := dg; len(rest) > 0; {
				m, next, err := nftmon.ParseMessage(rest)
				if err != nil {
					t.Fatal(err)
				}
				if m.Header.MsgType() == nftmon.MsgNewGen {
					_, attrs, _ := m.NFGen()
					var gen nftmon.Gen
					if err := gen.Decode(attrs); err != nil {
						t.Fatal(err)
					}
					g = gen.ID
				}
				rest = next
			}
		}
		return g
	}
	half := len(dgs) / 2
	g := lastGen(dgs[:half])
	withLoss := append(append(slices.Clone(dgs[:half]), appendLossRecord(nil, nftmon.ErrOverflow)), dgs[half:]...)
	dir := t.TempDir()
	file := filepath.Join(dir, "loss.pcap")
	writePcap(t, file, withLoss, -1)
	_, out, _ := runCmd("-r", file)
	want := "# ERROR: We lost some netlink events! Changes after generation " + strconv.FormatUint(uint64(g), 10) + " may be missing, up to the next generation printed ("
	if !strings.Contains(out, "\n"+want) {
		t.Errorf("no %q in:\n%s", want, out)
	}
	_, out, _ = runCmd("-j", "-r", file)
	if !strings.Contains(out, `{"type":"LOSS","error":"`) || !strings.Contains(out, `,"lost_after":[{"gen":`+strconv.FormatUint(uint64(g), 10)+`}]}`) {
		t.Errorf("no LOSS with lost_after gen %d in:\n%s", g, out)
	}
	checkJSONLines(t, out)

	// Before any commit, and in another namespace.
	writePcap(t, file, append([][]byte{appendLossRecord(nil, nftmon.ErrOverflow)}, dgs[:half]...), -1)
	_, out, _ = runCmd("-r", file)
	if !strings.HasPrefix(out, "# ERROR: We lost some netlink events! Changes before the next generation printed may be missing (") {
		t.Errorf("a loss first: %s", out)
	}
	writePcap(t, file, withLoss, 7)
	_, out, _ = runCmd("-r", file)
	if want := "Changes after generation nsid 7: " + strconv.FormatUint(uint64(g), 10) + " may be missing"; !strings.Contains(out, want) {
		t.Errorf("no %q in:\n%s", want, out)
	}
	_, out, _ = runCmd("-j", "-r", file)
	if !strings.Contains(out, `,"lost_after":[{"nsid":7,"gen":`+strconv.FormatUint(uint64(g), 10)+`}]}`) {
		t.Errorf("no lost_after of nsid 7 in:\n%s", out)
	}
}

// writePcap writes datagrams to a pcap file, from the namespace with the
// given nsid or the watched one when nsid < 0, a second apart.
func writePcap(t *testing.T, file string, dgs [][]byte, nsid int32) {
	t.Helper()
	var b bytes.Buffer
	w, err := pcapnl.NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	for i, dg := range dgs {
		if err := w.Write(time.Unix(1764600000+int64(i), 0), dg, nsid, nsid >= 0 && lossRecordErr(dg) == nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTruncatedFile checks that a pcap file cut anywhere prints the events
// before the cut, then says the file is truncated, with exit status 1.
func TestTruncatedFile(t *testing.T) {
	whole, err := os.ReadFile("../../testdata/rules.pcap")
	if err != nil {
		t.Fatal(err)
	}
	_, full, _ := runCmd("-r", "../../testdata/rules.pcap")
	file := filepath.Join(t.TempDir(), "cut.pcap")
	cuts := 0
	for _, n := range []int{1, 3, 4, 10, 23, 25, 24 + 15, 24 + 16 + 10, len(whole) / 2, len(whole) - 1} {
		if err := os.WriteFile(file, whole[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errs := runCmd("-r", file)
		cuts++
		if code != exitError || !strings.Contains(errs, pcapnl.ErrTruncated.Error()) || strings.Count(errs, "\n") != 1 || !strings.HasPrefix(full, out) {
			t.Errorf("cut at %d: exit %d, stderr %q, output a prefix of the whole file's: %v", n, code, errs, strings.HasPrefix(full, out))
		}
	}
	if code, _, errs := runCmd("-r", "../../testdata/README.md"); code != exitError || !strings.Contains(errs, "not a LINKTYPE_NETLINK pcap file") {
		t.Errorf("README.md: exit %d, %q", code, errs)
	}
	if cuts < 8 {
		t.Errorf("%d cuts", cuts)
	}
}

// TestNamesCannotBreakLines checks that a process name or a namespace name
// with control bytes prints on its one line: a process cannot forge a
// commit line by its name.
func TestNamesCannotBreakLines(t *testing.T) {
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	p := newTextPrinter(w)
	li := &lineInfo{netns: "blue\n# new generation 2", lostAfter: []nsGen{{nsid: 5, netns: "a\rb", gen: 4}}}
	p.print(&nftmon.Event{Kind: nftmon.EventCommit, Type: nftmon.MsgNewGen, Gen: 3, ProcPID: 9, ProcName: []byte("x)\n# new generation 1 by process 1 (init\x7f"), NSID: 5, HasNSID: true}, li)
	p.print(&nftmon.Event{Kind: nftmon.EventLoss, Err: nftmon.ErrOverflow}, li)
	w.Flush()
	want := `[nsid 5 netns blue\x0a# new generation 2] # new generation 3 by process 9 (x)\x0a# new generation 1 by process 1 (init\x7f)` + "\n" +
		`# ERROR: We lost some netlink events! Changes after generation nsid 5 netns a\x0db: 4 may be missing, up to the next generation printed (`
	if !strings.HasPrefix(out.String(), want) || strings.Count(out.String(), "\n") != 2 {
		t.Errorf("got:\n%s\nwant:\n%s...", out.String(), want)
	}
}

// TestTraceWord checks that the trace word, with the flags it goes with,
// asks for packet traces, and that JSON and times carry through.
func TestTraceWord(t *testing.T) {
	for _, c := range []struct {
		args        []string
		json, times bool
		netns       string
	}{
		{args: []string{"trace"}},
		{args: []string{"trace", "json"}, json: true},
		{args: []string{"-j", "-t", "trace"}, json: true, times: true},
		{args: []string{"trace", "-netns", "blue"}, netns: "/run/netns/blue"},
	} {
		o, err := parseFlags(c.args, new(bytes.Buffer))
		if err != nil {
			t.Errorf("%q: %v", c.args, err)
			continue
		}
		if !o.trace || o.json != c.json || o.times != c.times || o.netnsPath != c.netns || o.filter != (filter{}) {
			t.Errorf("%q: trace %v json %v times %v netns %q filter %+v; want trace, json %v, times %v, netns %q, no filter", c.args, o.trace, o.json, o.times, o.netnsPath, o.filter, c.json, c.times, c.netns)
		}
	}
	if o, err := parseFlags([]string{"rules"}, new(bytes.Buffer)); err != nil || o.trace {
		t.Errorf("rules: trace %v, err %v; want no trace", o != nil && o.trace, err)
	}
}
