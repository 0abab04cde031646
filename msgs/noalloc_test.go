package msgs

import (
	"testing"

	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// TestNoAllocs decodes a captured message of every kind, and walks every
// iterator, under testing.AllocsPerRun: none may allocate.
func TestNoAllocs(t *testing.T) {
	msgs := allCaptured(t)
	biggest := func(typ nftmon.MsgType) capMsg {
		var best capMsg
		for _, m := range msgs {
			if m.Header.MsgType() == typ && len(m.Attrs) > len(best.Attrs) {
				best = m
			}
		}
		if best.Attrs == nil {
			t.Fatalf("no %s captured", typ)
		}
		return best
	}
	table := biggest(nftmon.MsgNewTable)
	chain := biggest(nftmon.MsgNewChain)
	rule := biggest(nftmon.MsgNewRule)
	set := biggest(nftmon.MsgNewSet)
	elems := biggest(nftmon.MsgNewSetElem) // a dump reply with many elements
	obj := biggest(nftmon.MsgNewObj)
	flow := biggest(nftmon.MsgNewFlowtable)
	gen := biggest(nftmon.MsgNewGen)
	netdev := firstOf(t, msgs, "a chain with devices", func(m capMsg) bool {
		var c Chain
		return m.Header.MsgType() == nftmon.MsgNewChain && c.Decode(m.Attrs) == nil && c.Hook.Devs != nil
	})
	commented := firstOf(t, msgs, "a rule with a comment", func(m capMsg) bool {
		var r Rule
		return m.Header.MsgType() == nftmon.MsgNewRule && r.Decode(m.Attrs) == nil && r.Comment() != nil
	})

	var (
		tv Table
		cv Chain
		rv Rule
		sv Set
		ev SetElems
		ov Obj
		fv Flowtable
		gv nftmon.Gen
		xs ExprScanner
		es ElemScanner
		n  int
	)
	cases := []struct {
		name string
		fn   func()
	}{
		{"Table.Decode", func() { must(t, tv.Decode(table.Attrs)) }},
		{"Chain.Decode", func() { must(t, cv.Decode(chain.Attrs)) }},
		{"Chain.Decode netdev", func() { must(t, cv.Decode(netdev.Attrs)) }},
		{"Rule.Decode", func() { must(t, rv.Decode(rule.Attrs)) }},
		{"Set.Decode", func() { must(t, sv.Decode(set.Attrs)) }},
		{"SetElems.Decode", func() { must(t, ev.Decode(elems.Attrs)) }},
		{"Obj.Decode", func() { must(t, ov.Decode(obj.Attrs)) }},
		{"Flowtable.Decode", func() { must(t, fv.Decode(flow.Attrs)) }},
		{"Gen.Decode", func() { must(t, gv.Decode(gen.Attrs)) }},
		{"Rule.Exprs", func() {
			must(t, rv.Decode(rule.Attrs))
			s := rv.Exprs()
			for s.Next() {
				n += len(s.Expr().Name)
			}
			must(t, s.Err())
		}},
		{"ExprScanner.Reset", func() {
			must(t, rv.Decode(rule.Attrs))
			xs.Reset(rv.Expressions)
			for xs.Next() {
				n += len(xs.Expr().Name)
			}
			must(t, xs.Err())
		}},
		{"ElemScanner.Reset", func() {
			must(t, ev.Decode(elems.Attrs))
			es.Reset(ev.Elements)
			for es.Next() {
				n += len(es.Elem().Key)
			}
			must(t, es.Err())
		}},
		{"Rule.Comment", func() {
			must(t, rv.Decode(commented.Attrs))
			n += len(rv.Comment())
		}},
		{"SetElems.Elems", func() {
			must(t, ev.Decode(elems.Attrs))
			s := ev.Elems()
			for s.Next() {
				el := s.Elem()
				n += len(el.Key) + len(el.Comment())
				e := el.Exprs()
				for e.Next() {
				}
				must(t, e.Err())
			}
			must(t, s.Err())
		}},
		{"ChainHook.Devices", func() {
			must(t, cv.Decode(netdev.Attrs))
			s := cv.Hook.Devices()
			for s.Next() {
				n += len(s.Device().Name)
			}
			must(t, s.Err())
		}},
		{"FlowtableHook.Devices", func() {
			must(t, fv.Decode(flow.Attrs))
			s := fv.Hook.Devices()
			for s.Next() {
				n += len(s.Device().Name)
			}
			must(t, s.Err())
		}},
		{"decodeAll every message", func() {
			for _, m := range msgs {
				must(t, decodeAll(m.Header.MsgType(), m.Attrs))
			}
		}},
	}
	for _, c := range cases {
		if a := testing.AllocsPerRun(50, c.fn); a != 0 {
			t.Errorf("%s: %v allocations per run, want 0", c.name, a)
		}
	}
	if n == 0 {
		t.Fatal("the iterators yielded nothing")
	}
	if ev.Present.Has(unix.NFTA_SET_ELEM_LIST_ELEMENTS) == false {
		t.Fatal("the element message has no elements")
	}
}

func must(t *testing.T, err error) {
	if err != nil {
		t.Fatal(err)
	}
}
