package nftmon

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/nftmon/nftmon/internal/nstest"
	"golang.org/x/sys/unix"
)

func TestOpenNetNS(t *testing.T) {
	ns := nstest.New(t)
	byPath := openIn(t, ns, ConnConfig{NetNS: ns.Path}, true)
	byFD := openIn(t, ns, ConnConfig{NetNSFD: ns.FD, HasNetNSFD: true}, true)
	if byPath.PortID() == 0 || byFD.PortID() == 0 || byPath.PortID() == byFD.PortID() {
		t.Fatalf("port ids %d and %d", byPath.PortID(), byFD.PortID())
	}
	ns.Nft(t, "add", "table", "ip", "x")
	for name, c := range map[string]*Conn{"path": byPath, "fd": byFD} {
		notes := receiveGens(t, c, 1, 3*time.Second)
		if len(notes) != 2 || notes[0].desc != "add table ip x" {
			t.Errorf("socket opened by %s received %+v", name, notes)
		}
	}

	// Any fd names a namespace, 0 included.
	saved, err := unix.Dup(0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Dup2(ns.FD, 0); err != nil {
		t.Fatal(err)
	}
	byZero, zerr := Open(ConnConfig{NetNSFD: 0, HasNetNSFD: true})
	unix.Dup2(saved, 0)
	unix.Close(saved)
	if zerr != nil {
		t.Fatalf("Open with NetNSFD 0: %v", zerr)
	}
	t.Cleanup(func() { byZero.Close() })
	if err := byZero.JoinGroup(unix.NFNLGRP_NFTABLES); err != nil {
		t.Fatal(err)
	}
	ns.Nft(t, "add", "table", "ip", "zero")
	if notes := receiveGens(t, byZero, 1, 3*time.Second); len(notes) != 2 || notes[0].desc != "add table ip zero" {
		t.Errorf("socket opened by fd 0 received %+v", notes)
	}

	_, err = Open(ConnConfig{NetNS: "/nonexistent/netns"})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open of a missing namespace: %v, want ErrNotExist", err)
	}
	_, err = Open(ConnConfig{NetNS: "/proc/self/comm"})
	if !errors.Is(err, unix.EINVAL) {
		t.Errorf("Open of a file that is no namespace: %v, want EINVAL", err)
	}
}

// setNSID gives the namespace peer the nsid id inside the namespace ns, with
// rtnetlink RTM_NEWNSID (what ip netns set does).
func setNSID(t *testing.T, ns, peer *nstest.NS, id int32) {
	t.Helper()
	err := inNetNS(ns.FD, func() error {
		fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		b := make([]byte, HeaderLen, 64)
		binary.NativeEndian.PutUint16(b[4:], unix.RTM_NEWNSID)
		binary.NativeEndian.PutUint16(b[6:], unix.NLM_F_REQUEST|unix.NLM_F_ACK)
		binary.NativeEndian.PutUint32(b[8:], 1)
		b = append(b, unix.AF_UNSPEC, 0, 0, 0) // struct rtgenmsg, padded
		var v [4]byte
		binary.NativeEndian.PutUint32(v[:], uint32(peer.FD))
		b = AppendAttr(b, unix.NETNSA_FD, v[:])
		binary.NativeEndian.PutUint32(v[:], uint32(id))
		b = AppendAttr(b, unix.NETNSA_NSID, v[:])
		binary.NativeEndian.PutUint32(b, uint32(len(b)))
		if err := unix.Sendto(fd, b, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
			return err
		}
		ack := make([]byte, 4096)
		n, _, err := unix.Recvfrom(fd, ack, 0)
		if err != nil {
			return err
		}
		m, _, err := ParseMessage(ack[:n])
		if err != nil || m.Header.Type != unix.NLMSG_ERROR || len(m.Payload) < 4 {
			return fmt.Errorf("RTM_NEWNSID: odd answer %+v, %v", m.Header, err)
		}
		if e := int32(binary.NativeEndian.Uint32(m.Payload)); e != 0 {
			return fmt.Errorf("RTM_NEWNSID: %w", unix.Errno(-e))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestListenAllNSID(t *testing.T) {
	home, other, unknown := nstest.New(t), nstest.New(t), nstest.New(t)
	const nsid = 42
	setNSID(t, home, other, nsid)
	c := openIn(t, home, ConnConfig{ListenAllNSID: true}, true)
	plain := openIn(t, home, ConnConfig{}, true)

	other.Nft(t, "add", "table", "ip", "theirs")
	unknown.Nft(t, "add", "table", "ip", "nobody")
	home.Nft(t, "add", "table", "ip", "ours")

	buf := make([]byte, MinBufferLen)
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	var got []string
	for len(got) < 4 {
		d, err := c.Receive(buf)
		if err != nil {
			t.Fatalf("after %q: %v", got, err)
		}
		s := NewMessageScanner(buf[:d.N])
		for s.Next() {
			desc := describe(t, s.Message(), nil).desc
			if s.Message().Header.MsgType() == MsgNewGen {
				desc = "NEWGEN"
			}
			if d.HasNSID {
				desc += fmt.Sprintf(" nsid %d", d.NSID)
			}
			got = append(got, desc)
		}
	}
	want := "add table ip theirs nsid 42,NEWGEN nsid 42,add table ip ours,NEWGEN"
	if s := strings.Join(got, ","); s != want {
		t.Fatalf("received\n\t%s\nwant\n\t%s", s, want)
	}
	// Without ListenAllNSID only the own namespace is heard.
	if notes := receiveGens(t, plain, 1, 3*time.Second); notes[0].desc != "add table ip ours" {
		t.Fatalf("plain socket received %+v", notes)
	}
}
