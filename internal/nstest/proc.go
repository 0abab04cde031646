package nstest

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// StopTimeout bounds how long Proc.Stop waits for the process to exit
// after its signal.
const StopTimeout = 10 * time.Second

// Isolate makes cmd, when started, the leader of a process group of its
// own, so that a signal meant for the test's group (a terminal's ^C, a
// runner stopping go test) does not reach it before the test can report,
// and KillGroup reaches everything it started; and it asks the kernel to
// kill cmd with SIGKILL if the test process dies first (PR_SET_PDEATHSIG),
// so that no child, such as an `nft monitor`, outlives a test binary that
// crashed or timed out. The signal is tied to the thread that forks: start
// cmd from a thread that lives as long as it should (Start does), never
// from one that NS.Do may end.
func Isolate(cmd *exec.Cmd) *exec.Cmd {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	return cmd
}

// KillGroup kills the process group of a command started after Isolate.
func KillGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}

// Proc is a process a test started with Start, its output collected while
// it runs.
type Proc struct {
	Name           string // what the test's messages call it
	Cmd            *exec.Cmd
	Stdout, Stderr Buffer
	done           chan struct{}
	err            error
}

// Start starts cmd (Isolate), with its standard output in Stdout and its
// standard error in Stderr, from a thread held until the process has
// ended; the process group is killed when the test ends if it still runs.
func Start(t testing.TB, name string, cmd *exec.Cmd) *Proc {
	t.Helper()
	p := &Proc{Name: name, Cmd: cmd, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &p.Stdout, &p.Stderr
	Isolate(cmd)
	started, release := make(chan error, 1), make(chan struct{})
	go func() {
		// The forking thread stays, so that PR_SET_PDEATHSIG does not
		// fire, until the process has ended.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		started <- cmd.Start()
		<-release
	}()
	if err := <-started; err != nil {
		close(release)
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			KillGroup(cmd)
			<-p.done
		}
		close(release)
	})
	return p
}

// StartNft starts nft with args inside the namespace (an `nft monitor`:
// "monitor", or "-a", "monitor", or "monitor", "trace"), as Start does.
func (ns *NS) StartNft(t testing.TB, args ...string) *Proc {
	t.Helper()
	return Start(t, "nft "+strings.Join(args, " "), ns.Command(NftPath(t), args...))
}

// Done is closed once the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Wait waits for the process to exit and returns what exec.Cmd.Wait
// returned.
func (p *Proc) Wait() error {
	<-p.done
	return p.err
}

// Stop sends sig (unless the process has exited) and returns what Wait
// returns; it fails the test if the process has not exited StopTimeout
// later. nft monitor ignores SIGINT
// when not started from a terminal: stop it with SIGTERM.
func (p *Proc) Stop(t testing.TB, sig os.Signal) error {
	t.Helper()
	if err := p.Cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("signal %s: %v", p.Name, err)
	}
	select {
	case <-p.done:
		return p.err
	case <-time.After(StopTimeout):
		t.Fatalf("%s did not exit %v after %v; stderr %q", p.Name, StopTimeout, sig, p.Stderr.String())
		return nil
	}
}

// WaitFor waits up to d for the process to print s on its standard
// output, and reports whether it did; it returns at once when the process
// exits without having printed it.
func (p *Proc) WaitFor(s string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if strings.Contains(p.Stdout.String(), s) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-p.done:
			return strings.Contains(p.Stdout.String(), s)
		case <-time.After(5 * time.Millisecond):
		}
	}
}
