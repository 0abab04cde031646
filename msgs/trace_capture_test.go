package msgs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
	"github.com/nftmon/nftmon/internal/pcapnl"
	"golang.org/x/sys/unix"
)

// The trace capture: regenerate testdata/trace.* as root, from the module
// root, with
//
//	go test ./msgs -run TestKernelTrace -capture-trace
//
// TestKernelTrace makes a private network namespace, brings lo up, loads
// testdata/trace.nft, starts `nft monitor trace` and a Conn joined to
// NFNLGRP_NFTRACE, sends the packets of traceTraffic, and checks what both
// saw; with -capture-trace it also writes it: trace.pcap (every
// NFT_MSG_TRACE datagram, exact kernel bytes), trace.monitor (nft's text of
// the same traces) and trace.ruleset (`nft -a list ruleset`, for the rule
// handles).
var captureTrace = flag.Bool("capture-trace", false, "TestKernelTrace rewrites testdata/trace.* from its capture")

// writeTraceCapture writes c to testdata/trace.*.
func writeTraceCapture(t *testing.T, c traceCapture) {
	for name, data := range map[string][]byte{"trace.pcap": c.pcap, "trace.monitor": c.monitor, "trace.ruleset": c.ruleset} {
		if err := os.WriteFile(filepath.Join("testdata", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("wrote testdata/trace.*: %d datagrams, %d monitor lines", c.datagrams, bytes.Count(c.monitor, []byte("\n")))
}

// traceCapture is what one run of the capture saw.
type traceCapture struct {
	pcap, monitor, ruleset []byte
	datagrams              int
}

// runTraceCapture runs the capture in a fresh namespace.
func runTraceCapture(t *testing.T) traceCapture {
	ns := nstest.New(t)
	if out, err := ns.Command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("ip link set lo up: %v: %s", err, out)
	}
	ns.ScriptFile(t, "testdata/trace.nft")
	ruleset := ns.Nft(t, "-a", "list", "ruleset")

	c, err := nftmon.Open(nftmon.ConnConfig{NetNS: ns.Path})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.JoinGroup(unix.NFNLGRP_NFTRACE); err != nil {
		t.Fatal(err)
	}

	mon := ns.StartNft(t, "monitor", "trace")
	monOut, monErr := &mon.Stdout, &mon.Stderr
	buf := make([]byte, nftmon.MinBufferLen)
	drain := func(each func(b []byte, d nftmon.Datagram)) {
		for {
			c.SetReadDeadline(time.Now().Add(time.Second))
			d, err := c.Receive(buf)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return
			}
			if err != nil {
				t.Fatalf("receive: %v", err)
			}
			each(buf[:d.N], d)
		}
	}

	// nft lists the ruleset before it subscribes: probe until it prints a
	// trace, then let both readers go quiet and start afresh.
	for try := 0; !strings.Contains(monOut.String(), "packet: "); try++ {
		if try == 100 {
			t.Fatalf("nft monitor trace printed nothing for the probes: %q %q", monOut.String(), monErr.String())
		}
		if err := inNetNS(ns.FD, traceProbe); err != nil {
			t.Fatalf("probe: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	drain(func([]byte, nftmon.Datagram) {})
	nstest.WaitQuiet(monOut)
	monOut.Reset()

	if err := inNetNS(ns.FD, traceTraffic); err != nil {
		t.Fatalf("traffic: %v", err)
	}
	var file bytes.Buffer
	w, err := pcapnl.NewWriter(&file)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	drain(func(b []byte, d nftmon.Datagram) {
		if err := w.Write(time.Now(), b, d.NSID, d.HasNSID); err != nil {
			t.Fatal(err)
		}
		n++
	})
	nstest.WaitQuiet(monOut)
	// nft monitor ignores SIGINT when started from a script (KERNEL.md,
	// fact 16): stop it with SIGTERM.
	mon.Stop(t, syscall.SIGTERM)
	if monErr.String() != "" {
		t.Fatalf("nft monitor trace: %s", monErr.String())
	}
	if n == 0 || monOut.String() == "" {
		t.Fatalf("%d trace datagrams, nft printed %q", n, monOut.String())
	}
	return traceCapture{pcap: file.Bytes(), monitor: []byte(monOut.String()), ruleset: []byte(ruleset), datagrams: n}
}

// inNetNS runs fn on a thread of its own that has entered the network
// namespace fd; the thread is thrown away afterwards, so no other goroutine
// ever runs in the namespace. Sockets fn makes stay in it.
func inNetNS(fd int, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			errc <- err
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// The ports of the trace traffic (testdata/trace.nft matches them).
const (
	traceSrcPort  = 40000
	traceAccept   = 9999
	traceDropPort = 9998
)

// traceProbe sends one UDP datagram to a port the ruleset does not name:
// traced, but not part of the capture.
func traceProbe() error {
	c, err := net.Dial("udp4", "127.0.0.1:9997")
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Write([]byte("probe"))
	return err
}

// traceTraffic sends, in the namespace: a UDP datagram over IPv4 and one
// over IPv6 to a listening port (accepted), one to a dropped port, and an
// ICMP and an ICMPv6 echo request (answered by the kernel).
func traceTraffic() error {
	for _, c := range []struct{ network, src, dst string }{
		{"udp4", "127.0.0.1", "127.0.0.1"},
		{"udp6", "::1", "::1"},
	} {
		l, err := net.ListenUDP(c.network, &net.UDPAddr{IP: net.ParseIP(c.dst), Port: traceAccept})
		if err != nil {
			return err
		}
		defer l.Close()
		s, err := net.DialUDP(c.network, &net.UDPAddr{IP: net.ParseIP(c.src), Port: traceSrcPort}, &net.UDPAddr{IP: net.ParseIP(c.dst), Port: traceAccept})
		if err != nil {
			return err
		}
		if _, err := s.Write([]byte("trace")); err != nil {
			return err
		}
		s.Close()
		time.Sleep(50 * time.Millisecond)
	}
	d, err := net.DialUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: traceSrcPort + 1}, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: traceDropPort})
	if err != nil {
		return err
	}
	if _, err := d.Write([]byte("dropped")); err != nil {
		return err
	}
	d.Close()
	time.Sleep(50 * time.Millisecond)
	if err := echo(unix.AF_INET, unix.IPPROTO_ICMP, 8, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return err
	}
	return echo(unix.AF_INET6, unix.IPPROTO_ICMPV6, 128, &unix.SockaddrInet6{Addr: [16]byte{15: 1}})
}

// echo sends one echo request (ICMP type typ) on a raw socket and waits a
// little for the kernel's reply to be traced. The ICMPv6 checksum is the
// kernel's (raw ICMPv6 sockets fill it); the ICMP one is computed here.
func echo(family, proto int, typ byte, to unix.Sockaddr) error {
	fd, err := unix.Socket(family, unix.SOCK_RAW|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	msg := []byte{typ, 0, 0, 0, 0x12, 0x34, 0, 1, 't', 'r', 'a', 'c', 'e'}
	if family == unix.AF_INET {
		binary.BigEndian.PutUint16(msg[2:], inetChecksum(msg))
	}
	if err := unix.Sendto(fd, msg, 0, to); err != nil {
		return err
	}
	time.Sleep(50 * time.Millisecond)
	return nil
}

// inetChecksum is the Internet checksum of b (RFC 1071).
func inetChecksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}
