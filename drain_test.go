package nftmon

import (
	"errors"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/nftmon/nftmon/internal/nstest"
)

// TestDiscardQueued: it empties the queue without waiting and counts the
// messages it threw away; reading then waits for what comes next.
func TestDiscardQueued(t *testing.T) {
	ns := nstest.New(t)
	c := openIn(t, ns, ConnConfig{}, true)
	buf := make([]byte, MinBufferLen)
	if n, err := c.DiscardQueued(buf); err != nil || n != 0 {
		t.Fatalf("empty queue: %d messages, %v", n, err)
	}
	ns.Script(t, "add table ip a\nadd table ip b\nadd table ip c\n")
	if n, err := c.DiscardQueued(buf); err != nil || n != 4 {
		t.Fatalf("DiscardQueued = %d, %v; want the 3 NEWTABLE and the NEWGEN", n, err)
	}
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := c.Receive(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Receive after DiscardQueued: %v, want nothing left", err)
	}
	c.SetReadDeadline(time.Time{})
	ns.Nft(t, "add", "table", "ip", "d")
	if notes := receiveGens(t, c, 1, 3*time.Second); len(notes) != 2 || notes[0].desc != "add table ip d" {
		t.Fatalf("after DiscardQueued received %+v", notes)
	}
	if _, err := c.DiscardQueued(nil); err == nil {
		t.Error("DiscardQueued into no buffer succeeded")
	}
	// It allocates nothing, with datagrams to throw away or none.
	var ms runtime.MemStats
	for range 3 {
		ns.Script(t, "add table ip e\ndelete table ip e\n")
		runtime.ReadMemStats(&ms)
		before := ms.Mallocs
		n, err := c.DiscardQueued(buf)
		runtime.ReadMemStats(&ms)
		if err != nil || n != 3 {
			t.Fatalf("DiscardQueued = %d, %v; want NEWTABLE, DELTABLE, NEWGEN", n, err)
		}
		if a := ms.Mallocs - before; a > 0 {
			t.Errorf("DiscardQueued of %d messages: %d allocations", n, a)
		}
	}
}
