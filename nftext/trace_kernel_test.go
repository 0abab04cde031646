package nftext_test

import (
	"context"
	"errors"
	"net"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
	"github.com/nftmon/nftmon/msgs"
	"github.com/nftmon/nftmon/nftext"
)

// TestTraceKernel traces real traffic and compares nft monitor trace with
// a Monitor (TracesToo, Snapshot) rendering with AppendTrace, a RuleCache
// and the namespace's interface names: every line. Namespace A sends over a
// veth pair to namespace B, which loads testdata/trace/veth.nft and is
// watched (nstest.VethPair): TCP, UDP (a verdict map's jump and return, a drop, a policy
// drop), ICMP and ICMPv6 echo, over IPv4 and IPv6, and B's replies. nft
// prints the counters of its own listing, made when it started, and the
// Monitor those of its snapshot: counter values are compared as N.
func TestTraceKernel(t *testing.T) {
	a, b := nstest.VethPair(t)
	b.ScriptFile(t, "testdata/trace/veth.nft")
	links := nftext.NSLinkNames(t, b)
	if len(links) < 2 {
		t.Fatalf("no veth among the interfaces %v", links)
	}

	// nft monitor trace, started first: it lists the ruleset, then
	// subscribes.
	mon := b.StartNft(t, "monitor", "trace")
	nftOut, nftErr := &mon.Stdout, &mon.Stderr

	// Two monitors: one in snapshot mode, whose RuleCache learns every
	// rule from the snapshot and the changes; one of traces only, whose
	// RuleCache asks the kernel for each rule (GETRULE) as traces name
	// them.
	req, err := nftmon.Open(nftmon.ConnConfig{NetNS: b.Path})
	if err != nil {
		t.Fatal(err)
	}
	defer req.Close()
	snap := startTraceWatcher(t, nftmon.Config{NetNS: b.Path, Traces: nftmon.TracesToo, Snapshot: true}, &nftext.RuleCache{Sets: &nftext.Sets{}}, links)
	asked := startTraceWatcher(t, nftmon.Config{NetNS: b.Path, Traces: nftmon.TracesOnly}, &nftext.RuleCache{Conn: req}, links)

	// Probe until nft prints a trace (it subscribes after its listing).
	for try := 0; !strings.Contains(nftOut.String(), "packet: "); try++ {
		if try == 100 {
			t.Fatalf("nft monitor trace printed nothing: %q %q", nftOut.String(), nftErr.String())
		}
		if err := a.Do(func() error { return sendUDP(net.JoinHostPort(nstest.VethB4, "9997")) }); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := a.Do(func() error { return traceTraffic(b) }); err != nil {
		t.Fatalf("traffic: %v", err)
	}
	nstest.WaitQuiet(nftOut, &snap.out, &asked.out)
	snap.stop(t)
	asked.stop(t)

	want := strings.Split(strings.TrimSuffix(nftOut.String(), "\n"), "\n")
	// Traffic of the kernel's own (an MLD report of the new veth) can be
	// traced after nft subscribed and before the monitors did: compare
	// from the first line that all three printed.
	for len(want) > 0 && !(hasLine(snap.out.String(), want[0]) && hasLine(asked.out.String(), want[0])) {
		want = want[1:]
	}
	if len(want) == 0 {
		t.Fatalf("no line of nft's is among the monitors':\n%s", nftOut.String())
	}
	t.Run("snapshot", func(t *testing.T) {
		got := snap.from(t, want[0])
		same, counters := compareTraceLines(t, []byte(strings.Join(got, "\n")+"\n"), []byte(strings.Join(want, "\n")+"\n"))
		t.Logf("%d of %d lines identical, %d more but for counter values; %d traces", same, len(want), counters, snap.m.Stats().Traces)
	})
	t.Run("getrule", func(t *testing.T) {
		// A rule asked for prints its anonymous sets by name: their
		// elements never came (nft lists them with the ruleset).
		got := asked.from(t, want[0])
		w := slices.Clone(want)
		anon := 0
		for i := range min(len(got), len(w)) {
			if anonSet.MatchString(got[i]) && strings.Contains(w[i], " { ") {
				w[i] = got[i]
				anon++
			}
		}
		same, counters := compareTraceLines(t, []byte(strings.Join(got, "\n")+"\n"), []byte(strings.Join(w, "\n")+"\n"))
		t.Logf("%d of %d lines identical, %d more but for counter values, %d with an anonymous set by name; %d traces", same-anon, len(want), counters, anon, asked.m.Stats().Traces)
	})
	if os.Getenv("NFTMON_TRACE_LOG") != "" {
		t.Logf("nft monitor trace printed:\n%s", nftOut.String())
	}
	for _, kind := range []string{"tcp dport 8080", "udp dport 9999", "udp dport 9998", "icmp type echo-request", "icmpv6 type echo-request", "ip6 saddr", "verdict jump", "verdict goto", "verdict return", "verdict drop", "policy drop", "policy accept", "ether saddr", "oif \"vb\"", " ip f4 in packet", " ip6 f6 in packet"} {
		if !strings.Contains(nftOut.String(), kind) {
			t.Errorf("the traffic made no %q line", kind)
		}
	}
}

// anonSet matches an anonymous set printed by name.
var anonSet = regexp.MustCompile(`@__set[0-9]+`)

// traceWatcher is a Monitor printing traces with AppendTrace.
type traceWatcher struct {
	m    *nftmon.Monitor
	out  nstest.Buffer
	stop func(t *testing.T)
}

// startTraceWatcher starts a Monitor of cfg whose traces print with rules
// and links.
func startTraceWatcher(t *testing.T, cfg nftmon.Config, rules *nftext.RuleCache, links nftext.NSLinks) *traceWatcher {
	w := &traceWatcher{}
	ctx := &nftext.TraceContext{Rules: rules, Links: links}
	var tr msgs.Trace
	var line []byte
	m, err := nftmon.NewMonitor(cfg, func(e *nftmon.Event) error {
		if rules.Sets != nil {
			if err := rules.Sets.Observe(e); err != nil {
				return err
			}
		}
		if err := rules.Observe(e); err != nil {
			return err
		}
		if e.Kind != nftmon.EventTrace {
			return nil
		}
		if err := tr.Decode(e.Attrs); err != nil {
			return err
		}
		line = nftext.AppendTrace(line[:0], nftext.NSID(e), e.Family, &tr, ctx)
		w.out.Write(line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	w.m = m
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(runCtx) }()
	w.stop = func(t *testing.T) {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("Run: %v", err)
		}
		if s := m.Stats(); s.Losses != 0 {
			t.Fatalf("the monitor lost events: %+v", s)
		}
		m.Close()
	}
	return w
}

// hasLine reports whether out holds line as a whole line.
func hasLine(out, line string) bool {
	return slices.Contains(strings.Split(out, "\n"), line)
}

// from returns the watcher's lines from first on: the monitor subscribed
// before nft did.
func (w *traceWatcher) from(t *testing.T, first string) []string {
	got := strings.Split(strings.TrimSuffix(w.out.String(), "\n"), "\n")
	for i, l := range got {
		if l == first {
			return got[i:]
		}
	}
	t.Fatalf("nft's first line %q is not among ours:\n%s", first, strings.Join(got, "\n"))
	return nil
}

// sendUDP sends one datagram.
func sendUDP(addr string) error {
	c, err := net.Dial("udp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Write([]byte("trace"))
	return err
}

// traceTraffic runs in a: TCP to a listener in b, UDP to an accepted and
// a dropped port and to one the policy drops, ICMP and ICMPv6 echoes, over
// IPv4 and IPv6. Each step waits for its answer, or a little, so that the
// traces come in the same order to both readers.
func traceTraffic(b *nstest.NS) error {
	var ln4, ln6 net.Listener
	if err := b.Do(func() error {
		var err error
		if ln4, err = net.Listen("tcp4", net.JoinHostPort(nstest.VethB4, "8080")); err != nil {
			return err
		}
		ln6, err = net.Listen("tcp6", net.JoinHostPort(nstest.VethB6, "8080"))
		return err
	}); err != nil {
		return err
	}
	defer ln4.Close()
	defer ln6.Close()
	for _, ln := range []net.Listener{ln4, ln6} {
		go func() {
			if c, err := ln.Accept(); err == nil {
				c.Close()
			}
		}()
	}
	step := func() { time.Sleep(150 * time.Millisecond) }
	for _, host := range []string{nstest.VethB4, nstest.VethB6} {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(host, "8080"), 2*time.Second)
		if err != nil {
			return err
		}
		step()
		c.Close()
		step()
		for _, port := range []string{"9999", "9998", "9996"} {
			if err := sendUDP(net.JoinHostPort(host, port)); err != nil {
				return err
			}
			step()
		}
	}
	if err := echo("ip4:icmp", nstest.VethB4, 8); err != nil {
		return err
	}
	step()
	return echo("ip6:ipv6-icmp", nstest.VethB6, 128)
}

// echo sends an echo request of ICMP type typ and waits for the reply.
func echo(network, host string, typ byte) error {
	c, err := net.Dial(network, host)
	if err != nil {
		return err
	}
	defer c.Close()
	msg := []byte{typ, 0, 0, 0, 0x12, 0x34, 0, 1, 't', 'r', 'a', 'c', 'e'}
	if typ == 8 {
		// ICMPv4 checksums are ours to make; the kernel makes ICMPv6's.
		var sum uint32
		for i := 0; i < len(msg); i += 2 {
			w := uint32(msg[i]) << 8
			if i+1 < len(msg) {
				w |= uint32(msg[i+1])
			}
			sum += w
		}
		sum = sum>>16 + sum&0xffff
		sum += sum >> 16
		msg[2], msg[3] = byte(^sum>>8), byte(^sum)
	}
	if _, err := c.Write(msg); err != nil {
		return err
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 1500)
	_, err = c.Read(buf)
	return err
}
