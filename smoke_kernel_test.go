package nftmon

import (
	"testing"
	"time"

	"github.com/nftmon/nftmon/internal/nstest"
	"golang.org/x/sys/unix"
)

func TestSmoke(t *testing.T) {
	ns := nstest.New(t)
	c, err := Open(ConnConfig{NetNS: ns.Path})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.JoinGroup(unix.NFNLGRP_NFTABLES); err != nil {
		t.Fatal(err)
	}
	t.Log("rcvbuf", c.ReadBuffer(), "port", c.PortID())
	ns.Script(t, "add table inet t\nadd chain inet t c { type filter hook input priority 0; }\nadd rule inet t c tcp dport {22,80} accept\n")
	buf := make([]byte, MinBufferLen)
	c.SetReadDeadline(time.Now().Add(time.Second))
	for {
		d, err := c.Receive(buf)
		if err != nil {
			t.Log(err)
			break
		}
		s := NewMessageScanner(buf[:d.N])
		for s.Next() {
			m := s.Message()
			nf, attrs, _ := m.NFGen()
			t.Logf("%d %s fam=%s res=%d flags=%#x seq=%d pid=%d attrs=%d", d.N, m.Header.MsgType(), nf.Family, nf.ResID, m.Header.Flags, m.Header.Seq, m.Header.PortID, len(attrs))
			if m.Header.MsgType() == MsgNewGen {
				var g Gen
				t.Log(g.Decode(attrs), g.ID, g.ProcPID, string(g.ProcName))
			}
		}
	}
	r, _ := Open(ConnConfig{NetNS: ns.Path, ReadBuffer: -1})
	g, err := r.GetGen()
	t.Log(g.ID, string(g.ProcName), err)
	err = r.Request("GETTABLE", AppendRequest(nil, MsgGetTable, unix.NLM_F_REQUEST|unix.NLM_F_DUMP, 0, FamilyUnspec), func(m *Message) error {
		t.Logf("dump %s flags %#x", m.Header.MsgType(), m.Header.Flags)
		return nil
	})
	t.Log(err)
	err = r.Request("GETTABLE", FinishRequest(AppendStringAttr(AppendRequest(nil, MsgGetTable, unix.NLM_F_REQUEST, 0, FamilyIPv4), 1, "nope"), 0), func(m *Message) error { return nil })
	t.Log(err)
}
