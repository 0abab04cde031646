package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/pcapnl"
)

// The fuzz targets of the command's writers. Each input is a datagram (a
// run of netlink messages, from the captures, mutated), printed message by
// message as events of one kind, with an nsid and a time, then a commit
// and a loss: the printers keep state across events (set types, interval
// starts), so a datagram exercises them as a stream does.

// The sizes of the fuzz targets' inputs. The fuzzer minimizes every input
// that finds new coverage before it goes on fuzzing, by up to a quadratic
// number of runs of the target in the input's length, for
// -fuzzminimizetime (a minute) at most: mutations of the captures' 3.7 KB
// datagrams kept both workers minimizing for the whole of a 15 s run, with
// no input fuzzed. So a seed is a run of whole messages of a datagram of
// at most fuzzSeedBytes (or one message, if larger), and the targets
// return at once on an input longer than fuzzMaxBytes (a mutation of a
// large seed, or an old entry of the fuzz cache), which then finds no
// coverage to minimize.
const (
	fuzzSeedBytes = 256
	fuzzMaxBytes  = 2 * fuzzSeedBytes
)

// fuzzSeeds adds every message of the captures, in runs of whole messages
// of a datagram (fuzzSeedBytes), each once, as changes, commits and
// snapshot objects, from the watched namespace and another.
func fuzzSeeds(f *testing.F) {
	names, err := captureNames()
	if err != nil {
		f.Fatal(err)
	}
	seen := map[string]bool{}
	i := 0
	for _, name := range names {
		for _, dg := range loadDatagrams(f, name) {
			for _, run := range messageRuns(dg, fuzzSeedBytes) {
				if seen[string(run)] {
					continue
				}
				seen[string(run)] = true
				f.Add(run, uint8(nftmon.EventChange+nftmon.EventKind(i%3)), int32(i%2*7-1))
				i++
			}
		}
	}
}

// messageRuns splits a datagram into runs of whole messages of at most max
// bytes, a larger message alone; what does not parse ends the last run.
func messageRuns(dg []byte, max int) [][]byte {
	var runs [][]byte
	start := 0
	for rest := dg; len(rest) > 0; {
		_, next, err := nftmon.ParseMessage(rest)
		if err != nil {
			break
		}
		end := len(dg) - len(next)
		if end-start > max && len(dg)-len(rest) > start {
			runs = append(runs, dg[start:len(dg)-len(rest)])
			start = len(dg) - len(rest)
		}
		rest = next
	}
	if start < len(dg) {
		runs = append(runs, dg[start:])
	}
	return runs
}

// fuzzEvents turns a fuzz input into the events the printers see: each
// message of data (as far as it parses), then a commit and a loss.
func fuzzEvents(data []byte, kind uint8, nsid int32) []*nftmon.Event {
	var evs []*nftmon.Event
	k := nftmon.EventKind(kind % 8) // every kind, and the invalid 0
	for rest := data; len(rest) > 0; {
		m, next, err := nftmon.ParseMessage(rest)
		if err != nil {
			break
		}
		e := &nftmon.Event{Kind: k, Type: m.Header.MsgType(), Header: m.Header, Gen: 7, ProcPID: 42, ProcName: []byte("nft\"\n\xff"), NSID: nsid, HasNSID: nsid >= 0}
		if nf, attrs, err := m.NFGen(); err == nil {
			e.Family, e.ResID, e.Attrs = nf.Family, nf.ResID, attrs
		} else {
			e.Attrs = m.Payload
		}
		if k == nftmon.EventLoss {
			e.Err = nftmon.ErrOverflow
		}
		evs = append(evs, e)
		rest = next
	}
	return append(evs,
		&nftmon.Event{Kind: nftmon.EventCommit, Type: nftmon.MsgNewGen, Gen: 8, ProcName: data[:min(len(data), 16)], NSID: nsid, HasNSID: nsid >= 0},
		&nftmon.Event{Kind: nftmon.EventLoss, Err: nftmon.ErrOverflow})
}

// fuzzInfo is the line information the fuzz targets print: a time, a
// namespace name made of the input's bytes, handles, and the generations
// of a loss.
func fuzzInfo(data []byte) *lineInfo {
	name := string(data[:min(len(data), 8)])
	return &lineInfo{
		time:      time.Unix(1764604800, 123456789),
		netns:     name,
		handles:   true,
		lostAfter: []nsGen{{nsid: -1, gen: 3}, {nsid: 5, netns: name, gen: 9}},
	}
}

// FuzzTextPrinter checks that any message prints as text without a panic,
// that the output is whole lines, and that every line starts with the
// time -t asks for (unless a name in the input holds a line break, which
// the text prints raw, as nft does).
func FuzzTextPrinter(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, kind uint8, nsid int32) {
		if len(data) > fuzzMaxBytes {
			return
		}
		var out bytes.Buffer
		w := bufio.NewWriter(&out)
		p := newTextPrinter(w)
		li := fuzzInfo(data)
		for _, e := range fuzzEvents(data, kind, nsid) {
			if err := p.print(e, li); err != nil {
				t.Fatal(err)
			}
			p.observe(e)
		}
		if err := p.finish(); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		text := out.String()
		if !strings.HasSuffix(text, "\n") {
			t.Fatalf("output does not end a line: %q", text)
		}
		// The commit and loss lines end the output, whatever the
		// names: process and namespace names cannot break a line.
		prefix := string(appendTime(nil, li.time)) + " "
		lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		ns := ""
		if nsid >= 0 {
			ns = "[nsid " + strconv.Itoa(int(nsid))
		}
		if n := len(lines); n < 2 || !strings.HasPrefix(lines[n-2], prefix+ns) || !strings.Contains(lines[n-2], "# new generation 8 by process 0 (") || !strings.HasSuffix(lines[n-2], ")") ||
			!strings.HasPrefix(lines[n-1], prefix+"# ERROR: We lost some netlink events! Changes after generation 3, nsid 5") {
			t.Fatalf("the output does not end with the commit and loss lines:\n%q", text)
		}
		if bytes.IndexByte(data, '\n') >= 0 {
			return // a name the value renderer prints raw may break a line
		}
		for _, l := range lines {
			if !strings.HasPrefix(l, prefix) {
				t.Fatalf("line without the time: %q\nin %q", l, text)
			}
		}
	})
}

// FuzzJSONPrinter checks that any message prints as JSON lines, each a
// valid JSON object with only the keys the README's table documents (and,
// in its elements and lost_after lists, only theirs).
func FuzzJSONPrinter(f *testing.F) {
	keys, elemKeys, lostKeys := readmeJSONKeys(f)
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, kind uint8, nsid int32) {
		if len(data) > fuzzMaxBytes {
			return
		}
		var out bytes.Buffer
		w := bufio.NewWriter(&out)
		p := newJSONPrinter(w)
		li := fuzzInfo(data)
		evs := fuzzEvents(data, kind, nsid)
		for _, e := range evs {
			if err := p.print(e, li); err != nil {
				t.Fatal(err)
			}
		}
		w.Flush()
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if len(lines) != len(evs) {
			t.Fatalf("%d lines for %d events:\n%s", len(lines), len(evs), out.String())
		}
		for _, l := range lines {
			var obj map[string]json.RawMessage
			if err := json.Unmarshal([]byte(l), &obj); err != nil {
				t.Fatalf("%v: %s", err, l)
			}
			for k, v := range obj {
				if !slices.Contains(keys, k) {
					t.Fatalf("undocumented key %q: %s", k, l)
				}
				var sub []map[string]json.RawMessage
				allowed := elemKeys
				switch k {
				case "lost_after":
					allowed = lostKeys
				case "elements":
				default:
					continue
				}
				if err := json.Unmarshal(v, &sub); err != nil {
					t.Fatalf("%s: %v: %s", k, err, l)
				}
				for _, x := range sub {
					for sk := range x {
						if !slices.Contains(allowed, sk) {
							t.Fatalf("undocumented key %q in %s: %s", sk, k, l)
						}
					}
				}
			}
			if _, ok := obj["type"]; !ok {
				t.Fatalf("no type: %s", l)
			}
		}
	})
}

var (
	backticked = regexp.MustCompile("`([a-z_]+)`")
	braceList  = regexp.MustCompile("`\\{([a-z_, ]+)\\}`")
)

// readmeJSONKeys reads the keys of the README's JSON table: the top-level
// keys (its first column), and the keys of an element and of a lost_after
// entry (the {a, b} lists in their rows).
func readmeJSONKeys(tb testing.TB) (keys, elem, lost []string) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		tb.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "### JSON output")
	if i < 0 {
		tb.Fatal("no JSON output section in README.md")
	}
	s = s[i:]
	if j := strings.Index(s[3:], "\n#"); j >= 0 {
		s = s[:j+3]
	}
	for _, row := range strings.Split(s, "\n") {
		cols := strings.Split(row, "|")
		if len(cols) < 4 || !strings.Contains(cols[1], "`") {
			continue
		}
		var these []string
		for _, m := range backticked.FindAllStringSubmatch(cols[1], -1) {
			these = append(these, m[1])
		}
		keys = append(keys, these...)
		if m := braceList.FindStringSubmatch(cols[3]); m != nil {
			list := strings.Split(strings.ReplaceAll(m[1], " ", ""), ",")
			switch {
			case slices.Contains(these, "elements"):
				elem = list
			case slices.Contains(these, "lost_after"):
				lost = list
			}
		}
	}
	if len(keys) < 20 || len(elem) == 0 || len(lost) == 0 {
		tb.Fatalf("README.md's JSON table: keys %v, element keys %v, lost_after keys %v", keys, elem, lost)
	}
	return keys, elem, lost
}

// TestREADMEJSONKeys checks the other way: every key the README documents
// is printed by some capture (or by -t, -all-netns or a loss, which the
// fuzz targets print).
func TestREADMEJSONKeys(t *testing.T) {
	keys, elemKeys, _ := readmeJSONKeys(t)
	var all strings.Builder
	for _, name := range captures(t) {
		_, out, _ := runCmd("-j", "-t", "-r", "../../testdata/"+name+".pcap")
		all.WriteString(out)
	}
	// A monitor started after the sets were made: their elements are
	// printed with "types_known":false.
	_, out, _ := runCmd("-j", "-r", withoutNewSets(t, "sets"))
	all.WriteString(out)
	_, out, _ = runCmd("-j", "-t", "trace", "-r", "../../msgs/testdata/trace.pcap")
	all.WriteString(out)
	for _, k := range keys {
		switch k {
		case "nsid", "netns", "lost_after", "snapshot", "outside", "streamed", "error":
			continue // events of other namespaces, losses, snapshots, streaming, modes the captures lack
		}
		if !strings.Contains(all.String(), `"`+k+`":`) {
			t.Errorf("no capture prints the documented key %q", k)
		}
	}
	for _, k := range elemKeys {
		if k != "expiration" && !strings.Contains(all.String(), `"`+k+`":`) {
			t.Errorf("no capture prints the documented element key %q", k)
		}
	}
}

// withoutNewSets writes a copy of capture name without the datagrams that
// hold a NEWSET, as a monitor started after the sets were created would
// have read it, and returns its path.
func withoutNewSets(t *testing.T, name string) string {
	t.Helper()
	in, err := os.Open("../../testdata/" + name + ".pcap")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	r, err := pcapnl.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name+"-late.pcap")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	w, err := pcapnl.NewWriter(out)
	if err != nil {
		t.Fatal(err)
	}
	dropped := 0
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		hasSet := false
		s := nftmon.NewMessageScanner(rec.Data)
		for s.Next() {
			if s.Message().Header.MsgType() == nftmon.MsgNewSet {
				hasSet = true
			}
		}
		if hasSet {
			dropped++
			continue
		}
		if err := w.Write(rec.Time, rec.Data, rec.NSID, rec.HasNSID); err != nil {
			t.Fatal(err)
		}
	}
	if dropped == 0 {
		t.Fatalf("%s: no datagram with a NEWSET", name)
	}
	return path
}
