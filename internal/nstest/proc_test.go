package nstest

import (
	"errors"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestStart checks that a process's output lands in its buffers, that
// WaitFor sees a line and returns early once the process has exited, and
// that Stop returns the exit of the signal.
func TestStart(t *testing.T) {
	p := Start(t, "sh", exec.Command("sh", "-c", "echo out; echo err >&2; exec sleep 60"))
	if !p.WaitFor("out\n", 10*time.Second) {
		t.Fatalf("no output: %q %q", p.Stdout.String(), p.Stderr.String())
	}
	err := p.Stop(t, syscall.SIGTERM)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGTERM {
		t.Fatalf("Stop: %v, want an exit by SIGTERM", err)
	}
	if e := p.Stderr.String(); e != "err\n" {
		t.Errorf("stderr %q", e)
	}
	start := time.Now()
	if p.WaitFor("never", 10*time.Second) || time.Since(start) > time.Second {
		t.Errorf("WaitFor on an exited process: waited %v", time.Since(start))
	}
	if err := p.Stop(t, syscall.SIGTERM); err != ee {
		t.Errorf("Stop again: %v, want %v", err, ee)
	}
}

// TestStartKillsAtCleanup checks that a process still running when its
// test ends is killed, with what it started.
func TestStartKillsAtCleanup(t *testing.T) {
	var p *Proc
	t.Run("inner", func(t *testing.T) {
		p = Start(t, "sh", exec.Command("sh", "-c", "sleep 60 & echo started; wait"))
		if !p.WaitFor("started", 10*time.Second) {
			t.Fatal("sh did not start")
		}
	})
	select {
	case <-p.Done():
	default:
		t.Fatal("the process runs after its test ended")
	}
}
