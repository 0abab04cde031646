package msgs

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/pcapnl"
	"golang.org/x/sys/unix"
)

// The corpus: testdata/exprs/NAME.nft is a ruleset; NAME.pcap holds what the
// kernel dumped for it (GETTABLE, GETSET, one GETSETELEM per set, GETRULE,
// in that order, one message per record), NAME.notify.pcap the
// notifications its loading produced, and NAME.txt what
// "nft --debug=netlink list ruleset" printed before the ruleset itself.
// Regenerate them all with
//
//	go test -run TestExprTextKernel ./msgs/ -update
//
// as root (nft 1.0.6 with libnftnl 1.2.4 on Linux 6.18 made the committed
// files). The golden test needs no kernel.
//
// The -update flag is defined by golden_test.go of this package (a second
// definition would panic); updating looks it up.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// corpusMsg is one captured nftables message.
type corpusMsg struct {
	typ    nftmon.MsgType
	family nftmon.Family
	attrs  []byte
	raw    []byte
}

func corpusFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/exprs/*.nft")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus in testdata/exprs: %v", err)
	}
	return files
}

// parseCorpusMsgs splits datagrams into nftables messages.
func parseCorpusMsgs(t testing.TB, datagrams [][]byte) []corpusMsg {
	var out []corpusMsg
	for _, m := range capMsgs(t, datagrams) {
		out = append(out, corpusMsg{m.Header.MsgType(), m.NF.Family, m.Attrs, m.Datagram})
	}
	return out
}

// strAttr returns the string attribute typ of attrs.
func strAttr(attrs []byte, typ uint16) string {
	s := nftmon.NewAttrScanner(attrs)
	for s.Next() {
		if s.Type() == typ {
			return string(s.StringBytes())
		}
	}
	return ""
}

// debugText assembles, from a dump, what nft --debug=netlink list ruleset
// prints before the ruleset: per table, in dump order, each set's element
// block, then each rule followed by a newline and, unless the rule has
// user data, an empty line.
func debugText(t testing.TB, msgs []corpusMsg) string {
	t.Helper()
	var b []byte
	var err error
	for _, tm := range msgs {
		if tm.typ != nftmon.MsgNewTable {
			continue
		}
		table := strAttr(tm.attrs, unix.NFTA_TABLE_NAME)
		for _, sm := range msgs {
			if sm.typ != nftmon.MsgNewSet || sm.family != tm.family || strAttr(sm.attrs, unix.NFTA_SET_TABLE) != table {
				continue
			}
			set := strAttr(sm.attrs, unix.NFTA_SET_NAME)
			first := true
			for _, em := range msgs {
				if em.typ != nftmon.MsgNewSetElem || em.family != tm.family ||
					strAttr(em.attrs, unix.NFTA_SET_ELEM_LIST_TABLE) != table || strAttr(em.attrs, unix.NFTA_SET_ELEM_LIST_SET) != set {
					continue
				}
				if first {
					b, err = AppendSetElemsText(b, em.family, em.attrs)
				} else {
					b, err = AppendSetElemLines(b, em.attrs)
				}
				if err != nil {
					t.Fatalf("set %s: %v", set, err)
				}
				first = false
			}
			if first {
				b = AppendSetHeaderText(b, tm.family, []byte(table), []byte(set))
			}
			b = append(b, '\n')
		}
		for _, rm := range msgs {
			if rm.typ != nftmon.MsgNewRule || rm.family != tm.family || strAttr(rm.attrs, unix.NFTA_RULE_TABLE) != table {
				continue
			}
			n := len(b)
			if b, err = AppendRuleText(b, rm.family, rm.attrs); err != nil {
				t.Fatalf("rule: %v", err)
			}
			b = append(b, '\n')
			if !bytes.Contains(b[n:], []byte("\n  userdata = { ")) {
				b = append(b, '\n')
			}
		}
	}
	return string(b)
}

// nftDebugPart returns the part of nft --debug=netlink list ruleset output
// before the ruleset listing.
func nftDebugPart(out string) string {
	if i := strings.Index(out, "\ntable "); i >= 0 {
		return out[:i+1]
	}
	if strings.HasPrefix(out, "table ") {
		return ""
	}
	return out
}

// compareText fails t with the first differing lines of want and got.
func compareText(t *testing.T, name, want, got string) {
	t.Helper()
	if want == got {
		return
	}
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	n := 0
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			t.Errorf("%s line %d:\n  nft: %q\n  we:  %q", name, i+1, w, g)
			if n++; n > 15 {
				break
			}
		}
	}
	if n == 0 {
		t.Errorf("%s: texts differ", name)
	}
}

// msgBytes re-encodes a message exactly as the kernel sent it.
func msgBytes(m *nftmon.Message) []byte {
	b := make([]byte, nftmon.HeaderLen, nftmon.HeaderLen+len(m.Payload))
	binary.NativeEndian.PutUint32(b[0:], m.Header.Len)
	binary.NativeEndian.PutUint16(b[4:], m.Header.Type)
	binary.NativeEndian.PutUint16(b[6:], m.Header.Flags)
	binary.NativeEndian.PutUint32(b[8:], m.Header.Seq)
	binary.NativeEndian.PutUint32(b[12:], m.Header.PortID)
	return append(b, m.Payload...)
}

func writePcap(t *testing.T, path string, datagrams [][]byte) {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapnl.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Unix(0, 0)
	for _, d := range datagrams {
		if err := w.Write(ts, d, 0, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// ruleKey identifies a rule across dumps and notifications.
func ruleKey(m corpusMsg) string {
	var handle uint64
	s := nftmon.NewAttrScanner(m.attrs)
	for s.Next() {
		if s.Type() == unix.NFTA_RULE_HANDLE {
			handle = s.Uint64()
		}
	}
	return fmt.Sprintf("%s %s %s %d", familyText(m.family), strAttr(m.attrs, unix.NFTA_RULE_TABLE), strAttr(m.attrs, unix.NFTA_RULE_CHAIN), handle)
}

// checkNotifications renders every NEWRULE and NEWSETELEM notification and
// checks it against the dump's text; the same for the DELSETELEM
// notifications of flushing each named set and the DELRULE notifications
// of a flush ruleset, which carry the whole rule too (without
// NFTA_RULE_POSITION). A rule's expression and userdata
// lines are the same; its header "family table chain handle [position]"
// may differ in the position only. Observed on Linux 6.18: a NEWRULE
// notification carries NFTA_RULE_POSITION, the handle of the rule before
// it at commit time, except for the first and for the last rule of the
// chain at commit time, which have none ("ip6 extras c 38" notified,
// "ip6 extras c 38 37" dumped); a dump carries it for every rule but the
// first, and a rule inserted by a later transaction changes it ("c 16 15"
// notified, "c 16 40" dumped after rule 40 went in after 15). A set's elements
// come one per notification, in the order of the commit, while a dump
// lists them in the set backend's order (rbtree: reversed), so the element
// lines are compared as multisets. Elements added from the packet path and
// dynamic sets filled by rules produce no notification here.
func checkNotifications(t *testing.T, dump, notes []corpusMsg) {
	t.Helper()
	dumpRules := map[string]string{}
	dumpElems := map[string][]string{}
	for _, m := range dump {
		switch m.typ {
		case nftmon.MsgNewRule:
			b, err := AppendRuleText(nil, m.family, m.attrs)
			if err != nil {
				t.Fatal(err)
			}
			dumpRules[ruleKey(m)] = string(b)
		case nftmon.MsgNewSetElem:
			b, err := AppendSetElemLines(nil, m.attrs)
			if err != nil {
				t.Fatal(err)
			}
			k := familyText(m.family) + " " + strAttr(m.attrs, 1) + " @" + strAttr(m.attrs, 2)
			dumpElems[k] = append(dumpElems[k], strings.Split(string(b), "\n")[1:]...)
		}
	}
	noteElems, delElems := map[string][]string{}, map[string][]string{}
	var rules, dels int
	for _, m := range notes {
		switch m.typ {
		case nftmon.MsgNewRule, nftmon.MsgDelRule:
			if m.typ == nftmon.MsgNewRule {
				rules++
			} else {
				dels++
			}
			b, err := AppendRuleText(nil, m.family, m.attrs)
			if err != nil {
				t.Fatal(err)
			}
			want, ok := dumpRules[ruleKey(m)]
			if !ok {
				t.Errorf("notified rule %s not in the dump", ruleKey(m))
				continue
			}
			// The header: "family table chain handle" are the same; the
			// position may differ (see above).
			wl, gl := strings.SplitN(want, "\n", 2), strings.SplitN(string(b), "\n", 2)
			if !strings.HasPrefix(wl[0], ruleKey(m)) || !strings.HasPrefix(gl[0], ruleKey(m)) {
				t.Errorf("rule headers: dump %q, notification %q", wl[0], gl[0])
			}
			if len(wl) != len(gl) || (len(wl) == 2 && wl[1] != gl[1]) {
				t.Errorf("rule %s: notification text differs from the dump's:\ndump:\n%s\nnotification:\n%s", ruleKey(m), want, b)
			}
		case nftmon.MsgNewSetElem, nftmon.MsgDelSetElem:
			b, err := AppendSetElemsText(nil, m.family, m.attrs)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(b), "\n")
			if m.typ == nftmon.MsgNewSetElem {
				noteElems[lines[0]] = append(noteElems[lines[0]], lines[1:]...)
			} else {
				delElems[lines[0]] = append(delElems[lines[0]], lines[1:]...)
			}
		}
	}
	named := 0
	for k := range dumpElems {
		if !strings.Contains(k, " @__") {
			named++
		}
	}
	if named > 0 && len(delElems) == 0 {
		t.Errorf("%d named sets have elements, but no DELSETELEM notification came", named)
	}
	for k, got := range delElems {
		want := dumpElems[k]
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: deleted elements\n%s\ndumped elements\n%s", k, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	if rules == 0 || dels != rules {
		t.Errorf("%d NEWRULE and %d DELRULE notifications received", rules, dels)
	}
	for k, got := range noteElems {
		want := dumpElems[k]
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: notified elements\n%s\ndumped elements\n%s", k, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// TestExprTextGolden renders the committed kernel dumps of the corpus and
// compares the text with what nft printed for them. No kernel needed.
func TestExprTextGolden(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("the golden text was made on a little-endian machine, and libnftnl prints data words in host order")
	}
	for _, f := range corpusFiles(t) {
		base := strings.TrimSuffix(f, ".nft")
		t.Run(filepath.Base(base), func(t *testing.T) {
			want, err := os.ReadFile(base + ".txt")
			if err != nil {
				t.Fatalf("%v (regenerate with -update as root)", err)
			}
			dump := parseCorpusMsgs(t, readPcap(t, base+".pcap"))
			compareText(t, filepath.Base(base), string(want), debugText(t, dump))
			checkNotifications(t, dump, parseCorpusMsgs(t, readPcap(t, base+".notify.pcap")))
		})
	}
}
