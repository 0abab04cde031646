// Package nstest gives tests a private network namespace and the real nft
// tool inside it, so that no test ever touches the host's ruleset.
//
// A namespace is made by unshare(CLONE_NEWNET) on a locked thread that is
// then thrown away; the namespace lives as long as the file descriptor that
// New returns. Where that is not allowed (not root), or nft is missing, the
// test is skipped with the reason, unless NFTMON_REQUIRE_KERNEL=1, which
// turns the skip into a failure (CI sets it).
package nstest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// NftTimeout bounds one run of nft by TryNft, Nft and Script: far more than
// the largest transaction a test makes takes on a loaded machine, so that a
// hung nft fails the test that ran it, with its arguments, instead of
// running into go test's global timeout.
const NftTimeout = 5 * time.Minute

// NS is a private network namespace held open by a file descriptor.
type NS struct {
	FD   int    // an open fd of the namespace
	Path string // /proc/PID/fd/FD: usable by other processes and by nftmon.ConnConfig.NetNS
}

// Skip skips the test with the reason, or fails it when
// NFTMON_REQUIRE_KERNEL=1.
func Skip(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("NFTMON_REQUIRE_KERNEL") == "1" {
		t.Fatalf("NFTMON_REQUIRE_KERNEL=1 but: %s", msg)
	}
	t.Skip(msg)
}

// NftPath returns the path of the nft binary, or skips the test.
func NftPath(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("nft")
	if err != nil {
		for _, c := range []string{"/usr/sbin/nft", "/sbin/nft"} {
			if _, serr := os.Stat(c); serr == nil {
				return c
			}
		}
		Skip(t, "nft (Debian package nftables) is not installed: %v", err)
	}
	return p
}

// New makes a fresh network namespace for t, closed when t ends. It skips
// the test when namespaces cannot be made here or nft is missing.
func New(t testing.TB) *NS {
	t.Helper()
	NftPath(t)
	ns, err := Make()
	if err != nil {
		Skip(t, "cannot make a network namespace (needs root or CAP_SYS_ADMIN): %v", err)
	}
	t.Cleanup(func() { unix.Close(ns.FD) })
	return ns
}

// Make makes a fresh network namespace; the caller closes NS.FD.
func Make() (*NS, error) {
	type result struct {
		fd  int
		err error
	}
	done := make(chan result, 1)
	go func() {
		// The thread is never unlocked: it leaves the process with this
		// goroutine, and the host's namespace never sees a change.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			done <- result{-1, fmt.Errorf("unshare(CLONE_NEWNET): %w", err)}
			return
		}
		fd, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		done <- result{fd, err}
	}()
	r := <-done
	if r.err != nil {
		return nil, r.err
	}
	return &NS{FD: r.fd, Path: fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), r.fd)}, nil
}

// Command returns a command that runs name with args inside the namespace
// (through nsenter, from util-linux).
func (ns *NS) Command(name string, args ...string) *exec.Cmd {
	return ns.commandContext(context.Background(), name, args...)
}

// commandContext is Command, killed when ctx is done (nsenter execs name,
// so the kill reaches it).
func (ns *NS) commandContext(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "nsenter", append([]string{"--net=" + ns.Path, "--", name}, args...)...)
}

// Nft runs nft with args inside the namespace and returns its standard
// output; it fails the test if nft fails.
func (ns *NS) Nft(t testing.TB, args ...string) string {
	t.Helper()
	out, err := ns.TryNft("", args...)
	if err != nil {
		t.Fatalf("nft %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// Script runs nft -f - with script as its input inside the namespace; it
// fails the test if nft fails.
func (ns *NS) Script(t testing.TB, script string) {
	t.Helper()
	if _, err := ns.TryNft(script, "-f", "-"); err != nil {
		t.Fatalf("nft -f: %v\nscript:\n%s", err, script)
	}
}

// ScriptFile runs the nft script in file inside the namespace, as Script.
func (ns *NS) ScriptFile(t testing.TB, file string) {
	t.Helper()
	script, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	ns.Script(t, string(script))
}

// TryNft runs nft with args, and stdin as its input if not empty, and returns
// its standard output, or an error that includes its standard error.
// nft is killed once it has run for NftTimeout.
func (ns *NS) TryNft(stdin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), NftTimeout)
	defer cancel()
	cmd := ns.commandContext(ctx, "nft", args...)
	cmd.WaitDelay = time.Second // nothing nft started may keep its pipes open
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return out.String(), fmt.Errorf("nft %s: killed after %v: %s", strings.Join(args, " "), NftTimeout, strings.TrimSpace(errb.String()))
	}
	if err != nil {
		return out.String(), fmt.Errorf("%w: %s", err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}
