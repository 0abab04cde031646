package main

import (
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nftmon/nftmon/internal/nstest"
)

// TestKernelSnapshotIsNftInput checks that -snapshot prints valid nft
// input: its lines, applied with nft -f in a fresh namespace, rebuild the
// ruleset dumped (nft list ruleset equal).
func TestKernelSnapshotIsNftInput(t *testing.T) {
	src := nstest.New(t)
	// The scenarios whose final state a fresh namespace can hold (no
	// devices but lo, no owner table).
	applyScenarios(t, src, snapshotScenarios...)
	want := expiresRE.ReplaceAllString(src.Nft(t, "list", "ruleset"), "expires T")

	p := nftmonProc(t, "-snapshot", "-netns", src.Path)
	if !p.WaitFor("# end of snapshot of generation ", 10*time.Second) {
		t.Fatalf("no end of snapshot:\n%s\n%s", tail(p.Stdout.String(), 2000), p.Stderr.String())
	}
	if code := p.stop(t, syscall.SIGINT); code != 0 {
		t.Fatalf("nftmon exited %d: %s", code, p.Stderr.String())
	}
	snap := p.Stdout.String()
	if n := strings.Count(snap, "\nadd rule "); n < 50 || !strings.Contains(snap, "comment \"a table comment\"") {
		t.Fatalf("the snapshot has %d rules:\n%s", n, snap)
	}

	dst := nstest.New(t)
	if out, err := dst.TryNft(snap, "-f", "-"); err != nil {
		t.Fatalf("nft -f refused the snapshot: %v\n%s\nsnapshot:\n%s", err, out, snap)
	}
	// Elements' expiry times go on running: only that they have one is
	// compared.
	if got := expiresRE.ReplaceAllString(dst.Nft(t, "list", "ruleset"), "expires T"); got != want {
		t.Errorf("nft list ruleset after nft -f of the snapshot differs:\n%s\nsnapshot:\n%s", lineDiff(got, want), snap)
	}
}

// lineDiff lists the lines only one of got and want has, as a multiset.
func lineDiff(got, want string) string {
	n := map[string]int{}
	for _, l := range strings.Split(want, "\n") {
		n[l]++
	}
	var b strings.Builder
	for _, l := range strings.Split(got, "\n") {
		if n[l] > 0 {
			n[l]--
			continue
		}
		b.WriteString(" got: " + l + "\n")
	}
	for _, l := range strings.Split(want, "\n") {
		if n[l] > 0 {
			n[l]--
			b.WriteString("want: " + l + "\n")
		}
	}
	return b.String()
}

var expiresRE = regexp.MustCompile(`expires [0-9dhms]+`)

var snapshotScenarios = []string{"tables", "chains", "rules", "sets", "maps", "typeof", "objects", "concatrange", "expressions"}
