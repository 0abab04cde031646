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
		var n int
		var errno unix.Errno
		err := c.rc.Read(func(fd uintptr) bool {
			iov := unix.Iovec{Base: &buf[0]}
			iov.SetLen(len(buf))
			msg := unix.Msghdr{Iov: &iov}
			msg.SetIovlen(1)
			r, _, e := unix.Syscall(unix.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&msg)), unix.MSG_DONTWAIT)
			n, errno = int(r), e
			return true // never wait: an empty queue ends the loop
		})
		if err != nil {
			return msgs, c.wrapClosed(err)
		}
		switch errno {
		case 0:
			for range Messages(buf[:min(n, len(buf))]) {
				msgs++
			}
		case unix.EAGAIN:
			return msgs, nil
		case unix.EINTR, unix.ENOBUFS:
			// Interrupted, or dropped again while emptying: go on.
		default:
			return msgs, syscallErr("recvmsg", errno)
		}
	}
}
