package main

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/nftmon/nftmon/internal/nstest"
)

// setupLink matches the interfaces a scenario's setup line adds: `ip link
// add NAME ... [peer name PEER]`.
var setupLink = regexp.MustCompile(`link add (\S+)(?: .*peer name (\S+))?`)

// TestCorpusLinks checks that each scenario's NAME.links names lo, which
// every namespace has, and every interface its setup lines add, and nothing
// else (the steps add none).
func TestCorpusLinks(t *testing.T) {
	for _, name := range scenarios(t) {
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join(corpusDir, "scenarios", name+".nft"))
			if err != nil {
				t.Fatal(err)
			}
			sc, err := parseScenario(string(src))
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"lo"}
			for _, cmd := range sc.setup {
				for _, m := range setupLink.FindAllStringSubmatch(cmd, -1) {
					want = append(want, m[1])
					if m[2] != "" {
						want = append(want, m[2])
					}
				}
			}
			links, err := nstest.ReadLinks(filepath.Join(corpusDir, name+".links"))
			if err != nil {
				t.Fatalf("%v (run go run ./internal/cmd/capture %s)", err, name)
			}
			got := slices.Sorted(maps.Values(links))
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("interfaces %v, the setup makes %v", links, want)
			}
		})
	}
}
