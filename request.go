package nftmon

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// AppendGetGen appends an NFT_MSG_GETGEN request with sequence number seq to
// b. The kernel answers with one NEWGEN message carrying the current
// generation.
func AppendGetGen(b []byte, seq uint32) []byte {
	return AppendRequest(b, MsgGetGen, unix.NLM_F_REQUEST, seq, FamilyUnspec)
}

// AppendRequest appends an nftables request header (nlmsghdr and nfgenmsg)
// with nlmsg_len set to cover just the header; append attributes after it and
// then call FinishRequest to fix the length.
func AppendRequest(b []byte, t MsgType, flags uint16, seq uint32, f Family) []byte {
	start := len(b)
	b = append(b, make([]byte, HeaderLen+NFGenLen)...)
	h := b[start:]
	binary.NativeEndian.PutUint32(h[0:], HeaderLen+NFGenLen)
	binary.NativeEndian.PutUint16(h[4:], uint16(unix.NFNL_SUBSYS_NFTABLES)<<8|uint16(t))
	binary.NativeEndian.PutUint16(h[6:], flags)
	binary.NativeEndian.PutUint32(h[8:], seq)
	h[16] = byte(f)
	h[17] = unix.NFNETLINK_V0
	return b
}

// AppendAttr appends a netlink attribute with the given type and payload,
// padded to 4 bytes.
func AppendAttr(b []byte, typ uint16, data []byte) []byte {
	var h [AttrHeaderLen]byte
	binary.NativeEndian.PutUint16(h[0:], uint16(AttrHeaderLen+len(data)))
	binary.NativeEndian.PutUint16(h[2:], typ)
	b = append(b, h[:]...)
	b = append(b, data...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// AppendStringAttr appends a NUL-terminated string attribute.
func AppendStringAttr(b []byte, typ uint16, s string) []byte {
	var h [AttrHeaderLen]byte
	binary.NativeEndian.PutUint16(h[0:], uint16(AttrHeaderLen+len(s)+1))
	binary.NativeEndian.PutUint16(h[2:], typ)
	b = append(b, h[:]...)
	b = append(b, s...)
	b = append(b, 0)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// FinishRequest sets the nlmsg_len of the message that starts at b[start:]
// to reach the end of b.
func FinishRequest(b []byte, start int) []byte {
	binary.NativeEndian.PutUint32(b[start:], uint32(len(b)-start))
	return b
}
