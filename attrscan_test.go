package nftmon

import (
	"bytes"
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseAttr(t *testing.T) {
	in := cat(nla(5, unix.NFTA_TABLE_NAME|unix.NLA_F_NESTED, 'x'), []byte{0xee, 0xee, 0xee}, nla(8, 2, 1, 2, 3, 4))
	a, rest, err := ParseAttr(in)
	if err != nil {
		t.Fatal(err)
	}
	if a.Type != unix.NFTA_TABLE_NAME || !bytes.Equal(a.Data, []byte{'x'}) || &a.Data[0] != &in[4] || cap(a.Data) != 1 {
		t.Fatalf("attr %+v (cap %d), want type 1 data x aliasing the input", a, cap(a.Data))
	}
	if len(rest) != 8 || &rest[0] != &in[8] {
		t.Fatalf("rest has %d bytes, want the 8 after the padding", len(rest))
	}
	a, rest, err = ParseAttr(rest)
	if err != nil || a.Type != 2 || len(a.Data) != 4 || len(rest) != 0 {
		t.Fatalf("second attr %+v rest %d err %v", a, len(rest), err)
	}
}

func TestAttrScannerFraming(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    []byte
		types []uint16
		lens  []int
	}{
		{"empty", nil, nil, nil},
		{"header only", nla(4, 7), []uint16{7}, []int{0}},
		{"unpadded last", cat(attr(1, 1, 2, 3), nla(5, 2, 9)), []uint16{1, 2}, []int{3, 1}},
		{"partial padding at the end", cat(attr(1, 1, 2, 3, 4), nla(5, 2, 9), []byte{0}), []uint16{1, 2}, []int{4, 1}},
		{"padding skipped", cat(attr(1, 1), attr(2, 1, 2), attr(3, 1, 2, 3), attr(4, 1, 2, 3, 4), attr(5, 1, 2, 3, 4, 5)), []uint16{1, 2, 3, 4, 5}, []int{1, 2, 3, 4, 5}},
		{"flags masked", cat(attr(1|unix.NLA_F_NESTED), attr(2|unix.NLA_F_NET_BYTEORDER), attr(3|unix.NLA_F_NESTED|unix.NLA_F_NET_BYTEORDER), attr(0x3fff)), []uint16{1, 2, 3, 0x3fff}, []int{0, 0, 0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var types []uint16
			var lens []int
			s := NewAttrScanner(tc.in)
			for s.Next() {
				if s.Attr().Type != s.Type() || len(s.Attr().Data) != len(s.Bytes()) {
					t.Errorf("Attr() %+v disagrees with Type %d / Bytes %x", s.Attr(), s.Type(), s.Bytes())
				}
				if !within(s.Bytes(), tc.in) || cap(s.Bytes()) != len(s.Bytes()) {
					t.Errorf("attr %d: payload outside the input or cap not limited", len(types))
				}
				types = append(types, s.Type())
				lens = append(lens, len(s.Bytes()))
			}
			if err := s.Err(); err != nil {
				t.Fatal(err)
			}
			if len(types) != len(tc.types) {
				t.Fatalf("types %v lens %v, want %v %v", types, lens, tc.types, tc.lens)
			}
			for i := range types {
				if types[i] != tc.types[i] || lens[i] != tc.lens[i] {
					t.Fatalf("types %v lens %v, want %v %v", types, lens, tc.types, tc.lens)
				}
			}
		})
	}
}

// TestAttrAliasing checks that views alias the input and that appending to
// one cannot overwrite what follows it.
func TestAttrAliasing(t *testing.T) {
	in := cat(attr(1, 'a', 'b', 0), attr(2, 1, 2, 3, 4), attr(3, 0xde, 0xad))
	orig := bytes.Clone(in)
	s := NewAttrScanner(in)
	var views [][]byte
	for s.Next() {
		b := s.Bytes()
		if s.Type() == 1 {
			b = s.StringBytes()
			if string(b) != "ab" || cap(b) != 2 {
				t.Fatalf("StringBytes %q cap %d", b, cap(b))
			}
		}
		views = append(views, b)
		_ = append(b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
	}
	if s.Err() != nil {
		t.Fatal(s.Err())
	}
	if !bytes.Equal(in, orig) {
		t.Fatalf("appending to views changed the input:\n got %x\nwant %x", in, orig)
	}
	for i, off := range []int{4, 12, 20} {
		if &views[i][0] != &in[off] {
			t.Errorf("view %d does not alias input offset %d", i, off)
		}
	}
	in[12] = 9
	if views[1][0] != 9 {
		t.Error("a view does not see writes to the input")
	}
}

func TestAttrMalformed(t *testing.T) {
	good := attr(1, 1, 2, 3, 4)
	for _, tc := range []struct {
		name string
		in   []byte
		good int // well-formed attributes before the bad one
		want error
	}{
		{"1 byte", []byte{4}, 0, errAttrShort},
		{"3 bytes", []byte{4, 0, 1}, 0, errAttrShort},
		{"len 0", nla(0, 1, 1, 2, 3, 4), 0, errAttrLenShort},
		{"len 3", nla(3, 1, 1, 2, 3, 4), 0, errAttrLenShort},
		{"len overruns by 1", nla(9, 1, 1, 2, 3, 4), 0, errAttrLenOverrun},
		{"len 0xffff", nla(0xffff, 1, 1, 2, 3, 4), 0, errAttrLenOverrun},
		{"trailing garbage", cat(good, []byte{8, 0}), 1, errAttrShort},
		{"second overruns", cat(good, nla(12, 2, 1, 2, 3, 4)), 1, errAttrLenOverrun},
		{"second underruns", cat(good, good, nla(2, 2, 1, 2, 3, 4)), 2, errAttrLenShort},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, rest, err := ParseAttr(tc.in[tc.good*len(good):])
			checkReason(t, err, tc.want)
			if rest != nil {
				t.Errorf("ParseAttr returned %d bytes of rest with an error", len(rest))
			}
			s := NewAttrScanner(tc.in)
			n := 0
			for s.Next() {
				n++
			}
			if n != tc.good {
				t.Errorf("scanner yielded %d attributes before the error, want %d", n, tc.good)
			}
			checkReason(t, s.Err(), tc.want)
			if s.Next() {
				t.Error("Next after an error reported true")
			}
			s.Reset(good)
			if !s.Next() || s.Err() != nil || s.Uint32() != 0x01020304 || s.Next() || s.Err() != nil {
				t.Errorf("Reset did not forget the error: %v", s.Err())
			}
		})
	}
}

// getters names each typed getter, with the only payload size it accepts and
// its error for any other.
var getters = []struct {
	name string
	size int
	err  error
	get  func(s *AttrScanner) uint64
}{
	{"Uint8", 1, errAttrU8Size, func(s *AttrScanner) uint64 { return uint64(s.Uint8()) }},
	{"Uint16", 2, errAttrU16Size, func(s *AttrScanner) uint64 { return uint64(s.Uint16()) }},
	{"Uint32", 4, errAttrU32Size, func(s *AttrScanner) uint64 { return uint64(s.Uint32()) }},
	{"Int32", 4, errAttrU32Size, func(s *AttrScanner) uint64 { return uint64(uint32(s.Int32())) }},
	{"Uint64", 8, errAttrU64Size, func(s *AttrScanner) uint64 { return s.Uint64() }},
}

func TestAttrGetters(t *testing.T) {
	payload := []byte{0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89}
	for _, g := range getters {
		for size := 0; size <= len(payload); size++ {
			in := cat(attr(1, payload[:size]...), attr(2, 1))
			s := NewAttrScanner(in)
			if !s.Next() {
				t.Fatalf("%s size %d: no attribute: %v", g.name, size, s.Err())
			}
			v := g.get(&s)
			if size == g.size {
				var want uint64
				for _, c := range payload[:size] { // big-endian
					want = want<<8 | uint64(c)
				}
				if v != want || s.Err() != nil {
					t.Errorf("%s of %d bytes = %#x, %v; want %#x", g.name, size, v, s.Err(), want)
				}
				if !s.Next() || s.Type() != 2 {
					t.Errorf("%s: scan stopped after a good getter", g.name)
				}
				continue
			}
			if v != 0 {
				t.Errorf("%s of %d bytes = %#x, want 0", g.name, size, v)
			}
			checkReason(t, s.Err(), g.err)
			if s.Next() {
				t.Errorf("%s of %d bytes: Next reported true after the error", g.name, size)
			}
			// The first error sticks, even when a later getter fails differently.
			_ = s.StringBytes()
			s.Fail(errAttrStrNoNUL)
			checkReason(t, s.Err(), g.err)
		}
	}
	s := NewAttrScanner(attr(1, 0xff, 0xff, 0xff, 0x85))
	if !s.Next() || s.Int32() != -123 || s.Err() != nil {
		t.Fatalf("Int32 of ffffff85 = %d, %v; want -123", s.Int32(), s.Err())
	}
}

func TestAttrStringBytes(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string
		err  error
	}{
		{"plain", []byte("filter\x00"), "filter", nil},
		{"only NUL", []byte{0}, "", nil},
		{"trailing NULs", []byte("ab\x00\x00\x00"), "ab", nil},
		{"stops at the first NUL", []byte("ab\x00cd\x00"), "ab", nil},
		{"empty", nil, "", errAttrStrEmpty},
		{"no NUL", []byte("abc"), "", errAttrStrNoNUL},
		{"NUL not last", []byte("ab\x00c"), "", errAttrStrNoNUL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := cat(attr(3, tc.data...), attr(4, 1, 2, 3, 4))
			s := NewAttrScanner(in)
			if !s.Next() {
				t.Fatal(s.Err())
			}
			got := s.StringBytes()
			if tc.err != nil {
				if got != nil {
					t.Errorf("got %q with an error, want nil", got)
				}
				checkReason(t, s.Err(), tc.err)
				return
			}
			if s.Err() != nil || string(got) != tc.want {
				t.Fatalf("got %q, %v; want %q", got, s.Err(), tc.want)
			}
			if got == nil || cap(got) != len(got) || !within(got, in) {
				t.Errorf("view %q is nil, outside the input or has cap %d", got, cap(got))
			}
			if !s.Next() || s.Uint32() != 0x01020304 {
				t.Error("scan did not go on after a good string")
			}
		})
	}
}

func TestAttrNested(t *testing.T) {
	inner := cat(attr(1, 0, 0, 0, 7), attr(2|unix.NLA_F_NESTED, attr(1, 0, 0, 0, 8)...))
	in := cat(attr(5|unix.NLA_F_NESTED, inner...), attr(6, 0, 0, 0, 9))
	s := NewAttrScanner(in)
	var got []uint32
	for s.Next() {
		switch s.Type() {
		case 5:
			n := s.Nested()
			for n.Next() {
				switch n.Type() {
				case 1:
					got = append(got, n.Uint32())
				case 2:
					m := n.Nested()
					for m.Next() {
						got = append(got, m.Uint32())
					}
					n.Fail(m.Err())
				}
			}
			s.Fail(n.Err())
		case 6:
			got = append(got, s.Uint32())
		}
	}
	if s.Err() != nil || len(got) != 3 || got[0] != 7 || got[1] != 8 || got[2] != 9 {
		t.Fatalf("got %v, %v; want [7 8 9]", got, s.Err())
	}
}

// TestAttrNestedLies checks that a nested attribute is bounded by its
// container, not by the buffer the container lies in.
func TestAttrNestedLies(t *testing.T) {
	// The outer attribute holds 8 bytes; the inner one claims 12, which the
	// buffer has (the next outer attribute) but the container does not.
	in := cat(attr(1, nla(12, 1, 0, 0, 0, 0)...), attr(2, 0, 0, 0, 9))
	s := NewAttrScanner(in)
	if !s.Next() {
		t.Fatal(s.Err())
	}
	n := s.Nested()
	if n.Next() {
		t.Fatalf("nested scanner read %+v past its container", n.Attr())
	}
	checkReason(t, n.Err(), errAttrLenOverrun)
	if s.Err() != nil {
		t.Fatal("Nested folded its error without being asked")
	}
	s.Fail(n.Err())
	checkReason(t, s.Err(), errAttrLenOverrun)
	if s.Next() {
		t.Fatal("Next after Fail reported true")
	}

	// A nested attribute with an empty payload has nothing inside.
	s.Reset(attr(1))
	if !s.Next() {
		t.Fatal(s.Err())
	}
	n = s.Nested()
	if n.Next() || n.Err() != nil {
		t.Fatalf("empty nest: Next true or error %v", n.Err())
	}
	// Not a nest at all: a string read as attributes.
	s.Reset(attr(1, 'a', 'b', 'c', 0))
	s.Next()
	n = s.Nested()
	for n.Next() {
	}
	s.Fail(n.Err())
	checkReason(t, s.Err(), errAttrLenOverrun) // "ab" read as the length 0x6261 on little endian
}

func TestAttrFail(t *testing.T) {
	errA, errB := errors.New("a"), errors.New("b")
	s := NewAttrScanner(cat(attr(1), attr(2)))
	if !s.Next() {
		t.Fatal(s.Err())
	}
	s.Fail(nil)
	if s.Err() != nil {
		t.Fatal("Fail(nil) recorded an error")
	}
	s.Fail(errA)
	s.Fail(errB)
	if s.Err() != errA {
		t.Fatalf("Err %v, want the first error a", s.Err())
	}
	if s.Next() {
		t.Fatal("Next after Fail reported true")
	}
	s.Reset(attr(3))
	if s.Err() != nil || !s.Next() || s.Type() != 3 {
		t.Fatal("Reset did not restart the scan")
	}
}
