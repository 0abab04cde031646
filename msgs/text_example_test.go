package msgs_test

import (
	"encoding/binary"
	"fmt"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

func exAttr(typ uint16, payload ...[]byte) []byte {
	var p []byte
	for _, b := range payload {
		p = append(p, b...)
	}
	return nftmon.AppendAttr(nil, typ, p)
}

func exU32(typ uint16, v uint32) []byte { return exAttr(typ, binary.BigEndian.AppendUint32(nil, v)) }

// The attributes of a NEWRULE for "tcp dport 22 accept" in table inet t,
// chain c, as the kernel sends them, rendered as nft --debug=netlink
// prints them (on a little-endian machine).
func ExampleAppendRuleText() {
	expr := func(name string, data ...[]byte) []byte {
		return exAttr(unix.NFTA_LIST_ELEM, nftmon.AppendStringAttr(nil, unix.NFTA_EXPR_NAME, name), exAttr(unix.NFTA_EXPR_DATA, data...))
	}
	rule := nftmon.AppendStringAttr(nil, unix.NFTA_RULE_TABLE, "t")
	rule = nftmon.AppendStringAttr(rule, unix.NFTA_RULE_CHAIN, "c")
	rule = append(rule, exAttr(unix.NFTA_RULE_HANDLE, binary.BigEndian.AppendUint64(nil, 4))...)
	rule = append(rule, exAttr(unix.NFTA_RULE_EXPRESSIONS,
		expr("meta", exU32(unix.NFTA_META_KEY, uint32(msgs.MetaL4proto)), exU32(unix.NFTA_META_DREG, 1)),
		expr("cmp", exU32(unix.NFTA_CMP_SREG, 1), exU32(unix.NFTA_CMP_OP, uint32(msgs.CmpEq)),
			exAttr(unix.NFTA_CMP_DATA, exAttr(unix.NFTA_DATA_VALUE, []byte{6}))),
		expr("payload", exU32(unix.NFTA_PAYLOAD_DREG, 1), exU32(unix.NFTA_PAYLOAD_BASE, uint32(msgs.PayloadTransport)),
			exU32(unix.NFTA_PAYLOAD_OFFSET, 2), exU32(unix.NFTA_PAYLOAD_LEN, 2)),
		expr("cmp", exU32(unix.NFTA_CMP_SREG, 1), exU32(unix.NFTA_CMP_OP, uint32(msgs.CmpEq)),
			exAttr(unix.NFTA_CMP_DATA, exAttr(unix.NFTA_DATA_VALUE, []byte{0, 22}))),
		expr("immediate", exU32(unix.NFTA_IMMEDIATE_DREG, 0),
			exAttr(unix.NFTA_IMMEDIATE_DATA, exAttr(unix.NFTA_DATA_VERDICT, exU32(unix.NFTA_VERDICT_CODE, uint32(msgs.VerdictAccept))))),
	)...)

	buf := make([]byte, 0, 512) // reused: no allocation per rule
	buf, err := msgs.AppendRuleText(buf[:0], nftmon.FamilyINet, rule)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(buf))

	// One expression, typed.
	s := msgs.NewExprScanner(nil)
	sc := nftmon.NewAttrScanner(rule)
	for sc.Next() {
		if sc.Type() == unix.NFTA_RULE_EXPRESSIONS {
			s = msgs.NewExprScanner(sc.Bytes())
		}
	}
	for s.Next() {
		if e := s.Expr(); string(e.Name) == "payload" {
			var p msgs.PayloadExpr
			if err := p.Decode(e.Data); err == nil {
				fmt.Println(p.Base, p.Offset, p.Len, p.DReg)
			}
		}
	}
	// Output:
	// inet t c 4
	//   [ meta load l4proto => reg 1 ]
	//   [ cmp eq reg 1 0x00000006 ]
	//   [ payload load 2b @ transport header + 2 => reg 1 ]
	//   [ cmp eq reg 1 0x00001600 ]
	//   [ immediate reg 0 accept ]
	// transport 2 2 1
}
