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

	// The same expressions, typed: the rule view, a range loop over its
	// expressions, and a decoder that picks each one's view by name.
	var r msgs.Rule
	if err := r.Decode(rule); err != nil {
		panic(err)
	}
	var d msgs.ExprDecoder // reused: its views are preallocated
	for e, err := range r.Exprs().All() {
		if err != nil {
			panic(err)
		}
		v, err := d.Decode(e.Name, e.Data)
		if err != nil {
			panic(err)
		}
		switch x := v.(type) {
		case *msgs.MetaExpr:
			fmt.Println("meta", x.Key, "into", x.DReg)
		case *msgs.PayloadExpr:
			fmt.Println("payload", x.Base, x.Offset, x.Len, "into", x.DReg)
		case *msgs.CmpExpr:
			fmt.Println("cmp", x.Op, x.SReg, x.Data.Value)
		case *msgs.ImmediateExpr:
			fmt.Println("immediate", x.Data.Verdict.Code)
		}
	}
	// Output:
	// inet t c 4
	//   [ meta load l4proto => reg 1 ]
	//   [ cmp eq reg 1 0x00000006 ]
	//   [ payload load 2b @ transport header + 2 => reg 1 ]
	//   [ cmp eq reg 1 0x00001600 ]
	//   [ immediate reg 0 accept ]
	// meta l4proto into 1
	// cmp eq 1 [6]
	// payload transport 2 2 into 1
	// cmp eq 1 [0 22]
	// immediate accept
}

// A packet trace event, as a Conn joined to unix.NFNLGRP_NFTRACE receives
// it for a packet marked with "meta nftrace set 1": here, rule 10 of chain
// pre accepted packet 0x53d33810.
func ExampleTrace() {
	attrs := exU32(unix.NFTA_TRACE_ID, 0x53d33810)
	attrs = append(attrs, exU32(unix.NFTA_TRACE_TYPE, uint32(msgs.TraceRule))...)
	attrs = nftmon.AppendStringAttr(attrs, unix.NFTA_TRACE_TABLE, "t")
	attrs = nftmon.AppendStringAttr(attrs, unix.NFTA_TRACE_CHAIN, "pre")
	attrs = append(attrs, exAttr(unix.NFTA_TRACE_RULE_HANDLE, binary.BigEndian.AppendUint64(nil, 10))...)
	attrs = append(attrs, exAttr(unix.NFTA_TRACE_VERDICT, exU32(unix.NFTA_VERDICT_CODE, uint32(msgs.VerdictAccept)))...)

	var tr msgs.Trace
	if err := tr.Decode(attrs); err != nil {
		panic(err)
	}
	fmt.Printf("trace id %08x %s %s rule handle %d (verdict %s)\n", tr.ID, tr.Table, tr.Chain, tr.RuleHandle, tr.Verdict.Code)
	fmt.Println(tr.Present.Has(unix.NFTA_TRACE_IIF), tr.Type)
	// Output:
	// trace id 53d33810 t pre rule handle 10 (verdict accept)
	// false rule
}
