package nftext_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
	"github.com/nftmon/nftmon/nftext"
)

// The live corpus: testdata/corpus/NN-*.nft, applied in order with nft in a
// private namespace while `nft monitor` and a Printer both watch. Every
// line that is not a rule's must be the same. Scripts named *.listed.nft
// hold what nft monitor 1.0.6 prints wrongly (KERNEL.md, fact 16): their
// lines are compared with the .want file beside them instead, whose element
// and chain texts are checked against `nft list ruleset`.

// watchers are nft monitor and a Printer watching one namespace.
type watchers struct {
	ns          *nstest.NS
	nft         *nstest.Proc
	ours        nstest.Buffer
	cancel      context.CancelFunc
	ourDone     chan error
	printErrors nstest.Buffer
}

func startWatchers(t *testing.T, ns *nstest.NS, handles bool) *watchers {
	t.Helper()
	w := &watchers{ns: ns, ourDone: make(chan error, 1)}
	args := []string{"monitor"}
	if handles {
		args = []string{"-a", "monitor"}
	}
	w.nft = ns.StartNft(t, args...)

	// Interfaces named as nft monitor there names them: those of the
	// namespace (its lo, which the corpus names).
	p := nftext.Printer{Handles: handles, Links: nftext.NSLinkNames(t, ns)}
	buf := make([]byte, 0, 1<<16)
	m, err := nftmon.NewMonitor(nftmon.Config{NetNS: ns.Path}, func(e *nftmon.Event) error {
		b, err := p.AppendEvent(buf[:0], e)
		if err != nil {
			fmt.Fprintf(&w.printErrors, "%v: %v\n", e.Type, err)
		}
		if e.Kind == nftmon.EventCommit {
			b = fmt.Appendf(b, "# new generation %d by process %d (%s)\n", e.Gen, e.ProcPID, e.ProcName)
		}
		buf = b
		w.ours.Write(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	go func() { w.ourDone <- m.Run(ctx); m.Close() }()
	t.Cleanup(cancel)
	w.sync(t, true)
	return w
}

// sync commits a marker until both watchers have printed it (only the
// Printer when nft is false: nft monitor may have crashed), and returns the
// marker's generation line.
func (w *watchers) sync(t *testing.T, nft bool) string {
	t.Helper()
	for try := 0; try < 50; try++ {
		w.ns.Script(t, "add table ip __sync\ndelete table ip __sync\n")
		c, err := nftmon.Open(nftmon.ConnConfig{NetNS: w.ns.Path, ReadBuffer: -1})
		if err != nil {
			t.Fatal(err)
		}
		g, err := c.GetGen()
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
		marker := "# new generation " + strconv.FormatUint(uint64(g.ID), 10) + " "
		deadline := time.Now().Add(time.Second)
		for time.Now().Before(deadline) {
			if (!nft || strings.Contains(w.nft.Stdout.String(), marker)) && strings.Contains(w.ours.String(), marker) {
				return marker
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	t.Fatalf("the watchers did not both see the marker\nnft monitor:\n%s\nours:\n%s", w.nftText(), w.ours.String())
	return ""
}

// stop ends both watchers.
func (w *watchers) stop(t *testing.T) {
	w.nft.Stop(t, syscall.SIGTERM)
	w.cancel()
	<-w.ourDone
}

// nftText is what nft monitor printed: its standard output, then its
// standard error (where it says why it crashed, if it did).
func (w *watchers) nftText() string {
	return w.nft.Stdout.String() + w.nft.Stderr.String()
}

// between returns the lines of out after marker a's line up to marker b's
// (or to the end, if b is missing: nft monitor crashed).
func between(out, a, b string) []string {
	i := strings.Index(out, a)
	j := strings.Index(out, b)
	if j < 0 {
		j = len(out)
	}
	if i < 0 || j < i {
		return nil
	}
	i += strings.IndexByte(out[i:], '\n') + 1
	return strings.Split(strings.TrimRight(out[i:j], "\n"), "\n")
}

var expiresRE = regexp.MustCompile(` expires [0-9dhms]+`)

// comparable reduces a watcher's lines to those compared: no rules, no
// generation lines, no sync tables, trailing blanks and expiry times
// (which differ by the milliseconds between the two readers) removed.
func comparable(lines []string) []string {
	var out []string
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		switch {
		case l == "", strings.HasPrefix(l, "# new generation"), strings.Contains(l, " __sync"),
			strings.HasPrefix(l, "add rule "), strings.HasPrefix(l, "insert rule "), strings.HasPrefix(l, "delete rule "):
			continue
		}
		out = append(out, expiresRE.ReplaceAllString(l, " expires X"))
	}
	return out
}

// kind classifies a line for the per-kind counts: tables, chains, sets,
// maps (declarations and their elements), elements, objects.
func kind(line string, maps map[string]bool) string {
	f := strings.Fields(line)
	if len(f) < 2 {
		return "other"
	}
	switch f[1] {
	case "table", "chain", "set", "map":
		return f[1] + "s"
	case "element":
		if len(f) >= 5 && maps[f[2]+" "+f[3]+" "+f[4]] {
			return "maps"
		}
		return "elements"
	}
	return "objects"
}

func TestKernelCorpus(t *testing.T)        { testCorpus(t, false) }
func TestKernelCorpusHandles(t *testing.T) { testCorpus(t, true) }

// testCorpus applies the corpus, comparing with nft monitor (nft -a
// monitor with handles).
func testCorpus(t *testing.T, handles bool) {
	ns := nstest.New(t)
	files, _ := filepath.Glob(filepath.Join("testdata", "corpus", "*.nft"))
	sort.Strings(files)
	if len(files) < 7 {
		t.Fatalf("only %d corpus scripts", len(files))
	}
	w := startWatchers(t, ns, handles)
	same := map[string]int{}
	total := map[string]int{}
	maps := map[string]bool{}
	seenListed := false
	for _, f := range files {
		script, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		listed := strings.HasSuffix(name, ".listed.nft")
		if !listed && seenListed {
			t.Fatalf("%s comes after a listed script, which may crash nft monitor", name)
		}
		seenListed = seenListed || listed
		start := w.sync(t, !listed)
		ns.Script(t, string(script))
		end := w.sync(t, !listed)
		ours := comparable(between(w.ours.String(), start, end))
		nft := comparable(between(w.nftText(), start, end))
		for _, l := range ours {
			if f := strings.Fields(l); len(f) >= 5 && f[0] == "add" && f[1] == "map" {
				maps[f[2]+" "+f[3]+" "+f[4]] = true
			}
		}
		if listed {
			if !handles {
				checkListed(t, ns, name, ours, nft)
			}
			continue
		}
		for i := 0; i < len(ours) || i < len(nft); i++ {
			var o, n string
			if i < len(ours) {
				o = ours[i]
			}
			if i < len(nft) {
				n = nft[i]
			}
			k := kind(n, maps)
			if n == "" {
				k = kind(o, maps)
			}
			total[k]++
			if o == n {
				same[k]++
				continue
			}
			t.Errorf("%s line %d:\n ours: %s\n  nft: %s", name, i+1, o, n)
		}
	}
	w.stop(t)
	if s := w.printErrors.String(); s != "" {
		t.Errorf("Printer errors:\n%s", s)
	}
	var kinds []string
	for k := range total {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		t.Logf("identical to nft monitor: %-8s %4d of %4d", k, same[k], total[k])
	}
}

// checkListed compares the lines of a script nft monitor prints wrongly
// with its .want file, shows that nft monitor's differ, and checks each
// wanted element and chain body against `nft list ruleset`.
func checkListed(t *testing.T, ns *nstest.NS, name string, ours, nft []string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "corpus", strings.TrimSuffix(name, ".nft")+".want"))
	if err != nil {
		t.Fatal(err)
	}
	want := comparable(strings.Split(string(raw), "\n"))
	if strings.Join(ours, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n ours:\n%s\n want:\n%s", name, strings.Join(ours, "\n"), strings.Join(want, "\n"))
	}
	if strings.Join(nft, "\n") == strings.Join(want, "\n") {
		t.Errorf("%s: nft monitor prints these lines right: move the script out of the listed ones", name)
	}
	t.Logf("%s: nft monitor printed, where %d lines are wanted:\n%s", name, len(want), strings.Join(nft, "\n"))
	list := ns.Nft(t, "list", "ruleset")
	flat := strings.Join(strings.Fields(list), " ")
	for _, l := range want {
		body := l
		if i := strings.Index(l, " { "); i >= 0 {
			body = strings.TrimSuffix(l[i+3:], " }")
		}
		if !strings.HasPrefix(l, "add element ") && !strings.HasPrefix(l, "add chain ") {
			continue // set declarations are printed another way by nft list
		}
		if !strings.Contains(flat, strings.Join(strings.Fields(body), " ")) {
			t.Errorf("%s: %q is not in nft list ruleset:\n%s", name, body, list)
		}
	}
}
