package msgs

import (
	"bytes"
	"path/filepath"
	"reflect"
	"testing"
	"unsafe"

	"github.com/nftmon/nftmon"
)

// exprViews returns a fresh value of every expression view type of
// exprKinds.
func exprViews() []ExprView {
	seen := map[reflect.Type]bool{}
	var out []ExprView
	for _, v := range exprKinds {
		typ := reflect.TypeOf(v).Elem()
		if !seen[typ] {
			seen[typ] = true
			out = append(out, reflect.New(typ).Interface().(ExprView))
		}
	}
	return out
}

// inside reports whether b is empty or lies within buf.
func inside(buf, b []byte) bool {
	if len(b) == 0 {
		return true
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return p >= start && p+uintptr(len(b)) <= start+uintptr(len(buf))
}

// checkSlices fails t if a []byte anywhere in v does not lie within buf.
func checkSlices(t *testing.T, v reflect.Value, buf []byte, path string) {
	switch v.Kind() {
	case reflect.Pointer:
		checkSlices(t, v.Elem(), buf, path)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			checkSlices(t, v.Field(i), buf, path+"."+v.Type().Field(i).Name)
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 && !inside(buf, v.Bytes()) {
			t.Fatalf("%s points outside the input", path)
		}
	}
}

func exprSeeds(f *testing.F) [][]byte {
	seeds := corpusExprs(f)
	if len(seeds) < 100 {
		f.Fatalf("only %d seed expressions", len(seeds))
	}
	return seeds
}

// FuzzExprDecode: every expression view, on any data, does not panic,
// returns an error and a zero value or a value whose slices all lie within
// the input; an ExprDecoder, by every name, gives the same view and error
// as a fresh view of the name's kind.
func FuzzExprDecode(f *testing.F) {
	for _, nest := range exprSeeds(f) {
		f.Add(exprOf(f, nest).Data)
	}
	var d ExprDecoder
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, v := range exprViews() {
			err := v.Decode(data)
			rv := reflect.ValueOf(v).Elem()
			if err != nil {
				if !rv.IsZero() {
					t.Fatalf("%T: error %v but value %+v", v, err, v)
				}
				continue
			}
			checkSlices(t, rv, data, rv.Type().Name())
		}
		for name, kind := range exprKinds {
			fresh := reflect.New(reflect.TypeOf(kind).Elem()).Interface().(ExprView)
			want := fresh.Decode(data)
			got, err := d.Decode([]byte(name), data)
			if (err == nil) != (want == nil) || (err == nil && !reflect.DeepEqual(got, fresh)) {
				t.Fatalf("%s: decoder gave %+v, %v; the view %+v, %v", name, got, err, fresh, want)
			}
		}
	})
}

// FuzzExprText: rendering any expression nest does not panic, and a
// malformed one renders as its name and " (malformed)".
func FuzzExprText(f *testing.F) {
	for _, nest := range exprSeeds(f) {
		f.Add(nest)
	}
	f.Fuzz(func(t *testing.T, nest []byte) {
		var e Expr
		if e.Decode(nest) != nil {
			return
		}
		out := AppendExprText(make([]byte, 0, 64), e)
		if !bytes.HasPrefix(out, e.Name) {
			t.Fatalf("text %q does not start with the name %q", out, e.Name)
		}
		if _, err := appendExprRaw(nil, new(ExprDecoder), e, 0); err != nil && !bytes.HasSuffix(out, []byte(" (malformed)")) {
			t.Fatalf("malformed expression rendered as %q", out)
		}
	})
}

// FuzzRuleText: AppendRuleText and AppendSetElemsText on any attributes do
// not panic, leave dst's existing bytes alone, and append nothing when they
// fail.
func FuzzRuleText(f *testing.F) {
	files, _ := filepath.Glob("testdata/exprs/*.pcap")
	if len(files) == 0 {
		f.Fatal("no corpus captures in testdata/exprs")
	}
	for _, name := range files {
		for _, m := range parseCorpusMsgs(f, readPcap(f, name)) {
			if m.typ == nftmon.MsgNewRule || m.typ == nftmon.MsgNewSetElem {
				f.Add(uint8(m.typ), m.attrs)
			}
		}
	}
	f.Fuzz(func(t *testing.T, typ uint8, attrs []byte) {
		prefix := []byte("keep")
		dst := append(make([]byte, 0, 16), prefix...)
		var err error
		if typ%2 == 0 {
			dst, err = AppendRuleText(dst, nftmon.FamilyINet, attrs)
		} else {
			dst, err = AppendSetElemsText(dst, nftmon.FamilyIPv4, attrs)
		}
		if !bytes.HasPrefix(dst, prefix) {
			t.Fatalf("dst prefix overwritten: %q (err %v)", dst, err)
		}
		if err != nil && len(dst) != len(prefix) {
			t.Fatalf("error %v but text appended: %q", err, dst)
		}
	})
}

// FuzzExprNest: the decoders that take a nest laid out as the kernel sends
// it on a path of their own (Expr, Data, Verdict and Elem; the payload,
// cmp, meta, immediate and counter views, see layout.go) give the same values
// and errors as their general walks (decode) on every input, their byte
// slices aliasing the same bytes.
func FuzzExprNest(f *testing.F) {
	for _, nest := range exprSeeds(f) {
		f.Add(nest)
		data := exprOf(f, nest).Data
		f.Add(data)
		s := nftmon.NewAttrScanner(data)
		for s.Next() { // the data nests among the expression's attributes, and the verdicts in them
			f.Add(s.Bytes())
			for n := s.Nested(); n.Next(); {
				f.Add(n.Bytes())
			}
		}
	}
	for _, m := range allCaptured(f) { // the set elements, and their keys
		if m.Header.MsgType() != nftmon.MsgNewSetElem {
			continue
		}
		var v SetElems
		if v.Decode(m.Attrs) != nil {
			continue
		}
		for l := nftmon.NewAttrScanner(v.Elements); l.Next(); {
			f.Add(l.Bytes())
		}
	}
	f.Fuzz(func(t *testing.T, nest []byte) {
		var e, wantE Expr
		checkSame(t, &e, &wantE, e.Decode(nest), wantE.decode(nest))
		var d, wantD Data
		checkSame(t, &d, &wantD, d.Decode(nest), wantD.decode(nest))
		var v, wantV Verdict
		checkSame(t, &v, &wantV, v.Decode(nest), wantV.decode(nest))
		var p, wantP PayloadExpr
		checkSame(t, &p, &wantP, p.Decode(nest), wantP.decode(nest))
		var c, wantC CmpExpr
		checkSame(t, &c, &wantC, c.Decode(nest), wantC.decode(nest))
		var m, wantM MetaExpr
		checkSame(t, &m, &wantM, m.Decode(nest), wantM.decode(nest))
		var i, wantI ImmediateExpr
		checkSame(t, &i, &wantI, i.Decode(nest), wantI.decode(nest))
		var n, wantN CounterExpr
		checkSame(t, &n, &wantN, n.Decode(nest), wantN.decode(nest))
		var el, wantEl Elem
		checkSame(t, &el, &wantEl, el.Decode(nest), wantEl.decode(nest))
	})
}

// checkSame fails t unless got and want (pointers to two values of one
// type, from Decode and from decode) and their errors are the same, byte
// slices included: the same length, capacity and first byte.
func checkSame(t *testing.T, got, want any, err, wantErr error) {
	t.Helper()
	if err != wantErr || !sameValue(reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem()) {
		t.Fatalf("%T: Decode: %+v, %v; decode: %+v, %v", got, got, err, want, wantErr)
	}
}

// sameValue reports whether a and b are equal, their byte slices aliasing
// the same bytes (both nil, or both not nil with the same length, capacity
// and first byte).
func sameValue(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.Struct:
		for i := range a.NumField() {
			if !sameValue(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice:
		x, y := a.Bytes(), b.Bytes()
		return len(x) == len(y) && cap(x) == cap(y) && (x == nil) == (y == nil) &&
			(len(x) == 0 || &x[0] == &y[0])
	}
	return a.Equal(b)
}
