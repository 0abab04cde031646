package msgs

import (
	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// Trace attribute ids that golang.org/x/sys/unix (v0.35.0) lacks, from
// linux/netfilter/nf_tables.h; Linux 6.18 sends them for a packet that has
// a conntrack entry.
const (
	AttrTraceCtID        = 18 // NFTA_TRACE_CT_ID
	AttrTraceCtDirection = 19 // NFTA_TRACE_CT_DIRECTION
	AttrTraceCtStatus    = 20 // NFTA_TRACE_CT_STATUS
	AttrTraceCtState     = 21 // NFTA_TRACE_CT_STATE
)

// TraceType is what a trace event reports (NFTA_TRACE_TYPE, enum
// nft_trace_types).
type TraceType uint32

// The trace event types.
const (
	TraceUnspec TraceType = unix.NFT_TRACETYPE_UNSPEC // NFT_TRACETYPE_UNSPEC
	TracePolicy TraceType = unix.NFT_TRACETYPE_POLICY // NFT_TRACETYPE_POLICY: the base chain's policy decided (Trace.Policy)
	TraceReturn TraceType = unix.NFT_TRACETYPE_RETURN // NFT_TRACETYPE_RETURN: a chain returned
	TraceRule   TraceType = unix.NFT_TRACETYPE_RULE   // NFT_TRACETYPE_RULE: a rule gave a verdict (Trace.RuleHandle, Trace.Verdict); without a handle, the chain's end was reached
)

var traceTypeNames = []string{"unspec", "policy", "return", "rule"}

// String returns "unspec", "policy", "return" or "rule", or "unknown".
func (t TraceType) String() string { return txName(traceTypeNames, uint32(t)) }

// CtStateBits is a packet's conntrack state as "ct state" matches it and a
// trace reports it (NFTA_TRACE_CT_STATE): NF_CT_STATE_BIT of the packet's
// ctinfo, NF_CT_STATE_INVALID_BIT or NF_CT_STATE_UNTRACKED_BIT.
type CtStateBits uint32

// The conntrack states, as nft's "ct state" names them.
const (
	CtStateInvalid     CtStateBits = 1 << 0 // NF_CT_STATE_INVALID_BIT
	CtStateEstablished CtStateBits = 1 << 1 // NF_CT_STATE_BIT(IP_CT_ESTABLISHED)
	CtStateRelated     CtStateBits = 1 << 2 // NF_CT_STATE_BIT(IP_CT_RELATED)
	CtStateNew         CtStateBits = 1 << 3 // NF_CT_STATE_BIT(IP_CT_NEW)
	CtStateUntracked   CtStateBits = 1 << 6 // NF_CT_STATE_UNTRACKED_BIT
)

var ctStateNames = [...]string{"invalid", "established", "related", "new", "", "", "untracked"}

// String returns the states joined by commas as nft spells them ("new",
// "established", ...), with any unknown bits in hex.
func (s CtStateBits) String() string { return flagString(uint32(s), ctStateNames[:]) }

// Trace is a view of a packet trace event (NFT_MSG_TRACE, sent to group
// NFNLGRP_NFTRACE for packets marked with "meta nftrace set 1"): one step
// of one packet through the ruleset. The events of one packet share ID; the
// first event of each hook the packet passes carries the packet (its
// devices, headers and conntrack state), later ones only the step. The
// family of Table is the message's nfgenmsg family.
//
// A rule event (TraceRule) names the rule by RuleHandle, with the verdict
// it gave (VerdictContinue when it did not decide); a policy event
// (TracePolicy) the chain's Policy. Check Present for the rest: the kernel
// sends an attribute only when it applies (OIF at output, Mark when not 0,
// the conntrack attributes when the packet is tracked).
type Trace struct {
	ID              uint32        // NFTA_TRACE_ID: the same for every event of one packet
	Type            TraceType     // NFTA_TRACE_TYPE
	Table           []byte        // NFTA_TRACE_TABLE
	Chain           []byte        // NFTA_TRACE_CHAIN
	RuleHandle      uint64        // NFTA_TRACE_RULE_HANDLE
	Verdict         Verdict       // NFTA_TRACE_VERDICT: the verdict, and the chain of a jump or goto
	NFProto         nftmon.Family // NFTA_TRACE_NFPROTO: the packet's protocol family (FamilyIPv4 for IPv4 in an inet chain)
	Policy          ChainPolicy   // NFTA_TRACE_POLICY
	Mark            uint32        // NFTA_TRACE_MARK: the packet mark
	IIF             uint32        // NFTA_TRACE_IIF: the input interface's index
	IIFType         uint16        // NFTA_TRACE_IIFTYPE: its type, ARPHRD_* (unix.ARPHRD_LOOPBACK for lo)
	OIF             uint32        // NFTA_TRACE_OIF: the output interface's index
	OIFType         uint16        // NFTA_TRACE_OIFTYPE: its type, ARPHRD_*
	LLHeader        []byte        // NFTA_TRACE_LL_HEADER: the link layer header's bytes
	NetworkHeader   []byte        // NFTA_TRACE_NETWORK_HEADER: the network header and what follows, up to the transport header
	TransportHeader []byte        // NFTA_TRACE_TRANSPORT_HEADER: the transport header and the first payload bytes
	CtID            uint32        // NFTA_TRACE_CT_ID: the conntrack entry's id
	CtDirection     CtDir         // NFTA_TRACE_CT_DIRECTION
	CtStatus        uint32        // NFTA_TRACE_CT_STATUS: the entry's IPS_* status bits (sent when not 0)
	CtState         CtStateBits   // NFTA_TRACE_CT_STATE
	Present         AttrSet       // the attribute types the message carried
}

// Decode decodes a trace message's attributes, replacing all of tr. Byte
// slices in tr alias attrs. NFTA_TRACE_ID and NFTA_TRACE_TYPE, which the
// kernel always sends, are required. On error tr is left zero.
func (tr *Trace) Decode(attrs []byte) error {
	if err := tr.decode(attrs); err != nil {
		*tr = Trace{}
		return err
	}
	return nil
}

func (tr *Trace) decode(attrs []byte) error {
	*tr = Trace{}
	s := nftmon.NewAttrScanner(attrs)
	for s.Next() {
		typ := s.Type()
		tr.Present.add(typ)
		switch typ {
		case unix.NFTA_TRACE_ID:
			tr.ID = s.Uint32()
		case unix.NFTA_TRACE_TYPE:
			tr.Type = TraceType(s.Uint32())
		case unix.NFTA_TRACE_TABLE:
			tr.Table = s.StringBytes()
		case unix.NFTA_TRACE_CHAIN:
			tr.Chain = s.StringBytes()
		case unix.NFTA_TRACE_RULE_HANDLE:
			tr.RuleHandle = s.Uint64()
		case unix.NFTA_TRACE_VERDICT:
			s.Fail(tr.Verdict.Decode(s.Bytes()))
		case unix.NFTA_TRACE_NFPROTO:
			tr.NFProto = nftmon.Family(s.Uint32())
		case unix.NFTA_TRACE_POLICY:
			tr.Policy = ChainPolicy(s.Uint32())
		case unix.NFTA_TRACE_MARK:
			tr.Mark = s.Uint32()
		case unix.NFTA_TRACE_IIF:
			tr.IIF = s.Uint32()
		case unix.NFTA_TRACE_IIFTYPE:
			tr.IIFType = s.Uint16()
		case unix.NFTA_TRACE_OIF:
			tr.OIF = s.Uint32()
		case unix.NFTA_TRACE_OIFTYPE:
			tr.OIFType = s.Uint16()
		case unix.NFTA_TRACE_LL_HEADER:
			tr.LLHeader = s.Bytes()
		case unix.NFTA_TRACE_NETWORK_HEADER:
			tr.NetworkHeader = s.Bytes()
		case unix.NFTA_TRACE_TRANSPORT_HEADER:
			tr.TransportHeader = s.Bytes()
		case AttrTraceCtID:
			tr.CtID = s.Uint32()
		case AttrTraceCtDirection:
			tr.CtDirection = CtDir(s.Uint8())
		case AttrTraceCtStatus:
			tr.CtStatus = s.Uint32()
		case AttrTraceCtState:
			tr.CtState = CtStateBits(s.Uint32())
		}
	}
	if err := s.Err(); err != nil {
		return err
	}
	switch {
	case !tr.Present.Has(unix.NFTA_TRACE_ID):
		return errTraceNoID
	case !tr.Present.Has(unix.NFTA_TRACE_TYPE):
		return errTraceNoType
	}
	return nil
}
