package nftmon

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nftmon/nftmon/internal/nstest"
	"golang.org/x/sys/unix"
)

func TestGetGen(t *testing.T) {
	ns := nstest.New(t)
	c := openIn(t, ns, ConnConfig{}, true)
	req := openIn(t, ns, ConnConfig{ReadBuffer: -1}, false)
	comm, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		ns.Nft(t, "add", "table", "ip", fmt.Sprintf("t%d", i))
		notes := receiveGens(t, c, 1, 3*time.Second)
		newgen := notes[len(notes)-1].gen
		g, err := req.GetGen()
		if err != nil {
			t.Fatal(err)
		}
		if g.ID != newgen.ID {
			t.Errorf("GetGen %d, the NEWGEN notification said %d", g.ID, newgen.ID)
		}
		// GETGEN names the process that asks, not the committer. The
		// kernel sends task_pid_nr(current): the id of the asking thread,
		// which in a Go program is rarely the process id.
		if _, err := os.Stat(fmt.Sprintf("/proc/self/task/%d", g.ProcPID)); err != nil || string(g.ProcName) != strings.TrimSpace(string(comm)) {
			t.Errorf("GetGen names %d %q, want a thread of this process %d %q", g.ProcPID, g.ProcName, os.Getpid(), strings.TrimSpace(string(comm)))
		}
		if string(newgen.ProcName) != "nft" || newgen.ProcPID == uint32(os.Getpid()) {
			t.Errorf("NEWGEN names %d %q, want nft", newgen.ProcPID, newgen.ProcName)
		}
	}
}

func TestRequestErrors(t *testing.T) {
	ns := nstest.New(t)
	c := openIn(t, ns, ConnConfig{ReadBuffer: -1}, false)
	ns.Script(t, "add table ip a\nadd table ip6 b\nadd table inet c\n")
	getTable := func(f Family, name string) []byte {
		return FinishRequest(AppendStringAttr(AppendRequest(nil, MsgGetTable, unix.NLM_F_REQUEST, 0, f), unix.NFTA_TABLE_NAME, name), 0)
	}
	err := c.Request("GETTABLE", getTable(FamilyIPv4, "nope"), func(*Message) error { return nil })
	var oe *OpError
	if !errors.As(err, &oe) || oe.Op != "GETTABLE" || oe.Errno != unix.ENOENT || !errors.Is(err, unix.ENOENT) {
		t.Fatalf("GETTABLE of a missing table: %v, want *OpError ENOENT", err)
	}
	if !strings.Contains(err.Error(), "GETTABLE") {
		t.Errorf("error %q does not name the request", err)
	}

	// A single answer.
	var got []string
	err = c.Request("GETTABLE", getTable(FamilyIPv6, "b"), func(m *Message) error {
		got = append(got, describe(t, m, nil).desc)
		return nil
	})
	if err != nil || len(got) != 1 || got[0] != "add table ip6 b" {
		t.Fatalf("GETTABLE ip6 b: %q, %v", got, err)
	}
	// A dump of all families.
	got = got[:0]
	dump := AppendRequest(nil, MsgGetTable, unix.NLM_F_REQUEST|unix.NLM_F_DUMP, 0, FamilyUnspec)
	err = c.Request("GETTABLE", dump, func(m *Message) error {
		if m.Header.Flags&unix.NLM_F_MULTI == 0 {
			t.Errorf("dump message without NLM_F_MULTI")
		}
		got = append(got, describe(t, m, nil).desc)
		return nil
	})
	if err != nil || strings.Join(got, ",") != "add table ip a,add table ip6 b,add table inet c" {
		t.Fatalf("GETTABLE dump: %q, %v", got, err)
	}
	// An error from the callback ends the request and is returned as is.
	errStop := errors.New("stop")
	if err := c.Request("GETTABLE", dump, func(*Message) error { return errStop }); err != errStop {
		t.Fatalf("Request with a failing callback: %v", err)
	}
	// The next request is not confused by the rest of the abandoned dump.
	if g, err := c.GetGen(); err != nil || g.ID == 0 {
		t.Fatalf("GetGen after an abandoned dump: %+v, %v", g, err)
	}
	// A dump the kernel refuses.
	elems := FinishRequest(AppendStringAttr(AppendStringAttr(AppendRequest(nil, MsgGetSetElem, unix.NLM_F_REQUEST|unix.NLM_F_DUMP, 0, FamilyIPv4),
		unix.NFTA_SET_ELEM_LIST_TABLE, "a"), unix.NFTA_SET_ELEM_LIST_SET, "nope"), 0)
	if err := c.Request("GETSETELEM", elems, func(*Message) error { return nil }); !errors.Is(err, unix.ENOENT) || !errors.As(err, &oe) {
		t.Errorf("GETSETELEM dump of a missing set: %v, want *OpError ENOENT", err)
	}
	if err := c.Request("X", []byte{1, 2, 3}, nil); !errors.Is(err, ErrMalformed) {
		t.Errorf("Request of 3 bytes: %v", err)
	}
}

// TestRequestOnJoinedConn checks that a request on a socket that receives
// notifications is refused (it would read past, and lose, the queued
// notifications), and allowed again once the socket has left the group.
func TestRequestOnJoinedConn(t *testing.T) {
	ns := nstest.New(t)
	c := openIn(t, ns, ConnConfig{}, true)
	ns.Script(t, "add table ip a\nadd table ip b\nadd table ip c\n")
	if _, err := c.GetGen(); !errors.Is(err, ErrSubscribed) {
		t.Fatalf("GetGen on a joined socket: %v, want ErrSubscribed", err)
	}
	if _, err := c.Snapshot(context.Background(), Scope{}, func(*Event) error { return nil }); !errors.Is(err, ErrSubscribed) {
		t.Fatalf("Snapshot on a joined socket: %v, want ErrSubscribed", err)
	}
	// The notifications are all still there.
	if notes := receiveGens(t, c, 1, 3*time.Second); len(notes) != 4 {
		t.Fatalf("after the refused requests: %+v, want the three tables and their commit", notes)
	}
	if err := c.LeaveGroup(unix.NFNLGRP_NFTABLES); err != nil {
		t.Fatal(err)
	}
	ref := openIn(t, ns, ConnConfig{ReadBuffer: -1}, false)
	want, err := ref.GetGen()
	if err != nil {
		t.Fatal(err)
	}
	if g, err := c.GetGen(); err != nil || g.ID != want.ID {
		t.Fatalf("GetGen after LeaveGroup = %d, %v; want %d", g.ID, err, want.ID)
	}
}

// nlmsgerr builds an NLMSG_ERROR answer with error -errno to the request
// req (of which the kernel echoes only the header when capped), followed by
// the extended-ack attributes tlvs.
func nlmsgerr(errno int32, req []byte, capped bool, tlvs []byte) []byte {
	var flags uint16
	if capped {
		flags |= unix.NLM_F_CAPPED
		req = req[:HeaderLen]
	}
	if tlvs != nil {
		flags |= unix.NLM_F_ACK_TLVS
	}
	var e [4]byte
	binary.NativeEndian.PutUint32(e[:], uint32(-errno))
	payload := cat(e[:], req)
	for len(payload)%4 != 0 {
		payload = append(payload, 0)
	}
	payload = append(payload, tlvs...)
	return nlmsg(uint32(HeaderLen+len(payload)), unix.NLMSG_ERROR, flags, 1, 1, payload...)
}

func TestReplyError(t *testing.T) {
	req := FinishRequest(AppendStringAttr(AppendRequest(nil, MsgGetTable, unix.NLM_F_REQUEST, 1, FamilyIPv4), unix.NFTA_TABLE_NAME, "x"), 0)
	msg := cat(attr(unix.NLMSGERR_ATTR_OFFS, 0, 0, 0, 0), attr(unix.NLMSGERR_ATTR_MSG, []byte("no such table\x00")...))
	for _, tc := range []struct {
		name string
		in   []byte
		want error // nil, or *OpError, or a ParseError reason
	}{
		{"ack", nlmsgerr(0, req, true, nil), nil},
		{"capped", nlmsgerr(int32(unix.ENOENT), req, true, nil), &OpError{Op: "GETTABLE", Errno: unix.ENOENT}},
		{"capped with message", nlmsgerr(int32(unix.ENOENT), req, true, msg), &OpError{Op: "GETTABLE", Errno: unix.ENOENT, Message: "no such table"}},
		{"whole request with message", nlmsgerr(int32(unix.EINVAL), req, false, msg), &OpError{Op: "GETTABLE", Errno: unix.EINVAL, Message: "no such table"}},
		{"whole request without message", nlmsgerr(int32(unix.EPERM), req, false, nil), &OpError{Op: "GETTABLE", Errno: unix.EPERM}},
		{"short", nlmsg(HeaderLen+4, unix.NLMSG_ERROR, 0, 1, 1, 0xfe, 0xff, 0xff, 0xff), errErrorShort},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _, err := ParseMessage(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			err = replyError("GETTABLE", &m)
			switch want := tc.want.(type) {
			case nil:
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
			case *OpError:
				var oe *OpError
				if !errors.As(err, &oe) || *oe != *want || !errors.Is(err, want.Errno) {
					t.Fatalf("got %#v, want %#v", err, want)
				}
				if want.Message != "" && !strings.HasSuffix(err.Error(), ": "+want.Message) {
					t.Fatalf("error text %q lacks the kernel's message", err)
				}
			default:
				if !errors.Is(err, want) || !errors.Is(err, ErrMalformed) {
					t.Fatalf("got %v, want %v", err, want)
				}
			}
		})
	}
}
