package nftext_test

import (
	"testing"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"github.com/nftmon/nftmon/nftext"
)

// TestNoAllocsPrinters proves that every printer allocates nothing once
// the buffer has room: the declarations, the elements, and Printer on
// every event of the captures (once it has learnt their sets).
func TestNoAllocsPrinters(t *testing.T) {
	buf := make([]byte, 0, 64<<10)
	info, set := ipv4Set()
	ci, cset := concatIntervalSet()
	raw := elemAttrs([]byte{10, 0, 0, 1}, nil)
	el := decodeElem(t, raw)
	craw := elemAttrs([]byte{10, 0, 0, 0, 0, 22, 0, 0}, []byte{10, 255, 255, 255, 0, 25, 0, 0})
	cel := decodeElem(t, craw)
	quota := quotaObj()
	var sets nftext.Sets
	sets.Learn(nftext.OwnNS, nftmon.FamilyINet, set)
	var chain msgs.Chain
	var table msgs.Table
	for name, fn := range map[string]func(){
		"AppendElem":          func() { buf, _ = info.AppendElem(buf[:0], false, raw, el) },
		"AppendElem concat":   func() { buf, _ = ci.AppendElem(buf[:0], false, craw, cel) },
		"AppendSet":           func() { buf = nftext.AppendSet(buf[:0], info, set) },
		"AppendSet concat":    func() { buf = nftext.AppendSet(buf[:0], ci, cset) },
		"AppendObj":           func() { buf = nftext.AppendObj(buf[:0], nftmon.FamilyINet, quota) },
		"AppendChain":         func() { buf = nftext.AppendChain(buf[:0], nftmon.FamilyINet, &chain) },
		"AppendTable":         func() { buf = nftext.AppendTable(buf[:0], nftmon.FamilyINet, &table) },
		"AppendPriority":      func() { buf = nftext.AppendPriority(buf[:0], nftmon.FamilyIPv4, 0, -5) },
		"AppendBytes":         func() { buf = nftext.AppendBytes(buf[:0], 100<<20) },
		"Sets.Lookup":         func() { _ = sets.Lookup(nftext.OwnNS, nftmon.FamilyINet, set.Table, set.Name) },
		"SetInfo.Learn again": func() { info.Learn(nftmon.FamilyINet, set) },
	} {
		if n := testing.AllocsPerRun(100, fn); n != 0 {
			t.Errorf("%s allocates %v times", name, n)
		}
	}
	for _, name := range []string{"big.pcap", "sets.pcap", "maps.pcap", "objects.pcap", "chains.pcap", "tables.pcap", "concatrange.pcap", "expressions.pcap", "sets.dump.pcap", "maps.dump.pcap", "objects.dump.pcap"} {
		var evs []*nftmon.Event
		for _, e := range captureEvents(t, name) {
			// Forgetting sets and learning them again, run after
			// run, would allocate: keep them.
			if e.Type != nftmon.MsgDelSet && e.Type != nftmon.MsgDelTable {
				evs = append(evs, e)
			}
		}
		var p nftext.Printer
		printAll := func() {
			for _, e := range evs {
				buf, _ = p.AppendEvent(buf[:0], e)
			}
		}
		printAll()
		if n := testing.AllocsPerRun(5, printAll); n != 0 {
			t.Errorf("Printer on %s: %v allocations for %d events", name, n, len(evs))
		}
	}
}
