package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
)

// The harness of the kernel tests (kernel_*_test.go): they run the built
// nftmon command in a private network
// namespace (internal/nstest, never the host's), next to nft monitor,
// while nft applies the capture scenarios of the module's testdata.

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// TestMain removes the binary that the tests built. A crash prints every
// goroutine, so that the running tests are named by their stacks.
func TestMain(m *testing.M) {
	debug.SetTraceback("all")
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// nftmonBinary builds the command once per test run and returns its path.
func nftmonBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "nftmon-test-")
		if buildErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", filepath.Join(buildDir, "nftmon"), ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(buildDir, "nftmon")
}

// proc is a running nftmon or nft monitor.
type proc struct{ *nstest.Proc }

// startProc starts cmd (nstest.Start).
func startProc(t *testing.T, name string, cmd *exec.Cmd) *proc {
	t.Helper()
	return &proc{nstest.Start(t, name, cmd)}
}

// nftProc starts nft with args in ns (nstest.NS.StartNft).
func nftProc(t *testing.T, ns *nstest.NS, args ...string) *proc {
	t.Helper()
	return &proc{ns.StartNft(t, args...)}
}

// nftmonProc starts the built command with args.
func nftmonProc(t *testing.T, args ...string) *proc {
	return startProc(t, "nftmon "+strings.Join(args, " "), exec.Command(nftmonBinary(t), args...))
}

// stop sends sig and returns the exit status.
func (p *proc) stop(t *testing.T, sig syscall.Signal) int {
	t.Helper()
	err := p.Stop(t, sig)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatalf("%s: %v", p.Name, err)
	}
	return 0
}

// json reports whether the process prints JSON: nftmon with -json, -j or
// the json word.
func (p *proc) json() bool {
	return strings.HasPrefix(p.Name, "nftmon ") && slices.ContainsFunc(p.Cmd.Args[1:], func(a string) bool { return a == "-json" || a == "-j" || a == "json" })
}

// genMarker returns what a process prints for the commit of gen.
func (p *proc) genMarker(gen uint32) string {
	if p.json() {
		return fmt.Sprintf(`{"type":"NEWGEN","family":"unspec","gen":%d,`, gen)
	}
	return fmt.Sprintf("# new generation %d by process ", gen)
}

// currentGen asks the namespace's kernel for its generation.
func currentGen(t testing.TB, ns *nstest.NS) uint32 {
	t.Helper()
	c, err := nftmon.Open(nftmon.ConnConfig{NetNS: ns.Path, ReadBuffer: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	g, err := c.GetGen()
	if err != nil {
		t.Fatal(err)
	}
	return g.ID
}

// syncProcs commits an empty-handed transaction until every process has
// printed its commit (a process may not have subscribed yet), and returns
// its generation: what the processes print after it, they all saw.
func syncProcs(t *testing.T, ns *nstest.NS, procs ...*proc) uint32 {
	t.Helper()
	return syncProcsWith(t, ns, "add table ip __sync\ndelete table ip __sync\n", procs...)
}

// syncProcsWith is syncProcs committing script, for processes whose
// filter would hide the default one's changes (and so its commit).
func syncProcsWith(t *testing.T, ns *nstest.NS, script string, procs ...*proc) uint32 {
	t.Helper()
	for try := 0; ; try++ {
		ns.Script(t, script)
		g := currentGen(t, ns)
		all := true
		for _, p := range procs {
			if !p.WaitFor(p.genMarker(g), time.Second) {
				all = false
			}
		}
		if all {
			return g
		}
		if try == 30 {
			if d := os.Getenv("NFTMON_TEST_DUMP"); d != "" {
				for i, p := range procs {
					os.WriteFile(filepath.Join(d, fmt.Sprintf("proc%d.out", i)), []byte(p.Name+"\n"+p.Stdout.String()), 0o644)
				}
			}
			for _, p := range procs {
				t.Logf("%s:\nstdout: %s\nstderr: %s", p.Name, tail(p.Stdout.String(), 1000), p.Stderr.String())
			}
			t.Fatalf("the processes did not all print generation %d", g)
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// after returns the lines of out that follow the commit of gen floor.
func after(t *testing.T, p *proc, floor uint32) string {
	t.Helper()
	out := p.Stdout.String()
	m := p.genMarker(floor)
	i := strings.Index(out, m)
	if i < 0 {
		t.Fatalf("%s never printed generation %d", p.Name, floor)
	}
	j := strings.IndexByte(out[i:], '\n')
	return out[i+j+1:]
}

// applyScenarios runs the steps of the named scenarios of the module's
// testdata/scenarios, each as one nft -f; steps marked "fail" must fail.
func applyScenarios(t *testing.T, ns *nstest.NS, names ...string) {
	t.Helper()
	for _, name := range names {
		text, err := os.ReadFile("../../testdata/scenarios/" + name + ".nft")
		if err != nil {
			t.Fatal(err)
		}
		var step strings.Builder
		fail := false
		flush := func() {
			if strings.TrimSpace(step.String()) == "" {
				return
			}
			_, err := ns.TryNft(step.String(), "-f", "-")
			if fail != (err != nil) {
				t.Fatalf("%s: step (fail=%v): %v\n%s", name, fail, err, step.String())
			}
			step.Reset()
		}
		for _, line := range strings.Split(string(text), "\n") {
			switch {
			case strings.HasPrefix(line, "#!setup "):
				cmd := ns.Command("sh", "-c", strings.TrimPrefix(line, "#!setup "))
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("%s: %s: %v\n%s", name, line, err, out)
				}
			case strings.HasPrefix(line, "#--- "):
				flush()
				fail = strings.TrimSpace(strings.TrimPrefix(line, "#--- ")) == "fail"
			case strings.HasPrefix(line, "#"):
			default:
				step.WriteString(line + "\n")
			}
		}
		flush()
	}
}
