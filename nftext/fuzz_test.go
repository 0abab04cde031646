package nftext_test

import (
	"bytes"
	"testing"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"github.com/nftmon/nftmon/nftext"
	"golang.org/x/sys/unix"
)

// FuzzSetElems renders a set declaration and an element list of any bytes:
// the attributes of a NEWSET and of a NEWSETELEM. Seeded with every set of
// the captures and the element messages that follow it. Whatever the
// bytes, nothing panics, a decodable set prints a one-line declaration
// with its type, and every element that is ready prints some text on one
// line (hex, at worst).
func FuzzSetElems(f *testing.F) {
	for _, name := range []string{"sets.pcap", "maps.pcap", "objects.pcap", "concatrange.pcap", "sets.dump.pcap", "maps.dump.pcap", "expressions.pcap"} {
		sets := map[string][]byte{}
		for _, e := range captureEvents(f, name) {
			switch e.Type {
			case nftmon.MsgNewSet:
				var s msgs.Set
				if s.Decode(e.Attrs) == nil {
					sets[string(s.Name)] = e.Attrs
				}
			case nftmon.MsgNewSetElem:
				var el msgs.SetElems
				if el.Decode(e.Attrs) == nil && sets[string(el.Set)] != nil {
					f.Add(sets[string(el.Set)], e.Attrs)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, setAttrs, elemAttrs []byte) {
		var set msgs.Set
		if set.Decode(setAttrs) != nil {
			return
		}
		var info nftext.SetInfo
		info.Learn(nftmon.FamilyINet, &set)
		decl := nftext.AppendSet(nil, &info, &set)
		if len(decl) == 0 || decl[len(decl)-1] != '}' || bytes.IndexByte(decl, '\n') >= 0 || !bytes.Contains(decl, []byte(" { type")) {
			t.Fatalf("declaration %q", decl)
		}
		var elems msgs.SetElems
		if elems.Decode(elemAttrs) != nil {
			return
		}
		for _, del := range []bool{false, true} {
			a := nftmon.NewAttrScanner(elems.Elements)
			for a.Next() {
				if a.Type() != unix.NFTA_LIST_ELEM {
					continue
				}
				var el msgs.Elem
				if el.Decode(a.Bytes()) != nil {
					continue
				}
				out, st := info.AppendElem(nil, del, a.Bytes(), &el)
				switch {
				case st == nftext.ElemReady && len(out) == 0:
					t.Fatalf("an element ready printed nothing: %+v", el)
				case st != nftext.ElemReady && len(out) != 0:
					t.Fatalf("an element %v printed %q", st, out)
				case bytes.IndexByte(out, '\n') >= 0:
					t.Fatalf("an element printed a newline: %q", out)
				}
			}
		}
	})
}

// The sizes of FuzzPrinter's inputs. The fuzzer minimizes every input
// that finds new coverage before it goes on fuzzing, by up to a quadratic
// number of runs of the target in the input's length, for
// -fuzzminimizetime (a minute) at most: mutations of whole captures (some
// KB) kept both workers minimizing for all of a 15 s run. So a seed is a
// run of a capture's messages of at most fuzzSeedBytes (or one message,
// if larger), and the target returns at once on an input longer than
// fuzzMaxBytes, which then finds no coverage to minimize.
const (
	fuzzSeedBytes = 256
	fuzzMaxBytes  = 2 * fuzzSeedBytes
)

// FuzzPrinter prints any sequence of messages as events: one datagram of
// concatenated nftables messages, each delivered in turn, seeded with the
// captures' messages in runs (fuzzSeedBytes). Nothing panics, and every
// line the Printer appends ends with a newline.
func FuzzPrinter(f *testing.F) {
	for _, name := range []string{"sets.pcap", "maps.pcap", "objects.pcap", "chains.pcap", "tables.pcap", "concatrange.pcap", "deltable.pcap"} {
		var run []byte
		for _, e := range captureEvents(f, name) {
			next := appendMessage(run, e)
			if len(next) > fuzzSeedBytes && len(run) > 0 {
				f.Add(run)
				next = appendMessage(nil, e)
			}
			run = next
		}
		f.Add(run)
	}
	f.Fuzz(func(t *testing.T, datagram []byte) {
		if len(datagram) > fuzzMaxBytes {
			return
		}
		var p nftext.Printer
		s := nftmon.NewMessageScanner(datagram)
		for s.Next() {
			m := s.Message()
			nf, attrs, err := m.NFGen()
			if err != nil {
				continue
			}
			e := &nftmon.Event{Kind: nftmon.EventChange, Type: m.Header.MsgType(), Family: nf.Family, Attrs: attrs}
			out, err := p.AppendEvent(nil, e)
			if err != nil && len(out) != 0 {
				t.Fatalf("an error (%v) with output %q", err, out)
			}
			if len(out) > 0 && out[len(out)-1] != '\n' {
				t.Fatalf("a line without its newline: %q", out)
			}
		}
	})
}

// appendMessage appends an event's message: a netlink header, nfgenmsg and
// the attributes.
func appendMessage(b []byte, e *nftmon.Event) []byte {
	start := len(b)
	b = nftmon.AppendRequest(b, e.Type, 0, 0, e.Family)
	b = append(b, e.Attrs...)
	return nftmon.FinishRequest(b, start)
}
