package nftmon

import (
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// socketIn opens the socket, inside the namespace at path, or nsfd when
// hasFD, when one is given. It is in blocking mode, which keeps it out of
// the runtime poller; reads pass MSG_DONTWAIT (see waiter).
func socketIn(path string, nsfd int, hasFD bool) (int, error) {
	open := func() (int, error) {
		fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_NETFILTER)
		if err != nil {
			return -1, syscallErr("socket", err)
		}
		return fd, nil
	}
	if path == "" && !hasFD {
		return open()
	}
	if path != "" {
		f, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return -1, wrap("open network namespace", &os.PathError{Op: "open", Path: path, Err: err})
		}
		defer unix.Close(f)
		nsfd = f
	}
	fd := -1
	err := inNetNS(nsfd, func() error {
		var err error
		fd, err = open()
		return err
	})
	if err != nil && fd >= 0 {
		unix.Close(fd) // opened, but the thread could not go back
		fd = -1
	}
	return fd, err
}

// inNetNS runs fn on an OS thread of its own that is switched to the
// network namespace nsfd and back. A thread that cannot be switched back is
// thrown away (it stays locked and ends with its goroutine), so that no
// other goroutine ever runs in the wrong namespace. It is the package's one
// namespace switch; the tests use it too.
func inNetNS(nsfd int, fn func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			done <- wrap("open own network namespace", err)
			return
		}
		defer unix.Close(orig)
		if err := unix.Setns(nsfd, unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			done <- wrap("enter network namespace", os.NewSyscallError("setns", err))
			return
		}
		ferr := fn()
		if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
			done <- wrap("leave network namespace", os.NewSyscallError("setns", err))
			return
		}
		runtime.UnlockOSThread()
		done <- ferr
	}()
	return <-done
}
