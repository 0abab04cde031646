package msgs

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// traceSeeds returns the attributes of every captured trace event.
func traceSeeds(t testing.TB) [][]byte {
	var out [][]byte
	for _, m := range readCapture(t, "testdata/trace.pcap") {
		out = append(out, m.Attrs)
	}
	if len(out) < 20 {
		t.Fatalf("only %d trace events captured", len(out))
	}
	return out
}

// FuzzTrace: Trace.Decode on any attributes does not panic; it fails with a
// *nftmon.ParseError matching nftmon.ErrMalformed and leaves the view zero,
// or succeeds with NFTA_TRACE_ID and NFTA_TRACE_TYPE present and every byte
// slice within the input, the same on a second decode.
func FuzzTrace(f *testing.F) {
	for _, s := range traceSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, attrs []byte) {
		var v Trace
		v.Table = []byte("stale") // Decode must reset it
		if err := v.Decode(attrs); err != nil {
			var pe *nftmon.ParseError
			if !errors.As(err, &pe) || !errors.Is(err, nftmon.ErrMalformed) {
				t.Fatalf("error %v (%T) is not a *nftmon.ParseError matching ErrMalformed", err, err)
			}
			if !reflect.ValueOf(v).IsZero() {
				t.Fatalf("error %v but view %+v", err, v)
			}
			return
		}
		if !v.Present.Has(unix.NFTA_TRACE_ID) || !v.Present.Has(unix.NFTA_TRACE_TYPE) {
			t.Fatalf("decoded without id or type: %+v", v)
		}
		checkSlices(t, reflect.ValueOf(&v), attrs, "Trace")
		var again Trace
		if err := again.Decode(attrs); err != nil || !reflect.DeepEqual(v, again) {
			t.Fatalf("second decode differs: %v, %+v vs %+v", err, again, v)
		}
	})
}

// TestTraceNoAllocs: decoding any captured trace event allocates nothing,
// nor does rejecting a broken one.
func TestTraceNoAllocs(t *testing.T) {
	seeds := traceSeeds(t)
	var v Trace
	if n := testing.AllocsPerRun(100, func() {
		for _, s := range seeds {
			if err := v.Decode(s); err != nil {
				t.Fatal(err)
			}
		}
	}); n != 0 {
		t.Errorf("Trace.Decode: %v allocations per %d events", n, len(seeds))
	}
	bad := seeds[0][:len(seeds[0])-1]
	if n := testing.AllocsPerRun(100, func() { _ = v.Decode(bad) }); n != 0 {
		t.Errorf("Trace.Decode of a broken event: %v allocations", n)
	}
	if v.Decode(bad) == nil {
		t.Error("a truncated event decoded")
	}
}

// TestTraceMalformed: what Decode says about broken events.
func TestTraceMalformed(t *testing.T) {
	id := atU32(unix.NFTA_TRACE_ID, 1)
	typ := atU32(unix.NFTA_TRACE_TYPE, uint32(TraceRule))
	for _, c := range []struct {
		name  string
		attrs []byte
		want  string
	}{
		{"no id", typ, "without NFTA_TRACE_ID"},
		{"no type", id, "without NFTA_TRACE_TYPE"},
		{"u16 iiftype as u32", cat(id, typ, atU32(unix.NFTA_TRACE_IIFTYPE, 772)), "u16"},
		{"verdict without code", cat(id, typ, at(unix.NFTA_TRACE_VERDICT, atStr(unix.NFTA_VERDICT_CHAIN, "c"))), "NFTA_VERDICT_CODE"},
		{"u32 ct direction", cat(id, typ, atU32(AttrTraceCtDirection, 1)), "u8"},
	} {
		var v Trace
		err := v.Decode(c.attrs)
		if err == nil || !errors.Is(err, nftmon.ErrMalformed) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.name, err, c.want)
		}
	}
	var v Trace
	must(t, v.Decode(cat(id, typ, atU32(40, 7))))
	if v.ID != 1 || v.Type != TraceRule || !v.Present.Has(40) {
		t.Errorf("unknown attribute: %+v", v)
	}
	if TraceRule.String() != "rule" || TracePolicy.String() != "policy" || TraceType(9).String() != "unknown" {
		t.Error("TraceType.String")
	}
	if (CtStateNew|CtStateUntracked).String() != "new,untracked" || CtStateBits(1<<4).String() != "0x10" {
		t.Errorf("CtStateBits.String: %s, %s", CtStateNew|CtStateUntracked, CtStateBits(1<<4))
	}
}

// BenchmarkTraceDecode decodes every captured trace event in turn; one op
// is one event.
func BenchmarkTraceDecode(b *testing.B) {
	seeds := traceSeeds(b)
	var v Trace
	b.ReportAllocs()
	for i := range b.N {
		if err := v.Decode(seeds[i%len(seeds)]); err != nil {
			b.Fatal(err)
		}
	}
}
