package nftext

import (
	"encoding/binary"
	"testing"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// TestRuleInnerTunnel: nft 1.0.6 has no inner, tunnel, vxlan or geneve
// expressions (its src/netlink_delinearize.c parses neither "inner" nor
// "tunnel"; newer nft makes them for `vxlan ip saddr 10.0.0.1`, `tunnel
// id 5`): they print as libnftnl's text, and so does what reads the
// registers they load, the rest as nft prints it.
func TestRuleInnerTunnel(t *testing.T) {
	be32 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	var payload, inner, tunnel, cmp, data []byte
	payload = nftmon.AppendAttr(payload, unix.NFTA_PAYLOAD_DREG, be32(unix.NFT_REG_1))
	payload = nftmon.AppendAttr(payload, unix.NFTA_PAYLOAD_BASE, be32(unix.NFT_PAYLOAD_NETWORK_HEADER))
	payload = nftmon.AppendAttr(payload, unix.NFTA_PAYLOAD_OFFSET, be32(12))
	payload = nftmon.AppendAttr(payload, unix.NFTA_PAYLOAD_LEN, be32(4))
	var nested []byte
	nested = nftmon.AppendStringAttr(nested, unix.NFTA_EXPR_NAME, "payload")
	nested = nftmon.AppendAttr(nested, unix.NFTA_EXPR_DATA|unix.NLA_F_NESTED, payload)
	inner = nftmon.AppendAttr(inner, msgs.AttrInnerNum, be32(0))
	inner = nftmon.AppendAttr(inner, msgs.AttrInnerType, be32(1))    // NFT_INNER_VXLAN
	inner = nftmon.AppendAttr(inner, msgs.AttrInnerFlags, be32(0xe)) // NFT_INNER_LL | NH | TH
	inner = nftmon.AppendAttr(inner, msgs.AttrInnerHdrsize, be32(8))
	inner = nftmon.AppendAttr(inner, msgs.AttrInnerExpr|unix.NLA_F_NESTED, nested)
	data = nftmon.AppendAttr(data, unix.NFTA_DATA_VALUE, []byte{10, 0, 0, 1})
	cmp = nftmon.AppendAttr(cmp, unix.NFTA_CMP_SREG, be32(unix.NFT_REG_1))
	cmp = nftmon.AppendAttr(cmp, unix.NFTA_CMP_OP, be32(unix.NFT_CMP_EQ))
	cmp = nftmon.AppendAttr(cmp, unix.NFTA_CMP_DATA|unix.NLA_F_NESTED, data)
	tunnel = nftmon.AppendAttr(tunnel, msgs.AttrTunnelKey, be32(0)) // NFT_TUNNEL_PATH
	tunnel = nftmon.AppendAttr(tunnel, msgs.AttrTunnelDreg, be32(unix.NFT_REG_1))

	accept := iifRule(1) // its last expression is the verdict
	var verdict []byte
	for sc := (&msgs.Rule{Expressions: accept}).Exprs(); sc.Next(); {
		verdict = sc.Expr().Data
	}
	for _, c := range []struct {
		name  string
		exprs []byte
		want  string
	}{
		{"inner", appendExprs(appendExprs(appendExprs(nil, "inner", inner), "cmp", cmp), "immediate", verdict),
			"[ inner type 1 hdrsize 8 flags e [ payload load 4b @ network header + 12 => reg 1 ] ] [ cmp eq reg 1 0x0100000a ] accept"},
		{"tunnel", appendExprs(appendExprs(appendExprs(nil, "tunnel", tunnel), "cmp", cmp), "immediate", verdict),
			"[ tunnel load path => reg 1 ] [ cmp eq reg 1 0x0100000a ] accept"},
	} {
		r := msgs.Rule{Table: []byte("t"), Chain: []byte("c"), Expressions: c.exprs}
		if got := string(AppendRule(nil, OwnNS, nftmon.FamilyINet, &r, nil)); got != c.want {
			t.Errorf("%s: got %q\nwant %q", c.name, got, c.want)
		}
	}
}
