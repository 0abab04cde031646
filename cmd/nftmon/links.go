package main

import (
	"encoding/binary"
	"errors"
	"path/filepath"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/nftext"
	"golang.org/x/sys/unix"
)

// linkNames names interface indexes as nft monitor does (nftables
// src/iface.c): with the interfaces of the namespace, listed by one
// RTM_GETLINK dump the first time an index of it is printed and kept for
// the run, so that an interface made (or renamed) later prints as nft's
// prints it, its index (or its old name). The watched namespace's are
// listed inside it (-netns: as nft monitor run there lists them); another
// nsid's (-all-netns, which nft monitor does not watch) inside the
// namespace /run/netns names for that nsid, as nft monitor run there
// would; an nsid without a name there, or a listing that fails, prints
// indexes. It is a nftext.LinkNames; looking a listed index up allocates
// nothing.
type linkNames struct {
	watched string      // the watched namespace's path; "" for nftmon's own
	names   *netnsNames // the names of other nsids; nil without -all-netns
	byNS    map[int32]map[uint32]string
}

func newLinkNames(watched string, names *netnsNames) *linkNames {
	return &linkNames{watched: watched, names: names, byNS: map[int32]map[uint32]string{}}
}

// AppendLinkName is nftext.LinkNames's.
func (l *linkNames) AppendLinkName(dst []byte, nsid int32, index uint32) ([]byte, bool) {
	m, ok := l.byNS[nsid]
	if !ok {
		m = l.list(nsid)
		l.byNS[nsid] = m // nil when it could not list: indexes
	}
	name, ok := m[index]
	if !ok {
		return dst, false
	}
	return append(dst, name...), true
}

// list lists the interfaces of the namespace of nsid, or returns nil.
func (l *linkNames) list(nsid int32) map[uint32]string {
	path := l.watched
	if nsid != nftext.OwnNS {
		if l.names == nil {
			return nil
		}
		name := l.names.name(nsid)
		if name == "" {
			return nil
		}
		path = filepath.Join(netnsDir, name)
	}
	fd, err := routeSocketIn(path)
	if err != nil {
		return nil
	}
	defer unix.Close(fd)
	m, err := dumpLinks(fd)
	if err != nil {
		return nil
	}
	return m
}

var errLinkDump = errors.New("RTM_GETLINK failed")

// The RTM_GETLINK request: a netlink header and a struct ifinfomsg.
const getLinkLen = unix.NLMSG_HDRLEN + unix.SizeofIfInfomsg

// dumpLinks asks for every interface of the route socket's namespace
// (RTM_GETLINK, NLM_F_DUMP) and returns their names by index.
func dumpLinks(fd int) (map[uint32]string, error) {
	var req [getLinkLen]byte
	binary.NativeEndian.PutUint32(req[0:], getLinkLen)
	binary.NativeEndian.PutUint16(req[4:], unix.RTM_GETLINK)
	binary.NativeEndian.PutUint16(req[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	binary.NativeEndian.PutUint32(req[8:], 1) // the sequence number
	req[unix.NLMSG_HDRLEN] = unix.AF_UNSPEC
	if err := unix.Sendto(fd, req[:], 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, err
	}
	m := map[uint32]string{}
	buf := make([]byte, 32<<10)
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			return nil, err
		}
		s := nftmon.NewMessageScanner(buf[:n])
		for s.Next() {
			msg := s.Message()
			switch msg.Header.Type {
			case unix.NLMSG_DONE:
				return m, nil
			case unix.NLMSG_ERROR:
				return nil, errLinkDump
			case unix.RTM_NEWLINK:
				addLink(m, msg.Payload)
			}
		}
		if err := s.Err(); err != nil {
			return nil, err
		}
	}
}

// addLink records the index and IFLA_IFNAME of an RTM_NEWLINK payload.
func addLink(m map[uint32]string, p []byte) {
	if len(p) < unix.SizeofIfInfomsg {
		return
	}
	index := binary.NativeEndian.Uint32(p[4:8]) // ifi_index
	for rest := p[unix.SizeofIfInfomsg:]; len(rest) > 0; {
		at, next, err := nftmon.ParseAttr(rest)
		if err != nil {
			return
		}
		if at.Type == unix.IFLA_IFNAME {
			name := at.Data
			for len(name) > 0 && name[len(name)-1] == 0 {
				name = name[:len(name)-1]
			}
			m[index] = string(name)
			return
		}
		rest = next
	}
}
