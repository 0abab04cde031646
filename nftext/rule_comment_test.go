package nftext

import (
	"testing"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// TestRuleCommentEscaped: a rule's comment prints as nft prints it, its
// bytes as they are (quotes, UTF-8 and tabs, which nft accepts and
// prints), but for the other control bytes, escaped as AppendIdent does:
// a comment with a newline (nft -f makes one; nft monitor prints it over
// two lines) cannot forge a line. Nothing allocated.
func TestRuleCommentEscaped(t *testing.T) {
	for _, c := range []struct{ comment, want string }{
		{"ssh", `iif 1 accept comment "ssh"`},
		{"tab\there é", "iif 1 accept comment \"tab\there é\""},
		{"x\n# new generation 9 by process 1 (nft)", `iif 1 accept comment "x\x0a# new generation 9 by process 1 (nft)"`},
		{"cr\r del\x7f nul\x01", `iif 1 accept comment "cr\x0d del\x7f nul\x01"`},
	} {
		udata := append([]byte{0, byte(len(c.comment) + 1)}, c.comment...) // NFTNL_UDATA_RULE_COMMENT
		udata = append(udata, 0)
		var attrs []byte
		attrs = nftmon.AppendStringAttr(attrs, unix.NFTA_RULE_TABLE, "t")
		attrs = nftmon.AppendStringAttr(attrs, unix.NFTA_RULE_CHAIN, "c")
		attrs = nftmon.AppendAttr(attrs, unix.NFTA_RULE_EXPRESSIONS|unix.NLA_F_NESTED, iifRule(1))
		attrs = nftmon.AppendAttr(attrs, unix.NFTA_RULE_USERDATA, udata)
		var r msgs.Rule
		if err := r.Decode(attrs); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 0, 128)
		if got := string(AppendRule(buf, OwnNS, nftmon.FamilyIPv4, &r, nil)); got != c.want {
			t.Errorf("comment %q: got %q, want %q", c.comment, got, c.want)
		}
		if n := testing.AllocsPerRun(10, func() { buf = AppendRule(buf[:0], OwnNS, nftmon.FamilyIPv4, &r, nil) }); n != 0 {
			t.Errorf("comment %q: %v allocations", c.comment, n)
		}
	}
}
