package nftmon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/nftmon/nftmon/internal/nstest"
	"golang.org/x/sys/unix"
)

// readUntilGen reads datagrams with read until one holds a NEWGEN, and
// returns their bytes, one slice each.
func readUntilGen(t *testing.T, read func() ([][]byte, error)) [][]byte {
	t.Helper()
	var all [][]byte
	for {
		dgs, err := read()
		if err != nil {
			t.Fatalf("after %d datagrams: %v", len(all), err)
		}
		for _, b := range dgs {
			all = append(all, b)
			for m := range Messages(b) {
				if m.Header.MsgType() == MsgNewGen {
					return all
				}
			}
		}
	}
}

// TestReadBatchMatchesReceive reads one transaction of about 90 datagrams
// with readBatch on one socket and with Receive on another: the same
// datagrams, in the same order, each at the offset that follows the one
// before, and several of them from one system call once they are queued.
func TestReadBatchMatchesReceive(t *testing.T) {
	ns := nstest.New(t)
	one := openIn(t, ns, ConnConfig{}, true)
	batch := openIn(t, ns, ConnConfig{}, true)
	ns.Script(t, bigScript("burst", 6000)) // queued whole before the reads
	for _, c := range []*Conn{one, batch} {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
	}

	buf := make([]byte, MinBufferLen)
	want := readUntilGen(t, func() ([][]byte, error) {
		d, err := one.Receive(buf)
		return [][]byte{append([]byte(nil), buf[:d.N]...)}, err
	})

	big := make([]byte, maxBatch*MinBufferLen+100)
	most := 0
	got := readUntilGen(t, func() ([][]byte, error) {
		gs, err := batch.readBatch(big)
		most = max(most, len(gs))
		var dgs [][]byte
		for i, g := range gs {
			if g.err != nil {
				t.Fatalf("datagram %d: %v", i, g.err)
			}
			if wantOff := 0; i > 0 {
				wantOff = gs[i-1].off + align(gs[i-1].N)
				if g.off != wantOff {
					t.Fatalf("datagram %d of a read at offset %d, want %d", i, g.off, wantOff)
				}
			} else if g.off != 0 {
				t.Fatalf("first datagram of a read at offset %d", g.off)
			}
			dgs = append(dgs, append([]byte(nil), big[g.off:g.off+g.N]...))
		}
		return dgs, err
	})
	if len(got) != len(want) {
		t.Fatalf("readBatch read %d datagrams, Receive %d", len(got), len(want))
	}
	for i := range want {
		if string(got[i]) != string(want[i]) {
			t.Fatalf("datagram %d differs: %d bytes, want %d", i, len(got[i]), len(want[i]))
		}
	}
	if most < 2 {
		t.Errorf("readBatch never read more than %d datagram at once from %d queued", most, len(want))
	}
}

// TestReadBatchDropsForeign: a datagram not from the kernel is dropped and
// counted in a batch too.
func TestReadBatchDropsForeign(t *testing.T) {
	ns := nstest.New(t)
	c := openIn(t, ns, ConnConfig{}, true)
	sendForeign(t, ns, c.PortID(), 3)
	ns.Nft(t, "add", "table", "ip", "real")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	big := make([]byte, maxBatch*MinBufferLen)
	var msgs []string
	for len(msgs) < 2 {
		gs, err := c.readBatch(big)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range gs {
			for m := range Messages(big[g.off : g.off+g.N]) {
				msgs = append(msgs, m.Header.MsgType().String())
			}
		}
	}
	if strings.Join(msgs, " ") != "NEWTABLE NEWGEN" {
		t.Errorf("read %v, want the real table's NEWTABLE and NEWGEN", msgs)
	}
	if n := c.ForeignDropped(); n != 3 {
		t.Errorf("ForeignDropped = %d, want 3", n)
	}
}

// sendForeign unicasts n forged NEWTABLE messages to port from a socket
// of ns.
func sendForeign(t *testing.T, ns *nstest.NS, port uint32, n int) {
	t.Helper()
	err := inNetNS(ns.FD, func() error {
		fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_NETFILTER)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
			return err
		}
		fake := FinishRequest(AppendStringAttr(AppendRequest(nil, MsgNewTable, 0, 0, FamilyIPv4), unix.NFTA_TABLE_NAME, "fake"), 0)
		for range n {
			if err := unix.Sendto(fd, fake, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Pid: port}); err != nil {
				return fmt.Errorf("unicast to port %d: %w", port, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestReadResult checks how an entry of the read vector becomes a
// received: truncated when longer than its slot or flagged MSG_TRUNC,
// dropped when not from the kernel.
func TestReadResult(t *testing.T) {
	c := &Conn{}
	buf := make([]byte, 100)
	for i := range maxBatch {
		c.r.slot(i, buf)
	}
	c.r.mm[1].n = 300
	g, ok := c.result(1, 40)
	var te *TruncatedError
	if !ok || g.off != 40 || g.N != 100 || !errors.As(g.err, &te) || te.Size != 300 || te.BufLen != 100 {
		t.Errorf("300 bytes in a slot of 100: %+v, %v", g, ok)
	}
	c.r.mm[2].n = 80
	c.r.mm[2].hdr.Flags = unix.MSG_TRUNC
	if g, ok := c.result(2, 0); !ok || !errors.Is(g.err, ErrTruncated) {
		t.Errorf("MSG_TRUNC: %+v, %v", g, ok)
	}
	c.r.mm[3].n = 80
	if g, ok := c.result(3, 8); !ok || g.err != nil || g.N != 80 || g.off != 8 {
		t.Errorf("80 bytes in a slot of 100: %+v, %v", g, ok)
	}
	c.r.sa[4].Pid = 1234
	if _, ok := c.result(4, 0); ok || c.ForeignDropped() != 1 {
		t.Errorf("from port 1234: kept %v, ForeignDropped %d", ok, c.ForeignDropped())
	}
}

// TestRunResumesBatch: a callback that stops Run in the middle of a read
// of several datagrams leaves the rest to the next Run, which delivers
// them before it reads again.
func TestRunResumesBatch(t *testing.T) {
	ns := nstest.New(t)
	stop := errors.New("stop")
	var changes, commits int
	m, err := NewMonitor(Config{NetNS: ns.Path}, func(e *Event) error {
		switch e.Kind {
		case EventChange:
			changes++
		case EventCommit:
			commits++
			if commits == 1 {
				return stop
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	// Two transactions queued before Run reads: the first's commit ends a
	// datagram that the second's first datagrams follow.
	ns.Nft(t, "add", "table", "ip", "first")
	const rules = 500
	var b strings.Builder
	b.WriteString("add table ip second\nadd chain ip second c\n")
	for i := range rules {
		fmt.Fprintf(&b, "add rule ip second c tcp dport %d accept\n", i+1)
	}
	ns.Script(t, b.String())

	if err := m.Run(context.Background()); !errors.Is(err, stop) {
		t.Fatalf("first Run: %v, want the callback's error", err)
	}
	if changes != 1 || commits != 1 {
		t.Fatalf("first Run delivered %d changes, %d commits; want the first transaction's 1 and 1", changes, commits)
	}
	if m.next == len(m.batch) {
		t.Fatalf("nothing left of the read that the commit ended (%d datagrams): the test shows nothing", len(m.batch))
	}
	changes = 0
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	for deadline := time.Now().Add(10 * time.Second); m.Stats().Transactions < 2; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			cancel()
			<-done
			t.Fatalf("the second transaction did not commit: %+v", m.Stats())
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("second Run: %v", err)
	}
	if changes != rules+2 || commits != 2 {
		t.Errorf("second Run delivered %d changes, commit %d; want %d and the second", changes, commits, rules+2)
	}
	if st := m.Stats(); st.Losses != 0 {
		t.Errorf("stats %+v: a loss", st)
	}
}

// TestStopDuringBurstWait: after a datagram, a read waits for the next in
// the kernel (SO_RCVTIMEO, burstWait), where Close and SetReadDeadline
// reach it through the datagram the socket sends itself (wakeSelf). The
// test makes that wait an hour long: only the wake-up can end it.
func TestStopDuringBurstWait(t *testing.T) {
	ns := nstest.New(t)
	for _, stop := range []string{"close", "deadline"} {
		c := openIn(t, ns, ConnConfig{}, true)
		var tv *unix.Timeval
		var err error
		if cerr := c.rc.Control(func(fd uintptr) { tv, err = unix.GetsockoptTimeval(int(fd), unix.SOL_SOCKET, unix.SO_RCVTIMEO) }); cerr != nil {
			t.Fatal(cerr)
		}
		if err != nil || time.Duration(tv.Nano()) < burstWait || time.Duration(tv.Nano()) > 10*time.Millisecond {
			t.Fatalf("SO_RCVTIMEO %v (%v), want burstWait rounded up to a jiffy", time.Duration(tv.Nano()), err)
		}
		t.Logf("SO_RCVTIMEO %v for a burstWait of %v", time.Duration(tv.Nano()), burstWait)
		hour := unix.NsecToTimeval(int64(time.Hour))
		if cerr := c.rc.Control(func(fd uintptr) { err = unix.SetsockoptTimeval(int(fd), unix.SOL_SOCKET, unix.SO_RCVTIMEO, &hour) }); cerr != nil || err != nil {
			t.Fatal(cerr, err)
		}
		ns.Nft(t, "add", "table", "ip", stop)
		receiveGens(t, c, 1, 3*time.Second) // the last read returned a datagram: hot
		if !c.r.hot {
			t.Fatal("not hot after a datagram")
		}
		errc := make(chan error, 1)
		go func() {
			_, err := c.Receive(make([]byte, MinBufferLen))
			errc <- err
		}()
		time.Sleep(20 * time.Millisecond) // in the kernel by now
		start := time.Now()
		want := ErrClosed
		if stop == "close" {
			c.Close()
		} else {
			want = os.ErrDeadlineExceeded
			c.SetReadDeadline(time.Unix(1, 0))
		}
		select {
		case err := <-errc:
			if !errors.Is(err, want) {
				t.Errorf("%s: Receive returned %v, want %v", stop, err, want)
			}
			t.Logf("%s: Receive returned %v after", stop, time.Since(start))
		case <-time.After(3 * time.Second):
			t.Fatalf("%s did not end a Receive waiting in the kernel after a datagram", stop)
		}
		if n := c.ForeignDropped(); n != 0 {
			t.Errorf("%s: ForeignDropped %d: the wake-up was counted", stop, n)
		}
	}
}

// TestCloseWithoutSelfWake: a Close from a thread without CAP_NET_ADMIN
// cannot send the wake-up (EPERM, KERNEL.md fact 20). A read waiting in
// the kernel then ends at its SO_RCVTIMEO (a jiffy; here made 200 ms, so
// that the read is still waiting when Close comes), and the reads that
// follow wait in the waiter only.
func TestCloseWithoutSelfWake(t *testing.T) {
	ns := nstest.New(t)
	c := openIn(t, ns, ConnConfig{}, true)
	const timeout = 200 * time.Millisecond
	tv := unix.NsecToTimeval(int64(timeout))
	var err error
	if cerr := c.rc.Control(func(fd uintptr) { err = unix.SetsockoptTimeval(int(fd), unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv) }); cerr != nil || err != nil {
		t.Fatal(cerr, err)
	}
	ns.Nft(t, "add", "table", "ip", "t")
	receiveGens(t, c, 1, 3*time.Second) // hot
	errc := make(chan error, 1)
	go func() {
		_, err := c.Receive(make([]byte, MinBufferLen))
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	start := time.Now()
	dropped := make(chan error, 1)
	go func() {
		// Capabilities are a thread's: this thread alone gives up
		// CAP_NET_ADMIN, and is never given back to other goroutines
		// (it ends with this one, locked).
		runtime.LockOSThread()
		hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
		var data [2]unix.CapUserData
		if err := unix.Capget(&hdr, &data[0]); err != nil {
			dropped <- err
			return
		}
		data[0].Effective &^= 1 << unix.CAP_NET_ADMIN
		if err := unix.Capset(&hdr, &data[0]); err != nil {
			dropped <- err
			return
		}
		c.Close()
		dropped <- nil
	}()
	if err := <-dropped; err != nil {
		t.Fatalf("giving up CAP_NET_ADMIN: %v", err)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("Receive returned %v, want ErrClosed", err)
		}
		// Waiting in the kernel since 20 ms before Close: ended by the
		// timeout, 180 ms after, not by a wake-up.
		if el := time.Since(start); el < timeout/2 {
			t.Errorf("Receive returned %v after Close, before its read could time out: woken", el)
		} else {
			t.Logf("Receive returned %v after Close", el)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Close without CAP_NET_ADMIN did not end a Receive waiting in the kernel")
	}
	if !c.noSelf.Load() {
		t.Error("the refused wake-up was not noticed: reads would go on waiting in the kernel")
	}
}

// TestRunTruncatedInBatch: a truncated datagram in the middle of a read of
// several is a loss; the datagrams read after it are discarded and counted
// with those still queued, as if they had been read one by one. The kernel
// sends no datagram larger than a slot (MinBufferLen), so the read is made
// here from six real datagrams, the third marked truncated.
func TestRunTruncatedInBatch(t *testing.T) {
	ns := nstest.New(t)
	ref := openIn(t, ns, ConnConfig{}, true)
	for _, name := range []string{"a", "b", "c"} {
		ns.Nft(t, "add", "table", "ip", name)
	}
	ref.SetReadDeadline(time.Now().Add(3 * time.Second))
	var dgs [][]byte
	buf := make([]byte, MinBufferLen)
	for len(dgs) < 6 { // each table's NEWTABLE, then its NEWGEN
		d, err := ref.Receive(buf)
		if err != nil {
			t.Fatal(err)
		}
		dgs = append(dgs, append([]byte(nil), buf[:d.N]...))
	}
	var losses int
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m, err := NewMonitor(Config{NetNS: ns.Path}, func(e *Event) error {
		if e.Kind == EventLoss {
			losses++
			cancel()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	arena := m.d.reserve()
	m.batch, m.next = nil, 0
	off := 0
	for i, b := range dgs {
		copy(arena[off:], b)
		g := received{Datagram: Datagram{N: len(b)}, off: off}
		if i == 2 {
			g.err = &TruncatedError{Size: len(b) + 1, BufLen: len(b)}
		}
		m.batch = append(m.batch, g)
		off += align(len(b))
	}
	if err := m.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
	st := m.Stats()
	if losses != 1 || st.Losses != 1 || st.Truncated != 1 {
		t.Errorf("%d EventLoss, stats %+v: want one loss, a truncation", losses, st)
	}
	if st.Datagrams != 2 || st.Discarded != 3 {
		t.Errorf("stats %+v: want the 2 datagrams before the truncated one read, the 3 messages after it discarded", st)
	}
}

// TestMmsghdrLayout: mmsghdr is struct mmsghdr, a struct msghdr and an
// unsigned int, padded to the alignment of a pointer.
func TestMmsghdrLayout(t *testing.T) {
	var m mmsghdr
	size := (unix.SizeofMsghdr + 4 + unix.SizeofPtr - 1) &^ (unix.SizeofPtr - 1)
	if off := unsafe.Offsetof(m.n); off != unix.SizeofMsghdr {
		t.Errorf("msg_len at offset %d, want %d", off, unix.SizeofMsghdr)
	}
	if s := unsafe.Sizeof(m); s != uintptr(size) {
		t.Errorf("struct mmsghdr of %d bytes, want %d", s, size)
	}
}
