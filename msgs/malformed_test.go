package msgs

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

type malformedCase struct {
	name  string
	msg   nftmon.MsgType
	attrs []byte
	want  string // a part of the error text
}

// TestMalformed gives each decoder broken input and checks that it says what
// is wrong, with an error matching nftmon.ErrMalformed, and never panics.
func TestMalformed(t *testing.T) {
	tbl := atStr(unix.NFTA_TABLE_NAME, "t")
	chainID := cat(atStr(unix.NFTA_CHAIN_TABLE, "t"), atStr(unix.NFTA_CHAIN_NAME, "c"))
	ruleID := cat(atStr(unix.NFTA_RULE_TABLE, "t"), atStr(unix.NFTA_RULE_CHAIN, "c"))
	setID := cat(atStr(unix.NFTA_SET_TABLE, "t"), atStr(unix.NFTA_SET_NAME, "s"))
	elemsID := cat(atStr(unix.NFTA_SET_ELEM_LIST_TABLE, "t"), atStr(unix.NFTA_SET_ELEM_LIST_SET, "s"))
	objID := cat(atStr(unix.NFTA_OBJ_TABLE, "t"), atStr(unix.NFTA_OBJ_NAME, "o"), atU32(unix.NFTA_OBJ_TYPE, 1))
	ftID := cat(atStr(AttrFlowtableTable, "t"), atStr(AttrFlowtableName, "f"))
	elems := func(elem ...[]byte) []byte {
		return cat(elemsID, at(unix.NFTA_SET_ELEM_LIST_ELEMENTS, at(unix.NFTA_LIST_ELEM, elem...)))
	}
	key := func(v ...byte) []byte { return at(unix.NFTA_SET_ELEM_KEY, at(unix.NFTA_DATA_VALUE, v)) }
	data := func(b ...[]byte) []byte { return at(unix.NFTA_SET_ELEM_DATA, b...) }

	cases := []malformedCase{
		// Framing, for every decoder.
		{"table short header", nftmon.MsgNewTable, cat(tbl, []byte{8, 0}), "shorter than the 4-byte attribute header"},
		{"chain short header", nftmon.MsgNewChain, cat(chainID, []byte{8}), "shorter than the 4-byte attribute header"},
		{"rule short header", nftmon.MsgNewRule, cat(ruleID, []byte{8, 0, 1}), "shorter than the 4-byte attribute header"},
		{"set short header", nftmon.MsgNewSet, cat(setID, []byte{4, 0}), "shorter than the 4-byte attribute header"},
		{"elems short header", nftmon.MsgNewSetElem, cat(elemsID, []byte{0, 0}), "shorter than the 4-byte attribute header"},
		{"obj short header", nftmon.MsgNewObj, cat(objID, []byte{1}), "shorter than the 4-byte attribute header"},
		{"flowtable short header", nftmon.MsgNewFlowtable, cat(ftID, []byte{5, 0, 1}), "shorter than the 4-byte attribute header"},
		{"table length underrun", nftmon.MsgNewTable, cat(rawAttr(3, unix.NFTA_TABLE_NAME, []byte("t\x00\x00\x00")), tbl), "attribute length smaller than the 4-byte"},
		{"chain length underrun", nftmon.MsgNewChain, cat(chainID, rawAttr(0, unix.NFTA_CHAIN_USE, make([]byte, 4))), "attribute length smaller than the 4-byte"},
		{"rule length underrun", nftmon.MsgNewRule, cat(rawAttr(2, unix.NFTA_RULE_HANDLE, make([]byte, 8)), ruleID), "attribute length smaller than the 4-byte"},
		{"set length underrun", nftmon.MsgNewSet, cat(setID, rawAttr(1, unix.NFTA_SET_FLAGS, make([]byte, 4))), "attribute length smaller than the 4-byte"},
		{"elems length underrun", nftmon.MsgNewSetElem, cat(elemsID, rawAttr(2, unix.NFTA_SET_ELEM_LIST_ELEMENTS, nil)), "attribute length smaller than the 4-byte"},
		{"obj length underrun", nftmon.MsgNewObj, cat(objID, rawAttr(3, unix.NFTA_OBJ_USE, make([]byte, 4))), "attribute length smaller than the 4-byte"},
		{"flowtable length underrun", nftmon.MsgNewFlowtable, cat(ftID, rawAttr(0, AttrFlowtableUse, make([]byte, 4))), "attribute length smaller than the 4-byte"},
		{"table length overrun", nftmon.MsgNewTable, cat(tbl, rawAttr(64, unix.NFTA_TABLE_USE, make([]byte, 4))), "runs past the end of its container"},
		{"chain length overrun", nftmon.MsgNewChain, cat(chainID, rawAttr(9, unix.NFTA_CHAIN_USE, make([]byte, 4))), "runs past the end of its container"},
		{"rule length overrun", nftmon.MsgNewRule, cat(ruleID, rawAttr(100, unix.NFTA_RULE_EXPRESSIONS, make([]byte, 8))), "runs past the end of its container"},
		{"set length overrun", nftmon.MsgNewSet, cat(setID, rawAttr(13, unix.NFTA_SET_KEY_LEN, make([]byte, 8))), "runs past the end of its container"},
		{"elems length overrun", nftmon.MsgNewSetElem, cat(elemsID, rawAttr(0xffff, unix.NFTA_SET_ELEM_LIST_ELEMENTS, make([]byte, 8))), "runs past the end of its container"},
		{"obj length overrun", nftmon.MsgNewObj, cat(objID, rawAttr(40, unix.NFTA_OBJ_DATA, make([]byte, 8))), "runs past the end of its container"},
		{"flowtable length overrun", nftmon.MsgNewFlowtable, cat(ftID, rawAttr(12, AttrFlowtableFlags, make([]byte, 4))), "runs past the end of its container"},

		// Nesting that lies.
		{"chain hook nest lies", nftmon.MsgNewChain, cat(chainID, at(unix.NFTA_CHAIN_HOOK, rawAttr(20, unix.NFTA_HOOK_HOOKNUM, make([]byte, 4)))), "runs past the end of its container"},
		{"chain devs nest lies", nftmon.MsgNewChain, cat(chainID, at(unix.NFTA_CHAIN_HOOK, at(AttrHookDevs, rawAttr(2, AttrDeviceName, []byte("lo\x00\x00"))))), "attribute length smaller"},
		{"chain counters nest lies", nftmon.MsgNewChain, cat(chainID, at(unix.NFTA_CHAIN_COUNTERS, []byte{12, 0, 1, 0, 0, 0, 0, 0})), "runs past the end"},
		{"rule compat nest lies", nftmon.MsgNewRule, cat(ruleID, at(unix.NFTA_RULE_COMPAT, []byte{1, 0})), "shorter than the 4-byte attribute header"},
		{"set desc nest lies", nftmon.MsgNewSet, cat(setID, at(unix.NFTA_SET_DESC, rawAttr(9, unix.NFTA_SET_DESC_SIZE, make([]byte, 4)))), "runs past the end"},
		{"set concat list lies", nftmon.MsgNewSet, cat(setID, at(unix.NFTA_SET_DESC, at(AttrSetDescConcat, at(unix.NFTA_LIST_ELEM, rawAttr(16, AttrSetFieldLen, make([]byte, 4)))))), "runs past the end"},
		{"elem list lies", nftmon.MsgNewSetElem, cat(elemsID, at(unix.NFTA_SET_ELEM_LIST_ELEMENTS, rawAttr(40, unix.NFTA_LIST_ELEM, make([]byte, 8)))), "runs past the end"},
		{"elem key nest lies", nftmon.MsgNewSetElem, elems(at(unix.NFTA_SET_ELEM_KEY, rawAttr(8, unix.NFTA_DATA_VALUE, []byte{1, 2}))), "runs past the end"},
		{"elem verdict nest lies", nftmon.MsgNewSetElem, elems(key(1, 2, 3, 4), data(at(unix.NFTA_DATA_VERDICT, []byte{200, 0, 1, 0}))), "runs past the end"},
		{"flowtable hook nest lies", nftmon.MsgNewFlowtable, cat(ftID, at(AttrFlowtableHook, rawAttr(7, AttrFlowtableHookNum, make([]byte, 2)))), "runs past the end"},
		{"flowtable devs nest lies", nftmon.MsgNewFlowtable, cat(ftID, at(AttrFlowtableHook, at(AttrFlowtableHookDevs, []byte{3, 0, 1, 0}))), "attribute length smaller"},

		// Wrong-size integers.
		{"table use u16", nftmon.MsgNewTable, cat(tbl, at(unix.NFTA_TABLE_USE, []byte{0, 1})), "u32 attribute payload is not 4 bytes"},
		{"table handle u32", nftmon.MsgNewTable, cat(tbl, atU32(AttrTableHandle, 1)), "u64 attribute payload is not 8 bytes"},
		{"table flags u64", nftmon.MsgNewTable, cat(tbl, atU64(unix.NFTA_TABLE_FLAGS, 1)), "u32 attribute payload is not 4 bytes"},
		{"table owner u8", nftmon.MsgNewTable, cat(tbl, at(AttrTableOwner, []byte{1})), "u32 attribute payload is not 4 bytes"},
		{"chain handle u32", nftmon.MsgNewChain, cat(chainID, atU32(unix.NFTA_CHAIN_HANDLE, 1)), "u64 attribute payload is not 8 bytes"},
		{"chain priority u64", nftmon.MsgNewChain, cat(chainID, at(unix.NFTA_CHAIN_HOOK, atU64(unix.NFTA_HOOK_PRIORITY, 1))), "u32 attribute payload is not 4 bytes"},
		{"chain policy u8", nftmon.MsgNewChain, cat(chainID, at(unix.NFTA_CHAIN_POLICY, []byte{1})), "u32 attribute payload is not 4 bytes"},
		{"chain counters u32", nftmon.MsgNewChain, cat(chainID, at(unix.NFTA_CHAIN_COUNTERS, atU32(unix.NFTA_COUNTER_BYTES, 1))), "u64 attribute payload is not 8 bytes"},
		{"rule handle u32", nftmon.MsgNewRule, cat(ruleID, atU32(unix.NFTA_RULE_HANDLE, 1)), "u64 attribute payload is not 8 bytes"},
		{"rule id u64", nftmon.MsgNewRule, cat(ruleID, atU64(unix.NFTA_RULE_ID, 1)), "u32 attribute payload is not 4 bytes"},
		{"chain id u16", nftmon.MsgNewChain, cat(chainID, at(AttrChainID, []byte{0, 1})), "u32 attribute payload is not 4 bytes"},
		{"set id u8", nftmon.MsgNewSet, cat(setID, at(unix.NFTA_SET_ID, []byte{1})), "u32 attribute payload is not 4 bytes"},
		{"elems set id u64", nftmon.MsgNewSetElem, cat(elemsID, atU64(unix.NFTA_SET_ELEM_LIST_SET_ID, 1)), "u32 attribute payload is not 4 bytes"},
		{"elem verdict chain id u16", nftmon.MsgNewSetElem, elems(key(1), data(at(unix.NFTA_DATA_VERDICT, atU32(unix.NFTA_VERDICT_CODE, 1), at(AttrVerdictChainID, []byte{0, 1})))), "u32 attribute payload is not 4 bytes"},
		{"rule position u32", nftmon.MsgNewRule, cat(ruleID, atU32(unix.NFTA_RULE_POSITION, 1)), "u64 attribute payload is not 8 bytes"},
		{"rule compat proto u64", nftmon.MsgNewRule, cat(ruleID, at(unix.NFTA_RULE_COMPAT, atU64(unix.NFTA_RULE_COMPAT_PROTO, 6))), "u32 attribute payload is not 4 bytes"},
		{"set flags u64", nftmon.MsgNewSet, cat(setID, atU64(unix.NFTA_SET_FLAGS, 1)), "u32 attribute payload is not 4 bytes"},
		{"set timeout u32", nftmon.MsgNewSet, cat(setID, atU32(unix.NFTA_SET_TIMEOUT, 1)), "u64 attribute payload is not 8 bytes"},
		{"set count u16", nftmon.MsgNewSet, cat(setID, at(AttrSetCount, []byte{0, 1})), "u32 attribute payload is not 4 bytes"},
		{"set desc size u64", nftmon.MsgNewSet, cat(setID, at(unix.NFTA_SET_DESC, atU64(unix.NFTA_SET_DESC_SIZE, 1))), "u32 attribute payload is not 4 bytes"},
		{"set field len u8", nftmon.MsgNewSet, cat(setID, at(unix.NFTA_SET_DESC, at(AttrSetDescConcat, at(unix.NFTA_LIST_ELEM, at(AttrSetFieldLen, []byte{4}))))), "u32 attribute payload is not 4 bytes"},
		{"elem flags u64", nftmon.MsgNewSetElem, elems(key(1), atU64(unix.NFTA_SET_ELEM_FLAGS, 1)), "u32 attribute payload is not 4 bytes"},
		{"elem timeout u32", nftmon.MsgNewSetElem, elems(key(1), atU32(unix.NFTA_SET_ELEM_TIMEOUT, 1)), "u64 attribute payload is not 8 bytes"},
		{"elem expiration u32", nftmon.MsgNewSetElem, elems(key(1), atU32(unix.NFTA_SET_ELEM_EXPIRATION, 1)), "u64 attribute payload is not 8 bytes"},
		{"elem verdict code u64", nftmon.MsgNewSetElem, elems(key(1), data(at(unix.NFTA_DATA_VERDICT, atU64(unix.NFTA_VERDICT_CODE, 1)))), "u32 attribute payload is not 4 bytes"},
		{"obj type u64", nftmon.MsgNewObj, cat(atStr(unix.NFTA_OBJ_TABLE, "t"), atStr(unix.NFTA_OBJ_NAME, "o"), atU64(unix.NFTA_OBJ_TYPE, 1)), "u32 attribute payload is not 4 bytes"},
		{"obj handle u32", nftmon.MsgNewObj, cat(objID, atU32(AttrObjHandle, 1)), "u64 attribute payload is not 8 bytes"},
		{"flowtable priority u16", nftmon.MsgNewFlowtable, cat(ftID, at(AttrFlowtableHook, at(AttrFlowtableHookPriority, []byte{0, 1}))), "u32 attribute payload is not 4 bytes"},
		{"flowtable handle u32", nftmon.MsgNewFlowtable, cat(ftID, atU32(AttrFlowtableHandle, 1)), "u64 attribute payload is not 8 bytes"},
		{"gen id u64", nftmon.MsgNewGen, atU64(unix.NFTA_GEN_ID, 1), "u32 attribute payload is not 4 bytes"},

		// Empty and unterminated strings, missing identities.
		{"table name empty", nftmon.MsgNewTable, at(unix.NFTA_TABLE_NAME), "string attribute is empty"},
		{"table name only NUL", nftmon.MsgNewTable, atStr(unix.NFTA_TABLE_NAME, ""), "table name is empty"},
		{"table name no NUL", nftmon.MsgNewTable, at(unix.NFTA_TABLE_NAME, []byte("abcd")), "not NUL-terminated"},
		{"table without name", nftmon.MsgDelTable, atU64(AttrTableHandle, 1), "without NFTA_TABLE_NAME"},
		{"chain table empty", nftmon.MsgNewChain, cat(at(unix.NFTA_CHAIN_TABLE), atStr(unix.NFTA_CHAIN_NAME, "c")), "string attribute is empty"},
		{"chain name only NUL", nftmon.MsgNewChain, cat(atStr(unix.NFTA_CHAIN_TABLE, "t"), atStr(unix.NFTA_CHAIN_NAME, "")), "chain table or name is empty"},
		{"chain type no NUL", nftmon.MsgNewChain, cat(chainID, at(unix.NFTA_CHAIN_TYPE, []byte("nat!"))), "not NUL-terminated"},
		{"chain without table", nftmon.MsgNewChain, atStr(unix.NFTA_CHAIN_NAME, "c"), "without NFTA_CHAIN_TABLE"},
		{"chain without name", nftmon.MsgNewChain, atStr(unix.NFTA_CHAIN_TABLE, "t"), "without NFTA_CHAIN_NAME"},
		{"chain hook dev empty", nftmon.MsgNewChain, cat(chainID, at(unix.NFTA_CHAIN_HOOK, atStr(unix.NFTA_HOOK_DEV, ""))), "device name is empty"},
		{"chain device empty", nftmon.MsgNewChain, cat(chainID, at(unix.NFTA_CHAIN_HOOK, at(AttrHookDevs, at(AttrDeviceName)))), "device name is empty"},
		{"chain device too long", nftmon.MsgNewChain, cat(chainID, at(unix.NFTA_CHAIN_HOOK, at(AttrHookDevs, atStr(AttrDevicePrefix, "abcdefghijklmnopq")))), "longer than IFNAMSIZ"},
		{"rule chain empty", nftmon.MsgNewRule, cat(atStr(unix.NFTA_RULE_TABLE, "t"), at(unix.NFTA_RULE_CHAIN)), "string attribute is empty"},
		{"rule chain only NUL", nftmon.MsgNewRule, cat(atStr(unix.NFTA_RULE_TABLE, "t"), atStr(unix.NFTA_RULE_CHAIN, "")), "rule table or chain name is empty"},
		{"rule without table", nftmon.MsgDelRule, atStr(unix.NFTA_RULE_CHAIN, "c"), "without NFTA_RULE_TABLE"},
		{"rule without chain", nftmon.MsgDelRule, atStr(unix.NFTA_RULE_TABLE, "t"), "without NFTA_RULE_CHAIN"},
		{"set name only NUL", nftmon.MsgNewSet, cat(atStr(unix.NFTA_SET_TABLE, "t"), atStr(unix.NFTA_SET_NAME, "")), "set table or name is empty"},
		{"set type no NUL", nftmon.MsgNewSet, cat(setID, at(AttrSetType, []byte("hash"))), "not NUL-terminated"},
		{"set without table", nftmon.MsgNewSet, atStr(unix.NFTA_SET_NAME, "s"), "without NFTA_SET_TABLE"},
		{"set without name", nftmon.MsgDelSet, atStr(unix.NFTA_SET_TABLE, "t"), "without NFTA_SET_NAME"},
		{"set too many fields", nftmon.MsgNewSet, cat(setID, at(unix.NFTA_SET_DESC, at(AttrSetDescConcat, bytesRepeat(at(unix.NFTA_LIST_ELEM, atU32(AttrSetFieldLen, 4)), 17)))), "more than 16 concatenated fields"},
		{"elems set empty", nftmon.MsgNewSetElem, cat(atStr(unix.NFTA_SET_ELEM_LIST_TABLE, "t"), at(unix.NFTA_SET_ELEM_LIST_SET)), "string attribute is empty"},
		{"elems set only NUL", nftmon.MsgNewSetElem, cat(atStr(unix.NFTA_SET_ELEM_LIST_TABLE, "t"), atStr(unix.NFTA_SET_ELEM_LIST_SET, "")), "table or set name is empty"},
		{"elems without table", nftmon.MsgNewSetElem, atStr(unix.NFTA_SET_ELEM_LIST_SET, "s"), "without NFTA_SET_ELEM_LIST_TABLE"},
		{"elems without set", nftmon.MsgNewSetElem, atStr(unix.NFTA_SET_ELEM_LIST_TABLE, "t"), "without NFTA_SET_ELEM_LIST_SET"},
		{"elem objref empty", nftmon.MsgNewSetElem, elems(key(1), at(unix.NFTA_SET_ELEM_OBJREF)), "string attribute is empty"},
		{"elem verdict chain no NUL", nftmon.MsgNewSetElem, elems(key(1), data(at(unix.NFTA_DATA_VERDICT, atU32(unix.NFTA_VERDICT_CODE, uint32(0xfffffffd)), at(unix.NFTA_VERDICT_CHAIN, []byte("abcd"))))), "not NUL-terminated"},
		{"elem verdict without code", nftmon.MsgNewSetElem, elems(key(1), data(at(unix.NFTA_DATA_VERDICT, atStr(unix.NFTA_VERDICT_CHAIN, "c")))), "verdict without NFTA_VERDICT_CODE"},
		{"elem data empty", nftmon.MsgNewSetElem, elems(key(1), data()), "neither NFTA_DATA_VALUE nor NFTA_DATA_VERDICT"},
		{"elem data twice", nftmon.MsgNewSetElem, elems(key(1), data(at(unix.NFTA_DATA_VALUE, []byte{1}), at(unix.NFTA_DATA_VERDICT, atU32(unix.NFTA_VERDICT_CODE, 1)))), "both NFTA_DATA_VALUE and NFTA_DATA_VERDICT"},
		{"elem key is a verdict", nftmon.MsgNewSetElem, elems(at(unix.NFTA_SET_ELEM_KEY, at(unix.NFTA_DATA_VERDICT, atU32(unix.NFTA_VERDICT_CODE, 1)))), "key nest without NFTA_DATA_VALUE"},
		{"obj name only NUL", nftmon.MsgNewObj, cat(atStr(unix.NFTA_OBJ_TABLE, "t"), atStr(unix.NFTA_OBJ_NAME, ""), atU32(unix.NFTA_OBJ_TYPE, 1)), "object table or name is empty"},
		{"obj without table", nftmon.MsgDelObj, cat(atStr(unix.NFTA_OBJ_NAME, "o"), atU32(unix.NFTA_OBJ_TYPE, 1)), "without NFTA_OBJ_TABLE"},
		{"obj without name", nftmon.MsgDelObj, cat(atStr(unix.NFTA_OBJ_TABLE, "t"), atU32(unix.NFTA_OBJ_TYPE, 1)), "without NFTA_OBJ_NAME"},
		{"obj without type", nftmon.MsgDelObj, cat(atStr(unix.NFTA_OBJ_TABLE, "t"), atStr(unix.NFTA_OBJ_NAME, "o")), "without NFTA_OBJ_TYPE"},
		{"flowtable table empty", nftmon.MsgNewFlowtable, cat(at(AttrFlowtableTable), atStr(AttrFlowtableName, "f")), "string attribute is empty"},
		{"flowtable name only NUL", nftmon.MsgNewFlowtable, cat(atStr(AttrFlowtableTable, "t"), atStr(AttrFlowtableName, "")), "flowtable table or name is empty"},
		{"flowtable without table", nftmon.MsgNewFlowtable, atStr(AttrFlowtableName, "f"), "without NFTA_FLOWTABLE_TABLE"},
		{"flowtable without name", nftmon.MsgNewFlowtable, atStr(AttrFlowtableTable, "t"), "without NFTA_FLOWTABLE_NAME"},
		{"flowtable device empty", nftmon.MsgNewFlowtable, cat(ftID, at(AttrFlowtableHook, at(AttrFlowtableHookDevs, atStr(AttrDeviceName, "")))), "device name is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := decodeAll(c.msg, c.attrs)
			if err == nil {
				t.Fatalf("no error for %x", c.attrs)
			}
			if !errors.Is(err, nftmon.ErrMalformed) {
				t.Fatalf("error %q does not match nftmon.ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not say %q", err, c.want)
			}
			if n := testing.AllocsPerRun(10, func() { _ = decodeAll(c.msg, c.attrs) }); n != 0 {
				t.Errorf("rejecting the input allocated %v times", n)
			}
		})
	}
}

func bytesRepeat(b []byte, n int) []byte { return []byte(strings.Repeat(string(b), n)) }

// TestUnknownAttrsSkipped appends attributes of unknown types (and of known
// types the kernel sends only in requests) to real messages of every kind:
// the decoders must accept them and decode the same view.
func TestUnknownAttrsSkipped(t *testing.T) {
	extra := cat(at(40, []byte{1, 2, 3}), at(63), at(200, make([]byte, 9)), atU32(1000, 7))
	kinds := map[nftmon.Object]bool{}
	for _, m := range allCaptured(t) {
		if m.Header.MsgType().Object() == nftmon.ObjectNone {
			continue
		}
		want := formatMsg(m)
		m2 := m
		m2.Attrs = cat(extra[:len(extra):len(extra)], m.Attrs, extra)
		if got := formatMsg(m2); got != want {
			t.Fatalf("with unknown attributes:\n got: %s\nwant: %s", got, want)
		}
		kinds[m.Header.MsgType().Object()] = true
		if m.Header.MsgType().Object() != nftmon.ObjectSetElem {
			continue
		}
		// Inside each element, too.
		var v SetElems
		if err := v.Decode(m.Attrs); err != nil {
			t.Fatal(err)
		}
		list := nftmon.NewAttrScanner(v.Elements)
		for list.Next() {
			var want, got Elem
			if err := want.Decode(list.Bytes()); err != nil {
				t.Fatal(err)
			}
			if err := got.Decode(cat(extra, list.Bytes(), extra)); err != nil {
				t.Fatalf("element with unknown attributes: %v", err)
			}
			got.Present &^= 1<<40 | 1<<63
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("element with unknown attributes:\n got: %+v\nwant: %+v", got, want)
			}
		}
	}
	if len(kinds) < 7 {
		t.Fatalf("only %d kinds of message seen: %v", len(kinds), kinds)
	}
}
