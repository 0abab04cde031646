package nftmon

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// checkPrefixOnce fails unless err's message starts with the package prefix
// and carries it only once.
func checkPrefixOnce(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	if msg := err.Error(); !strings.HasPrefix(msg, prefix) || strings.Count(msg, "nftmon:") != 1 {
		t.Errorf("error %q: want the %q prefix once, at the start", msg, prefix)
	}
}

// TestErrorPrefixOnce checks the message and the matching of errors that
// wrap errors of the package at several layers.
func TestErrorPrefixOnce(t *testing.T) {
	op := &OpError{Op: "GETSET", Errno: unix.ENOENT, Message: "no such set"}
	for _, tc := range []struct {
		name   string
		err    error
		is     error
		wantIn string
	}{
		{"snapshot of a refused dump", wrap("snapshot", op), unix.ENOENT, "nftmon: snapshot: GETSET: no such file or directory: no such set"},
		{"malformed reply", wrap("snapshot", wrap("GETSET reply", errMsgLenOverrun)), ErrMalformed, "nftmon: snapshot: GETSET reply: malformed netlink data: nlmsg_len runs past"},
		{"inconsistent snapshot", wrap("snapshot", fmt.Errorf("%w (%d attempts)", ErrInconsistent, 16)), ErrInconsistent, "nftmon: snapshot: the ruleset kept changing"},
		{"closed during a request", wrap("GETGEN", ErrClosed), ErrClosed, "nftmon: GETGEN: use of closed connection"},
		{"subscribed", wrap("GETGEN", ErrSubscribed), ErrSubscribed, "nftmon: GETGEN: request on a subscribed Conn"},
		{"system call", syscallErr("bind", unix.EADDRINUSE), unix.EADDRINUSE, "nftmon: bind: address already in use"},
		{"receive of a truncated datagram", wrap("receive", &TruncatedError{Size: 9, BufLen: 4}), ErrTruncated, "nftmon: receive: datagram of 9 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkPrefixOnce(t, tc.err)
			if !errors.Is(tc.err, tc.is) {
				t.Errorf("%v does not match %v", tc.err, tc.is)
			}
			if !strings.HasPrefix(tc.err.Error(), tc.wantIn) {
				t.Errorf("message %q, want it to start %q", tc.err, tc.wantIn)
			}
		})
	}
	var oe *OpError
	if err := wrap("snapshot", op); !errors.As(err, &oe) || oe != op {
		t.Errorf("errors.As does not find the *OpError in %v", err)
	}
	if wrap("x", nil) != nil || syscallErr("x", nil) != nil {
		t.Error("wrapping nil gave an error")
	}
}

// TestErrorPrefixOnceOpen checks real errors of Open and of a closed Conn,
// which need no privilege.
func TestErrorPrefixOnceOpen(t *testing.T) {
	_, err := Open(ConnConfig{NetNS: "/nonexistent/netns"})
	checkPrefixOnce(t, err)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open of a missing namespace: %v", err)
	}
	c, err := Open(ConnConfig{ReadBuffer: -1})
	if err != nil {
		t.Skipf("no netlink socket here: %v", err)
	}
	c.Close()
	for name, err := range map[string]error{
		"JoinGroup": c.JoinGroup(unix.NFNLGRP_NFTABLES),
		"GetGen":    func() error { _, err := c.GetGen(); return err }(),
		"SetReadBuffer": func() error {
			_, err := c.SetReadBuffer(1 << 20)
			return err
		}(),
	} {
		checkPrefixOnce(t, err)
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s on a closed Conn: %v, want ErrClosed", name, err)
		}
	}
}

// TestNewReplayerChecks: a nil callback and a table scope without a family
// are refused when the replayer is made, not later.
func TestNewReplayerChecks(t *testing.T) {
	if _, err := NewReplayer(ReplayConfig{}, nil); err == nil {
		t.Error("NewReplayer accepted a nil callback")
	}
	_, err := NewReplayer(ReplayConfig{Scope: Scope{Table: "filter"}}, func(*Event) error { return nil })
	if !errors.Is(err, errScopeTable) {
		t.Errorf("NewReplayer with Scope{Table} and no family: %v", err)
	}
	checkPrefixOnce(t, err)
	_, err = NewMonitor(Config{Scope: Scope{Table: "filter"}}, func(*Event) error { return nil })
	if !errors.Is(err, errScopeTable) {
		t.Errorf("NewMonitor with Scope{Table} and no family: %v, want the scope refused before any socket", err)
	}
}
