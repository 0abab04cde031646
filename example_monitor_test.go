package nftmon_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/signal"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
)

// A monitor that prints every rule added, with the process that added it,
// until interrupted. (Not run by go test: it needs CAP_NET_ADMIN.)
func ExampleNewMonitor() {
	var rule msgs.Rule // decoded into again and again: no allocation per event
	m, err := nftmon.NewMonitor(nftmon.Config{}, func(e *nftmon.Event) error {
		switch e.Kind {
		case nftmon.EventChange:
			if e.Type != nftmon.MsgNewRule {
				return nil
			}
			if err := rule.Decode(e.Attrs); err != nil {
				return err
			}
			fmt.Printf("gen %d: %s (pid %d) added rule %d to %s %s %s\n",
				e.Gen, e.ProcName, e.ProcPID, rule.Handle, e.Family, rule.Table, rule.Chain)
		case nftmon.EventLoss:
			fmt.Println("notifications were lost; resync:", e.Err)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := m.Run(ctx); err != context.Canceled {
		log.Fatal(err)
	}
}

// A snapshot of the ruleset, then every change after it: the state a
// consumer rebuilds this way is never missing a change nor has one twice.
func ExampleConfig_snapshot() {
	m, err := nftmon.NewMonitor(nftmon.Config{Snapshot: true}, func(e *nftmon.Event) error {
		switch e.Kind {
		case nftmon.EventSnapshotBegin:
			fmt.Println("snapshot of generation", e.Gen)
		case nftmon.EventSnapshot, nftmon.EventChange:
			fmt.Println(e.Kind, e.Type, e.Family)
		case nftmon.EventSnapshotEnd:
			fmt.Println("changes after generation", e.Gen, "follow")
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	log.Fatal(m.Run(context.Background()))
}
