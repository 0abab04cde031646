package msgs

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/big"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// loIndex is lo's interface index, 1 in every network namespace.
const loIndex = 1

// ipsSeenReply is IPS_SEEN_REPLY of enum ip_conntrack_status
// (linux/netfilter/nf_conntrack_common.h), which x/sys/unix lacks.
const ipsSeenReply = 1 << 1

// TestTrace checks every field of every captured trace event against what
// nft monitor trace printed for the same capture (testdata/trace.monitor),
// the rule handles against nft -a list ruleset (testdata/trace.ruleset),
// and what nft does not print against the kernel's own semantics.
func TestTrace(t *testing.T) {
	checkTraces(t, readCapture(t, "testdata/trace.pcap"), readFile(t, "testdata/trace.monitor"), readFile(t, "testdata/trace.ruleset"))
}

// TestKernelTrace does the same on a fresh capture, live; with
// -capture-trace it saves the capture as testdata/trace.*.
func TestKernelTrace(t *testing.T) {
	c := runTraceCapture(t)
	if *captureTrace {
		writeTraceCapture(t, c)
	}
	datagrams, err := pcapDatagrams(bytes.NewReader(c.pcap))
	if err != nil {
		t.Fatal(err)
	}
	checkTraces(t, capMsgs(t, datagrams), string(c.monitor), string(c.ruleset))
}

func readFile(t *testing.T, name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// counters matches a counter statement's values, which differ between the
// listing and the moment nft monitor read its ruleset.
var counters = regexp.MustCompile(`counter packets [0-9]+ bytes [0-9]+`)

// ruleHandles maps "chain\x00rule text" (counters without values) to the
// handle in nft -a list ruleset output.
func ruleHandles(ruleset string) map[string]uint64 {
	out := map[string]uint64{}
	chain := ""
	for _, line := range strings.Split(ruleset, "\n") {
		line = strings.TrimSpace(line)
		if c, ok := strings.CutPrefix(line, "chain "); ok {
			chain, _, _ = strings.Cut(c, " ")
			continue
		}
		text, h, ok := strings.Cut(line, " # handle ")
		if !ok || strings.HasPrefix(text, "table ") {
			continue
		}
		n, err := strconv.ParseUint(h, 10, 64)
		if err == nil {
			out[chain+"\x00"+counters.ReplaceAllString(text, "counter")] = n
		}
	}
	return out
}

// checkTraces walks the trace events and nft's lines side by side: nft
// prints, for each event, a packet line when it carries headers, then a
// rule line for a rule event with a handle, a policy line for a policy
// event.
func checkTraces(t *testing.T, msgs []capMsg, monitor, ruleset string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(monitor, "\n"), "\n")
	handles := ruleHandles(ruleset)
	next := func(what string) string {
		t.Helper()
		if len(lines) == 0 {
			t.Fatalf("nft printed no line for %s", what)
		}
		l := lines[0]
		lines = lines[1:]
		return l
	}
	type ctKey struct {
		proto nftmon.Family
		seq   string // the ICMP id and sequence
	}
	requests := map[ctKey]uint32{} // conntrack ids of echo requests
	var seen AttrSet
	kinds := map[TraceType]int{}
	for i, m := range msgs {
		if m.Header.MsgType() != nftmon.MsgTrace {
			t.Fatalf("message %d is %s, not a trace", i, m.Header.MsgType())
		}
		var v Trace
		if err := v.Decode(m.Attrs); err != nil {
			t.Fatalf("trace %d: %v", i, err)
		}
		seen |= v.Present
		kinds[v.Type]++
		hdr := fmt.Sprintf("trace id %08x %s %s %s ", v.ID, m.NF.Family, v.Table, v.Chain)
		what := fmt.Sprintf("trace %d (%s)", i, hdr)
		if v.LLHeader != nil || v.NetworkHeader != nil {
			l := next(what)
			pkt, ok := strings.CutPrefix(l, hdr+"packet: ")
			if !ok {
				t.Fatalf("%s: nft printed %q, want a packet line", what, l)
			}
			fields := checkPacket(t, what, &v, pkt)
			if v.Present.Has(AttrTraceCtState) {
				checkCt(t, what, &v, fields, requests, func(seq string) ctKey { return ctKey{v.NFProto, seq} })
			}
		}
		switch {
		case v.Type == TraceRule && v.Present.Has(unix.NFTA_TRACE_RULE_HANDLE):
			l := next(what)
			body, ok := strings.CutPrefix(l, hdr+"rule ")
			if !ok {
				t.Fatalf("%s: nft printed %q, want a rule line", what, l)
			}
			text, verdict, ok := strings.Cut(body, " (verdict ")
			if !ok {
				t.Fatalf("%s: no verdict in %q", what, l)
			}
			if h, ok := handles[string(v.Chain)+"\x00"+counters.ReplaceAllString(text, "counter")]; !ok || h != v.RuleHandle {
				t.Errorf("%s: rule handle %d, nft -a says %d for %q", what, v.RuleHandle, h, text)
			}
			want := v.Verdict.Code.String()
			if v.Verdict.Chain != nil {
				want += " " + string(v.Verdict.Chain)
			}
			if verdict != want+")" {
				t.Errorf("%s: verdict %q, nft printed %q", what, want, verdict)
			}
			if _, set, ok := strings.Cut(text, "meta mark set "); ok {
				want, _ := strconv.ParseUint(strings.Fields(set)[0], 0, 32)
				if !v.Present.Has(unix.NFTA_TRACE_MARK) || uint64(v.Mark) != want {
					t.Errorf("%s: mark %#x after %q", what, v.Mark, text)
				}
			}
		case v.Type == TracePolicy:
			l := next(what)
			want := hdr + "policy " + v.Policy.String() + " "
			if v.Present.Has(unix.NFTA_TRACE_MARK) {
				want += fmt.Sprintf("meta mark 0x%08x ", v.Mark)
			}
			if l != want {
				t.Errorf("%s: nft printed\n%q, the view says\n%q", what, l, want)
			}
		case v.Type == TraceRule:
			// The end of a chain's rules: nft prints nothing; the kernel
			// says "continue".
			if v.Verdict.Code != VerdictContinue {
				t.Errorf("%s: a rule event without a handle has verdict %s", what, v.Verdict.Code)
			}
		default:
			t.Errorf("%s: type %s", what, v.Type)
		}
	}
	if len(lines) != 0 {
		t.Errorf("nft printed %d lines no trace event explains, first %q", len(lines), lines[0])
	}
	// The capture must have exercised every field.
	for typ := uint16(unix.NFTA_TRACE_TABLE); typ <= AttrTraceCtState; typ++ {
		if typ != unix.NFTA_TRACE_PAD && !seen.Has(typ) {
			t.Errorf("no trace event carried attribute %d", typ)
		}
	}
	if kinds[TraceRule] == 0 || kinds[TracePolicy] == 0 {
		t.Errorf("event types %v", kinds)
	}
	if len(requests) == 0 {
		t.Error("no echo request with conntrack state")
	}
}

// checkPacket compares nft's packet line with the view, field by field,
// and returns nft's fields ("ip saddr" -> "127.0.0.1").
func checkPacket(t *testing.T, what string, v *Trace, line string) map[string]string {
	t.Helper()
	fields := map[string]string{}
	toks := strings.Fields(line)
	for i := 0; i < len(toks); {
		key := toks[i]
		switch {
		case key == "iif" || key == "oif" || strings.HasPrefix(key, "@"):
			i++
		case i+1 < len(toks):
			key += " " + toks[i+1]
			i += 2
		default:
			t.Fatalf("%s: cannot parse %q", what, line)
		}
		if i >= len(toks) {
			t.Fatalf("%s: %q has no value in %q", what, key, line)
		}
		fields[key] = toks[i]
		i++
	}
	nh, th := v.NetworkHeader, v.TransportHeader
	u8 := func(b []byte, i int) string {
		if len(b) <= i {
			return "short"
		}
		return strconv.Itoa(int(b[i]))
	}
	u16 := func(b []byte, i int) string {
		if len(b) < i+2 {
			return "short"
		}
		return strconv.Itoa(int(binary.BigEndian.Uint16(b[i:])))
	}
	addr := func(b []byte, i, n int) string {
		if len(b) < i+n {
			return "short"
		}
		a, _ := netip.AddrFromSlice(b[i : i+n])
		return a.String()
	}
	names := map[string]map[byte]string{
		"protocol": {unix.IPPROTO_UDP: "udp", unix.IPPROTO_ICMP: "icmp"},
		"nexthdr":  {unix.IPPROTO_UDP: "udp", unix.IPPROTO_ICMPV6: "ipv6-icmp"},
		"icmp":     {8: "echo-request", 0: "echo-reply"},
		"icmpv6":   {128: "echo-request", 129: "echo-reply"},
	}
	name := func(table string, b []byte, i int) string {
		if len(b) <= i {
			return "short"
		}
		return names[table][b[i]]
	}
	for key, got := range fields {
		var want string
		switch key {
		case "iif", "oif":
			idx, has := v.IIF, v.Present.Has(unix.NFTA_TRACE_IIF)
			typ := v.IIFType
			if key == "oif" {
				idx, has, typ = v.OIF, v.Present.Has(unix.NFTA_TRACE_OIF), v.OIFType
			}
			if has && idx == loIndex && typ == unix.ARPHRD_LOOPBACK {
				want = `"lo"`
			}
		case "ip saddr":
			want = addr(nh, 12, 4)
		case "ip daddr":
			want = addr(nh, 16, 4)
		case "ip dscp", "ip6 dscp":
			if dscp(nh, key == "ip6 dscp") == 0 {
				want = "cs0"
			}
		case "ip ecn", "ip6 ecn":
			if ecn(nh, key == "ip6 ecn") == 0 {
				want = "not-ect"
			}
		case "ip ttl":
			want = u8(nh, 8)
		case "ip id":
			want = u16(nh, 4)
		case "ip protocol":
			want = name("protocol", nh, 9)
		case "ip length":
			want = u16(nh, 2)
		case "ip6 saddr":
			want = addr(nh, 8, 16)
		case "ip6 daddr":
			want = addr(nh, 24, 16)
		case "ip6 hoplimit":
			want = u8(nh, 7)
		case "ip6 flowlabel":
			if len(nh) >= 4 {
				want = strconv.Itoa(int(binary.BigEndian.Uint32(nh) & 0xfffff))
			}
		case "ip6 nexthdr":
			want = name("nexthdr", nh, 6)
		case "ip6 length":
			want = u16(nh, 4)
		case "udp sport":
			want = u16(th, 0)
		case "udp dport":
			want = u16(th, 2)
		case "udp length":
			want = u16(th, 4)
		case "icmp type":
			want = name("icmp", th, 0)
		case "icmpv6 type":
			want = name("icmpv6", th, 0)
		case "icmp code", "icmpv6 code":
			// nft 1.0.6 names code 0 after the unreachable codes
			if len(th) > 1 && th[1] == 0 {
				want = map[string]string{"icmp code": "net-unreachable", "icmpv6 code": "no-route"}[key]
			}
		case "icmp id":
			want = u16(th, 4)
		case "icmp sequence":
			want = u16(th, 6)
		case "icmpv6 parameter-problem":
			if len(th) >= 8 {
				want = strconv.FormatUint(uint64(binary.BigEndian.Uint32(th[4:])), 10)
			}
		default:
			// @ll,OFFSET,BITS and @th,OFFSET,BITS: raw header bits in hex
			base, rest, _ := strings.Cut(key, ",")
			off, bits, _ := strings.Cut(rest, ",")
			o, err1 := strconv.Atoi(off)
			n, err2 := strconv.Atoi(bits)
			hdr := map[string][]byte{"@ll": v.LLHeader, "@th": th}[base]
			if err1 != nil || err2 != nil || hdr == nil || o%8 != 0 || n%8 != 0 || len(hdr) < (o+n)/8 {
				t.Errorf("%s: nft printed %s %s, which the view cannot explain", what, key, got)
				continue
			}
			want = "0x" + new(big.Int).SetBytes(hdr[o/8:(o+n)/8]).Text(16)
		}
		if got != want {
			t.Errorf("%s: %s: nft printed %s, the view's bytes say %q", what, key, got, want)
		}
	}
	// The family nft chose to decode the network header is NFProto's.
	switch {
	case fields["ip saddr"] != "" && v.NFProto != nftmon.FamilyIPv4,
		fields["ip6 saddr"] != "" && v.NFProto != nftmon.FamilyIPv6:
		t.Errorf("%s: nfproto %s, but nft decoded %q", what, v.NFProto, line)
	}
	if _, ok := fields["iif"]; ok != v.Present.Has(unix.NFTA_TRACE_IIF) {
		t.Errorf("%s: iif printed %v, sent %v", what, ok, !ok)
	}
	if _, ok := fields["oif"]; ok != v.Present.Has(unix.NFTA_TRACE_OIF) {
		t.Errorf("%s: oif printed %v, sent %v", what, ok, !ok)
	}
	return fields
}

func dscp(nh []byte, v6 bool) int {
	if v6 {
		return int(binary.BigEndian.Uint16(nh) >> 6 & 0x3f)
	}
	return int(nh[1] >> 2)
}

func ecn(nh []byte, v6 bool) int {
	if v6 {
		return int(binary.BigEndian.Uint16(nh) >> 4 & 3)
	}
	return int(nh[1] & 3)
}

// checkCt checks the conntrack fields, which nft 1.0.6 does not print,
// against conntrack's semantics: an echo request is a new connection in
// the original direction, its reply established in the reply direction, of
// the same entry; a UDP datagram without an answer is new.
func checkCt[K comparable](t *testing.T, what string, v *Trace, fields map[string]string, requests map[K]uint32, key func(seq string) K) {
	t.Helper()
	typ := fields["icmp type"] + fields["icmpv6 type"]
	k := key(fields["icmp id"] + "/" + fields["icmp sequence"] + fields["icmpv6 parameter-problem"])
	switch {
	case typ == "echo-request" || fields["udp dport"] != "":
		if v.CtState != CtStateNew || v.CtDirection != CtDirOriginal {
			t.Errorf("%s: ct state %s direction %s, want new original", what, v.CtState, v.CtDirection)
		}
		if typ != "" {
			if id, ok := requests[k]; ok && id != v.CtID {
				t.Errorf("%s: ct id %#x, the request had %#x before", what, v.CtID, id)
			}
			requests[k] = v.CtID
		}
	case typ == "echo-reply":
		if v.CtState != CtStateEstablished || v.CtDirection != CtDirReply {
			t.Errorf("%s: ct state %s direction %s, want established reply", what, v.CtState, v.CtDirection)
		}
		if id, ok := requests[k]; !ok || id != v.CtID {
			t.Errorf("%s: ct id %#x, the request's %#x", what, v.CtID, id)
		}
		if v.CtStatus&ipsSeenReply == 0 {
			t.Errorf("%s: ct status %#x without IPS_SEEN_REPLY", what, v.CtStatus)
		}
	default:
		t.Errorf("%s: conntrack state on a packet the test did not send: %v", what, fields)
	}
}
