package msgs

import (
	"os"
	"testing"

	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// benchMsgs returns the captured messages of one type, from every capture.
func benchMsgs(b *testing.B, typ nftmon.MsgType) []capMsg {
	var out []capMsg
	for _, m := range allCaptured(b) {
		if m.Header.MsgType() == typ {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		b.Fatalf("no %s captured", typ)
	}
	return out
}

// BenchmarkDecode decodes every captured message of each kind into its view;
// one op is one message.
func BenchmarkDecode(b *testing.B) {
	kinds := []struct {
		typ    nftmon.MsgType
		decode func([]byte) error
	}{
		{nftmon.MsgNewTable, new(Table).Decode},
		{nftmon.MsgNewChain, new(Chain).Decode},
		{nftmon.MsgNewRule, new(Rule).Decode},
		{nftmon.MsgNewSet, new(Set).Decode},
		{nftmon.MsgNewSetElem, new(SetElems).Decode},
		{nftmon.MsgNewObj, new(Obj).Decode},
		{nftmon.MsgNewFlowtable, new(Flowtable).Decode},
		{nftmon.MsgNewGen, new(nftmon.Gen).Decode},
	}
	for _, k := range kinds {
		msgs := benchMsgs(b, k.typ)
		b.Run(k.typ.String(), func(b *testing.B) {
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if err := k.decode(msgs[i%len(msgs)].Attrs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// elemMsgs returns the set-element messages of the biggest dump: many
// elements each.
func elemMsgs(b *testing.B) []capMsg {
	var out []capMsg
	for _, m := range readCapture(b, biggestCapture(b, ".dump.pcap")) {
		if m.Header.MsgType() == nftmon.MsgNewSetElem {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		b.Fatal("no set elements in the biggest dump")
	}
	return out
}

// biggestCapture returns the largest capture whose name ends in suffix.
func biggestCapture(b *testing.B, suffix string) string {
	var best string
	var size int64
	for _, f := range captureFiles(b) {
		if len(f) < len(suffix) || f[len(f)-len(suffix):] != suffix {
			continue
		}
		if st, err := os.Stat(f); err == nil && st.Size() > size {
			best, size = f, st.Size()
		}
	}
	if best == "" {
		b.Fatalf("no capture *%s", suffix)
	}
	return best
}

// notifyElemMsgs returns the set-element notifications (one element each)
// of the biggest notification capture.
func notifyElemMsgs(b *testing.B) []capMsg {
	var out []capMsg
	for _, m := range readCapture(b, biggestCapture(b, ".pcap")) {
		if m.Header.MsgType() == nftmon.MsgNewSetElem || m.Header.MsgType() == nftmon.MsgDelSetElem {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		b.Fatal("no set elements in the biggest capture")
	}
	return out
}

// BenchmarkSetElemNotify is BenchmarkSetElems for notifications, which carry
// one element per message.
func BenchmarkSetElemNotify(b *testing.B) {
	msgs := notifyElemMsgs(b)
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		var v SetElems
		n := 0
		b.ResetTimer()
		for i := range b.N {
			must2(b, v.Decode(msgs[i%len(msgs)].Attrs))
			s := v.Elems()
			for s.Next() {
				n += len(s.Elem().Key)
			}
			must2(b, s.Err())
		}
	})
	b.Run("decode-reset", func(b *testing.B) { // one ElemScanner, Reset for each message
		b.ReportAllocs()
		var v SetElems
		var s ElemScanner
		n := 0
		b.ResetTimer()
		for i := range b.N {
			must2(b, v.Decode(msgs[i%len(msgs)].Attrs))
			s.Reset(v.Elements)
			for s.Next() {
				n += len(s.Elem().Key)
			}
			must2(b, s.Err())
		}
	})
	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		b.ResetTimer()
		for i := range b.N {
			n += bareElems(msgs[i%len(msgs)].Attrs)
		}
	})
}

// BenchmarkSetElems compares decoding set-element messages (SetElems.Decode
// and every Elem through ElemScanner) with a bare walk of the same
// attributes; one op is one message.
func BenchmarkSetElems(b *testing.B) {
	msgs := elemMsgs(b)
	var elems int
	for _, m := range msgs {
		var v SetElems
		must2(b, v.Decode(m.Attrs))
		s := v.Elems()
		for s.Next() {
			elems++
		}
	}
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		var v SetElems
		n := 0
		b.ResetTimer()
		for i := range b.N {
			must2(b, v.Decode(msgs[i%len(msgs)].Attrs))
			s := v.Elems()
			for s.Next() {
				n += len(s.Elem().Key)
			}
			must2(b, s.Err())
		}
		b.ReportMetric(float64(elems)/float64(len(msgs)), "elems/op")
	})
	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		b.ResetTimer()
		for i := range b.N {
			n += bareElems(msgs[i%len(msgs)].Attrs)
		}
		b.ReportMetric(float64(elems)/float64(len(msgs)), "elems/op")
	})
}

// BenchmarkRules compares decoding rules (Rule.Decode and every expression
// through ExprScanner) with a bare walk of the same attributes; one op is
// one rule.
func BenchmarkRules(b *testing.B) {
	msgs := benchMsgs(b, nftmon.MsgNewRule)
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		var r Rule
		n := 0
		b.ResetTimer()
		for i := range b.N {
			must2(b, r.Decode(msgs[i%len(msgs)].Attrs))
			s := r.Exprs()
			for s.Next() {
				n += len(s.Expr().Name)
			}
			must2(b, s.Err())
		}
	})
	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		b.ResetTimer()
		for i := range b.N {
			n += bareRule(msgs[i%len(msgs)].Attrs)
		}
	})
}

// BenchmarkBigCapture decodes every message of the largest capture into its
// view, walking elements, expressions and devices; it reports messages/s.
func BenchmarkBigCapture(b *testing.B) {
	msgs := readCapture(b, biggestCapture(b, ".pcap"))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for _, m := range msgs {
			if err := decodeAll(m.Header.MsgType(), m.Attrs); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(msgs))*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(len(msgs)), "msgs/op")
}

func must2(b *testing.B, err error) {
	if err != nil {
		b.Fatal(err)
	}
}

// bareElems walks a set-element message's attributes, and the nests the
// decoder descends into (element list, elements, key, key end and data
// nests, verdicts), without decoding anything; it returns the count of
// attributes.
func bareElems(attrs []byte) int {
	n := 0
	s := nftmon.NewAttrScanner(attrs)
	for s.Next() {
		n++
		if s.Type() != unix.NFTA_SET_ELEM_LIST_ELEMENTS {
			continue
		}
		list := s.Nested()
		for list.Next() {
			el := list.Nested()
			for el.Next() {
				n++
				switch el.Type() {
				case unix.NFTA_SET_ELEM_KEY, AttrSetElemKeyEnd, unix.NFTA_SET_ELEM_DATA:
					d := el.Nested()
					for d.Next() {
						n++
						if d.Type() == unix.NFTA_DATA_VERDICT {
							v := d.Nested()
							for v.Next() {
								n++
							}
						}
					}
				}
			}
		}
	}
	return n
}

// bareRule walks a rule's attributes and its expression list down to each
// expression's name and data, without decoding anything.
func bareRule(attrs []byte) int {
	n := 0
	s := nftmon.NewAttrScanner(attrs)
	for s.Next() {
		n++
		if s.Type() != unix.NFTA_RULE_EXPRESSIONS {
			continue
		}
		list := s.Nested()
		for list.Next() {
			e := list.Nested()
			for e.Next() {
				n += len(e.Bytes())
			}
		}
	}
	return n
}
