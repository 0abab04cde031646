package nftmon

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// DefaultReadBuffer is the receive buffer a Conn asks for when ConnConfig
// leaves ReadBuffer at 0: 4 MiB.
const DefaultReadBuffer = 4 << 20

// MinBufferLen is the smallest receive buffer that holds any single message
// the kernel sends: 64 KiB plus a page, what nft itself uses
// (NFT_NLMSG_MAXSIZE; KERNEL.md, fact 12). Datagrams larger than the buffer
// given to Receive are truncated and reported as *TruncatedError.
const MinBufferLen = 64<<10 + 4096

// ConnConfig says how to open a Conn. The zero value opens a socket in the
// current network namespace with a 4 MiB receive buffer.
type ConnConfig struct {
	// NetNS is the path of a network namespace to open the socket in, such
	// as /run/netns/NAME or /proc/PID/ns/net. Empty means the namespace of
	// the calling thread, or NetNSFD.
	NetNS string
	// NetNSFD is an open network namespace file descriptor to open the
	// socket in, used when HasNetNSFD is set and NetNS is empty (so that
	// any fd, 0 included, can be given).
	NetNSFD    int
	HasNetNSFD bool
	// ReadBuffer is the receive buffer size to ask for (SO_RCVBUFFORCE,
	// falling back to SO_RCVBUF, which net.core.rmem_max caps). 0 means
	// DefaultReadBuffer; a negative value leaves the kernel's default.
	ReadBuffer int
	// ListenAllNSID sets NETLINK_LISTEN_ALL_NSID: the socket then also
	// receives the notifications of every other network namespace that has
	// an nsid in the socket's namespace, and Datagram.NSID says which.
	ListenAllNSID bool
}

// Conn is a raw AF_NETLINK, NETLINK_NETFILTER socket. It receives
// multicast notifications into caller-owned buffers without allocating, and
// sends requests (GETGEN, dumps) and reads their replies.
//
// Receive and Request must not be called concurrently with each other; Close,
// SetReadDeadline, the group and counter methods may be called from any
// goroutine.
type Conn struct {
	f       *os.File
	rc      syscall.RawConn
	closed  atomic.Bool
	portID  uint32
	bufSize int
	foreign atomic.Uint64
	groups  atomic.Int32 // multicast groups joined and not left
	seq     uint32

	replies []byte // buffer for request replies, made on first use
	w       *waiter
	r       reader // Receive's state (recv.go)

	// A read waiting in the kernel after a datagram (reader.hot) is ended
	// by a datagram the socket sends itself (wakeSelf).
	self     unix.RawSockaddrNetlink // the socket's own address
	noop     [unix.NLMSG_HDRLEN]byte // the wake-up: an NLMSG_NOOP
	selfFn   func(fd uintptr)        // c.sendSelf, bound once
	noSelf   atomic.Bool             // sending to itself was refused (EPERM, or any error but a full queue): reads do not wait in the kernel
	inKernel atomic.Bool             // a read waits in the kernel (or is about to)
}

// Open opens a netfilter netlink socket as cfg says and binds it. It joins no
// multicast group: call JoinGroup(unix.NFNLGRP_NFTABLES) to receive nftables
// notifications, which needs CAP_NET_ADMIN in the user namespace that owns
// the socket's network namespace.
func Open(cfg ConnConfig) (*Conn, error) {
	fd, err := socketIn(cfg.NetNS, cfg.NetNSFD, cfg.HasNetNSFD)
	if err != nil {
		return nil, err
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, syscallErr("bind", err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return nil, syscallErr("getsockname", err)
	}
	w, err := newWaiter()
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	// The socket is in blocking mode, so the os.File is not registered
	// with the runtime poller: Receive waits in the kernel after a
	// datagram (reader.hot), then in a ppoll of its own (waiter).
	c := &Conn{f: os.NewFile(uintptr(fd), "netlink-netfilter"), w: w}
	if nl, ok := sa.(*unix.SockaddrNetlink); ok {
		c.portID = nl.Pid
	}
	c.self = unix.RawSockaddrNetlink{Family: unix.AF_NETLINK, Pid: c.portID}
	c.selfFn = c.sendSelf
	binary.NativeEndian.PutUint32(c.noop[0:], unix.NLMSG_HDRLEN)
	binary.NativeEndian.PutUint16(c.noop[4:], unix.NLMSG_NOOP)
	if c.rc, err = c.f.SyscallConn(); err != nil {
		c.Close()
		return nil, wrap("", err)
	}
	c.r.recvFn, c.r.discardFn = c.recvmsg, c.recvDiscard
	tv := unix.NsecToTimeval(int64(burstWait))
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		c.Close()
		return nil, syscallErr("setsockopt SO_RCVTIMEO", err)
	}
	// Extended acks give the kernel's reason for a refused request; capped
	// acks leave the request itself out of the error. Both are best effort.
	_ = c.setInt(unix.SOL_NETLINK, unix.NETLINK_EXT_ACK, 1)
	_ = c.setInt(unix.SOL_NETLINK, unix.NETLINK_CAP_ACK, 1)
	if cfg.ReadBuffer >= 0 {
		n := cfg.ReadBuffer
		if n == 0 {
			n = DefaultReadBuffer
		}
		if _, err := c.SetReadBuffer(n); err != nil {
			c.Close()
			return nil, err
		}
	}
	if cfg.ListenAllNSID {
		if err := c.setInt(unix.SOL_NETLINK, unix.NETLINK_LISTEN_ALL_NSID, 1); err != nil {
			c.Close()
			return nil, wrap("listen to all namespaces", err)
		}
	}
	return c, nil
}

func (c *Conn) setInt(level, opt, v int) error {
	var err error
	cerr := c.rc.Control(func(fd uintptr) { err = unix.SetsockoptInt(int(fd), level, opt, v) })
	if cerr != nil {
		return c.wrapClosed(cerr)
	}
	return syscallErr("setsockopt", err)
}

func (c *Conn) getInt(level, opt int) (int, error) {
	var v int
	var err error
	cerr := c.rc.Control(func(fd uintptr) { v, err = unix.GetsockoptInt(int(fd), level, opt) })
	if cerr != nil {
		return 0, c.wrapClosed(cerr)
	}
	return v, syscallErr("getsockopt", err)
}

// PortID returns the socket's netlink port id (its bound nl_pid).
func (c *Conn) PortID() uint32 { return c.portID }

// JoinGroup joins a netlink multicast group, such as unix.NFNLGRP_NFTABLES
// (7) for nftables notifications or unix.NFNLGRP_NFTRACE (9) for traces.
func (c *Conn) JoinGroup(group uint32) error {
	if err := c.setInt(unix.SOL_NETLINK, unix.NETLINK_ADD_MEMBERSHIP, int(group)); err != nil {
		return wrap("join group "+strconv.FormatUint(uint64(group), 10), err)
	}
	c.groups.Add(1)
	return nil
}

// LeaveGroup leaves a netlink multicast group.
func (c *Conn) LeaveGroup(group uint32) error {
	if err := c.setInt(unix.SOL_NETLINK, unix.NETLINK_DROP_MEMBERSHIP, int(group)); err != nil {
		return wrap("leave group "+strconv.FormatUint(uint64(group), 10), err)
	}
	if c.groups.Add(-1) < 0 {
		c.groups.Store(0) // left a group it had not joined: the kernel does not mind
	}
	return nil
}

// SetReadBuffer asks for a receive buffer of n bytes, with SO_RCVBUFFORCE
// (which needs CAP_NET_ADMIN) and, failing that, SO_RCVBUF (capped by
// net.core.rmem_max). It returns the size granted, as the kernel reports it
// (the kernel doubles the request for its bookkeeping).
func (c *Conn) SetReadBuffer(n int) (int, error) {
	if err := c.setInt(unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, n); err != nil {
		if err := c.setInt(unix.SOL_SOCKET, unix.SO_RCVBUF, n); err != nil {
			return 0, wrap("set receive buffer", err)
		}
	}
	got, err := c.getInt(unix.SOL_SOCKET, unix.SO_RCVBUF)
	if err != nil {
		return 0, wrap("read receive buffer size", err)
	}
	c.bufSize = got
	return got, nil
}

// ReadBuffer returns the receive buffer size granted by the last
// SetReadBuffer, or 0 if the kernel's default was left.
func (c *Conn) ReadBuffer() int { return c.bufSize }

// ForeignDropped returns how many datagrams Receive dropped because they did
// not come from the kernel (source nl_pid other than 0).
func (c *Conn) ForeignDropped() uint64 { return c.foreign.Load() }

// SetReadDeadline sets the deadline for Receive and for reading replies; a
// Receive blocked past it returns an error matching os.ErrDeadlineExceeded.
// A zero t means no deadline. A Receive blocked in another goroutine takes
// the new deadline at once (see Receive). It always returns nil.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.w.setDeadline(t)
	c.wakeSelf()
	return nil
}

// Close closes the socket. A Receive blocked in another goroutine returns
// ErrClosed. Close may be called more than once; calls after the first
// return nil.
func (c *Conn) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	c.w.wake()
	c.wakeSelf()
	c.w.close()
	return c.f.Close()
}

func (c *Conn) wrapClosed(err error) error {
	if c.closed.Load() || errors.Is(err, os.ErrClosed) {
		return ErrClosed
	}
	return wrap("", err)
}

// Request sends the request message req (built with AppendRequest; its
// sequence number and port id are set here) and calls fn for each message of
// the reply, until NLMSG_DONE ends a dump, a reply without NLM_F_MULTI ends a
// single answer, or the kernel acknowledges. An NLMSG_ERROR becomes an
// *OpError named op. The messages passed to fn are valid only until fn
// returns. A non-nil error from fn ends the request and is returned.
//
// c must be a request socket: on a Conn that joined a multicast group,
// Request returns ErrSubscribed and sends nothing, because reading the
// reply would consume, and lose, the notifications queued before it.
func (c *Conn) Request(op string, req []byte, fn func(*Message) error) error {
	if len(req) < HeaderLen {
		return errMsgShort
	}
	if c.closed.Load() {
		return ErrClosed
	}
	if c.groups.Load() > 0 {
		return wrap(op, ErrSubscribed)
	}
	c.seq++
	if c.seq == 0 {
		c.seq = 1
	}
	seq := c.seq
	binary.NativeEndian.PutUint32(req[8:], seq)
	binary.NativeEndian.PutUint32(req[12:], c.portID)
	var serr error
	err := c.rc.Write(func(fd uintptr) bool {
		serr = unix.Sendto(int(fd), req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
		return serr != unix.EAGAIN
	})
	if err != nil {
		return c.wrapClosed(err)
	}
	if serr != nil {
		return wrap(op, os.NewSyscallError("sendto", serr))
	}
	if c.replies == nil {
		c.replies = make([]byte, MinBufferLen)
	}
	for {
		d, err := c.Receive(c.replies)
		if err != nil {
			return wrap(op, err)
		}
		s := NewMessageScanner(c.replies[:d.N])
		for s.Next() {
			m := s.Message()
			if m.Header.Seq != seq || m.Header.PortID != c.portID {
				// A reply to an earlier, abandoned request, or a
				// notification: those echo the committer's port id and
				// seq, which can equal ours.
				continue
			}
			switch m.Header.Type {
			case unix.NLMSG_NOOP, unix.NLMSG_OVERRUN:
				continue
			case unix.NLMSG_ERROR:
				return replyError(op, m)
			case unix.NLMSG_DONE:
				if len(m.Payload) >= 4 {
					if e := int32(binary.NativeEndian.Uint32(m.Payload)); e < 0 {
						return &OpError{Op: op, Errno: unix.Errno(-e)}
					}
				}
				return nil
			}
			if err := fn(m); err != nil {
				return err
			}
			if m.Header.Flags&unix.NLM_F_MULTI == 0 && binary.NativeEndian.Uint16(req[6:])&unix.NLM_F_ACK == 0 {
				return nil
			}
		}
		if err := s.Err(); err != nil {
			return wrap(op+" reply", err)
		}
	}
}

// replyError turns an NLMSG_ERROR into nil (an ack) or an *OpError with the
// extended-ack message, if the kernel sent one.
func replyError(op string, m *Message) error {
	const nlmsgerrLen = 4 + HeaderLen // int error; struct nlmsghdr msg
	if len(m.Payload) < nlmsgerrLen {
		return wrap(op+" reply", errErrorShort)
	}
	e := int32(binary.NativeEndian.Uint32(m.Payload))
	if e == 0 {
		return nil
	}
	oe := &OpError{Op: op, Errno: unix.Errno(-e)}
	if m.Header.Flags&unix.NLM_F_ACK_TLVS != 0 {
		tlvs := m.Payload[nlmsgerrLen:]
		if m.Header.Flags&unix.NLM_F_CAPPED == 0 {
			// The whole request follows the error; the TLVs follow it.
			if l := int(binary.NativeEndian.Uint32(m.Payload[4:])); l >= HeaderLen && 4+align(l) <= len(m.Payload) {
				tlvs = m.Payload[4+align(l):]
			} else {
				tlvs = nil
			}
		}
		s := NewAttrScanner(tlvs)
		for s.Next() {
			if s.Type() == unix.NLMSGERR_ATTR_MSG {
				oe.Message = string(s.StringBytes())
			}
		}
	}
	return oe
}

// GetGen asks the kernel for the current generation with NFT_MSG_GETGEN. The
// reply's process fields name the process that asked (this one), not the
// last committer: only a NEWGEN notification names the committer (KERNEL.md,
// fact 11). The
// returned Gen's ProcName is valid until the next request on c.
func (c *Conn) GetGen() (Gen, error) {
	var req [HeaderLen + NFGenLen]byte
	var g Gen
	got := false
	err := c.Request("GETGEN", AppendGetGen(req[:0], 0), func(m *Message) error {
		if !m.Header.IsNFTables() || m.Header.MsgType() != MsgNewGen {
			return fmt.Errorf("nftmon: GETGEN answered with message type %#x", m.Header.Type)
		}
		_, attrs, err := m.NFGen()
		if err != nil {
			return wrap("GETGEN reply", err)
		}
		if err := g.Decode(attrs); err != nil {
			return wrap("GETGEN reply", err)
		}
		got = true
		return nil
	})
	if err == nil && !got {
		err = errors.New("nftmon: GETGEN: no reply")
	}
	return g, err
}
