package msgs

import (
	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// ElemFlags are a set element's flags (enum nft_set_elem_flags).
type ElemFlags uint32

// The set element flags.
const (
	ElemIntervalEnd ElemFlags = unix.NFT_SET_ELEM_INTERVAL_END // NFT_SET_ELEM_INTERVAL_END: the key is the first value after an interval
	ElemCatchall    ElemFlags = 0x2                            // NFT_SET_ELEM_CATCHALL: the catch-all element ("*"), which has no key
)

// String returns the flags joined by commas ("interval-end", "catchall"),
// with any unknown bits in hex.
func (f ElemFlags) String() string { return flagString(uint32(f), elemFlagNames[:]) }

var elemFlagNames = [...]string{"interval-end", "catchall"}

// SetElems is a view of a set-element message (NEWSETELEM, DELSETELEM, or a
// GETSETELEM dump reply): the set, and a list of elements to walk with
// Elems. Notifications carry one element per message, dumps many
// (KERNEL.md, fact 5).
type SetElems struct {
	Table    []byte  // NFTA_SET_ELEM_LIST_TABLE
	Set      []byte  // NFTA_SET_ELEM_LIST_SET
	Elements []byte  // NFTA_SET_ELEM_LIST_ELEMENTS: the raw element list
	SetID    uint32  // NFTA_SET_ELEM_LIST_SET_ID: the set's transaction id, in requests only
	Present  AttrSet // the attribute types the message carried
}

// Decode decodes a set-element message's attributes, replacing all of e.
// Byte slices in e alias attrs; on error e is left zero. The elements are
// decoded by Elems as it walks them, so a malformed element is reported by
// the ElemScanner.
func (e *SetElems) Decode(attrs []byte) error {
	if e.kernel(attrs) {
		return nil
	}
	if err := e.decode(attrs); err != nil {
		*e = SetElems{}
		return err
	}
	return nil
}

// kernel decodes attrs into e when they are laid out as the kernel sends a
// set-element message (nf_tables_fill_setelem_info): TABLE, SET, ELEMENTS,
// the names not empty. It reports whether they were; when not, e is for
// decode to fill.
func (e *SetElems) kernel(b []byte) bool {
	table, b, ok1 := strAt(b, unix.NFTA_SET_ELEM_LIST_TABLE)
	set, b, ok2 := strAt(b, unix.NFTA_SET_ELEM_LIST_SET)
	if !ok1 || !ok2 {
		return false
	}
	l, rest, err := nftmon.ParseAttr(b)
	if err != nil || l.Type != unix.NFTA_SET_ELEM_LIST_ELEMENTS || len(rest) != 0 {
		return false
	}
	// Field by field after the reset: see Expr.Decode.
	*e = SetElems{Present: 1<<unix.NFTA_SET_ELEM_LIST_TABLE | 1<<unix.NFTA_SET_ELEM_LIST_SET |
		1<<unix.NFTA_SET_ELEM_LIST_ELEMENTS}
	e.Table, e.Set, e.Elements = table, set, l.Data
	return true
}

func (e *SetElems) decode(attrs []byte) error {
	*e = SetElems{}
	s := nftmon.NewAttrScanner(attrs)
	for s.Next() {
		typ := s.Type()
		e.Present.add(typ)
		switch typ {
		case unix.NFTA_SET_ELEM_LIST_TABLE:
			e.Table = s.StringBytes()
		case unix.NFTA_SET_ELEM_LIST_SET:
			e.Set = s.StringBytes()
		case unix.NFTA_SET_ELEM_LIST_ELEMENTS:
			e.Elements = s.Bytes()
		case unix.NFTA_SET_ELEM_LIST_SET_ID:
			e.SetID = s.Uint32()
		}
	}
	if err := s.Err(); err != nil {
		return err
	}
	switch {
	case !e.Present.Has(unix.NFTA_SET_ELEM_LIST_TABLE):
		return errElemsNoTable
	case !e.Present.Has(unix.NFTA_SET_ELEM_LIST_SET):
		return errElemsNoSet
	case len(e.Table) == 0 || len(e.Set) == 0:
		return errElemsEmptyName
	}
	return nil
}

// Elems returns a scanner over the message's elements. It allocates
// nothing. A callback that decodes message after message walks them
// faster with one scanner of its own, Reset to e.Elements for each
// (ElemScanner.Reset says why).
func (e *SetElems) Elems() ElemScanner { return NewElemScanner(e.Elements) }

// Elem is one set element (the payload of an NFTA_LIST_ELEM of
// NFTA_SET_ELEM_LIST_ELEMENTS). Byte slices alias the message.
type Elem struct {
	Key         []byte    // NFTA_SET_ELEM_KEY's NFTA_DATA_VALUE; none for the catch-all element (KERNEL.md, fact 15)
	KeyEnd      []byte    // NFTA_SET_ELEM_KEY_END's NFTA_DATA_VALUE: the end of an interval of a concatenated key
	Data        []byte    // NFTA_SET_ELEM_DATA's NFTA_DATA_VALUE: a map's value
	Verdict     Verdict   // NFTA_SET_ELEM_DATA's NFTA_DATA_VERDICT: a verdict map's value, when IsVerdict
	IsVerdict   bool      // the element's data is a verdict
	Flags       ElemFlags // NFTA_SET_ELEM_FLAGS
	Timeout     uint64    // NFTA_SET_ELEM_TIMEOUT: in milliseconds, sent when not the set's default
	Expiration  uint64    // NFTA_SET_ELEM_EXPIRATION: milliseconds left
	UserData    []byte    // NFTA_SET_ELEM_USERDATA: nft's TLVs (see Comment)
	Expr        []byte    // NFTA_SET_ELEM_EXPR: one expression nest (decode with Expr.Decode)
	Expressions []byte    // NFTA_SET_ELEM_EXPRESSIONS: the raw expression list; walk it with Exprs
	ObjRef      []byte    // NFTA_SET_ELEM_OBJREF: the object an object map's element maps to
	Present     AttrSet   // the attribute types the element carried
}

// Decode decodes one element's attributes, replacing all of el. Byte slices
// in el alias b. On error el is left zero.
func (el *Elem) Decode(b []byte) error {
	// The element of a set (not a map) without flags, timeout or
	// expressions, as the kernel sends it (nf_tables_fill_setelem): its
	// key alone.
	if v, ok := valueAt(b, unix.NFTA_SET_ELEM_KEY); ok {
		*el = Elem{Present: 1 << unix.NFTA_SET_ELEM_KEY}
		el.Key = v // not in the literal: see Expr.Decode
		return nil
	}
	return el.decode(b)
}

// decode is Decode for any attributes.
func (el *Elem) decode(b []byte) error {
	*el = Elem{}
	var d Data
	s := nftmon.NewAttrScanner(b)
	for s.Next() {
		typ := s.Type()
		el.Present.add(typ)
		switch typ {
		case unix.NFTA_SET_ELEM_KEY:
			el.Key = dataValue(&s, &d)
		case AttrSetElemKeyEnd:
			el.KeyEnd = dataValue(&s, &d)
		case unix.NFTA_SET_ELEM_DATA:
			s.Fail(d.Decode(s.Bytes()))
			el.Data, el.Verdict, el.IsVerdict = d.Value, d.Verdict, d.IsVerdict
		case unix.NFTA_SET_ELEM_FLAGS:
			el.Flags = ElemFlags(s.Uint32())
		case unix.NFTA_SET_ELEM_TIMEOUT:
			el.Timeout = s.Uint64()
		case unix.NFTA_SET_ELEM_EXPIRATION:
			el.Expiration = s.Uint64()
		case unix.NFTA_SET_ELEM_USERDATA:
			el.UserData = s.Bytes()
		case unix.NFTA_SET_ELEM_EXPR:
			el.Expr = s.Bytes()
		case unix.NFTA_SET_ELEM_OBJREF:
			el.ObjRef = s.StringBytes()
		case AttrSetElemExpressions:
			el.Expressions = s.Bytes()
		}
	}
	if err := s.Err(); err != nil {
		*el = Elem{}
		return err
	}
	return nil
}

// dataValue decodes the current attribute of s as an nft_data nest that must
// hold a value (a key), recording any error in s.
func dataValue(s *nftmon.AttrScanner, d *Data) []byte {
	if err := d.Decode(s.Bytes()); err != nil {
		s.Fail(err)
		return nil
	}
	if d.IsVerdict {
		s.Fail(errElemNoKey)
		return nil
	}
	return d.Value
}

// Exprs returns a scanner over the element's expressions
// (NFTA_SET_ELEM_EXPRESSIONS).
func (el *Elem) Exprs() ExprScanner { return NewExprScanner(el.Expressions) }

// Comment returns the comment nft stored in the element's user data
// (NFTNL_UDATA_SET_ELEM_COMMENT), or nil.
func (el *Elem) Comment() []byte { return userDataTLV(el.UserData, udataSetElemComment) }

// ElemScanner walks a list of set elements without allocating.
//
//	s := elems.Elems()
//	for s.Next() {
//		el := s.Elem()
//		...
//	}
//	if err := s.Err(); err != nil { ... }
type ElemScanner struct {
	list nftmon.AttrScanner
	el   Elem
	err  error
}

// NewElemScanner returns a scanner over the element list in b (the payload
// of NFTA_SET_ELEM_LIST_ELEMENTS).
func NewElemScanner(b []byte) ElemScanner { return ElemScanner{list: nftmon.NewAttrScanner(b)} }

// Reset makes s walk the element list in b from the start, forgetting any
// error and the current element. A scanner kept with the views a callback
// decodes into and Reset for each message costs less than a new one (from
// NewElemScanner or SetElems.Elems) per message: a new one is copied into
// place, and the copy's 16-byte loads of the words just stored in 8-byte
// moves stall.
//
//	d.scan.Reset(d.elems.Elements)
//	for d.scan.Next() {
//		el := d.scan.Elem()
//		...
//	}
func (s *ElemScanner) Reset(b []byte) {
	// Field by field, in place: see above.
	s.list.Reset(b)
	s.el = Elem{}
	s.err = nil
}

// Next advances to the next element and reports whether there is one.
// Attributes of the list other than NFTA_LIST_ELEM are skipped.
func (s *ElemScanner) Next() bool {
	if s.err != nil {
		return false
	}
	for s.list.Next() {
		if s.list.Type() != unix.NFTA_LIST_ELEM {
			continue
		}
		if err := s.el.Decode(s.list.Bytes()); err != nil {
			s.err = err
			return false
		}
		return true
	}
	s.el = Elem{}
	s.err = s.list.Err()
	return false
}

// Elem returns the current element. It is overwritten by the next call to
// Next.
func (s *ElemScanner) Elem() *Elem { return &s.el }

// Err returns the error that stopped the walk, or nil.
func (s *ElemScanner) Err() error { return s.err }
