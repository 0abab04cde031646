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

// maxBatch is the most datagrams one read takes (readBatch). A reader that
// has fallen behind the kernel, as a reader of a large transaction of rules
// may, finds several datagrams queued, and one recvmmsg(2) for them costs
// less than a recvmsg(2) each (KERNEL.md, fact 20).
const maxBatch = 8

// burstWait is how long a read that follows a datagram waits in the kernel
// for the next one, before Receive waits in its waiter instead: longer than
// the gaps between the datagrams of a burst (KERNEL.md, fact 19). It is
// the socket's SO_RCVTIMEO, which the kernel counts in jiffies: it waits
// one (1 to 10 ms, by the kernel's HZ; KERNEL.md, fact 20). Close,
// SetReadDeadline and a cancelled context end such a wait at once
// (wakeSelf).
const burstWait = 250 * time.Microsecond

// mmsghdr is struct mmsghdr, an entry of recvmmsg(2)'s vector.
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32 // bytes received (the whole datagram's length: MSG_TRUNC)
}

// reader is the state of a Conn's reads, reused by every call, so that
// reading allocates nothing.
type reader struct {
	recvFn    func(fd uintptr) bool // c.recvmmsg, bound once
	discardFn func(fd uintptr) bool // c.recvDiscard, bound once
	mm        [maxBatch]mmsghdr
	iov       [maxBatch]unix.Iovec
	sa        [maxBatch]unix.RawSockaddrNetlink
	oob       [maxBatch][64]byte
	vlen      int        // entries of mm the next read may fill
	rn        int        // entries filled (recvmmsg), or bytes (recvmsg)
	rerrno    unix.Errno // the read's error
	rerr      error      // why a wait ended without a datagram (closed, deadline)
	got       [maxBatch]received

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

// received is a datagram read by readBatch: its N bytes are at offset off
// of the buffer. err is a *TruncatedError when the datagram was larger
// than its slot of the buffer (N bytes of it were kept).
type received struct {
	Datagram
	off int
	err error
}

// slot makes entry i of the read vector read into b.
func (r *reader) slot(i int, b []byte) {
	r.iov[i].Base = &b[0]
	r.iov[i].SetLen(len(b))
	h := &r.mm[i].hdr
	*h = unix.Msghdr{
		Name:    (*byte)(unsafe.Pointer(&r.sa[i])),
		Namelen: unix.SizeofSockaddrNetlink,
		Iov:     &r.iov[i],
		Control: &r.oob[i][0],
	}
	h.SetIovlen(1)
	h.SetControllen(len(r.oob[i]))
}

// Receive reads the next datagram from the kernel into buf, which should be
// at least MinBufferLen long, and blocks until one arrives (or the deadline
// passes, or Close is called). Datagrams from any sender but the kernel are
// dropped and counted (ForeignDropped). It allocates nothing. While it
// waits it holds an OS thread, as a blocking read does: it waits in the
// kernel, for burstWait at most after a datagram and then in a ppoll of its
// own, which costs a reader of bursts less than the runtime's poller
// (KERNEL.md, fact 19). Close and SetReadDeadline end a wait at once: to
// end one in the kernel, the socket sends itself an NLMSG_NOOP, which
// Receive drops. That needs CAP_NET_ADMIN; a process that has given
// it up since Open waits in the kernel no more, and a wait there when it
// did ends within a jiffy (KERNEL.md, fact 20).
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
		c.r.slot(0, buf)
		if err := c.read(1); err != nil {
			return Datagram{}, err
		}
		if g, ok := c.result(0, 0); ok {
			return g.Datagram, g.err
		}
	}
}

// readBatch reads what Receive does, but up to maxBatch datagrams at a
// time: as many as are queued when the first is read. buf, at least
// MinBufferLen long, is cut into slots of MinBufferLen (the last takes the
// rest); the datagrams are moved down to follow each other, each at a
// 4-byte boundary, as they would be read one by one. The result is valid
// until the next read.
func (c *Conn) readBatch(buf []byte) ([]received, error) {
	if len(buf) < MinBufferLen {
		return nil, errors.New("nftmon: readBatch needs a buffer of MinBufferLen bytes")
	}
	k := min(maxBatch, len(buf)/MinBufferLen)
	for {
		for i := range k {
			end := (i + 1) * MinBufferLen
			if i == k-1 {
				end = len(buf)
			}
			c.r.slot(i, buf[i*MinBufferLen:end])
		}
		if err := c.read(k); err != nil {
			return nil, err
		}
		out, pos := c.r.got[:0], 0
		for i := range c.r.rn {
			g, ok := c.result(i, pos)
			if !ok {
				continue
			}
			if src := i * MinBufferLen; src != pos {
				copy(buf[pos:pos+g.N], buf[src:src+g.N])
			}
			out = append(out, g)
			pos += align(g.N)
		}
		if len(out) > 0 {
			return out, nil
		}
	}
}

// read reads into the first vlen entries of the read vector (set up with
// slot), waiting as Receive says, and returns why it read nothing: the
// Conn was closed, a deadline passed, the receive buffer overflowed
// (ErrOverflow), or the system call failed.
func (c *Conn) read(vlen int) error {
	c.r.vlen, c.r.rerr = vlen, nil
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
		return syscallErr("recvmmsg", c.r.rerrno)
	}
}

// result is entry i of the last read, to be placed at offset off of the
// buffer: false for a datagram not from the kernel (dropped, counted).
func (c *Conn) result(i, off int) (received, bool) {
	r := &c.r
	if p := r.sa[i].Pid; p != 0 {
		if p != c.portID {
			c.foreign.Add(1)
		} // else the socket's own wake-up (wakeSelf)
		return received{}, false
	}
	h := &r.mm[i]
	size := int(r.iov[i].Len)
	g := received{Datagram: Datagram{N: int(h.n)}, off: off}
	g.NSID, g.HasNSID = parseNSID(r.oob[i][:h.hdr.Controllen])
	if g.N > size || h.hdr.Flags&unix.MSG_TRUNC != 0 {
		g.N = size
		g.err = &TruncatedError{Size: int(h.n), BufLen: size}
	}
	return g, true
}

// recvmmsg is the reads' system call, run with the socket's os.File held
// open (so that Close cannot close the descriptor under it): one
// recvmmsg(2) into the first vlen entries of the read vector. After a
// datagram it waits in the kernel for the next, burstWait at most (hot);
// else it reads without waiting, and waits (waiter.wait) when the socket is
// empty, until a datagram comes or the wait ends (c.r.rerr says why). An
// empty socket gives the idle work its turn first, and is read again after
// each piece of it. It always reports true: false would ask the runtime
// poller to wait, and the socket is not in it.
func (c *Conn) recvmmsg(fd uintptr) bool {
	r := &c.r
	for {
		flags := uintptr(unix.MSG_TRUNC | unix.MSG_DONTWAIT)
		if r.hot && !c.noSelf.Load() && (r.idleDue == nil || !r.idleDue()) {
			// Announced before the state is looked at, as the state is
			// changed before wakeSelf looks at inKernel: either this
			// read sees the change, or wakeSelf sees the read.
			c.inKernel.Store(true)
			if !c.closed.Load() && !c.w.hasDeadline.Load() {
				// Wait for the first datagram, burstWait at most; take
				// the others queued behind it without waiting.
				flags = unix.MSG_TRUNC | unix.MSG_WAITFORONE
			}
		}
		n, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&r.mm[0])), uintptr(r.vlen), flags, 0, 0)
		if r.hot {
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
