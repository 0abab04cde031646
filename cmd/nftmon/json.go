package main

import (
	"bufio"
	"strconv"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"github.com/nftmon/nftmon/nftext"
	"golang.org/x/sys/unix"
)

// jsonPrinter prints one JSON object per line per event, written by hand
// into one reused buffer: no reflection, and no allocation per event once
// the buffer and the views have grown.
type jsonPrinter struct {
	w   *bufio.Writer
	buf []byte

	table msgs.Table
	chain msgs.Chain
	rule  msgs.Rule
	set   msgs.Set
	elems msgs.SetElems
	obj   msgs.Obj
	ft    msgs.Flowtable
	vals  jsonValues
	rules nftext.RuleRenderer
}

func newJSONPrinter(w *bufio.Writer) *jsonPrinter {
	return &jsonPrinter{w: w, buf: make([]byte, 0, 4096)}
}

// jsonType returns the "type" of an event: the message type's name, or a
// name of its own for losses and snapshot boundaries.
func jsonType(e *nftmon.Event) string {
	switch e.Kind {
	case nftmon.EventLoss:
		return "LOSS"
	case nftmon.EventSnapshotBegin:
		return "SNAPSHOT_BEGIN"
	case nftmon.EventSnapshotEnd:
		return "SNAPSHOT_END"
	}
	return e.Type.String()
}

func (p *jsonPrinter) finish() error { return nil }

// observe learns the set types from an event the filter hides.
func (p *jsonPrinter) observe(e *nftmon.Event) {
	_ = p.vals.sets.Observe(e) // a message it cannot decode is reported when printed
}

func (p *jsonPrinter) useConn(c *nftmon.Conn) { p.vals.conn = c }

func (p *jsonPrinter) useLinks(l nftext.LinkNames) { p.rules.Links = l }

func (p *jsonPrinter) print(e *nftmon.Event, li *lineInfo) error {
	b := append(p.buf[:0], `{"type":"`...)
	b = append(b, jsonType(e)...)
	b = append(b, '"')
	if e.Kind != nftmon.EventLoss {
		b = append(b, `,"family":"`...)
		b = append(b, e.Family.String()...)
		b = append(b, `","gen":`...)
		b = strconv.AppendUint(b, uint64(e.Gen), 10)
	}
	if e.Kind == nftmon.EventCommit || (e.Kind == nftmon.EventChange && !e.Streamed) {
		b = strconv.AppendUint(append(b, `,"pid":`...), uint64(e.ProcPID), 10)
		b = appendJSONString(append(b, `,"comm":`...), e.ProcName)
	}
	if e.HasNSID {
		b = strconv.AppendInt(append(b, `,"nsid":`...), int64(e.NSID), 10)
		if li.netns != "" {
			b = appendJSONStr(append(b, `,"netns":`...), li.netns)
		}
	}
	if !li.time.IsZero() {
		b = append(appendTime(append(b, `,"time":"`...), li.time), '"')
	}
	switch e.Kind {
	case nftmon.EventSnapshot, nftmon.EventSnapshotBegin, nftmon.EventSnapshotEnd:
		b = append(b, `,"snapshot":true`...)
	case nftmon.EventOutside:
		b = append(b, `,"outside":true`...)
	case nftmon.EventLoss:
		msg := "lost netlink events"
		if e.Err != nil {
			msg = e.Err.Error()
		}
		b = appendJSONStr(append(b, `,"error":`...), msg)
		b = jsonLostAfter(b, li.lostAfter)
	}
	if e.Streamed {
		b = append(b, `,"streamed":true`...)
	}
	serr := p.vals.sets.Observe(e)
	switch e.Kind {
	case nftmon.EventChange, nftmon.EventOutside, nftmon.EventSnapshot:
		var err error
		if b, err = p.body(b, e); err == nil {
			err = serr
		}
		if err != nil {
			b = appendJSONStr(append(b, `,"error":`...), err.Error())
		}
	}
	b = append(b, "}\n"...)
	p.buf = b
	_, err := p.w.Write(b)
	return err
}

// body appends the keys of a change, decoded from its attributes.
func (p *jsonPrinter) body(b []byte, e *nftmon.Event) ([]byte, error) {
	switch e.Type.Object() {
	case nftmon.ObjectTable:
		t := &p.table
		if err := t.Decode(e.Attrs); err != nil {
			return b, err
		}
		b = appendJSONString(append(b, `,"table":`...), t.Name)
		b = jsonHandle(b, t.Present.Has(msgs.AttrTableHandle), t.Handle)
		if t.Present.Has(unix.NFTA_TABLE_FLAGS) {
			b = strconv.AppendUint(append(b, `,"flags":`...), uint64(t.Flags), 10)
		}
		b = jsonComment(b, t.Comment())
	case nftmon.ObjectChain:
		c := &p.chain
		if err := c.Decode(e.Attrs); err != nil {
			return b, err
		}
		b = appendJSONString(append(b, `,"table":`...), c.Table)
		b = appendJSONString(append(b, `,"name":`...), c.Name)
		b = jsonHandle(b, c.Present.Has(unix.NFTA_CHAIN_HANDLE), c.Handle)
		if c.Present.Has(unix.NFTA_CHAIN_HOOK) {
			b = appendJSONStr(append(b, `,"hook":`...), hookText(e.Family, c.Hook.Num))
			b = strconv.AppendInt(append(b, `,"prio":`...), int64(c.Hook.Priority), 10)
			b = jsonDevices(b, c.Hook.Dev, c.Hook.Devices())
		}
		if c.Present.Has(unix.NFTA_CHAIN_TYPE) {
			b = appendJSONString(append(b, `,"chain_type":`...), c.Type)
		}
		if c.Present.Has(unix.NFTA_CHAIN_POLICY) {
			b = appendJSONStr(append(b, `,"policy":`...), c.Policy.String())
		}
		b = jsonComment(b, c.Comment())
	case nftmon.ObjectRule:
		r := &p.rule
		if err := r.Decode(e.Attrs); err != nil {
			return b, err
		}
		b = appendJSONString(append(b, `,"table":`...), r.Table)
		b = appendJSONString(append(b, `,"chain":`...), r.Chain)
		b = jsonHandle(b, r.Present.Has(unix.NFTA_RULE_HANDLE), r.Handle)
		if r.Present.Has(unix.NFTA_RULE_POSITION) {
			b = strconv.AppendUint(append(b, `,"position":`...), r.Position, 10)
		}
		if r.Present.Has(unix.NFTA_RULE_EXPRESSIONS) {
			b = append(b, `,"exprs":[`...)
			s := r.Exprs()
			for i := 0; s.Next(); i++ {
				if i > 0 {
					b = append(b, ',')
				}
				// The expression text is ASCII made of names the
				// kernel sent: escape it like any other string.
				start := len(b)
				b = append(b, "[ "...)
				b = msgs.AppendExprText(b, *s.Expr())
				b = append(b, " ]"...)
				b = appendJSONEscapedTail(b, start)
			}
			b = append(b, ']')
			if err := s.Err(); err != nil {
				return b, err
			}
		}
		if r.Present.Has(unix.NFTA_RULE_EXPRESSIONS) || r.Present.Has(unix.NFTA_RULE_USERDATA) {
			// The rule in nft's syntax, as nft monitor prints it
			// (its comment included).
			b = append(b, `,"rule":`...)
			start := len(b)
			b = p.rules.AppendRule(b, nftext.NSID(e), e.Family, r, &p.vals.sets)
			b = appendJSONEscapedTail(b, start)
		}
		b = jsonComment(b, r.Comment())
	case nftmon.ObjectSet:
		s := &p.set
		if err := s.Decode(e.Attrs); err != nil {
			return b, err
		}
		b = appendJSONString(append(b, `,"table":`...), s.Table)
		b = appendJSONString(append(b, `,"name":`...), s.Name)
		b = jsonHandle(b, s.Present.Has(msgs.AttrSetHandle), s.Handle)
		b = p.vals.jsonSet(b, e, s)
	case nftmon.ObjectSetElem:
		el := &p.elems
		if err := el.Decode(e.Attrs); err != nil {
			return b, err
		}
		b = appendJSONString(append(b, `,"table":`...), el.Table)
		b = appendJSONString(append(b, `,"set":`...), el.Set)
		return p.vals.jsonElems(b, e, el)
	case nftmon.ObjectObj:
		o := &p.obj
		if err := o.Decode(e.Attrs); err != nil {
			return b, err
		}
		b = appendJSONString(append(b, `,"table":`...), o.Table)
		b = appendJSONString(append(b, `,"name":`...), o.Name)
		b = jsonHandle(b, o.Present.Has(msgs.AttrObjHandle), o.Handle)
		if o.Present.Has(unix.NFTA_OBJ_TYPE) {
			b = appendJSONStr(append(b, `,"obj_type":`...), o.Type.String())
		}
		b = jsonComment(b, o.Comment())
		b = p.vals.jsonObj(b, e, o)
	case nftmon.ObjectFlowtable:
		f := &p.ft
		if err := f.Decode(e.Attrs); err != nil {
			return b, err
		}
		b = appendJSONString(append(b, `,"table":`...), f.Table)
		b = appendJSONString(append(b, `,"name":`...), f.Name)
		b = jsonHandle(b, f.Present.Has(msgs.AttrFlowtableHandle), f.Handle)
		if f.Present.Has(msgs.AttrFlowtableHook) {
			b = appendJSONStr(append(b, `,"hook":`...), hookText(nftmon.FamilyNetdev, f.Hook.Num))
			b = strconv.AppendInt(append(b, `,"prio":`...), int64(f.Hook.Priority), 10)
			b = jsonDevices(b, nil, f.Hook.Devices())
		}
		if f.Present.Has(msgs.AttrFlowtableFlags) {
			b = strconv.AppendUint(append(b, `,"flags":`...), uint64(f.Flags), 10)
		}
	}
	return b, nil
}

// appendJSONEscapedTail turns b[start:], appended raw, into a JSON string.
// The raw text is usually plain ASCII: then it is only quoted in place.
func appendJSONEscapedTail(b []byte, start int) []byte {
	plain := true
	for _, c := range b[start:] {
		if c < 0x20 || c == '"' || c == '\\' || c >= 0x7f {
			plain = false
			break
		}
	}
	if plain {
		b = append(b, 0)
		copy(b[start+1:], b[start:len(b)-1])
		b[start] = '"'
		return append(b, '"')
	}
	n := len(b)
	b = appendJSONString(b, b[start:n])
	return append(b[:start], b[n:]...)
}

// jsonLostAfter appends "lost_after": the last generation known complete
// in each namespace, after which changes may be missing.
func jsonLostAfter(b []byte, l []nsGen) []byte {
	b = append(b, `,"lost_after":[`...)
	for i, g := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		if g.nsid >= 0 {
			b = strconv.AppendInt(append(b, `"nsid":`...), int64(g.nsid), 10)
			if g.netns != "" {
				b = appendJSONStr(append(b, `,"netns":`...), g.netns)
			}
			b = append(b, ',')
		}
		b = strconv.AppendUint(append(b, `"gen":`...), uint64(g.gen), 10)
		b = append(b, '}')
	}
	return append(b, ']')
}

func jsonHandle(b []byte, present bool, h uint64) []byte {
	if !present {
		return b
	}
	return strconv.AppendUint(append(b, `,"handle":`...), h, 10)
}

func jsonComment(b []byte, c []byte) []byte {
	if c == nil {
		return b
	}
	return appendJSONString(append(b, `,"comment":`...), c)
}

// jsonDevices appends "devices":[...] for a hook's devices, if any; a name
// prefix (Linux 6.18) ends with "*" as nft spells it.
func jsonDevices(b []byte, dev []byte, s msgs.DevScanner) []byte {
	n := 0
	open := func() {
		if n == 0 {
			b = append(b, `,"devices":[`...)
		} else {
			b = append(b, ',')
		}
		n++
	}
	if dev != nil {
		open()
		b = appendJSONString(b, dev)
	}
	for s.Next() {
		d := s.Device()
		open()
		if d.Prefix {
			start := len(b)
			b = append(append(b, d.Name...), '*')
			b = appendJSONEscapedTail(b, start)
		} else {
			b = appendJSONString(b, d.Name)
		}
	}
	if n > 0 {
		b = append(b, ']')
	}
	return b
}
