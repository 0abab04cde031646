package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/pcapnl"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// captures returns the names of the notification captures in the module's
// testdata (NAME.pcap, leaving out the dumps).
func captures(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../testdata/*.pcap")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		if strings.HasSuffix(f, ".dump.pcap") {
			continue
		}
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".pcap"))
	}
	if len(names) < 10 {
		t.Fatalf("found only %d captures in ../../testdata: %v", len(names), names)
	}
	return names
}

// runCmd runs the command with args and returns its exit status, standard
// output and standard error.
func runCmd(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// golden compares got with testdata/file, or rewrites it with -update.
func golden(t *testing.T, file, got string) {
	t.Helper()
	path := filepath.Join("testdata", file)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s: line %d differs:\n got: %q\nwant: %q", path, i+1, g, w)
			}
		}
	}
}

var genLineRE = regexp.MustCompile(`(?m)^# new generation \d+ by process \d+ \(.*\)$`)

// TestTextGolden decodes every capture with -r and compares the text with
// a golden file, and its generation lines with those nft monitor printed
// for the same transactions.
func TestTextGolden(t *testing.T) {
	for _, name := range captures(t) {
		t.Run(name, func(t *testing.T) {
			code, out, errs := runCmd("-r", "../../testdata/"+name+".pcap")
			if code != 0 || errs != "" {
				t.Fatalf("exit %d, stderr %q", code, errs)
			}
			golden(t, name+".txt", out)
			mon, err := os.ReadFile("../../testdata/" + name + ".monitor")
			if os.IsNotExist(err) {
				return // no nft monitor oracle (#!nomonitor, or synthesized)
			}
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(genLineRE.FindAllString(out, -1), "\n")
			want := strings.Join(genLineRE.FindAllString(string(mon), -1), "\n")
			if got != want || got == "" {
				t.Errorf("generation lines differ from nft monitor's:\n got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// TestTextMatchesMonitor checks the lines nft monitor prints the same way
// as nftmon (tables, chains, sets, elements, deletes) against nft
// monitor's own output, for every capture that has it.
func TestTextMatchesMonitor(t *testing.T) {
	// Lines nftmon prints differently on purpose: rules (libnftnl's
	// expression text instead of nft's syntax) and chains with devices (nftmon
	// names the devices, as nft list ruleset does).
	skip := regexp.MustCompile(`^(add|insert) rule |^add chain .* hook (ingress|egress) `)
	checked := 0
	for _, name := range captures(t) {
		mon, err := os.ReadFile("../../testdata/" + name + ".monitor")
		if os.IsNotExist(err) {
			continue
		}
		_, out, _ := runCmd("-r", "../../testdata/"+name+".pcap")
		ours := map[string]int{}
		for _, l := range strings.Split(out, "\n") {
			ours[l]++
		}
		for _, l := range strings.Split(strings.TrimSpace(string(mon)), "\n") {
			l = strings.TrimSuffix(l, " ") // nft ends set and object lines with a space
			if skip.MatchString(l) {
				continue
			}
			checked++
			if ours[l] == 0 {
				t.Errorf("%s: nft monitor printed %q; nftmon did not", name, l)
				continue
			}
			ours[l]--
		}
	}
	if checked < 200 {
		t.Errorf("compared only %d lines", checked)
	}
}

// TestJSONGolden decodes every capture with -json -r, checks that each line
// is a JSON object with the keys its type calls for, and compares the
// output with a golden file.
func TestJSONGolden(t *testing.T) {
	for _, name := range captures(t) {
		t.Run(name, func(t *testing.T) {
			code, out, errs := runCmd("-json", "-r", "../../testdata/"+name+".pcap")
			if code != 0 || errs != "" {
				t.Fatalf("exit %d, stderr %q", code, errs)
			}
			checkJSONLines(t, out)
			golden(t, name+".jsonl", out)
			if mon, err := os.ReadFile("../../testdata/" + name + ".monitor"); err == nil {
				gens := strings.Count(out, `{"type":"NEWGEN"`)
				if want := len(genLineRE.FindAllString(string(mon), -1)); gens != want {
					t.Errorf("%d NEWGEN lines, nft monitor printed %d generations", gens, want)
				}
			}
		})
	}
}

// jsonEvent is what the tests read back of a JSON line.
type jsonEvent struct {
	Type     string  `json:"type"`
	Family   string  `json:"family"`
	Gen      *uint32 `json:"gen"`
	PID      *uint32 `json:"pid"`
	Comm     *string `json:"comm"`
	NSID     *int32  `json:"nsid"`
	Table    string  `json:"table"`
	Name     string  `json:"name"`
	Chain    string  `json:"chain"`
	Set      string  `json:"set"`
	Handle   *uint64 `json:"handle"`
	Exprs    []string
	Elements []struct {
		Key     json.RawMessage `json:"key"`  // a string, or an array for a concatenation
		Data    json.RawMessage `json:"data"` // likewise
		Timeout *uint64         `json:"timeout"`
		Raw     struct {
			Key    *string `json:"key"`
			KeyEnd *string `json:"key_end"`
			Data   *string `json:"data"`
			Flags  *uint32 `json:"flags"`
		} `json:"raw"`
	} `json:"elements"`
	Held     int    `json:"held"`   // interval halves held for the next message
	Hidden   int    `json:"hidden"` // the leading end element of an interval set
	KeyType  string `json:"key_type"`
	Snapshot bool   `json:"snapshot"`
	Outside  bool   `json:"outside"`
	Streamed bool   `json:"streamed"`
	Error    string `json:"error"`
}

var families = map[string]bool{"ip": true, "ip6": true, "inet": true, "arp": true, "bridge": true, "netdev": true, "unspec": true}

// checkJSONLines checks that every line of out is valid JSON with the
// keys the README promises, and returns the events.
func checkJSONLines(t *testing.T, out string) []jsonEvent {
	t.Helper()
	var evs []jsonEvent
	s := bufio.NewScanner(strings.NewReader(out))
	s.Buffer(nil, 1<<20)
	for n := 1; s.Scan(); n++ {
		line := s.Bytes()
		var e jsonEvent
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("line %d: %v: %s", n, err, line)
		}
		bad := func(why string) { t.Fatalf("line %d: %s: %s", n, why, line) }
		if e.Error != "" && e.Type != "LOSS" {
			bad("decode error")
		}
		if e.Type == "LOSS" {
			continue
		}
		if !families[e.Family] || e.Gen == nil {
			bad("no family or gen")
		}
		if e.Snapshot && (e.PID != nil || e.Comm != nil) || !e.Snapshot && strings.HasPrefix(e.Type, "SNAPSHOT_") {
			bad("snapshot event with a process, or a snapshot marker without snapshot:true")
		}
		switch e.Type {
		case "NEWGEN":
			if e.PID == nil || e.Comm == nil || e.Family != "unspec" {
				bad("commit without pid or comm")
			}
		case "NEWTABLE", "DELTABLE":
			if e.Table == "" {
				bad("no table")
			}
		case "NEWCHAIN", "DELCHAIN", "NEWSET", "DELSET", "NEWOBJ", "DELOBJ", "NEWFLOWTABLE", "DELFLOWTABLE":
			if e.Table == "" || e.Name == "" || e.Handle == nil {
				bad("no table, name or handle")
			}
			if e.Type == "NEWSET" && (e.KeyType == "" || strings.HasPrefix(e.KeyType, "type(")) {
				bad("set without a key type by name")
			}
		case "NEWRULE", "DELRULE":
			if e.Table == "" || e.Chain == "" || e.Handle == nil {
				bad("no table, chain or handle")
			}
			if e.Type == "NEWRULE" && len(e.Exprs) == 0 {
				bad("rule without exprs")
			}
			for _, x := range e.Exprs {
				if !strings.HasPrefix(x, "[ ") || !strings.HasSuffix(x, " ]") {
					bad("expression not in brackets")
				}
			}
		case "NEWSETELEM", "DELSETELEM":
			if e.Table == "" || e.Set == "" || len(e.Elements)+e.Held+e.Hidden == 0 {
				bad("no table, set or elements")
			}
			for _, el := range e.Elements {
				if len(el.Key) == 0 || el.Raw.Key == nil && string(el.Key) != `"*"` {
					bad("element without key, or without its bytes, that is not the catch-all")
				}
				var s string
				var a []string
				if json.Unmarshal(el.Key, &s) != nil && json.Unmarshal(el.Key, &a) != nil {
					bad("element key neither a string nor an array of strings")
				}
			}

		default:
			if !strings.HasPrefix(e.Type, "SNAPSHOT_") {
				bad("unknown type")
			}
		}
		if e.Outside != (e.PID == nil && e.Comm == nil && !e.Snapshot && !e.Streamed && e.Type != "NEWGEN") {
			bad("an outside event has a process, or an event without one is not outside")
		}
		if e.Type != "NEWGEN" && !e.Snapshot && !e.Streamed && !e.Outside && (e.PID == nil || e.Comm == nil) {
			bad("change without pid or comm")
		}
		evs = append(evs, e)
	}
	return evs
}

// TestJSONEscapes checks that names with quotes, control bytes and invalid
// UTF-8 make valid JSON that decodes back to the name.
func TestJSONEscapes(t *testing.T) {
	for _, s := range []string{"plain", `q"uo\te`, "nl\nx\x00\x1f\x7f", "caf\xc3\xa9", "bad\xff\xfeutf8", "ünï"} {
		b := appendJSONString(nil, []byte(s))
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q -> %s: %v", s, b, err)
		}
		var want string
		for i := 0; i < len(s); {
			r, n := utf8.DecodeRuneInString(s[i:])
			want += string(r) // an invalid byte decodes as U+FFFD
			i += n
		}
		if got != want {
			t.Errorf("%q -> %s -> %q, want %q", s, b, got, want)
		}
		b2 := appendJSONStr(nil, s)
		if !bytes.Equal(b, b2) {
			t.Errorf("appendJSONStr(%q) = %s, appendJSONString = %s", s, b2, b)
		}
		start := len("x")
		b3 := appendJSONEscapedTail(append([]byte("x"), s...), start)
		if string(b3[start:]) != string(b) {
			t.Errorf("appendJSONEscapedTail(%q) = %s, want %s", s, b3[start:], b)
		}
	}
}

// loadEvents replays a capture and returns clones of its events.
func loadEvents(t testing.TB, name string) []*nftmon.Event {
	f, err := os.Open("../../testdata/" + name + ".pcap")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapnl.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var evs []*nftmon.Event
	m, err := nftmon.NewReplayer(nftmon.ReplayConfig{}, func(e *nftmon.Event) error {
		evs = append(evs, e.Clone())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Feed(rec.Data, rec.NSID, rec.HasNSID); err != nil {
			t.Fatal(err)
		}
	}
	return evs
}

// TestPrintNoAllocs checks that printing events, in text and JSON,
// allocates nothing once the printers' buffers have grown.
func TestPrintNoAllocs(t *testing.T) {
	var evs []*nftmon.Event
	for _, name := range []string{"big", "rules", "maps", "sets", "expressions", "objects", "chains", "tables", "flowtable", "concatrange", "deltable"} {
		evs = append(evs, loadEvents(t, name)...)
	}
	w := bufio.NewWriter(io.Discard)
	for _, p := range []printer{newTextPrinter(w), newJSONPrinter(w)} {
		printAll := func() {
			for _, e := range evs {
				if e.Type == nftmon.MsgDelSet || e.Type == nftmon.MsgDelTable {
					// The printers remember each new set's
					// types: one allocation per set created, so
					// the sets are not deleted between runs.
					continue
				}
				if err := p.print(e); err != nil {
					t.Fatal(err)
				}
			}
		}
		printAll() // grow the buffers, learn the sets
		if n := testing.AllocsPerRun(5, printAll); n != 0 {
			t.Errorf("%T: %.1f allocations to print %d events", p, n, len(evs))
		}
	}
}

// BenchmarkPrint measures printing the element events of the big capture.
func BenchmarkPrint(b *testing.B) {
	evs := loadEvents(b, "big")
	w := bufio.NewWriter(io.Discard)
	for _, p := range []printer{newTextPrinter(w), newJSONPrinter(w)} {
		b.Run(printerName(p), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				for _, e := range evs {
					p.print(e)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
		})
	}
}

func printerName(p printer) string {
	if _, ok := p.(*textPrinter); ok {
		return "text"
	}
	return "json"
}
