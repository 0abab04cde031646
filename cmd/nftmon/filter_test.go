package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"testing"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/pcapnl"
)

// TestFilter table-tests every -kind and -op value against every message
// type and event kind.
func TestFilter(t *testing.T) {
	types := []nftmon.MsgType{
		nftmon.MsgNewTable, nftmon.MsgDelTable, nftmon.MsgNewChain, nftmon.MsgDelChain,
		nftmon.MsgNewRule, nftmon.MsgDelRule, nftmon.MsgNewSet, nftmon.MsgDelSet,
		nftmon.MsgNewSetElem, nftmon.MsgDelSetElem, nftmon.MsgNewObj, nftmon.MsgDelObj,
		nftmon.MsgNewFlowtable, nftmon.MsgDelFlowtable,
	}
	kindOf := map[nftmon.MsgType]string{
		nftmon.MsgNewTable: "tables", nftmon.MsgDelTable: "tables",
		nftmon.MsgNewChain: "chains", nftmon.MsgDelChain: "chains",
		nftmon.MsgNewRule: "rules", nftmon.MsgDelRule: "rules",
		nftmon.MsgNewSet: "sets", nftmon.MsgDelSet: "sets",
		nftmon.MsgNewSetElem: "elements", nftmon.MsgDelSetElem: "elements",
		nftmon.MsgNewObj: "objects", nftmon.MsgDelObj: "objects",
		nftmon.MsgNewFlowtable: "flowtables", nftmon.MsgDelFlowtable: "flowtables",
	}
	isNew := func(ty nftmon.MsgType) bool { return strings.HasPrefix(ty.String(), "NEW") }
	for _, c := range []struct {
		kinds, op string
		want      func(ty nftmon.MsgType) bool
	}{
		{"", "", func(nftmon.MsgType) bool { return true }},
		{"", "all", func(nftmon.MsgType) bool { return true }},
		{"", "new", isNew},
		{"", "add", isNew},
		{"", "delete", func(ty nftmon.MsgType) bool { return !isNew(ty) }},
		{"", "destroy", func(ty nftmon.MsgType) bool { return !isNew(ty) }},
		{"tables", "", func(ty nftmon.MsgType) bool { return kindOf[ty] == "tables" }},
		{"table", "", func(ty nftmon.MsgType) bool { return kindOf[ty] == "tables" }},
		{"chains", "", func(ty nftmon.MsgType) bool { return kindOf[ty] == "chains" }},
		{"rules", "", func(ty nftmon.MsgType) bool { return kindOf[ty] == "rules" }},
		{"sets", "", func(ty nftmon.MsgType) bool { return kindOf[ty] == "sets" }},
		{"elements", "", func(ty nftmon.MsgType) bool { return kindOf[ty] == "elements" }},
		{"objects", "", func(ty nftmon.MsgType) bool { return kindOf[ty] == "objects" }},
		{"flowtables", "", func(ty nftmon.MsgType) bool { return kindOf[ty] == "flowtables" }},
		{"Rules, SETS", "", func(ty nftmon.MsgType) bool { return kindOf[ty] == "rules" || kindOf[ty] == "sets" }},
		{"chains,elements", "new", func(ty nftmon.MsgType) bool {
			return isNew(ty) && (kindOf[ty] == "chains" || kindOf[ty] == "elements")
		}},
		{"objects", "delete", func(ty nftmon.MsgType) bool { return !isNew(ty) && kindOf[ty] == "objects" }},
	} {
		f, err := parseFilter(c.kinds, c.op)
		if err != nil {
			t.Fatalf("parseFilter(%q, %q): %v", c.kinds, c.op, err)
		}
		for _, ty := range types {
			for _, kind := range []nftmon.EventKind{nftmon.EventChange, nftmon.EventOutside, nftmon.EventSnapshot} {
				if kind == nftmon.EventSnapshot && !isNew(ty) {
					continue
				}
				e := &nftmon.Event{Kind: kind, Type: ty}
				if got := f.pass(e); got != c.want(ty) {
					t.Errorf("-kind %q -op %q: %v %s passes %v, want %v", c.kinds, c.op, kind, ty, got, !got)
				}
			}
		}
		// Commits, losses and snapshot boundaries always pass.
		for _, e := range []*nftmon.Event{
			{Kind: nftmon.EventCommit, Type: nftmon.MsgNewGen},
			{Kind: nftmon.EventLoss, Err: nftmon.ErrOverflow},
			{Kind: nftmon.EventSnapshotBegin}, {Kind: nftmon.EventSnapshotEnd},
		} {
			if !f.pass(e) {
				t.Errorf("-kind %q -op %q: %v filtered out", c.kinds, c.op, e.Kind)
			}
		}
	}
	for _, c := range [][2]string{{"tabels", ""}, {"tables,", ""}, {"", "maybe"}, {"gens", ""}} {
		if _, err := parseFilter(c[0], c[1]); err == nil {
			t.Errorf("parseFilter(%q, %q) accepted", c[0], c[1])
		}
	}
}

// TestFlags checks how the command line is read, and that every bad one
// exits with status 2 and one line on standard error.
func TestFlags(t *testing.T) {
	o, err := parseFlags([]string{"-json", "-netns", "blue", "-all-netns", "-since-gen", "42", "-stream", "-rcvbuf", "8M", "-kind", "rules", "-op", "new", "-stats"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := o.config()
	if !o.json || cfg.NetNS != "/run/netns/blue" || !cfg.AllNetNS || cfg.Floor != 42 || !cfg.Stream || cfg.ReadBuffer != 8<<20 || !o.stats || cfg.Snapshot {
		t.Errorf("options %+v, config %+v", o, cfg)
	}
	if o, err := parseFlags([]string{"-netns", "/proc/1/ns/net", "-rcvbuf", "65536", "-snapshot"}, nil); err != nil || o.netnsPath != "/proc/1/ns/net" || o.rcvbuf != 65536 || !o.config().Snapshot {
		t.Errorf("%+v, %v", o, err)
	}
	for _, args := range [][]string{
		{"-bogus"}, {"extra"}, {"-since-gen", "-1"}, {"-since-gen", "4294967296"}, {"-since-gen", "x"},
		{"-rcvbuf", "0"}, {"-rcvbuf", "3G"}, {"-rcvbuf", "lots"}, {"-rcvbuf", "k"}, {"-kind", "bogus"}, {"-op", "x"},
		{"-r", "f", "-w", "g"}, {"-r", "f", "-netns", "x"}, {"-r", "f", "-snapshot"},
		{"-snapshot", "-w", "f"}, {"-snapshot", "-since-gen", "3"}, {"-json=maybe"},
	} {
		code, out, errs := runCmd(args...)
		if code != exitUsage || out != "" || strings.Count(errs, "\n") != 1 || !strings.HasPrefix(errs, "nftmon: ") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and one line", args, code, out, errs)
		}
	}
	if code, out, errs := runCmd("-h"); code != exitOK || !strings.Contains(out, "-since-gen") || errs != "" {
		t.Errorf("-h: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// TestLossRecord checks that a loss recorded with -w reads back as the same
// loss, and that no kernel datagram is taken for one.
func TestLossRecord(t *testing.T) {
	for _, err := range []error{nftmon.ErrOverflow, &nftmon.TruncatedError{}} {
		b := appendLossRecord(nil, err)
		got := lossRecordErr(b)
		if got == nil || (err == nftmon.ErrOverflow) != (got == nftmon.ErrOverflow) {
			t.Errorf("%v recorded reads back as %v", err, got)
		}
	}
	for _, name := range captures(t) {
		for _, e := range loadDatagrams(t, name) {
			if lossRecordErr(e) != nil {
				t.Fatalf("%s: a kernel datagram reads as a loss", name)
			}
		}
	}
}

// TestNSID checks that events from another namespace are marked: "nsid"
// in JSON, "[nsid N] " before each text line.
func TestNSID(t *testing.T) {
	for _, json := range []bool{false, true} {
		var out strings.Builder
		o := &options{json: json}
		stats, err := replayDatagrams(o, &out, loadDatagrams(t, "rules"), 7)
		if err != nil || stats.Events == 0 {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		for _, l := range lines {
			if json && !strings.Contains(l, `,"nsid":7`) || !json && !strings.HasPrefix(l, "[nsid 7] ") {
				t.Fatalf("json=%v: line without the nsid: %s", json, l)
			}
		}
		if json {
			checkJSONLines(t, out.String())
		}
	}
}

// loadDatagrams reads the datagrams of a capture.
func loadDatagrams(t testing.TB, name string) [][]byte {
	t.Helper()
	dgs, err := pcapnl.Datagrams("../../testdata/" + name + ".pcap")
	if err != nil {
		t.Fatal(err)
	}
	return dgs
}

// replayDatagrams prints datagrams as the command does, as coming from the
// namespace with the given nsid, or from the watched one when nsid < 0.
func replayDatagrams(o *options, out io.Writer, dgs [][]byte, nsid int32) (nftmon.Stats, error) {
	w := bufio.NewWriter(out)
	h := newHandler(o, w, io.Discard)
	p := h.p
	m, err := nftmon.NewReplayer(o.replayConfig(), h.event)
	if err != nil {
		return nftmon.Stats{}, err
	}
	for _, dg := range dgs {
		if err := m.Feed(dg, nsid, nsid >= 0); err != nil {
			return m.Stats(), err
		}
	}
	if err := p.finish(); err != nil {
		return m.Stats(), err
	}
	return m.Stats(), w.Flush()
}

// TestSinceGen checks that -since-gen drops the changes and commits of
// generations up to and including N.
func TestSinceGen(t *testing.T) {
	code, all, _ := runCmd("-json", "-r", "../../testdata/tables.pcap")
	code2, out, errs := runCmd("-json", "-since-gen", "4", "-r", "../../testdata/tables.pcap")
	if code != 0 || code2 != 0 || errs != "" {
		t.Fatalf("exit %d %d: %s", code, code2, errs)
	}
	evs := checkJSONLines(t, out)
	if len(evs) == 0 || len(evs) >= len(checkJSONLines(t, all)) {
		t.Fatalf("%d events of %d", len(evs), len(checkJSONLines(t, all)))
	}
	for _, e := range evs {
		if *e.Gen <= 4 {
			t.Errorf("event of gen %d printed with -since-gen 4: %+v", *e.Gen, e)
		}
	}
}

// TestOutside checks how a notification outside any transaction (a quota
// running out, sent from the packet path) is printed: marked, without a
// process, and flushed at once.
func TestOutside(t *testing.T) {
	dgs := loadDatagrams(t, "objects")
	// The last commit of the capture is generation 7; a NEWOBJ of
	// generation 7 after it belongs to no transaction.
	var obj []byte
	for _, dg := range dgs {
		for rest := dg; len(rest) > 0; {
			m, next, err := nftmon.ParseMessage(rest)
			if err != nil {
				t.Fatal(err)
			}
			if m.Header.MsgType() == nftmon.MsgNewObj && bytes.Contains(m.Payload, []byte("q\x00")) && obj == nil {
				obj = bytes.Clone(rest[:m.Header.Len])
			}
			rest = next
		}
	}
	if obj == nil {
		t.Fatal("no NEWOBJ q in objects.pcap")
	}
	binary.BigEndian.PutUint16(obj[nftmon.HeaderLen+2:], 7)
	dgs = append(dgs, obj)
	for _, json := range []bool{false, true} {
		var out strings.Builder
		if _, err := replayDatagrams(&options{json: json}, &out, dgs, -1); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		last := lines[len(lines)-1]
		if json {
			evs := checkJSONLines(t, out.String())
			if e := evs[len(evs)-1]; !e.Outside || e.Type != "NEWOBJ" || e.Name != "q" || *e.Gen != 7 {
				t.Errorf("last event %+v", e)
			}
		} else if !strings.HasPrefix(last, "add quota inet o q {") || !strings.HasSuffix(last, "} # outside a transaction") {
			t.Errorf("last line %q", last)
		}
	}
}
