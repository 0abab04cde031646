package nstest

import (
	"encoding/binary"
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"
)

// SetNSID gives peer the nsid id inside ns (RTM_NEWNSID, what `ip netns set
// NAME ID` does for a named namespace), so that a socket in ns listening to
// all namespaces (NETLINK_LISTEN_ALL_NSID) receives peer's notifications,
// tagged with id. Neither namespace needs a name or a link to the other.
func (ns *NS) SetNSID(peer *NS, id int32) error {
	done := make(chan error, 1)
	go func() {
		// The thread enters ns and is never unlocked: it leaves the
		// process with this goroutine, as in Make.
		runtime.LockOSThread()
		if err := unix.Setns(ns.FD, unix.CLONE_NEWNET); err != nil {
			done <- fmt.Errorf("setns: %w", err)
			return
		}
		done <- newNSID(peer.FD, id)
	}()
	if err := <-done; err != nil {
		return fmt.Errorf("nstest: nsid %d for %s in %s: %w", id, peer.Path, ns.Path, err)
	}
	return nil
}

// newNSID sends RTM_NEWNSID on a route socket of the calling thread's
// namespace and reads the acknowledgement.
func newNSID(peerFD int, id int32) error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(fd)
	const hdr = unix.SizeofNlMsghdr + 4 // nlmsghdr, rtgenmsg padded to 4
	msg := make([]byte, hdr+2*(unix.SizeofRtAttr+4))
	ne := binary.NativeEndian
	ne.PutUint32(msg[0:], uint32(len(msg)))
	ne.PutUint16(msg[4:], unix.RTM_NEWNSID)
	ne.PutUint16(msg[6:], unix.NLM_F_REQUEST|unix.NLM_F_ACK)
	ne.PutUint32(msg[8:], 1)
	msg[unix.SizeofNlMsghdr] = unix.AF_UNSPEC
	for i, a := range []struct {
		typ uint16
		val uint32
	}{{unix.NETNSA_NSID, uint32(id)}, {unix.NETNSA_FD, uint32(peerFD)}} {
		off := hdr + i*(unix.SizeofRtAttr+4)
		ne.PutUint16(msg[off:], unix.SizeofRtAttr+4)
		ne.PutUint16(msg[off+2:], a.typ)
		ne.PutUint32(msg[off+4:], a.val)
	}
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("sendto: %w", err)
	}
	buf := make([]byte, 4096)
	n, _, err := unix.Recvfrom(fd, buf, 0)
	if err != nil {
		return fmt.Errorf("recvfrom: %w", err)
	}
	if n < unix.SizeofNlMsghdr+4 || ne.Uint16(buf[4:]) != unix.NLMSG_ERROR {
		return fmt.Errorf("unexpected answer of %d bytes", n)
	}
	if errno := int32(ne.Uint32(buf[unix.SizeofNlMsghdr:])); errno != 0 {
		return unix.Errno(-errno)
	}
	return nil
}
