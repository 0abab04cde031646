package nftext_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/pcapnl"
	"github.com/nftmon/nftmon/nftext"
)

// Who changed which rule, in nft's syntax: a Printer fed every event of a
// monitor (it learns the sets the rules use) prints each rule change as
// nft monitor does, and the event says which process committed it. Here
// the events come from a recording; with a live nftmon.Monitor the
// callback is the same.
func ExamplePrinter_rules() {
	var (
		p    nftext.Printer
		line []byte
	)
	who := func(e *nftmon.Event) error {
		var err error
		if line, err = p.AppendEvent(line[:0], e); err != nil {
			return err
		}
		if e.Type.Object() == nftmon.ObjectRule {
			fmt.Printf("%s[%d]: %s", e.ProcName, e.ProcPID, line)
		}
		return nil
	}

	r, err := nftmon.NewReplayer(nftmon.ReplayConfig{}, who)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := feed(r, "../testdata/rules.pcap"); err != nil {
		fmt.Println(err)
	}
	// Output:
	// nft[19919]: add rule inet f c tcp dport 22 accept
	// nft[19919]: add rule inet f c handle 3 udp dport 53 counter packets 0 bytes 0 accept comment "dns"
	// nft[19919]: add rule inet f c ip saddr 10.0.0.0/8 drop
	// nft[19920]: insert rule inet f c ct state established,related accept
	// nft[19921]: add rule inet f c handle 4 meta l4proto icmp accept
	// nft[19921]: insert rule inet f c handle 7 meta l4proto ipv6-icmp accept
	// nft[19922]: delete rule inet f c handle 3
	// nft[19922]: add rule inet f c handle 6 tcp dport 2222 accept comment "replaced"
	// nft[19923]: delete rule inet f c handle 8
	// nft[19924]: add rule inet f c iifname "lo" ip saddr 127.0.0.0/8 ip daddr != 10.1.2.3 tcp flags syn / syn,ack tcp dport 1000-2000 ct state new meta mark set 0x00000010 ip dscp set cs1 limit rate 10/second counter packets 0 bytes 0 log prefix "many " level info jump other
	// nft[19924]: add rule inet f other ip6 saddr fe80::/10 ip6 hoplimit 255 reject with icmpv6 admin-prohibited
	// nft[19924]: add rule inet f other meta skuid 0 meta pkttype broadcast th dport 9 return
	// nft[19928]: delete rule inet f other handle 10
	// nft[19928]: delete rule inet f other handle 11
}

// feed feeds a recording's datagrams to r.
func feed(r *nftmon.Replayer, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	rd, err := pcapnl.NewReader(bufio.NewReader(f))
	if err != nil {
		return err
	}
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := r.Feed(rec.Data, rec.NSID, rec.HasNSID); err != nil {
			return err
		}
	}
}
