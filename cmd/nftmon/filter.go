package main

import (
	"fmt"
	"strings"

	"github.com/nftmon/nftmon"
)

// filter selects the change events to print by object kind and operation,
// as nft monitor's "new|destroy" and "tables|chains|..." arguments do.
// Commits, losses and snapshot boundaries always pass: they delimit the
// output.
type filter struct {
	kinds [nftmon.ObjectFlowtable + 1]bool // indexed by nftmon.Object; all false means every kind
	any   bool                             // some kind was chosen
	op    nftmon.Op                        // OpNew or OpDelete; OpOther means both
}

// kindNames maps the names -kind accepts (plural and singular) to kinds.
var kindNames = map[string]nftmon.Object{
	"tables": nftmon.ObjectTable, "table": nftmon.ObjectTable,
	"chains": nftmon.ObjectChain, "chain": nftmon.ObjectChain,
	"rules": nftmon.ObjectRule, "rule": nftmon.ObjectRule,
	"sets": nftmon.ObjectSet, "set": nftmon.ObjectSet,
	"elements": nftmon.ObjectSetElem, "element": nftmon.ObjectSetElem,
	"objects": nftmon.ObjectObj, "object": nftmon.ObjectObj,
	"flowtables": nftmon.ObjectFlowtable, "flowtable": nftmon.ObjectFlowtable,
}

// parseFilter parses the -kind and -op flags.
func parseFilter(kinds, op string) (filter, error) {
	var f filter
	if kinds != "" {
		for _, k := range strings.Split(kinds, ",") {
			obj, ok := kindNames[strings.TrimSpace(strings.ToLower(k))]
			if !ok {
				return filter{}, fmt.Errorf("-kind: unknown kind %q (want tables, chains, rules, sets, elements, objects, flowtables)", k)
			}
			f.kinds[obj], f.any = true, true
		}
	}
	switch strings.ToLower(op) {
	case "", "all":
	case "new", "add":
		f.op = nftmon.OpNew
	case "delete", "del", "destroy":
		f.op = nftmon.OpDelete
	default:
		return filter{}, fmt.Errorf("-op: unknown operation %q (want new or delete)", op)
	}
	return f, nil
}

// pass reports whether e is printed.
func (f *filter) pass(e *nftmon.Event) bool {
	switch e.Kind {
	case nftmon.EventChange, nftmon.EventOutside, nftmon.EventSnapshot:
	default:
		return true
	}
	if f.op != nftmon.OpOther && e.Type.Op() != f.op {
		return false
	}
	if f.any {
		obj := e.Type.Object()
		if int(obj) >= len(f.kinds) || !f.kinds[obj] {
			return false
		}
	}
	return true
}

// active reports whether the filter hides anything.
func (f *filter) active() bool { return f.any || f.op != nftmon.OpOther }
