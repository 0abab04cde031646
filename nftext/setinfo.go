package nftext

import (
	"encoding/binary"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// ValueType is what a set says of its keys or of its map values: the nft
// data type, the length, and the fields that print them.
type ValueType struct {
	Type  Type      // NFTA_SET_KEY_TYPE or NFTA_SET_DATA_TYPE
	Len   uint32    // NFTA_SET_KEY_LEN or NFTA_SET_DATA_LEN, in bytes
	Order ByteOrder // NFTNL_UDATA_SET_KEYBYTEORDER or _DATABYTEORDER
	// Typeof is the expression of a `typeof` declaration ("ip saddr .
	// tcp dport"), empty for a `type` one. A view of the SetInfo.
	Typeof []byte

	numFields int
	fields    [maxFields]Field
}

// Fields returns the fields of the value (one for a single type, one per
// part of a concatenation), or nil when the type is not one this package
// knows: its values then print as hex.
func (v *ValueType) Fields() []Field { return v.fields[:v.numFields] }

// setFields fills the fields from the type, the lengths of a
// concatenation's fields the kernel keeps (NFTA_SET_DESC_CONCAT), or a
// typeof.
func (v *ValueType) setFields(desc *msgs.SetDesc, tf *typeofFields) {
	v.numFields = 0
	if tf != nil && tf.n > 0 {
		v.numFields = tf.n
		v.fields = tf.fields
		if tf.n == 1 && v.Order != ByteOrderInvalid {
			v.fields[0].Order = v.Order
		}
	} else {
		var ts [maxFields]Type
		n, ok := v.Type.fields(&ts)
		if !ok {
			return
		}
		var lens []uint32
		if desc != nil && desc.NumFields == n && n > 1 {
			lens = desc.Fields()
		}
		for i := 0; i < n; i++ {
			f := Field{Type: ts[i], Order: ts[i].Order(), Len: ts[i].Size()}
			if lens != nil {
				f.Len = int(lens[i])
			}
			v.fields[i] = f
		}
		v.numFields = n
		if n == 1 {
			if v.Order != ByteOrderInvalid {
				v.fields[0].Order = v.Order
			}
			if v.fields[0].Len == 0 {
				v.fields[0].Len = int(v.Len)
			}
		}
	}
	// The fields must fill the value exactly, each padded to 4 bytes in
	// a concatenation.
	total := 0
	for i := 0; i < v.numFields; i++ {
		if v.fields[i].Len <= 0 {
			v.numFields = 0
			return
		}
		if v.numFields > 1 {
			total += pad4(v.fields[i].Len)
		} else {
			total += v.fields[i].Len
		}
	}
	if uint32(total) != v.Len {
		v.numFields = 0
	}
}

// AppendValue appends one value of this type as nft prints it; a value
// whose length is not the type's, or of a type not known, prints as hex.
func (v *ValueType) AppendValue(dst []byte, data []byte) []byte {
	return v.appendValue(dst, data, ifNames{})
}

// appendValue is AppendValue, interface indexes named by n.
func (v *ValueType) appendValue(dst []byte, data []byte, n ifNames) []byte {
	if v.numFields == 0 || uint32(len(data)) != v.Len {
		return appendHexValue(dst, data)
	}
	if v.numFields == 1 {
		return v.fields[0].appendValue(dst, data, n)
	}
	for i := 0; i < v.numFields; i++ {
		f := &v.fields[i]
		if i > 0 {
			dst = append(dst, " . "...)
		}
		dst = f.appendValue(dst, data[:f.Len], n)
		data = data[pad4(f.Len):]
	}
	return dst
}

// appendValue appends one value of the field.
func (f *Field) appendValue(dst []byte, data []byte, n ifNames) []byte {
	if f.Hex {
		return appendHexNumber(dst, data, f.Order, 0)
	}
	return n.appendScalar(dst, f.Type, f.Order, data)
}

// AppendName appends the type as a set declaration names it: the typeof
// expression, or the data type's name.
func (v *ValueType) AppendName(dst []byte) []byte {
	if len(v.Typeof) > 0 {
		return append(dst, v.Typeof...)
	}
	return AppendTypeName(dst, v.Type)
}

// SetInfo is what is known of one set: its name, flags and the types of
// its keys and values. Sets keeps one per set it has seen; a SetInfo can
// also be filled directly from a set message with Learn.
type SetInfo struct {
	Family    nftmon.Family
	Table     []byte // a copy the SetInfo owns
	Name      []byte // a copy the SetInfo owns
	Flags     msgs.SetFlags
	Key       ValueType
	Data      ValueType    // a map's values (Data.Type is TypeVerdict for a verdict map)
	ObjType   msgs.ObjType // an object map's object type
	Size      uint32       // NFTA_SET_DESC_SIZE: the declared maximum number of elements, or 0
	AutoMerge bool         // NFTNL_UDATA_SET_MERGE_ELEMENTS
	// DataInterval: the map's values are intervals
	// (NFTNL_UDATA_SET_DATA_INTERVAL).
	DataInterval bool

	text  []byte // the typeof texts, Key.Typeof and Data.Typeof view it
	elems []byte // an anonymous set's elements, as an element list
	// dumped: the elements came from a dump, in the kernel's order; a
	// rule prints them sorted, as nft list ruleset does.
	dumped bool
	iv     interval
}

// IsMap reports whether the set is a map with data values (not an object
// map).
func (s *SetInfo) IsMap() bool { return s.Flags&msgs.SetMap != 0 }

// IsObjMap reports whether the set is an object map.
func (s *SetInfo) IsObjMap() bool { return s.Flags&msgs.SetObject != 0 }

// Learn fills s from a set message (a NEWSET or a GETSET reply) of the
// given family. It keeps copies of what it needs, reusing s's storage, so
// set may be reused afterwards. Learning a set again forgets the anonymous
// elements collected for it.
func (s *SetInfo) Learn(family nftmon.Family, set *msgs.Set) {
	s.Family = family
	s.Table = append(s.Table[:0], set.Table...)
	s.Name = append(s.Name[:0], set.Name...)
	s.Flags = set.Flags
	s.ObjType = set.ObjType
	s.Size = set.Desc.Size
	s.AutoMerge, s.DataInterval = false, false
	s.Key = ValueType{Type: FromKernel(set.KeyType), Len: set.KeyLen}
	s.Data = ValueType{}
	if s.IsMap() {
		s.Data = ValueType{Type: FromKernel(set.DataType), Len: set.DataLen}
	}
	s.text = s.text[:0]
	s.elems = s.elems[:0]
	s.dumped = false
	s.iv.held = false

	var keyTF, dataTF typeofFields
	keyStart, keyEnd, dataStart, dataEnd := 0, 0, 0, 0
	keyOK, dataOK := false, false
	u := udata{b: set.UserData}
	for u.next() {
		switch u.typ {
		case udataSetKeyByteOrder:
			if v, ok := udataU32(u.val); ok {
				s.Key.Order = ByteOrderFromUserData(v)
			}
		case udataSetDataByteOrder:
			if v, ok := udataU32(u.val); ok {
				s.Data.Order = ByteOrderFromUserData(v)
			}
		case udataSetMergeElements:
			v, _ := udataU32(u.val)
			s.AutoMerge = v != 0
		case udataSetDataInterval:
			v, _ := udataU32(u.val)
			s.DataInterval = v != 0
		case udataSetKeyTypeof:
			keyStart = len(s.text)
			s.text, keyOK = parseTypeof(s.text, &keyTF, u.val)
			keyEnd = len(s.text)
		case udataSetDataTypeof:
			dataStart = len(s.text)
			s.text, dataOK = parseTypeof(s.text, &dataTF, u.val)
			dataEnd = len(s.text)
		}
	}
	// nft uses the typeof only when both key and data (of a map) have
	// one it can parse (netlink_delinearize_set).
	if s.IsMap() && !dataOK {
		keyOK = false
	}
	if keyOK {
		s.Key.Typeof = s.text[keyStart:keyEnd:keyEnd]
		s.Key.setFields(&set.Desc, &keyTF)
	} else {
		s.Key.setFields(&set.Desc, nil)
	}
	if s.IsMap() {
		if keyOK && dataOK {
			s.Data.Typeof = s.text[dataStart:dataEnd:dataEnd]
			s.Data.setFields(nil, &dataTF)
		} else {
			s.Data.setFields(nil, nil)
		}
	}
	if s.Key.Typeof != nil && s.Key.numFields == 0 {
		// A typeof whose lengths do not fit the key: nft falls back to
		// the type.
		s.Key.Typeof = nil
		s.Key.setFields(&set.Desc, nil)
	}
}

// Elems returns a scanner over the elements an anonymous set received in
// its transaction (`tcp dport { 22, 80 }`), kept for the rule that uses
// it. Named sets keep none: their elements are printed as they come.
func (s *SetInfo) Elems() msgs.ElemScanner { return msgs.NewElemScanner(s.elems) }

// DropElems forgets the elements kept for an anonymous set, once the rule
// that uses it has been rendered; its storage is kept for the next ones.
func (s *SetInfo) DropElems() { s.elems = s.elems[:0] }

// collect keeps a copy of the elements of an element message of an
// anonymous set.
func (s *SetInfo) collect(elements []byte) {
	a := nftmon.NewAttrScanner(elements)
	for a.Next() {
		if a.Type() != unix.NFTA_LIST_ELEM {
			continue
		}
		p := a.Bytes()
		l := 4 + len(p)
		s.elems = binary.NativeEndian.AppendUint16(s.elems, uint16(l))
		s.elems = binary.NativeEndian.AppendUint16(s.elems, unix.NFTA_LIST_ELEM)
		s.elems = append(s.elems, p...)
		for i := l; i%4 != 0; i++ {
			s.elems = append(s.elems, 0)
		}
	}
}
