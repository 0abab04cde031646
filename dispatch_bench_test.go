package nftmon

import "testing"

// BenchmarkReplay feeds the big capture (a 3,000-element transaction, then
// 100 deletes) through the same grouping and dispatch code Run uses, with
// an empty callback; "walk" is the floor: the same datagrams walked with a
// MessageScanner.
func BenchmarkReplay(b *testing.B) {
	dgs := captureDatagrams(b, "big")
	var msgs int
	for _, dg := range dgs {
		s := NewMessageScanner(dg)
		for s.Next() {
			msgs++
		}
	}
	b.Run("walk", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for range b.N {
			for _, dg := range dgs {
				s := NewMessageScanner(dg)
				for s.Next() {
					n++
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*msgs), "ns/event")
	})
	for _, c := range []struct {
		name string
		cfg  ReplayConfig
	}{{"held", ReplayConfig{}}, {"stream", ReplayConfig{Stream: true}}} {
		b.Run(c.name, func(b *testing.B) {
			events := 0
			m := mustReplayer(b, c.cfg, func(e *Event) error { events++; return nil })
			for _, dg := range dgs {
				m.Feed(dg, 0, false)
			}
			events = 0
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				for _, dg := range dgs {
					if err := m.Feed(dg, 0, false); err != nil {
						b.Fatal(err)
					}
				}
			}
			if events != b.N*msgs {
				b.Fatalf("%d events, want %d", events, b.N*msgs)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events), "ns/event")
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		})
	}
	b.Run("trace", benchReplayTraces)
}

// benchReplayTraces feeds the trace capture (one trace per datagram, as the
// kernel sends them) with TracesOnly and an empty callback.
func benchReplayTraces(b *testing.B) {
	dgs := traceDatagrams(b)
	events := 0
	m := mustReplayer(b, ReplayConfig{Traces: TracesOnly}, func(e *Event) error { events++; return nil })
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for _, dg := range dgs {
			if err := m.Feed(dg, 0, false); err != nil {
				b.Fatal(err)
			}
		}
	}
	if events != b.N*len(dgs) {
		b.Fatalf("%d events, want %d", events, b.N*len(dgs))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events), "ns/event")
}
