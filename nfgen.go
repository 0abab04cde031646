package nftmon

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// MsgType is an nftables message type (enum nf_tables_msg_types), the low
// byte of nlmsg_type.
type MsgType uint8

// The nftables message types, from linux/netfilter/nf_tables.h.
const (
	MsgNewTable         MsgType = 0  // NFT_MSG_NEWTABLE
	MsgGetTable         MsgType = 1  // NFT_MSG_GETTABLE
	MsgDelTable         MsgType = 2  // NFT_MSG_DELTABLE
	MsgNewChain         MsgType = 3  // NFT_MSG_NEWCHAIN
	MsgGetChain         MsgType = 4  // NFT_MSG_GETCHAIN
	MsgDelChain         MsgType = 5  // NFT_MSG_DELCHAIN
	MsgNewRule          MsgType = 6  // NFT_MSG_NEWRULE
	MsgGetRule          MsgType = 7  // NFT_MSG_GETRULE
	MsgDelRule          MsgType = 8  // NFT_MSG_DELRULE
	MsgNewSet           MsgType = 9  // NFT_MSG_NEWSET
	MsgGetSet           MsgType = 10 // NFT_MSG_GETSET
	MsgDelSet           MsgType = 11 // NFT_MSG_DELSET
	MsgNewSetElem       MsgType = 12 // NFT_MSG_NEWSETELEM
	MsgGetSetElem       MsgType = 13 // NFT_MSG_GETSETELEM
	MsgDelSetElem       MsgType = 14 // NFT_MSG_DELSETELEM
	MsgNewGen           MsgType = 15 // NFT_MSG_NEWGEN
	MsgGetGen           MsgType = 16 // NFT_MSG_GETGEN
	MsgTrace            MsgType = 17 // NFT_MSG_TRACE
	MsgNewObj           MsgType = 18 // NFT_MSG_NEWOBJ
	MsgGetObj           MsgType = 19 // NFT_MSG_GETOBJ
	MsgDelObj           MsgType = 20 // NFT_MSG_DELOBJ
	MsgGetObjReset      MsgType = 21 // NFT_MSG_GETOBJ_RESET
	MsgNewFlowtable     MsgType = 22 // NFT_MSG_NEWFLOWTABLE
	MsgGetFlowtable     MsgType = 23 // NFT_MSG_GETFLOWTABLE
	MsgDelFlowtable     MsgType = 24 // NFT_MSG_DELFLOWTABLE
	MsgGetRuleReset     MsgType = 25 // NFT_MSG_GETRULE_RESET
	MsgDestroyTable     MsgType = 26 // NFT_MSG_DESTROYTABLE
	MsgDestroyChain     MsgType = 27 // NFT_MSG_DESTROYCHAIN
	MsgDestroyRule      MsgType = 28 // NFT_MSG_DESTROYRULE
	MsgDestroySet       MsgType = 29 // NFT_MSG_DESTROYSET
	MsgDestroySetElem   MsgType = 30 // NFT_MSG_DESTROYSETELEM
	MsgDestroyObj       MsgType = 31 // NFT_MSG_DESTROYOBJ
	MsgDestroyFlowtable MsgType = 32 // NFT_MSG_DESTROYFLOWTABLE
	MsgGetSetElemReset  MsgType = 33 // NFT_MSG_GETSETELEM_RESET
	msgMax              MsgType = 34 // NFT_MSG_MAX
)

var msgNames = [msgMax]string{
	"NEWTABLE", "GETTABLE", "DELTABLE", "NEWCHAIN", "GETCHAIN", "DELCHAIN",
	"NEWRULE", "GETRULE", "DELRULE", "NEWSET", "GETSET", "DELSET",
	"NEWSETELEM", "GETSETELEM", "DELSETELEM", "NEWGEN", "GETGEN", "TRACE",
	"NEWOBJ", "GETOBJ", "DELOBJ", "GETOBJ_RESET", "NEWFLOWTABLE", "GETFLOWTABLE",
	"DELFLOWTABLE", "GETRULE_RESET", "DESTROYTABLE", "DESTROYCHAIN", "DESTROYRULE",
	"DESTROYSET", "DESTROYSETELEM", "DESTROYOBJ", "DESTROYFLOWTABLE", "GETSETELEM_RESET",
}

// String returns the kernel's name without its NFT_MSG_ prefix ("NEWRULE"),
// or "MSG(n)" for a type this package does not know.
func (t MsgType) String() string {
	if t < msgMax {
		return msgNames[t]
	}
	return "MSG(" + itoa(uint64(t)) + ")"
}

// Object is the kind of ruleset object a message type is about.
type Object uint8

// The kinds of ruleset object.
const (
	ObjectNone      Object = iota // not about an object (GETGEN, TRACE, unknown types)
	ObjectTable                   // tables
	ObjectChain                   // chains
	ObjectRule                    // rules
	ObjectSet                     // sets and maps
	ObjectSetElem                 // set elements
	ObjectGen                     // generations (NEWGEN)
	ObjectObj                     // stateful objects
	ObjectFlowtable               // flowtables
)

var objectNames = [...]string{"none", "table", "chain", "rule", "set", "element", "gen", "object", "flowtable"}

// String returns the object kind's name as nft monitor spells its filters
// ("table", "chain", "rule", "set", "element", "object", "flowtable").
func (o Object) String() string {
	if int(o) < len(objectNames) {
		return objectNames[o]
	}
	return "object(" + itoa(uint64(o)) + ")"
}

// Op says whether a message type creates or updates an object, deletes it, or
// asks for it.
type Op uint8

// The operations a message type can denote.
const (
	OpOther  Op = iota // requests and unknown types
	OpNew              // NEW*: created or updated
	OpDelete           // DEL* and DESTROY*: deleted
)

type msgClass struct {
	obj Object
	op  Op
}

var msgClasses = [msgMax]msgClass{
	MsgNewTable: {ObjectTable, OpNew}, MsgDelTable: {ObjectTable, OpDelete}, MsgDestroyTable: {ObjectTable, OpDelete},
	MsgGetTable: {ObjectTable, OpOther},
	MsgNewChain: {ObjectChain, OpNew}, MsgDelChain: {ObjectChain, OpDelete}, MsgDestroyChain: {ObjectChain, OpDelete},
	MsgGetChain: {ObjectChain, OpOther},
	MsgNewRule:  {ObjectRule, OpNew}, MsgDelRule: {ObjectRule, OpDelete}, MsgDestroyRule: {ObjectRule, OpDelete},
	MsgGetRule: {ObjectRule, OpOther}, MsgGetRuleReset: {ObjectRule, OpOther},
	MsgNewSet: {ObjectSet, OpNew}, MsgDelSet: {ObjectSet, OpDelete}, MsgDestroySet: {ObjectSet, OpDelete},
	MsgGetSet:     {ObjectSet, OpOther},
	MsgNewSetElem: {ObjectSetElem, OpNew}, MsgDelSetElem: {ObjectSetElem, OpDelete}, MsgDestroySetElem: {ObjectSetElem, OpDelete},
	MsgGetSetElem: {ObjectSetElem, OpOther}, MsgGetSetElemReset: {ObjectSetElem, OpOther},
	MsgNewGen: {ObjectGen, OpNew}, MsgGetGen: {ObjectGen, OpOther},
	MsgNewObj: {ObjectObj, OpNew}, MsgDelObj: {ObjectObj, OpDelete}, MsgDestroyObj: {ObjectObj, OpDelete},
	MsgGetObj: {ObjectObj, OpOther}, MsgGetObjReset: {ObjectObj, OpOther},
	MsgNewFlowtable: {ObjectFlowtable, OpNew}, MsgDelFlowtable: {ObjectFlowtable, OpDelete}, MsgDestroyFlowtable: {ObjectFlowtable, OpDelete},
	MsgGetFlowtable: {ObjectFlowtable, OpOther},
}

// Object returns the kind of object the message type is about.
func (t MsgType) Object() Object {
	if t < msgMax {
		return msgClasses[t].obj
	}
	return ObjectNone
}

// Op returns whether the type creates, deletes or asks. DESTROY* types count
// as deletes: the kernel notifies them as DEL*, but a decoder should not care.
func (t MsgType) Op() Op {
	if t < msgMax {
		return msgClasses[t].op
	}
	return OpOther
}

// Family is a netfilter protocol family (NFPROTO_*), nfgenmsg.nfgen_family.
type Family uint8

// The families nftables uses, from linux/netfilter.h.
const (
	FamilyUnspec Family = unix.NFPROTO_UNSPEC // NFPROTO_UNSPEC: NEWGEN, and "all" in requests
	FamilyINet   Family = unix.NFPROTO_INET   // NFPROTO_INET
	FamilyIPv4   Family = unix.NFPROTO_IPV4   // NFPROTO_IPV4
	FamilyARP    Family = unix.NFPROTO_ARP    // NFPROTO_ARP
	FamilyNetdev Family = unix.NFPROTO_NETDEV // NFPROTO_NETDEV
	FamilyBridge Family = unix.NFPROTO_BRIDGE // NFPROTO_BRIDGE
	FamilyIPv6   Family = unix.NFPROTO_IPV6   // NFPROTO_IPV6
)

// String returns the family as nft spells it: "ip", "ip6", "inet", "arp",
// "bridge", "netdev", "unspec", or "family(n)".
func (f Family) String() string {
	switch f {
	case FamilyUnspec:
		return "unspec"
	case FamilyINet:
		return "inet"
	case FamilyIPv4:
		return "ip"
	case FamilyARP:
		return "arp"
	case FamilyNetdev:
		return "netdev"
	case FamilyBridge:
		return "bridge"
	case FamilyIPv6:
		return "ip6"
	}
	return "family(" + itoa(uint64(f)) + ")"
}

// NFGenMsg is struct nfgenmsg, the 4-byte header of every nftables payload.
type NFGenMsg struct {
	Family  Family // nfgen_family
	Version uint8  // version: NFNETLINK_V0
	ResID   uint16 // res_id, host order: the low 16 bits of the generation
}

// ParseNFGen splits an nfnetlink payload into its nfgenmsg header and the
// attributes after it.
func ParseNFGen(payload []byte) (NFGenMsg, []byte, error) {
	if len(payload) < NFGenLen {
		return NFGenMsg{}, nil, errNFGenShort
	}
	return NFGenMsg{
		Family:  Family(payload[0]),
		Version: payload[1],
		ResID:   binary.BigEndian.Uint16(payload[2:]),
	}, payload[NFGenLen:], nil
}

// Gen is a decoded NFT_MSG_NEWGEN: the generation a transaction committed,
// and the process that committed it. In the reply to a GETGEN request the
// process fields name the process that asked, not the last committer.
type Gen struct {
	ID       uint32 // NFTA_GEN_ID: the full 32-bit generation
	ProcPID  uint32 // NFTA_GEN_PROC_PID: task_pid_nr(current), the id of the thread (not always the process) in the initial pid namespace
	ProcName []byte // NFTA_GEN_PROC_NAME, a view of the input
}

// Decode decodes the attributes of a NEWGEN message, replacing all of g.
// Unknown attributes are skipped.
func (g *Gen) Decode(attrs []byte) error {
	*g = Gen{}
	s := NewAttrScanner(attrs)
	for s.Next() {
		switch s.Type() {
		case unix.NFTA_GEN_ID:
			g.ID = s.Uint32()
		case unix.NFTA_GEN_PROC_PID:
			g.ProcPID = s.Uint32()
		case unix.NFTA_GEN_PROC_NAME:
			g.ProcName = s.StringBytes()
		}
	}
	return s.Err()
}

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

// WidenGen returns the full 32-bit generation whose low 16 bits are resID
// and which lies nearest to near (within 32,767 either way, wrap-around
// included). Every nftables message carries only those low 16 bits in its
// res_id; the full generation comes from a NEWGEN or GETGEN. The result is
// exact while fewer than 32,768 commits separate the two. The kernel never
// uses generation 0; a result of 0 is moved to the nearest generation with
// the same low bits in the direction of near's successors.
func WidenGen(resID uint16, near uint32) uint32 {
	g := near + uint32(int32(int16(resID-uint16(near))))
	if g == 0 {
		g = 1 << 16
	}
	return g
}

// GenAfter reports whether generation a comes after generation b, in
// serial-number arithmetic (RFC 1982): the kernel's u32 generation wraps.
func GenAfter(a, b uint32) bool { return int32(a-b) > 0 }

// itoa formats u in decimal; used by String methods of unknown values.
func itoa(u uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	return string(b[i:])
}
