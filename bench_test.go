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
	return readPcap(b, name)
}

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
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for range b.N {
		for _, d := range dgrams {
			s := NewMessageScanner(d)
			for s.Next() {
				m := s.Message()
				nf, _, err := m.NFGen()
				if err != nil {
					b.Fatal(err)
				}
				n += int(nf.ResID) & 1
			}
			if s.Err() != nil {
				b.Fatal(s.Err())
			}
		}
	}
	b.ReportMetric(float64(msgs*b.N)/b.Elapsed().Seconds(), "messages/s")
	b.ReportMetric(float64(msgs), "messages/op")
	sink.n = n
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

// scanRuleScan walks a rule message as a decoder does: its top-level
// attributes, each expression's name and its data, with nested callbacks
// (AttrScanner.Scan).
func scanRuleScan(attrs []byte) error {
	s := NewAttrScanner(attrs)
	for s.Next() {
		switch s.Type() {
		case unix.NFTA_RULE_TABLE, unix.NFTA_RULE_CHAIN:
			sink.b = s.StringBytes()
		case unix.NFTA_RULE_HANDLE:
			sink.u += s.Uint64()
		case unix.NFTA_RULE_EXPRESSIONS:
			s.Scan(func(list *AttrScanner) error {
				for list.Next() {
					list.Scan(func(e *AttrScanner) error {
						for e.Next() {
							switch e.Type() {
							case unix.NFTA_EXPR_NAME:
								sink.b = e.StringBytes()
							case unix.NFTA_EXPR_DATA:
								e.Scan(func(d *AttrScanner) error {
									for d.Next() {
										sink.b = d.Bytes()
									}
									return nil
								})
							}
						}
						return nil
					})
				}
				return nil
			})
		}
	}
	return s.Err()
}

// scanElemsScan walks a set-element message: table, set, and each
// element's key, with nested callbacks (AttrScanner.Scan).
func scanElemsScan(attrs []byte) error {
	s := NewAttrScanner(attrs)
	for s.Next() {
		switch s.Type() {
		case unix.NFTA_SET_ELEM_LIST_TABLE, unix.NFTA_SET_ELEM_LIST_SET:
			sink.b = s.StringBytes()
		case unix.NFTA_SET_ELEM_LIST_ELEMENTS:
			s.Scan(func(list *AttrScanner) error {
				for list.Next() {
					list.Scan(func(e *AttrScanner) error {
						for e.Next() {
							switch e.Type() {
							case unix.NFTA_SET_ELEM_KEY:
								e.Scan(func(k *AttrScanner) error {
									for k.Next() {
										sink.b = k.Bytes()
									}
									return nil
								})
							case unix.NFTA_SET_ELEM_FLAGS:
								sink.u += uint64(e.Uint32())
							}
						}
						return nil
					})
				}
				return nil
			})
		}
	}
	return s.Err()
}

// scanRuleNested walks a rule message like scanRuleScan, with nested
// scanners (AttrScanner.Nested) instead of callbacks.
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

// scanElemsNested walks a set-element message like scanElemsScan, with
// nested scanners.
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

// The Scan variants show the cost of AttrScanner.Scan when the compiler
// cannot inline the callback: the nested scanner escapes to the heap.
func BenchmarkAttrScanRule(b *testing.B) {
	attrs := firstAttrs(b, MsgNewRule)
	b.Run("Nested", func(b *testing.B) { benchScan(b, attrs, scanRuleNested) })
	b.Run("Scan", func(b *testing.B) { benchScan(b, attrs, scanRuleScan) })
}

func BenchmarkAttrScanSetElem(b *testing.B) {
	attrs := firstAttrs(b, MsgNewSetElem)
	b.Run("Nested", func(b *testing.B) { benchScan(b, attrs, scanElemsNested) })
	b.Run("Scan", func(b *testing.B) { benchScan(b, attrs, scanElemsScan) })
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
