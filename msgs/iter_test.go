package msgs

import (
	"errors"
	"testing"

	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// captured returns the captured message of type typ with the most
// attributes for which keep is true.
func captured(t *testing.T, typ nftmon.MsgType, keep func(attrs []byte) bool) []byte {
	t.Helper()
	var best []byte
	for _, m := range allCaptured(t) {
		if m.Header.MsgType() == typ && len(m.Attrs) > len(best) && keep(m.Attrs) {
			best = m.Attrs
		}
	}
	if best == nil {
		t.Fatalf("no %s captured", typ)
	}
	return best
}

// TestAll: each All yields what its scanner's Next yields, in order, then
// the scanner's error as a last pair; a break stops the walk; and none of
// them allocates.
func TestAll(t *testing.T) {
	var r Rule
	must(t, r.Decode(captured(t, nftmon.MsgNewRule, func(b []byte) bool { return true })))
	var want []string
	for s := r.Exprs(); s.Next(); {
		want = append(want, string(s.Expr().Name))
	}
	var got []string
	for e, err := range r.Exprs().All() {
		must(t, err)
		got = append(got, string(e.Name))
	}
	if len(want) < 5 || len(got) != len(want) {
		t.Fatalf("All yielded %d expressions, Next %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("expression %d: All %s, Next %s", i, got[i], want[i])
		}
	}
	n := 0
	for range r.Exprs().All() {
		if n++; n == 2 {
			break
		}
	}
	if n != 2 {
		t.Errorf("break: %d steps", n)
	}
	// A broken list: the good expression, then the error.
	list := append(at(unix.NFTA_LIST_ELEM, atExpr("counter")), 0xff, 0xff)
	var steps []error
	for e, err := range NewExprScanner(list).All() {
		if err == nil && string(e.Name) != "counter" {
			t.Errorf("expression %q", e.Name)
		}
		steps = append(steps, err)
	}
	if len(steps) != 2 || steps[0] != nil || !errors.Is(steps[1], nftmon.ErrMalformed) {
		t.Errorf("broken list yielded %v", steps)
	}

	var el SetElems
	must(t, el.Decode(captured(t, nftmon.MsgNewSetElem, func(b []byte) bool { return true })))
	nNext, nAll := 0, 0
	for s := el.Elems(); s.Next(); {
		nNext++
	}
	for e, err := range el.Elems().All() {
		must(t, err)
		if e.Key == nil && e.Flags&ElemCatchall == 0 {
			t.Errorf("element without a key: %+v", e)
		}
		nAll++
	}
	if nNext < 10 || nAll != nNext {
		t.Errorf("elements: All %d, Next %d", nAll, nNext)
	}

	var c Chain
	must(t, c.Decode(captured(t, nftmon.MsgNewChain, func(b []byte) bool {
		var c Chain
		return c.Decode(b) == nil && c.Hook.Devs != nil
	})))
	var devs []string
	for d, err := range c.Hook.Devices().All() {
		must(t, err)
		devs = append(devs, string(d.Name))
	}
	if len(devs) == 0 {
		t.Error("no devices")
	}
	bad := append(nftmon.AppendStringAttr(nil, AttrDeviceName, "lo"), nftmon.AppendAttr(nil, AttrDeviceName, nil)...)
	steps = steps[:0]
	for _, err := range NewDevScanner(bad).All() {
		steps = append(steps, err)
	}
	if len(steps) != 2 || steps[0] != nil || steps[1] == nil {
		t.Errorf("broken device list yielded %v", steps)
	}

	sum := 0
	for name, fn := range map[string]func(){
		"ExprScanner.All": func() {
			for e := range r.Exprs().All() {
				sum += len(e.Name)
			}
		},
		"ElemScanner.All": func() {
			for e := range el.Elems().All() {
				sum += len(e.Key)
			}
		},
		"DevScanner.All": func() {
			for d := range c.Hook.Devices().All() {
				sum += len(d.Name)
			}
		},
	} {
		if n := testing.AllocsPerRun(100, fn); n != 0 {
			t.Errorf("%s: %v allocations", name, n)
		}
	}
}

// BenchmarkWalk walks the elements of the biggest captured element dump
// message with Next and with All, side by side; one op is one message.
func BenchmarkWalk(b *testing.B) {
	var best []byte
	for _, m := range allCaptured(b) {
		if m.Header.MsgType() == nftmon.MsgNewSetElem && len(m.Attrs) > len(best) {
			best = m.Attrs
		}
	}
	var el SetElems
	if err := el.Decode(best); err != nil {
		b.Fatal(err)
	}
	n := 0
	b.Run("Next", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			for s := el.Elems(); s.Next(); {
				n += len(s.Elem().Key)
			}
		}
	})
	b.Run("All", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			for e := range el.Elems().All() {
				n += len(e.Key)
			}
		}
	})
}
