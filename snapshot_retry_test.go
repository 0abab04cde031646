package nftmon

import (
	"context"
	"testing"

	"github.com/nftmon/nftmon/internal/nstest"
)

// TestSnapshotRetries commits in the middle of a snapshot, after a given
// dump, and checks that the attempt is thrown away and the next one is
// whole: every table the kernel has at the snapshot's generation is in it.
func TestSnapshotRetries(t *testing.T) {
	for _, after := range []string{"GETTABLE", "GETSET", "GETRULE", "GETSETELEM"} {
		t.Run(after, func(t *testing.T) {
			ns := nstest.New(t)
			ns.Script(t, "add table ip a\nadd set ip a s { type ipv4_addr; elements = { 1.1.1.1 } }\nadd set ip a s2 { type ipv4_addr; }")
			c, err := Open(ConnConfig{NetNS: ns.Path, ReadBuffer: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			// In each of the first two attempts, one commit after the dump.
			attempt, committed := 0, 0
			s := &snapshotter{conn: c, attempts: DefaultSnapshotAttempts, afterDump: func(op string) {
				if op == "GETTABLE" {
					attempt++
				}
				if op == after && committed < attempt && attempt <= 2 {
					committed++
					ns.Nft(t, "add", "table", "ip", "new"+string(rune('0'+committed)))
				}
			}}
			var tables []string
			gen, err := s.take(context.Background(), func(e *Event) error {
				if e.Kind == EventSnapshot && e.Type == MsgNewTable {
					a := NewAttrScanner(e.Attrs)
					for a.Next() {
						if a.Type() == 1 {
							tables = append(tables, string(a.StringBytes()))
						}
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if s.retries != 2 {
				t.Errorf("%d retries after 2 commits during the dumps, want 2", s.retries)
			}
			g, err := c.GetGen()
			if err != nil {
				t.Fatal(err)
			}
			if gen != g.ID || len(tables) != 3 {
				t.Errorf("snapshot of gen %d with tables %v; kernel at gen %d with 3 tables", gen, tables, g.ID)
			}
		})
	}
}
