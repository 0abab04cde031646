package nftmon

import (
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// waiter is how a Conn waits for a datagram when none came in the last
// burstWait (until then a read waits in the kernel: reader.hot): in a
// ppoll(2) of its own on the socket and an eventfd, not in the runtime's
// poller. The runtime
// poller costs a reader of bursts more than its wait: every datagram that
// finds the reader parked wakes the poller's thread, which wakes the
// reader's (KERNEL.md, fact 19). A reader waiting in ppoll is woken by the
// kernel directly, as a blocking read(2) is; the eventfd is how Close,
// SetReadDeadline and a cancelled context interrupt it. The socket is in
// blocking mode, so that the os.File that owns it is not registered with
// the runtime poller, and every read but those that wait in the kernel
// passes MSG_DONTWAIT.
//
// While it waits, the reader holds an OS thread, as a blocking read does
// (the runtime hands its P to other goroutines).
type waiter struct {
	ev     *os.File // the eventfd; a write to it interrupts a wait
	evRC   syscall.RawConn
	pollFn func(efd uintptr) // w.poll and w.signal, bound once: closures made per call would escape
	sigFn  func(efd uintptr)

	mu          sync.Mutex
	deadline    time.Time   // zero: none
	hasDeadline atomic.Bool // !deadline.IsZero(), read without the lock

	// ppoll's arguments, kept here so that a wait allocates nothing
	fds [2]unix.PollFd
	ts  unix.Timespec
	tsp uintptr // &ts, or 0: no timeout
	buf [8]byte
}

// newWaiter makes the eventfd of a waiter.
func newWaiter() (*waiter, error) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC) // blocking: not in the runtime poller either
	if err != nil {
		return nil, syscallErr("eventfd", err)
	}
	w := &waiter{ev: os.NewFile(uintptr(fd), "nftmon-wake")}
	w.pollFn, w.sigFn = w.poll, w.signal
	if w.evRC, err = w.ev.SyscallConn(); err != nil {
		w.ev.Close()
		return nil, wrap("", err)
	}
	return w, nil
}

// wake interrupts a wait in progress, or makes the next one return at
// once, so that the waiting reader looks at its state again.
func (w *waiter) wake() { _ = w.evRC.Control(w.sigFn) }

// signal is wake's system call: it adds one to the eventfd's counter.
func (w *waiter) signal(efd uintptr) {
	one := uint64(1)
	_, _, _ = unix.Syscall(unix.SYS_WRITE, efd, uintptr(unsafe.Pointer(&one)), unsafe.Sizeof(one))
}

// setDeadline sets the deadline of the waits, and wakes a wait in
// progress so that it takes the new one.
func (w *waiter) setDeadline(t time.Time) {
	w.mu.Lock()
	w.deadline = t
	w.hasDeadline.Store(!t.IsZero())
	w.mu.Unlock()
	w.wake()
}

// close closes the eventfd. A wait in progress keeps it open until it
// returns (the os.File counts its users).
func (w *waiter) close() { w.ev.Close() }

// wait waits until the socket fd has something to read, the deadline
// passes (os.ErrDeadlineExceeded), or the waiter is woken or closed (nil:
// the caller looks at its state and reads again). A closed waiter returns
// ErrClosed.
func (w *waiter) wait(fd uintptr) error {
	w.mu.Lock()
	dl := w.deadline
	w.mu.Unlock()
	w.tsp = 0
	if !dl.IsZero() {
		d := time.Until(dl)
		if d <= 0 {
			return os.ErrDeadlineExceeded
		}
		w.ts = unix.NsecToTimespec(int64(d))
		w.tsp = uintptr(unsafe.Pointer(&w.ts))
	}
	w.fds[0] = unix.PollFd{Fd: int32(fd), Events: unix.POLLIN}
	if err := w.evRC.Control(w.pollFn); err != nil {
		return ErrClosed
	}
	return nil
}

// poll is wait's system call, run with the eventfd held open.
func (w *waiter) poll(efd uintptr) {
	w.fds[1] = unix.PollFd{Fd: int32(efd), Events: unix.POLLIN}
	_, _, e := unix.Syscall6(unix.SYS_PPOLL, uintptr(unsafe.Pointer(&w.fds[0])), uintptr(len(w.fds)), w.tsp, 0, 0, 0)
	if e == 0 && w.fds[1].Revents&unix.POLLIN != 0 {
		// Woken: reset the counter (reading an eventfd that is not
		// zero does not block).
		_, _, _ = unix.Syscall(unix.SYS_READ, efd, uintptr(unsafe.Pointer(&w.buf[0])), uintptr(len(w.buf)))
	}
}
