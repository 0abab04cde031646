package nftext

import (
	"encoding/binary"
	"strconv"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// TraceRules gives the text of the rules that trace lines name: the
// rule's line as `nft monitor` prints it after `add rule FAMILY TABLE
// CHAIN `, appended to dst, and whether the rule is known. RuleCache is
// one; nsid is NSID's.
type TraceRules interface {
	AppendRule(dst []byte, nsid int32, family nftmon.Family, table, chain []byte, handle uint64) ([]byte, bool)
}

// LinkNames gives the name of a network interface by its index, in the
// namespace of nsid, appended to dst, and whether it has one: nft prints
// `iif "lo"` where it knows the name, the index otherwise.
type LinkNames interface {
	AppendLinkName(dst []byte, nsid int32, index uint32) ([]byte, bool)
}

// TraceContext is what AppendTrace knows beyond the trace: the rules,
// and the interfaces' names. Either may be nil: a rule then prints as
// `unknown rule handle N`, an interface as its index. Links names the
// interfaces of the packet lines; the rules' own (`iif "lo" accept`) are
// named by the TraceRules (RuleCache.Links).
type TraceContext struct {
	Rules TraceRules
	Links LinkNames
}

// AppendTrace appends the lines `nft monitor trace` prints for one trace
// event (msgs.Trace decoded from an nftmon.EventTrace), each ended by a
// newline: for the first event of a hook a `packet:` line with the
// devices and the headers as nft decodes them, then for a rule the rule's
// text and its verdict, for a policy the policy (and the packet mark), for
// a return its verdict. An event that says nothing nft prints (a rule
// event without a handle: the end of a chain) appends nothing. family is
// the event's (the table's) family, nsid NSID's. It allocates nothing.
func AppendTrace(dst []byte, nsid int32, family nftmon.Family, tr *msgs.Trace, ctx *TraceContext) []byte {
	var c TraceContext
	if ctx != nil {
		c = *ctx
	}
	if tr.Present.Has(unix.NFTA_TRACE_LL_HEADER) || tr.Present.Has(unix.NFTA_TRACE_NETWORK_HEADER) {
		dst = appendTracePacket(dst, nsid, family, tr, &c)
	}
	switch tr.Type {
	case msgs.TraceRule:
		if !tr.Present.Has(unix.NFTA_TRACE_RULE_HANDLE) {
			break
		}
		dst = appendTraceHdr(dst, family, tr)
		var ok bool
		if c.Rules != nil {
			n := len(dst)
			if dst, ok = c.Rules.AppendRule(append(dst, "rule "...), nsid, family, tr.Table, tr.Chain, tr.RuleHandle); !ok {
				dst = dst[:n]
			}
		}
		if !ok {
			dst = strconv.AppendUint(append(dst, "unknown rule handle "...), tr.RuleHandle, 10)
		}
		dst = append(AppendVerdict(append(dst, " (verdict "...), &tr.Verdict), ")\n"...)
	case msgs.TracePolicy:
		dst = appendTraceHdr(dst, family, tr)
		if tr.Present.Has(unix.NFTA_TRACE_POLICY) {
			dst = append(AppendVerdictCode(append(dst, "policy "...), int32(tr.Policy)), ' ')
		}
		dst = append(appendTraceMark(dst, tr), '\n')
	case msgs.TraceReturn:
		dst = appendTraceHdr(dst, family, tr)
		if tr.Present.Has(unix.NFTA_TRACE_VERDICT) {
			dst = append(AppendVerdict(append(dst, "verdict "...), &tr.Verdict), ' ')
		}
		dst = append(appendTraceMark(dst, tr), '\n')
	}
	return dst
}

// appendTraceHdr appends the start of every line: `trace id %08x FAMILY
// TABLE CHAIN ` (trace_print_hdr).
func appendTraceHdr(dst []byte, family nftmon.Family, tr *msgs.Trace) []byte {
	dst = append(dst, "trace id "...)
	var id [4]byte
	binary.BigEndian.PutUint32(id[:], tr.ID)
	for _, b := range id {
		dst = append(dst, hexDigits[b>>4], hexDigits[b&0xf])
	}
	dst = append(append(append(dst, ' '), family.String()...), ' ')
	if tr.Present.Has(unix.NFTA_TRACE_TABLE) {
		dst = append(append(dst, tr.Table...), ' ')
	}
	if tr.Present.Has(unix.NFTA_TRACE_CHAIN) {
		dst = append(append(dst, tr.Chain...), ' ')
	}
	return dst
}

// appendTraceMark appends `meta mark 0x0000002a ` when the trace carries
// the packet's mark.
func appendTraceMark(dst []byte, tr *msgs.Trace) []byte {
	if !tr.Present.Has(unix.NFTA_TRACE_MARK) {
		return dst
	}
	var v [4]byte
	binary.NativeEndian.PutUint32(v[:], tr.Mark)
	return append(AppendValue(append(dst, "meta mark "...), TypeMark, HostEndian, v[:]), ' ')
}

// appendTraceLink appends `iif "lo" ` or `oif 3 `.
func appendTraceLink(dst []byte, key string, nsid int32, index uint32, c *TraceContext) []byte {
	dst = append(append(dst, key...), ' ')
	return append(ifNames{c.Links, nsid}.appendIndex(dst, index), ' ')
}
