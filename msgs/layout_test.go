package msgs

import (
	"encoding/binary"
	"regexp"
	"strconv"
	"testing"

	"github.com/nftmon/nftmon"
)

// TestKernelLayouts checks that the kernel sends the expressions and
// verdicts of the corpus as the views' short paths (layout.go) expect, so
// that those paths are the ones the corpus takes: the attributes in the
// order named, without flags, of the sizes named. A kernel that changed a
// layout would be decoded right still, by the general walks, only slower;
// this test says which layout changed.
func TestKernelLayouts(t *testing.T) {
	layouts := map[string]struct {
		want  *regexp.Regexp // as shape spells it
		nests []uint16       // the nest's type at each depth, for shape
	}{
		"payload":   {regexp.MustCompile(`^1:4 2:4 3:4 4:4$`), nil},                                 // DREG BASE OFFSET LEN
		"cmp":       {regexp.MustCompile(`^1:4 2:4 3:\{1:\d+\}$`), []uint16{3}},                     // SREG OP DATA{VALUE}
		"meta":      {regexp.MustCompile(`^2:4 1:4$`), nil},                                         // KEY DREG
		"counter":   {regexp.MustCompile(`^1:8 2:8$`), nil},                                         // BYTES PACKETS
		"immediate": {regexp.MustCompile(`^1:4 2:\{(1:\d+|2:\{1:4( 2:\d+)?\})\}$`), []uint16{2, 2}}, // DREG DATA{VALUE or VERDICT{CODE [CHAIN]}}
	}
	// The forms of these expressions that have layouts of their own, not
	// taken by a short path: a payload write (SREG first), a meta set.
	other := regexp.MustCompile(`^(5:4 .*|2:4 3:4)$`)
	seen := map[string]int{}
	for _, nest := range corpusExprs(t) {
		e := exprOf(t, nest)
		l, ok := layouts[string(e.Name)]
		if !ok {
			continue
		}
		got := shape(e.Data, l.nests)
		if other.MatchString(got) {
			continue
		}
		if !l.want.MatchString(got) {
			t.Errorf("%s laid out as %s, not %s", e.Name, got, l.want)
		}
		seen[string(e.Name)]++
	}
	for name := range layouts {
		if seen[name] == 0 {
			t.Errorf("no %s expression in the corpus", name)
		}
	}
}

// shape spells the attributes in b as type:size, their types with flags as
// sent; the one of type nests[0] is a nest, spelled type:{...} with the
// rest of nests for the attributes inside.
func shape(b []byte, nests []uint16) string {
	out := ""
	for len(b) >= nftmon.AttrHeaderLen {
		l := int(binary.NativeEndian.Uint16(b))
		typ := binary.NativeEndian.Uint16(b[2:])
		if l < nftmon.AttrHeaderLen || l > len(b) {
			return out + " malformed"
		}
		if out != "" {
			out += " "
		}
		out += strconv.Itoa(int(typ)) + ":"
		if payload := b[nftmon.AttrHeaderLen:l]; len(nests) > 0 && typ == nests[0] {
			out += "{" + shape(payload, nests[1:]) + "}"
		} else {
			out += strconv.Itoa(len(payload))
		}
		b = b[min((l+3)&^3, len(b)):]
	}
	return out
}

// TestKernelMessageLayouts checks that every rule and set-element message
// of the captures (notifications and dump replies) takes the views' short
// paths, Rule.kernel and SetElems.kernel.
func TestKernelMessageLayouts(t *testing.T) {
	rules, elems := 0, 0
	for _, m := range allCaptured(t) {
		switch m.Header.MsgType() {
		case nftmon.MsgNewRule, nftmon.MsgDelRule:
			var r Rule
			if !r.kernel(m.Attrs) {
				t.Errorf("%s %x not taken by Rule.kernel", m.Header.MsgType(), m.Attrs)
			}
			rules++
		case nftmon.MsgNewSetElem, nftmon.MsgDelSetElem:
			var e SetElems
			if !e.kernel(m.Attrs) {
				t.Errorf("%s %x not taken by SetElems.kernel", m.Header.MsgType(), m.Attrs)
			}
			elems++
		}
	}
	if rules == 0 || elems == 0 {
		t.Fatalf("%d rule and %d set-element messages captured", rules, elems)
	}
}
