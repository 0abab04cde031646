package main

import (
	"bufio"
	"bytes"
	"strconv"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"github.com/nftmon/nftmon/nftext"
)

// textPrinter prints one line per event as nft monitor does: "add table
// ip t", "delete chain inet f c", "add element inet s ports { 22 }", "add
// rule inet f c tcp dport 22 accept", and "# new generation G by process P
// (NAME)" after each transaction. Tables, chains, rules, sets, elements
// and objects are printed by nftext.Printer, in nft monitor's words, with
// the differences the README lists where nft monitor 1.0.6 is wrong; like
// nft monitor, it hides the creation of anonymous sets and their elements
// (the rules show them inline). Handles are printed with -a only, where
// nft -a monitor prints them, except a deleted rule's, which names it
// ("delete rule inet f c handle 4"), as nft monitor does.
type textPrinter struct {
	w   *bufio.Writer
	buf []byte
	nft nftext.Printer

	li *lineInfo // of the event being printed

	ft msgs.Flowtable
}

func newTextPrinter(w *bufio.Writer) *textPrinter {
	p := &textPrinter{w: w, buf: make([]byte, 0, 4096)}
	// nftext's lines start as the command's others do; the method value
	// is bound once.
	p.nft.LineStart = p.prefix
	return p
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
	p.nft.Handles = li.handles
	b := p.buf[:0]
	switch e.Kind {
	case nftmon.EventCommit:
		b = append(p.prefix(b, e), "# new generation "...)
		b = strconv.AppendUint(b, uint64(e.Gen), 10)
		b = strconv.AppendUint(append(b, " by process "...), uint64(e.ProcPID), 10)
		// A process may name itself "x)\n# new generation 1 ...".
		b = append(nftext.AppendIdent(append(b, " ("...), e.ProcName), ")\n"...)
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
	_ = p.nft.Sets.Observe(e) // a message it cannot decode is reported when printed
}

func (p *textPrinter) useConn(c *nftmon.Conn) { p.nft.Conn = c }

func (p *textPrinter) useLinks(l nftext.LinkNames) { p.nft.Links = l }

// op appends "add " or "delete " and the object's family.
func (p *textPrinter) op(b []byte, e *nftmon.Event, what string) []byte {
	b = p.prefix(b, e)
	if e.Type.Op() == nftmon.OpDelete {
		b = append(b, "delete "...)
	} else {
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
	case nftmon.ObjectRule,
		nftmon.ObjectTable, nftmon.ObjectChain, nftmon.ObjectSet, nftmon.ObjectSetElem, nftmon.ObjectObj:
		return p.nft.AppendEvent(b, e)
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

func appendDevice(b []byte, d msgs.Device) []byte {
	b = append(b, d.Name...)
	if d.Prefix {
		b = append(b, '*')
	}
	return b
}

// finish ends the output: nothing is held (an interval half never
// completed is not printed, as nft monitor does not print it).
func (p *textPrinter) finish() error { return nil }
