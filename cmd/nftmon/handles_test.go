package main

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var (
	handleRE      = regexp.MustCompile(` # handle (\d+)( # outside a transaction)?$`)
	handleBraceRE = regexp.MustCompile(`^[^{]* \{ # handle (\d+) `)
)

// TestHandles checks -a against the JSON handles, event by event, where
// nft -a monitor prints them: at the end of a table's line (added or
// deleted), of an added chain's, rule's and flowtable's; right after the
// opening brace of an added set's, map's or object's (`add set inet t s {
// # handle 3 type ...`); none for other deletions. A deleted rule is named
// by its handle with or without -a; without -a no other handle is printed.
func TestHandles(t *testing.T) {
	checked := 0
	for _, name := range captures(t) {
		file := "../../testdata/" + name + ".pcap"
		_, js, _ := runCmd("-j", "-r", file)
		_, plain, _ := runCmd("-r", file)
		_, withA, _ := runCmd("-a", "-r", file)
		var want []string
		for _, l := range strings.Split(strings.TrimSpace(js), "\n") {
			var e struct {
				Type   string
				Name   string
				Handle *uint64
			}
			json.Unmarshal([]byte(l), &e)
			switch {
			case e.Type == "NEWGEN", e.Type == "NEWSETELEM", e.Type == "DELSETELEM":
				continue
			case e.Type == "DELCHAIN", e.Type == "DELSET", e.Type == "DELOBJ":
				continue // nft -a monitor prints no handle
			case e.Type == "NEWSET" && strings.HasPrefix(e.Name, "__"):
				continue // anonymous: not printed
			}
			h := ""
			if e.Handle != nil {
				h = strconv.FormatUint(*e.Handle, 10)
			}
			want = append(want, h)
		}
		var got []string
		pl := strings.Split(strings.TrimSpace(plain), "\n")
		al := strings.Split(strings.TrimSpace(withA), "\n")
		if len(pl) != len(al) {
			t.Fatalf("%s: %d lines with -a, %d without", name, len(al), len(pl))
		}
		for i, l := range al {
			k, op := lineKind(l)
			f := strings.Fields(l)
			switch {
			case k == "" || k == "elements":
				if l != pl[i] {
					t.Errorf("%s: -a changed %q into %q", name, pl[i], l)
				}
				continue
			case strings.HasPrefix(l, "delete rule "):
				// Named by its handle, with -a as without.
				if l != pl[i] || strings.Contains(l, "#") || f[len(f)-2] != "handle" {
					t.Errorf("%s: with -a %q, without %q", name, l, pl[i])
				}
				got = append(got, f[len(f)-1])
				checked++
				continue
			case op == "destroy" && k != "tables" && k != "flowtables":
				if l != pl[i] || strings.Contains(l, "# handle") {
					t.Errorf("%s: with -a %q, without %q: nft -a monitor prints no handle", name, l, pl[i])
				}
				continue
			}
			re := handleRE
			if op == "new" && (k == "sets" || k == "objects") {
				re = handleBraceRE
			}
			m := re.FindStringSubmatch(l)
			if m == nil {
				t.Errorf("%s: no handle where nft -a monitor prints it in %q", name, l)
				continue
			}
			if strings.Replace(l, " # handle "+m[1], "", 1) != pl[i] {
				t.Errorf("%s: with -a %q, without %q", name, l, pl[i])
			}
			if strings.Contains(pl[i], "# handle") {
				t.Errorf("%s: a handle without -a: %q", name, pl[i])
			}
			got = append(got, m[1])
			checked++
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: handles with -a %v, in JSON %v", name, got, want)
		}
	}
	if checked < 200 {
		t.Errorf("checked only %d handles", checked)
	}
}
