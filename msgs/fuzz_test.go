package msgs

import (
	"errors"
	"reflect"
	"testing"
	"unsafe"

	"github.com/nftmon/nftmon"
)

// decodeAll decodes attrs as a message of type typ into its view, and walks
// every iterator of the view (elements, their expressions, devices, rule and
// set expressions), returning the first error. It is what a thorough caller
// does with each message.
func decodeAll(typ nftmon.MsgType, attrs []byte) error {
	if typ == nftmon.MsgTrace {
		var v Trace
		return v.Decode(attrs)
	}
	switch typ.Object() {
	case nftmon.ObjectTable:
		var v Table
		return v.Decode(attrs)
	case nftmon.ObjectChain:
		var v Chain
		if err := v.Decode(attrs); err != nil {
			return err
		}
		d := v.Hook.Devices()
		for d.Next() {
		}
		return d.Err()
	case nftmon.ObjectRule:
		var v Rule
		if err := v.Decode(attrs); err != nil {
			return err
		}
		return walkExprs(v.Exprs())
	case nftmon.ObjectSet:
		var v Set
		if err := v.Decode(attrs); err != nil {
			return err
		}
		if v.Expr != nil {
			var e Expr
			if err := e.Decode(v.Expr); err != nil {
				return err
			}
		}
		return walkExprs(v.Exprs())
	case nftmon.ObjectSetElem:
		var v SetElems
		if err := v.Decode(attrs); err != nil {
			return err
		}
		s := v.Elems()
		for s.Next() {
			el := s.Elem()
			if el.Expr != nil {
				var e Expr
				if err := e.Decode(el.Expr); err != nil {
					return err
				}
			}
			if err := walkExprs(el.Exprs()); err != nil {
				return err
			}
		}
		return s.Err()
	case nftmon.ObjectObj:
		var v Obj
		return v.Decode(attrs)
	case nftmon.ObjectFlowtable:
		var v Flowtable
		if err := v.Decode(attrs); err != nil {
			return err
		}
		d := v.Hook.Devices()
		for d.Next() {
		}
		return d.Err()
	case nftmon.ObjectGen:
		var v nftmon.Gen
		return v.Decode(attrs)
	}
	return nil
}

func walkExprs(s ExprScanner) error {
	for s.Next() {
	}
	return s.Err()
}

// fuzzMaxBytes bounds FuzzDecode's input (its comment says why).
const fuzzMaxBytes = 512

// FuzzDecode feeds arbitrary attributes to the decoder of an arbitrary
// message type. Seeds: every message of every capture. Invariants: no
// panic, and an error is always a *nftmon.ParseError matching
// nftmon.ErrMalformed (valid input gives nil; the decoders have no other
// kind of failure). A decoded view's slices must lie within the input,
// which decodeAndCheck asserts.
func FuzzDecode(f *testing.F) {
	// A few seeds per message type and size: the big capture alone has
	// thousands of messages that differ only in their keys.
	// Messages longer than fuzzMaxBytes are left out, and inputs longer
	// return at once: the fuzzer minimizes every input that finds new
	// coverage before it goes on fuzzing, by up to a quadratic number of
	// runs in the input's length, for -fuzzminimizetime (a minute) at
	// most, and mutations of the captures' messages of some KB kept both
	// workers minimizing for all of a 15 s run.
	seen := map[[2]int]int{}
	for _, m := range allCaptured(f) {
		k := [2]int{int(m.Header.MsgType()), len(m.Attrs)}
		if seen[k]++; seen[k] > 2 || len(m.Attrs) > fuzzMaxBytes {
			continue
		}
		f.Add(uint8(m.Header.MsgType()), m.Attrs)
	}
	for _, s := range traceSeeds(f)[:4] {
		f.Add(uint8(nftmon.MsgTrace), s)
	}
	f.Fuzz(func(t *testing.T, typ uint8, attrs []byte) {
		if len(attrs) > fuzzMaxBytes {
			return
		}
		checkKernelPaths(t, nftmon.MsgType(typ), attrs)
		err := decodeAll(nftmon.MsgType(typ), attrs)
		if err == nil {
			checkWithin(t, nftmon.MsgType(typ), attrs)
			return
		}
		var pe *nftmon.ParseError
		if !errors.As(err, &pe) || !errors.Is(err, nftmon.ErrMalformed) {
			t.Fatalf("error %v (%T) is not a *nftmon.ParseError matching ErrMalformed", err, err)
		}
	})
}

// checkKernelPaths checks that the views that take a message laid out as
// the kernel sends it on a path of their own (Rule, SetElems) give the same
// values and errors as their general walks (decode, which leaves the value
// to Decode to zero on error).
func checkKernelPaths(t *testing.T, typ nftmon.MsgType, attrs []byte) {
	switch typ.Object() {
	case nftmon.ObjectRule:
		var r, want Rule
		wantErr := want.decode(attrs)
		if wantErr != nil {
			want = Rule{}
		}
		checkSame(t, &r, &want, r.Decode(attrs), wantErr)
	case nftmon.ObjectSetElem:
		var e, want SetElems
		wantErr := want.decode(attrs)
		if wantErr != nil {
			want = SetElems{}
		}
		checkSame(t, &e, &want, e.Decode(attrs), wantErr)
	}
}

// checkWithin decodes a valid input again and checks that the views' byte
// slices alias the input (they are views, never copies or stray memory).
func checkWithin(t *testing.T, typ nftmon.MsgType, attrs []byte) {
	in := func(what string, b []byte) {
		if b == nil {
			return
		}
		if len(b) > 0 && !within(attrs, b) {
			t.Fatalf("%s %q does not alias the input", what, b)
		}
	}
	if typ == nftmon.MsgTrace {
		var v Trace
		_ = v.Decode(attrs)
		checkSlices(t, reflect.ValueOf(&v), attrs, "Trace")
		return
	}
	switch typ.Object() {
	case nftmon.ObjectTable:
		var v Table
		_ = v.Decode(attrs)
		in("name", v.Name)
		in("userdata", v.UserData)
	case nftmon.ObjectChain:
		var v Chain
		_ = v.Decode(attrs)
		in("table", v.Table)
		in("name", v.Name)
		in("type", v.Type)
		in("dev", v.Hook.Dev)
		d := v.Hook.Devices()
		for d.Next() {
			in("device", d.Device().Name)
		}
	case nftmon.ObjectSetElem:
		var v SetElems
		_ = v.Decode(attrs)
		s := v.Elems()
		for s.Next() {
			el := s.Elem()
			in("key", el.Key)
			in("keyend", el.KeyEnd)
			in("data", el.Data)
			in("verdict chain", el.Verdict.Chain)
			in("objref", el.ObjRef)
		}
	}
}

// within reports whether b lies inside buf's memory.
func within(buf, b []byte) bool {
	start := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return p >= start && p+uintptr(len(b)) <= start+uintptr(len(buf))
}
