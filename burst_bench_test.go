package nftmon_test

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
	"golang.org/x/sys/unix"
)

// BenchmarkBurstParts splits the monitor's cost of one large transaction
// into its parts, without the kernel: the transaction's datagrams are
// captured once (into a 64 MiB receive buffer, so that none is lost), then
// fed through the monitor again and again. "walk" is the floor's own work
// (count the messages); "held" and "stream" add grouping and dispatch with
// an empty callback; "-decode" adds the callback's decoding of every event
// into its typed view, as BenchmarkEndToEnd does. What BenchmarkEndToEnd's
// floor costs beyond "walk" is the kernel's: the system calls and copies
// of receiving.
func BenchmarkBurstParts(b *testing.B) {
	for _, w := range workloads {
		if w.n < 100000 {
			continue
		}
		b.Run(w.name, func(b *testing.B) {
			if testing.Short() {
				b.Skip("large workloads skipped in -short mode")
			}
			dgs := captureBurst(b, w)
			gen := uint32(1000) // the generation of the last pass fed
			setGen(dgs, gen)
			msgs := 0
			for _, dg := range dgs {
				s := nftmon.NewMessageScanner(dg)
				for s.Next() {
					msgs++
				}
			}
			b.Run("walk", func(b *testing.B) {
				n := 0
				for range b.N {
					for _, dg := range dgs {
						s := nftmon.NewMessageScanner(dg)
						for s.Next() {
							n++
						}
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*msgs), "ns/event")
			})
			for _, c := range []struct {
				name           string
				stream, decode bool
			}{{"held", false, false}, {"stream", true, false}, {"held-decode", false, true}, {"stream-decode", true, true}} {
				b.Run(c.name, func(b *testing.B) {
					var d decoder
					events, changes := 0, 0
					m, err := nftmon.NewReplayer(nftmon.ReplayConfig{Stream: c.stream, ArenaRetain: -1}, func(e *nftmon.Event) error {
						events++
						if e.Kind == nftmon.EventChange {
							changes++
						}
						if c.decode && e.Kind == nftmon.EventChange {
							return d.decode(e)
						}
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
					for _, dg := range dgs { // the arena grows to the transaction
						m.Feed(dg, 0, false)
					}
					events, changes = 0, 0
					b.ReportAllocs()
					b.ResetTimer()
					for range b.N {
						b.StopTimer()
						gen++ // never one fed before
						setGen(dgs, gen)
						b.StartTimer()
						for _, dg := range dgs {
							if err := m.Feed(dg, 0, false); err != nil {
								b.Fatal(err)
							}
						}
					}
					if events != b.N*msgs || changes != b.N*(msgs-1) {
						b.Fatalf("%d events, %d of them changes; want %d, all but the commits", events, changes, b.N*msgs)
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events), "ns/event")
				})
			}
		})
	}
}

// setGen makes the captured transaction one of generation gen: its
// messages' res_id and its NEWGEN's NFTA_GEN_ID, so that a replay sees a
// new transaction each time, not notifications of a committed generation.
func setGen(dgs [][]byte, gen uint32) {
	for _, dg := range dgs {
		for b := dg; len(b) >= unix.NLMSG_HDRLEN+nftmon.NFGenLen; {
			l := int(binary.NativeEndian.Uint32(b))
			binary.BigEndian.PutUint16(b[unix.NLMSG_HDRLEN+2:], uint16(gen))
			if binary.NativeEndian.Uint16(b[4:]) == unix.NFNL_SUBSYS_NFTABLES<<8|unix.NFT_MSG_NEWGEN {
				a := nftmon.NewAttrScanner(b[unix.NLMSG_HDRLEN+nftmon.NFGenLen : l])
				for a.Next() {
					if a.Type() == unix.NFTA_GEN_ID {
						binary.BigEndian.PutUint32(a.Bytes(), gen)
					}
				}
			}
			b = b[min((l+3)&^3, len(b)):]
		}
	}
}

// captureBurst commits the workload once in a fresh namespace and returns
// the datagrams of its notifications, up to its NEWGEN.
func captureBurst(b *testing.B, w workload) [][]byte {
	ns := nstest.New(b)
	c, err := nftmon.Open(nftmon.ConnConfig{NetNS: ns.Path, ReadBuffer: 64 << 20})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := c.JoinGroup(unix.NFNLGRP_NFTABLES); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "burst.nft")
	if err := os.WriteFile(path, []byte(w.script("burst", w.n)), 0o644); err != nil {
		b.Fatal(err)
	}
	if _, err := ns.TryNft("", "-f", path); err != nil {
		b.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, nftmon.MinBufferLen)
	var dgs [][]byte
	for {
		d, err := c.Receive(buf)
		if err != nil {
			b.Fatalf("capturing the burst, after %d datagrams: %v", len(dgs), err)
		}
		dgs = append(dgs, append([]byte(nil), buf[:d.N]...))
		if m, _, err := nftmon.ParseMessage(buf[:d.N]); err == nil && m.Header.MsgType() == nftmon.MsgNewGen {
			return dgs
		}
	}
}
