package nftmon

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// discardQueued reads and throws away every datagram queued on the socket,
// without waiting for more, using buf as scratch space; it returns how many
// it threw away. After an overflow the kernel drops every notification for
// the socket, without reporting ENOBUFS again, until a read finds its queue
// empty (KERNEL.md, fact 7): emptying the queue ends that.
func (c *Conn) discardQueued(buf []byte) (int, error) {
	if len(buf) == 0 {
		return 0, nil
	}
	n := 0
	for {
		var errno unix.Errno
		err := c.rc.Read(func(fd uintptr) bool {
			_, _, errno = unix.Syscall6(unix.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)),
				unix.MSG_DONTWAIT|unix.MSG_TRUNC, 0, 0)
			return errno != unix.EINTR
		})
		switch {
		case err != nil:
			return n, c.wrapClosed(err)
		case errno == 0:
			n++
		case errno == unix.EAGAIN:
			return n, nil
		case errno == unix.ENOBUFS:
			// Another overflow while emptying: the queue is emptied all the same.
		default:
			return n, &os.SyscallError{Syscall: "recvfrom", Err: errno}
		}
	}
}
