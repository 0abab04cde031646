package msgs

import (
	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// Expr is one expression of a rule (or of a set, set element or dynset): its
// name (NFTA_EXPR_NAME, without the NUL) and the raw attributes of its data
// (NFTA_EXPR_DATA). Both are views of the message.
type Expr struct {
	Name []byte
	Data []byte
}

// ExprScanner walks a list of expressions (NFTA_RULE_EXPRESSIONS,
// NFTA_SET_EXPRESSIONS, ...: a list of NFTA_LIST_ELEM nests, each holding
// NFTA_EXPR_NAME and NFTA_EXPR_DATA) without allocating.
//
//	s := rule.Exprs()
//	for s.Next() {
//		e := s.Expr()
//		...
//	}
//	if err := s.Err(); err != nil { ... }
//
// DynsetExpr.Exprs and InnerExpr.Exprs return one over the expressions
// nested in those expressions. Decode an expression's data with the view of
// its name (PayloadExpr for "payload", ...); unknown names are not errors.
type ExprScanner struct {
	list nftmon.AttrScanner
	one  []byte // a single expression nest to yield first (NFTA_DYNSET_EXPR, NFTA_INNER_EXPR)
	e    Expr
	err  error
}

// NewExprScanner returns a scanner over the expression list in b (the
// payload of an NFTA_*_EXPRESSIONS attribute).
func NewExprScanner(b []byte) ExprScanner {
	return ExprScanner{list: nftmon.NewAttrScanner(b)}
}

// Reset makes s walk the expression list in b from the start, forgetting
// any error and the current expression, as NewExprScanner(b) would. A
// scanner kept with the views a callback decodes into and Reset for each
// message costs less than a new one (from NewExprScanner or Rule.Exprs) per
// message: a new one is copied into place, and the copy's 16-byte loads of
// the words just stored in 8-byte moves stall.
//
//	d.scan.Reset(d.rule.Expressions)
//	for d.scan.Next() {
//		e := d.scan.Expr()
//		...
//	}
func (s *ExprScanner) Reset(b []byte) {
	// Field by field, in place: see above.
	s.list.Reset(b)
	s.one = nil
	s.e = Expr{}
	s.err = nil
}

// Next advances to the next expression and reports whether there is one.
func (s *ExprScanner) Next() bool {
	if s.err != nil {
		return false
	}
	if s.one != nil {
		one := s.one
		s.one = nil
		if err := s.e.Decode(one); err != nil {
			s.err = err
			return false
		}
		return true
	}
	for s.list.Next() {
		if s.list.Type() != unix.NFTA_LIST_ELEM {
			continue
		}
		if err := s.e.Decode(s.list.Bytes()); err != nil {
			s.err = err
			return false
		}
		return true
	}
	s.e = Expr{}
	s.err = s.list.Err()
	return false
}

// Expr returns the current expression (the zero Expr once Next has
// returned false). It is overwritten by the next call to Next.
func (s *ExprScanner) Expr() *Expr {
	// A pointer, not a copy: an Expr is too big for registers, and a copy
	// of the one Next has just stored in 8-byte words would load them in
	// 16-byte moves, which cannot be forwarded from those stores and stall.
	return &s.e
}

// Err returns the error that stopped the walk, or nil.
func (s *ExprScanner) Err() error { return s.err }

// Decode decodes one expression nest (the payload of an NFTA_LIST_ELEM or of
// an NFTA_*_EXPR attribute), replacing all of e. On error e is left zero.
func (e *Expr) Decode(b []byte) error {
	// The nest as the kernel sends every one (nf_tables_fill_expr_info): a
	// valid NFTA_EXPR_NAME, then NFTA_EXPR_DATA, nothing else. ParseAttr
	// keeps the walk in registers; any other nest takes the general walk,
	// which gives the same result for this one (FuzzExprNest).
	if n, rest, err := nftmon.ParseAttr(b); err == nil && n.Type == unix.NFTA_EXPR_NAME &&
		len(n.Data) > 0 && n.Data[len(n.Data)-1] == 0 {
		if d, rest, err := nftmon.ParseAttr(rest); err == nil && d.Type == unix.NFTA_EXPR_DATA && len(rest) == 0 {
			// Field by field: a composite literal is built on the stack
			// and copied in 16-byte moves that cannot be forwarded from
			// its 8-byte stores, which stalls.
			e.Name, e.Data = trimNUL(n.Data), d.Data
			return nil
		}
	}
	return e.decode(b)
}

// decode is Decode for any nest: the attributes in any order, the last of
// each kind kept, unknown ones skipped.
func (e *Expr) decode(b []byte) error {
	*e = Expr{}
	a := nftmon.NewAttrScanner(b)
	for a.Next() {
		switch a.Type() {
		case unix.NFTA_EXPR_NAME:
			e.Name = a.StringBytes()
		case unix.NFTA_EXPR_DATA:
			e.Data = a.Bytes()
		}
	}
	if err := a.Err(); err != nil {
		*e = Expr{}
		return err
	}
	if e.Name == nil {
		*e = Expr{}
		return errExprNoName
	}
	return nil
}
