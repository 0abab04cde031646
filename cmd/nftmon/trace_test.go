package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// traceLineEnd is what a trace line says that the rules and interfaces
// the recording lacks do not change: its head (id, family, table, chain)
// and its verdict or policy.
var traceLineEnd = regexp.MustCompile(`^(trace id [0-9a-f]{8} \S+ \S+ \S+ )(?:.*?((?:\(verdict [^)]*\)|policy \S+|packet:)).*)$`)

// TestTraceReplay decodes the kernel's trace capture with trace -r and
// checks it against what nft monitor trace printed live
// (msgs/testdata/trace.monitor): as many lines, each with the same head and
// the same verdict, policy or packet (the recording holds neither the
// rules nor the interfaces' names: they print as nft prints unknown ones);
// then that -json gives one TRACE object per text line, holding that line,
// with documented keys only, and that -t prefixes each line.
func TestTraceReplay(t *testing.T) {
	const file = "../../msgs/testdata/trace.pcap"
	want, err := os.ReadFile("../../msgs/testdata/trace.monitor")
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd("trace", "-r", file)
	if code != exitOK || errs != "" {
		t.Fatalf("trace -r: exit %d, stderr %q", code, errs)
	}
	got, wantLines := strings.Split(strings.TrimSuffix(out, "\n"), "\n"), strings.Split(strings.TrimSuffix(string(want), "\n"), "\n")
	if len(got) != len(wantLines) {
		t.Fatalf("trace -r: %d lines, nft monitor trace printed %d:\n%s", len(got), len(wantLines), out)
	}
	for i := range got {
		g, w := traceLineEnd.FindStringSubmatch(got[i]), traceLineEnd.FindStringSubmatch(wantLines[i])
		if g == nil || w == nil || g[1] != w[1] || g[2] != w[2] {
			t.Errorf("line %d:\n got %s\nwant %s", i+1, got[i], wantLines[i])
		}
	}

	keys, _, _ := readmeJSONKeys(t)
	code, jout, errs := runCmd("-j", "trace", "-r", file)
	if code != exitOK || errs != "" {
		t.Fatalf("-j trace -r: exit %d, stderr %q", code, errs)
	}
	objs := strings.Split(strings.TrimSuffix(jout, "\n"), "\n")
	if len(objs) != len(got) {
		t.Fatalf("-j trace -r: %d objects for %d lines", len(objs), len(got))
	}
	for i, l := range objs {
		var obj map[string]any
		if err := json.Unmarshal([]byte(l), &obj); err != nil {
			t.Fatalf("object %d: %v: %s", i+1, err, l)
		}
		if obj["type"] != "TRACE" || obj["trace"] != got[i] || obj["table"] != "t" {
			t.Errorf("object %d: %s; want type TRACE, table t, trace %q", i+1, l, got[i])
		}
		if id, ok := obj["id"].(float64); !ok || !strings.HasPrefix(got[i], fmt.Sprintf("trace id %08x ", uint32(id))) {
			t.Errorf("object %d: id %v does not match line %q", i+1, obj["id"], got[i])
		}
		for k := range obj {
			if !slices.Contains(keys, k) {
				t.Errorf("object %d: key %q is not in README.md's JSON table", i+1, k)
			}
		}
	}

	_, tout, _ := runCmd("-t", "trace", "-r", file)
	timed := strings.Split(strings.TrimSuffix(tout, "\n"), "\n")
	stamp := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z $`)
	if len(timed) != len(got) {
		t.Fatalf("-t trace -r: %d lines for %d", len(timed), len(got))
	}
	for i, l := range timed {
		head, rest, _ := strings.Cut(l, " ")
		if !stamp.MatchString(head+" ") || rest != got[i] {
			t.Errorf("-t line %d: %q; want a time, then %q", i+1, l, got[i])
		}
	}
}
