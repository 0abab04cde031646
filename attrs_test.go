package nftmon

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Datagrams captured from the kernel (6.18, nft 1.0.6) with a Conn joined to
// NFNLGRP_NFTABLES inside a fresh network namespace, while nft -f ran:
//
//	add table inet t
//	add chain inet t c { type filter hook input priority 0; policy accept; }
//	add set inet t s { type ipv4_addr; }
//	add element inet t s { 10.0.0.1, 10.0.0.2 }
//	add rule inet t c ip saddr @s counter accept
//	add rule inet t c tcp dport { 22, 80 } drop
//
// (capAddDatagram, then capAddGen), and then "delete table inet t"
// (capDelDatagram, then capDelGen). To regenerate, read the datagrams a
// Conn receives for that script (as TestReceiveMatchesNftMonitor does) and
// hex-encode them.
const (
	capAddDatagram = "" +
		"38000000000a0000010000003b20000001000002060001007400000008000300000000030c0004000000000000000001" +
		"080002000000000068000000030a0004020000003b20000001000002060001007400000006000300630000000c000200" +
		"0000000000000001140004000800010000000001080002000000000008000500000000010b00070066696c7465720000" +
		"08000a0000000001080006000000000270000000090a0004030000003b20000001000002060001007400000006000200" +
		"730000000c0010000000000000000002080004000000000708000500000000040a000d00000402000000000004000900" +
		"1700130030786666666666666666383235303866343000000800140000000002380000000c0a0004000000003b200000" +
		"010000020600010074000000060002007300000014000300100001000c000100080001000a000001380000000c0a0004" +
		"000000003b200000010000020600010074000000060002007300000014000300100001000c000100080001000a000002" +
		"40010000060a000c050000003b20000001000002060001007400000006000200630000000c0003000000000000000003" +
		"1001040024000100090001006d6574610000000014000200080002000000000f08000100000000012c00010008000100" +
		"636d700020000200080001000000000108000200000000000c0003000500010002000000340001000c0001007061796c" +
		"6f6164002400020008000100000000010800020000000001080003000000000c08000400000000042c0001000b000100" +
		"6c6f6f6b757000001c0002000600010073000000080002000000000108000500000000002c0001000c000100636f756e" +
		"746572001c0002000c00010000000000000000000c0002000000000000000000300001000e000100696d6d6564696174" +
		"650000001c0002000800010000000000100002000c000200080001000000000198000000090a0004060000003b200000" +
		"0100000206000100740000000b0002005f5f7365743000000c0010000000000000000004080003000000000308000400" +
		"0000000d080005000000000220000d000004020000000314000407000000010c0004080000000104020000000c000900" +
		"080001000000000217001300307866666666666666663832353039303230000008001400000000023c0000000c0a0004" +
		"000000003b2000000100000206000100740000000b0002005f5f73657430000014000300100001000c00010006000100" +
		"001600003c0000000c0a0004000000003b2000000100000206000100740000000b0002005f5f73657430000014000300" +
		"100001000c000100060001000050000018010000060a000c080000003b20000001000002060001007400000006000200" +
		"630000000c0003000000000000000005e800040024000100090001006d65746100000000140002000800020000000010" +
		"08000100000000012c00010008000100636d700020000200080001000000000108000200000000000c00030005000100" +
		"06000000340001000c0001007061796c6f61640024000200080001000000000108000200000000020800030000000002" +
		"0800040000000002300001000b0001006c6f6f6b75700000200002000b0001005f5f7365743000000800020000000001" +
		"0800050000000000300001000e000100696d6d6564696174650000001c0002000800010000000000100002000c000200" +
		"0800010000000000"
	capAddGen = "" +
		"2c0000000f0a0000010000003b200000000000020800010000000002080002000000203b080003006e667400"
	capDelDatagram = "" +
		"40010000080a0000010000003d20000001000003060001007400000006000200630000000c0003000000000000000003" +
		"1001040024000100090001006d6574610000000014000200080002000000000f08000100000000012c00010008000100" +
		"636d700020000200080001000000000108000200000000000c0003000500010002000000340001000c0001007061796c" +
		"6f6164002400020008000100000000010800020000000001080003000000000c08000400000000042c0001000b000100" +
		"6c6f6f6b757000001c0002000600010073000000080002000000000108000500000000002c0001000c000100636f756e" +
		"746572001c0002000c00010000000000000000000c0002000000000000000000300001000e000100696d6d6564696174" +
		"650000001c0002000800010000000000100002000c000200080001000000000118010000080a0000010000003d200000" +
		"01000003060001007400000006000200630000000c0003000000000000000005e800040024000100090001006d657461" +
		"0000000014000200080002000000001008000100000000012c00010008000100636d7000200002000800010000000001" +
		"08000200000000000c0003000500010006000000340001000c0001007061796c6f616400240002000800010000000001" +
		"080002000000000208000300000000020800040000000002300001000b0001006c6f6f6b75700000200002000b000100" +
		"5f5f73657430000008000200000000010800050000000000300001000e000100696d6d6564696174650000001c000200" +
		"0800010000000000100002000c0002000800010000000000340000000b0a0000010000003d2000000100000306000100" +
		"740000000b0002005f5f7365743000000c0010000000000000000004300000000b0a0000010000003d20000001000003" +
		"060001007400000006000200730000000c001000000000000000000230000000050a0000010000003d20000001000003" +
		"060001007400000006000300630000000c000200000000000000000130000000020a0000010000003d20000001000003" +
		"060001007400000008000300000000000c0004000000000000000001"
	capDelGen = "" +
		"2c0000000f0a0000010000003d200000000000030800010000000003080002000000203d080003006e667400"
)

// Message types of the captured datagrams, in order.
var (
	capAddTypes = []MsgType{MsgNewTable, MsgNewChain, MsgNewSet, MsgNewSetElem, MsgNewSetElem, MsgNewRule,
		MsgNewSet, MsgNewSetElem, MsgNewSetElem, MsgNewRule}
	capDelTypes = []MsgType{MsgDelRule, MsgDelRule, MsgDelSet, MsgDelSet, MsgDelChain, MsgDelTable}
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// nlmsg builds a netlink message header of length l (which need not be
// honest) followed by payload, without padding.
func nlmsg(l uint32, typ, flags uint16, seq, pid uint32, payload ...byte) []byte {
	b := make([]byte, HeaderLen, HeaderLen+len(payload))
	binary.NativeEndian.PutUint32(b[0:], l)
	binary.NativeEndian.PutUint16(b[4:], typ)
	binary.NativeEndian.PutUint16(b[6:], flags)
	binary.NativeEndian.PutUint32(b[8:], seq)
	binary.NativeEndian.PutUint32(b[12:], pid)
	return append(b, payload...)
}

// nla builds an attribute header of length l (which need not be honest)
// followed by data, without padding.
func nla(l, typ uint16, data ...byte) []byte {
	b := make([]byte, AttrHeaderLen, AttrHeaderLen+len(data))
	binary.NativeEndian.PutUint16(b[0:], l)
	binary.NativeEndian.PutUint16(b[2:], typ)
	return append(b, data...)
}

// attr builds an honest attribute, padded.
func attr(typ uint16, data ...byte) []byte {
	b := nla(uint16(AttrHeaderLen+len(data)), typ, data...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// within reports whether sub lies inside b, capacity included, so that
// appending to sub can never write into b past sub's end.
func within(sub, b []byte) bool {
	if cap(sub) == 0 {
		return true
	}
	if cap(b) == 0 {
		return false
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	hi := lo + uintptr(len(b))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(sub)))
	return p >= lo && p+uintptr(cap(sub)) <= hi
}

// checkReason asserts that err is the preallocated reason want, that it
// matches ErrMalformed, and that its text says what was wrong.
func checkReason(t *testing.T, err, want error) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	if err != want {
		t.Fatalf("error %q, want %q", err, want)
	}
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("errors.Is(%q, ErrMalformed) = false", err)
	}
	var pe *ParseError
	if !errors.As(err, &pe) || pe.What == "" || !strings.HasSuffix(err.Error(), pe.What) {
		t.Fatalf("error %q does not say what was wrong", err)
	}
}

func TestMessageScannerCapture(t *testing.T) {
	for _, tc := range []struct {
		name  string
		hex   string
		types []MsgType
		fam   Family
	}{
		{"add", capAddDatagram, capAddTypes, FamilyINet},
		{"add gen", capAddGen, []MsgType{MsgNewGen}, FamilyUnspec},
		{"delete", capDelDatagram, capDelTypes, FamilyINet},
		{"delete gen", capDelGen, []MsgType{MsgNewGen}, FamilyUnspec},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := unhex(t, tc.hex)
			var got []MsgType
			total := 0
			s := NewMessageScanner(b)
			for s.Next() {
				m := s.Message()
				if !m.Header.IsNFTables() || m.Header.Subsystem() != unix.NFNL_SUBSYS_NFTABLES {
					t.Errorf("message %d: subsystem %d, want nftables", len(got), m.Header.Subsystem())
				}
				if int(m.Header.Len) != HeaderLen+len(m.Payload) {
					t.Errorf("message %d: Len %d but payload %d", len(got), m.Header.Len, len(m.Payload))
				}
				if m.Header.PortID == 0 {
					t.Errorf("message %d: nlmsg_pid 0, want the port id of nft's socket", len(got))
				}
				if !within(m.Payload, b) || cap(m.Payload) != len(m.Payload) {
					t.Errorf("message %d: payload does not alias the input with a limited cap", len(got))
				}
				nf, attrs, err := m.NFGen()
				if err != nil {
					t.Fatalf("message %d: %v", len(got), err)
				}
				if nf.Family != tc.fam || nf.Version != unix.NFNETLINK_V0 {
					t.Errorf("message %d: nfgenmsg %+v, want family %s version 0", len(got), nf, tc.fam)
				}
				if len(attrs) != len(m.Payload)-NFGenLen {
					t.Errorf("message %d: %d attribute bytes of a %d-byte payload", len(got), len(attrs), len(m.Payload))
				}
				// The attributes of every captured message are well formed.
				as := NewAttrScanner(attrs)
				for as.Next() {
				}
				if err := as.Err(); err != nil {
					t.Errorf("message %d (%s): %v", len(got), m.Header.MsgType(), err)
				}
				got = append(got, m.Header.MsgType())
				total += align(int(m.Header.Len))
			}
			if err := s.Err(); err != nil {
				t.Fatal(err)
			}
			if !equalTypes(got, tc.types) {
				t.Fatalf("types %v, want %v", got, tc.types)
			}
			if total != len(b) {
				t.Fatalf("messages cover %d bytes of %d", total, len(b))
			}
		})
	}
}

func equalTypes(a, b []MsgType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestParseMessageFields(t *testing.T) {
	b := nlmsg(21, 0x0a06, unix.NLM_F_CREATE|unix.NLM_F_APPEND, 7, 4242, 1, 0, 0, 9, 0xff)
	b = append(b, 0xee, 0xee, 0xee) // padding
	b = append(b, nlmsg(16, unix.NLMSG_DONE, 0, 8, 4242)...)
	m, rest, err := ParseMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	want := Header{Len: 21, Type: 0x0a06, Flags: unix.NLM_F_CREATE | unix.NLM_F_APPEND, Seq: 7, PortID: 4242}
	if m.Header != want {
		t.Fatalf("header %+v, want %+v", m.Header, want)
	}
	if m.Header.Subsystem() != 10 || m.Header.MsgType() != MsgNewRule || !m.Header.IsNFTables() {
		t.Fatalf("subsystem %d type %s", m.Header.Subsystem(), m.Header.MsgType())
	}
	if !bytes.Equal(m.Payload, []byte{1, 0, 0, 9, 0xff}) || &m.Payload[0] != &b[16] {
		t.Fatalf("payload %x does not alias the input", m.Payload)
	}
	if len(rest) != 16 || &rest[0] != &b[24] {
		t.Fatalf("rest has %d bytes, want the 16 after the padding", len(rest))
	}
	// Appending to the payload must not clobber the padding or the next message.
	orig := bytes.Clone(b)
	_ = append(m.Payload, 1, 2, 3, 4, 5, 6, 7, 8)
	if !bytes.Equal(b, orig) {
		t.Fatal("appending to a payload overwrote the input")
	}
	m2, rest, err := ParseMessage(rest)
	if err != nil || m2.Header.Type != unix.NLMSG_DONE || len(rest) != 0 || len(m2.Payload) != 0 {
		t.Fatalf("second message %+v rest %d err %v", m2, len(rest), err)
	}
	if (&Header{Type: unix.NLMSG_DONE}).IsNFTables() {
		t.Fatal("NLMSG_DONE claims to be nftables")
	}
}

func TestMessageScannerFraming(t *testing.T) {
	pad := func(b []byte) []byte {
		for len(b)%4 != 0 {
			b = append(b, 0xaa)
		}
		return b
	}
	for _, tc := range []struct {
		name     string
		in       []byte
		payloads []int // payload length of each message
	}{
		{"empty", nil, nil},
		{"one", nlmsg(16, 1, 0, 1, 0), []int{0}},
		{"padded and unpadded last", cat(pad(nlmsg(17, 1, 0, 1, 0, 1)), pad(nlmsg(22, 2, 0, 2, 0, 1, 2, 3, 4, 5, 6)), nlmsg(19, 3, 0, 3, 0, 7, 8, 9)), []int{1, 6, 3}},
		{"partial padding at the end", append(nlmsg(17, 1, 0, 1, 0, 1), 0), []int{1}},
		{"three aligned", cat(nlmsg(20, 1, 0, 1, 0, 1, 2, 3, 4), nlmsg(16, 2, 0, 2, 0), nlmsg(24, 3, 0, 3, 0, 1, 2, 3, 4, 5, 6, 7, 8)), []int{4, 0, 8}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []int
			s := NewMessageScanner(tc.in)
			for s.Next() {
				m := s.Message()
				if int(m.Header.Type) != len(got)+1 || int(m.Header.Seq) != len(got)+1 {
					t.Errorf("message %d: type %d seq %d", len(got), m.Header.Type, m.Header.Seq)
				}
				if !within(m.Payload, tc.in) {
					t.Errorf("message %d: payload outside the input", len(got))
				}
				got = append(got, len(m.Payload))
			}
			if err := s.Err(); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.payloads) {
				t.Fatalf("payload lengths %v, want %v", got, tc.payloads)
			}
			for i := range got {
				if got[i] != tc.payloads[i] {
					t.Fatalf("payload lengths %v, want %v", got, tc.payloads)
				}
			}
		})
	}
}

func TestMessageMalformed(t *testing.T) {
	good := nlmsg(20, 1, 0, 1, 0, 1, 2, 3, 4)
	for _, tc := range []struct {
		name string
		in   []byte
		good int // well-formed messages before the bad one
		want error
	}{
		{"1 byte", []byte{16}, 0, errMsgShort},
		{"15 bytes", nlmsg(16, 1, 0, 0, 0)[:15], 0, errMsgShort},
		{"len 0", nlmsg(0, 1, 0, 0, 0), 0, errMsgLenShort},
		{"len 15", nlmsg(15, 1, 0, 0, 0), 0, errMsgLenShort},
		{"len overruns by 1", nlmsg(21, 1, 0, 0, 0, 1, 2, 3, 4), 0, errMsgLenOverrun},
		{"len 0xffffffff", nlmsg(0xffffffff, 1, 0, 0, 0, 1, 2, 3, 4), 0, errMsgLenOverrun},
		{"len 0x80000000", nlmsg(0x80000000, 1, 0, 0, 0), 0, errMsgLenOverrun},
		{"trailing garbage after a good message", cat(good, []byte{1, 2, 3, 4}), 1, errMsgShort},
		{"second message overruns", cat(good, nlmsg(64, 2, 0, 0, 0, 1)), 1, errMsgLenOverrun},
		{"second message underruns", cat(good, nlmsg(4, 2, 0, 0, 0)), 1, errMsgLenShort},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, rest, err := ParseMessage(tc.in[tc.good*len(good):])
			checkReason(t, err, tc.want)
			if rest != nil {
				t.Errorf("ParseMessage returned %d bytes of rest with an error", len(rest))
			}
			s := NewMessageScanner(tc.in)
			n := 0
			for s.Next() {
				n++
			}
			if n != tc.good {
				t.Errorf("scanner yielded %d messages before the error, want %d", n, tc.good)
			}
			checkReason(t, s.Err(), tc.want)
			if s.Next() {
				t.Error("Next after an error reported true")
			}
			checkReason(t, s.Err(), tc.want)
			s.Reset(good)
			if !s.Next() || s.Err() != nil || s.Next() || s.Err() != nil {
				t.Errorf("Reset did not forget the error: %v", s.Err())
			}
		})
	}
}

func TestParseNFGen(t *testing.T) {
	nf, attrs, err := ParseNFGen([]byte{2, 0, 0x12, 0x34, 0xaa})
	if err != nil || nf != (NFGenMsg{Family: FamilyIPv4, Version: 0, ResID: 0x1234}) || len(attrs) != 1 || attrs[0] != 0xaa {
		t.Fatalf("ParseNFGen = %+v, %x, %v", nf, attrs, err)
	}
	nf, attrs, err = ParseNFGen([]byte{1, 0, 0, 1})
	if err != nil || nf.ResID != 1 || len(attrs) != 0 {
		t.Fatalf("ParseNFGen of a bare header = %+v, %x, %v", nf, attrs, err)
	}
	for n := 0; n < NFGenLen; n++ {
		_, attrs, err := ParseNFGen(make([]byte, n))
		checkReason(t, err, errNFGenShort)
		if attrs != nil {
			t.Errorf("%d bytes: attrs %x with an error", n, attrs)
		}
	}
	m := Message{Payload: []byte{10, 0, 0, 5}}
	nf, _, err = m.NFGen()
	if err != nil || nf.Family != FamilyIPv6 || nf.ResID != 5 {
		t.Fatalf("Message.NFGen = %+v, %v", nf, err)
	}
}

// TestCapturesWellFormed walks every datagram captured from the kernel
// (embedded, and testdata/*.pcap where present): real traffic must parse
// without an error, down to the attributes of every message.
func TestCapturesWellFormed(t *testing.T) {
	dgrams := capturedDatagrams(t)
	msgs, gens := 0, 0
	for i, d := range dgrams {
		s := NewMessageScanner(d)
		for s.Next() {
			m := s.Message()
			msgs++
			if m.Header.Type == unix.NLMSG_DONE || m.Header.Type == unix.NLMSG_ERROR {
				continue
			}
			if !m.Header.IsNFTables() {
				t.Errorf("datagram %d: message type %#x is not nftables", i, m.Header.Type)
				continue
			}
			_, attrs, err := m.NFGen()
			if err != nil {
				t.Errorf("datagram %d: %s: %v", i, m.Header.MsgType(), err)
				continue
			}
			a := NewAttrScanner(attrs)
			for a.Next() {
			}
			if err := a.Err(); err != nil {
				t.Errorf("datagram %d: %s: %v", i, m.Header.MsgType(), err)
			}
			if m.Header.MsgType() == MsgNewGen {
				nf, _, _ := m.NFGen()
				var g Gen
				if err := g.Decode(attrs); err != nil || uint16(g.ID) != nf.ResID || len(g.ProcName) == 0 || g.ProcPID == 0 {
					t.Errorf("datagram %d: NEWGEN %+v (res_id %d): %v", i, g, nf.ResID, err)
				}
				gens++
			}
		}
		if err := s.Err(); err != nil {
			t.Errorf("datagram %d of %d bytes: %v", i, len(d), err)
		}
	}
	t.Logf("%d datagrams, %d messages, %d NEWGEN", len(dgrams), msgs, gens)
}

// TestMessagesIterator: the range-over-func walk yields what the scanner
// does, ends with the scanner's error, and stops when the loop breaks.
func TestMessagesIterator(t *testing.T) {
	multi := unhex(t, capAddDatagram)
	bad := cat(multi, nlmsg(64, 2, 0, 0, 0, 1))
	for _, in := range [][]byte{multi, bad, nil, multi[:10]} {
		var want []Header
		s := NewMessageScanner(in)
		for s.Next() {
			want = append(want, s.Message().Header)
		}
		var got []Header
		var gotErr error
		for m, err := range Messages(in) {
			if err != nil {
				gotErr = err
				if m.Header != (Header{}) || m.Payload != nil {
					t.Errorf("error pair carries message %+v", m.Header)
				}
				continue
			}
			if !within(m.Payload, in) {
				t.Error("payload does not alias the input")
			}
			got = append(got, m.Header)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || gotErr != s.Err() {
			t.Errorf("Messages yields %v, %v; the scanner %v, %v", got, gotErr, want, s.Err())
		}
	}
	n := 0
	for range Messages(multi) {
		n++
		break
	}
	if n != 1 {
		t.Errorf("break after the first message: %d iterations", n)
	}
}
