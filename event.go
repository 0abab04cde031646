package nftmon

import (
	"bytes"
	"strconv"
)

// EventKind says what an Event stands for.
type EventKind uint8

// The kinds of event a Monitor delivers.
const (
	// EventChange is a change to the ruleset (a table, chain, rule, set,
	// element, object or flowtable created, updated or deleted) from a
	// committed transaction. Unless Streamed is set it was held until its
	// transaction's NEWGEN arrived, and carries that commit's full
	// generation and the process that committed it.
	EventChange EventKind = iota + 1
	// EventCommit ends a transaction: it is the NEWGEN notification,
	// delivered after the transaction's changes. Gen, ProcPID and
	// ProcName name the commit; Attrs are the NEWGEN's attributes.
	EventCommit
	// EventOutside is a notification that belongs to no transaction, such
	// as a NEWOBJ the kernel sends from the packet path when a quota runs
	// out. Gen is the generation current when it was sent (widened from
	// its res_id); ProcPID and ProcName are unset.
	EventOutside
	// EventLoss says the kernel dropped notifications (receive buffer
	// overflow, ENOBUFS) or a datagram did not fit the buffer. Any
	// transaction that was in flight was discarded, not delivered; the
	// events after it are intact, but what was lost is unknown: resync
	// from a snapshot. Err says which loss it was.
	EventLoss
	// EventSnapshotBegin opens a snapshot of the whole ruleset at
	// generation Gen; EventSnapshot events follow, then EventSnapshotEnd.
	// Type is MsgNewGen for both markers, Family FamilyUnspec.
	EventSnapshotBegin
	// EventSnapshot is one object of a snapshot (Type is a NEW* type; a
	// set-element event may carry many elements, as dumps pack them).
	EventSnapshot
	// EventSnapshotEnd closes a snapshot; the events after it are changes
	// committed after generation Gen.
	EventSnapshotEnd
	// EventMalformed reports bytes of a datagram that could not be parsed,
	// so that nothing is skipped silently: Err says what was wrong (it
	// matches ErrMalformed), Raw holds the bytes. When the netlink framing
	// itself lies, Raw is the rest of the datagram, which cannot be split
	// into messages, and Header is zero; otherwise Raw is the one message
	// and Header its header. A malformed NEWGEN still ends its
	// transaction: its changes follow, delivered as Streamed (unstamped).
	// Type is MsgNone; NSID and HasNSID say where it came from.
	EventMalformed
	// EventTrace is a packet trace (NFT_MSG_TRACE), with Config.Traces:
	// one step of a packet marked with "meta nftrace set 1" through the
	// ruleset, decoded by msgs.Trace. It belongs to no transaction: it is
	// delivered as soon as it is read, and Gen, ProcPID and ProcName are
	// unset. NSID and HasNSID say where the packet was.
	EventTrace
)

var eventKindNames = [...]string{"", "change", "commit", "outside", "loss", "snapshot-begin", "snapshot", "snapshot-end", "malformed", "trace"}

// String returns the kind's name ("change", "commit", "outside", "loss",
// "snapshot-begin", "snapshot", "snapshot-end", "malformed", "trace").
func (k EventKind) String() string {
	if int(k) < len(eventKindNames) && k != 0 {
		return eventKindNames[k]
	}
	return "kind(" + strconv.FormatUint(uint64(k), 10) + ")"
}

// Event is one notification, decoded as far as the monitor needs, and
// stamped with its transaction's provenance.
//
// An Event, and every byte slice reachable from it, points into the
// monitor's receive buffer and is valid only until the callback returns.
// Copy what you keep: Clone copies the whole event, string(e.ProcName) one
// field. Typed views of the attributes (tables, rules, ...) are in package
// msgs, decoded only when asked for: msgs.Rule.Decode(e.Attrs).
type Event struct {
	Kind   EventKind
	Type   MsgType // the nftables message type; MsgNewGen for commits, MsgTrace for traces, MsgNone for losses and malformed input
	Family Family  // nfgenmsg.nfgen_family; FamilyUnspec for commits

	// Gen is the full 32-bit generation: the committing transaction's for
	// changes and commits (widened from res_id when Streamed), the
	// snapshot's for snapshot events.
	Gen uint32
	// ProcPID and ProcName name the process that committed the
	// transaction (NFTA_GEN_PROC_PID, NFTA_GEN_PROC_NAME). They are unset
	// when Streamed, and for outside, loss and snapshot events.
	ProcPID  uint32
	ProcName []byte

	// NSID is the nsid of the network namespace the notification came
	// from, when HasNSID (only with Config.AllNetNS, and never for the
	// monitor's own namespace).
	NSID    int32
	HasNSID bool

	// Streamed is set on a change delivered as soon as it was read, before
	// its transaction committed (Config.Stream, or a transaction larger
	// than Config.MaxTransactionBytes): its process is known only at the
	// commit event.
	Streamed bool

	// Header is the notification's netlink header: Flags echo the
	// request's NLM_F_CREATE, NLM_F_EXCL, NLM_F_APPEND...; Seq is the
	// request's sequence number (0 for set elements); PortID is the
	// netlink port of the socket that made the change.
	Header Header
	// ResID is nfgenmsg.res_id: the low 16 bits of the generation.
	ResID uint16
	// Attrs are the message's attributes, after the nfgenmsg header.
	Attrs []byte

	// Raw holds the bytes that could not be parsed, for EventMalformed.
	Raw []byte

	// Err says what was lost, for EventLoss (an error matching ErrOverflow
	// or ErrTruncated), or what was wrong, for EventMalformed (matching
	// ErrMalformed).
	Err error
}

// Clone returns a copy of e that shares no memory with the monitor's
// buffer, to keep after the callback returns.
func (e *Event) Clone() *Event {
	c := *e
	c.ProcName = bytes.Clone(e.ProcName)
	c.Attrs = bytes.Clone(e.Attrs)
	c.Raw = bytes.Clone(e.Raw)
	return &c
}
