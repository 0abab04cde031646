package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
	"github.com/nftmon/nftmon/internal/pcapnl"
	"golang.org/x/sys/unix"
)

// dumpSocket is a plain blocking netfilter netlink socket, opened here
// rather than with nftmon.Conn because Conn.Request hands out messages one
// by one, while the dump file keeps every reply datagram whole.
type dumpSocket struct {
	fd  int
	seq uint32
	buf []byte
}

// openDumpSocket opens the socket inside the namespace, on a thread that is
// thrown away afterwards, so the process never leaves its own namespace.
func openDumpSocket(ns *nstest.NS) (*dumpSocket, error) {
	type result struct {
		fd  int
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		if err := unix.Setns(ns.FD, unix.CLONE_NEWNET); err != nil {
			done <- result{-1, fmt.Errorf("setns: %w", err)}
			return
		}
		fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_NETFILTER)
		if err != nil {
			done <- result{-1, fmt.Errorf("socket: %w", err)}
			return
		}
		done <- result{fd, nil}
	}()
	r := <-done
	if r.err != nil {
		return nil, r.err
	}
	if err := unix.Bind(r.fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(r.fd)
		return nil, fmt.Errorf("bind: %w", err)
	}
	tv := unix.Timeval{Sec: 5}
	if err := unix.SetsockoptTimeval(r.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(r.fd)
		return nil, err
	}
	return &dumpSocket{fd: r.fd, buf: make([]byte, nftmon.MinBufferLen)}, nil
}

func (s *dumpSocket) Close() error { return unix.Close(s.fd) }

// dump sends req with a fresh sequence number and returns every reply
// datagram, whole, up to and including the one with NLMSG_DONE. An
// NLMSG_ERROR reply is returned as a unix.Errno.
func (s *dumpSocket) dump(req []byte) ([][]byte, error) {
	s.seq++
	binary.NativeEndian.PutUint32(req[8:], s.seq)
	if err := unix.Sendto(s.fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, fmt.Errorf("sendto: %w", err)
	}
	var out [][]byte
	for {
		n, from, err := unix.Recvfrom(s.fd, s.buf, 0)
		if err != nil {
			return nil, fmt.Errorf("recvfrom: %w", err)
		}
		if nl, ok := from.(*unix.SockaddrNetlink); !ok || nl.Pid != 0 {
			continue
		}
		if n > len(s.buf) {
			return nil, fmt.Errorf("reply datagram of %d bytes truncated", n)
		}
		d := append([]byte(nil), s.buf[:n]...)
		done := false
		ms := nftmon.NewMessageScanner(d)
		for ms.Next() {
			m := ms.Message()
			if m.Header.Seq != s.seq {
				return nil, fmt.Errorf("reply with seq %d, want %d", m.Header.Seq, s.seq)
			}
			switch m.Header.Type {
			case unix.NLMSG_ERROR:
				if len(m.Payload) < 4 {
					return nil, errors.New("short NLMSG_ERROR")
				}
				if e := int32(binary.NativeEndian.Uint32(m.Payload)); e < 0 {
					return nil, unix.Errno(-e)
				}
				done = true
			case unix.NLMSG_DONE:
				done = true
			}
		}
		if err := ms.Err(); err != nil {
			return nil, err
		}
		out = append(out, d)
		if done {
			return out, nil
		}
	}
}

// setRef names a set for its per-set element dump.
type setRef struct {
	family nftmon.Family
	table  string
	name   string
}

// dumpState dumps the namespace's ruleset (tables, chains, sets, the
// elements of each set, rules, objects, flowtables) and writes every reply
// datagram to path. It returns a summary.
func dumpState(ns *nstest.NS, path string) (string, error) {
	s, err := openDumpSocket(ns)
	if err != nil {
		return "", err
	}
	defer s.Close()
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	w, err := pcapnl.NewWriter(f)
	if err != nil {
		return "", err
	}
	const dumpFlags = unix.NLM_F_REQUEST | unix.NLM_F_DUMP
	var summary []string
	write := func(op string, ds [][]byte) error {
		msgs := 0
		for _, d := range ds {
			if err := w.Write(time.Now(), d, 0, false); err != nil {
				return err
			}
			ms := nftmon.NewMessageScanner(d)
			for ms.Next() {
				if ms.Message().Header.Type != unix.NLMSG_DONE {
					msgs++
				}
			}
		}
		summary = append(summary, fmt.Sprintf("%s %d", op, msgs))
		return nil
	}
	run := func(op string, t nftmon.MsgType) ([][]byte, error) {
		ds, err := s.dump(nftmon.AppendRequest(nil, t, dumpFlags, 0, nftmon.FamilyUnspec))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		return ds, write(op, ds)
	}

	if _, err := run("tables", nftmon.MsgGetTable); err != nil {
		return "", err
	}
	if _, err := run("chains", nftmon.MsgGetChain); err != nil {
		return "", err
	}
	setReplies, err := run("sets", nftmon.MsgGetSet)
	if err != nil {
		return "", err
	}
	sets, err := listSets(setReplies)
	if err != nil {
		return "", err
	}
	elems := 0
	for _, set := range sets {
		req := nftmon.AppendRequest(nil, nftmon.MsgGetSetElem, dumpFlags, 0, set.family)
		req = nftmon.AppendStringAttr(req, unix.NFTA_SET_ELEM_LIST_TABLE, set.table)
		req = nftmon.AppendStringAttr(req, unix.NFTA_SET_ELEM_LIST_SET, set.name)
		req = nftmon.FinishRequest(req, 0)
		ds, err := s.dump(req)
		if err != nil {
			return "", fmt.Errorf("elements of %s %s %s: %w", set.family, set.table, set.name, err)
		}
		for _, d := range ds {
			if err := w.Write(time.Now(), d, 0, false); err != nil {
				return "", err
			}
		}
		elems++
	}
	summary = append(summary, fmt.Sprintf("element dumps %d", elems))
	if _, err := run("rules", nftmon.MsgGetRule); err != nil {
		return "", err
	}
	if _, err := run("objects", nftmon.MsgGetObj); err != nil {
		return "", err
	}
	// This kernel has no flowtable support: the dump may be refused.
	if _, err := run("flowtables", nftmon.MsgGetFlowtable); err != nil {
		if !errors.Is(err, unix.EOPNOTSUPP) && !errors.Is(err, unix.ENOENT) {
			return "", err
		}
		summary = append(summary, "flowtables: "+err.Error())
	}
	return "dumped " + strings.Join(summary, ", "), f.Close()
}

// listSets reads the set names out of the replies to a GETSET dump.
func listSets(ds [][]byte) ([]setRef, error) {
	var sets []setRef
	for _, d := range ds {
		ms := nftmon.NewMessageScanner(d)
		for ms.Next() {
			m := ms.Message()
			if !m.Header.IsNFTables() || m.Header.MsgType() != nftmon.MsgNewSet {
				continue
			}
			nf, attrs, err := m.NFGen()
			if err != nil {
				return nil, err
			}
			ref := setRef{family: nf.Family}
			as := nftmon.NewAttrScanner(attrs)
			for as.Next() {
				switch as.Type() {
				case unix.NFTA_SET_TABLE:
					ref.table = string(as.StringBytes())
				case unix.NFTA_SET_NAME:
					ref.name = string(as.StringBytes())
				}
			}
			if err := as.Err(); err != nil {
				return nil, err
			}
			sets = append(sets, ref)
		}
		if err := ms.Err(); err != nil {
			return nil, err
		}
	}
	return sets, nil
}
