package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nftmon/nftmon/internal/nstest"
)

// TestKernelTraceMatchesNftMonitor traces real traffic and compares
// nft monitor trace with nftmon trace, both run inside the traced
// namespace, every line; and with nftmon -j trace -netns, watching it
// from outside, whose objects hold the same lines: it names the
// interfaces of the watched namespace (vb, which nftmon's own has not).
// Namespace a sends to b over a
// veth pair (nstest.VethPair); b loads nftext's trace ruleset (jumps, a goto,
// returns, a verdict map, drops, both policies): TCP, UDP, ICMP and ICMPv6
// echoes over IPv4 and IPv6, and b's replies. nft prints the counters of
// the listing it made when it started, nftmon those of its snapshot:
// counter values are compared as N, and the lines that differ only there
// counted.
func TestKernelTraceMatchesNftMonitor(t *testing.T) {
	a, b := nstest.VethPair(t)
	b.ScriptFile(t, "../../nftext/testdata/trace/veth.nft")

	bin := nftmonBinary(t)
	file := filepath.Join(t.TempDir(), "trace.pcap")
	nm := nftProc(t, b, "monitor", "trace")
	inside := startProc(t, "nftmon trace (in b)", b.Command(bin, "trace"))
	outside := startProc(t, "nftmon -j trace -netns", exec.Command(bin, "-j", "trace", "-netns", b.Path))
	rec := startProc(t, "nftmon -t -w trace (in b)", b.Command(bin, "-t", "-w", file, "trace"))
	procs := []*proc{nm, inside, outside, rec}

	// Probe (UDP to a port the policy drops) until each prints a trace:
	// each subscribes when it is ready (nft after its listing, nftmon
	// after its snapshot). Then wait for the last probe's lines and keep
	// what comes after.
	for try := 0; ; try++ {
		all := true
		for _, p := range procs {
			all = all && strings.Contains(p.Stdout.String(), "packet: ")
		}
		if all {
			break
		}
		if try == 100 {
			for _, p := range procs {
				select {
				case <-p.Done():
					t.Logf("%s exited: %v", p.Name, p.Wait())
				default:
				}
				t.Logf("%s: stdout %q, stderr %q", p.Name, tail(p.Stdout.String(), 3), p.Stderr.String())
			}
			t.Fatal("a trace reader printed nothing")
		}
		if err := a.Do(func() error { return udpTo(nstest.VethB4, "9997") }); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	quiet(procs)
	start := make([]int, len(procs))
	for i, p := range procs {
		start[i] = len(p.Stdout.String())
	}
	if err := a.Do(func() error { return traceTraffic(b) }); err != nil {
		t.Fatalf("traffic: %v", err)
	}
	quiet(procs)
	for _, p := range procs[1:] {
		if code := p.stop(t, syscall.SIGTERM); code != exitOK || p.Stderr.String() != "" {
			t.Errorf("%s: exit %d, stderr %q; want 0 and nothing", p.Name, code, p.Stderr.String())
		}
	}
	lines := func(p *proc, from int) []string {
		return strings.Split(strings.TrimSuffix(p.Stdout.String()[from:], "\n"), "\n")
	}
	want := lines(nm, start[0])
	if len(want) < 30 {
		t.Fatalf("nft monitor trace printed %d lines for the traffic:\n%s", len(want), strings.Join(want, "\n"))
	}
	for _, kind := range []string{"tcp dport 8080", "udp dport 9999", "icmp type echo-request", "icmpv6 type echo-request", "verdict jump", "verdict goto", "verdict return", "verdict drop", "policy drop", "policy accept", `iif "vb"`, `oif "vb"`} {
		if !strings.Contains(strings.Join(want, "\n"), kind) {
			t.Errorf("the traffic made no %q line", kind)
		}
	}

	same, counters := compareTraces(t, "nftmon trace", lines(inside, start[1]), want)
	t.Logf("nftmon trace: %d of %d lines identical, %d more but for counter values", same, len(want), counters)

	// From outside: the JSON objects' lines, the interfaces named in the
	// watched namespace.
	var texts []string
	for i, l := range lines(outside, start[2]) {
		var obj struct{ Type, Trace, Table, Chain string }
		if err := json.Unmarshal([]byte(l), &obj); err != nil || obj.Type != "TRACE" || obj.Table == "" || !strings.Contains(obj.Trace, " "+obj.Table+" "+obj.Chain+" ") {
			t.Errorf("-j object %d: %s (%v): want a TRACE object naming its table and chain", i+1, l, err)
		}
		texts = append(texts, obj.Trace)
	}
	same, counters = compareTraces(t, "nftmon -j trace -netns", texts, want)
	t.Logf("nftmon -j trace -netns: %d of %d lines identical, %d more but for counter values", same, len(want), counters)

	// Recording, with -t: each line a time, then nft's line; but a rule
	// asked for (GETRULE, there is no snapshot) prints its anonymous sets
	// by name, their elements never came (nft lists them).
	var timed []string
	anon := 0
	for i, l := range lines(rec, start[3]) {
		at, line, _ := strings.Cut(l, " ")
		if _, err := time.Parse(time.RFC3339Nano, at); err != nil {
			t.Errorf("-t -w line %d: %q: no time first (%v)", i+1, l, err)
		}
		if i < len(want) && anonSet.MatchString(line) && strings.Contains(want[i], " { ") {
			line = want[i]
			anon++
		}
		timed = append(timed, line)
	}
	same, counters = compareTraces(t, "nftmon -t -w trace", timed, want)
	t.Logf("nftmon -t -w trace: %d of %d lines identical, %d more but for counter values, %d with an anonymous set by name", same-anon, len(want), counters, anon)

	// The recording, read back: the traces as printed live, but for the
	// rules and interfaces, which the file does not hold.
	code, out, errs := runCmd("trace", "-r", file)
	replayed := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != exitOK || errs != "" || len(replayed) < len(want) {
		t.Fatalf("trace -r: exit %d, stderr %q, %d lines; want 0, nothing, at least %d lines", code, errs, len(replayed), len(want))
	}
	replayed = replayed[len(replayed)-len(want):] // the probes came first
	for i := range want {
		g, w := traceLineEnd.FindStringSubmatch(replayed[i]), traceLineEnd.FindStringSubmatch(want[i])
		if g == nil || w == nil || g[1] != w[1] || g[2] != w[2] {
			t.Errorf("trace -r line %d:\n got %s\nwant %s", i+1, replayed[i], want[i])
		}
	}
}

// anonSet matches an anonymous set printed by name.
var anonSet = regexp.MustCompile(`@__set[0-9]+`)

// counterValues are a rule's counter values, which may differ between two
// listings of the same rule.
var counterValues = regexp.MustCompile(`counter packets \d+ bytes \d+`)

// compareTraces reports each line of got that differs from want, counter
// values aside, and returns how many are identical and how many differ
// only in counter values.
func compareTraces(t *testing.T, name string, got, want []string) (same, counters int) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d lines, nft monitor trace %d", name, len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		switch {
		case got[i] == want[i]:
			same++
		case counterValues.ReplaceAllString(got[i], "counter") == counterValues.ReplaceAllString(want[i], "counter"):
			counters++
		default:
			t.Errorf("%s: line %d:\n got %s\nwant %s", name, i+1, got[i], want[i])
		}
	}
	return same, counters
}

// quiet waits until no process's output has grown for half a second.
func quiet(procs []*proc) {
	last := ""
	for range 40 {
		time.Sleep(500 * time.Millisecond)
		var cur strings.Builder
		for _, p := range procs {
			fmt.Fprint(&cur, len(p.Stdout.String()), " ")
		}
		if cur.String() == last {
			return
		}
		last = cur.String()
	}
}

// udpTo sends one datagram to host:port.
func udpTo(host, port string) error {
	c, err := net.Dial("udp", net.JoinHostPort(host, port))
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Write([]byte("trace"))
	return err
}

// traceTraffic runs in a: over IPv4 and IPv6, a TCP connection to a
// listener in b (accepted by the goto's chain), UDP to a port the verdict
// map jumps for, one it drops, one the policy drops; an ICMP and an ICMPv6
// echo. Each step waits a little, for readable traces.
func traceTraffic(b *nstest.NS) error {
	var lns []net.Listener
	if err := b.Do(func() error {
		for _, addr := range []string{nstest.VethB4, nstest.VethB6} {
			ln, err := net.Listen("tcp", net.JoinHostPort(addr, "8080"))
			if err != nil {
				return err
			}
			lns = append(lns, ln)
		}
		return nil
	}); err != nil {
		return err
	}
	for _, ln := range lns {
		defer ln.Close()
		go func() {
			if c, err := ln.Accept(); err == nil {
				c.Close()
			}
		}()
	}
	pause := func() { time.Sleep(150 * time.Millisecond) }
	for _, host := range []string{nstest.VethB4, nstest.VethB6} {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(host, "8080"), 2*time.Second)
		if err != nil {
			return err
		}
		pause()
		c.Close()
		pause()
		for _, port := range []string{"9999", "9998", "9996"} {
			if err := udpTo(host, port); err != nil {
				return err
			}
			pause()
		}
	}
	if err := ping("ip4:icmp", nstest.VethB4); err != nil {
		return err
	}
	pause()
	return ping("ip6:ipv6-icmp", nstest.VethB6)
}

// ping sends an ICMP (ip4:icmp) or ICMPv6 echo request and waits for a
// reply. The kernel sums ICMPv6 messages itself, ICMP ones are ours to sum.
func ping(network, host string) error {
	c, err := net.Dial(network, host)
	if err != nil {
		return err
	}
	defer c.Close()
	msg := []byte{128, 0, 0, 0, 0, 7, 0, 1, 'n', 'f', 't', 'm', 'o', 'n'}
	if network == "ip4:icmp" {
		msg[0] = 8
		var sum uint32
		for i := 0; i < len(msg); i += 2 {
			sum += uint32(msg[i])<<8 | uint32(msg[i+1])
		}
		for sum > 0xffff {
			sum = sum>>16 + sum&0xffff
		}
		msg[2], msg[3] = byte(^sum>>8), byte(^sum)
	}
	if _, err := c.Write(msg); err != nil {
		return err
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err = c.Read(make([]byte, 1500))
	return err
}
