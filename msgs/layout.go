package msgs

import (
	"encoding/binary"

	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// The attribute layouts the kernel sends for the expressions every rule
// has (payload, cmp, meta, counter, immediate), for verdicts, a set's
// elements, and rule and set-element messages, read with a few loads and
// compares before the general walk: each view's Decode tries its kernel's
// layout first (the function of nf_tables that fills it in is named there)
// and walks the attributes only for anything else, which gives the same
// result for that layout (FuzzExprNest and FuzzDecode check that they
// agree on every input, TestKernelLayouts that the corpus's expressions
// are laid out so).

// u32Attr is the size of an attribute holding a u32 (a register, a key, an
// offset): its header and 4 bytes, which need no padding.
const u32Attr = nftmon.AttrHeaderLen + 4

// u64Attr is the size of an attribute holding a u64 (a counter). The
// kernel puts no NFTA_*_PAD attribute before one on architectures with
// efficient unaligned access; where it does, the general walk takes it.
const u64Attr = nftmon.AttrHeaderLen + 8

// u32At returns the value of the attribute at the start of b when that is
// a u32 attribute of type t without flags, as the kernel sends one, and
// whether it is.
func u32At(b []byte, t uint16) (uint32, bool) {
	if len(b) < u32Attr || binary.NativeEndian.Uint16(b) != u32Attr || binary.NativeEndian.Uint16(b[2:]) != t {
		return 0, false
	}
	return binary.BigEndian.Uint32(b[nftmon.AttrHeaderLen:]), true
}

// u64At is u32At for a u64 attribute.
func u64At(b []byte, t uint16) (uint64, bool) {
	if len(b) < u64Attr || binary.NativeEndian.Uint16(b) != u64Attr || binary.NativeEndian.Uint16(b[2:]) != t {
		return 0, false
	}
	return binary.BigEndian.Uint64(b[nftmon.AttrHeaderLen:]), true
}

// valueAt returns the value of the data nest of type t (NFTA_CMP_DATA, ...)
// that is all of b, when it holds a single NFTA_DATA_VALUE, as the kernel
// sends a value (nft_value_dump), and whether it does. The value aliases b
// as Data.Decode's would.
func valueAt(b []byte, t uint16) ([]byte, bool) {
	n, rest, err := nftmon.ParseAttr(b)
	if err != nil || n.Type != t || len(rest) != 0 {
		return nil, false
	}
	v, rest, err := nftmon.ParseAttr(n.Data)
	if err != nil || v.Type != unix.NFTA_DATA_VALUE || len(rest) != 0 {
		return nil, false
	}
	return v.Data, true
}

// strAt returns the string attribute of type t at the start of b, without
// its NUL, and the bytes after it, when it is one that StringBytes takes
// (not empty, NUL-terminated) and not empty without its NUL, and whether it
// is.
func strAt(b []byte, t uint16) (str, rest []byte, ok bool) {
	a, rest, err := nftmon.ParseAttr(b)
	if err != nil || a.Type != t || len(a.Data) < 2 || a.Data[len(a.Data)-1] != 0 {
		return nil, nil, false
	}
	str = trimNUL(a.Data)
	return str, rest, len(str) > 0
}
