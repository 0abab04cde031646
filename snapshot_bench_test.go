package nftmon_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
)

// BenchmarkSnapshot takes a snapshot of a large ruleset (100,000 elements
// over 100 sets, and 10,000 rules) and, as the yardstick, runs `nft list
// ruleset` (the C tool) on the same ruleset. nftmon's memory is B/op; nft's
// is its peak RSS.
//
//	go test -run XXX -bench Snapshot -benchtime 5x .
func BenchmarkSnapshot(b *testing.B) {
	if testing.Short() {
		b.Skip("loads a ruleset of 110,000 objects; skipped in -short mode")
	}
	ns := nstest.New(b)
	var s strings.Builder
	s.WriteString("add table inet big\nadd chain inet big c { type filter hook input priority 0; }\n")
	for i := range 100 {
		fmt.Fprintf(&s, "add set inet big s%d { type ipv4_addr; elements = {", i)
		for j := range 1000 {
			if j > 0 {
				s.WriteByte(',')
			}
			fmt.Fprintf(&s, " 10.%d.%d.%d", i, j>>8, j&255)
		}
		s.WriteString(" } }\n")
	}
	for i := range 10000 {
		fmt.Fprintf(&s, "add rule inet big c ip saddr 172.16.%d.%d tcp dport %d counter accept\n", i>>8, i&255, 1+i)
	}
	path := filepath.Join(b.TempDir(), "big.nft")
	if err := os.WriteFile(path, []byte(s.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	ns.Nft(b, "-f", path)

	b.Run("nftmon", func(b *testing.B) {
		c, err := nftmon.Open(nftmon.ConnConfig{NetNS: ns.Path, ReadBuffer: -1})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		var events, elems int
		b.ReportAllocs()
		for range b.N {
			events = 0
			_, err := c.Snapshot(context.Background(), nftmon.Scope{}, func(e *nftmon.Event) error {
				events++
				if e.Type == nftmon.MsgNewSetElem {
					elems++
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(events), "events/op")
	})
	b.Run("nft-list-ruleset", func(b *testing.B) {
		var rss int64
		for range b.N {
			cmd := ns.Command("nft", "list", "ruleset")
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				rss = max(rss, int64(ru.Maxrss)) // int32 on 32-bit
			}
		}
		b.ReportMetric(float64(rss*1024), "peak-RSS-bytes")
	})
}
