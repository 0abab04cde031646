package nftmon

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// largeCapture returns the datagrams of the large multi-datagram capture
// (testdata/big.pcap: one transaction of 3,000 set elements), or, where that
// file is missing, the embedded capture.
func largeCapture(b *testing.B) [][]byte {
	name := filepath.Join("testdata", "big.pcap")
	if _, err := os.Stat(name); err != nil {
		b.Logf("%s missing, walking the embedded capture", name)
		return [][]byte{unhex(b, capAddDatagram), unhex(b, capAddGen), unhex(b, capDelDatagram), unhex(b, capDelGen)}
	}
	return mustDatagrams(b, name)
}

// BenchmarkMessageWalk walks every message of the large capture with the
// scanner and with the Messages iterator, side by side.
func BenchmarkMessageWalk(b *testing.B) {
	dgrams := largeCapture(b)
	msgs, size := 0, 0
	for _, d := range dgrams {
		size += len(d)
		s := NewMessageScanner(d)
		for s.Next() {
			msgs++
		}
	}
	run := func(b *testing.B, walk func(d []byte) int) {
		b.SetBytes(int64(size))
		b.ReportAllocs()
		n := 0
		for range b.N {
			for _, d := range dgrams {
				n += walk(d)
			}
		}
		b.ReportMetric(float64(msgs*b.N)/b.Elapsed().Seconds(), "messages/s")
		b.ReportMetric(float64(msgs), "messages/op")
		sink.n = n
	}
	b.Run("Scanner", func(b *testing.B) {
		run(b, func(d []byte) int {
			n := 0
			s := NewMessageScanner(d)
			for s.Next() {
				nf, _, err := s.Message().NFGen()
				if err != nil {
					b.Fatal(err)
				}
				n += int(nf.ResID) & 1
			}
			if s.Err() != nil {
				b.Fatal(s.Err())
			}
			return n
		})
	})
	b.Run("Messages", func(b *testing.B) {
		run(b, func(d []byte) int {
			n := 0
			for m, err := range Messages(d) {
				if err != nil {
					b.Fatal(err)
				}
				nf, _, err := m.NFGen()
				if err != nil {
					b.Fatal(err)
				}
				n += int(nf.ResID) & 1
			}
			return n
		})
	})
}

// firstAttrs returns the attributes of the first message of type t in
// the embedded capture.
func firstAttrs(tb testing.TB, t MsgType) []byte {
	tb.Helper()
	s := NewMessageScanner(unhex(tb, capAddDatagram))
	for s.Next() {
		if m := s.Message(); m.Header.MsgType() == t {
			_, attrs, err := m.NFGen()
			if err != nil {
				tb.Fatal(err)
			}
			return attrs
		}
	}
	tb.Fatalf("no %s in the capture", t)
	return nil
}

// scanRuleNested walks a rule message as a decoder does: its top-level
// attributes, each expression's name and its data, with nested scanners.
func scanRuleNested(attrs []byte) error {
	s := NewAttrScanner(attrs)
	for s.Next() {
		switch s.Type() {
		case unix.NFTA_RULE_TABLE, unix.NFTA_RULE_CHAIN:
			sink.b = s.StringBytes()
		case unix.NFTA_RULE_HANDLE:
			sink.u += s.Uint64()
		case unix.NFTA_RULE_EXPRESSIONS:
			list := s.Nested()
			for list.Next() {
				e := list.Nested()
				for e.Next() {
					switch e.Type() {
					case unix.NFTA_EXPR_NAME:
						sink.b = e.StringBytes()
					case unix.NFTA_EXPR_DATA:
						d := e.Nested()
						for d.Next() {
							sink.b = d.Bytes()
						}
						e.Fail(d.Err())
					}
				}
				list.Fail(e.Err())
			}
			s.Fail(list.Err())
		}
	}
	return s.Err()
}

// scanElemsNested walks a set-element message: table, set, and each
// element's key, with nested scanners.
func scanElemsNested(attrs []byte) error {
	s := NewAttrScanner(attrs)
	for s.Next() {
		switch s.Type() {
		case unix.NFTA_SET_ELEM_LIST_TABLE, unix.NFTA_SET_ELEM_LIST_SET:
			sink.b = s.StringBytes()
		case unix.NFTA_SET_ELEM_LIST_ELEMENTS:
			list := s.Nested()
			for list.Next() {
				e := list.Nested()
				for e.Next() {
					switch e.Type() {
					case unix.NFTA_SET_ELEM_KEY:
						k := e.Nested()
						for k.Next() {
							sink.b = k.Bytes()
						}
						e.Fail(k.Err())
					case unix.NFTA_SET_ELEM_FLAGS:
						sink.u += uint64(e.Uint32())
					}
				}
				list.Fail(e.Err())
			}
			s.Fail(list.Err())
		}
	}
	return s.Err()
}

func benchScan(b *testing.B, attrs []byte, scan func([]byte) error) {
	if err := scan(attrs); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(attrs)))
	b.ReportAllocs()
	for range b.N {
		if err := scan(attrs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAttrScanRule(b *testing.B) { benchScan(b, firstAttrs(b, MsgNewRule), scanRuleNested) }

func BenchmarkAttrScanSetElem(b *testing.B) {
	benchScan(b, firstAttrs(b, MsgNewSetElem), scanElemsNested)
}

func BenchmarkGenDecode(b *testing.B) {
	m, _, err := ParseMessage(unhex(b, capAddGen))
	if err != nil {
		b.Fatal(err)
	}
	_, attrs, err := m.NFGen()
	if err != nil {
		b.Fatal(err)
	}
	var g Gen
	b.ReportAllocs()
	for range b.N {
		if err := g.Decode(attrs); err != nil {
			b.Fatal(err)
		}
	}
	if g.ID == 0 {
		b.Fatal("no gen decoded")
	}
}

func BenchmarkWidenGen(b *testing.B) {
	b.ReportAllocs()
	var g uint32 = 0xfffffff0
	for i := range b.N {
		g = WidenGen(uint16(i), g)
	}
	sink.u = uint64(g)
}
