package nftmon

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/nftmon/nftmon/internal/nstest"
	"golang.org/x/sys/unix"
)

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
