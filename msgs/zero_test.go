package msgs

import (
	"reflect"
	"testing"

	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// decoder is what every view has.
type decoder interface{ Decode([]byte) error }

// garbage returns broken variants of a valid seed: every truncation, and
// the seed with each byte in turn set to 0xff, to 0x00 and to 0x05 (which
// breaks lengths, types, sizes and NULs everywhere in the nesting).
func garbage(seed []byte) [][]byte {
	var out [][]byte
	for i := range seed {
		out = append(out, seed[:i])
		for _, c := range []byte{0xff, 0x00, 0x05} {
			b := append([]byte(nil), seed...)
			b[i] = c
			out = append(out, b)
		}
	}
	return out
}

// checkZeroOnError decodes seed into v (which must succeed, so that v is
// not zero before), then each garbage variant: whenever Decode fails, v
// must be the zero value. It returns how many variants failed.
func checkZeroOnError(t *testing.T, name string, v decoder, seed []byte) int {
	t.Helper()
	failed := 0
	for _, b := range garbage(seed) {
		if err := v.Decode(seed); err != nil {
			t.Fatalf("%s: the seed does not decode: %v", name, err)
		}
		if reflect.ValueOf(v).Elem().IsZero() {
			t.Fatalf("%s: the seed decodes to the zero value", name)
		}
		if err := v.Decode(b); err != nil {
			failed++
			if !reflect.ValueOf(v).Elem().IsZero() {
				t.Fatalf("%s: Decode(% x) failed (%v) but left %+v", name, b, err, v)
			}
		}
	}
	if failed == 0 {
		t.Errorf("%s: no garbage variant was rejected", name)
	}
	return failed
}

// TestZeroOnError: every view, given broken versions of a real message,
// either decodes it or fails and is left zero, as the package promises.
func TestZeroOnError(t *testing.T) {
	msgs := allCaptured(t)
	biggest := func(typ nftmon.MsgType) []byte {
		var best []byte
		for _, m := range msgs {
			if m.Header.MsgType() == typ && len(m.Attrs) > len(best) && len(m.Attrs) < 600 {
				best = m.Attrs
			}
		}
		if best == nil {
			t.Fatalf("no %s captured", typ)
		}
		return best
	}
	var el SetElems
	elemSeed := biggest(nftmon.MsgNewSetElem)
	if err := el.Decode(elemSeed); err != nil {
		t.Fatal(err)
	}
	var oneElem []byte
	s := nftmon.NewAttrScanner(el.Elements)
	for s.Next() {
		oneElem = s.Bytes()
		break
	}
	jump := VerdictJump
	views := []struct {
		name string
		v    decoder
		seed []byte
	}{
		{"Table", new(Table), biggest(nftmon.MsgNewTable)},
		{"Chain", new(Chain), biggest(nftmon.MsgNewChain)},
		{"Rule", new(Rule), biggest(nftmon.MsgNewRule)},
		{"Set", new(Set), biggest(nftmon.MsgNewSet)},
		{"SetElems", new(SetElems), elemSeed},
		{"Elem", new(Elem), oneElem},
		{"Obj", new(Obj), biggest(nftmon.MsgNewObj)},
		{"Flowtable", new(Flowtable), biggest(nftmon.MsgNewFlowtable)},
		{"Trace", new(Trace), biggestTrace(t)},
		{"Verdict", new(Verdict), append(atU32(unix.NFTA_VERDICT_CODE, uint32(jump)), atStr(unix.NFTA_VERDICT_CHAIN, "c")...)},
		{"Data", new(Data), atVerdict(0, unix.NFT_GOTO, "c")[4:]},
	}
	for _, c := range views {
		checkZeroOnError(t, c.name, c.v, c.seed)
	}
	// Every expression view, seeded with the first corpus expression of its
	// kind that has data, and the Expr nest itself.
	seen := map[string]bool{}
	for _, nest := range corpusExprs(t) {
		e := exprOf(t, nest)
		if !seen["Expr"] {
			seen["Expr"] = true
			checkZeroOnError(t, "Expr", new(Expr), nest)
		}
		v, ok := exprKinds[string(e.Name)]
		if !ok || seen[string(e.Name)] || len(e.Data) == 0 {
			continue
		}
		seen[string(e.Name)] = true
		fresh := reflect.New(reflect.TypeOf(v).Elem()).Interface().(decoder)
		checkZeroOnError(t, string(e.Name), fresh, e.Data)
	}
	for name := range exprKinds {
		if !seen[name] && name != "notrack" {
			t.Errorf("no %s expression with data to seed the test", name)
		}
	}
}

// biggestTrace returns the captured trace event with the most attributes.
func biggestTrace(t *testing.T) []byte {
	var best []byte
	for _, s := range traceSeeds(t) {
		if len(s) > len(best) {
			best = s
		}
	}
	return best
}
