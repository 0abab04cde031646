package main

import (
	"bufio"
	"bytes"
	"strconv"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// textPrinter prints one line per event in a form close to nft monitor's:
// "add table ip t", "delete chain inet f c", "add element inet s ports
// { 22 }", and "# new generation G by process P (NAME)" after each
// transaction. Rules are printed with libnftnl's expression text
// ("add rule inet f c [ meta load l4proto => reg 1 ] ..."), as nftmon does
// not turn expressions back into nft syntax. Handles are printed with -a
// only, at the end of the line (" # handle 4"), except a deleted rule's,
// which names it ("delete rule inet f c handle 4"), as nft monitor does.
//
// Unlike nft monitor it also prints the creation of anonymous sets and
// their elements. The elements of an interval set are printed as nft does
// (10.0.0.0/8, 172.16.0.1-172.16.0.9) by joining each start element with
// the end element that follows it.
type textPrinter struct {
	w     *bufio.Writer
	buf   []byte
	types setTypes

	// An interval's start element, held until its end element comes:
	// the line up to and including the key, the rest of the line, and
	// the key.
	pending                            bool
	pendSet, pendHead, pendTail, pendK []byte
	pendType, pendLen                  uint32
	pendDel, pendIsEnd                 bool
	endK                               []byte

	li *lineInfo // of the event being printed

	table msgs.Table
	chain msgs.Chain
	rule  msgs.Rule
	set   msgs.Set
	elems msgs.SetElems
	obj   msgs.Obj
	ft    msgs.Flowtable
	cnt   msgs.CounterExpr
	quota msgs.QuotaExpr
}

func newTextPrinter(w *bufio.Writer) *textPrinter {
	return &textPrinter{w: w, buf: make([]byte, 0, 4096)}
}

// prefix appends what starts every line of an event: the time it was read
// (-t), and the nsid and name of another namespace.
func (p *textPrinter) prefix(b []byte, e *nftmon.Event) []byte {
	if !p.li.time.IsZero() {
		b = append(appendTime(b, p.li.time), ' ')
	}
	if e.HasNSID {
		b = strconv.AppendInt(append(b, "[nsid "...), int64(e.NSID), 10)
		if p.li.netns != "" {
			b = appendTextStr(append(b, " netns "...), p.li.netns)
		}
		b = append(b, "] "...)
	}
	return b
}

// handle appends a handle the kernel sent, as nft -a prints it, when -a
// asks for it.
func (p *textPrinter) handle(b []byte, present bool, h uint64) []byte {
	if !p.li.handles || !present {
		return b
	}
	return strconv.AppendUint(append(b, " # handle "...), h, 10)
}

func (p *textPrinter) print(e *nftmon.Event, li *lineInfo) error {
	p.li = li
	b := p.buf[:0]
	if p.pending && e.Type.Object() != nftmon.ObjectSetElem {
		b = p.flushPending(b)
	}
	switch e.Kind {
	case nftmon.EventCommit:
		b = append(p.prefix(b, e), "# new generation "...)
		b = strconv.AppendUint(b, uint64(e.Gen), 10)
		b = strconv.AppendUint(append(b, " by process "...), uint64(e.ProcPID), 10)
		b = append(appendText(append(b, " ("...), e.ProcName), ")\n"...)
	case nftmon.EventLoss:
		b = p.loss(p.prefix(b, e), e)
	case nftmon.EventSnapshotBegin:
		b = strconv.AppendUint(append(p.prefix(b, e), "# snapshot of generation "...), uint64(e.Gen), 10)
		b = append(b, '\n')
	case nftmon.EventSnapshotEnd:
		b = strconv.AppendUint(append(p.prefix(b, e), "# end of snapshot of generation "...), uint64(e.Gen), 10)
		b = append(b, '\n')
	default:
		start := len(b)
		var err error
		if b, err = p.change(b, e); err != nil {
			b = append(p.prefix(b[:start], e), "# malformed "...)
			b = append(append(append(b, e.Type.String()...), ": "...), err.Error()...)
			b = append(b, '\n')
		}
	}
	p.buf = b
	_, err := p.w.Write(b)
	return err
}

// loss appends the loss line: nft monitor's, then which generations may
// have lost changes and why.
func (p *textPrinter) loss(b []byte, e *nftmon.Event) []byte {
	b = append(b, "# ERROR: We lost some netlink events!"...)
	if len(p.li.lostAfter) == 0 {
		b = append(b, " Changes before the next generation printed may be missing"...)
	} else {
		b = append(b, " Changes after generation "...)
		for i, g := range p.li.lostAfter {
			if i > 0 {
				b = append(b, ", "...)
			}
			if g.nsid >= 0 {
				b = strconv.AppendInt(append(b, "nsid "...), int64(g.nsid), 10)
				if g.netns != "" {
					b = appendTextStr(append(b, " netns "...), g.netns)
				}
				b = append(b, ": "...)
			}
			b = strconv.AppendUint(b, uint64(g.gen), 10)
		}
		b = append(b, " may be missing, up to the next generation printed"...)
	}
	if e.Err != nil {
		b = append(append(append(b, " ("...), e.Err.Error()...), ')')
	}
	return append(b, '\n')
}

// observe learns from a change that the filter hides what the lines of
// later changes need: the types of the sets their elements belong to.
func (p *textPrinter) observe(e *nftmon.Event) {
	switch e.Type {
	case nftmon.MsgNewSet:
		if p.set.Decode(e.Attrs) == nil {
			p.types.add(e, &p.set)
		}
	case nftmon.MsgDelSet:
		if p.set.Decode(e.Attrs) == nil {
			p.types.remove(e, p.set.Table, p.set.Name)
		}
	case nftmon.MsgDelTable:
		if p.table.Decode(e.Attrs) == nil {
			p.types.removeTable(e, p.table.Name)
		}
	}
}

// op appends "add ", "insert " or "delete " and the object's family.
func (p *textPrinter) op(b []byte, e *nftmon.Event, what string) []byte {
	b = p.prefix(b, e)
	switch {
	case e.Type.Op() == nftmon.OpDelete:
		b = append(b, "delete "...)
	case e.Type == nftmon.MsgNewRule && e.Kind != nftmon.EventSnapshot && e.Header.Flags&unix.NLM_F_APPEND == 0:
		// nft monitor says "insert" for a rule added without
		// NLM_F_APPEND (nft insert, or add at a position).
		b = append(b, "insert "...)
	default:
		b = append(b, "add "...)
	}
	b = append(append(b, what...), ' ')
	return append(append(b, e.Family.String()...), ' ')
}

// endLine ends a change's line, marking one outside any transaction.
func endLine(b []byte, e *nftmon.Event) []byte {
	if e.Kind == nftmon.EventOutside {
		b = append(b, " # outside a transaction"...)
	}
	return append(b, '\n')
}

// change appends the line (or lines, for an element message with many
// elements) of a change.
func (p *textPrinter) change(b []byte, e *nftmon.Event) ([]byte, error) {
	del := e.Type.Op() == nftmon.OpDelete
	switch e.Type.Object() {
	case nftmon.ObjectTable:
		t := &p.table
		if err := t.Decode(e.Attrs); err != nil {
			return b, err
		}
		if del {
			p.types.removeTable(e, t.Name)
		}
		b = append(p.op(b, e, "table"), t.Name...)
		if !del {
			n := len(b)
			if t.Flags != 0 {
				b = append(appendTableFlags(append(b, "flags "...), t.Flags), "; "...)
			}
			if c := t.Comment(); c != nil {
				b = append(appendQuoted(append(b, "comment "...), c), "; "...)
			}
			b = brace(b, n)
		}
		b = p.handle(b, t.Present.Has(msgs.AttrTableHandle), t.Handle)
		return endLine(b, e), nil
	case nftmon.ObjectChain:
		c := &p.chain
		if err := c.Decode(e.Attrs); err != nil {
			return b, err
		}
		b = append(append(append(p.op(b, e, "chain"), c.Table...), ' '), c.Name...)
		if !del {
			n := len(b)
			if c.Present.Has(unix.NFTA_CHAIN_HOOK) {
				b = append(append(b, "type "...), c.Type...)
				b = append(append(b, " hook "...), hookText(e.Family, c.Hook.Num)...)
				b = appendDevices(b, c.Hook.Dev, c.Hook.Devices())
				b = appendPrio(append(b, " priority "...), e.Family, c.Hook.Num, c.Hook.Priority)
				b = append(b, "; "...)
				if c.Present.Has(unix.NFTA_CHAIN_POLICY) {
					b = append(append(append(b, "policy "...), c.Policy.String()...), "; "...)
				}
			}
			if cm := c.Comment(); cm != nil {
				b = append(appendQuoted(append(b, "comment "...), cm), "; "...)
			}
			b = brace(b, n)
		}
		b = p.handle(b, c.Present.Has(unix.NFTA_CHAIN_HANDLE), c.Handle)
		return endLine(b, e), nil
	case nftmon.ObjectRule:
		r := &p.rule
		if err := r.Decode(e.Attrs); err != nil {
			return b, err
		}
		b = append(append(append(p.op(b, e, "rule"), r.Table...), ' '), r.Chain...)
		if del && r.Present.Has(unix.NFTA_RULE_HANDLE) {
			// nft monitor names the rule deleted by its handle, with
			// or without -a.
			b = strconv.AppendUint(append(b, " handle "...), r.Handle, 10)
		}
		if !del {
			s := r.Exprs()
			for s.Next() {
				b = append(msgs.AppendExprText(append(b, " [ "...), s.Expr()), " ]"...)
			}
			if err := s.Err(); err != nil {
				return b, err
			}
			if c := r.Comment(); c != nil {
				b = appendQuoted(append(b, " comment "...), c)
			}
			b = p.handle(b, r.Present.Has(unix.NFTA_RULE_HANDLE), r.Handle)
		}
		return endLine(b, e), nil
	case nftmon.ObjectSet:
		s := &p.set
		if err := s.Decode(e.Attrs); err != nil {
			return b, err
		}
		if del {
			p.types.remove(e, s.Table, s.Name)
			b = append(append(append(p.op(b, e, "set"), s.Table...), ' '), s.Name...)
			b = p.handle(b, s.Present.Has(msgs.AttrSetHandle), s.Handle)
			return endLine(b, e), nil
		}
		p.types.add(e, s)
		what := "set"
		if s.Flags&(msgs.SetMap|msgs.SetObject) != 0 {
			what = "map"
		}
		b = append(append(append(p.op(b, e, what), s.Table...), ' '), s.Name...)
		b = append(p.setBody(append(b, " { "...), s), '}')
		b = p.handle(b, s.Present.Has(msgs.AttrSetHandle), s.Handle)
		return endLine(b, e), nil
	case nftmon.ObjectSetElem:
		return p.elements(b, e)
	case nftmon.ObjectObj:
		o := &p.obj
		if err := o.Decode(e.Attrs); err != nil {
			return b, err
		}
		b = append(append(append(p.op(b, e, o.Type.String()), o.Table...), ' '), o.Name...)
		if !del {
			b = p.objBody(b, o)
		}
		b = p.handle(b, o.Present.Has(msgs.AttrObjHandle), o.Handle)
		return endLine(b, e), nil
	case nftmon.ObjectFlowtable:
		f := &p.ft
		if err := f.Decode(e.Attrs); err != nil {
			return b, err
		}
		b = append(append(append(p.op(b, e, "flowtable"), f.Table...), ' '), f.Name...)
		if !del && f.Present.Has(msgs.AttrFlowtableHook) {
			b = append(b, " { hook "...)
			b = append(b, hookText(nftmon.FamilyNetdev, f.Hook.Num)...)
			b = strconv.AppendInt(append(b, " priority "...), int64(f.Hook.Priority), 10)
			b = append(b, "; "...)
			s := f.Hook.Devices()
			for i := 0; s.Next(); i++ {
				if i == 0 {
					b = append(b, "devices = { "...)
				} else {
					b = append(b, ", "...)
				}
				b = appendDevice(b, s.Device())
			}
			if bytes.HasSuffix(b, []byte("devices = { ")) {
				b = b[:len(b)-len("devices = { ")]
			} else if !bytes.HasSuffix(b, []byte("; ")) {
				b = append(b, " }; "...)
			}
			b = append(b, '}')
		}
		b = p.handle(b, f.Present.Has(msgs.AttrFlowtableHandle), f.Handle)
		return endLine(b, e), nil
	}
	// An unknown message type: name it.
	b = append(p.prefix(b, e), "# "...)
	b = append(append(b, e.Type.String()...), ' ')
	b = append(b, e.Family.String()...)
	return endLine(b, e), nil
}

// appendTableFlags appends a table's flags as nft names them ("dormant",
// "owner", "persist"), joined by commas, with unknown bits in hex.
func appendTableFlags(b []byte, f msgs.TableFlags) []byte {
	names := [...]struct {
		f    msgs.TableFlags
		name string
	}{{msgs.TableDormant, "dormant"}, {msgs.TableOwner, "owner"}, {msgs.TablePersist, "persist"}}
	n := len(b)
	for _, x := range names {
		if f&x.f != 0 {
			if len(b) > n {
				b = append(b, ',')
			}
			b = append(b, x.name...)
			f &^= x.f
		}
	}
	if f != 0 {
		if len(b) > n {
			b = append(b, ',')
		}
		b = strconv.AppendUint(append(b, "0x"...), uint64(f), 16)
	}
	return b
}

// brace wraps what was appended after b[:n] in " { ... }", or removes the
// nothing that was appended.
func brace(b []byte, n int) []byte {
	if len(b) == n {
		return b
	}
	body := len(b) - n
	b = append(b, "   "...)
	copy(b[n+3:], b[n:n+body])
	copy(b[n:], " { ")
	return append(b[:n+3+body], '}')
}

// appendDevices appends a base chain's devices as nft prints them:
// ` device "lo"` or ` devices = { lo, veth0 }`.
func appendDevices(b []byte, dev []byte, s msgs.DevScanner) []byte {
	if dev != nil {
		return appendQuoted(append(b, " device "...), dev)
	}
	for i := 0; s.Next(); i++ {
		if i == 0 {
			b = append(b, " devices = { "...)
		} else {
			b = append(b, ", "...)
		}
		b = appendDevice(b, s.Device())
	}
	if bytes.HasSuffix(b, []byte(" devices = { ")) {
		return b[:len(b)-len(" devices = { ")]
	}
	if bytes.Contains(b, []byte(" devices = { ")) {
		b = append(b, " }"...)
	}
	return b
}

func appendDevice(b []byte, d msgs.Device) []byte {
	b = append(b, d.Name...)
	if d.Prefix {
		b = append(b, '*')
	}
	return b
}

// setBody appends a set's declaration in nft's order: type, size, flags,
// timeout, comment.
func (p *textPrinter) setBody(b []byte, s *msgs.Set) []byte {
	b = appendTypeName(append(b, "type "...), s.KeyType, s.KeyLen)
	switch {
	case s.Flags&msgs.SetObject != 0:
		b = append(append(b, " : "...), s.ObjType.String()...)
	case s.Flags&msgs.SetMap != 0 && s.DataType == dataVerdict:
		b = append(b, " : verdict"...)
	case s.Flags&msgs.SetMap != 0:
		b = appendTypeName(append(b, " : "...), s.DataType, s.DataLen)
	}
	b = append(b, "; "...)
	if s.Desc.Size != 0 {
		b = strconv.AppendUint(append(b, "size "...), uint64(s.Desc.Size), 10)
		b = append(b, "; "...)
	}
	flags := [...]struct {
		f    msgs.SetFlags
		name string
	}{{msgs.SetConstant, "constant"}, {msgs.SetInterval, "interval"}, {msgs.SetEval, "dynamic"}, {msgs.SetTimeout, "timeout"}}
	n := 0
	for _, f := range flags {
		// nft 1.0.6 leaves out the timeout flag of a set that has a
		// default timeout, unless it is dynamic.
		if s.Flags&f.f == 0 || (f.f == msgs.SetTimeout && s.Present.Has(unix.NFTA_SET_TIMEOUT) && s.Flags&msgs.SetEval == 0) {
			continue
		}
		if n == 0 {
			b = append(b, "flags "...)
		} else {
			b = append(b, ',')
		}
		b = append(b, f.name...)
		n++
	}
	if n > 0 {
		b = append(b, "; "...)
	}
	if s.Present.Has(unix.NFTA_SET_TIMEOUT) {
		b = append(appendDuration(append(b, "timeout "...), s.Timeout), "; "...)
	}
	if c := s.Comment(); c != nil {
		b = append(appendQuoted(append(b, "comment "...), c), "; "...)
	}
	return b
}

// objBody appends the state of a counter or a quota as nft prints it.
func (p *textPrinter) objBody(b []byte, o *msgs.Obj) []byte {
	n := len(b)
	if c := o.Comment(); c != nil {
		b = append(appendQuoted(append(b, "comment "...), c), ' ')
	}
	switch o.Type {
	case msgs.ObjCounter:
		if p.cnt.Decode(o.Data) == nil {
			b = strconv.AppendUint(append(b, "packets "...), p.cnt.Packets, 10)
			b = strconv.AppendUint(append(b, " bytes "...), p.cnt.Bytes, 10)
			b = append(b, ' ')
		}
	case msgs.ObjQuota:
		if p.quota.Decode(o.Data) == nil {
			if p.quota.Flags&msgs.QuotaInv != 0 {
				b = append(b, "over "...)
			}
			b = strconv.AppendUint(b, p.quota.Bytes, 10)
			b = strconv.AppendUint(append(b, " bytes used "...), p.quota.Consumed, 10)
			b = append(b, " bytes "...)
		}
	}
	return brace(b, n)
}
