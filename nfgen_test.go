package nftmon

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"golang.org/x/sys/unix"
)

func TestMsgType(t *testing.T) {
	for _, tc := range []struct {
		t      MsgType
		kernel int // the NFT_MSG_* value, where x/sys has it
		name   string
		obj    Object
		op     Op
	}{
		{MsgNewTable, unix.NFT_MSG_NEWTABLE, "NEWTABLE", ObjectTable, OpNew},
		{MsgGetTable, unix.NFT_MSG_GETTABLE, "GETTABLE", ObjectTable, OpOther},
		{MsgDelTable, unix.NFT_MSG_DELTABLE, "DELTABLE", ObjectTable, OpDelete},
		{MsgNewChain, unix.NFT_MSG_NEWCHAIN, "NEWCHAIN", ObjectChain, OpNew},
		{MsgGetChain, unix.NFT_MSG_GETCHAIN, "GETCHAIN", ObjectChain, OpOther},
		{MsgDelChain, unix.NFT_MSG_DELCHAIN, "DELCHAIN", ObjectChain, OpDelete},
		{MsgNewRule, unix.NFT_MSG_NEWRULE, "NEWRULE", ObjectRule, OpNew},
		{MsgGetRule, unix.NFT_MSG_GETRULE, "GETRULE", ObjectRule, OpOther},
		{MsgDelRule, unix.NFT_MSG_DELRULE, "DELRULE", ObjectRule, OpDelete},
		{MsgNewSet, unix.NFT_MSG_NEWSET, "NEWSET", ObjectSet, OpNew},
		{MsgGetSet, unix.NFT_MSG_GETSET, "GETSET", ObjectSet, OpOther},
		{MsgDelSet, unix.NFT_MSG_DELSET, "DELSET", ObjectSet, OpDelete},
		{MsgNewSetElem, unix.NFT_MSG_NEWSETELEM, "NEWSETELEM", ObjectSetElem, OpNew},
		{MsgGetSetElem, unix.NFT_MSG_GETSETELEM, "GETSETELEM", ObjectSetElem, OpOther},
		{MsgDelSetElem, unix.NFT_MSG_DELSETELEM, "DELSETELEM", ObjectSetElem, OpDelete},
		{MsgNewGen, unix.NFT_MSG_NEWGEN, "NEWGEN", ObjectGen, OpNew},
		{MsgGetGen, unix.NFT_MSG_GETGEN, "GETGEN", ObjectGen, OpOther},
		{MsgTrace, unix.NFT_MSG_TRACE, "TRACE", ObjectNone, OpOther},
		{MsgNewObj, unix.NFT_MSG_NEWOBJ, "NEWOBJ", ObjectObj, OpNew},
		{MsgGetObj, unix.NFT_MSG_GETOBJ, "GETOBJ", ObjectObj, OpOther},
		{MsgDelObj, unix.NFT_MSG_DELOBJ, "DELOBJ", ObjectObj, OpDelete},
		{MsgGetObjReset, unix.NFT_MSG_GETOBJ_RESET, "GETOBJ_RESET", ObjectObj, OpOther},
		{MsgNewFlowtable, unix.NFT_MSG_NEWFLOWTABLE, "NEWFLOWTABLE", ObjectFlowtable, OpNew},
		{MsgGetFlowtable, unix.NFT_MSG_GETFLOWTABLE, "GETFLOWTABLE", ObjectFlowtable, OpOther},
		{MsgDelFlowtable, unix.NFT_MSG_DELFLOWTABLE, "DELFLOWTABLE", ObjectFlowtable, OpDelete},
		{MsgGetRuleReset, unix.NFT_MSG_GETRULE_RESET, "GETRULE_RESET", ObjectRule, OpOther},
		// x/sys v0.35.0 stops at GETRULE_RESET; the rest are from
		// linux/netfilter/nf_tables.h (enum nf_tables_msg_types).
		{MsgDestroyTable, 26, "DESTROYTABLE", ObjectTable, OpDelete},
		{MsgDestroyChain, 27, "DESTROYCHAIN", ObjectChain, OpDelete},
		{MsgDestroyRule, 28, "DESTROYRULE", ObjectRule, OpDelete},
		{MsgDestroySet, 29, "DESTROYSET", ObjectSet, OpDelete},
		{MsgDestroySetElem, 30, "DESTROYSETELEM", ObjectSetElem, OpDelete},
		{MsgDestroyObj, 31, "DESTROYOBJ", ObjectObj, OpDelete},
		{MsgDestroyFlowtable, 32, "DESTROYFLOWTABLE", ObjectFlowtable, OpDelete},
		{MsgGetSetElemReset, 33, "GETSETELEM_RESET", ObjectSetElem, OpOther},
		{34, unix.NFT_MSG_MAX, "MSG(34)", ObjectNone, OpOther},
		{99, 99, "MSG(99)", ObjectNone, OpOther},
		{254, 254, "MSG(254)", ObjectNone, OpOther},
		{MsgNone, 255, "NONE", ObjectNone, OpOther}, // not a kernel type: above NFT_MSG_MAX
	} {
		if int(tc.t) != tc.kernel {
			t.Errorf("%s = %d, kernel says %d", tc.name, tc.t, tc.kernel)
		}
		if got := tc.t.String(); got != tc.name {
			t.Errorf("MsgType(%d).String() = %q, want %q", tc.t, got, tc.name)
		}
		if got := tc.t.Object(); got != tc.obj {
			t.Errorf("%s.Object() = %s, want %s", tc.name, got, tc.obj)
		}
		if got := tc.t.Op(); got != tc.op {
			t.Errorf("%s.Op() = %d, want %d", tc.name, got, tc.op)
		}
	}
	// Every type below NFT_MSG_MAX has a name of its own.
	seen := map[string]bool{}
	for mt := MsgType(0); mt < msgMax; mt++ {
		s := mt.String()
		if s == "" || seen[s] || s[0] == 'M' {
			t.Errorf("MsgType(%d) has the name %q", mt, s)
		}
		seen[s] = true
	}
}

func TestObjectString(t *testing.T) {
	for o, want := range map[Object]string{
		ObjectNone: "none", ObjectTable: "table", ObjectChain: "chain", ObjectRule: "rule",
		ObjectSet: "set", ObjectSetElem: "element", ObjectGen: "gen", ObjectObj: "object",
		ObjectFlowtable: "flowtable", 9: "object(9)", 200: "object(200)",
	} {
		if got := o.String(); got != want {
			t.Errorf("Object(%d).String() = %q, want %q", o, got, want)
		}
	}
}

func TestFamilyString(t *testing.T) {
	for f, want := range map[Family]string{
		0: "unspec", 1: "inet", 2: "ip", 3: "arp", 5: "netdev", 7: "bridge", 10: "ip6",
		4: "family(4)", 12: "family(12)", 255: "family(255)",
	} {
		if got := f.String(); got != want {
			t.Errorf("Family(%d).String() = %q, want %q", f, got, want)
		}
	}
}

// genOf parses a captured datagram holding one NEWGEN message.
func genOf(t *testing.T, hexData string) (Message, NFGenMsg, Gen) {
	t.Helper()
	b := unhex(t, hexData)
	m, rest, err := ParseMessage(b)
	if err != nil || len(rest) != 0 {
		t.Fatalf("ParseMessage: %v, %d bytes left", err, len(rest))
	}
	nf, attrs, err := m.NFGen()
	if err != nil {
		t.Fatal(err)
	}
	var g Gen
	if err := g.Decode(attrs); err != nil {
		t.Fatal(err)
	}
	if len(g.ProcName) > 0 && !within(g.ProcName, b) {
		t.Fatal("ProcName does not alias the input")
	}
	return m, nf, g
}

func TestGenDecodeCapture(t *testing.T) {
	for _, tc := range []struct{ name, hex string }{{"add", capAddGen}, {"delete", capDelGen}} {
		t.Run(tc.name, func(t *testing.T) {
			m, nf, g := genOf(t, tc.hex)
			if m.Header.MsgType() != MsgNewGen || nf.Family != FamilyUnspec {
				t.Fatalf("%s family %s, want NEWGEN unspec", m.Header.MsgType(), nf.Family)
			}
			if g.ID == 0 || uint16(g.ID) != nf.ResID {
				t.Errorf("gen %d does not match res_id %d", g.ID, nf.ResID)
			}
			if string(g.ProcName) != "nft" || g.ProcPID == 0 || g.ProcPID != m.Header.PortID {
				// nft's socket is bound with port id 0, so the kernel
				// assigns it the process id: both name the nft process.
				t.Errorf("process %d %q, want nft with pid %d", g.ProcPID, g.ProcName, m.Header.PortID)
			}
		})
	}
	_, _, add := genOf(t, capAddGen)
	_, _, del := genOf(t, capDelGen)
	if del.ID != add.ID+1 {
		t.Errorf("gens %d then %d, want consecutive", add.ID, del.ID)
	}
}

func TestGenDecode(t *testing.T) {
	be32 := func(v uint32) []byte { return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }
	full := cat(attr(unix.NFTA_GEN_ID, be32(0xfffffffe)...), attr(unix.NFTA_GEN_PROC_PID, be32(77)...),
		attr(99, 1, 2, 3), attr(unix.NFTA_GEN_PROC_NAME, 'n', 'f', 't', 0))
	for _, tc := range []struct {
		name string
		in   []byte
		want Gen
		err  error
	}{
		{"full, unknown attribute skipped", full, Gen{ID: 0xfffffffe, ProcPID: 77, ProcName: []byte("nft")}, nil},
		{"empty", nil, Gen{}, nil},
		{"ID only", attr(unix.NFTA_GEN_ID, be32(5)...), Gen{ID: 5}, nil},
		{"ID of 2 bytes", attr(unix.NFTA_GEN_ID, 0, 5), Gen{}, errAttrU32Size},
		{"PID of 8 bytes", attr(unix.NFTA_GEN_PROC_PID, 0, 0, 0, 0, 0, 0, 0, 5), Gen{}, errAttrU32Size},
		{"name without NUL", attr(unix.NFTA_GEN_PROC_NAME, 'n', 'f', 't'), Gen{}, errAttrStrNoNUL},
		{"name empty", attr(unix.NFTA_GEN_PROC_NAME), Gen{}, errAttrStrEmpty},
		{"truncated: left zero", full[:len(full)-2], Gen{}, errAttrLenOverrun},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := Gen{ID: 1, ProcPID: 2, ProcName: []byte("stale")}
			err := g.Decode(tc.in)
			if tc.err != nil {
				checkReason(t, err, tc.err)
			} else if err != nil {
				t.Fatal(err)
			}
			if g.ID != tc.want.ID || g.ProcPID != tc.want.ProcPID || !bytes.Equal(g.ProcName, tc.want.ProcName) {
				t.Fatalf("Decode = %+v (%q), want %+v (%q)", g, g.ProcName, tc.want, tc.want.ProcName)
			}
		})
	}
}

func TestAppendRequest(t *testing.T) {
	// Requests are appended after others in a batch, at an aligned offset.
	b := AppendRequest([]byte{0xee, 0xee, 0xee, 0xee}, MsgGetTable, unix.NLM_F_REQUEST|unix.NLM_F_ACK, 42, FamilyIPv6)
	b = AppendStringAttr(b, unix.NFTA_TABLE_NAME, "filter")
	b = AppendAttr(b, unix.NFTA_TABLE_FLAGS, []byte{0, 0, 0, 1})
	b = AppendAttr(b, 99, []byte{7})
	b = FinishRequest(b, 4)
	if len(b)%4 != 0 {
		t.Fatalf("request of %d bytes is not padded", len(b)-4)
	}
	m, rest, err := ParseMessage(b[4:])
	if err != nil || len(rest) != 0 {
		t.Fatalf("%v, %d bytes left", err, len(rest))
	}
	h := m.Header
	if int(h.Len) != len(b)-4 || h.Type != unix.NFNL_SUBSYS_NFTABLES<<8|unix.NFT_MSG_GETTABLE || h.Flags != unix.NLM_F_REQUEST|unix.NLM_F_ACK || h.Seq != 42 {
		t.Fatalf("header %+v", h)
	}
	nf, attrs, err := m.NFGen()
	if err != nil || nf != (NFGenMsg{Family: FamilyIPv6, Version: unix.NFNETLINK_V0}) {
		t.Fatalf("nfgenmsg %+v, %v", nf, err)
	}
	s := NewAttrScanner(attrs)
	var name []byte
	var flags uint32
	var other []byte
	for s.Next() {
		switch s.Type() {
		case unix.NFTA_TABLE_NAME:
			name = s.StringBytes()
		case unix.NFTA_TABLE_FLAGS:
			flags = s.Uint32()
		case 99:
			other = s.Bytes()
		}
	}
	if s.Err() != nil || string(name) != "filter" || flags != 1 || !bytes.Equal(other, []byte{7}) {
		t.Fatalf("attributes: %q %d %x %v", name, flags, other, s.Err())
	}
	g := AppendGetGen(nil, 9)
	m, _, err = ParseMessage(g)
	if err != nil || m.Header.MsgType() != MsgGetGen || m.Header.Seq != 9 || m.Header.Flags != unix.NLM_F_REQUEST || len(m.Payload) != NFGenLen {
		t.Fatalf("GETGEN request %+v, %v", m, err)
	}
}

// widenRef is the brute-force reference for WidenGen: of all the 65,536
// generations with the low bits resID, the one whose signed distance from
// near lies in [-32768, 32767]; 0, which the kernel skips, becomes 65536.
func widenRef(resID uint16, near uint32) uint32 {
	for hi := uint32(0); hi < 1<<16; hi++ {
		g := hi<<16 | uint32(resID)
		if d := int32(g - near); d >= -32768 && d <= 32767 {
			if g == 0 {
				return 1 << 16
			}
			return g
		}
	}
	panic("no candidate")
}

func TestWidenGen(t *testing.T) {
	for _, tc := range []struct {
		name  string
		resID uint16
		near  uint32
		want  uint32
	}{
		{"same", 5, 5, 5},
		{"same high", 0x1234, 0x00071234, 0x00071234},
		{"ahead", 10, 5, 10},
		{"behind", 3, 5, 3},
		{"ahead across 16 bits", 0x0002, 0x0000fffe, 0x00010002},
		{"behind across 16 bits", 0xfffe, 0x00010002, 0x0000fffe},
		{"ahead by 32767", 0x7fff, 0, 0x7fff},
		{"behind by 32768", 0x8000, 0x00010000, 0x00008000},
		{"ahead by 32767 across", 0x7ffe, 0x0001ffff, 0x00027ffe},
		{"across the u32 wrap, ahead", 0x0003, 0xfffffffe, 0x00000003},
		{"across the u32 wrap, behind", 0xfffe, 0x00000003, 0xfffffffe},
		{"near 0, low bits 1", 1, 0, 1},
		{"near 0, behind", 0xffff, 1, 0xffffffff},
		{"0 avoided near 0", 0, 1, 0x00010000},
		{"0 avoided just before the wrap", 0, 0xfffffff0, 0x00010000},
		{"0 avoided at 0", 0, 0, 0x00010000},
		{"low bits 0 away from 0", 0, 0x00050010, 0x00050000},
		{"max", 0xffff, 0xffffffff, 0xffffffff},
	} {
		got := WidenGen(tc.resID, tc.near)
		if got != tc.want {
			t.Errorf("%s: WidenGen(%#x, %#x) = %#x, want %#x", tc.name, tc.resID, tc.near, got, tc.want)
		}
		if ref := widenRef(tc.resID, tc.near); ref != tc.want {
			t.Errorf("%s: the reference gives %#x, the table %#x", tc.name, ref, tc.want)
		}
	}
}

func TestWidenGenProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	near := func() uint32 {
		switch r.IntN(4) {
		case 0:
			return uint32(r.IntN(1 << 17)) // near 0
		case 1:
			return -uint32(r.IntN(1<<17)) - 1 // near the wrap
		default:
			return r.Uint32()
		}
	}
	for range 3000 {
		n := near()
		// An exact generation within reach widens back to itself.
		d := int32(r.IntN(65535)) - 32767
		g := n + uint32(d)
		if g != 0 {
			if got := WidenGen(uint16(g), n); got != g {
				t.Fatalf("WidenGen(%#x, %#x) = %#x, want %#x (distance %d)", uint16(g), n, got, g, d)
			}
		}
		res := uint16(r.Uint32())
		got := WidenGen(res, n)
		if want := widenRef(res, n); got != want {
			t.Fatalf("WidenGen(%#x, %#x) = %#x, reference %#x", res, n, got, want)
		}
		if got == 0 || uint16(got) != res {
			t.Fatalf("WidenGen(%#x, %#x) = %#x: zero or wrong low bits", res, n, got)
		}
	}
}

func TestGenAfter(t *testing.T) {
	for _, tc := range []struct {
		a, b uint32
		want bool
	}{
		{2, 1, true},
		{1, 2, false},
		{7, 7, false},
		{1, 0xffffffff, true},  // across the wrap
		{0xffffffff, 1, false}, // across the wrap
		{0x7fffffff, 0, true},
		{0x80000000, 0, false}, // exactly half the circle: neither after the other
		{0, 0x80000000, false},
		{0x10000, 0xffff, true},
	} {
		if got := GenAfter(tc.a, tc.b); got != tc.want {
			t.Errorf("GenAfter(%#x, %#x) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		a, d := r.Uint32(), uint32(r.IntN(1<<31-1)+1)
		if !GenAfter(a+d, a) || GenAfter(a, a+d) {
			t.Fatalf("GenAfter wrong for %#x and %#x+%#x", a, a, d)
		}
	}
}
