package nftext_test

import (
	"testing"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"github.com/nftmon/nftmon/nftext"
	"golang.org/x/sys/unix"
)

// TestAppendPriority checks nft's names for standard priorities by family
// and hook (prio2str): within 10 of one, where the family and hook allow
// it; a number elsewhere. The live corpus checks the same against nft.
func TestAppendPriority(t *testing.T) {
	const pre, in, fwd, out, post = unix.NF_INET_PRE_ROUTING, unix.NF_INET_LOCAL_IN, unix.NF_INET_FORWARD, unix.NF_INET_LOCAL_OUT, unix.NF_INET_POST_ROUTING
	for _, c := range []struct {
		f    nftmon.Family
		hook uint32
		prio int32
		want string
	}{
		{nftmon.FamilyINet, in, 0, "filter"},
		{nftmon.FamilyINet, in, -5, "filter - 5"},
		{nftmon.FamilyINet, in, 10, "filter + 10"},
		{nftmon.FamilyINet, in, 11, "11"},
		{nftmon.FamilyIPv4, pre, -300, "raw"},
		{nftmon.FamilyIPv6, pre, -150, "mangle"},
		{nftmon.FamilyIPv4, pre, -100, "dstnat"},
		{nftmon.FamilyIPv4, out, -100, "-100"}, // dstnat is prerouting's only
		{nftmon.FamilyIPv4, post, 100, "srcnat"},
		{nftmon.FamilyIPv4, in, 100, "100"}, // srcnat is postrouting's only
		{nftmon.FamilyIPv4, fwd, 50, "security"},
		{nftmon.FamilyARP, in, 0, "filter"},
		{nftmon.FamilyARP, in, -300, "-300"},
		{nftmon.FamilyNetdev, 0, -10, "filter - 10"},
		{nftmon.FamilyBridge, in, -200, "filter"},
		{nftmon.FamilyBridge, pre, -300, "dstnat"},
		{nftmon.FamilyBridge, out, 100, "out"},
		{nftmon.FamilyBridge, post, 300, "srcnat"},
		{nftmon.FamilyBridge, in, 0, "0"},
		{nftmon.FamilyINet, in, -2147483648, "-2147483648"},
	} {
		if got := string(nftext.AppendPriority(nil, c.f, c.hook, c.prio)); got != c.want {
			t.Errorf("AppendPriority(%v, %d, %d) = %q, want %q", c.f, c.hook, c.prio, got, c.want)
		}
	}
}

// TestAppendObjUnsupported checks objects this kernel cannot make
// (secmark needs a security module), synproxy's option forms, and the
// kinds nft 1.0.6 cannot print.
func TestAppendObjUnsupported(t *testing.T) {
	str := func(s string) []byte { return append([]byte(s), 0) }
	for _, c := range []struct {
		o    msgs.Obj
		want string
	}{
		{msgs.Obj{Table: []byte("t"), Name: []byte("s"), Type: msgs.ObjSecmark, Data: nftmon.AppendAttr(nil, 1, str("system_u:object_r:ssh_server_packet_t:s0"))},
			`secmark inet t s { "system_u:object_r:ssh_server_packet_t:s0" }`},
		{msgs.Obj{Table: []byte("t"), Name: []byte("p"), Type: msgs.ObjSynproxy, Data: nftmon.AppendAttr(nftmon.AppendAttr(nil, 1, []byte{0x05, 0xb4}), 3, be32(0x01|0x04))},
			`synproxy inet t p { mss 1460  sack-perm; }`},
		{msgs.Obj{Table: []byte("t"), Name: []byte("p"), Type: msgs.ObjSynproxy, Data: nftmon.AppendAttr(nil, 3, be32(0x08))},
			`synproxy inet t p { timestamp ; }`},
		{msgs.Obj{Table: []byte("t"), Name: []byte("x"), Type: msgs.ObjTunnel}, `tunnel inet t x { }`},
		{msgs.Obj{Table: []byte("t"), Name: []byte("x"), Type: msgs.ObjQuota}, `quota inet t x { 0 bytes }`},
	} {
		if got := string(nftext.AppendObj(nil, nftmon.FamilyINet, &c.o)); got != c.want {
			t.Errorf("AppendObj(%v) = %q, want %q", c.o.Type, got, c.want)
		}
	}
}

// TestTypeof checks typeof user data as nft 1.0.6 writes it: the key's
// text and the fields its values print with.
func TestTypeof(t *testing.T) {
	u32 := func(typ uint8, v uint32) []byte {
		return []byte{typ, 4, byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)}
	}
	tlv := func(typ uint8, v []byte) []byte { return append([]byte{typ, byte(len(v))}, v...) }
	expr := func(etype uint32, data []byte) []byte { return append(u32(0, etype), tlv(1, data)...) }
	payload := func(desc, field uint32) []byte { return expr(7, append(u32(0, desc), u32(1, field)...)) }
	meta := func(key uint32) []byte { return expr(9, u32(0, key)) }
	ct := func(key, dir uint32) []byte { return expr(12, append(u32(0, key), u32(1, dir)...)) }
	concat := func(parts ...[]byte) []byte {
		var d []byte
		for i, p := range parts {
			d = append(d, tlv(uint8(i), p)...)
		}
		return expr(13, d)
	}
	for _, c := range []struct {
		udata   []byte
		keyType nftext.Type
		keyLen  uint32
		key     []byte
		want    string
	}{
		{tlv(3, payload(12, 11)), nftext.TypeIPAddr, 4, []byte{10, 0, 0, 1}, "set inet t s { typeof ip saddr; } 10.0.0.1"},
		{tlv(3, concat(payload(12, 11), payload(8, 2))), nftext.Concat(nftext.TypeIPAddr, nftext.TypeInetService), 8, []byte{10, 0, 0, 1, 0, 22, 0, 0}, "set inet t s { typeof ip saddr . tcp dport; } 10.0.0.1 . 22"},
		{tlv(3, meta(6)), nftext.TypeIfName, 16, append([]byte("lo"), make([]byte, 14)...), `set inet t s { typeof iifname; } "lo"`},
		{tlv(3, meta(3)), nftext.TypeMark, 4, []byte{1, 0, 0, 0}, "set inet t s { typeof meta mark; } 0x00000001"},
		{tlv(3, ct(0, 0xffffffff)), nftext.TypeCtState, 4, []byte{2, 0, 0, 0}, "set inet t s { typeof ct state; } established"},
		{tlv(3, ct(19, 0)), nftext.TypeIPAddr, 4, []byte{1, 2, 3, 4}, "set inet t s { typeof ct original ip saddr; } 1.2.3.4"},
		{tlv(3, meta(0)), nftext.TypeInteger, 4, []byte{0xdc, 5, 0, 0}, "set inet t s { typeof meta length; } 1500"},
		// Lengths that do not fit: nft falls back to the type.
		{tlv(3, payload(12, 11)), nftext.TypeIPAddr, 16, make([]byte, 16), "set inet t s { type ipv4_addr; } 0x00000000000000000000000000000000"},
		// An expression this package cannot name: the type.
		{tlv(3, expr(8, u32(0, 1))), nftext.TypeFIBAddr, 4, []byte{2, 0, 0, 0}, "set inet t s { type fib_addrtype; } local"},
		// Broken user data: the type.
		{[]byte{3, 200, 1}, nftext.TypeIPAddr, 4, []byte{1, 2, 3, 4}, "set inet t s { type ipv4_addr; } 1.2.3.4"},
	} {
		set := msgs.Set{Table: []byte("t"), Name: []byte("s"), KeyType: uint32(c.keyType), KeyLen: c.keyLen, UserData: c.udata}
		var info nftext.SetInfo
		info.Learn(nftmon.FamilyINet, &set)
		got := string(nftext.AppendSet(nil, &info, &set)) + " " + string(info.Key.AppendValue(nil, c.key))
		if got != c.want {
			t.Errorf("typeof % x:\n got %s\nwant %s", c.udata, got, c.want)
		}
	}
}
