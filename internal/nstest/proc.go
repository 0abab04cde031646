package nstest

import (
	"os/exec"
	"syscall"
)

// Isolate makes cmd, when started, the leader of a process group of its
// own, so that a signal meant for the test's group (a terminal's ^C, a
// runner stopping go test) does not reach it before the test can report,
// and KillGroup reaches everything it started; and it asks the kernel to
// kill cmd with SIGKILL if the test process dies first (PR_SET_PDEATHSIG),
// so that no child, such as an `nft monitor`, outlives a test binary that
// crashed or timed out. Call it before cmd.Start, from a goroutine that is
// not locked to its thread (the signal is tied to the thread that forks).
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
