package nftmon

import (
	"encoding/binary"
	"errors"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Datagram describes one datagram read by Receive.
type Datagram struct {
	N       int   // bytes written to the buffer
	NSID    int32 // the nsid of the sender's namespace, when HasNSID
	HasNSID bool  // false for the socket's own namespace
}

// burstWait is how long a read that follows a datagram waits in the kernel
// for the next one, before Receive waits in its waiter instead: longer than
// the gaps between the datagrams of a burst (KERNEL.md, fact 19). It is
// the socket's SO_RCVTIMEO, which the kernel counts in jiffies: it waits
// one (1 to 10 ms, by the kernel's HZ; KERNEL.md, fact 20). Close,
// SetReadDeadline and a cancelled context end such a wait at once
// (wakeSelf).
const burstWait = 250 * time.Microsecond

// reader is the state of a Conn's reads, reused by every call, so that
// reading allocates nothing.
type reader struct {
	recvFn    func(fd uintptr) bool // c.recvmsg, bound once
	discardFn func(fd uintptr) bool // c.recvDiscard, bound once
	msg       unix.Msghdr
	iov       unix.Iovec
	sa        unix.RawSockaddrNetlink
	oob       [64]byte
	rn        int        // bytes of the datagram read
	rerrno    unix.Errno // the read's error
	rerr      error      // why a wait ended without a datagram (closed, deadline)

	// idle, if set, is called by Receive when the socket is empty, before
	// it waits; true means it did some work, and the socket is read again
	// (a Monitor prefaults its arena there: arena.prefault). idleDue, if
	// set, reports whether idle has work to do: while it has, a read does
	// not wait in the kernel (see hot).
	idle, idleDue func() bool

	// hot: the last read returned a datagram, so another is likely to
	// follow soon (KERNEL.md, fact 19), and the next read waits for it in
	// the kernel, for burstWait at most (SO_RCVTIMEO), before the reader
	// goes to its waiter.
	hot bool
}

// wakeSelf ends a read waiting in the kernel after a datagram (see
// reader.hot), so that it looks at the Conn's state again: it sends the
// socket a datagram, an NLMSG_NOOP, which the read drops. No read waiting
// in the kernel, it sends nothing. Sending to itself needs CAP_NET_ADMIN
// (KERNEL.md, fact 20); refused, for that or any other reason but a full
// queue (then the read is not waiting), it makes the reads that follow
// wait in the waiter only, and one waiting already ends at its
// SO_RCVTIMEO.
func (c *Conn) wakeSelf() {
	if c.inKernel.Load() {
		_ = c.rc.Control(c.selfFn)
	}
}

// sendSelf is wakeSelf's system call.
func (c *Conn) sendSelf(fd uintptr) {
	_, _, e := unix.Syscall6(unix.SYS_SENDTO, fd, uintptr(unsafe.Pointer(&c.noop[0])), uintptr(len(c.noop)), unix.MSG_DONTWAIT, uintptr(unsafe.Pointer(&c.self)), unix.SizeofSockaddrNetlink)
	switch e {
	case 0, unix.EAGAIN, unix.ENOBUFS:
		// Sent, or the queue is full: then the read has a datagram.
	default:
		// Refused (EPERM without CAP_NET_ADMIN; an LSM may say EACCES).
		c.noSelf.Store(true)
	}
}

// setup makes the next read read into b.
func (r *reader) setup(b []byte) {
	r.iov.Base = &b[0]
	r.iov.SetLen(len(b))
	r.msg = unix.Msghdr{
		Name:    (*byte)(unsafe.Pointer(&r.sa)),
		Namelen: unix.SizeofSockaddrNetlink,
		Iov:     &r.iov,
		Control: &r.oob[0],
	}
	r.msg.SetIovlen(1)
	r.msg.SetControllen(len(r.oob))
}

// Receive reads the next datagram from the kernel into buf, which should be
// at least MinBufferLen long, and blocks until one arrives (or the deadline
// passes, or Close is called). Datagrams from any sender but the kernel are
// dropped and counted (ForeignDropped). It allocates nothing. While it
// waits it holds an OS thread, as a blocking read does: after a datagram
// it waits for the next in the kernel, one jiffy at most (1 to 10 ms, by
// the kernel's HZ), and then in a ppoll of its own; both cost a reader of
// bursts less than the runtime's poller (KERNEL.md, facts 19 and 20). Close
// and SetReadDeadline end a wait at once: to end one in the kernel, the
// socket sends itself an NLMSG_NOOP, which Receive drops. That needs
// CAP_NET_ADMIN; a process that has given it up since Open waits in the
// kernel no more, and a wait there when it did ends within its jiffy.
//
// It returns ErrOverflow when the kernel dropped notifications because the
// receive buffer was full, and a *TruncatedError (matching ErrTruncated) when
// the datagram was larger than buf; in that case buf holds its first
// len(buf) bytes and Datagram.N is len(buf). Reading may go on after both.
func (c *Conn) Receive(buf []byte) (Datagram, error) {
	if len(buf) == 0 {
		return Datagram{}, errors.New("nftmon: Receive needs a non-empty buffer")
	}
	for {
		c.r.setup(buf)
		if err := c.read(); err != nil {
			return Datagram{}, err
		}
		if p := c.r.sa.Pid; p != 0 {
			if p != c.portID {
				c.foreign.Add(1)
			} // else the socket's own wake-up (wakeSelf)
			continue
		}
		d := Datagram{N: c.r.rn}
		d.NSID, d.HasNSID = parseNSID(c.r.oob[:c.r.msg.Controllen])
		if c.r.rn > len(buf) || c.r.msg.Flags&unix.MSG_TRUNC != 0 {
			d.N = len(buf)
			return d, &TruncatedError{Size: c.r.rn, BufLen: len(buf)}
		}
		return d, nil
	}
}

// read reads one datagram into the buffer set up with setup, waiting as
// Receive says, and returns why it read nothing: the Conn was closed, a
// deadline passed, the receive buffer overflowed (ErrOverflow), or the
// system call failed.
func (c *Conn) read() error {
	c.r.rerr = nil
	err := c.rc.Read(c.r.recvFn)
	if err == nil {
		err = c.r.rerr
	}
	if err != nil {
		return c.wrapClosed(err)
	}
	switch c.r.rerrno {
	case 0:
		return nil
	case unix.ENOBUFS:
		return ErrOverflow
	default:
		return syscallErr("recvmsg", c.r.rerrno)
	}
}

// recvmsg is Receive's read, run with the socket's os.File held open (so
// that Close cannot close the descriptor under it). After a datagram it
// waits in the kernel for the next, burstWait at most (hot); else it
// reads without waiting, and waits (waiter.wait) when the socket is empty,
// until a datagram comes or the wait ends (c.r.rerr says why). An empty
// socket gives the idle work its turn first, and is read again after each
// piece of it. It always reports true: false would ask the runtime poller
// to wait, and the socket is not in it.
func (c *Conn) recvmsg(fd uintptr) bool {
	r := &c.r
	for {
		flags := uintptr(unix.MSG_TRUNC | unix.MSG_DONTWAIT)
		announced := r.hot && !c.noSelf.Load() && (r.idleDue == nil || !r.idleDue())
		if announced {
			// Announced before the state is looked at, as the state is
			// changed before wakeSelf looks at inKernel: either this
			// read sees the change, or wakeSelf sees the read.
			c.inKernel.Store(true)
			if !c.closed.Load() && !c.w.hasDeadline.Load() {
				flags = unix.MSG_TRUNC // waits burstWait at most
			}
		}
		n, _, e := unix.Syscall(unix.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&r.msg)), flags)
		if announced {
			c.inKernel.Store(false)
		}
		switch e {
		case unix.EAGAIN:
			r.hot = false
			if c.closed.Load() {
				r.rerr = ErrClosed
				return true
			}
			if r.idle != nil && r.idle() {
				continue
			}
			if err := c.w.wait(fd); err != nil {
				r.rerr = err
				return true
			}
			continue
		case unix.EINTR:
			continue
		}
		r.rn, r.rerrno, r.hot = int(n), e, true
		return true
	}
}

// parseNSID finds the SOL_NETLINK/NETLINK_LISTEN_ALL_NSID control message
// (KERNEL.md, fact 9) in oob without allocating. struct cmsghdr starts with a size_t cmsg_len,
// so its layout depends on the word size.
func parseNSID(oob []byte) (int32, bool) {
	const hdr = unix.SizeofCmsghdr // 16 on 64-bit, 12 on 32-bit
	const lenSize = hdr - 8        // size_t cmsg_len; int cmsg_level; int cmsg_type
	for len(oob) >= hdr {
		l := int(binary.NativeEndian.Uint32(oob))
		if lenSize == 8 {
			l = int(binary.NativeEndian.Uint64(oob))
		}
		if l < hdr || l > len(oob) {
			return 0, false
		}
		level := int32(binary.NativeEndian.Uint32(oob[lenSize:]))
		typ := int32(binary.NativeEndian.Uint32(oob[lenSize+4:]))
		if level == unix.SOL_NETLINK && typ == unix.NETLINK_LISTEN_ALL_NSID && l >= unix.CmsgLen(4) {
			return int32(binary.NativeEndian.Uint32(oob[unix.CmsgLen(0):])), true
		}
		oob = oob[min(cmsgAlign(l), len(oob)):]
	}
	return 0, false
}

// cmsgAlign rounds n up to the alignment of control messages.
//
//	#define CMSG_ALIGN(len) ( ((len)+sizeof(long)-1) & ~(sizeof(long)-1) )
func cmsgAlign(n int) int { return (n + unix.SizeofPtr - 1) &^ (unix.SizeofPtr - 1) }
