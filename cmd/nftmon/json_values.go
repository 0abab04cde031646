package main

import (
	"strconv"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"github.com/nftmon/nftmon/nftext"
	"golang.org/x/sys/unix"
)

// The JSON printer's typed values: sets with their types by name, elements
// with their keys and values as nft prints them (concatenations as arrays,
// intervals as one element), objects with their state. The kernel's bytes
// and numbers stay under "raw" for the tools that want them.

// jsonValues holds what the typed JSON needs across events.
type jsonValues struct {
	sets    nftext.Sets
	conn    *nftmon.Conn // to ask the kernel about unknown sets, if set
	scratch []byte
}

// jsonSet appends the keys of a set message after "name".
func (v *jsonValues) jsonSet(b []byte, e *nftmon.Event, s *msgs.Set) []byte {
	if e.Type.Op() == nftmon.OpDelete {
		return b
	}
	info := v.sets.Lookup(nftext.NSID(e), e.Family, s.Table, s.Name)
	if info == nil {
		return b
	}
	b = appendJSONStr(append(b, `,"set_type":`...), setKind(s))
	v.scratch = nftext.AppendTypeName(v.scratch[:0], info.Key.Type)
	b = appendJSONString(append(b, `,"key_type":`...), v.scratch)
	if len(info.Key.Typeof) > 0 {
		b = appendJSONString(append(b, `,"key_typeof":`...), info.Key.Typeof)
	}
	switch {
	case info.IsMap():
		v.scratch = nftext.AppendTypeName(v.scratch[:0], info.Data.Type)
		b = appendJSONString(append(b, `,"data_type":`...), v.scratch)
		if len(info.Data.Typeof) > 0 {
			b = appendJSONString(append(b, `,"data_typeof":`...), info.Data.Typeof)
		}
	case info.IsObjMap():
		b = appendJSONStr(append(b, `,"data_type":`...), info.ObjType.String())
	}
	if s.Present.Has(unix.NFTA_SET_FLAGS) {
		b = append(b, `,"flags":[`...)
		n := 0
		for i, name := range setFlagNames {
			if s.Flags&(1<<i) == 0 {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = appendJSONStr(b, name)
		}
		b = append(b, ']')
	}
	if s.Present.Has(unix.NFTA_SET_TIMEOUT) {
		b = strconv.AppendUint(append(b, `,"timeout":`...), s.Timeout, 10)
	}
	if s.GCInterval != 0 {
		b = strconv.AppendUint(append(b, `,"gc_interval":`...), uint64(s.GCInterval), 10)
	}
	if s.Desc.Size != 0 {
		b = strconv.AppendUint(append(b, `,"size":`...), uint64(s.Desc.Size), 10)
	}
	if s.Present.Has(unix.NFTA_SET_POLICY) {
		b = appendJSONStr(append(b, `,"policy":`...), s.Policy.String())
	}
	if info.AutoMerge {
		b = append(b, `,"auto_merge":true`...)
	}
	b = jsonComment(b, s.Comment())
	v.scratch = nftext.AppendSet(v.scratch[:0], info, s)
	b = appendJSONString(append(b, `,"nft":`...), v.scratch)
	b = append(b, `,"raw":{"flags":`...)
	b = strconv.AppendUint(b, uint64(s.Flags), 10)
	b = strconv.AppendUint(append(b, `,"key_type":`...), uint64(s.KeyType), 10)
	b = strconv.AppendUint(append(b, `,"key_len":`...), uint64(s.KeyLen), 10)
	if s.Present.Has(unix.NFTA_SET_DATA_TYPE) {
		b = strconv.AppendUint(append(b, `,"data_type":`...), uint64(s.DataType), 10)
		b = strconv.AppendUint(append(b, `,"data_len":`...), uint64(s.DataLen), 10)
	}
	return append(b, '}')
}

// setFlagNames are the set flags by bit, as the JSON names them.
var setFlagNames = [...]string{"anonymous", "constant", "interval", "map", "timeout", "dynamic", "object", "concat", "expr"}

// setKind is "set", "map" or "meter", as nft calls the set.
func setKind(s *msgs.Set) string {
	switch {
	case s.Flags&(msgs.SetAnonymous|msgs.SetEval) == msgs.SetAnonymous|msgs.SetEval:
		return "meter"
	case s.Flags&(msgs.SetMap|msgs.SetObject) != 0:
		return "map"
	}
	return "set"
}

// jsonElems appends "elements" for an element message: each typed when the
// set is known, the two halves of an interval as one element (a message
// holding only the first half has it counted in "held"; the end element
// nft adds before an interval set's first interval, which nft monitor does
// not print, is counted in "hidden").
func (v *jsonValues) jsonElems(b []byte, e *nftmon.Event, el *msgs.SetElems) ([]byte, error) {
	nsid := nftext.NSID(e)
	info := v.sets.Lookup(nsid, e.Family, el.Table, el.Set)
	if info == nil && v.conn != nil && nsid == nftext.OwnNS {
		info, _ = v.sets.Ask(v.conn, nsid, e.Family, el.Table, el.Set) // not there: hex
	}
	if info == nil {
		b = append(b, `,"types_known":false`...)
	}
	b = append(b, `,"elements":[`...)
	held, hidden, n := 0, 0, 0
	var x msgs.Elem
	a := nftmon.NewAttrScanner(el.Elements)
	for a.Next() {
		if a.Type() != unix.NFTA_LIST_ELEM {
			continue
		}
		raw := a.Bytes()
		if err := x.Decode(raw); err != nil {
			return append(b, ']'), err
		}
		p := nftext.Elem{Elem: &x}
		if info != nil {
			var st nftext.ElemStatus
			if p, st = info.Pair(e.Type.Op() == nftmon.OpDelete, raw, &x); st != nftext.ElemReady {
				if st == nftext.ElemHeld {
					held++
				} else {
					hidden++
				}
				continue
			}
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = v.jsonElem(b, info, p)
	}
	b = append(b, ']')
	if held > 0 {
		b = strconv.AppendInt(append(b, `,"held":`...), int64(held), 10)
	}
	if hidden > 0 {
		b = strconv.AppendInt(append(b, `,"hidden":`...), int64(hidden), 10)
	}
	return b, a.Err()
}

// jsonElem appends one element as an object: "key" and "data" typed (an
// array for a concatenation), then its timeout, expiry, comment and
// statements, and the kernel's bytes under "raw".
func (v *jsonValues) jsonElem(b []byte, info *nftext.SetInfo, p nftext.Elem) []byte {
	el := p.Elem
	b = append(b, `{"key":`...)
	switch {
	case el.Flags&msgs.ElemCatchall != 0:
		b = append(b, `"*"`...)
	case info == nil:
		b = appendJSONHex(b, el.Key)
	default:
		b = v.jsonFields(b, &info.Key, el.Key, p.Last)
	}
	switch {
	case el.IsVerdict:
		v.scratch = nftext.AppendVerdict(v.scratch[:0], &el.Verdict)
		b = appendJSONString(append(b, `,"data":`...), v.scratch)
	case el.Present.Has(unix.NFTA_SET_ELEM_OBJREF):
		b = appendJSONString(append(b, `,"data":`...), el.ObjRef)
	case el.Present.Has(unix.NFTA_SET_ELEM_DATA) && info != nil && info.DataInterval:
		v.scratch = info.Data.AppendIntervalValue(v.scratch[:0], el.Data)
		b = appendJSONString(append(b, `,"data":`...), v.scratch)
	case el.Present.Has(unix.NFTA_SET_ELEM_DATA) && info != nil && info.IsMap():
		b = v.jsonFields(append(b, `,"data":`...), &info.Data, el.Data, nil)
	case el.Present.Has(unix.NFTA_SET_ELEM_DATA):
		b = appendJSONHex(append(b, `,"data":`...), el.Data)
	}
	if el.Present.Has(unix.NFTA_SET_ELEM_TIMEOUT) {
		b = strconv.AppendUint(append(b, `,"timeout":`...), el.Timeout, 10)
	}
	if el.Present.Has(unix.NFTA_SET_ELEM_EXPIRATION) {
		b = strconv.AppendUint(append(b, `,"expires":`...), el.Expiration, 10)
	}
	b = jsonComment(b, el.Comment())
	b = v.jsonStatements(b, el)
	b = append(b, `,"raw":{"key":`...)
	b = appendJSONHex(b, el.Key)
	if el.KeyEnd != nil {
		b = appendJSONHex(append(b, `,"key_end":`...), el.KeyEnd)
	} else if p.Last != nil && info != nil && info.Flags&msgs.SetConcat == 0 {
		b = appendJSONHex(append(b, `,"last":`...), p.Last)
	}
	if el.Data != nil {
		b = appendJSONHex(append(b, `,"data":`...), el.Data)
	}
	if el.Present.Has(unix.NFTA_SET_ELEM_FLAGS) {
		b = strconv.AppendUint(append(b, `,"flags":`...), uint64(el.Flags), 10)
	}
	return append(b, "}}"...)
}

// jsonFields appends a typed key or value: one string, or an array of one
// per field of a concatenation. Strings (ifname) lose nft's quotes.
func (v *jsonValues) jsonFields(b []byte, t *nftext.ValueType, data, last []byte) []byte {
	n := len(t.Fields())
	if n == 0 {
		return appendJSONHex(b, data)
	}
	if n > 1 {
		b = append(b, '[')
	}
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		v.scratch = t.AppendField(v.scratch[:0], i, data, last)
		s := v.scratch
		if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
			s = s[1 : len(s)-1]
		}
		b = appendJSONString(b, s)
	}
	if n > 1 {
		b = append(b, ']')
	}
	return b
}

// jsonStatements appends an element's counter and quota as objects.
func (v *jsonValues) jsonStatements(b []byte, el *msgs.Elem) []byte {
	var one msgs.Expr
	if el.Expr != nil && one.Decode(el.Expr) == nil {
		b = jsonStateful(b, one)
	}
	for x := el.Exprs(); x.Next(); {
		b = jsonStateful(b, *x.Expr())
	}
	return b
}

// jsonStateful appends a counter's or quota's state as a key of its name.
func jsonStateful(b []byte, e msgs.Expr) []byte {
	switch string(e.Name) {
	case "counter":
		var c msgs.CounterExpr
		if c.Decode(e.Data) == nil {
			b = jsonCounter(append(b, `,"counter":`...), &c)
		}
	case "quota":
		var q msgs.QuotaExpr
		if q.Decode(e.Data) == nil {
			b = jsonQuota(append(b, `,"quota":`...), &q)
		}
	}
	return b
}

func jsonCounter(b []byte, c *msgs.CounterExpr) []byte {
	b = strconv.AppendUint(append(b, `{"packets":`...), c.Packets, 10)
	b = strconv.AppendUint(append(b, `,"bytes":`...), c.Bytes, 10)
	return append(b, '}')
}

func jsonQuota(b []byte, q *msgs.QuotaExpr) []byte {
	b = strconv.AppendUint(append(b, `{"bytes":`...), q.Bytes, 10)
	b = strconv.AppendUint(append(b, `,"used":`...), q.Consumed, 10)
	if q.Flags&msgs.QuotaInv != 0 {
		b = append(b, `,"over":true`...)
	}
	return append(b, '}')
}

// jsonObj appends an object's state: counter packets and bytes, quota
// bytes and used, limit rate, and its nft text.
func (v *jsonValues) jsonObj(b []byte, e *nftmon.Event, o *msgs.Obj) []byte {
	if e.Type.Op() == nftmon.OpDelete {
		return b
	}
	switch o.Type {
	case msgs.ObjCounter:
		var c msgs.CounterExpr
		if c.Decode(o.Data) == nil {
			b = jsonCounter(append(b, `,"counter":`...), &c)
		}
	case msgs.ObjQuota:
		var q msgs.QuotaExpr
		if q.Decode(o.Data) == nil {
			b = jsonQuota(append(b, `,"quota":`...), &q)
		}
	case msgs.ObjLimit:
		var l msgs.LimitExpr
		if l.Decode(o.Data) == nil {
			b = strconv.AppendUint(append(b, `,"limit":{"rate":`...), l.Rate, 10)
			b = strconv.AppendUint(append(b, `,"per_seconds":`...), l.Unit, 10)
			b = strconv.AppendUint(append(b, `,"burst":`...), uint64(l.Burst), 10)
			b = appendJSONStr(append(b, `,"unit":`...), l.Type.String())
			if l.Flags&msgs.LimitInv != 0 {
				b = append(b, `,"over":true`...)
			}
			b = append(b, '}')
		}
	}
	v.scratch = nftext.AppendObj(v.scratch[:0], e.Family, o)
	return appendJSONString(append(b, `,"nft":`...), v.scratch)
}

// appendJSONHex appends bytes as a JSON string of hex digits.
func appendJSONHex(b []byte, v []byte) []byte {
	return append(appendHex(append(b, '"'), v), '"')
}
