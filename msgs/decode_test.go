package msgs

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// find returns the first message of the capture NAME (../testdata/NAME.pcap)
// of type typ for which keep, given the decoded view, is true.
func find[V any, P interface {
	*V
	Decode([]byte) error
}](t *testing.T, capture string, typ nftmon.MsgType, keep func(P) bool) P {
	t.Helper()
	for _, m := range readCapture(t, captureDir+"/"+capture+".pcap") {
		if m.Header.MsgType() != typ {
			continue
		}
		v := P(new(V))
		if err := v.Decode(m.Attrs); err != nil {
			t.Fatalf("%s: %s: %v", capture, typ, err)
		}
		if keep(v) {
			return v
		}
	}
	t.Fatalf("%s: no such %s", capture, typ)
	return nil
}

func eq(t *testing.T, what string, got, want any) {
	t.Helper()
	if g, ok := got.([]byte); ok {
		got = string(g)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

func named(name string) func(b []byte) bool {
	return func(b []byte) bool { return string(b) == name }
}

func TestDecodeTable(t *testing.T) {
	d := find(t, "tables", nftmon.MsgNewTable, func(v *Table) bool { return named("born_dormant")(v.Name) })
	eq(t, "flags", d.Flags, TableDormant)
	c := find(t, "tables", nftmon.MsgNewTable, func(v *Table) bool { return named("withcomment")(v.Name) })
	eq(t, "comment", c.Comment(), "a table comment")
	eq(t, "flags present", c.Present.Has(unix.NFTA_TABLE_FLAGS), true)
	del := find(t, "tables", nftmon.MsgDelTable, func(v *Table) bool { return true })
	eq(t, "DELTABLE has flags", del.Present.Has(unix.NFTA_TABLE_FLAGS), false)
	eq(t, "DELTABLE has handle", del.Present.Has(AttrTableHandle), true)
	eq(t, "DELTABLE handle", del.Handle != 0, true)
	o := find(t, "owner", nftmon.MsgNewTable, func(v *Table) bool { return v.Flags&TableOwner != 0 })
	eq(t, "owner present", o.Present.Has(AttrTableOwner), true)
	eq(t, "owner port id", o.Owner != 0, true)
	eq(t, "flags string", (TableDormant | TableOwner | 0x40).String(), "dormant,owner,0x40")
}

func TestDecodeChain(t *testing.T) {
	pre := find(t, "chains", nftmon.MsgNewChain, func(v *Chain) bool { return named("c_pre")(v.Name) && named("t")(v.Table) })
	eq(t, "priority", pre.Hook.Priority, int32(-150))
	eq(t, "hook", pre.Hook.Num, uint32(0))
	eq(t, "type", pre.Type, "filter")
	eq(t, "flags", pre.Flags, ChainBase)
	in := find(t, "chains", nftmon.MsgNewChain, func(v *Chain) bool { return named("c_in")(v.Name) && v.Policy == PolicyDrop })
	eq(t, "policy", in.Policy.String(), "drop")
	eq(t, "hook", in.Hook.Num, uint32(1))
	d0 := find(t, "chains", nftmon.MsgNewChain, func(v *Chain) bool { return named("d0_eg")(v.Name) })
	eq(t, "egress hook", d0.Hook.Num, uint32(1))
	eq(t, "dev", d0.Hook.Dev, "d0")
	var devs []string
	s := d0.Hook.Devices()
	for s.Next() {
		devs = append(devs, string(s.Device().Name))
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	eq(t, "devices", devs, []string{"d0"})
	reg := find(t, "chains", nftmon.MsgNewChain, func(v *Chain) bool { return named("regular")(v.Name) })
	eq(t, "regular chain has hook", reg.Present.Has(unix.NFTA_CHAIN_HOOK), false)
	eq(t, "regular chain has policy", reg.Present.Has(unix.NFTA_CHAIN_POLICY), false)
	com := find(t, "chains", nftmon.MsgNewChain, func(v *Chain) bool { return named("commented")(v.Name) })
	eq(t, "comment", com.Comment(), "a chain comment")
	del := find(t, "chains", nftmon.MsgDelChain, func(v *Chain) bool { return true })
	eq(t, "DELCHAIN attributes", del.Present, AttrSet(1<<unix.NFTA_CHAIN_TABLE|1<<unix.NFTA_CHAIN_NAME|1<<unix.NFTA_CHAIN_HANDLE))
}

func TestDecodeRule(t *testing.T) {
	dns := find(t, "rules", nftmon.MsgNewRule, func(v *Rule) bool { return named("dns")(v.Comment()) })
	eq(t, "table", dns.Table, "f")
	eq(t, "chain", dns.Chain, "c")
	eq(t, "position present", dns.Present.Has(unix.NFTA_RULE_POSITION), true)
	var names []string
	s := dns.Exprs()
	for s.Next() {
		names = append(names, string(s.Expr().Name))
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	eq(t, "expressions", names, []string{"meta", "cmp", "payload", "cmp", "counter", "immediate"})
	last := find(t, "rules", nftmon.MsgNewRule, func(v *Rule) bool { return !v.Present.Has(unix.NFTA_RULE_POSITION) })
	eq(t, "position without the attribute", last.Position, uint64(0))
	del := find(t, "rules", nftmon.MsgDelRule, func(v *Rule) bool { return true })
	eq(t, "DELRULE carries expressions", del.Present.Has(unix.NFTA_RULE_EXPRESSIONS), true)
}

func TestDecodeSet(t *testing.T) {
	tmo := find(t, "sets", nftmon.MsgNewSet, func(v *Set) bool { return named("tmo")(v.Name) })
	eq(t, "timeout", tmo.Timeout, uint64(3600000))
	eq(t, "flags", tmo.Flags, SetTimeout)
	eq(t, "key type", tmo.KeyType, uint32(7))
	eq(t, "key len", tmo.KeyLen, uint32(4))
	eq(t, "backend present", tmo.Present.Has(AttrSetType) && len(tmo.Type) > 0, true)
	eq(t, "count", tmo.Count, uint32(3))
	cnt := find(t, "sets", nftmon.MsgNewSet, func(v *Set) bool { return named("counted")(v.Name) })
	var e Expr
	if err := e.Decode(cnt.Expr); err != nil {
		t.Fatal(err)
	}
	eq(t, "set expression", e.Name, "counter")
	eq(t, "size", cnt.Desc.Size, uint32(64))
	com := find(t, "sets", nftmon.MsgNewSet, func(v *Set) bool { return named("commented")(v.Name) })
	eq(t, "comment", com.Comment(), "macs")
	r := find(t, "concatrange", nftmon.MsgNewSet, func(v *Set) bool { return named("ranges")(v.Name) })
	eq(t, "flags", r.Flags.String(), "interval,concat")
	eq(t, "fields", r.Desc.Fields(), []uint32{4, 2})
	vm := find(t, "maps", nftmon.MsgNewSet, func(v *Set) bool { return named("vdict")(v.Name) })
	eq(t, "data type", vm.DataType, uint32(0xffffff00))
	eq(t, "data len", vm.DataLen, uint32(16))
	del := find(t, "sets", nftmon.MsgDelSet, func(v *Set) bool { return true })
	eq(t, "DELSET attributes", del.Present, AttrSet(1<<unix.NFTA_SET_TABLE|1<<unix.NFTA_SET_NAME|1<<AttrSetHandle))
}

// elemsOf returns every element of every message of the capture for set.
func elemsOf(t *testing.T, capture string, typ nftmon.MsgType, set string) []Elem {
	var out []Elem
	for _, m := range readCapture(t, captureDir+"/"+capture+".pcap") {
		if m.Header.MsgType() != typ {
			continue
		}
		var v SetElems
		if err := v.Decode(m.Attrs); err != nil {
			t.Fatal(err)
		}
		if string(v.Set) != set {
			continue
		}
		s := v.Elems()
		for s.Next() {
			out = append(out, *s.Elem())
		}
		if err := s.Err(); err != nil {
			t.Fatal(err)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no elements of %s", capture, set)
	}
	return out
}

func TestDecodeElems(t *testing.T) {
	tmo := elemsOf(t, "sets", nftmon.MsgNewSetElem, "tmo")
	eq(t, "elements", len(tmo), 3)
	eq(t, "key", tmo[2].Key, "\x03\x03\x03\x03")
	eq(t, "timeout", tmo[2].Timeout, uint64(7200000))
	eq(t, "comment", tmo[2].Comment(), "expiring")
	eq(t, "expiration within the set's timeout", tmo[0].Expiration > 0 && tmo[0].Expiration <= 3600000, true)
	eq(t, "timeout absent when the set's default", tmo[0].Present.Has(unix.NFTA_SET_ELEM_TIMEOUT), false)

	vd := elemsOf(t, "maps", nftmon.MsgNewSetElem, "vdict")
	var jump, catchall *Elem
	for i := range vd {
		switch {
		case vd[i].Verdict.Code == VerdictJump:
			jump = &vd[i]
		case vd[i].Flags&ElemCatchall != 0:
			catchall = &vd[i]
		}
	}
	if jump == nil || catchall == nil {
		t.Fatalf("no jump or catch-all element in %d", len(vd))
	}
	eq(t, "jump", jump.IsVerdict, true)
	eq(t, "jump target", jump.Verdict.Chain, "allow")
	eq(t, "jump key", jump.Key, "\x09\x09\x09\x09")
	eq(t, "catch-all key", catchall.Key, "")
	eq(t, "catch-all key present", catchall.Present.Has(unix.NFTA_SET_ELEM_KEY), false)
	eq(t, "catch-all verdict", catchall.Verdict.Code.String(), "accept")

	pm := elemsOf(t, "maps", nftmon.MsgNewSetElem, "portmap")
	eq(t, "map data", pm[0].Data, "\x0a\x00\x00\x01")
	eq(t, "map key", pm[0].Key, "\x00\x50")
	eq(t, "not a verdict", pm[0].IsVerdict, false)

	cr := elemsOf(t, "concatrange", nftmon.MsgNewSetElem, "ranges")
	eq(t, "key", cr[0].Key, "\x0a\x00\x00\x00\x03\xe8\x00\x00")
	eq(t, "key end", cr[0].KeyEnd, "\x0a\x00\x00\xff\x07\xd0\x00\x00")

	nets := elemsOf(t, "sets", nftmon.MsgNewSetElem, "nets")
	eq(t, "interval end", nets[2].Flags, ElemIntervalEnd)
	eq(t, "interval end key", nets[2].Key, "\x0b\x00\x00\x00")

	cnt := elemsOf(t, "sets", nftmon.MsgNewSetElem, "counted")
	var e Expr
	if err := e.Decode(cnt[0].Expr); err != nil {
		t.Fatal(err)
	}
	eq(t, "element expression", e.Name, "counter")

	om := elemsOf(t, "objects.dump", nftmon.MsgNewSetElem, "cntmap")
	eq(t, "object reference", om[0].ObjRef, "cnt")
}

func TestDecodeObj(t *testing.T) {
	q := find(t, "objects", nftmon.MsgNewObj, func(v *Obj) bool { return named("q")(v.Name) })
	eq(t, "type", q.Type, ObjQuota)
	eq(t, "data present", len(q.Data) > 0, true)
	eq(t, "use", q.Use, uint32(1))
	h := find(t, "objects", nftmon.MsgNewObj, func(v *Obj) bool { return named("ftp")(v.Name) })
	eq(t, "type name", h.Type.String(), "ct helper")
	c := find(t, "objects", nftmon.MsgNewObj, func(v *Obj) bool { return v.Comment() != nil })
	eq(t, "comment", c.Comment(), "with a comment")
	del := find(t, "objects", nftmon.MsgDelObj, func(v *Obj) bool { return true })
	eq(t, "DELOBJ attributes", del.Present, AttrSet(1<<unix.NFTA_OBJ_TABLE|1<<unix.NFTA_OBJ_NAME|1<<unix.NFTA_OBJ_TYPE|1<<AttrObjHandle))
	eq(t, "DELOBJ type", del.Type, ObjCounter)
}

// TestDecodeFlowtable uses the synthesized flowtable capture: this test
// kernel has no flowtable support.
func TestDecodeFlowtable(t *testing.T) {
	f := find(t, "flowtable", nftmon.MsgNewFlowtable, func(v *Flowtable) bool { return true })
	eq(t, "table", f.Table, "filter")
	eq(t, "name", f.Name, "ft")
	eq(t, "priority", f.Hook.Priority, int32(-10))
	var devs []string
	s := f.Hook.Devices()
	for s.Next() {
		devs = append(devs, string(s.Device().Name))
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	eq(t, "devices", devs, []string{"d0", "d1"})
	del := find(t, "flowtable", nftmon.MsgDelFlowtable, func(v *Flowtable) bool { return true })
	eq(t, "DELFLOWTABLE has hook", del.Present.Has(AttrFlowtableHook), false)
}

// TestDevicePrefix checks the Linux 6.18 wildcard device attribute and a
// device name without its NUL, as kernels 6.12-6.17 sent it (synthesized:
// this kernel sends neither for the devices the test can make).
func TestDevicePrefix(t *testing.T) {
	devs := cat(atStr(AttrDeviceName, "eth0"), atStr(AttrDevicePrefix, "veth"), at(AttrDeviceName, []byte("lo")), at(99, []byte{1}))
	s := NewDevScanner(devs)
	var got []Device
	for s.Next() {
		got = append(got, s.Device())
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	want := []Device{{Name: []byte("eth0")}, {Name: []byte("veth"), Prefix: true}, {Name: []byte("lo")}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("devices %+v, want %+v", got, want)
	}
}

// TestDecodeResets decodes every captured message into a view that holds
// the previous message of the same kind, and into a fresh one: the two must
// be equal, so nothing of the previous message survives a Decode.
func TestDecodeResets(t *testing.T) {
	var (
		tv Table
		cv Chain
		rv Rule
		sv Set
		ev SetElems
		ov Obj
		fv Flowtable
		el Elem
	)
	check := func(kind string, old, fresh any, errOld, errFresh error) {
		t.Helper()
		if (errOld == nil) != (errFresh == nil) || !reflect.DeepEqual(old, fresh) {
			t.Fatalf("%s: reused view %+v (%v), fresh view %+v (%v)", kind, old, errOld, fresh, errFresh)
		}
	}
	n := 0
	for _, m := range allCaptured(t) {
		a := m.Attrs
		switch m.Header.MsgType().Object() {
		case nftmon.ObjectTable:
			var f Table
			e1, e2 := tv.Decode(a), f.Decode(a)
			check("table", tv, f, e1, e2)
		case nftmon.ObjectChain:
			var f Chain
			e1, e2 := cv.Decode(a), f.Decode(a)
			check("chain", cv, f, e1, e2)
		case nftmon.ObjectRule:
			var f Rule
			e1, e2 := rv.Decode(a), f.Decode(a)
			check("rule", rv, f, e1, e2)
		case nftmon.ObjectSet:
			var f Set
			e1, e2 := sv.Decode(a), f.Decode(a)
			check("set", sv, f, e1, e2)
		case nftmon.ObjectSetElem:
			var f SetElems
			e1, e2 := ev.Decode(a), f.Decode(a)
			check("set elements", ev, f, e1, e2)
			list := nftmon.NewAttrScanner(ev.Elements)
			for list.Next() {
				var f Elem
				e1, e2 := el.Decode(list.Bytes()), f.Decode(list.Bytes())
				check("element", el, f, e1, e2)
			}
		case nftmon.ObjectObj:
			var f Obj
			e1, e2 := ov.Decode(a), f.Decode(a)
			check("object", ov, f, e1, e2)
		case nftmon.ObjectFlowtable:
			var f Flowtable
			e1, e2 := fv.Decode(a), f.Decode(a)
			check("flowtable", fv, f, e1, e2)
		}
		n++
	}
	// And from a full view to a failing input: nothing may be left either.
	if err := cv.Decode(cat(atStr(unix.NFTA_CHAIN_TABLE, "t"), []byte{1})); err == nil {
		t.Fatal("no error")
	}
	if !reflect.DeepEqual(cv, Chain{}) {
		t.Fatalf("a failed Decode left %+v", cv)
	}
	if n < 100 {
		t.Fatalf("only %d messages", n)
	}
}

func TestStrings(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{VerdictAccept.String(), "accept"},
		{VerdictDrop.String(), "drop"},
		{VerdictQueue.String(), "queue"},
		{VerdictContinue.String(), "continue"},
		{VerdictBreak.String(), "break"},
		{VerdictJump.String(), "jump"},
		{VerdictGoto.String(), "goto"},
		{VerdictReturn.String(), "return"},
		{VerdictCode(-9).String(), "verdict(-9)"},
		{PolicyAccept.String(), "accept"},
		{ChainPolicy(7).String(), "policy(7)"},
		{(ChainBase | ChainBinding).String(), "base,binding"},
		{(SetAnonymous | SetConstant | SetMap | SetEval).String(), "anonymous,constant,map,dynamic"},
		{SetFlags(0).String(), "0"},
		{SetPolicyMemory.String(), "memory"},
		{(ElemIntervalEnd | ElemCatchall).String(), "interval-end,catchall"},
		{ObjSynproxy.String(), "synproxy"},
		{ObjType(99).String(), "object(99)"},
		{(FlowtableHWOffload | FlowtableCounter).String(), "offload,counter"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if !bytes.Equal(trimNUL([]byte("ab\x00cd")), []byte("ab")) {
		t.Error("trimNUL")
	}
}

// TestUserData checks the TLV walk behind the Comment methods, on bad TLVs
// too (user data is opaque to the kernel: bad TLVs are no error).
func TestUserData(t *testing.T) {
	for _, c := range []struct {
		in   string
		typ  uint8
		want string
	}{
		{"\x00\x04dns\x00", 0, "dns"},
		{"\x01\x01x\x00\x03abc", 0, "abc"},
		{"\x00\x03abc", 1, ""},
		{"\x00\x09abc", 0, ""}, // length overruns
		{"\x00", 0, ""},
		{"", 0, ""},
	} {
		if got := string(userDataTLV([]byte(c.in), c.typ)); got != c.want {
			t.Errorf("userDataTLV(%q, %d) = %q, want %q", c.in, c.typ, got, c.want)
		}
	}
}

// TestSynthesizedAttrs decodes attributes no capture has: the transaction
// ids that only requests carry (so that a view of a request drops nothing
// either), rule compat (iptables-nft is not installed here) and chain
// counters (nft cannot set them).
func TestSynthesizedAttrs(t *testing.T) {
	var r Rule
	must(t, r.Decode(cat(atStr(unix.NFTA_RULE_TABLE, "t"), atStr(unix.NFTA_RULE_CHAIN, "c"), atU32(unix.NFTA_RULE_ID, 1), atU32(AttrRulePositionID, 2), atU32(AttrRuleChainID, 3))))
	eq(t, "rule ids", [3]uint32{r.ID, r.PositionID, r.ChainID}, [3]uint32{1, 2, 3})
	// NFTA_RULE_COMPAT, as iptables-nft sets it (not installed here).
	must(t, r.Decode(cat(atStr(unix.NFTA_RULE_TABLE, "t"), atStr(unix.NFTA_RULE_CHAIN, "c"), at(unix.NFTA_RULE_COMPAT, atU32(unix.NFTA_RULE_COMPAT_PROTO, 6), atU32(unix.NFTA_RULE_COMPAT_FLAGS, 2)))))
	eq(t, "compat", r.Compat, RuleCompat{Proto: 6, Flags: 2})
	eq(t, "ids after a second Decode", r.ID, uint32(0))
	var c Chain
	must(t, c.Decode(cat(atStr(unix.NFTA_CHAIN_TABLE, "t"), atStr(unix.NFTA_CHAIN_NAME, "c"), atU32(AttrChainID, 4))))
	eq(t, "chain id", c.ID, uint32(4))
	must(t, c.Decode(cat(atStr(unix.NFTA_CHAIN_TABLE, "t"), atStr(unix.NFTA_CHAIN_NAME, "c"), at(unix.NFTA_CHAIN_COUNTERS, atU64(unix.NFTA_COUNTER_PACKETS, 3), at(unix.NFTA_COUNTER_PAD), atU64(unix.NFTA_COUNTER_BYTES, 1500)))))
	eq(t, "counters", c.Counters, ChainCounters{Bytes: 1500, Packets: 3})
	var s Set
	must(t, s.Decode(cat(atStr(unix.NFTA_SET_TABLE, "t"), atStr(unix.NFTA_SET_NAME, "s"), atU32(unix.NFTA_SET_ID, 5))))
	eq(t, "set id", s.ID, uint32(5))
	var e SetElems
	must(t, e.Decode(cat(atStr(unix.NFTA_SET_ELEM_LIST_TABLE, "t"), atStr(unix.NFTA_SET_ELEM_LIST_SET, "s"), atU32(unix.NFTA_SET_ELEM_LIST_SET_ID, 6))))
	eq(t, "set id", e.SetID, uint32(6))
	var v Verdict
	must(t, v.Decode(cat(atU32(unix.NFTA_VERDICT_CODE, uint32(0xfffffffd)), atU32(AttrVerdictChainID, 7))))
	eq(t, "verdict", v, Verdict{Code: VerdictJump, ChainID: 7})
}

// TestHookName checks every family and hook number against nft 1.0.6's
// hooknum2str (src/rule.c), written out here: "unknown" there is "" here.
// The captured chains of every hook the kernel accepts are checked against
// nft's own output in the oracle test.
func TestHookName(t *testing.T) {
	inet := []string{"prerouting", "input", "forward", "output", "postrouting", "ingress", ""}
	want := map[nftmon.Family][]string{
		nftmon.FamilyIPv4:   inet,
		nftmon.FamilyIPv6:   inet,
		nftmon.FamilyINet:   inet,
		nftmon.FamilyBridge: inet,
		nftmon.FamilyARP:    {"input", "output", "forward", "", "", "", ""},
		nftmon.FamilyNetdev: {"ingress", "egress", "", "", "", "", ""},
		nftmon.FamilyUnspec: {"", "", "", "", "", "", ""},
		nftmon.Family(99):   {"", "", "", "", "", "", ""},
	}
	for f, names := range want {
		for num, name := range names {
			if got := HookName(f, uint32(num)); got != name {
				t.Errorf("HookName(%s, %d) = %q, want %q", f, num, got, name)
			}
		}
		if got := HookName(f, 1<<31); got != "" {
			t.Errorf("HookName(%s, 1<<31) = %q", f, got)
		}
	}
}
