package nftext

import (
	"testing"
)

// valueCases are values of each type with the text nft 1.0.6 prints for
// them (checked against `nft list ruleset` by TestKernelValues).
var valueCases = []struct {
	t     Type
	order ByteOrder
	data  []byte
	want  string
}{
	{TypeIPAddr, ByteOrderInvalid, []byte{10, 0, 0, 1}, "10.0.0.1"},
	{TypeIP6Addr, ByteOrderInvalid, []byte{0x20, 0x01, 0x0d, 0xb8, 15: 1}, "2001:db8::1"},
	{TypeIP6Addr, ByteOrderInvalid, []byte{15: 1}, "::1"},
	{TypeIP6Addr, ByteOrderInvalid, []byte{10: 0xff, 11: 0xff, 12: 1, 13: 2, 14: 3, 15: 4}, "::ffff:1.2.3.4"},
	{TypeIP6Addr, ByteOrderInvalid, []byte{12: 1, 13: 2, 14: 3, 15: 4}, "::1.2.3.4"},
	{TypeIP6Addr, ByteOrderInvalid, []byte{0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 3, 0, 0, 0, 4}, "1:0:2::3:0:4"},
	{TypeIP6Addr, ByteOrderInvalid, []byte{0xfe, 0x80, 15: 0}, "fe80::"},
	{TypeInetService, ByteOrderInvalid, []byte{0, 22}, "22"},
	{TypeInetService, BigEndian, []byte{0x1f, 0x90}, "8080"},
	{TypeInetProto, ByteOrderInvalid, []byte{6}, "tcp"},
	{TypeInetProto, ByteOrderInvalid, []byte{17}, "udp"},
	{TypeInetProto, ByteOrderInvalid, []byte{58}, "ipv6-icmp"},
	{TypeInetProto, ByteOrderInvalid, []byte{200}, "200"},
	{TypeEtherAddr, ByteOrderInvalid, []byte{0, 0x11, 0x22, 0xaa, 0xbb, 0xcc}, "00:11:22:aa:bb:cc"},
	{TypeEtherType, ByteOrderInvalid, []byte{0x08, 0x00}, "ip"},
	{TypeEtherType, ByteOrderInvalid, []byte{0x81, 0x00}, "8021q"},
	{TypeEtherType, ByteOrderInvalid, []byte{0x12, 0x34}, "0x1234"},
	{TypeMark, HostEndian, []byte{1, 0, 0, 0}, "0x00000001"},
	{TypeMark, ByteOrderInvalid, []byte{0x78, 0x56, 0x34, 0x12}, "0x12345678"},
	{TypeIfName, HostEndian, []byte("eth0\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), `"eth0"`},
	{TypeString, HostEndian, []byte("abc\x00"), `"abc"`},
	{TypeInteger, HostEndian, []byte{0xe8, 0x03, 0, 0}, "1000"},
	{TypeInteger, BigEndian, []byte{0, 0, 0x03, 0xe8}, "1000"},
	{TypeInteger, BigEndian, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "340282366920938463463374607431768211455"},
	{TypeInteger, BigEndian, []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "0"},
	{TypeTime, HostEndian, []byte{0x40, 0x77, 0x1b, 0}, "30m"},
	{TypeCtState, HostEndian, []byte{2, 0, 0, 0}, "established"},
	{TypeCtState, HostEndian, []byte{6, 0, 0, 0}, "established | related"},
	{TypeCtState, HostEndian, []byte{0, 0, 0, 0}, "0x0"},
	{TypeCtStatus, HostEndian, []byte{4, 0, 0, 0}, "assured"},
	{TypeCtDir, ByteOrderInvalid, []byte{1}, "reply"},
	{TypeTCPFlag, ByteOrderInvalid, []byte{0x02}, "syn"},
	{TypeTCPFlag, ByteOrderInvalid, []byte{0x12}, "syn | ack"},
	{TypeICMPType, ByteOrderInvalid, []byte{8}, "echo-request"},
	{TypeICMPType, ByteOrderInvalid, []byte{99}, "99"},
	{TypeICMP6Type, ByteOrderInvalid, []byte{135}, "nd-neighbor-solicit"},
	{TypeICMPCode, ByteOrderInvalid, []byte{3}, "port-unreachable"},
	{TypeICMPXCode, ByteOrderInvalid, []byte{3}, "admin-prohibited"},
	{TypeARPOp, ByteOrderInvalid, []byte{0, 1}, "request"},
	{TypeNFProto, ByteOrderInvalid, []byte{10}, "ipv6"},
	{TypePktType, ByteOrderInvalid, []byte{1}, "broadcast"},
	{TypeDSCP, ByteOrderInvalid, []byte{0x2e}, "ef"},
	{TypeDSCP, ByteOrderInvalid, []byte{0x3f}, "0x3f"},
	{TypeECN, ByteOrderInvalid, []byte{3}, "ce"},
	{TypeIGMPType, ByteOrderInvalid, []byte{0x11}, "membership-query"},
	{TypeFIBAddr, ByteOrderInvalid, []byte{2, 0, 0, 0}, "local"},
	{TypeBoolean, ByteOrderInvalid, []byte{1}, "exists"},
	{TypeARPHRD, ByteOrderInvalid, []byte{1, 0}, "ether"},
	{TypeDevGroup, ByteOrderInvalid, []byte{0, 0, 0, 0}, `"default"`},
	{TypeDevGroup, ByteOrderInvalid, []byte{5, 0, 0, 0}, "5"},
	{TypeRealm, ByteOrderInvalid, []byte{0, 0, 0, 0}, `"cosmos"`},
	{TypeClassID, ByteOrderInvalid, []byte{0x10, 0, 1, 0}, "1:10"},
	{TypeClassID, ByteOrderInvalid, []byte{0xff, 0xff, 0xff, 0xff}, "root"},
	{TypeUID, ByteOrderInvalid, []byte{0xe8, 0x03, 0, 0}, "1000"},
	{TypeIfIndex, ByteOrderInvalid, []byte{7, 0, 0, 0}, "7"},
	{TypeTimeDay, ByteOrderInvalid, []byte{1}, `"Monday"`},
	{TypeTimeHour, ByteOrderInvalid, []byte{0x10, 0xef, 0, 0}, `"17:00"`},
	{TypeMHType, ByteOrderInvalid, []byte{5}, "binding-update"},
	{TypeDCCPPktType, ByteOrderInvalid, []byte{2}, "data"},
	{TypeVerdict, ByteOrderInvalid, []byte{1, 0, 0, 0}, "accept"},
	{TypeCtLabel, ByteOrderInvalid, []byte{4, 15: 0}, "2"},
	{TypeCgroupV2, ByteOrderInvalid, []byte{1, 0, 0, 0, 0, 0, 0, 0}, "1"},
	// Concatenations: each field padded to 4 bytes.
	{Concat(TypeIPAddr, TypeInetService), ByteOrderInvalid, []byte{10, 0, 0, 1, 0, 22, 0, 0}, "10.0.0.1 . 22"},
	{Concat(TypeIPAddr, TypeInetProto, TypeInetService), ByteOrderInvalid, []byte{10, 0, 0, 1, 6, 0, 0, 0, 0, 80, 0, 0}, "10.0.0.1 . tcp . 80"},
	{Concat(TypeIfName, TypeEtherAddr), ByteOrderInvalid, []byte("lo\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x11\x22\x33\x44\x55\x00\x00"), `"lo" . 00:11:22:33:44:55`},
	// Lengths that do not fit print the bytes.
	{TypeIPAddr, ByteOrderInvalid, []byte{10, 0, 1}, "0x0a0001"},
	{Concat(TypeIPAddr, TypeInetService), ByteOrderInvalid, []byte{10, 0, 0, 1, 0, 22}, "0x0a0000010016"},
	{Type(63), ByteOrderInvalid, []byte{1, 2}, "0x0102"},
	{TypeIPAddr, ByteOrderInvalid, nil, "0x"},
}

func TestAppendValue(t *testing.T) {
	for _, c := range valueCases {
		got := string(AppendValue(nil, c.t, c.order, c.data))
		if got != c.want {
			t.Errorf("AppendValue(%v, %v, % x) = %q, want %q", c.t, c.order, c.data, got, c.want)
		}
	}
}

func TestTypeNames(t *testing.T) {
	for _, c := range []struct {
		t    Type
		want string
	}{
		{TypeIPAddr, "ipv4_addr"},
		{TypeCgroupV2, "cgroupsv2"},
		{FromKernel(0xffffff00), "verdict"},
		{Concat(TypeIPAddr, TypeInetService), "ipv4_addr . inet_service"},
		{Concat(TypeIfName, TypeIPAddr, TypeInetProto), "ifname . ipv4_addr . inet_proto"},
		{Type(26<<TypeBits | 63), "type(1727)"},
	} {
		if got := c.t.String(); got != c.want {
			t.Errorf("Type(%d).String() = %q, want %q", uint32(c.t), got, c.want)
		}
	}
	if typeCount-1 != TypeCgroupV2 || TypeIfName != 41 || TypeMark != 19 {
		t.Errorf("the type ids drifted from nft's enum datatypes")
	}
}

func TestByteOrderFromUserData(t *testing.T) {
	if ByteOrderFromUserData(udataHostEndian) != HostEndian || ByteOrderFromUserData(udataBigEndian) != BigEndian || ByteOrderFromUserData(7) != ByteOrderInvalid {
		t.Error("ByteOrderFromUserData maps nft's enum byteorder wrongly")
	}
}

func TestAppendDuration(t *testing.T) {
	for ms, want := range map[uint64]string{
		0: "", 1: "1ms", 1000: "1s", 60000: "1m", 3600000: "1h", 86400000: "1d",
		86400000*23 + 3600000*23 + 60000*59 + 59000: "23d23h59m59s", 1500: "1s500ms",
	} {
		if got := string(AppendDuration(nil, ms)); got != want {
			t.Errorf("AppendDuration(%d) = %q, want %q", ms, got, want)
		}
	}
}

// FuzzAppendValue prints a value of any type, byte order and bytes: no
// panic, and some text, on one line, for every non-empty value.
func FuzzAppendValue(f *testing.F) {
	for _, c := range valueCases {
		f.Add(uint32(c.t), uint8(c.order), c.data)
	}
	f.Fuzz(func(t *testing.T, typ uint32, order uint8, data []byte) {
		out := AppendValue(nil, Type(typ), ByteOrder(order%3), data)
		if len(data) > 0 && len(out) == 0 {
			t.Fatalf("AppendValue(%d, % x) printed nothing", typ, data)
		}
		for _, c := range out {
			if c == '\n' {
				t.Fatalf("AppendValue(%d, % x) = %q: a newline", typ, data, out)
			}
		}
	})
}
