package nftext

import (
	"bytes"
	"slices"
	"strconv"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// Printer appends the lines `nft monitor` prints for change events: `add
// table inet t`, `add set inet t s { type ipv4_addr; }`, `add element inet t
// s { 10.0.0.0/8 }`, `delete quota inet t q`, `add rule inet t c tcp dport
// 22 accept`, `delete rule inet t c handle 4`. It keeps the set knowledge
// the elements and rules need (Sets), so feed it every event of a monitor,
// snapshot events included, in order.
//
// Where nft monitor 1.0.6 is wrong, Printer prints what `nft list ruleset`
// prints instead: the elements of concatenated interval sets
// (`10.0.0.0/8 . 22-25`, not garbage), the devices of netdev chains, the
// catch-all element `*` of an interval set (nft monitor crashes). Like
// nft monitor, it hides the creation of anonymous sets and their elements
// (the rule that uses them shows them inline) but prints their deletion.
// The lines of a snapshot are valid nft input: applied with `nft -f` to an
// empty ruleset, they rebuild the one dumped (they also carry the table and
// chain comments nft monitor leaves out).
//
// The zero value is ready to use. AppendEvent allocates nothing once the
// buffer and the set knowledge have grown to the ruleset.
type Printer struct {
	// Sets is the set knowledge. The Printer updates it from the events
	// it prints; share it with other renderers (rules) rather than keep a
	// second one.
	Sets Sets
	// Conn, if set, is a request connection of the watched namespace:
	// elements of a set not known (created before the monitor started,
	// without a snapshot) are then typed by asking the kernel once
	// (GETSET). Events of other namespaces (nsids) are never asked for.
	Conn *nftmon.Conn
	// Links, if set, names interface indexes as nft does, in rules and
	// elements (`iif "lo"`); see RuleRenderer.Links.
	Links LinkNames
	// Handles appends handles as `nft -a monitor` prints them: ` #
	// handle 4` after a table, chain or rule, `{ # handle 4 ...` in a set
	// or object. A deleted rule is named by its handle either way.
	Handles bool
	// LineStart, if set, appends what starts each line instead of the
	// default `[nsid N] ` of an event from another namespace (a command
	// adds the time, or the namespace's name). Bind it once: a method
	// value made per call allocates.
	LineStart func(dst []byte, e *nftmon.Event) []byte

	table msgs.Table
	chain msgs.Chain
	set   msgs.Set
	elems msgs.SetElems
	el    msgs.Elem
	obj   msgs.Obj
	rule  msgs.Rule
	rules RuleRenderer
}

// unknownSet marks the elements of a set whose types are not known.
const unknownSet = " # set types not known"

// AppendEvent appends the lines of one event, each ended by a newline: one
// for a table, chain, set, object or rule change, one per element of an
// element change (none for the first half of an interval, printed with
// the second). Lines of events from another namespace start with
// `[nsid N] `; those of a change outside any transaction end with `#
// outside a transaction`. Other events (flowtables, commits, losses,
// snapshot markers) append nothing but update the set knowledge. It returns the error of a
// message it could not decode, with dst as it was.
func (p *Printer) AppendEvent(dst []byte, e *nftmon.Event) ([]byte, error) {
	if e.Type.Object() != nftmon.ObjectSetElem {
		// Elements are decoded once, below; the rest is learnt here.
		if err := p.Sets.Observe(e); err != nil {
			return dst, err
		}
	}
	switch e.Kind {
	case nftmon.EventChange, nftmon.EventSnapshot, nftmon.EventOutside:
	default:
		return dst, nil
	}
	del := e.Type.Op() == nftmon.OpDelete
	switch e.Type.Object() {
	case nftmon.ObjectTable:
		if err := p.table.Decode(e.Attrs); err != nil {
			return dst, err
		}
		dst = p.lineStart(dst, e)
		if del {
			dst = AppendName(dst, "table", e.Family, p.table.Name, nil)
		} else {
			mark := len(dst)
			dst = AppendTable(dst, e.Family, &p.table)
			dst = snapshotComment(dst, mark, e, p.table.Comment())
		}
		dst = p.handle(dst, p.table.Present.Has(msgs.AttrTableHandle), p.table.Handle)
	case nftmon.ObjectChain:
		if err := p.chain.Decode(e.Attrs); err != nil {
			return dst, err
		}
		dst = p.lineStart(dst, e)
		if del {
			dst = AppendName(dst, "chain", e.Family, p.chain.Table, p.chain.Name)
		} else {
			mark := len(dst)
			dst = AppendChain(dst, e.Family, &p.chain)
			dst = snapshotComment(dst, mark, e, p.chain.Comment())
			dst = p.handle(dst, p.chain.Present.Has(unix.NFTA_CHAIN_HANDLE), p.chain.Handle)
		}
	case nftmon.ObjectSet:
		if err := p.set.Decode(e.Attrs); err != nil {
			return dst, err
		}
		if del {
			dst = AppendName(p.lineStart(dst, e), "set", e.Family, p.set.Table, p.set.Name)
			break
		}
		if p.set.Flags&msgs.SetAnonymous != 0 {
			return dst, nil
		}
		info := p.Sets.Lookup(NSID(e), e.Family, p.set.Table, p.set.Name)
		if info == nil {
			return dst, nil // unreachable: Observe learnt it
		}
		dst = p.lineStart(dst, e)
		mark := len(dst)
		dst = AppendSet(dst, info, &p.set)
		dst = p.handleInside(dst, mark, p.set.Present.Has(msgs.AttrSetHandle), p.set.Handle)
	case nftmon.ObjectSetElem:
		return p.appendElems(dst, e, del)
	case nftmon.ObjectRule:
		if err := p.rule.Decode(e.Attrs); err != nil {
			return dst, err
		}
		dst = p.appendRule(p.lineStart(dst, e), e, del)
	case nftmon.ObjectObj:
		if err := p.obj.Decode(e.Attrs); err != nil {
			return dst, err
		}
		dst = p.lineStart(dst, e)
		if del {
			dst = AppendName(dst, p.obj.Type.String(), e.Family, p.obj.Table, p.obj.Name)
		} else {
			mark := len(dst)
			dst = AppendObj(dst, e.Family, &p.obj)
			dst = p.handleInside(dst, mark, p.obj.Present.Has(msgs.AttrObjHandle), p.obj.Handle)
		}
	default:
		return dst, nil
	}
	return lineEnd(dst, e), nil
}

// snapshotComment adds a table's or chain's comment, which nft monitor
// does not print, to the declaration appended from mark on, in a snapshot:
// the snapshot's lines rebuild the ruleset, comments included (`add table
// inet t { comment "x"; }`, `{ type filter ...; policy accept; comment
// "x"; }`).
func snapshotComment(dst []byte, mark int, e *nftmon.Event, c []byte) []byte {
	if c == nil || e.Kind != nftmon.EventSnapshot {
		return dst
	}
	if bytes.HasSuffix(dst[mark:], []byte("; }")) {
		dst = dst[:len(dst)-1] // the declaration goes on inside its braces
	} else {
		dst = append(dst, " { "...)
	}
	dst = AppendQuoted(append(dst, "comment "...), c)
	return append(dst, "; }"...)
}

// appendRule appends a rule's line after its command, as nft monitor
// prints it (src/monitor.c, netlink_events_rule_cb): "rule", the family,
// table and chain, the handle of the rule before it where the kernel sent
// one (`handle 4 `, not in a snapshot: nft list ruleset prints none, and a
// fresh ruleset has other handles), then the rule's text and, with
// Handles, its own handle (` # handle 5`); a deletion only names its
// handle.
func (p *Printer) appendRule(dst []byte, e *nftmon.Event, del bool) []byte {
	r := &p.rule
	dst = AppendName(dst, "rule", e.Family, r.Table, r.Chain)
	dst = append(dst, ' ')
	if r.Present.Has(unix.NFTA_RULE_POSITION) && r.Position != 0 && e.Kind != nftmon.EventSnapshot {
		dst = append(strconv.AppendUint(append(dst, "handle "...), r.Position, 10), ' ')
	}
	if del {
		return strconv.AppendUint(append(dst, "handle "...), r.Handle, 10)
	}
	p.rules.Links = p.Links
	dst = p.rules.AppendRule(dst, NSID(e), e.Family, r, &p.Sets)
	return p.handle(dst, r.Present.Has(unix.NFTA_RULE_HANDLE), r.Handle)
}

// handle appends ` # handle N` when Handles asks for it.
func (p *Printer) handle(dst []byte, present bool, h uint64) []byte {
	if !p.Handles || !present {
		return dst
	}
	return strconv.AppendUint(append(dst, " # handle "...), h, 10)
}

// handleInside puts ` # handle N` after the first " {" of what was
// appended from mark on, as nft -a monitor prints a set's or an object's.
func (p *Printer) handleInside(dst []byte, mark int, present bool, h uint64) []byte {
	if !p.Handles || !present {
		return dst
	}
	i := bytes.Index(dst[mark:], []byte(" {"))
	if i < 0 {
		return p.handle(dst, present, h)
	}
	at := mark + i + 2
	n := len(dst)
	dst = p.handle(dst, present, h)
	// Rotate the handle text, now at dst[n:], to dst[at:].
	slices.Reverse(dst[at:n])
	slices.Reverse(dst[n:])
	slices.Reverse(dst[at:])
	return dst
}

// lineStart appends what starts a line: LineStart's, or the nsid of
// another namespace; then the command as nft monitor says it (src/monitor.c,
// netlink_msg2nftnl_of): "delete ", "insert " for a rule added without
// NLM_F_APPEND, "create " for anything else made with NLM_F_EXCL, "add "
// otherwise and in snapshots.
func (p *Printer) lineStart(dst []byte, e *nftmon.Event) []byte {
	if p.LineStart != nil {
		dst = p.LineStart(dst, e)
	} else if e.HasNSID {
		dst = strconv.AppendInt(append(dst, "[nsid "...), int64(e.NSID), 10)
		dst = append(dst, "] "...)
	}
	switch {
	case e.Type.Op() == nftmon.OpDelete:
		return append(dst, "delete "...)
	case e.Kind == nftmon.EventSnapshot:
	case e.Type == nftmon.MsgNewRule && e.Header.Flags&unix.NLM_F_APPEND == 0:
		// nft monitor's word for a rule added without NLM_F_APPEND
		// (nft insert, or add before a position).
		return append(dst, "insert "...)
	case e.Type != nftmon.MsgNewRule && e.Header.Flags&unix.NLM_F_EXCL != 0:
		// nft monitor's word for an object made with NLM_F_EXCL (nft
		// create), which the kernel's notification repeats.
		return append(dst, "create "...)
	}
	return append(dst, "add "...)
}

// lineEnd ends a line, marking a change outside any transaction.
func lineEnd(dst []byte, e *nftmon.Event) []byte {
	if e.Kind == nftmon.EventOutside {
		dst = append(dst, " # outside a transaction"...)
	}
	return append(dst, '\n')
}

// appendElems appends a line per element of an element change.
func (p *Printer) appendElems(dst []byte, e *nftmon.Event, del bool) ([]byte, error) {
	if err := p.elems.Decode(e.Attrs); err != nil {
		return dst, err
	}
	nsid := NSID(e)
	info := p.Sets.Lookup(nsid, e.Family, p.elems.Table, p.elems.Set)
	if info == nil && p.Conn != nil && nsid == OwnNS {
		info, _ = p.Sets.Ask(p.Conn, nsid, e.Family, p.elems.Table, p.elems.Set)
	}
	if info != nil && info.Flags&msgs.SetAnonymous != 0 {
		if e.Type == nftmon.MsgNewSetElem {
			info.collect(p.elems.Elements) // as Sets.Observe does
		}
		return dst, nil
	}
	orig := len(dst)
	a := nftmon.NewAttrScanner(p.elems.Elements)
	for a.Next() {
		if a.Type() != unix.NFTA_LIST_ELEM {
			continue
		}
		raw := a.Bytes()
		if err := p.el.Decode(raw); err != nil {
			return dst[:orig], err
		}
		line := len(dst)
		dst = AppendName(p.lineStart(dst, e), "element", e.Family, p.elems.Table, p.elems.Set)
		dst = append(dst, " { "...)
		if info == nil {
			dst = appendUnknownElem(dst, &p.el)
			dst = append(dst, " }"+unknownSet...)
			dst = lineEnd(dst, e)
			continue
		}
		var st ElemStatus
		if dst, st = info.appendElem(dst, del, raw, &p.el, ifNames{p.Links, nsid}); st != ElemReady {
			dst = dst[:line]
			continue
		}
		dst = lineEnd(append(dst, " }"...), e)
	}
	if err := a.Err(); err != nil {
		return dst[:orig], err
	}
	return dst, nil
}

// appendUnknownElem appends an element of a set whose types are not known:
// its bytes in hex.
func appendUnknownElem(dst []byte, el *msgs.Elem) []byte {
	if el.Flags&msgs.ElemCatchall != 0 {
		dst = append(dst, '*')
	} else {
		dst = appendHexValue(dst, el.Key)
	}
	if el.Flags&msgs.ElemIntervalEnd != 0 {
		dst = append(dst, " interval-end"...)
	}
	if el.KeyEnd != nil {
		dst = appendHexValue(append(dst, '-'), el.KeyEnd)
	}
	switch {
	case el.IsVerdict:
		dst = AppendVerdict(append(dst, " : "...), &el.Verdict)
	case el.ObjRef != nil:
		dst = AppendQuoted(append(dst, " : "...), el.ObjRef)
	case el.Data != nil:
		dst = appendHexValue(append(dst, " : "...), el.Data)
	}
	return dst
}
