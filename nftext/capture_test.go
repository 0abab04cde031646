package nftext_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/pcapnl"
	"github.com/nftmon/nftmon/nftext"
)

// captureDir holds the module's captures (testdata/README.md says how they
// were made): NAME.pcap the notifications, NAME.dump.pcap a dump, and
// NAME.monitor what nft monitor printed for the same changes.
const captureDir = "../testdata"

// captureEvents reads a capture's nftables messages as events, in order:
// changes, and a commit for each NEWGEN. It parses the datagrams itself,
// so that these tests depend on the framing only.
func captureEvents(t testing.TB, name string) []*nftmon.Event {
	t.Helper()
	f, err := os.Open(filepath.Join(captureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapnl.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var evs []*nftmon.Event
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return evs
		}
		if err != nil {
			t.Fatal(err)
		}
		s := nftmon.NewMessageScanner(bytes.Clone(rec.Data))
		for s.Next() {
			m := s.Message()
			if !m.Header.IsNFTables() {
				continue
			}
			nf, attrs, err := m.NFGen()
			if err != nil {
				t.Fatal(err)
			}
			e := &nftmon.Event{Kind: nftmon.EventChange, Type: m.Header.MsgType(), Family: nf.Family, Header: m.Header, ResID: nf.ResID, Attrs: attrs, NSID: rec.NSID, HasNSID: rec.HasNSID}
			if strings.Contains(name, ".dump.") {
				e.Kind = nftmon.EventSnapshot
			}
			if e.Type == nftmon.MsgNewGen {
				e.Kind = nftmon.EventCommit
			}
			evs = append(evs, e)
		}
		if err := s.Err(); err != nil {
			t.Fatal(err)
		}
	}
}

// printAll prints events with a fresh Printer.
func printAll(t testing.TB, evs []*nftmon.Event) string {
	t.Helper()
	var p nftext.Printer
	var out []byte
	for _, e := range evs {
		var err error
		if out, err = p.AppendEvent(out, e); err != nil {
			t.Fatalf("%v: %v", e.Type, err)
		}
	}
	return string(out)
}

// TestCapturesMatchMonitor prints the notifications of every capture that
// has nft monitor's output beside it, and checks each line nft monitor
// printed for a table, chain, set, element or object: each must be
// printed the same, but those nft monitor gets wrong (chains with devices,
// which it prints without them).
func TestCapturesMatchMonitor(t *testing.T) {
	mons, _ := filepath.Glob(filepath.Join(captureDir, "*.monitor"))
	if len(mons) < 5 {
		t.Fatalf("only %d captures with nft monitor's output", len(mons))
	}
	skip := regexp.MustCompile(`^(add|insert|delete) rule |^# |^add chain .* hook (ingress|egress) `)
	checked := 0
	for _, mon := range mons {
		name := strings.TrimSuffix(filepath.Base(mon), ".monitor")
		want, err := os.ReadFile(mon)
		if err != nil {
			t.Fatal(err)
		}
		ours := map[string]int{}
		for _, l := range strings.Split(printAll(t, captureEvents(t, name+".pcap")), "\n") {
			ours[l]++
		}
		for _, l := range strings.Split(strings.TrimSpace(string(want)), "\n") {
			l = strings.TrimRight(l, " ")
			if skip.MatchString(l) {
				continue
			}
			checked++
			if ours[l] == 0 {
				t.Errorf("%s: nft monitor printed %q; the Printer did not", name, l)
				continue
			}
			ours[l]--
		}
	}
	t.Logf("%d lines of nft monitor compared", checked)
	if checked < 200 {
		t.Errorf("compared only %d lines", checked)
	}
}

// TestCaptureDumps prints every dump capture (a snapshot: many elements
// per message, intervals as start and end pairs) and checks that no
// element prints as hex, and that every element nft list ruleset shows is
// printed.
func TestCaptureDumps(t *testing.T) {
	dumps, _ := filepath.Glob(filepath.Join(captureDir, "*.dump.pcap"))
	if len(dumps) < 5 {
		t.Fatalf("only %d dump captures", len(dumps))
	}
	elem := regexp.MustCompile(`^add element \S+ \S+ (\S+) \{ (.*) \}$`)
	checked := 0
	for _, d := range dumps {
		name := strings.TrimSuffix(filepath.Base(d), ".dump.pcap")
		out := printAll(t, captureEvents(t, filepath.Base(d)))
		ruleset, err := os.ReadFile(filepath.Join(captureDir, name+".ruleset"))
		if err != nil {
			t.Fatal(err)
		}
		flat := strings.Join(strings.Fields(string(ruleset)), " ")
		for _, l := range strings.Split(out, "\n") {
			m := elem.FindStringSubmatch(l)
			if m == nil || strings.HasPrefix(m[1], "__") {
				continue
			}
			if strings.Contains(l, " 0x") && !strings.Contains(flat, m[2]) {
				t.Errorf("%s: an element in hex: %s", name, l)
			}
			key := strings.SplitN(m[2], " expires ", 2)[0]
			checked++
			if !strings.Contains(flat, key) {
				t.Errorf("%s: %q is not in nft list ruleset", name, key)
			}
		}
	}
	t.Logf("%d elements of dumps found in nft list ruleset", checked)
	if checked < 100 {
		t.Errorf("checked only %d elements", checked)
	}
}
