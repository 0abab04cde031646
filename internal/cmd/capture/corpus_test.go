package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/pcapnl"
	"golang.org/x/sys/unix"
)

// corpusDir is the module's testdata directory, which this program writes.
var corpusDir = filepath.Join("..", "..", "..", "testdata")

// readPcap returns the datagrams of a pcap file, copied (pcapnl.Datagrams,
// the one loader).
func readPcap(t *testing.T, path string) [][]byte {
	t.Helper()
	dgs, err := pcapnl.Datagrams(path)
	if err != nil {
		t.Fatal(err)
	}
	return dgs
}

// messages scans every message of a datagram, failing the test on a
// malformed one.
func messages(t *testing.T, what string, d []byte) []nftmon.Message {
	t.Helper()
	var ms []nftmon.Message
	s := nftmon.NewMessageScanner(d)
	for s.Next() {
		ms = append(ms, *s.Message())
	}
	if err := s.Err(); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if len(ms) == 0 {
		t.Fatalf("%s: empty datagram", what)
	}
	return ms
}

// scenarios lists the captured scenarios: the .nft files that have a .pcap.
func scenarios(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(corpusDir, "scenarios", "*.nft"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no scenarios in %s", corpusDir)
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".nft"))
	}
	return names
}

// setName returns a set element message's set name and the flags of its
// first element.
func setElem(t *testing.T, attrs []byte) (set string, flags uint32) {
	t.Helper()
	s := nftmon.NewAttrScanner(attrs)
	for s.Next() {
		switch s.Type() {
		case unix.NFTA_SET_ELEM_LIST_SET:
			set = string(s.StringBytes())
		case unix.NFTA_SET_ELEM_LIST_ELEMENTS:
			l := s.Nested()
			if l.Next() && l.Type() == unix.NFTA_LIST_ELEM {
				e := l.Nested()
				for e.Next() {
					if e.Type() == unix.NFTA_SET_ELEM_FLAGS {
						flags = binary.BigEndian.Uint32(e.Bytes())
					}
				}
			}
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return set, flags
}

// setFlags returns a NEWSET/DELSET message's NFTA_SET_FLAGS.
func setFlags(t *testing.T, attrs []byte) uint32 {
	s := nftmon.NewAttrScanner(attrs)
	var f uint32
	for s.Next() {
		if s.Type() == unix.NFTA_SET_FLAGS {
			f = binary.BigEndian.Uint32(s.Bytes())
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return f
}

// monitorKey maps a line of nft monitor to the kind of change it reports.
func monitorKey(line string) string {
	if strings.HasPrefix(line, "# new generation ") {
		return "gen"
	}
	f := strings.Fields(line)
	if len(f) < 2 {
		return "?" + line
	}
	op, obj := f[0], f[1]
	if op == "insert" {
		op = "add" // a rule added at the head of its chain
	}
	switch obj {
	case "map":
		obj = "set"
	case "counter", "quota", "limit", "ct", "synproxy", "secmark":
		obj = "obj"
	}
	return op + " " + obj
}

// TestCorpusNotifications checks every notification capture: it parses,
// each transaction ends with a NEWGEN in a datagram of its own, every message
// of a transaction carries its gen in res_id, set elements have seq 0, and
// the changes counted by kind match what nft monitor printed (anonymous sets
// and their elements, which nft monitor hides, left out).
func TestCorpusNotifications(t *testing.T) {
	for _, name := range scenarios(t) {
		t.Run(name, func(t *testing.T) {
			ds := readPcap(t, filepath.Join(corpusDir, name+".pcap"))
			got := map[string]int{}
			var held []nftmon.Message
			datagramsInTx, maxDatagrams := 0, 0
			for i, d := range ds {
				ms := messages(t, fmt.Sprintf("datagram %d", i), d)
				datagramsInTx++
				for j, m := range ms {
					if !m.Header.IsNFTables() {
						t.Fatalf("datagram %d message %d: type %#x is not nftables", i, j, m.Header.Type)
					}
					nf, attrs, err := m.NFGen()
					if err != nil {
						t.Fatal(err)
					}
					typ := m.Header.MsgType()
					if typ != nftmon.MsgNewGen {
						held = append(held, m)
						key := changeKey(typ)
						switch typ {
						case nftmon.MsgNewSet:
							if setFlags(t, attrs)&unix.NFT_SET_ANONYMOUS != 0 {
								continue
							}
						case nftmon.MsgNewSetElem, nftmon.MsgDelSetElem:
							if m.Header.Seq != 0 {
								t.Errorf("datagram %d: %s with seq %d", i, typ, m.Header.Seq)
							}
							set, flags := setElem(t, attrs)
							if strings.HasPrefix(set, "__") || flags&unix.NFT_SET_ELEM_INTERVAL_END != 0 {
								continue
							}
						}
						got[key]++
						continue
					}
					if j != len(ms)-1 || len(ms) != 1 {
						t.Errorf("datagram %d: NEWGEN is message %d of %d", i, j+1, len(ms))
					}
					var g nftmon.Gen
					if err := g.Decode(attrs); err != nil {
						t.Fatal(err)
					}
					if nf.ResID != uint16(g.ID) {
						t.Errorf("datagram %d: NEWGEN res_id %d, gen %d", i, nf.ResID, g.ID)
					}
					for _, h := range held {
						hn, _, _ := h.NFGen()
						if hn.ResID != uint16(g.ID) {
							t.Errorf("gen %d: %s with res_id %d", g.ID, h.Header.MsgType(), hn.ResID)
						}
					}
					held = held[:0]
					got["gen"]++
					maxDatagrams = max(maxDatagrams, datagramsInTx)
					datagramsInTx = 0
				}
			}
			if len(held) != 0 {
				t.Errorf("%d messages after the last NEWGEN", len(held))
			}
			if name == "big" && maxDatagrams < 10 {
				t.Errorf("the large transaction took only %d datagrams", maxDatagrams)
			}
			mon, err := os.ReadFile(filepath.Join(corpusDir, name+".monitor"))
			if errors.Is(err, os.ErrNotExist) {
				t.Logf("no .monitor file; counted %v", got)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]int{}
			for _, l := range strings.Split(strings.TrimSpace(string(mon)), "\n") {
				want[monitorKey(l)]++
			}
			if !equalCounts(got, want) {
				t.Errorf("captured %s\nnft monitor %s", fmtCounts(got), fmtCounts(want))
			}
		})
	}
}

// changeKey names a notification's kind as monitorKey does.
func changeKey(t nftmon.MsgType) string {
	op := "add"
	if t.Op() == nftmon.OpDelete {
		op = "delete"
	}
	switch t.Object() {
	case nftmon.ObjectTable:
		return op + " table"
	case nftmon.ObjectChain:
		return op + " chain"
	case nftmon.ObjectRule:
		return op + " rule"
	case nftmon.ObjectSet:
		return op + " set"
	case nftmon.ObjectSetElem:
		return op + " element"
	case nftmon.ObjectObj:
		return op + " obj"
	case nftmon.ObjectFlowtable:
		return op + " flowtable"
	}
	return t.String()
}

func equalCounts(a, b map[string]int) bool {
	return fmtCounts(a) == fmtCounts(b)
}

func fmtCounts(m map[string]int) string {
	var ks []string
	for k, v := range m {
		if v != 0 {
			ks = append(ks, fmt.Sprintf("%s=%d", k, v))
		}
	}
	sort.Strings(ks)
	return strings.Join(ks, " ")
}

// TestCorpusDumps checks every dump capture: each dump is a run of
// NLM_F_MULTI nftables messages ended by NLMSG_DONE, the number of dumps is
// right (six plus one per set, plus flowtables when the kernel has them),
// and every message carries the final generation in res_id.
func TestCorpusDumps(t *testing.T) {
	for _, name := range scenarios(t) {
		t.Run(name, func(t *testing.T) {
			var lastGen uint32
			for _, d := range readPcap(t, filepath.Join(corpusDir, name+".pcap")) {
				for _, m := range messages(t, "notification", d) {
					if m.Header.MsgType() == nftmon.MsgNewGen {
						_, attrs, _ := m.NFGen()
						var g nftmon.Gen
						if err := g.Decode(attrs); err != nil {
							t.Fatal(err)
						}
						lastGen = g.ID
					}
				}
			}
			dumps, sets, seq := 0, 0, uint32(0)
			for i, d := range readPcap(t, filepath.Join(corpusDir, name+".dump.pcap")) {
				for _, m := range messages(t, fmt.Sprintf("dump datagram %d", i), d) {
					if seq != m.Header.Seq && seq != 0 {
						t.Errorf("datagram %d: seq %d inside the dump with seq %d", i, m.Header.Seq, seq)
					}
					seq = m.Header.Seq
					if m.Header.Type == unix.NLMSG_DONE {
						dumps++
						seq = 0
						continue
					}
					if !m.Header.IsNFTables() || m.Header.Flags&unix.NLM_F_MULTI == 0 {
						t.Errorf("datagram %d: type %#x flags %#x", i, m.Header.Type, m.Header.Flags)
					}
					if m.Header.MsgType() == nftmon.MsgNewSet {
						sets++
					}
					nf, _, err := m.NFGen()
					if err != nil {
						t.Fatal(err)
					}
					if nf.ResID != uint16(lastGen) {
						t.Errorf("datagram %d: %s res_id %d, final gen %d", i, m.Header.MsgType(), nf.ResID, lastGen)
					}
				}
			}
			if seq != 0 {
				t.Errorf("last dump not ended by NLMSG_DONE")
			}
			if dumps != 6+sets && dumps != 7+sets {
				t.Errorf("%d dumps for %d sets", dumps, sets)
			}
		})
	}
}

// TestCorpusFlowtable checks the synthesized flowtable.pcap: NEWFLOWTABLE
// with its hook and two devices, NEWGEN, DELFLOWTABLE with only table, name
// and handle, NEWGEN.
func TestCorpusFlowtable(t *testing.T) {
	ds := readPcap(t, filepath.Join(corpusDir, "flowtable.pcap"))
	var types []string
	for i, d := range ds {
		for _, m := range messages(t, fmt.Sprintf("datagram %d", i), d) {
			types = append(types, m.Header.MsgType().String())
			_, attrs, err := m.NFGen()
			if err != nil {
				t.Fatal(err)
			}
			var ids []uint16
			devs := 0
			s := nftmon.NewAttrScanner(attrs)
			for s.Next() {
				ids = append(ids, s.Type())
				if s.Type() == nftaFlowtableHook && m.Header.MsgType() == nftmon.MsgNewFlowtable {
					h := s.Nested()
					for h.Next() {
						if h.Type() == nftaFlowtableHookDevs {
							d := h.Nested()
							for d.Next() {
								if d.Type() == nftaDeviceName && len(d.StringBytes()) > 0 {
									devs++
								}
							}
							h.Fail(d.Err())
						}
					}
					s.Fail(h.Err())
				}
			}
			if err := s.Err(); err != nil {
				t.Fatal(err)
			}
			switch m.Header.MsgType() {
			case nftmon.MsgNewFlowtable:
				if fmt.Sprint(ids) != "[1 2 5 4 7 3]" || devs != 2 {
					t.Errorf("NEWFLOWTABLE attributes %v, %d devices", ids, devs)
				}
			case nftmon.MsgDelFlowtable:
				if fmt.Sprint(ids) != "[1 2 5]" {
					t.Errorf("DELFLOWTABLE attributes %v", ids)
				}
			}
		}
	}
	if got := strings.Join(types, " "); got != "NEWFLOWTABLE NEWGEN DELFLOWTABLE NEWGEN" {
		t.Errorf("messages: %s", got)
	}
}
