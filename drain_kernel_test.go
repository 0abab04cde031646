package nftmon

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/nftmon/nftmon/internal/nstest"
)

// TestOverflowDropsUntilEmpty checks KERNEL.md, fact 7: after an overflow
// the kernel drops every notification for the socket, with no second
// ENOBUFS, until a read finds the queue empty; discardQueued empties it, so
// that the next commit is received.
func TestOverflowDropsUntilEmpty(t *testing.T) {
	ns := nstest.New(t)
	c := openIn(t, ns, ConnConfig{}, true)
	req := openIn(t, ns, ConnConfig{ReadBuffer: -1}, false)
	buf := make([]byte, MinBufferLen)
	// overflow overflows the tiny buffer, then makes it large: what is
	// dropped after that is not dropped for want of room.
	overflow := func(name string) {
		t.Helper()
		if _, err := c.SetReadBuffer(1); err != nil {
			t.Fatal(err)
		}
		ns.Script(t, bigScript(name, 2000))
		c.SetReadDeadline(time.Now().Add(3 * time.Second))
		if _, err := c.Receive(buf); !errors.Is(err, ErrOverflow) {
			t.Fatalf("Receive after a burst into a tiny buffer = %v, want ErrOverflow first", err)
		}
		if _, err := c.SetReadBuffer(DefaultReadBuffer); err != nil {
			t.Fatal(err)
		}
	}
	// gens reads until nothing comes for 300 ms and returns the NEWGENs seen.
	gens := func() (ids []uint32, losses int) {
		t.Helper()
		for {
			c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			d, err := c.Receive(buf)
			switch {
			case errors.Is(err, os.ErrDeadlineExceeded):
				return ids, losses
			case errors.Is(err, ErrOverflow):
				losses++
				continue
			case err != nil:
				t.Fatal(err)
			}
			for s := NewMessageScanner(buf[:d.N]); s.Next(); {
				if s.Message().Header.MsgType() != MsgNewGen {
					continue
				}
				_, attrs, err := s.Message().NFGen()
				var g Gen
				if err == nil {
					err = g.Decode(attrs)
				}
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, g.ID)
			}
		}
	}
	gen := func() uint32 {
		t.Helper()
		g, err := req.GetGen()
		if err != nil {
			t.Fatal(err)
		}
		return g.ID
	}

	overflow("burst1")
	ns.Nft(t, "add", "table", "ip", "during")
	during := gen()
	ids, losses := gens()
	for _, id := range ids {
		if id == during {
			t.Errorf("the commit made while the queue was not yet empty (gen %d) was received", during)
		}
	}
	if losses != 0 {
		t.Errorf("%d more ENOBUFS after the first: the drop of gen %d was reported", losses, during)
	}
	// Once a read found the queue empty, commits are received again.
	ns.Nft(t, "add", "table", "ip", "emptied")
	if ids, _ := gens(); len(ids) != 1 || ids[0] != gen() {
		t.Errorf("after the queue was emptied, received the commits %v, want [%d]", ids, gen())
	}

	overflow("burst2")
	n, err := c.DiscardQueued(buf)
	if err != nil || n == 0 {
		t.Fatalf("discardQueued = %d, %v; want some datagrams thrown away", n, err)
	}
	ns.Nft(t, "add", "table", "ip", "after")
	after := gen()
	if ids, _ := gens(); len(ids) != 1 || ids[0] != after {
		t.Errorf("after discardQueued, received the commits %v, want [%d]", ids, after)
	}
}
