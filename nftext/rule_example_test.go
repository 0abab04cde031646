package nftext_test

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/pcapnl"
	"github.com/nftmon/nftmon/msgs"
	"github.com/nftmon/nftmon/nftext"
)

// Print the rules of a recording of notifications as nft monitor prints
// them. A monitor does the same in its callback: Observe every event, then
// print the rule changes.
func ExampleAppendRule() {
	f, err := os.Open("testdata/rules/sets.pcap")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	rd, err := pcapnl.NewReader(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	var (
		sets nftext.Sets
		rule msgs.Rule
		line []byte
	)
	for n := 0; n < 3; {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		s := nftmon.NewMessageScanner(rec.Data)
		for s.Next() {
			m := s.Message()
			nf, attrs, err := m.NFGen()
			if err != nil {
				continue
			}
			e := nftmon.Event{Kind: nftmon.EventChange, Type: m.Header.MsgType(), Family: nf.Family, Attrs: attrs}
			sets.Observe(&e)
			if e.Type != nftmon.MsgNewRule || rule.Decode(e.Attrs) != nil || n == 3 {
				continue
			}
			line = nftext.AppendRule(line[:0], nftext.NSID(&e), e.Family, &rule, &sets)
			fmt.Printf("add rule inet %s %s %s\n", rule.Table, rule.Chain, line)
			n++
		}
	}
	// Output:
	// add rule inet t c ip saddr @s4 drop
	// add rule inet t c ip saddr != @s4 drop
	// add rule inet t c ip6 saddr @s6 drop
}
