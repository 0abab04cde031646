package msgs

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
	"golang.org/x/sys/unix"
)

// TestExprTextKernel loads each corpus ruleset into a private network
// namespace, dumps it from the kernel, renders the dump and compares the
// text, all of it, with nft --debug=netlink list ruleset run in the same
// namespace; it also renders the notifications the loading produced (see
// checkNotifications), and the DELRULE notifications of a flush ruleset.
// With -update it rewrites the corpus captures.
func TestExprTextKernel(t *testing.T) {
	for _, f := range corpusFiles(t) {
		base := strings.TrimSuffix(f, ".nft")
		t.Run(filepath.Base(base), func(t *testing.T) {
			script, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			ns := nstest.New(t)
			mon, err := nftmon.Open(nftmon.ConnConfig{NetNS: ns.Path})
			if err != nil {
				t.Fatal(err)
			}
			defer mon.Close()
			if err := mon.JoinGroup(unix.NFNLGRP_NFTABLES); err != nil {
				nstest.Skip(t, "cannot join NFNLGRP_NFTABLES: %v", err)
			}
			// A line "# --- next transaction ---" splits the file into
			// scripts run one after another (handles made by one are
			// known to the next).
			for _, part := range strings.Split(string(script), "# --- next transaction ---\n") {
				ns.Script(t, part)
			}

			notes := receiveAll(t, mon)
			dump := dumpRuleset(t, ns.Path)
			out := ns.Nft(t, "--debug=netlink", "list", "ruleset")
			want := nftDebugPart(out)
			if want == "" {
				t.Fatalf("nft printed no debug text:\n%s", out)
			}
			// Flushing a named set notifies a DELSETELEM per element;
			// deleting everything then notifies a DELRULE, with the full
			// expression list, for every rule.
			for _, m := range parseCorpusMsgs(t, dump) {
				if m.typ != nftmon.MsgNewSet || strings.HasPrefix(strAttr(m.attrs, unix.NFTA_SET_NAME), "__") {
					continue
				}
				kind := "set"
				s := nftmon.NewAttrScanner(m.attrs)
				for s.Next() {
					if s.Type() == unix.NFTA_SET_FLAGS && s.Uint32()&(unix.NFT_SET_MAP|unix.NFT_SET_OBJECT) != 0 {
						kind = "map"
					}
				}
				args := []string{"flush", kind, familyText(m.family), strAttr(m.attrs, unix.NFTA_SET_TABLE), strAttr(m.attrs, unix.NFTA_SET_NAME)}
				if _, err := ns.TryNft("", args...); err != nil {
					// nft 1.0.6 flushes no meter ("flush set" says
					// ENOENT, "flush meter" EOPNOTSUPP): sets.nft's m4.
					t.Logf("not flushed: %v", err)
				}
			}
			ns.Nft(t, "flush", "ruleset")
			notes = append(notes, receiveAll(t, mon)...)
			msgs := parseCorpusMsgs(t, dump)
			compareText(t, filepath.Base(base), want, debugText(t, msgs))
			checkNotifications(t, msgs, parseCorpusMsgs(t, notes))
			if updating() {
				writePcap(t, base+".pcap", dump)
				writePcap(t, base+".notify.pcap", notes)
				if err := os.WriteFile(base+".txt", []byte(want), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// receiveAll reads notifications until none came for half a second.
func receiveAll(t *testing.T, c *nftmon.Conn) [][]byte {
	t.Helper()
	buf := make([]byte, nftmon.MinBufferLen)
	var out [][]byte
	for {
		c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		d, err := c.Receive(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return out
		}
		if err != nil {
			t.Fatalf("receive: %v", err)
		}
		out = append(out, bytes.Clone(buf[:d.N]))
	}
}

// dumpRuleset dumps tables, sets, the elements of each set and rules, each
// message as one datagram.
func dumpRuleset(t *testing.T, netns string) [][]byte {
	t.Helper()
	c, err := nftmon.Open(nftmon.ConnConfig{NetNS: netns, ReadBuffer: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out [][]byte
	dump := func(op string, req []byte) {
		err := c.Request(op, req, func(m *nftmon.Message) error {
			out = append(out, msgBytes(m))
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
	}
	const flags = unix.NLM_F_REQUEST | unix.NLM_F_DUMP
	dump("GETTABLE", nftmon.AppendRequest(nil, nftmon.MsgGetTable, flags, 0, nftmon.FamilyUnspec))
	n := len(out)
	dump("GETSET", nftmon.AppendRequest(nil, nftmon.MsgGetSet, flags, 0, nftmon.FamilyUnspec))
	for _, s := range parseCorpusMsgs(t, out[n:]) {
		req := nftmon.AppendRequest(nil, nftmon.MsgGetSetElem, flags, 0, s.family)
		req = nftmon.AppendStringAttr(req, unix.NFTA_SET_ELEM_LIST_TABLE, strAttr(s.attrs, unix.NFTA_SET_TABLE))
		req = nftmon.AppendStringAttr(req, unix.NFTA_SET_ELEM_LIST_SET, strAttr(s.attrs, unix.NFTA_SET_NAME))
		dump("GETSETELEM", nftmon.FinishRequest(req, 0))
	}
	dump("GETRULE", nftmon.AppendRequest(nil, nftmon.MsgGetRule, flags, 0, nftmon.FamilyUnspec))
	return out
}
