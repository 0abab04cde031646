package msgs

import "iter"

// The scanners' walks as iterators, for a range loop:
//
//	for e, err := range rule.Exprs().All() {
//		if err != nil { ... }
//		...
//	}
//
// Each yields the items with a nil error, then, when the walk failed, one
// zero item with the error that stopped it. They allocate nothing: All and
// its closure are inlined into the loop (TestInlining, TestNoAllocs).

// All returns the scanner's walk as an iterator over each expression.
func (s ExprScanner) All() iter.Seq2[Expr, error] {
	return func(yield func(Expr, error) bool) {
		for s.Next() {
			if !yield(s.e, nil) {
				return
			}
		}
		if s.err != nil {
			yield(Expr{}, s.err)
		}
	}
}

// All returns the scanner's walk as an iterator over each element. It
// yields copies (a pointer into the scanner, as Elem returns, would make
// the scanner escape to the heap); their byte slices still alias the
// message.
func (s ElemScanner) All() iter.Seq2[Elem, error] {
	return func(yield func(Elem, error) bool) {
		for s.Next() {
			if !yield(s.el, nil) {
				return
			}
		}
		if s.err != nil {
			yield(Elem{}, s.err)
		}
	}
}

// All returns the scanner's walk as an iterator over each device.
func (s DevScanner) All() iter.Seq2[Device, error] {
	return func(yield func(Device, error) bool) {
		for s.Next() {
			if !yield(s.d, nil) {
				return
			}
		}
		if err := s.a.Err(); err != nil {
			yield(Device{}, err)
		}
	}
}
