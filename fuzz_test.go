package nftmon

import (
	"encoding/binary"
	"errors"
	"path/filepath"
	"testing"
	"unsafe"

	"github.com/nftmon/nftmon/internal/pcapnl"
	"golang.org/x/sys/unix"
)

// capturedDatagrams returns the datagrams captured from the kernel: those
// embedded in attrs_test.go, and those of every testdata/*.pcap present.
func capturedDatagrams(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, h := range []string{capAddDatagram, capAddGen, capDelDatagram, capDelGen} {
		out = append(out, unhex(tb, h))
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.pcap"))
	for _, f := range files {
		out = append(out, mustDatagrams(tb, f)...)
	}
	return out
}

// addSeeds adds each distinct input once.
func addSeeds(f *testing.F, seeds ...[]byte) {
	seen := map[string]bool{}
	for _, s := range seeds {
		if !seen[string(s)] {
			seen[string(s)] = true
			f.Add(s)
		}
	}
}

// mustDatagrams returns the datagrams of a pcap file of netlink traffic,
// read by the one loader (pcapnl.Datagrams).
func mustDatagrams(tb testing.TB, path string) [][]byte {
	tb.Helper()
	dgs, err := pcapnl.Datagrams(path)
	if err != nil {
		tb.Fatal(err)
	}
	return dgs
}

// checkMalformed fails unless err is one of the preallocated parse errors.
func checkMalformed(t *testing.T, err error) {
	t.Helper()
	var pe *ParseError
	if !errors.Is(err, ErrMalformed) || !errors.As(err, &pe) || pe.What == "" {
		t.Fatalf("error %v (%T) is not a *ParseError matching ErrMalformed", err, err)
	}
}

// checkWithin fails unless sub lies inside b, capacity included.
func checkWithin(t *testing.T, what string, sub, b []byte) {
	t.Helper()
	if !within(sub, b) {
		t.Fatalf("%s [%p len %d cap %d] escapes the input [%p len %d]", what, unsafe.SliceData(sub), len(sub), cap(sub), unsafe.SliceData(b), len(b))
	}
}

func FuzzMessageScanner(f *testing.F) {
	addSeeds(f, append(capturedDatagrams(f), []byte{}, nlmsg(17, 1, 0, 0, 0, 1))...)
	f.Fuzz(func(t *testing.T, data []byte) {
		data = data[:len(data):len(data)]
		s := NewMessageScanner(data)
		consumed := 0
		for s.Next() {
			m := s.Message()
			if int(m.Header.Len) != HeaderLen+len(m.Payload) || cap(m.Payload) != len(m.Payload) {
				t.Fatalf("Len %d with a payload of %d (cap %d)", m.Header.Len, len(m.Payload), cap(m.Payload))
			}
			checkWithin(t, "payload", m.Payload, data)
			if p := uintptr(unsafe.Pointer(unsafe.SliceData(m.Payload))) - uintptr(unsafe.Pointer(unsafe.SliceData(data))); len(m.Payload) > 0 && int(p) != consumed+HeaderLen {
				t.Fatalf("payload at offset %d, want %d", p, consumed+HeaderLen)
			}
			consumed = min(consumed+align(int(m.Header.Len)), len(data))
			nf, attrs, err := m.NFGen()
			if (err == nil) != (len(m.Payload) >= NFGenLen) {
				t.Fatalf("NFGen of %d bytes: %v", len(m.Payload), err)
			}
			if err != nil {
				checkMalformed(t, err)
				if attrs != nil || nf != (NFGenMsg{}) {
					t.Fatal("NFGen returned values with an error")
				}
				continue
			}
			checkWithin(t, "attributes", attrs, data)
			a := NewAttrScanner(attrs)
			for a.Next() {
				checkWithin(t, "attribute", a.Bytes(), attrs)
			}
			if err := a.Err(); err != nil {
				checkMalformed(t, err)
			}
		}
		if err := s.Err(); err != nil {
			checkMalformed(t, err)
			if s.Next() {
				t.Fatal("Next after an error")
			}
		} else if consumed != len(data) {
			t.Fatalf("clean end after %d of %d bytes", consumed, len(data))
		}
	})
}

// walkAttrs scans b, checks every getter against a direct decoding of the
// payload, and walks nests down to depth levels.
func walkAttrs(t *testing.T, b, all []byte, depth int) {
	checkFramedAsParseAttr(t, b)
	s := NewAttrScanner(b)
	for s.Next() {
		d := s.Bytes()
		checkWithin(t, "attribute", d, b)
		checkWithin(t, "attribute", d, all)
		if cap(d) != len(d) || s.Type()&^attrTypeMask != 0 || s.Attr().Type != s.Type() {
			t.Fatalf("attribute type %#x, cap %d of %d", s.Type(), cap(d), len(d))
		}
		for _, g := range getters {
			c := s // a copy, so that each getter starts clean
			v := g.get(&c)
			if len(d) == g.size {
				var want uint64
				for _, x := range d {
					want = want<<8 | uint64(x)
				}
				if v != want || c.Err() != nil {
					t.Fatalf("%s of %x = %#x, %v", g.name, d, v, c.Err())
				}
			} else {
				if v != 0 || c.Err() != g.err || c.Next() {
					t.Fatalf("%s of %d bytes = %#x, %v", g.name, len(d), v, c.Err())
				}
				checkMalformed(t, c.Err())
			}
		}
		c := s
		str := c.StringBytes()
		if err := c.Err(); err != nil {
			checkMalformed(t, err)
			if str != nil || (len(d) > 0 && d[len(d)-1] == 0) {
				t.Fatalf("StringBytes of %x: %q, %v", d, str, err)
			}
		} else {
			checkWithin(t, "string", str, d)
			if cap(str) != len(str) || len(str) >= len(d) || d[len(str)] != 0 || bytesIndexByte(str, 0) >= 0 {
				t.Fatalf("StringBytes of %x = %q", d, str)
			}
		}
		if depth > 0 {
			walkAttrs(t, d, all, depth-1)
			c := s
			n := s.Nested()
			for n.Next() {
				checkWithin(t, "nested attribute", n.Bytes(), d)
			}
			c.Fail(n.Err())
			if c.Err() != n.Err() {
				t.Fatalf("Fail folded %v, the nested scanner says %v", c.Err(), n.Err())
			}
		}
	}
	if err := s.Err(); err != nil {
		checkMalformed(t, err)
	}
}

// checkFramedAsParseAttr checks that AttrScanner.Next, which writes out
// ParseAttr's framing rules to stay inlinable, frames b as ParseAttr does:
// the same attributes, then the same error or a clean end.
func checkFramedAsParseAttr(t *testing.T, b []byte) {
	s := NewAttrScanner(b)
	for rest, i := b, 0; ; i++ {
		next := s.Next()
		if len(rest) == 0 {
			if next || s.Err() != nil {
				t.Fatalf("attribute %d: Next %v, %v at the end of the input", i, next, s.Err())
			}
			return
		}
		a, r, err := ParseAttr(rest)
		if err != nil {
			if next || s.Err() != err {
				t.Fatalf("attribute %d: Next %v, %v; ParseAttr fails with %v", i, next, s.Err(), err)
			}
			if s.Next() || s.Err() != err {
				t.Fatalf("attribute %d: Next again %v, %v", i, next, s.Err())
			}
			return
		}
		d := s.Bytes()
		if !next || s.Type() != a.Type || len(d) != len(a.Data) || cap(d) != cap(a.Data) || (len(d) > 0 && &d[0] != &a.Data[0]) {
			t.Fatalf("attribute %d: Next %v, type %d, %d bytes (cap %d); ParseAttr: type %d, %d bytes (cap %d)",
				i, next, s.Type(), len(d), cap(d), a.Type, len(a.Data), cap(a.Data))
		}
		rest = r
	}
}

func bytesIndexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func FuzzAttrScanner(f *testing.F) {
	seeds := [][]byte{getterAttrs, attr(1|unix.NLA_F_NESTED, attr(2|unix.NLA_F_NESTED, attr(3, 'a', 0)...)...)}
	for _, d := range capturedDatagrams(f) {
		s := NewMessageScanner(d)
		for s.Next() {
			if _, attrs, err := s.Message().NFGen(); err == nil {
				seeds = append(seeds, attrs)
			}
		}
	}
	addSeeds(f, seeds...)
	f.Fuzz(func(t *testing.T, data []byte) {
		data = data[:len(data):len(data)]
		walkAttrs(t, data, data, 4)
	})
}

func FuzzGenDecode(f *testing.F) {
	var seeds [][]byte
	for _, d := range capturedDatagrams(f) {
		s := NewMessageScanner(d)
		for s.Next() {
			m := s.Message()
			if m.Header.MsgType() != MsgNewGen {
				continue
			}
			if _, attrs, err := m.NFGen(); err == nil {
				seeds = append(seeds, attrs)
			}
		}
	}
	addSeeds(f, seeds...)
	f.Fuzz(func(t *testing.T, data []byte) {
		data = data[:len(data):len(data)]
		g := Gen{ID: 1, ProcPID: 2, ProcName: []byte("stale")}
		err := g.Decode(data)
		if err != nil {
			checkMalformed(t, err)
			return
		}
		// A clean decode agrees with a plain walk: the last of each
		// attribute wins, and anything missing is zero.
		var want Gen
		s := NewAttrScanner(data)
		for s.Next() {
			switch s.Type() {
			case unix.NFTA_GEN_ID:
				want.ID = binary.BigEndian.Uint32(s.Bytes())
			case unix.NFTA_GEN_PROC_PID:
				want.ProcPID = binary.BigEndian.Uint32(s.Bytes())
			case unix.NFTA_GEN_PROC_NAME:
				want.ProcName = s.Bytes()[:bytesIndexByte(s.Bytes(), 0)]
			}
		}
		if g.ID != want.ID || g.ProcPID != want.ProcPID || string(g.ProcName) != string(want.ProcName) || (g.ProcName == nil) != (want.ProcName == nil) {
			t.Fatalf("Decode = %+v, a plain walk gives %+v", g, want)
		}
		if g.ProcName != nil {
			checkWithin(t, "ProcName", g.ProcName, data)
		}
	})
}

// nsidRef finds the nsid control message with x/sys's parser.
func nsidRef(oob []byte) (id int32, found, ok bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return 0, false, false
	}
	for _, m := range msgs {
		if m.Header.Level == unix.SOL_NETLINK && m.Header.Type == unix.NETLINK_LISTEN_ALL_NSID && len(m.Data) >= 4 {
			return int32(binary.NativeEndian.Uint32(m.Data)), true, true
		}
	}
	return 0, false, true
}

func FuzzParseNSID(f *testing.F) {
	other := make([]byte, unix.CmsgSpace(4))
	h := (*unix.Cmsghdr)(unsafe.Pointer(&other[0]))
	h.Level, h.Type = unix.SOL_SOCKET, unix.SCM_RIGHTS
	h.SetLen(unix.CmsgLen(4))
	f.Add(cmsgNSID(42))
	f.Add(cmsgNSID(-1))
	f.Add(cat(other, cmsgNSID(7)))
	f.Add(cat(cmsgNSID(1), cmsgNSID(2)))
	f.Add(cmsgNSID(3)[:unix.CmsgLen(4)])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, oob []byte) {
		id, ok := parseNSID(oob)
		if !ok && id != 0 {
			t.Fatalf("parseNSID = %d without ok", id)
		}
		if ok && len(oob) < unix.CmsgLen(4) {
			t.Fatalf("nsid %d found in %d bytes", id, len(oob))
		}
		if rid, found, valid := nsidRef(oob); valid && (found != ok || rid != id) {
			t.Fatalf("parseNSID = %d, %v; x/sys finds %d, %v", id, ok, rid, found)
		}
	})
}
