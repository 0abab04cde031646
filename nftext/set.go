package nftext

import (
	"strconv"

	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// AppendSet appends a set or map declaration as nft monitor prints it after
// "add " (set_print_plain in src/rule.c): `set inet t s { type ipv4_addr;
// flags interval; auto-merge; }`, `map inet t m { typeof ip saddr :
// verdict; size 100; }`. info holds the set's types (Learn it from set
// first, or take it from Sets); set gives the rest. nft's trailing blank is
// left out.
func AppendSet(dst []byte, info *SetInfo, set *msgs.Set) []byte {
	kind := "set"
	switch {
	case set.Flags&(msgs.SetAnonymous|msgs.SetEval) == msgs.SetAnonymous|msgs.SetEval:
		kind = "meter"
	case set.Flags&(msgs.SetMap|msgs.SetObject) != 0:
		kind = "map"
	}
	dst = AppendName(dst, kind, info.Family, set.Table, set.Name)
	dst = append(dst, " { "...)
	if len(info.Key.Typeof) > 0 {
		dst = append(append(dst, "typeof "...), info.Key.Typeof...)
	} else {
		dst = AppendTypeName(append(dst, "type "...), info.Key.Type)
	}
	switch {
	case info.IsMap():
		dst = append(dst, " : "...)
		if info.DataInterval {
			dst = append(dst, "interval "...)
		}
		if len(info.Data.Typeof) > 0 {
			dst = append(dst, info.Data.Typeof...)
		} else {
			dst = AppendTypeName(dst, info.Data.Type)
		}
	case info.IsObjMap():
		dst = append(append(dst, " : "...), info.ObjType.String()...)
	}
	dst = append(dst, "; "...)
	if set.Flags&msgs.SetConstant == 0 {
		if set.Present.Has(unix.NFTA_SET_POLICY) && set.Policy != msgs.SetPolicyPerformance {
			dst = append(dst, "policy "...)
			if set.Policy == msgs.SetPolicyMemory {
				dst = append(dst, "memory"...)
			} else {
				dst = append(dst, "unknown"...)
			}
			dst = append(dst, "; "...)
		}
		if set.Desc.Size > 0 {
			dst = strconv.AppendUint(append(dst, "size "...), uint64(set.Desc.Size), 10)
			dst = append(dst, "; "...)
		}
	}
	// nft leaves the flags out when timeout is the only one and the set
	// has a default timeout, but prints timeout among others (it tests
	// the masked flags, then prints the set's).
	flags := set.Flags
	if set.Timeout != 0 {
		flags &^= msgs.SetTimeout
	}
	if flags&(msgs.SetConstant|msgs.SetInterval|msgs.SetTimeout|msgs.SetEval) != 0 {
		dst = append(dst, "flags "...)
		n := len(dst)
		for _, f := range [...]struct {
			f    msgs.SetFlags
			name string
		}{{msgs.SetConstant, "constant"}, {msgs.SetEval, "dynamic"}, {msgs.SetInterval, "interval"}, {msgs.SetTimeout, "timeout"}} {
			if set.Flags&f.f == 0 {
				continue
			}
			if len(dst) > n {
				dst = append(dst, ',')
			}
			dst = append(dst, f.name...)
		}
		dst = append(dst, "; "...)
	}
	n := len(dst)
	if set.Expr != nil {
		var e msgs.Expr
		if e.Decode(set.Expr) == nil {
			dst = AppendStatefulExpr(dst, e, true)
		}
	}
	for x := set.Exprs(); x.Next(); {
		if len(dst) > n {
			dst = append(dst, ' ')
		}
		dst = AppendStatefulExpr(dst, *x.Expr(), true)
	}
	if len(dst) > n {
		dst = append(dst, "; "...)
	}
	if info.AutoMerge {
		dst = append(dst, "auto-merge; "...)
	}
	if set.Timeout != 0 {
		dst = append(AppendDuration(append(dst, "timeout "...), set.Timeout), "; "...)
	}
	if set.GCInterval != 0 {
		dst = append(AppendDuration(append(dst, "gc-interval "...), uint64(set.GCInterval)), "; "...)
	}
	if c := set.Comment(); c != nil {
		dst = append(AppendQuoted(append(dst, "comment "...), c), "; "...)
	}
	return append(dst, '}')
}
