package main

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"

	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// netnsDir is where ip netns keeps the namespaces it names.
const netnsDir = "/run/netns"

// netnsNames names the nsids of the watched namespace, as ip netns list-id
// does: for each namespace file under /run/netns it asks the kernel
// (RTM_GETNSID with NETNSA_FD, on a route socket in the watched namespace)
// which nsid the watched namespace gives it. An nsid is looked up when it is
// first seen; the directory is read again for an nsid not found, once per
// nsid.
type netnsNames struct {
	watched string // the watched namespace's path; "" for the current one
	fd      int    // the route socket, or -1 before it is open (or if it cannot be)
	byID    map[int32]string
	buf     []byte
}

func newNetNSNames(watched string) *netnsNames {
	return &netnsNames{watched: watched, fd: -1, byID: map[int32]string{}}
}

// name returns the name of the namespace with nsid id, or "" when it has
// none under /run/netns.
func (n *netnsNames) name(id int32) string {
	if s, ok := n.byID[id]; ok {
		return s
	}
	n.byID[id] = "" // looked up once
	n.scan()
	return n.byID[id]
}

// scan reads /run/netns and records the nsid of every namespace there.
// Errors leave names unknown: naming is a courtesy, not a reason to stop.
func (n *netnsNames) scan() {
	ents, err := os.ReadDir(netnsDir)
	if err != nil {
		return
	}
	if n.fd < 0 {
		if n.fd, err = routeSocketIn(n.watched); err != nil {
			n.fd = -1
			return
		}
	}
	for _, e := range ents {
		f, err := os.Open(filepath.Join(netnsDir, e.Name()))
		if err != nil {
			continue
		}
		id, err := n.nsidOf(int(f.Fd()))
		f.Close()
		if err == nil && id >= 0 {
			n.byID[id] = e.Name()
		}
	}
}

// close closes the route socket.
func (n *netnsNames) close() {
	if n != nil && n.fd >= 0 {
		unix.Close(n.fd)
		n.fd = -1
	}
}

// routeSocketIn opens a NETLINK_ROUTE socket in the network namespace at
// path, or in the current one when path is "". A socket stays in the
// namespace it was made in: it is made on a thread of its own that enters
// the namespace and is then thrown away (its goroutine ends locked).
func routeSocketIn(path string) (int, error) {
	open := func() (int, error) {
		return unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	}
	if path == "" {
		return open()
	}
	type result struct {
		fd  int
		err error
	}
	done := make(chan result)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		ns, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			done <- result{-1, err}
			return
		}
		defer unix.Close(ns)
		if err := unix.Setns(ns, unix.CLONE_NEWNET); err != nil {
			done <- result{-1, err}
			return
		}
		fd, err := open()
		done <- result{fd, err}
	}()
	r := <-done
	return r.fd, r.err
}

// The RTM_GETNSID request: a netlink header, a struct rtgenmsg padded to
// four bytes, and a NETNSA_FD attribute.
const (
	rtgenLen       = 4 // NLMSG_ALIGN(sizeof(struct rtgenmsg))
	getNSIDAttrLen = unix.SizeofNlAttr + 4
	getNSIDLen     = unix.NLMSG_HDRLEN + rtgenLen + getNSIDAttrLen
)

var errNoNSID = errors.New("no NETNSA_NSID in the answer")

// nsidOf asks which nsid the watched namespace gives the namespace open
// as fd; NETNSA_NSID_NOT_ASSIGNED means none.
func (n *netnsNames) nsidOf(fd int) (int32, error) {
	var req [getNSIDLen]byte
	binary.NativeEndian.PutUint32(req[0:], getNSIDLen)
	binary.NativeEndian.PutUint16(req[4:], unix.RTM_GETNSID)
	binary.NativeEndian.PutUint16(req[6:], unix.NLM_F_REQUEST)
	req[unix.NLMSG_HDRLEN] = unix.AF_UNSPEC
	a := req[unix.NLMSG_HDRLEN+rtgenLen:]
	binary.NativeEndian.PutUint16(a[0:], getNSIDAttrLen)
	binary.NativeEndian.PutUint16(a[2:], unix.NETNSA_FD)
	binary.NativeEndian.PutUint32(a[4:], uint32(fd))
	if err := unix.Sendto(n.fd, req[:], 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return 0, err
	}
	if n.buf == nil {
		n.buf = make([]byte, 4096)
	}
	k, _, err := unix.Recvfrom(n.fd, n.buf, 0)
	if err != nil {
		return 0, err
	}
	m, _, err := nftmon.ParseMessage(n.buf[:k])
	if err != nil {
		return 0, err
	}
	if m.Header.Type != unix.RTM_NEWNSID || len(m.Payload) < rtgenLen {
		return 0, errNoNSID
	}
	for rest := m.Payload[rtgenLen:]; len(rest) > 0; {
		at, next, err := nftmon.ParseAttr(rest)
		if err != nil {
			return 0, err
		}
		if at.Type == unix.NETNSA_NSID && len(at.Data) == 4 {
			return int32(binary.NativeEndian.Uint32(at.Data)), nil
		}
		rest = next
	}
	return 0, errNoNSID
}
