package nftmon_test

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// Two datagrams captured from the kernel (6.18) while nft 1.0.6 ran
//
//	add table ip filter
//	add chain ip filter input { type filter hook input priority 0; }
//
// in a fresh network namespace: the entity notifications, then NEWGEN.
var (
	datagram = mustHex("" +
		"3c000000000a00000100000019460000020000020b00010066696c746572000008000300000000010c000400000000" +
		"0000000001080002000000000070000000030a00040200000019460000020000020b00010066696c74657200000a00" +
		"0300696e7075740000000c0002000000000000000001140004000800010000000001080002000000000008000500" +
		"000000010b00070066696c746572000008000a00000000010800060000000000")
	newgen = mustHex("2c0000000f0a000001000000194600000000000208000100000000020800020000004619080003006e667400")
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func ExampleMessageScanner() {
	s := nftmon.NewMessageScanner(datagram)
	for s.Next() {
		m := s.Message()
		if !m.Header.IsNFTables() {
			continue
		}
		nf, attrs, err := m.NFGen()
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s family %s gen %d seq %d: %d bytes of attributes\n",
			m.Header.MsgType(), nf.Family, nf.ResID, m.Header.Seq, len(attrs))
	}
	if err := s.Err(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// NEWTABLE family ip gen 2 seq 1: 40 bytes of attributes
	// NEWCHAIN family ip gen 2 seq 2: 92 bytes of attributes
}

func ExampleAttrScanner() {
	s := nftmon.NewMessageScanner(datagram)
	for s.Next() {
		m := s.Message()
		if m.Header.MsgType() != nftmon.MsgNewChain {
			continue
		}
		_, attrs, _ := m.NFGen()
		var table, name, typ []byte
		var hook uint32
		var prio int32
		a := nftmon.NewAttrScanner(attrs)
		for a.Next() {
			switch a.Type() {
			case unix.NFTA_CHAIN_TABLE:
				table = a.StringBytes()
			case unix.NFTA_CHAIN_NAME:
				name = a.StringBytes()
			case unix.NFTA_CHAIN_TYPE:
				typ = a.StringBytes()
			case unix.NFTA_CHAIN_HOOK:
				h := a.Nested()
				for h.Next() {
					switch h.Type() {
					case unix.NFTA_HOOK_HOOKNUM:
						hook = h.Uint32()
					case unix.NFTA_HOOK_PRIORITY:
						prio = h.Int32()
					}
				}
				a.Fail(h.Err())
			}
		}
		if err := a.Err(); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("chain %s %s: type %s hook %d priority %d\n", table, name, typ, hook, prio)
	}
	// Output:
	// chain filter input: type filter hook 1 priority 0
}

func ExampleGen_Decode() {
	m, _, err := nftmon.ParseMessage(newgen)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, attrs, _ := m.NFGen()
	var g nftmon.Gen
	if err := g.Decode(attrs); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: generation %d by process %d (%s)\n", m.Header.MsgType(), g.ID, g.ProcPID, g.ProcName)
	// Output:
	// NEWGEN: generation 2 by process 17945 (nft)
}

func ExampleWidenGen() {
	// The last NEWGEN said 0x0001fffe; a later message carries res_id 3.
	fmt.Printf("%#x\n", nftmon.WidenGen(3, 0x0001fffe))
	// Output:
	// 0x20003
}

// Malformed input is reported, never trusted: here the datagram is cut in
// the middle of its second message.
func Example_malformed() {
	s := nftmon.NewMessageScanner(datagram[:100])
	for s.Next() {
		fmt.Println(s.Message().Header.MsgType())
	}
	err := s.Err()
	fmt.Println(err)
	fmt.Println(errors.Is(err, nftmon.ErrMalformed))
	// Output:
	// NEWTABLE
	// nftmon: malformed netlink data: nlmsg_len runs past the end of the datagram
	// true
}
