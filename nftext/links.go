package nftext

import "strconv"

// Interface indexes as nft prints them (ifindex_type_print of nftables
// src/meta.c): the interface's name in double quotes, `iif "lo"`, where
// nft knows the index, the index as a signed decimal number otherwise,
// `iif 7`. nft knows the interfaces of the namespace it runs in, listed
// once, the first time it prints an index (src/iface.c: one RTM_GETLINK
// dump, kept until the command ends; an nft monitor started before an
// interface was made prints that interface's index as a number). Which
// names a renderer prints is the caller's LinkNames's choice; the
// command's (cmd/nftmon) lists them as nft does.

// ifNames names interface indexes: the LinkNames a renderer was given
// (nil: none) and the namespace (nsid) of what it prints.
type ifNames struct {
	links LinkNames
	nsid  int32
}

// appendIndex appends an interface index: its name in double quotes,
// appended as nft does, as it is (an interface name holds no blank, but
// may hold other control bytes: those are escaped as AppendIdent escapes
// them, so a line stays one line), or the number.
func (n ifNames) appendIndex(dst []byte, index uint32) []byte {
	if n.links != nil {
		start := len(dst)
		var ok bool
		if dst, ok = n.links.AppendLinkName(append(dst, '"'), n.nsid, index); ok {
			return append(escapeFrom(dst, start+1), '"')
		}
		dst = dst[:start]
	}
	// nft prints the index with %d of an int.
	return strconv.AppendInt(dst, int64(int32(index)), 10)
}

// escapeFrom escapes the control bytes of dst[start:], as AppendIdent
// does: the text of a name or of an expression comes from the kernel or
// from the caller as it is, and a line must stay one line.
func escapeFrom(dst []byte, start int) []byte {
	for _, c := range dst[start:] {
		if isControl(c) {
			// Escape after the text, then move the result over it.
			// AppendIdent reads the text while appending past its end
			// (or into a new array, leaving the text intact).
			end := len(dst)
			dst = AppendIdent(dst, dst[start:end])
			return append(dst[:start], dst[end:]...)
		}
	}
	return dst
}
