package nftmon

import (
	"errors"
	"unsafe"

	"golang.org/x/sys/unix"
)

// DiscardQueued reads and throws away, without waiting, every datagram
// queued in the socket, into buf (at least MinBufferLen long), and returns
// how many messages they held. Call it when Receive returns ErrOverflow.
//
// After an overflow the kernel drops every notification for the socket
// until its queue is empty, and no second ENOBUFS tells of those drops
// (KERNEL.md, fact 7): emptying the queue at once ends that silent gap, so
// that what is read after it is complete from the first transaction that
// starts after it. Monitor does this by itself; so should a reader that
// records datagrams for a Replayer, where it records the loss.
func (c *Conn) DiscardQueued(buf []byte) (int, error) {
	if len(buf) == 0 {
		return 0, errors.New("nftmon: DiscardQueued needs a non-empty buffer")
	}
	msgs := 0
	for {
		// The state of Receive, reused: a loss can come at every burst,
		// and the reads after it must not allocate either.
		c.r.setup(buf)
		if err := c.rc.Read(c.r.discardFn); err != nil {
			return msgs, c.wrapClosed(err)
		}
		switch c.r.rerrno {
		case 0:
			if c.r.sa.Pid == c.portID {
				continue // the socket's own wake-up (wakeSelf)
			}
			for range Messages(buf[:min(c.r.rn, len(buf))]) {
				msgs++
			}
		case unix.EAGAIN:
			return msgs, nil
		case unix.EINTR, unix.ENOBUFS:
			// Interrupted, or dropped again while emptying: go on.
		default:
			return msgs, syscallErr("recvmsg", c.r.rerrno)
		}
	}
}

// recvDiscard is DiscardQueued's system call: it never waits, so that an
// empty queue ends the loop.
func (c *Conn) recvDiscard(fd uintptr) bool {
	n, _, e := unix.Syscall(unix.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&c.r.msg)), unix.MSG_DONTWAIT)
	c.r.rn, c.r.rerrno = int(n), e
	return true
}
