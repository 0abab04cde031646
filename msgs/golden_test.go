package msgs

import (
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// update rewrites the golden files from the captures. The expression text
// tests of this package use the same flag (through updating).
var update = flag.Bool("update", false, "rewrite the golden files in testdata/ from the captures")

// TestGolden decodes every message of every capture and compares the result,
// one line per message, with testdata/NAME.golden. Regenerate with
// go test ./msgs -run Golden -update, then review the diff against
// ../testdata/NAME.monitor and NAME.json.
func TestGolden(t *testing.T) {
	for _, path := range captureFiles(t) {
		name := captureName(path)
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			for _, m := range readCapture(t, path) {
				out.WriteString(formatMsg(m))
				out.WriteByte('\n')
			}
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./msgs -run Golden -update)", err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				got := bytes.Split(out.Bytes(), []byte("\n"))
				exp := bytes.Split(want, []byte("\n"))
				for i := range max(len(got), len(exp)) {
					var g, e []byte
					if i < len(got) {
						g = got[i]
					}
					if i < len(exp) {
						e = exp[i]
					}
					if !bytes.Equal(g, e) {
						t.Fatalf("%s line %d:\n got: %s\nwant: %s", golden, i+1, g, e)
					}
				}
			}
		})
	}
}

// formatMsg decodes m into its view and prints every decoded field, present
// attributes only.
func formatMsg(m capMsg) string {
	var b bytes.Buffer
	typ := m.Header.MsgType()
	fmt.Fprintf(&b, "%s %s", typ, m.NF.Family)
	var err error
	switch typ.Object() {
	case nftmon.ObjectTable:
		var v Table
		if err = v.Decode(m.Attrs); err == nil {
			formatTable(&b, &v)
		}
	case nftmon.ObjectChain:
		var v Chain
		if err = v.Decode(m.Attrs); err == nil {
			formatChain(&b, &v, m.NF.Family)
		}
	case nftmon.ObjectRule:
		var v Rule
		if err = v.Decode(m.Attrs); err == nil {
			err = formatRule(&b, &v)
		}
	case nftmon.ObjectSet:
		var v Set
		if err = v.Decode(m.Attrs); err == nil {
			err = formatSet(&b, &v)
		}
	case nftmon.ObjectSetElem:
		var v SetElems
		if err = v.Decode(m.Attrs); err == nil {
			err = formatSetElems(&b, &v)
		}
	case nftmon.ObjectObj:
		var v Obj
		if err = v.Decode(m.Attrs); err == nil {
			formatObj(&b, &v)
		}
	case nftmon.ObjectFlowtable:
		var v Flowtable
		if err = v.Decode(m.Attrs); err == nil {
			err = formatFlowtable(&b, &v)
		}
	case nftmon.ObjectGen:
		var v nftmon.Gen
		if err = v.Decode(m.Attrs); err == nil {
			fmt.Fprintf(&b, " id=%d pid=%d name=%q", v.ID, v.ProcPID, v.ProcName)
		}
	default:
		fmt.Fprintf(&b, " (no view) %d bytes", len(m.Attrs))
	}
	if err != nil {
		fmt.Fprintf(&b, " ERROR %v", err)
	}
	return b.String()
}

// field prints " key=value" when the attribute typ is present.
func field(b *bytes.Buffer, p AttrSet, typ uint16, key string, v any) {
	if !p.Has(typ) {
		return
	}
	switch v := v.(type) {
	case []byte:
		fmt.Fprintf(b, " %s=%q", key, v)
	default:
		fmt.Fprintf(b, " %s=%v", key, v)
	}
}

func formatTable(b *bytes.Buffer, v *Table) {
	p := v.Present
	field(b, p, unix.NFTA_TABLE_NAME, "name", v.Name)
	field(b, p, unix.NFTA_TABLE_FLAGS, "flags", v.Flags)
	field(b, p, unix.NFTA_TABLE_USE, "use", v.Use)
	field(b, p, AttrTableHandle, "handle", v.Handle)
	field(b, p, AttrTableUserData, "userdata", hexOf(v.UserData))
	if c := v.Comment(); c != nil {
		fmt.Fprintf(b, " comment=%q", c)
	}
	field(b, p, AttrTableOwner, "owner", v.Owner)
}

func formatChain(b *bytes.Buffer, v *Chain, f nftmon.Family) {
	p := v.Present
	field(b, p, unix.NFTA_CHAIN_TABLE, "table", v.Table)
	field(b, p, unix.NFTA_CHAIN_NAME, "name", v.Name)
	field(b, p, unix.NFTA_CHAIN_HANDLE, "handle", v.Handle)
	if p.Has(unix.NFTA_CHAIN_HOOK) {
		fmt.Fprintf(b, " hook={num=%d(%s) prio=%d", v.Hook.Num, HookName(f, v.Hook.Num), v.Hook.Priority)
		if v.Hook.Dev != nil {
			fmt.Fprintf(b, " dev=%q", v.Hook.Dev)
		}
		if v.Hook.Devs != nil {
			b.WriteString(" devs=[")
			formatDevs(b, v.Hook.Devices())
			b.WriteString("]")
		}
		b.WriteString("}")
	}
	field(b, p, unix.NFTA_CHAIN_POLICY, "policy", v.Policy)
	field(b, p, unix.NFTA_CHAIN_USE, "use", v.Use)
	field(b, p, unix.NFTA_CHAIN_TYPE, "type", v.Type)
	if p.Has(unix.NFTA_CHAIN_COUNTERS) {
		fmt.Fprintf(b, " counters={bytes=%d packets=%d}", v.Counters.Bytes, v.Counters.Packets)
	}
	field(b, p, AttrChainFlags, "flags", v.Flags)
	field(b, p, AttrChainUserData, "userdata", hexOf(v.UserData))
	field(b, p, AttrChainID, "id", v.ID)
	if c := v.Comment(); c != nil {
		fmt.Fprintf(b, " comment=%q", c)
	}
}

func formatDevs(b *bytes.Buffer, s DevScanner) {
	sep := ""
	for s.Next() {
		d := s.Device()
		fmt.Fprintf(b, "%s%q", sep, d.Name)
		if d.Prefix {
			b.WriteString("*")
		}
		sep = " "
	}
	if err := s.Err(); err != nil {
		fmt.Fprintf(b, " ERROR %v", err)
	}
}

func formatRule(b *bytes.Buffer, v *Rule) error {
	p := v.Present
	field(b, p, unix.NFTA_RULE_TABLE, "table", v.Table)
	field(b, p, unix.NFTA_RULE_CHAIN, "chain", v.Chain)
	field(b, p, unix.NFTA_RULE_HANDLE, "handle", v.Handle)
	field(b, p, unix.NFTA_RULE_POSITION, "position", v.Position)
	if p.Has(unix.NFTA_RULE_COMPAT) {
		fmt.Fprintf(b, " compat={proto=%d flags=%d}", v.Compat.Proto, v.Compat.Flags)
	}
	field(b, p, unix.NFTA_RULE_USERDATA, "userdata", hexOf(v.UserData))
	field(b, p, unix.NFTA_RULE_ID, "id", v.ID)
	field(b, p, AttrRulePositionID, "positionid", v.PositionID)
	field(b, p, AttrRuleChainID, "chainid", v.ChainID)
	if c := v.Comment(); c != nil {
		fmt.Fprintf(b, " comment=%q", c)
	}
	if p.Has(unix.NFTA_RULE_EXPRESSIONS) {
		b.WriteString(" exprs=")
		return formatExprs(b, v.Exprs())
	}
	return nil
}

// formatExprs prints each expression's name and its attributes as
// type:hex (nested ones as type{...}), without interpreting them: that is
// the expression decoders' business.
func formatExprs(b *bytes.Buffer, s ExprScanner) error {
	b.WriteString("[")
	sep := ""
	for s.Next() {
		e := s.Expr()
		fmt.Fprintf(b, "%s%s(", sep, e.Name)
		formatAttrs(b, e.Data, 0)
		b.WriteString(")")
		sep = " "
	}
	b.WriteString("]")
	return s.Err()
}

// formatAttrs prints raw attributes; those that parse as nested attributes
// are printed as nests, up to a depth.
func formatAttrs(b *bytes.Buffer, data []byte, depth int) {
	s := nftmon.NewAttrScanner(data)
	sep := ""
	for s.Next() {
		fmt.Fprintf(b, "%s%d", sep, s.Type())
		sep = " "
		if depth < 4 && looksNested(s.Bytes()) {
			b.WriteString("{")
			formatAttrs(b, s.Bytes(), depth+1)
			b.WriteString("}")
			continue
		}
		b.WriteString(":")
		b.WriteString(hex.EncodeToString(s.Bytes()))
	}
	if err := s.Err(); err != nil {
		fmt.Fprintf(b, " ERROR %v", err)
	}
}

// looksNested reports whether b parses exactly as a sequence of attributes
// whose lengths are padded to 4 bytes, as the kernel writes nests.
func looksNested(b []byte) bool {
	if len(b) < 4 || len(b)%4 != 0 {
		return false
	}
	s := nftmon.NewAttrScanner(b)
	for s.Next() {
		if s.Type() == 0 {
			return false
		}
	}
	return s.Err() == nil
}

func formatSet(b *bytes.Buffer, v *Set) error {
	p := v.Present
	field(b, p, unix.NFTA_SET_TABLE, "table", v.Table)
	field(b, p, unix.NFTA_SET_NAME, "name", v.Name)
	field(b, p, AttrSetHandle, "handle", v.Handle)
	field(b, p, unix.NFTA_SET_FLAGS, "flags", v.Flags)
	field(b, p, unix.NFTA_SET_KEY_TYPE, "keytype", v.KeyType)
	field(b, p, unix.NFTA_SET_KEY_LEN, "keylen", v.KeyLen)
	field(b, p, unix.NFTA_SET_DATA_TYPE, "datatype", "0x"+strconv.FormatUint(uint64(v.DataType), 16))
	field(b, p, unix.NFTA_SET_DATA_LEN, "datalen", v.DataLen)
	field(b, p, unix.NFTA_SET_POLICY, "policy", v.Policy)
	if p.Has(unix.NFTA_SET_DESC) {
		fmt.Fprintf(b, " desc={size=%d fields=%v}", v.Desc.Size, v.Desc.Fields())
	}
	field(b, p, unix.NFTA_SET_ID, "id", v.ID)
	field(b, p, unix.NFTA_SET_TIMEOUT, "timeout", v.Timeout)
	field(b, p, unix.NFTA_SET_GC_INTERVAL, "gcinterval", v.GCInterval)
	field(b, p, unix.NFTA_SET_USERDATA, "userdata", hexOf(v.UserData))
	if c := v.Comment(); c != nil {
		fmt.Fprintf(b, " comment=%q", c)
	}
	field(b, p, unix.NFTA_SET_OBJ_TYPE, "objtype", v.ObjType)
	field(b, p, AttrSetType, "type", v.Type)
	field(b, p, AttrSetCount, "count", v.Count)
	if p.Has(AttrSetExpr) {
		var e Expr
		if err := e.Decode(v.Expr); err != nil {
			return err
		}
		fmt.Fprintf(b, " expr=%s(", e.Name)
		formatAttrs(b, e.Data, 0)
		b.WriteString(")")
	}
	if p.Has(AttrSetExpressions) {
		b.WriteString(" exprs=")
		return formatExprs(b, v.Exprs())
	}
	return nil
}

func formatSetElems(b *bytes.Buffer, v *SetElems) error {
	p := v.Present
	field(b, p, unix.NFTA_SET_ELEM_LIST_TABLE, "table", v.Table)
	field(b, p, unix.NFTA_SET_ELEM_LIST_SET, "set", v.Set)
	field(b, p, unix.NFTA_SET_ELEM_LIST_SET_ID, "setid", v.SetID)
	s := v.Elems()
	for s.Next() {
		el := s.Elem()
		p := el.Present
		b.WriteString(" elem{")
		field(b, p, unix.NFTA_SET_ELEM_KEY, "key", hexOf(el.Key))
		field(b, p, AttrSetElemKeyEnd, "keyend", hexOf(el.KeyEnd))
		if p.Has(unix.NFTA_SET_ELEM_DATA) {
			if el.IsVerdict {
				fmt.Fprintf(b, " verdict=%s", el.Verdict.Code)
				if el.Verdict.Chain != nil {
					fmt.Fprintf(b, ":%q", el.Verdict.Chain)
				}
				if el.Verdict.ChainID != 0 {
					fmt.Fprintf(b, ":id%d", el.Verdict.ChainID)
				}
			} else {
				fmt.Fprintf(b, " data=%s", hexOf(el.Data))
			}
		}
		field(b, p, unix.NFTA_SET_ELEM_FLAGS, "flags", el.Flags)
		field(b, p, unix.NFTA_SET_ELEM_TIMEOUT, "timeout", el.Timeout)
		if p.Has(unix.NFTA_SET_ELEM_EXPIRATION) {
			// The remaining time depends on when the capture was made:
			// print whether it is within the timeout, not its value.
			fmt.Fprintf(b, " expiration=%v", expirationClass(el.Expiration))
		}
		field(b, p, unix.NFTA_SET_ELEM_USERDATA, "userdata", hexOf(el.UserData))
		if c := el.Comment(); c != nil {
			fmt.Fprintf(b, " comment=%q", c)
		}
		field(b, p, unix.NFTA_SET_ELEM_OBJREF, "objref", el.ObjRef)
		if p.Has(unix.NFTA_SET_ELEM_EXPR) {
			var e Expr
			if err := e.Decode(el.Expr); err != nil {
				return err
			}
			fmt.Fprintf(b, " expr=%s(", e.Name)
			formatAttrs(b, e.Data, 0)
			b.WriteString(")")
		}
		if p.Has(AttrSetElemExpressions) {
			b.WriteString(" exprs=")
			if err := formatExprs(b, el.Exprs()); err != nil {
				return err
			}
		}
		b.WriteString(" }")
	}
	return s.Err()
}

// expirationClass buckets a remaining time in ms, which varies between
// captures of the same scenario, into what is stable.
func expirationClass(ms uint64) string {
	switch {
	case ms == 0:
		return "0"
	case ms%1000 == 0:
		return strconv.FormatUint(ms/1000, 10) + "s"
	}
	return "~" + strconv.FormatUint((ms+999)/1000/60, 10) + "m"
}

func formatObj(b *bytes.Buffer, v *Obj) {
	p := v.Present
	field(b, p, unix.NFTA_OBJ_TABLE, "table", v.Table)
	field(b, p, unix.NFTA_OBJ_NAME, "name", v.Name)
	field(b, p, unix.NFTA_OBJ_TYPE, "type", v.Type)
	field(b, p, AttrObjHandle, "handle", v.Handle)
	field(b, p, unix.NFTA_OBJ_USE, "use", v.Use)
	field(b, p, AttrObjUserData, "userdata", hexOf(v.UserData))
	if c := v.Comment(); c != nil {
		fmt.Fprintf(b, " comment=%q", c)
	}
	if p.Has(unix.NFTA_OBJ_DATA) {
		b.WriteString(" data=(")
		formatAttrs(b, v.Data, 0)
		b.WriteString(")")
	}
}

func formatFlowtable(b *bytes.Buffer, v *Flowtable) error {
	p := v.Present
	field(b, p, AttrFlowtableTable, "table", v.Table)
	field(b, p, AttrFlowtableName, "name", v.Name)
	field(b, p, AttrFlowtableHandle, "handle", v.Handle)
	if p.Has(AttrFlowtableHook) {
		fmt.Fprintf(b, " hook={num=%d prio=%d devs=[", v.Hook.Num, v.Hook.Priority)
		formatDevs(b, v.Hook.Devices())
		b.WriteString("]}")
	}
	field(b, p, AttrFlowtableUse, "use", v.Use)
	field(b, p, AttrFlowtableFlags, "flags", v.Flags)
	return nil
}

// hexOf prints bytes in hex, "" for none.
type hexOf []byte

func (h hexOf) String() string { return hex.EncodeToString(h) }
