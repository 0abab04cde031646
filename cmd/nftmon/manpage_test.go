package main

import (
	"flag"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// manOption matches the flags a .TP entry of the OPTIONS section names:
// ".B \-json", ".BI \-kind " KINDS"", ".BR \-h ", " \-help".
var manOption = regexp.MustCompile(`\\-((?:[a-z]|\\-)+)`)

// TestManPage checks nftmon.1 against the command: every flag is
// documented in OPTIONS, nothing is documented there that is not a flag
// (but -h and -help, which the flag package gives), and every word is in
// WORDS.
func TestManPage(t *testing.T) {
	b, err := os.ReadFile("nftmon.1")
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]string{}
	var name string
	for _, l := range strings.Split(string(b), "\n") {
		if s, ok := strings.CutPrefix(l, ".SH "); ok {
			name = s
			continue
		}
		sections[name] += l + "\n"
	}
	var documented []string
	lines := strings.Split(sections["OPTIONS"], "\n")
	for i, l := range lines {
		if l != ".TP" || i+1 == len(lines) {
			continue
		}
		for _, m := range manOption.FindAllStringSubmatch(lines[i+1], -1) {
			documented = append(documented, strings.ReplaceAll(m[1], `\-`, "-"))
		}
	}
	var flags []string
	newFlagSet(&options{}, &flagValues{}).VisitAll(func(f *flag.Flag) { flags = append(flags, f.Name) })
	for _, f := range flags {
		if !slices.Contains(documented, f) {
			t.Errorf("flag -%s is not in nftmon.1's OPTIONS", f)
		}
	}
	for _, d := range documented {
		if !slices.Contains(flags, d) && d != "h" && d != "help" {
			t.Errorf("nftmon.1 documents -%s, which is not a flag", d)
		}
	}
	if !slices.IsSorted(documented[:len(documented)-2]) {
		t.Errorf("OPTIONS not in alphabetical order: %v", documented)
	}
	for _, w := range append(slices.Clone(objectWords), "new", "destroy", "json", "vm json") {
		if !strings.Contains(sections["WORDS"], w) {
			t.Errorf("the word %q is not in nftmon.1's WORDS", w)
		}
	}
	// Every example runs.
	for _, m := range regexp.MustCompile(`(?m)^\.B (nftmon.*)$`).FindAllStringSubmatch(sections["EXAMPLES"], -1) {
		args := strings.Fields(strings.ReplaceAll(m[1], `\-`, "-"))[1:]
		if _, err := parseFlags(args, nil); err != nil {
			t.Errorf("example %q: %v", m[1], err)
		}
	}
	if !strings.Contains(sections["EXIT STATUS"], ".B 2\n") {
		t.Error("no exit status 2")
	}
}
