package nftext

import (
	"testing"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// The statements this test kernel and nft cannot make (no nft_queue, no
// flowtables, no iptables-nft, no "last" in nft 1.0.6's grammar), built
// from the uapi attributes (linux/netfilter/nf_tables.h) and compared with
// what nftables' src/statement.c prints for them.

// The last expression's attributes (NFTA_LAST_SET, NFTA_LAST_MSECS).
const (
	nftaLastSet   = 1
	nftaLastMsecs = 2
)

func TestRuleSynthesized(t *testing.T) {
	be16 := func(v uint16) []byte { return []byte{byte(v >> 8), byte(v)} }
	be32 := func(v uint32) []byte { return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }
	var queue, queueRange, flow, xt, last, lastNever []byte
	queue = nftmon.AppendAttr(queue, unix.NFTA_QUEUE_NUM, be16(1))
	queue = nftmon.AppendAttr(queue, unix.NFTA_QUEUE_TOTAL, be16(1))
	queueRange = nftmon.AppendAttr(queueRange, unix.NFTA_QUEUE_NUM, be16(1))
	queueRange = nftmon.AppendAttr(queueRange, unix.NFTA_QUEUE_TOTAL, be16(3))
	queueRange = nftmon.AppendAttr(queueRange, unix.NFTA_QUEUE_FLAGS, be16(msgs.QueueBypass|msgs.QueueCPUFanout))
	flow = nftmon.AppendStringAttr(flow, nftaFlowTableName, "ft")
	xt = nftmon.AppendStringAttr(xt, unix.NFTA_MATCH_NAME, "conntrack")
	xt = nftmon.AppendAttr(xt, unix.NFTA_MATCH_REV, be32(3))
	last = nftmon.AppendAttr(last, nftaLastSet, be32(1))
	last = nftmon.AppendAttr(last, nftaLastMsecs, append(be32(0), be32(61000)...))
	lastNever = nftmon.AppendAttr(lastNever, nftaLastSet, be32(0))
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"queue", queue, "queue to 1"},
		{"queue", queueRange, "queue flags bypass,fanout to 1-3"},
		{"flow_offload", flow, "flow add @ft"},
		{"match", xt, "xt match conntrack"},
		{"last", last, "last used 1m1s"},
		{"last", lastNever, "last used never"},
	} {
		r := msgs.Rule{Table: []byte("t"), Chain: []byte("c"), Expressions: appendExprs(nil, c.name, c.data)}
		if got := string(AppendRule(nil, OwnNS, nftmon.FamilyIPv4, &r, nil)); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}
