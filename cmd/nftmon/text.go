package main

import (
	"bufio"
	"bytes"
	"strconv"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"github.com/nftmon/nftmon/nftext"
	"golang.org/x/sys/unix"
)

// textPrinter prints one line per event in a form close to nft monitor's:
// "add table ip t", "delete chain inet f c", "add element inet s ports
// { 22 }", and "# new generation G by process P (NAME)" after each
// transaction. Rules are printed with libnftnl's expression text
// ("add rule inet f c handle 4 [ meta load l4proto => reg 1 ] ..."), as
// nftmon does not turn expressions back into nft syntax.
//
// Tables, chains, sets, elements and objects are printed by nftext.Printer,
// in nft monitor's words (10.0.0.0/8, `quota inet t q { 100 mbytes }`),
// with the differences the README lists where nft monitor 1.0.6 is wrong.
// Like nft monitor, it hides the creation of anonymous sets and their
// elements.
type textPrinter struct {
	w   *bufio.Writer
	buf []byte
	nft nftext.Printer

	rule msgs.Rule
	ft   msgs.Flowtable
}

func newTextPrinter(w *bufio.Writer) *textPrinter {
	p := &textPrinter{w: w, buf: make([]byte, 0, 4096)}
	// The lines nftext prints start as the command's others do.
	p.nft.LineStart = prefix
	return p
}

// prefix appends what starts every line of an event: the nsid of another
// namespace, and the operation.
func prefix(b []byte, e *nftmon.Event) []byte {
	if e.HasNSID {
		b = strconv.AppendInt(append(b, "[nsid "...), int64(e.NSID), 10)
		b = append(b, "] "...)
	}
	return b
}

func (p *textPrinter) print(e *nftmon.Event) error {
	b := p.buf[:0]
	switch e.Kind {
	case nftmon.EventCommit:
		b = append(prefix(b, e), "# new generation "...)
		b = strconv.AppendUint(b, uint64(e.Gen), 10)
		b = strconv.AppendUint(append(b, " by process "...), uint64(e.ProcPID), 10)
		b = append(append(append(b, " ("...), e.ProcName...), ")\n"...)
	case nftmon.EventLoss:
		b = append(b, "# ERROR: We lost some netlink events!"...)
		if e.Err != nil {
			b = append(append(append(b, " ("...), e.Err.Error()...), ')')
		}
		b = append(b, '\n')
	case nftmon.EventSnapshotBegin:
		b = strconv.AppendUint(append(b, "# snapshot of generation "...), uint64(e.Gen), 10)
		b = append(b, '\n')
	case nftmon.EventSnapshotEnd:
		b = strconv.AppendUint(append(b, "# end of snapshot of generation "...), uint64(e.Gen), 10)
		b = append(b, '\n')
	default:
		start := len(b)
		var err error
		if b, err = p.change(b, e); err != nil {
			b = append(b[:start], "# malformed "...)
			b = append(append(append(b, e.Type.String()...), ": "...), err.Error()...)
			b = append(b, '\n')
		}
	}
	p.buf = b
	_, err := p.w.Write(b)
	return err
}

// op appends "add ", "insert " or "delete " and the object's family.
func op(b []byte, e *nftmon.Event, what string) []byte {
	b = prefix(b, e)
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
	case nftmon.ObjectTable, nftmon.ObjectChain, nftmon.ObjectSet, nftmon.ObjectSetElem, nftmon.ObjectObj:
		return p.nft.AppendEvent(b, e)
	case nftmon.ObjectRule:
		r := &p.rule
		if err := r.Decode(e.Attrs); err != nil {
			return b, err
		}
		b = append(append(append(op(b, e, "rule"), r.Table...), ' '), r.Chain...)
		if r.Present.Has(unix.NFTA_RULE_HANDLE) {
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
		}
		return endLine(b, e), nil
	case nftmon.ObjectFlowtable:
		f := &p.ft
		if err := f.Decode(e.Attrs); err != nil {
			return b, err
		}
		b = append(append(append(op(b, e, "flowtable"), f.Table...), ' '), f.Name...)
		if !del && f.Present.Has(msgs.AttrFlowtableHook) {
			b = append(b, " { hook "...)
			b = append(b, hookName(nftmon.FamilyNetdev, f.Hook.Num)...)
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
		return endLine(b, e), nil
	}
	// An unknown message type: name it.
	b = append(prefix(b, e), "# "...)
	b = append(append(b, e.Type.String()...), ' ')
	b = append(b, e.Family.String()...)
	return endLine(b, e), nil
}

func appendDevice(b []byte, d msgs.Device) []byte {
	b = append(b, d.Name...)
	if d.Prefix {
		b = append(b, '*')
	}
	return b
}

// observe learns the set types from an event the filter hides.
func (p *textPrinter) observe(e *nftmon.Event) {
	_ = p.nft.Sets.Observe(e) // a message it cannot decode is reported when printed
}

// finish ends the output: nothing is held (an interval half never
// completed is not printed, as nft monitor does not print it).
func (p *textPrinter) finish() error { return nil }
