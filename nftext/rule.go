package nftext

import (
	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
)

// AppendRule appends the nft text of rule r of the given family, seen in
// the namespace nsid (OwnNS for the monitor's own; NSID gives an event's):
// what nft monitor prints after "add rule FAMILY TABLE CHAIN " (and after
// the "handle N " of a rule's position), `tcp dport 22 counter packets 0
// bytes 0 accept comment "ssh"`. It turns the kernel's register program
// back into nft's statements as nft does (nftables
// src/netlink_delinearize.c): header fields by protocol template, the
// protocol matches nft adds itself left out, the elements of anonymous
// sets inlined from what sets learned of their transaction (`tcp dport {
// 22, 80 }`: in the order they came, or, from a snapshot's dumps, sorted
// as nft list ruleset prints them). A part of the program that nft never
// makes prints as libnftnl's text of its expressions in brackets, `[ cmp
// eq reg 9 0x00000001 ]`: a rule with expressions never prints as nothing.
// It allocates nothing when dst has room. sets may be nil: then anonymous
// sets print as their names (`@__set0`), and a lookup of a concatenation
// prints only its first field. Interface indexes print as numbers (`iif
// 1`); a RuleRenderer with Links names them as nft does (`iif "lo"`). The
// comment prints as nft prints it, its bytes as they are, but for control
// bytes, escaped as AppendIdent escapes them: a line stays one line.
func AppendRule(dst []byte, nsid int32, family nftmon.Family, r *msgs.Rule, sets *Sets) []byte {
	var rr RuleRenderer
	return rr.AppendRule(dst, nsid, family, r, sets)
}

// RuleRenderer renders rules as AppendRule does, keeping its working
// state (about 15 KB: the registers, operands and statements of a rule)
// from one rule to the next instead of clearing a new one on the stack:
// a monitor that prints every rule keeps one. The zero value is ready to
// use; it is not safe for concurrent use.
type RuleRenderer struct {
	// Links, if set, names interface indexes as nft does (`iif "lo"`,
	// `fwd to "veth0"`, `dup to 10.0.0.1 device "lo"`, and any other
	// iface_index value, those of inline sets included), asked with the
	// rule's nsid: nft prints the name of the interface in the namespace
	// it runs in. Nil, or a name it does not have, prints the index, `iif
	// 7`, as nft prints an index it does not know.
	Links LinkNames

	s ruleState
}

// AppendRule appends the nft text of rule r, as the function AppendRule
// does.
func (rr *RuleRenderer) AppendRule(dst []byte, nsid int32, family nftmon.Family, r *msgs.Rule, sets *Sets) []byte {
	s := &rr.s
	s.init(nsid, family, r, sets)
	s.names = ifNames{rr.Links, nsid}
	n := len(dst)
	if s.parse() {
		dst = s.print(dst)
	}
	if len(dst) == n && len(r.Expressions) > 0 {
		// Too large or too strange, or only loads that nothing reads:
		// the expressions as they are.
		dst = appendRawRule(dst, r)
	}
	if c := r.Comment(); c != nil {
		if len(dst) > n {
			dst = append(dst, ' ')
		}
		// nft prints the comment's bytes as they are (rule_print);
		// another tool's may hold a newline.
		dst = append(dst, `comment "`...)
		dst = append(AppendIdent(dst, c), '"')
	}
	return dst
}

// appendRawRule appends libnftnl's text of every expression of r, each in
// brackets: what a rule too large or too strange for the renderer prints.
func appendRawRule(dst []byte, r *msgs.Rule) []byte {
	n := len(dst)
	s := r.Exprs()
	for s.Next() {
		if len(dst) > n {
			dst = append(dst, ' ')
		}
		dst = appendRawExpr(dst, s.Expr())
	}
	if err := s.Err(); err != nil || len(dst) == n {
		if len(dst) > n {
			dst = append(dst, ' ')
		}
		dst = append(dst, "[ malformed ]"...)
	}
	return dst
}

// appendRawExpr appends "[ " + libnftnl's text of e + " ]", with control
// bytes escaped as AppendIdent escapes them: an expression's name and data
// come from the kernel as they are, and a line must stay one line.
func appendRawExpr(dst []byte, e msgs.Expr) []byte {
	dst = append(dst, "[ "...)
	start := len(dst)
	dst = escapeFrom(msgs.AppendExprText(dst, e), start)
	return append(dst, " ]"...)
}

// The renderer's fixed capacity, about twice what the largest rule of the
// corpora needs (15 statements, 18 operands, 48 bytes computed). A rule
// beyond it prints as libnftnl's text.
const (
	maxStmts   = 40
	maxOps     = 48
	maxList    = 32
	maxScratch = 512
	regUnits   = 1 + 16 // the verdict register, then the 16 registers of 32 bits
)

// ruleState is one rule being rendered: the registers, the operands loaded
// into them, and the statements made so far. It lives on the caller's
// stack.
type ruleState struct {
	nsid   int32
	family nftmon.Family
	rule   *msgs.Rule
	sets   *Sets
	names  ifNames

	regs  [regUnits]int8 // operand index held by each 32-bit register, -1 none
	ops   [maxOps]operand
	nops  int
	lists [maxList]int8 // operand lists: concatenations
	nlist int
	stmts [maxStmts]stmt
	n     int

	pctx  protoCtx
	pdctx depCtx

	// The set looked up last: a rule names the same set in its parse,
	// post-processing and printing.
	setName []byte
	setInfo *SetInfo

	scratch  [maxScratch]byte // values the renderer computes (shifted, masked)
	nscratch int

	// sorted is the elements of an anonymous set from a dump being
	// printed sorted: it grows to the largest set once.
	sorted []sortedElem
}

func (s *ruleState) init(nsid int32, family nftmon.Family, r *msgs.Rule, sets *Sets) {
	s.nsid, s.family, s.rule, s.sets = nsid, family, r, sets
	// The operands and statements are each set whole when made, and
	// scratch bytes cleared when allocated: only the counts restart.
	s.nops, s.nlist, s.n, s.nscratch = 0, 0, 0, 0
	s.pctx = protoCtx{}
	s.setName, s.setInfo = nil, nil
	for i := range s.regs {
		s.regs[i] = -1
	}
	s.initProto()
}

// val is a value the renderer holds: bytes of the message, or bytes it
// computed in its scratch space. The scratch bytes are named by offset,
// not by a slice: a ruleState holding slices of itself would have to live
// on the heap.
type val struct {
	b      []byte // bytes of the message; nil for scratch bytes
	off, n uint16 // the scratch bytes, when b is nil
}

// span is a value in scratch space only.
type span struct{ off, n uint16 }

// ok reports whether the value is there.
func (x span) ok() bool { return x.n > 0 }

// val returns the span as a value.
func (x span) val() val { return val{off: x.off, n: x.n} }

// sp returns a span's bytes.
func (s *ruleState) sp(x span) []byte { return s.v(x.val()) }

// msgVal returns a value of bytes of the message.
func msgVal(b []byte) val { return val{b: b} }

// size returns the value's length in bytes.
func (x val) size() int {
	if x.b != nil {
		return len(x.b)
	}
	return int(x.n)
}

// span returns a scratch value as a span.
func (x val) span() span { return span{x.off, x.n} }

// ok reports whether the value is there.
func (x val) ok() bool { return x.b != nil || x.n > 0 }

// v returns a value's bytes.
func (s *ruleState) v(x val) []byte {
	if x.b != nil || x.n == 0 {
		return x.b
	}
	return s.scratch[x.off : x.off+x.n : x.off+x.n]
}

// alloc returns n zeroed bytes of scratch space, as a value and as bytes
// to fill; both are zero when it is used up.
func (s *ruleState) alloc(n int) (val, []byte) {
	if n <= 0 || s.nscratch+n > len(s.scratch) {
		return val{}, nil
	}
	b := s.scratch[s.nscratch : s.nscratch+n : s.nscratch+n]
	x := val{off: uint16(s.nscratch), n: uint16(n)}
	s.nscratch += n
	clear(b)
	return x, b
}

// newOp returns a fresh operand, or nil when there is no room.
func (s *ruleState) newOp(k opKind, lenBits uint32) (*operand, int8) {
	if s.nops == maxOps {
		return nil, -1
	}
	i := s.nops
	s.nops++
	s.ops[i] = operand{kind: k, len: lenBits, tmpl: -1, arg: -1}
	return &s.ops[i], int8(i)
}

// newStmt returns a fresh statement, or nil when there is no room.
func (s *ruleState) newStmt(k stmtKind, e msgs.Expr) *stmt {
	if s.n == maxStmts {
		return nil
	}
	st := &s.stmts[s.n]
	s.n++
	*st = stmt{kind: k, expr: e, left: -1, val: -1, valOp2: -1, valOp3: -1, valOp4: -1}
	return st
}
