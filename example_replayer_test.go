package nftmon_test

import (
	"fmt"
	"log"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/pcapnl"
)

// A replayer fed datagrams recorded earlier (here a capture of nft adding
// and deleting tables) delivers them as a Monitor would have: grouped by
// transaction, each change stamped with its commit.
func ExampleNewReplayer() {
	recs, err := pcapnl.ReadFile("testdata/tables.pcap")
	if err != nil {
		log.Fatal(err)
	}
	changes := 0
	r, err := nftmon.NewReplayer(nftmon.ReplayConfig{}, func(e *nftmon.Event) error {
		switch e.Kind {
		case nftmon.EventChange:
			changes++
		case nftmon.EventCommit:
			fmt.Printf("commit by %s: %d changes\n", e.ProcName, changes)
			changes = 0
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, rec := range recs[:2] { // the first transaction: its changes, then its commit
		if err := r.Feed(rec.Data, rec.NSID, rec.HasNSID); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("transactions:", r.Stats().Transactions)
	// Output:
	// commit by nft: 6 changes
	// transactions: 1
}
