package nftext_test

import (
	"encoding/binary"
	"testing"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"github.com/nftmon/nftmon/nftext"
	"golang.org/x/sys/unix"
)

// Inputs built from the uapi attributes, as the kernel sends them.

// nest appends an attribute holding attrs.
func nest(b []byte, typ uint16, attrs []byte) []byte {
	return nftmon.AppendAttr(b, typ|unix.NLA_F_NESTED, attrs)
}

// dataValue is an nft_data nest holding a value.
func dataValue(v []byte) []byte { return nftmon.AppendAttr(nil, unix.NFTA_DATA_VALUE, v) }

func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// elemAttrs is one element's attributes: a key, and a key end if not nil.
func elemAttrs(key, keyEnd []byte) []byte {
	b := nest(nil, unix.NFTA_SET_ELEM_KEY, dataValue(key))
	if keyEnd != nil {
		b = nest(b, msgs.AttrSetElemKeyEnd, dataValue(keyEnd))
	}
	return b
}

// ipv4Set is a set of IPv4 addresses, learnt.
func ipv4Set() (*nftext.SetInfo, *msgs.Set) {
	set := &msgs.Set{Table: []byte("filter"), Name: []byte("blocked"), KeyType: uint32(nftext.TypeIPAddr), KeyLen: 4}
	var info nftext.SetInfo
	info.Learn(nftmon.FamilyINet, set)
	return &info, set
}

// concatIntervalSet is `type ipv4_addr . inet_service; flags interval`,
// learnt.
func concatIntervalSet() (*nftext.SetInfo, *msgs.Set) {
	set := &msgs.Set{
		Table: []byte("filter"), Name: []byte("allowed"),
		Flags:   msgs.SetInterval | msgs.SetConcat,
		KeyType: uint32(nftext.Concat(nftext.TypeIPAddr, nftext.TypeInetService)), KeyLen: 8,
		Desc: msgs.SetDesc{NumFields: 2, FieldLen: [16]uint32{4, 2}},
		// NFTNL_UDATA_SET_KEYBYTEORDER: big endian.
		UserData: []byte{0, 4, 2, 0, 0, 0},
	}
	var info nftext.SetInfo
	info.Learn(nftmon.FamilyINet, set)
	return &info, set
}

// quotaObj is `quota inet filter q { over 100 mbytes used 10 kbytes }`.
func quotaObj() *msgs.Obj {
	data := nftmon.AppendAttr(nil, unix.NFTA_QUOTA_BYTES, be64(100<<20))
	data = nftmon.AppendAttr(data, unix.NFTA_QUOTA_FLAGS, be32(unix.NFT_QUOTA_F_INV))
	data = nftmon.AppendAttr(data, unix.NFTA_QUOTA_CONSUMED, be64(10<<10))
	return &msgs.Obj{Table: []byte("filter"), Name: []byte("q"), Type: msgs.ObjQuota, Data: data}
}

// decodeElem decodes an element's attributes.
func decodeElem(tb testing.TB, raw []byte) *msgs.Elem {
	var el msgs.Elem
	if err := el.Decode(raw); err != nil {
		tb.Fatal(err)
	}
	return &el
}

func TestBenchInputs(t *testing.T) {
	buf := make([]byte, 0, 256)
	info, set := ipv4Set()
	raw := elemAttrs([]byte{10, 0, 0, 1}, nil)
	if got, _ := info.AppendElem(buf[:0], false, raw, decodeElem(t, raw)); string(got) != "10.0.0.1" {
		t.Errorf("IPv4 element: %q", got)
	}
	if got := nftext.AppendSet(buf[:0], info, set); string(got) != "set inet filter blocked { type ipv4_addr; }" {
		t.Errorf("set: %q", got)
	}
	ci, _ := concatIntervalSet()
	raw = elemAttrs([]byte{10, 0, 0, 0, 0, 22, 0, 0}, []byte{10, 255, 255, 255, 0, 25, 0, 0})
	if got, _ := ci.AppendElem(buf[:0], false, raw, decodeElem(t, raw)); string(got) != "10.0.0.0/8 . 22-25" {
		t.Errorf("concatenated interval element: %q", got)
	}
	if got := nftext.AppendObj(buf[:0], nftmon.FamilyINet, quotaObj()); string(got) != "quota inet filter q { over 100 mbytes used 10 kbytes }" {
		t.Errorf("quota: %q", got)
	}
}

func BenchmarkElemIPv4(b *testing.B) {
	info, _ := ipv4Set()
	raw := elemAttrs([]byte{10, 0, 0, 1}, nil)
	el := decodeElem(b, raw)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf, _ = info.AppendElem(buf[:0], false, raw, el)
	}
}

func BenchmarkElemIPv4Decoded(b *testing.B) {
	info, _ := ipv4Set()
	raw := elemAttrs([]byte{10, 0, 0, 1}, nil)
	var el msgs.Elem
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		el.Decode(raw)
		buf, _ = info.AppendElem(buf[:0], false, raw, &el)
	}
}

func BenchmarkElemConcatInterval(b *testing.B) {
	info, _ := concatIntervalSet()
	raw := elemAttrs([]byte{10, 0, 0, 0, 0, 22, 0, 0}, []byte{10, 255, 255, 255, 0, 25, 0, 0})
	el := decodeElem(b, raw)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf, _ = info.AppendElem(buf[:0], false, raw, el)
	}
}

func BenchmarkSetDecl(b *testing.B) {
	info, set := concatIntervalSet()
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = nftext.AppendSet(buf[:0], info, set)
	}
}

func BenchmarkQuotaObj(b *testing.B) {
	o := quotaObj()
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = nftext.AppendObj(buf[:0], nftmon.FamilyINet, o)
	}
}

// BenchmarkPrinterElements prints the element events of the big capture
// (one IPv4 address per message), decoding included.
func BenchmarkPrinterElements(b *testing.B) {
	var evs []*nftmon.Event
	for _, e := range captureEvents(b, "big.pcap") {
		if e.Type == nftmon.MsgNewSet || e.Type == nftmon.MsgNewSetElem {
			evs = append(evs, e)
		}
	}
	var p nftext.Printer
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		for _, e := range evs {
			buf, _ = p.AppendEvent(buf[:0], e)
		}
		n += len(evs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/event")
}
