package msgs

import (
	"slices"
	"testing"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
	"golang.org/x/sys/unix"
)

// TestKernelSetAttrs covers, on live notifications from a private network
// namespace, the set attributes the committed captures lack: a set policy,
// a garbage-collection interval, and a set with two expressions, whose
// elements then carry an expression list (NFTA_SET_EXPRESSIONS,
// NFTA_SET_ELEM_EXPRESSIONS) instead of a single NFTA_*_EXPR.
func TestKernelSetAttrs(t *testing.T) {
	ns := nstest.New(t)
	c, err := nftmon.Open(nftmon.ConnConfig{NetNS: ns.Path})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.JoinGroup(unix.NFNLGRP_NFTABLES); err != nil {
		t.Fatal(err)
	}
	ns.Script(t, `add table ip k
add set ip k pm { type ipv4_addr; policy memory; timeout 1m; gc-interval 10s; }
add set ip k two { type ipv4_addr; counter; quota 1000 bytes; }
add element ip k two { 1.2.3.4, 5.6.7.8 }
`)
	var msgs []capMsg
	buf := make([]byte, nftmon.MinBufferLen)
	for done := false; !done; {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		d, err := c.Receive(buf)
		if err != nil {
			t.Fatalf("receive: %v (after %d messages)", err, len(msgs))
		}
		s := nftmon.NewMessageScanner(slices.Clone(buf[:d.N]))
		for s.Next() {
			m := s.Message()
			nf, attrs, err := m.NFGen()
			if err != nil {
				t.Fatal(err)
			}
			msgs = append(msgs, capMsg{Header: m.Header, NF: nf, Attrs: attrs})
			done = done || m.Header.MsgType() == nftmon.MsgNewGen
		}
		if err := s.Err(); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range msgs {
		t.Log(formatMsg(m))
	}

	var pm, two *Set
	var elems []Elem
	for _, m := range msgs {
		switch m.Header.MsgType() {
		case nftmon.MsgNewSet:
			s := new(Set)
			must(t, s.Decode(m.Attrs))
			switch string(s.Name) {
			case "pm":
				pm = s
			case "two":
				two = s
			}
		case nftmon.MsgNewSetElem:
			var v SetElems
			must(t, v.Decode(m.Attrs))
			s := v.Elems()
			for s.Next() {
				elems = append(elems, *s.Elem())
			}
			must(t, s.Err())
		}
	}
	if pm == nil || two == nil || len(elems) != 2 {
		t.Fatalf("sets %v %v, %d elements", pm != nil, two != nil, len(elems))
	}
	eq(t, "policy", pm.Policy, SetPolicyMemory)
	eq(t, "policy present", pm.Present.Has(unix.NFTA_SET_POLICY), true)
	eq(t, "gc interval", pm.GCInterval, uint32(10000))
	eq(t, "timeout", pm.Timeout, uint64(60000))
	eq(t, "flags", pm.Flags&SetTimeout, SetTimeout)

	exprNames := func(s ExprScanner) []string {
		var names []string
		for s.Next() {
			names = append(names, string(s.Expr().Name))
		}
		must(t, s.Err())
		return names
	}
	eq(t, "set expressions", exprNames(two.Exprs()), []string{"counter", "quota"})
	eq(t, "single expression absent", two.Present.Has(AttrSetExpr), false)
	eq(t, "set flags", two.Flags&SetExpr != 0, true)
	for _, el := range elems {
		eq(t, "element expressions", exprNames(el.Exprs()), []string{"counter", "quota"})
	}
}
