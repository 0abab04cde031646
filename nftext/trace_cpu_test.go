package nftext_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
	"github.com/nftmon/nftmon/msgs"
	"github.com/nftmon/nftmon/nftext"
	"golang.org/x/sys/unix"
)

// traceCPURuleset traces UDP datagrams to port 9999 through two rules
// of an inet table: two traces per datagram (the first rule's, with the
// packet, and the accepting rule's), three lines.
const traceCPURuleset = `table inet t {
	chain pre {
		type filter hook prerouting priority filter; policy accept;
		udp dport 9999 meta nftrace set 1
		udp dport 9999 counter accept
	}
}
`

// BenchmarkTraceKernel measures the CPU time (user + system) each reader
// spends per traced datagram, b.N datagrams sent over a veth pair: nft
// monitor trace, and a Monitor with TracesOnly whose callback decodes and
// renders every trace with AppendTrace and writes the lines, both to
// /dev/null. nft's time is read from /proc, the Monitor's from the thread
// Run runs on (RUSAGE_THREAD). Run with -benchtime=20000x.
func BenchmarkTraceKernel(b *testing.B) {
	na, nb := nstest.VethPair(b)
	nb.Script(b, traceCPURuleset)
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devnull.Close()

	// Not nstest.NS.StartNft, whose buffers would cost nft a pipe's
	// copy per line that the Monitor's writes to /dev/null do not.
	mon := nb.Command(nstest.NftPath(b), "monitor", "trace")
	mon.Stdout, mon.Stderr = devnull, devnull
	if err := mon.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { mon.Process.Kill(); mon.Wait() }()

	req, err := nftmon.Open(nftmon.ConnConfig{NetNS: nb.Path})
	if err != nil {
		b.Fatal(err)
	}
	defer req.Close()
	rules := &nftext.RuleCache{Conn: req}
	ctx := &nftext.TraceContext{Rules: rules}
	w := bufio.NewWriter(devnull)
	var tr msgs.Trace
	var line []byte
	var traces int
	m, err := nftmon.NewMonitor(nftmon.Config{NetNS: nb.Path, Traces: nftmon.TracesOnly, ReadBuffer: 16 << 20}, func(e *nftmon.Event) error {
		if err := tr.Decode(e.Attrs); err != nil {
			return err
		}
		traces++
		line = nftext.AppendTrace(line[:0], nftext.NSID(e), e.Family, &tr, ctx)
		_, err := w.Write(line)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	runCtx, cancel := context.WithCancel(context.Background())
	type result struct {
		cpu time.Duration
		err error
	}
	done := make(chan result, 1)
	start := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		t0 := threadCPU()
		close(start)
		err := m.Run(runCtx)
		done <- result{threadCPU() - t0, err}
	}()
	<-start
	time.Sleep(time.Second) // nft lists the ruleset, then subscribes
	nft0 := procCPU(b, mon.Process.Pid)

	b.ResetTimer()
	err = na.Do(func() error {
		c, err := net.ListenPacket("udp4", ":0")
		if err != nil {
			return err
		}
		defer c.Close()
		to := &net.UDPAddr{IP: net.ParseIP(nstest.VethB4), Port: 9999}
		msg := []byte("trace")
		for i := range b.N {
			if _, err := c.WriteTo(msg, to); err != nil {
				return err
			}
			if i%200 == 199 {
				time.Sleep(5 * time.Millisecond) // let both readers keep up
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	// Wait for both to go idle.
	for last := time.Duration(-1); ; {
		time.Sleep(300 * time.Millisecond)
		cur := procCPU(b, mon.Process.Pid)
		if cur == last {
			break
		}
		last = cur
	}
	b.StopTimer()
	nftCPU := procCPU(b, mon.Process.Pid) - nft0
	cancel()
	r := <-done
	if !errors.Is(r.err, context.Canceled) {
		b.Fatal(r.err)
	}
	w.Flush()
	s := m.Stats()
	if s.Losses != 0 || traces < 2*b.N {
		b.Fatalf("the monitor saw %d traces of %d datagrams (want %d), %d losses", traces, b.N, 2*b.N, s.Losses)
	}
	b.ReportMetric(float64(nftCPU.Nanoseconds())/float64(b.N), "nft-ns/packet")
	b.ReportMetric(float64(r.cpu.Nanoseconds())/float64(b.N), "monitor-ns/packet")
	b.ReportMetric(float64(nftCPU)/float64(r.cpu), "nft/monitor")
}

// threadCPU returns the calling thread's CPU time.
func threadCPU() time.Duration {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_THREAD, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU returns a process's CPU time (utime + stime of /proc/PID/stat).
func procCPU(tb testing.TB, pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		tb.Fatal(err)
	}
	// The fields after the command's name, which is in parentheses.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	const utime, stime = 11, 12 // fields 14 and 15 of proc(5), counted from state
	u, _ := strconv.ParseInt(f[utime], 10, 64)
	s, _ := strconv.ParseInt(f[stime], 10, 64)
	const clockTicks = 100 // sysconf(_SC_CLK_TCK) on Linux
	return time.Duration(u+s) * time.Second / clockTicks
}
