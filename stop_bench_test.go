package nftmon_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
)

// BenchmarkStopBlockedRun measures how long a Run blocked on an idle
// socket takes to return after its context is cancelled, and after Close:
// ns/op is that latency (setup excluded). In the -hot cases the Run has
// just read a transaction's commit, and waits for the next datagram in
// the kernel (KERNEL.md, fact 20), where the stop reaches it through the
// datagram the socket sends itself; in the others it has waited 5 ms on
// an empty socket, in its ppoll.
func BenchmarkStopBlockedRun(b *testing.B) {
	for _, how := range []string{"cancel", "close", "cancel-hot", "close-hot"} {
		b.Run(how, func(b *testing.B) {
			ns := nstest.New(b)
			hot := strings.HasSuffix(how, "-hot")
			var worst time.Duration
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				committed := make(chan struct{}, 1)
				m, err := nftmon.NewMonitor(nftmon.Config{NetNS: ns.Path}, func(e *nftmon.Event) error {
					if e.Kind == nftmon.EventCommit {
						committed <- struct{}{}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan time.Time, 1)
				go func() { m.Run(ctx); done <- time.Now() }()
				if hot {
					ns.Nft(b, "add", "table", "ip", fmt.Sprintf("t%d", i))
					<-committed // the last datagram read: Run waits in the kernel now
				} else {
					time.Sleep(5 * time.Millisecond) // Run is blocked reading by now
				}
				b.StartTimer()
				t0 := time.Now()
				if strings.HasPrefix(how, "cancel") {
					cancel()
				} else {
					m.Close()
				}
				t1 := <-done
				b.StopTimer()
				worst = max(worst, t1.Sub(t0))
				cancel()
				m.Close()
			}
			b.ReportMetric(float64(worst.Nanoseconds()), "worst-ns")
		})
	}
}
