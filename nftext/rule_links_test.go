package nftext

import (
	"encoding/binary"
	"testing"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// iifRule returns the expressions nft makes for `iif INDEX accept`: a
// meta load of NFT_META_IIF, a cmp of its 4 host-order bytes, a verdict.
func iifRule(index uint32) []byte {
	be32 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	var meta, cmp, data, imm, verdict, vdata []byte
	meta = nftmon.AppendAttr(meta, unix.NFTA_META_DREG, be32(unix.NFT_REG_1))
	meta = nftmon.AppendAttr(meta, unix.NFTA_META_KEY, be32(unix.NFT_META_IIF))
	data = nftmon.AppendAttr(data, unix.NFTA_DATA_VALUE, binary.NativeEndian.AppendUint32(nil, index))
	cmp = nftmon.AppendAttr(cmp, unix.NFTA_CMP_SREG, be32(unix.NFT_REG_1))
	cmp = nftmon.AppendAttr(cmp, unix.NFTA_CMP_OP, be32(unix.NFT_CMP_EQ))
	cmp = nftmon.AppendAttr(cmp, unix.NFTA_CMP_DATA|unix.NLA_F_NESTED, data)
	verdict = nftmon.AppendAttr(verdict, unix.NFTA_VERDICT_CODE, be32(uint32(msgs.VerdictAccept)))
	vdata = nftmon.AppendAttr(vdata, unix.NFTA_DATA_VERDICT|unix.NLA_F_NESTED, verdict)
	imm = nftmon.AppendAttr(imm, unix.NFTA_IMMEDIATE_DREG, be32(unix.NFT_REG_VERDICT))
	imm = nftmon.AppendAttr(imm, unix.NFTA_IMMEDIATE_DATA|unix.NLA_F_NESTED, vdata)
	b := appendExprs(nil, "meta", meta)
	b = appendExprs(b, "cmp", cmp)
	return appendExprs(b, "immediate", imm)
}

// TestRuleLinkNames: an interface index prints as nft's ifindex_type_print
// prints it: the name, quoted, where the LinkNames has one for the rule's
// namespace; the index as a signed number otherwise (nil LinkNames, an
// index it does not know, another namespace); a name's control bytes
// escaped. Nothing allocated.
func TestRuleLinkNames(t *testing.T) {
	links := NSLinks{1: "lo", 2: "veth-a", 3: "bad\nname"}
	for _, c := range []struct {
		links LinkNames
		nsid  int32
		index uint32
		want  string
	}{
		{links, OwnNS, 1, `iif "lo" accept`},
		{links, OwnNS, 2, `iif "veth-a" accept`},
		{links, OwnNS, 3, `iif "bad\x0aname" accept`},
		{links, OwnNS, 7, `iif 7 accept`},
		{links, 5, 1, `iif 1 accept`}, // NSLinks names the own namespace's only
		{nil, OwnNS, 1, `iif 1 accept`},
		{nil, OwnNS, 0xfffffffe, `iif -2 accept`}, // %d of an int
	} {
		r := msgs.Rule{Table: []byte("t"), Chain: []byte("c"), Expressions: iifRule(c.index)}
		rr := &RuleRenderer{Links: c.links}
		buf := make([]byte, 0, 64)
		if got := string(rr.AppendRule(buf, c.nsid, nftmon.FamilyIPv4, &r, nil)); got != c.want {
			t.Errorf("index %d, nsid %d: got %q, want %q", c.index, c.nsid, got, c.want)
		}
		if n := testing.AllocsPerRun(10, func() { buf = rr.AppendRule(buf[:0], c.nsid, nftmon.FamilyIPv4, &r, nil) }); n != 0 {
			t.Errorf("index %d: %v allocations", c.index, n)
		}
	}
}
