package nftmon

import (
	"encoding/binary"
	"iter"

	"golang.org/x/sys/unix"
)

// HeaderLen is the size of struct nlmsghdr, the netlink message header.
const HeaderLen = unix.NLMSG_HDRLEN // #define NLMSG_HDRLEN ((int) NLMSG_ALIGN(sizeof(struct nlmsghdr)))

// NFGenLen is the size of struct nfgenmsg, which starts every nftables
// payload.
const NFGenLen = 4 // sizeof(struct nfgenmsg)

// AttrHeaderLen is the size of struct nlattr, the attribute header.
const AttrHeaderLen = unix.NLA_HDRLEN // #define NLA_HDRLEN ((int) NLA_ALIGN(sizeof(struct nlattr)))

// attrTypeMask keeps an attribute's type without its flags (NLA_TYPE_MASK).
const attrTypeMask = ^uint16(unix.NLA_F_NESTED | unix.NLA_F_NET_BYTEORDER)

// align rounds n up to the netlink alignment of 4 bytes.
//
//	#define NLMSG_ALIGN(len) ( ((len)+NLMSG_ALIGNTO-1) & ~(NLMSG_ALIGNTO-1) )
func align(n int) int { return (n + 3) &^ 3 }

// Header is a netlink message header (struct nlmsghdr), in host byte order.
type Header struct {
	Len    uint32 // nlmsg_len: header plus payload, without trailing padding
	Type   uint16 // nlmsg_type: for nftables, NFNL_SUBSYS_NFTABLES<<8 | NFT_MSG_*
	Flags  uint16 // nlmsg_flags: NLM_F_*
	Seq    uint32 // nlmsg_seq: the request's sequence number (0 for set-element notifications)
	PortID uint32 // nlmsg_pid: the port id of the socket that made the change
}

// copyFrom copies o into h field by field. A header is stored field by
// field (parseMessage), and a copy of it as a whole, loaded in one 16-byte
// move before those stores have retired, cannot take their values and
// stalls: it was a fifth of the dispatch of a set-element event.
func (h *Header) copyFrom(o *Header) {
	h.Len, h.Type, h.Flags, h.Seq, h.PortID = o.Len, o.Type, o.Flags, o.Seq, o.PortID
}

// Subsystem returns the nfnetlink subsystem id (NFNL_SUBSYS_ID(type)), 10 for
// nftables. It is meaningless for the netlink control types (NLMSG_DONE, ...).
func (h Header) Subsystem() uint8 { return uint8(h.Type >> 8) }

// MsgType returns the nftables message type (NFNL_MSG_TYPE(type)). It is
// meaningful only when Subsystem is unix.NFNL_SUBSYS_NFTABLES.
func (h Header) MsgType() MsgType { return MsgType(h.Type & 0xff) }

// IsNFTables reports whether the message belongs to the nftables subsystem.
func (h Header) IsNFTables() bool { return h.Subsystem() == unix.NFNL_SUBSYS_NFTABLES }

// Message is one netlink message: its header and a view of its payload. The
// payload aliases the buffer the message was parsed from.
type Message struct {
	Header  Header
	Payload []byte // the bytes after the header, nlmsg_len-16 of them
}

// NFGen splits an nfnetlink payload into its nfgenmsg header and the
// attributes after it.
func (m *Message) NFGen() (NFGenMsg, []byte, error) {
	return ParseNFGen(m.Payload)
}

// ParseMessage parses the netlink message at the start of b and returns it and
// the bytes after it (its padding skipped). A final message without padding is
// accepted. The message's payload aliases b.
func ParseMessage(b []byte) (Message, []byte, error) {
	var m Message
	next, err := parseMessage(b, &m)
	if err != nil {
		return Message{}, nil, err
	}
	return m, b[next:], nil
}

// parseMessage parses the message at the start of b into m and returns the
// offset of the next one. It is the one implementation of the framing rules,
// written to stay cheap on the hot path: no copies of m, no error interface
// built unless the input is bad.
func parseMessage(b []byte, m *Message) (int, error) {
	if len(b) < HeaderLen {
		return 0, errMsgShort
	}
	h := b[:HeaderLen:HeaderLen]
	l := binary.NativeEndian.Uint32(h)
	if l < HeaderLen {
		return 0, errMsgLenShort
	}
	if uint64(l) > uint64(len(b)) {
		return 0, errMsgLenOverrun
	}
	// Field by field: a composite literal is built aside and copied.
	m.Header.Len = l
	m.Header.Type = binary.NativeEndian.Uint16(h[4:])
	m.Header.Flags = binary.NativeEndian.Uint16(h[6:])
	m.Header.Seq = binary.NativeEndian.Uint32(h[8:])
	m.Header.PortID = binary.NativeEndian.Uint32(h[12:])
	m.Payload = b[HeaderLen:l:l]
	return min(align(int(l)), len(b)), nil
}

// MessageScanner walks the netlink messages of a datagram or dump buffer
// without copying or allocating:
//
//	s := nftmon.NewMessageScanner(buf[:n])
//	for s.Next() {
//		m := s.Message()
//		...
//	}
//	if err := s.Err(); err != nil { ... }
//
// Walking stops at the first malformed message; Err says why.
type MessageScanner struct {
	b   []byte
	m   Message
	err error
}

// NewMessageScanner returns a scanner over the messages in b.
func NewMessageScanner(b []byte) MessageScanner { return MessageScanner{b: b} }

// Reset makes s scan b from the start, forgetting any error.
func (s *MessageScanner) Reset(b []byte) { *s = MessageScanner{b: b} }

// Next advances to the next message and reports whether there is one.
func (s *MessageScanner) Next() bool {
	if s.err != nil || len(s.b) == 0 {
		return false
	}
	next, err := parseMessage(s.b, &s.m)
	if err != nil {
		s.m, s.b, s.err = Message{}, nil, err
		return false
	}
	s.b = s.b[next:]
	return true
}

// Message returns the current message. It is valid until the buffer is reused.
func (s *MessageScanner) Message() *Message { return &s.m }

// Err returns the error that stopped the walk, or nil at a clean end.
func (s *MessageScanner) Err() error { return s.err }

// Messages returns an iterator over the netlink messages in b, for a range
// loop; it walks as MessageScanner does, without copying or allocating:
//
//	for m, err := range nftmon.Messages(buf[:n]) {
//		if err != nil { ... } // the last pair: a malformed message
//		...
//	}
//
// A malformed message ends the walk with one last pair, a zero Message and
// the error. Each Message's payload aliases b.
func Messages(b []byte) iter.Seq2[Message, error] {
	return func(yield func(Message, error) bool) {
		var m Message
		for len(b) > 0 {
			next, err := parseMessage(b, &m)
			if err != nil {
				yield(Message{}, err)
				return
			}
			b = b[next:]
			if !yield(m, nil) {
				return
			}
		}
	}
}

// Attr is one netlink attribute: its type, with NLA_F_NESTED and
// NLA_F_NET_BYTEORDER masked off, and a view of its payload.
type Attr struct {
	Type uint16
	Data []byte
}

// ParseAttr parses the attribute at the start of b and returns it and the
// bytes after it (its padding skipped). A final attribute without padding is
// accepted. The attribute's payload aliases b.
func ParseAttr(b []byte) (Attr, []byte, error) {
	if len(b) < AttrHeaderLen {
		return Attr{}, nil, errAttrShort
	}
	l := int(binary.NativeEndian.Uint16(b))
	if l < AttrHeaderLen {
		return Attr{}, nil, errAttrLenShort
	}
	if l > len(b) {
		return Attr{}, nil, errAttrLenOverrun
	}
	a := Attr{
		Type: binary.NativeEndian.Uint16(b[2:]) & attrTypeMask,
		Data: b[AttrHeaderLen:l:l],
	}
	return a, b[min(align(l), len(b)):], nil
}

// AttrScanner walks a sequence of netlink attributes without copying or
// allocating. Its typed getters check the payload's exact size; a getter that
// finds the wrong size returns the zero value and records the error, and the
// first error sticks: scanning stops and Err returns it.
//
//	s := nftmon.NewAttrScanner(attrs)
//	for s.Next() {
//		switch s.Type() {
//		case unix.NFTA_TABLE_NAME:
//			name = s.Bytes()
//		case unix.NFTA_TABLE_HANDLE:
//			handle = s.Uint64()
//		}
//	}
//	if err := s.Err(); err != nil { ... }
//
// Next and the getters are inlined into the loop that calls them. Once Next
// has reported false, Type, Bytes and the getters still see the last
// attribute it returned.
type AttrScanner struct {
	b   []byte // the attributes
	off uint   // where the next one starts; past len(b) after a last attribute without its padding
	cur []byte // the current attribute, header and payload (nla_len bytes), or nil
	err error
}

// NewAttrScanner returns a scanner over the attributes in b.
func NewAttrScanner(b []byte) AttrScanner { return AttrScanner{b: b} }

// Reset makes s scan b from the start, forgetting any error.
func (s *AttrScanner) Reset(b []byte) { *s = AttrScanner{b: b} }

// Next advances to the next attribute and reports whether there is one.
func (s *AttrScanner) Next() bool {
	// ParseAttr's framing rules (FuzzAttrScanner checks that the two
	// agree), written out so that Next stays within the compiler's inlining
	// budget, and so that the walk's chain of dependent instructions, from
	// one attribute's offset to the next one's, is a load and two
	// additions: Next records only the offset and the attribute's bytes,
	// from which Type and Bytes read its header and payload. A malformed
	// attribute is not passed, so that another call fails the same way.
	if s.off >= uint(len(s.b)) {
		return false
	}
	h := s.b[s.off:]
	if len(h) < AttrHeaderLen {
		s.err = errAttrShort
		return false
	}
	l := uint(binary.NativeEndian.Uint16(h))
	if l < AttrHeaderLen {
		s.err = errAttrLenShort
		return false
	}
	if l > uint(len(h)) {
		s.err = errAttrLenOverrun
		return false
	}
	s.cur = h[:l:l]
	s.off += (l + 3) &^ 3 // align(l), inline: Next has no budget left for the call
	return true
}

// Err returns the first error met, or nil.
func (s *AttrScanner) Err() error { return s.err }

// Fail records err as the scanner's error, unless one is recorded already,
// and stops the scan. A nil err is ignored.
func (s *AttrScanner) Fail(err error) {
	if s.err == nil && err != nil {
		s.err = err
		s.b = nil
	}
}

// Type returns the current attribute's type, flags masked off.
func (s *AttrScanner) Type() uint16 {
	if len(s.cur) < AttrHeaderLen {
		return 0
	}
	return binary.NativeEndian.Uint16(s.cur[2:]) & attrTypeMask
}

// Attr returns the current attribute.
func (s *AttrScanner) Attr() Attr { return Attr{Type: s.Type(), Data: s.Bytes()} }

// Bytes returns the current attribute's payload. It aliases the input.
func (s *AttrScanner) Bytes() []byte {
	if len(s.cur) < AttrHeaderLen {
		return nil
	}
	return s.cur[AttrHeaderLen:]
}

// Uint8 returns the payload as a u8.
func (s *AttrScanner) Uint8() uint8 {
	if len(s.cur) != AttrHeaderLen+1 {
		s.Fail(errAttrU8Size)
		return 0
	}
	return s.cur[AttrHeaderLen]
}

// Uint16 returns the payload as a big-endian u16, as nf_tables sends it.
func (s *AttrScanner) Uint16() uint16 {
	if len(s.cur) != AttrHeaderLen+2 {
		s.Fail(errAttrU16Size)
		return 0
	}
	return binary.BigEndian.Uint16(s.cur[AttrHeaderLen:])
}

// Uint32 returns the payload as a big-endian u32, as nf_tables sends it.
func (s *AttrScanner) Uint32() uint32 {
	if len(s.cur) != AttrHeaderLen+4 {
		s.Fail(errAttrU32Size)
		return 0
	}
	return binary.BigEndian.Uint32(s.cur[AttrHeaderLen:])
}

// Int32 returns the payload as a big-endian signed 32-bit integer (verdict
// codes, chain priorities).
func (s *AttrScanner) Int32() int32 { return int32(s.Uint32()) }

// Uint64 returns the payload as a big-endian u64, as nf_tables sends it.
func (s *AttrScanner) Uint64() uint64 {
	if len(s.cur) != AttrHeaderLen+8 {
		s.Fail(errAttrU64Size)
		return 0
	}
	return binary.BigEndian.Uint64(s.cur[AttrHeaderLen:])
}

// StringBytes returns the payload of a NUL-terminated string attribute without
// its NUL (and without anything after it), as a view of the input. An empty
// payload or a missing NUL is an error. Convert with string(b) to keep it.
func (s *AttrScanner) StringBytes() []byte {
	b := s.Bytes()
	if len(b) == 0 {
		s.Fail(errAttrStrEmpty)
		return nil
	}
	if b[len(b)-1] != 0 {
		s.Fail(errAttrStrNoNUL)
		return nil
	}
	for i, c := range b {
		if c == 0 {
			return b[:i:i]
		}
	}
	return b // unreachable: the last byte is NUL
}

// Nested returns a scanner over the current attribute's payload. Fold its
// error back with s.Fail(n.Err()) when done.
func (s *AttrScanner) Nested() AttrScanner { return AttrScanner{b: s.Bytes()} }
