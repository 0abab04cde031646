package nftext

import (
	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
)

// RuleSets is what AppendRule needs to know of the sets a rule uses: the
// length of a set's key, to tell which registers a lookup reads, the type
// of the objects an object map holds, and the elements of the anonymous
// sets that nft prints inline (`tcp dport { 22, 80 }`). *Sets implements
// it; a nil RuleSets knows nothing, and then anonymous sets print as their
// names and concatenated lookups may print short.
type RuleSets interface {
	// RuleSet returns what is known of the set name in table of family.
	RuleSet(family nftmon.Family, table, name []byte) (SetInfo, bool)
	// AppendSetInline appends the elements of the anonymous set name as
	// nft prints them in a rule, `{ 22, 80 }` or `{ 22 : accept }`, and
	// reports whether it knew them (otherwise dst is returned unchanged).
	AppendSetInline(dst []byte, family nftmon.Family, table, name []byte) ([]byte, bool)
}

// SetInfo is what a rule's renderer needs of one set.
type SetInfo struct {
	KeyLen  uint32 // NFTA_SET_KEY_LEN, in bytes
	DataLen uint32 // NFTA_SET_DATA_LEN of a map, in bytes
	ObjType uint32 // NFTA_SET_OBJ_TYPE of an object map (NFT_OBJECT_*), or 0
}

// AppendRule appends the nft text of rule r of the given family, what
// nft monitor prints after "add rule FAMILY TABLE CHAIN " (and after the
// "handle N " of a rule's position): `tcp dport 22 counter packets 0 bytes 0
// accept comment "ssh"`. It turns the kernel's register program back into
// nft's statements as nft does (nftables src/netlink_delinearize.c): header
// fields by protocol template, the protocol matches nft adds itself left
// out, anonymous sets inlined from sets. A part of the program that nft
// never makes prints as libnftnl's text of its expressions in brackets,
// `[ cmp eq reg 9 0x00000001 ]`; the text is never empty. It allocates
// nothing when dst has room, and sets may be nil.
func AppendRule(dst []byte, family nftmon.Family, r *msgs.Rule, sets RuleSets) []byte {
	var s ruleState
	s.init(family, r, sets)
	n := len(dst)
	if s.parse() {
		s.postprocess()
		dst = s.print(dst)
	} else {
		dst = appendRawRule(dst, r)
	}
	if c := r.Comment(); c != nil {
		if len(dst) > n {
			dst = append(dst, ' ')
		}
		dst = append(dst, "comment "...)
		dst = appendString(dst, c)
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

// appendRawExpr appends "[ " + libnftnl's text of e + " ]".
func appendRawExpr(dst []byte, e msgs.Expr) []byte {
	dst = append(dst, "[ "...)
	dst = msgs.AppendExprText(dst, e)
	return append(dst, " ]"...)
}

// The renderer's fixed capacity. A rule beyond it prints raw; nft itself
// makes no rule near it (a concatenation uses at most 16 registers).
const (
	maxStmts   = 48
	maxOps     = 64
	maxList    = 48
	maxScratch = 512
	regUnits   = 1 + 16 // the verdict register, then the 16 registers of 32 bits
)

// ruleState is one rule being rendered: the registers, the operands loaded
// into them, and the statements made so far. It lives on the caller's
// stack.
type ruleState struct {
	family nftmon.Family
	rule   *msgs.Rule
	sets   RuleSets

	regs  [regUnits]int8 // operand index held by each 32-bit register, -1 none
	ops   [maxOps]operand
	nops  int
	lists [maxList]int8 // operand lists: concatenations
	nlist int
	stmts [maxStmts]stmt
	n     int

	pctx  protoCtx
	pdctx depCtx

	scratch  [maxScratch]byte // values the renderer computes (shifted, masked)
	nscratch int
}

func (s *ruleState) init(family nftmon.Family, r *msgs.Rule, sets RuleSets) {
	s.family, s.rule, s.sets = family, r, sets
	for i := range s.regs {
		s.regs[i] = -1
	}
	s.initProto()
}

// alloc returns n bytes of scratch space, or nil when it is used up.
func (s *ruleState) alloc(n int) []byte {
	if s.nscratch+n > len(s.scratch) {
		return nil
	}
	b := s.scratch[s.nscratch : s.nscratch+n : s.nscratch+n]
	s.nscratch += n
	clear(b)
	return b
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
	*st = stmt{kind: k, expr: e, left: -1, val: -1, nleft: 0}
	return st
}
