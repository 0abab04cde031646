package msgs

import (
	"reflect"
	"testing"

	"github.com/nftmon/nftmon"
)

// TestScannerReset: an expression or element scanner that has walked
// another list, or stopped on a malformed one, walks a list after Reset as
// a new scanner of it does (the same items, the same end), and shows no
// current item before its first Next.
func TestScannerReset(t *testing.T) {
	malformed := rawAttr(200, 1, nil) // a list whose first attribute overruns it
	var xs ExprScanner
	var es ElemScanner
	rules, elems := 0, 0
	for _, m := range allCaptured(t) {
		switch m.Header.MsgType() {
		case nftmon.MsgNewRule:
			var r Rule
			must(t, r.Decode(m.Attrs))
			for _, before := range [][]byte{r.Expressions, malformed} {
				xs.Reset(before)
				for xs.Next() {
				}
				xs.Reset(r.Expressions)
				if xs.Err() != nil || !reflect.DeepEqual(*xs.Expr(), Expr{}) {
					t.Fatalf("after Reset: current %+v, error %v", *xs.Expr(), xs.Err())
				}
				want := r.Exprs()
				for want.Next() {
					if !xs.Next() || !reflect.DeepEqual(xs.Expr(), want.Expr()) {
						t.Fatalf("rule %x: after Reset, not %+v", m.Attrs, *want.Expr())
					}
				}
				if xs.Next() || xs.Err() != want.Err() {
					t.Fatalf("rule %x: after Reset, ends with %v, not %v", m.Attrs, xs.Err(), want.Err())
				}
			}
			rules++
		case nftmon.MsgNewSetElem:
			var v SetElems
			must(t, v.Decode(m.Attrs))
			for _, before := range [][]byte{v.Elements, malformed} {
				es.Reset(before)
				for es.Next() {
				}
				es.Reset(v.Elements)
				if es.Err() != nil || !reflect.DeepEqual(*es.Elem(), Elem{}) {
					t.Fatalf("after Reset: current %+v, error %v", *es.Elem(), es.Err())
				}
				want := v.Elems()
				for want.Next() {
					if !es.Next() || !reflect.DeepEqual(es.Elem(), want.Elem()) {
						t.Fatalf("elements %x: after Reset, not %+v", m.Attrs, *want.Elem())
					}
				}
				if es.Next() || es.Err() != want.Err() {
					t.Fatalf("elements %x: after Reset, ends with %v, not %v", m.Attrs, es.Err(), want.Err())
				}
			}
			elems++
		}
	}
	if rules == 0 || elems == 0 {
		t.Fatalf("%d rules and %d set-element messages captured", rules, elems)
	}
}
