package main

import (
	"encoding/binary"
	"net/netip"
	"strconv"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
)

// The text printer formats set elements as nft does (10.0.0.1, 22,
// 10.0.0.0/8) when it knows the set's key and data types, which only a
// NEWSET (or a snapshot) says: setTypes remembers them for the sets it
// has seen. Elements of a set created before nftmon started are printed
// in hex (0x0a000001).

// nft's data type ids (enum datatypes in nftables' include/datatype.h) that
// the text printer can format. Concatenations pack one id per 6 bits
// (TYPE_BITS), the first field in the highest bits.
const (
	typeVerdict   = 1
	typeIPAddr    = 7
	typeIP6Addr   = 8
	typeEtherAddr = 9
	typeEtherType = 10
	typeInetProto = 12
	typeService   = 13
	typeMark      = 19
	typeIfname    = 41

	typeBits     = 6
	dataVerdict  = 0xffffff00 // NFT_DATA_VERDICT: a verdict map's data type
	maxSetFields = 8
)

// dataTypes gives the name and size in bytes of each type formatted.
var dataTypes = map[uint32]struct {
	name string
	len  int
}{
	typeVerdict: {"verdict", 0}, typeIPAddr: {"ipv4_addr", 4}, typeIP6Addr: {"ipv6_addr", 16},
	typeEtherAddr: {"ether_addr", 6}, typeEtherType: {"ether_type", 2}, typeInetProto: {"inet_proto", 1},
	typeService: {"inet_service", 2}, typeMark: {"mark", 4}, typeIfname: {"ifname", 16},
}

// setInfo is what the text printer needs to know about a set.
type setInfo struct {
	keyType, dataType uint32
	keyLen, dataLen   uint32
	flags             msgs.SetFlags
	objType           msgs.ObjType
}

// fields splits a (concatenated) key type into its fields' type ids; ok is
// false when one of them is not formatted or the lengths do not add up to
// keyLen (each field is padded to 4 bytes).
func fields(keyType, keyLen uint32, ids *[maxSetFields]uint32) (n int, ok bool) {
	var rev [maxSetFields]uint32
	for t := keyType; t != 0; t >>= typeBits {
		if n == maxSetFields {
			return 0, false
		}
		rev[n] = t & (1<<typeBits - 1)
		n++
	}
	total := uint32(0)
	for i := 0; i < n; i++ {
		ids[i] = rev[n-1-i]
		dt, known := dataTypes[ids[i]]
		if !known || dt.len == 0 {
			return 0, false
		}
		l := uint32(dt.len)
		if n > 1 {
			l = (l + 3) &^ 3
		}
		total += l
	}
	return n, n > 0 && total == keyLen
}

// setTypes remembers the types of the sets seen, by namespace, family,
// table and name.
type setTypes struct {
	m   map[string]*setInfo
	key []byte
}

func (s *setTypes) mapKey(e *nftmon.Event, table, set []byte) []byte {
	k := s.key[:0]
	if e.HasNSID {
		k = binary.BigEndian.AppendUint32(append(k, 1), uint32(e.NSID))
	} else {
		k = append(k, 0)
	}
	k = append(append(k, byte(e.Family)), table...)
	k = append(append(k, 0), set...)
	s.key = k
	return k
}

// add remembers a set (NEWSET).
func (s *setTypes) add(e *nftmon.Event, set *msgs.Set) {
	if s.m == nil {
		s.m = make(map[string]*setInfo)
	}
	info := setInfo{
		keyType: set.KeyType, dataType: set.DataType, keyLen: set.KeyLen, dataLen: set.DataLen,
		flags: set.Flags, objType: set.ObjType,
	}
	k := s.mapKey(e, set.Table, set.Name)
	if p := s.m[string(k)]; p != nil {
		*p = info // an update of a set seen: no allocation
		return
	}
	p := new(setInfo) // info itself stays on the stack
	*p = info
	s.m[string(k)] = p
}

// remove forgets a set (DELSET).
func (s *setTypes) remove(e *nftmon.Event, table, set []byte) {
	delete(s.m, string(s.mapKey(e, table, set)))
}

// removeTable forgets the sets of a table (DELTABLE).
func (s *setTypes) removeTable(e *nftmon.Event, table []byte) {
	prefix := s.mapKey(e, table, nil)
	for k := range s.m {
		if len(k) >= len(prefix) && k[:len(prefix)] == string(prefix) {
			delete(s.m, k)
		}
	}
}

// lookup returns what is known of a set.
func (s *setTypes) lookup(e *nftmon.Event, table, set []byte) (setInfo, bool) {
	if p := s.m[string(s.mapKey(e, table, set))]; p != nil {
		return *p, true
	}
	return setInfo{}, false
}

// appendTypeName appends a (concatenated) type as nft names it.
func appendTypeName(b []byte, typ, length uint32) []byte {
	var ids [maxSetFields]uint32
	n, ok := fields(typ, length, &ids)
	if !ok {
		if dt, known := dataTypes[typ]; known {
			return append(b, dt.name...)
		}
		return strconv.AppendUint(append(b, "type("...), uint64(typ), 10)
	}
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, " . "...)
		}
		b = append(b, dataTypes[ids[i]].name...)
	}
	return b
}

// appendValue appends a key or data value of the given type as nft prints
// it, or as 0x and hex digits when the type is not one formatted here.
func appendValue(b []byte, typ, length uint32, v []byte) []byte {
	var ids [maxSetFields]uint32
	n, ok := fields(typ, length, &ids)
	if !ok || len(v) != int(length) {
		return appendHex(append(b, "0x"...), v)
	}
	for i := 0; i < n; i++ {
		l := dataTypes[ids[i]].len
		if i > 0 {
			b = append(b, " . "...)
		}
		b = appendField(b, ids[i], v[:l])
		if n > 1 {
			l = (l + 3) &^ 3
		}
		v = v[l:]
	}
	return b
}

// appendField appends one value of a formatted type; v has the type's size.
func appendField(b []byte, id uint32, v []byte) []byte {
	switch id {
	case typeIPAddr:
		return netip.AddrFrom4([4]byte(v)).AppendTo(b)
	case typeIP6Addr:
		return netip.AddrFrom16([16]byte(v)).AppendTo(b)
	case typeService:
		return strconv.AppendUint(b, uint64(binary.BigEndian.Uint16(v)), 10)
	case typeInetProto:
		return strconv.AppendUint(b, uint64(v[0]), 10)
	case typeEtherType:
		return appendHex(append(b, "0x"...), v)
	case typeMark:
		// A mark is a host-order u32: nft prints it as 0x%08x.
		var w [4]byte
		binary.BigEndian.PutUint32(w[:], binary.NativeEndian.Uint32(v))
		return appendHex(append(b, "0x"...), w[:])
	case typeEtherAddr:
		for i, c := range v {
			if i > 0 {
				b = append(b, ':')
			}
			b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
		}
		return b
	case typeIfname:
		end := 0
		for end < len(v) && v[end] != 0 {
			end++
		}
		return appendQuoted(b, v[:end])
	}
	return appendHex(append(b, "0x"...), v)
}
