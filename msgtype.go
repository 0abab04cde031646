package nftmon

import "strconv"

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

	// MsgNone is not a kernel message type (the kernel's end at msgMax,
	// NFT_MSG_MAX): it is the Type of the events that carry no message,
	// EventLoss and EventMalformed. MsgType's zero value is MsgNewTable, a
	// real type, so test Event.Kind before Event.Type.
	MsgNone MsgType = 0xff
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
// "NONE" for MsgNone, or "MSG(n)" for a type this package does not know.
func (t MsgType) String() string {
	if t < msgMax {
		return msgNames[t]
	}
	if t == MsgNone {
		return "NONE"
	}
	return "MSG(" + strconv.FormatUint(uint64(t), 10) + ")"
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
	return "object(" + strconv.FormatUint(uint64(o), 10) + ")"
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
