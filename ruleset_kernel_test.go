package nftmon_test

// The state a consumer rebuilds from a snapshot and the changes after it,
// and the same state read from `nft -j list ruleset`: shared by the
// snapshot tests and the soak.

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
	"github.com/nftmon/nftmon/msgs"
)

// ruleset is the state a consumer rebuilds from a snapshot and the events
// after it, reduced to what `nft -j list ruleset` also shows.
type ruleset struct {
	tables map[string]uint64              // "family table" -> handle
	chains map[string]string              // "family table handle" -> name
	rules  map[string]bool                // "family table chain handle"
	sets   map[string]map[string]struct{} // "family table set" -> element keys
	objs   map[string]bool                // "family table name type"
}

func newRuleset() *ruleset {
	return &ruleset{
		tables: map[string]uint64{},
		chains: map[string]string{},
		rules:  map[string]bool{},
		sets:   map[string]map[string]struct{}{},
		objs:   map[string]bool{},
	}
}

// apply applies one snapshot or change event.
func (r *ruleset) apply(e *nftmon.Event) error {
	del := e.Type.Op() == nftmon.OpDelete
	fam := e.Family.String()
	switch e.Type.Object() {
	case nftmon.ObjectTable:
		var t msgs.Table
		if err := t.Decode(e.Attrs); err != nil {
			return err
		}
		key := fam + " " + string(t.Name)
		if del {
			delete(r.tables, key)
			// The kernel deletes a table's contents with their own events,
			// except set elements, which go with their sets.
			return nil
		}
		r.tables[key] = t.Handle
	case nftmon.ObjectChain:
		var c msgs.Chain
		if err := c.Decode(e.Attrs); err != nil {
			return err
		}
		key := fmt.Sprintf("%s %s %d", fam, c.Table, c.Handle)
		old, had := r.chains[key]
		if del {
			delete(r.chains, key)
			return nil
		}
		// A rename is a NEWCHAIN of the same handle; the kernel notifies
		// nothing for the chain's rules, which nft now lists under the
		// new name.
		r.chains[key] = string(c.Name)
		if had && old != string(c.Name) {
			from := fmt.Sprintf("%s %s %s ", fam, c.Table, old)
			for k := range r.rules {
				if h, ok := strings.CutPrefix(k, from); ok {
					delete(r.rules, k)
					r.rules[fmt.Sprintf("%s %s %s %s", fam, c.Table, c.Name, h)] = true
				}
			}
		}
	case nftmon.ObjectRule:
		var ru msgs.Rule
		if err := ru.Decode(e.Attrs); err != nil {
			return err
		}
		key := fmt.Sprintf("%s %s %s %d", fam, ru.Table, ru.Chain, ru.Handle)
		if del {
			delete(r.rules, key)
		} else {
			r.rules[key] = true
		}
	case nftmon.ObjectSet:
		var s msgs.Set
		if err := s.Decode(e.Attrs); err != nil {
			return err
		}
		key := fmt.Sprintf("%s %s %s", fam, s.Table, s.Name)
		if del {
			delete(r.sets, key)
		} else if r.sets[key] == nil {
			r.sets[key] = map[string]struct{}{}
		}
	case nftmon.ObjectSetElem:
		var se msgs.SetElems
		if err := se.Decode(e.Attrs); err != nil {
			return err
		}
		key := fmt.Sprintf("%s %s %s", fam, se.Table, se.Set)
		set := r.sets[key]
		if set == nil {
			return fmt.Errorf("%s for unknown set %s", e.Type, key)
		}
		s := se.Elems()
		for s.Next() {
			el := s.Elem()
			k := elemKey(el)
			if del {
				delete(set, k)
			} else {
				set[k] = struct{}{}
			}
		}
		return s.Err()
	case nftmon.ObjectObj:
		var o msgs.Obj
		if err := o.Decode(e.Attrs); err != nil {
			return err
		}
		key := fmt.Sprintf("%s %s %s %d", fam, o.Table, o.Name, o.Type)
		if del {
			delete(r.objs, key)
		} else {
			r.objs[key] = true
		}
	}
	return nil
}

// elemKey spells a set element's key as nft -j does for ipv4_addr sets.
func elemKey(el *msgs.Elem) string {
	if a, ok := netip.AddrFromSlice(el.Key); ok {
		return a.String()
	}
	return fmt.Sprintf("%x", el.Key)
}

// String lists the state sorted, for comparison.
func (r *ruleset) String() string {
	var lines []string
	for k, h := range r.tables {
		lines = append(lines, fmt.Sprintf("table %s %d", k, h))
	}
	for k, n := range r.chains {
		lines = append(lines, fmt.Sprintf("chain %s %s", k, n))
	}
	for k := range r.rules {
		lines = append(lines, "rule "+k)
	}
	for k, els := range r.sets {
		if strings.Contains(k, " __set") {
			continue // anonymous: nft -j shows them inside their rules
		}
		keys := make([]string, 0, len(els))
		for e := range els {
			keys = append(keys, e)
		}
		sort.Strings(keys)
		lines = append(lines, fmt.Sprintf("set %s {%s}", k, strings.Join(keys, ",")))
	}
	for k := range r.objs {
		lines = append(lines, "obj "+k)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// nftState reads the same state from `nft -j list ruleset`.
func nftState(t *testing.T, ns *nstest.NS) *ruleset {
	t.Helper()
	var doc struct {
		Nftables []map[string]json.RawMessage `json:"nftables"`
	}
	out := ns.Nft(t, "-j", "list", "ruleset")
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("nft -j: %v", err)
	}
	objTypes := map[string]msgs.ObjType{"counter": 1, "quota": 2, "ct helper": 3, "limit": 4}
	r := newRuleset()
	for _, item := range doc.Nftables {
		for kind, raw := range item {
			var o struct {
				Family, Table, Name, Chain string
				Handle                     uint64
				Elem                       []json.RawMessage
			}
			if err := json.Unmarshal(raw, &o); err != nil {
				continue // metainfo
			}
			switch kind {
			case "table":
				r.tables[o.Family+" "+o.Name] = o.Handle
			case "chain":
				r.chains[fmt.Sprintf("%s %s %d", o.Family, o.Table, o.Handle)] = o.Name
			case "rule":
				r.rules[fmt.Sprintf("%s %s %s %d", o.Family, o.Table, o.Chain, o.Handle)] = true
			case "set", "map":
				els := map[string]struct{}{}
				for _, e := range o.Elem {
					var s string
					if json.Unmarshal(e, &s) != nil {
						t.Fatalf("element %s: only ipv4_addr sets are modelled", e)
					}
					els[s] = struct{}{}
				}
				r.sets[fmt.Sprintf("%s %s %s", o.Family, o.Table, o.Name)] = els
			default:
				if ty, ok := objTypes[kind]; ok {
					r.objs[fmt.Sprintf("%s %s %s %d", o.Family, o.Table, o.Name, ty)] = true
				}
			}
		}
	}
	return r
}

// snapshotRecorder keeps the events of a snapshot-mode Monitor and checks
// their order: begin, snapshot objects, end, then the tail.
type snapshotRecorder struct {
	mu        sync.Mutex
	state     *ruleset
	inSnap    bool
	snapshots int
	losses    int
	lastGen   uint32
	floor     uint32
	err       error
}

func (r *snapshotRecorder) event(e *nftmon.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	fail := func(format string, args ...any) error {
		if r.err == nil {
			r.err = fmt.Errorf(format, args...)
		}
		return nil
	}
	switch e.Kind {
	case nftmon.EventSnapshotBegin:
		if r.inSnap {
			return fail("nested snapshot")
		}
		r.inSnap, r.state = true, newRuleset()
	case nftmon.EventSnapshot:
		if !r.inSnap || e.Gen == 0 {
			return fail("snapshot event outside a snapshot")
		}
		if err := r.state.apply(e); err != nil {
			return fail("snapshot %s: %v", e.Type, err)
		}
	case nftmon.EventSnapshotEnd:
		r.inSnap = false
		r.snapshots++
		r.floor, r.lastGen = e.Gen, e.Gen
	case nftmon.EventLoss:
		r.losses++
	case nftmon.EventChange:
		if r.inSnap || r.state == nil {
			return fail("change before the snapshot ended")
		}
		if !nftmon.GenAfter(e.Gen, r.floor) {
			return fail("change of gen %d after a snapshot of gen %d", e.Gen, r.floor)
		}
		if err := r.state.apply(e); err != nil {
			return fail("%s of gen %d: %v", e.Type, e.Gen, err)
		}
	case nftmon.EventCommit:
		if !nftmon.GenAfter(e.Gen, r.lastGen) {
			return fail("commit %d after %d", e.Gen, r.lastGen)
		}
		r.lastGen = e.Gen
	}
	return nil
}

func (r *snapshotRecorder) gen() uint32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastGen
}
