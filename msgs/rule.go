package msgs

import (
	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// RuleCompat is a rule's xtables compatibility specification
// (NFTA_RULE_COMPAT), set by iptables-nft.
type RuleCompat struct {
	Proto uint32 // NFTA_RULE_COMPAT_PROTO: the layer 4 protocol
	Flags uint32 // NFTA_RULE_COMPAT_FLAGS: NFT_RULE_COMPAT_F_INV (2) inverts the check
}

// Rule is a view of a rule message (NEWRULE, DELRULE, or a GETRULE dump
// reply). Unlike the other deletions, a DELRULE carries the whole rule.
// Position (the handle of the rule before it) is sent only for a rule that
// is neither first nor last: check Present.
type Rule struct {
	Table       []byte     // NFTA_RULE_TABLE
	Chain       []byte     // NFTA_RULE_CHAIN
	Handle      uint64     // NFTA_RULE_HANDLE
	Expressions []byte     // NFTA_RULE_EXPRESSIONS: the raw expression list; walk it with Exprs
	Compat      RuleCompat // NFTA_RULE_COMPAT
	Position    uint64     // NFTA_RULE_POSITION: the handle of the previous rule
	UserData    []byte     // NFTA_RULE_USERDATA: nft's TLVs (see Comment)
	ID          uint32     // NFTA_RULE_ID: the rule's transaction id, in requests only
	PositionID  uint32     // NFTA_RULE_POSITION_ID: the previous rule's transaction id, in requests only
	ChainID     uint32     // NFTA_RULE_CHAIN_ID: the chain's transaction id, in requests only
	Present     AttrSet    // the attribute types the message carried
}

// Decode decodes a rule message's attributes, replacing all of r. Byte
// slices in r alias attrs; on error r is left zero. The expressions are not
// decoded until Exprs walks them, so a malformed expression is reported by
// the ExprScanner.
func (r *Rule) Decode(attrs []byte) error {
	if r.kernel(attrs) {
		return nil
	}
	if err := r.decode(attrs); err != nil {
		*r = Rule{}
		return err
	}
	return nil
}

// kernel decodes attrs into r when they are laid out as the kernel sends a
// rule (nf_tables_fill_rule_info): TABLE, CHAIN, HANDLE, POSITION when the
// rule is neither first nor last, EXPRESSIONS, USERDATA when it has some;
// the names not empty. It reports whether they were; when not, r is for
// decode to fill.
func (r *Rule) kernel(b []byte) bool {
	table, b, ok1 := strAt(b, unix.NFTA_RULE_TABLE)
	chain, b, ok2 := strAt(b, unix.NFTA_RULE_CHAIN)
	handle, ok3 := u64At(b, unix.NFTA_RULE_HANDLE)
	if !ok1 || !ok2 || !ok3 {
		return false
	}
	b = b[u64Attr:]
	present := AttrSet(1<<unix.NFTA_RULE_TABLE | 1<<unix.NFTA_RULE_CHAIN | 1<<unix.NFTA_RULE_HANDLE |
		1<<unix.NFTA_RULE_EXPRESSIONS)
	pos, ok := u64At(b, unix.NFTA_RULE_POSITION)
	if ok {
		b = b[u64Attr:]
		present |= 1 << unix.NFTA_RULE_POSITION
	}
	x, b, err := nftmon.ParseAttr(b)
	if err != nil || x.Type != unix.NFTA_RULE_EXPRESSIONS {
		return false
	}
	var udata []byte
	if len(b) > 0 {
		u, rest, err := nftmon.ParseAttr(b)
		if err != nil || u.Type != unix.NFTA_RULE_USERDATA || len(rest) != 0 {
			return false
		}
		udata = u.Data
		present |= 1 << unix.NFTA_RULE_USERDATA
	}
	// Field by field after the reset: see Expr.Decode.
	*r = Rule{Handle: handle, Position: pos, Present: present}
	r.Table, r.Chain, r.Expressions, r.UserData = table, chain, x.Data, udata
	return true
}

func (r *Rule) decode(attrs []byte) error {
	*r = Rule{}
	s := nftmon.NewAttrScanner(attrs)
	for s.Next() {
		typ := s.Type()
		r.Present.add(typ)
		switch typ {
		case unix.NFTA_RULE_TABLE:
			r.Table = s.StringBytes()
		case unix.NFTA_RULE_CHAIN:
			r.Chain = s.StringBytes()
		case unix.NFTA_RULE_HANDLE:
			r.Handle = s.Uint64()
		case unix.NFTA_RULE_EXPRESSIONS:
			r.Expressions = s.Bytes()
		case unix.NFTA_RULE_COMPAT:
			n := s.Nested()
			for n.Next() {
				switch n.Type() {
				case unix.NFTA_RULE_COMPAT_PROTO:
					r.Compat.Proto = n.Uint32()
				case unix.NFTA_RULE_COMPAT_FLAGS:
					r.Compat.Flags = n.Uint32()
				}
			}
			s.Fail(n.Err())
		case unix.NFTA_RULE_POSITION:
			r.Position = s.Uint64()
		case unix.NFTA_RULE_USERDATA:
			r.UserData = s.Bytes()
		case unix.NFTA_RULE_ID:
			r.ID = s.Uint32()
		case AttrRulePositionID:
			r.PositionID = s.Uint32()
		case AttrRuleChainID:
			r.ChainID = s.Uint32()
		}
	}
	if err := s.Err(); err != nil {
		return err
	}
	switch {
	case !r.Present.Has(unix.NFTA_RULE_TABLE):
		return errRuleNoTable
	case !r.Present.Has(unix.NFTA_RULE_CHAIN):
		return errRuleNoChain
	case len(r.Table) == 0 || len(r.Chain) == 0:
		return errRuleEmptyName
	}
	return nil
}

// Exprs returns a scanner over the rule's expressions, in order. It
// allocates nothing. A callback that decodes rule after rule walks them
// faster with one scanner of its own, Reset to r.Expressions for each
// (ExprScanner.Reset says why).
func (r *Rule) Exprs() ExprScanner { return NewExprScanner(r.Expressions) }

// Comment returns the comment nft stored in the rule's user data
// (NFTNL_UDATA_RULE_COMMENT), without its NUL, or nil.
func (r *Rule) Comment() []byte { return userDataTLV(r.UserData, udataRuleComment) }
