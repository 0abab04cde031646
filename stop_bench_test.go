package nftmon_test

import (
	"context"
	"testing"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
)

// BenchmarkStopBlockedRun measures how long a Run blocked on an idle
// socket takes to return after its context is cancelled, and after Close:
// ns/op is that latency (setup excluded).
func BenchmarkStopBlockedRun(b *testing.B) {
	for _, how := range []string{"cancel", "close"} {
		b.Run(how, func(b *testing.B) {
			ns := nstest.New(b)
			var worst time.Duration
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				m, err := nftmon.NewMonitor(nftmon.Config{NetNS: ns.Path}, func(*nftmon.Event) error { return nil })
				if err != nil {
					b.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan time.Time, 1)
				go func() { m.Run(ctx); done <- time.Now() }()
				time.Sleep(5 * time.Millisecond) // Run is blocked reading by now
				b.StartTimer()
				t0 := time.Now()
				if how == "cancel" {
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
