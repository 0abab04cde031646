package msgs

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// knownBadJSON lists captures whose NAME.json nft itself could not write.
var knownBadJSON = map[string]string{
	"tables": "nft 1.0.6 -j stops writing at a dormant table's flags (the file ends in `\"flags\": `)",
}

// TestOracleJSON compares what the decoders make of each dump capture with
// nft's own view of the same ruleset (nft -j list ruleset, taken right after
// the dump): every table, chain, set, map, rule and object of the JSON must
// be in the dump with the same handle, hook, priority, policy, type, set key
// and data types, flags, timeout, size, comment and elements, and the dump
// must hold nothing the JSON lacks (anonymous sets aside: nft hides them).
func TestOracleJSON(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(captureDir, "*.dump.pcap"))
	if len(files) == 0 {
		t.Fatalf("no dump captures in %s", captureDir)
	}
	checked := 0
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".dump.pcap")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(captureDir, name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Nftables []map[string]json.RawMessage `json:"nftables"`
			}
			if err := json.Unmarshal(raw, &doc); err != nil {
				if why, ok := knownBadJSON[name]; ok {
					t.Skipf("%s.json is not JSON: %s", name, why)
				}
				t.Fatalf("%s.json: %v", name, err)
			}
			want := oracleFromJSON(t, doc.Nftables)
			got := oracleFromDump(t, readCapture(t, path))
			compareOracle(t, got, want)
			checked++
		})
	}
	if checked < 5 {
		t.Fatalf("only %d captures compared with their JSON", checked)
	}
}

// oracle is a ruleset reduced to what both nft -j and the decoders give,
// each object as one canonical line, keyed by family, table, kind and name.
type oracle map[string]string

func compareOracle(t *testing.T, got, want oracle) {
	t.Helper()
	keys := make([]string, 0, len(want)+len(got))
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		g, okg := got[k]
		w, okw := want[k]
		switch {
		case !okg:
			t.Errorf("%s: in the JSON, not in the dump: %s", k, w)
		case !okw:
			t.Errorf("%s: in the dump, not in the JSON: %s", k, g)
		case g != w:
			t.Errorf("%s:\n dump: %s\n json: %s", k, g, w)
		}
	}
	if len(want) == 0 && len(got) != 0 {
		t.Errorf("empty JSON ruleset, but the dump has %d objects", len(got))
	}
}

// The nft data types (nftables include/datatype.h, enum datatypes) that the
// captures use, and how many bits a concatenation shifts each by
// (TYPE_BITS).
var nftTypes = map[uint32]string{
	1: "verdict", 5: "string", 7: "ipv4_addr", 8: "ipv6_addr", 9: "ether_addr",
	12: "inet_proto", 13: "inet_service", 19: "mark", 20: "iface_index",
}

const nftTypeBits = 6

// typeName spells a set's key or data type as nft -j does: a name, or a
// list of names for a concatenation.
func typeName(id uint32) string {
	var parts []string
	for id != 0 {
		n, ok := nftTypes[id&(1<<nftTypeBits-1)]
		if !ok {
			n = "type" + strconv.Itoa(int(id&(1<<nftTypeBits-1)))
		}
		parts = append([]string{n}, parts...)
		id >>= nftTypeBits
	}
	return strings.Join(parts, ".")
}

// oracleFromDump decodes a dump capture.
func oracleFromDump(t *testing.T, msgs []capMsg) oracle {
	o := oracle{}
	elems := map[string][]string{} // set key -> elements, filled from GETSETELEM replies
	sets := map[string]*Set{}
	for _, m := range msgs {
		fam := m.NF.Family
		switch m.Header.MsgType() {
		case nftmon.MsgNewTable:
			var v Table
			mustDecode(t, v.Decode(m.Attrs))
			o[fmt.Sprintf("%s table %s", fam, v.Name)] = fmt.Sprintf("handle=%d", v.Handle)
		case nftmon.MsgNewChain:
			var v Chain
			mustDecode(t, v.Decode(m.Attrs))
			line := fmt.Sprintf("handle=%d", v.Handle)
			if v.Present.Has(unix.NFTA_CHAIN_HOOK) {
				hook := HookName(fam, v.Hook.Num)
				line += fmt.Sprintf(" type=%s hook=%s prio=%d policy=%s", v.Type, hook, v.Hook.Priority, v.Policy)
			}
			if c := v.Comment(); c != nil {
				line += fmt.Sprintf(" comment=%q", c)
			}
			o[fmt.Sprintf("%s chain %s %s", fam, v.Table, v.Name)] = line
		case nftmon.MsgNewSet:
			v := new(Set)
			mustDecode(t, v.Decode(m.Attrs))
			key := fmt.Sprintf("%s set %s %s", fam, v.Table, v.Name)
			sets[key] = v
		case nftmon.MsgNewSetElem:
			var v SetElems
			mustDecode(t, v.Decode(m.Attrs))
			key := fmt.Sprintf("%s set %s %s", fam, v.Table, v.Set)
			s := v.Elems()
			for s.Next() {
				el := s.Elem()
				if el.Flags&ElemIntervalEnd != 0 {
					continue // nft folds start and end into one element
				}
				elems[key] = append(elems[key], elemString(el, sets[key]))
			}
			mustDecode(t, s.Err())
		case nftmon.MsgNewRule:
			var v Rule
			mustDecode(t, v.Decode(m.Attrs))
			line := ""
			if c := v.Comment(); c != nil {
				line = fmt.Sprintf("comment=%q", c)
			}
			o[fmt.Sprintf("%s rule %s %s %d", fam, v.Table, v.Chain, v.Handle)] = line
		case nftmon.MsgNewObj:
			var v Obj
			mustDecode(t, v.Decode(m.Attrs))
			line := fmt.Sprintf("handle=%d", v.Handle)
			if c := v.Comment(); c != nil {
				line += fmt.Sprintf(" comment=%q", c)
			}
			o[fmt.Sprintf("%s %s %s %s", fam, v.Type, v.Table, v.Name)] = line
		}
	}
	for key, v := range sets {
		if v.Flags&SetAnonymous != 0 {
			continue
		}
		line := fmt.Sprintf("handle=%d type=%s", v.Handle, typeName(v.KeyType))
		if v.Flags&SetMap != 0 {
			if v.DataType == 0xffffff00 { // NFT_DATA_VERDICT
				line += " map=verdict"
			} else {
				line += " map=" + typeName(v.DataType)
			}
		}
		if v.Flags&SetObject != 0 {
			line += " map=" + v.ObjType.String()
		}
		var flags []string
		for _, f := range []struct {
			bit  SetFlags
			name string
		}{{SetConstant, "constant"}, {SetInterval, "interval"}, {SetTimeout, "timeout"}} {
			// Not SetEval: nft 1.0.6's JSON omits "dynamic".
			if v.Flags&f.bit != 0 {
				flags = append(flags, f.name)
			}
		}
		line += fmt.Sprintf(" flags=%v", flags)
		if v.Present.Has(unix.NFTA_SET_TIMEOUT) {
			line += fmt.Sprintf(" timeout=%ds", v.Timeout/1000)
		}
		if v.Desc.Size != 0 {
			line += fmt.Sprintf(" size=%d", v.Desc.Size)
		}
		if c := v.Comment(); c != nil {
			line += fmt.Sprintf(" comment=%q", c)
		}
		e := elems[key]
		slices.Sort(e)
		line += fmt.Sprintf(" elems=%v", e)
		o[key] = line
	}
	return o
}

func mustDecode(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// elemString spells an element's key (and data) in the simple cases the
// JSON spells the same way (addresses, ports, marks, verdicts); other keys
// as their length, which still proves one element of the JSON per element
// of the dump.
func elemString(el *Elem, set *Set) string {
	s := keyString(el.Key, set)
	if el.Flags&ElemCatchall != 0 {
		s = "*"
	}
	if el.Present.Has(AttrSetElemKeyEnd) {
		s += "-" + keyString(el.KeyEnd, set)
	}
	if el.IsVerdict {
		s += ":" + el.Verdict.Code.String()
		if el.Verdict.Chain != nil {
			s += " " + string(el.Verdict.Chain)
		}
	} else if el.Data != nil && set != nil {
		s += ":" + valueString(el.Data, set.DataType)
	}
	if el.ObjRef != nil {
		s += ":" + string(el.ObjRef)
	}
	if c := el.Comment(); c != nil {
		s += fmt.Sprintf(" comment=%q", c)
	}
	if el.Present.Has(unix.NFTA_SET_ELEM_TIMEOUT) {
		s += fmt.Sprintf(" timeout=%ds", el.Timeout/1000)
	}
	return s
}

func keyString(b []byte, set *Set) string {
	if set == nil || set.Flags&SetInterval != 0 || set.Flags&SetConcat != 0 || set.KeyType>>nftTypeBits != 0 {
		return fmt.Sprintf("(%d bytes)", len(b))
	}
	return valueString(b, set.KeyType)
}

func valueString(b []byte, typ uint32) string {
	switch {
	case typ == 7 && len(b) == 4:
		return netip.AddrFrom4([4]byte(b)).String()
	case typ == 8 && len(b) == 16:
		return netip.AddrFrom16([16]byte(b)).String()
	case typ == 13 && len(b) == 2:
		return strconv.Itoa(int(binary.BigEndian.Uint16(b)))
	case typ == 19 && len(b) == 4:
		return strconv.Itoa(int(binary.NativeEndian.Uint32(b)))
	case typ == 9 && len(b) == 6:
		return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5])
	}
	return fmt.Sprintf("(%d bytes)", len(b))
}

// oracleFromJSON reads nft -j list ruleset into the same form.
func oracleFromJSON(t *testing.T, items []map[string]json.RawMessage) oracle {
	o := oracle{}
	for _, item := range items {
		for kind, raw := range item {
			var v map[string]any
			if err := json.Unmarshal(raw, &v); err != nil {
				t.Fatal(err)
			}
			fam, table, name := str(v["family"]), str(v["table"]), str(v["name"])
			handle := int64(num(v["handle"]))
			comment := ""
			if c, ok := v["comment"]; ok {
				comment = fmt.Sprintf(" comment=%q", str(c))
			}
			switch kind {
			case "metainfo":
			case "table":
				o[fmt.Sprintf("%s table %s", fam, name)] = fmt.Sprintf("handle=%d", handle)
			case "chain":
				line := fmt.Sprintf("handle=%d", handle)
				if _, ok := v["hook"]; ok {
					line += fmt.Sprintf(" type=%s hook=%s prio=%d policy=%s", str(v["type"]), str(v["hook"]), int64(num(v["prio"])), str(v["policy"]))
				}
				o[fmt.Sprintf("%s chain %s %s", fam, table, name)] = line + comment
			case "set", "map":
				line := fmt.Sprintf("handle=%d type=%s", handle, jsonType(v["type"]))
				if m, ok := v["map"]; ok {
					line += " map=" + jsonType(m)
				}
				var flags []string
				if fl, ok := v["flags"].([]any); ok {
					for _, f := range fl {
						flags = append(flags, str(f))
					}
				}
				line += fmt.Sprintf(" flags=%v", flags)
				if to, ok := v["timeout"]; ok {
					line += fmt.Sprintf(" timeout=%ds", int64(num(to)))
				}
				if sz, ok := v["size"]; ok {
					line += fmt.Sprintf(" size=%d", int64(num(sz)))
				}
				line += comment
				var e []string
				if list, ok := v["elem"].([]any); ok {
					for _, el := range list {
						e = append(e, jsonElem(el, v))
					}
				}
				slices.Sort(e)
				line += fmt.Sprintf(" elems=%v", e)
				o[fmt.Sprintf("%s set %s %s", fam, table, name)] = line
			case "rule":
				line := ""
				if comment != "" {
					line = comment[1:]
				}
				o[fmt.Sprintf("%s rule %s %s %d", fam, table, str(v["chain"]), handle)] = line
			default: // stateful objects: "counter", "quota", "ct helper", ...
				o[fmt.Sprintf("%s %s %s %s", fam, kind, table, name)] = fmt.Sprintf("handle=%d", handle) + comment
			}
		}
	}
	return o
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}

// jsonType spells a "type" or "map" value: a name or a list of names.
func jsonType(v any) string {
	if l, ok := v.([]any); ok {
		var parts []string
		for _, p := range l {
			parts = append(parts, str(p))
		}
		return strings.Join(parts, ".")
	}
	return str(v)
}

// jsonElem spells one element of a JSON set the way elemString does.
func jsonElem(el any, set map[string]any) string {
	simple := func(v any) bool {
		_, isObj := v.(map[string]any)
		_, isList := v.([]any)
		if isObj || isList {
			return false
		}
		if _, interval := flagged(set, "interval"); interval {
			return false
		}
		_, concat := set["type"].([]any)
		return !concat
	}
	keyOf := func(v any) string {
		if simple(v) {
			switch k := v.(type) {
			case string:
				return k
			case float64:
				return strconv.Itoa(int(k))
			}
		}
		return "(" + keyLen(set) + " bytes)"
	}
	var key, extra string
	var data any
	hasData := false
	if pair, ok := el.([]any); ok && len(pair) == 2 { // map: [key, data]
		el, data, hasData = pair[0], pair[1], true
	}
	if m, ok := el.(map[string]any); ok {
		if e, ok := m["elem"].(map[string]any); ok {
			el = e["val"]
			if to, ok := e["timeout"]; ok {
				extra += fmt.Sprintf(" timeout=%ds", int64(num(to)))
			}
			if c, ok := e["comment"]; ok {
				extra = fmt.Sprintf(" comment=%q", str(c)) + extra
			}
		}
	}
	key = keyOf(el)
	if _, concat := set["type"].([]any); concat {
		if _, interval := flagged(set, "interval"); interval {
			key += "-" + key
		}
	}
	if hasData {
		switch d := data.(type) {
		case map[string]any: // a verdict: {"accept": null}, {"jump": {"target": "x"}}
			for verdict, arg := range d {
				key += ":" + verdict
				if a, ok := arg.(map[string]any); ok {
					key += " " + str(a["target"])
				}
			}
		case string: // a value, or an object map's object name
			key += ":" + d
		case float64:
			key += ":" + strconv.Itoa(int(d))
		}
	}
	return key + extra
}

// keyLen returns the key length, in bytes, nft's type names imply.
func keyLen(set map[string]any) string {
	size := map[string]int{"ipv4_addr": 4, "ipv6_addr": 16, "ether_addr": 6, "inet_service": 2, "mark": 4, "inet_proto": 1, "iface_index": 4}
	total := 0
	add := func(n string) {
		// Each field of a concatenation takes a whole 32-bit register.
		total += (size[n] + 3) &^ 3
	}
	if l, ok := set["type"].([]any); ok {
		for _, p := range l {
			add(str(p))
		}
	} else {
		n := str(set["type"])
		if n == "inet_service" || n == "inet_proto" {
			total = size[n]
		} else {
			add(n)
		}
	}
	return strconv.Itoa(total)
}

func flagged(set map[string]any, flag string) (int, bool) {
	fl, _ := set["flags"].([]any)
	for i, f := range fl {
		if str(f) == flag {
			return i, true
		}
	}
	return 0, false
}
