package main

import (
	"strings"
	"testing"
)

func TestParseScenario(t *testing.T) {
	src := `# comment
#!setup ip link set lo up
#!nomonitor
#--- step
add table ip t
#--- fail
# refused
add rule ip t nochain accept
#--- step
delete table ip t
`
	sc, err := parseScenario(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.setup) != 1 || sc.setup[0] != "ip link set lo up" || !sc.noMonitor {
		t.Errorf("setup %q, nomonitor %v", sc.setup, sc.noMonitor)
	}
	var got []string
	for _, s := range sc.steps {
		got = append(got, strings.TrimSpace(stripComments(s.script))+map[bool]string{true: " (fail)"}[s.fail])
	}
	want := "add table ip t|add rule ip t nochain accept (fail)|delete table ip t"
	if strings.Join(got, "|") != want {
		t.Errorf("steps %q, want %q", strings.Join(got, "|"), want)
	}
	if sc.steps[1].line != 6 {
		t.Errorf("fail step at line %d, want 6", sc.steps[1].line)
	}
}

func TestParseScenarioErrors(t *testing.T) {
	for _, src := range []string{
		"", // no steps
		"add table ip t\n#--- step\nadd table ip u\n", // text before the first marker
		"#--- step\n# only a comment\n",               // empty step
		"#--- step\nadd table ip t\n#!setup true\n",   // setup after a step
	} {
		if _, err := parseScenario(src); err == nil {
			t.Errorf("parseScenario(%q) accepted", src)
		}
	}
}
