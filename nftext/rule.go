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
// It allocates nothing when dst has room, but for a rule beyond the
// working arrays (more than 40 statements, 48 operands or 32 list
// entries; the kernel takes up to 128 expressions a rule), for which it
// allocates room, and for an anonymous set from a dump of more than 32
// elements, which it sorts in a list it allocates: a RuleRenderer allocates those once, for the
// largest rule, and then nothing. sets may be nil: then anonymous
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
// state (about 15 KB: the registers, operands and statements of a rule,
// and, grown once for the largest rule, the room of the rules beyond it
// and the sorting list of dumped anonymous sets) from one rule to the next
// instead of clearing a new one on the stack: a monitor that prints every
// rule keeps one, and allocates nothing once it has seen its largest. The zero value is ready to
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
	ok, room := s.parse()
	if !room {
		// Beyond the arrays: again, in the big slices.
		s.init(nsid, family, r, sets)
		s.growBig(s.exprCount())
		ok, _ = s.parse()
	}
	if ok {
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
		dst = appendRawExpr(dst, *s.Expr())
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

// The renderer's fixed arrays, about twice what the largest rule of the
// corpora needs (15 statements, 18 operands, 48 bytes computed). A rule
// beyond them is parsed again in slices grown for it (growBig), scratch
// bytes included.
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

	regs    [regUnits]int16 // operand index held by each 32-bit register, -1 none
	opArr   [maxOps]operand
	nops    int
	listArr [maxList]int16 // operand lists: concatenations
	nlist   int
	stmtArr [maxStmts]stmt
	n       int

	// big: the rule has more expressions than the arrays above hold; the
	// operands, lists and statements are in these instead, grown for the
	// largest rule once (a RuleRenderer reuses them).
	big      bool
	bigOps   []operand
	bigLists []int16
	bigStmts []stmt
	// bigScratch is a big rule's scratch space.
	bigScratch []byte

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
	s.big = false
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
	b := s.scratchBytes()
	return b[x.off : x.off+x.n : x.off+x.n]
}

// scratchBytes returns the scratch space: the array, or a big rule's.
func (s *ruleState) scratchBytes() []byte {
	if s.big {
		return s.bigScratch
	}
	return s.scratch[:]
}

// alloc returns n zeroed bytes of scratch space, as a value and as bytes
// to fill; both are zero when it is used up.
func (s *ruleState) alloc(n int) (val, []byte) {
	buf := s.scratchBytes()
	if n <= 0 || s.nscratch+n > len(buf) {
		return val{}, nil
	}
	b := buf[s.nscratch : s.nscratch+n : s.nscratch+n]
	x := val{off: uint16(s.nscratch), n: uint16(n)}
	s.nscratch += n
	clear(b)
	return x, b
}

// op returns operand i.
func (s *ruleState) op(i int16) *operand {
	if s.big {
		return &s.bigOps[i]
	}
	return &s.opArr[i]
}

// st returns statement i.
func (s *ruleState) st(i int) *stmt {
	if s.big {
		return &s.bigStmts[i]
	}
	return &s.stmtArr[i]
}

// list returns the operand lists.
func (s *ruleState) list() []int16 {
	if s.big {
		return s.bigLists
	}
	return s.listArr[:]
}

// Room for each expression of a big rule: statements (a payload match
// nft expands into several fields makes more than one), operands, list
// entries. A rule that needs more still prints as libnftnl's text.
const (
	bigStmtsPerExpr = 4
	bigOpsPerExpr   = 4
	bigListPerExpr  = 8
	// bigScratchPerExpr is scratch bytes a big rule has beyond maxScratch
	// for each expression: a mask and a value of 16 bytes (the longest
	// register value).
	bigScratchPerExpr = 32
)

// growBig switches to the big slices, grown once to the largest rule
// (never appended to while a rule is parsed, so that pointers to their
// elements stay valid), with room for n expressions.
func (s *ruleState) growBig(n int) {
	s.big = true
	if len(s.bigStmts) < bigStmtsPerExpr*n {
		s.bigStmts = make([]stmt, bigStmtsPerExpr*n)
	}
	if len(s.bigOps) < bigOpsPerExpr*n {
		s.bigOps = make([]operand, bigOpsPerExpr*n)
	}
	if len(s.bigLists) < bigListPerExpr*n {
		s.bigLists = make([]int16, bigListPerExpr*n)
	}
	if len(s.bigScratch) < maxScratch+bigScratchPerExpr*n {
		s.bigScratch = make([]byte, maxScratch+bigScratchPerExpr*n)
	}
}

// opCap, stmtCap and listCap are how many operands, statements and list
// entries there is room for.
func (s *ruleState) opCap() int {
	if s.big {
		return len(s.bigOps)
	}
	return maxOps
}

func (s *ruleState) stmtCap() int {
	if s.big {
		return len(s.bigStmts)
	}
	return maxStmts
}

func (s *ruleState) listCap() int {
	if s.big {
		return len(s.bigLists)
	}
	return maxList
}

// newOp returns a fresh operand, or nil when there is no room.
func (s *ruleState) newOp(k opKind, lenBits uint32) (*operand, int16) {
	if s.nops == s.opCap() {
		return nil, -1
	}
	i := int16(s.nops)
	s.nops++
	op := s.op(i)
	*op = operand{kind: k, len: lenBits, tmpl: -1, arg: -1}
	return op, i
}

// newStmt returns a fresh statement, or nil when there is no room.
func (s *ruleState) newStmt(k stmtKind, e msgs.Expr) *stmt {
	if s.n == s.stmtCap() {
		return nil
	}
	st := s.st(s.n)
	s.n++
	*st = stmt{kind: k, expr: e, left: -1, val: -1, valOp2: -1, valOp3: -1, valOp4: -1}
	return st
}
