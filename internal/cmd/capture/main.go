// Command capture records the kernel's nftables netlink traffic for the
// scenarios in testdata/scenarios, into the files the tests of this module
// read. It must run as root and never touches the host's ruleset: each
// scenario runs in a fresh private network namespace.
//
//	go run ./internal/cmd/capture [-out testdata] [scenario names...]
//
// For each scenario NAME it writes, in the output directory:
//
//	NAME.pcap       every notification datagram, exactly as received
//	NAME.monitor    what `nft monitor` printed for the same changes
//	NAME.dump.pcap  the kernel's replies to dumps of the final state
//	NAME.json       nft -j list ruleset
//	NAME.debug      nft --debug=netlink list ruleset
//	NAME.ruleset    nft list ruleset
//	NAME.links      the namespace's interfaces, an "INDEX NAME" line each
//	                (nstest.WriteLinks): what nft monitor names by name
//
// and CAPTURED, the kernel and nft versions. With -synth-flowtable (the
// default) it also writes flowtable.pcap, which is synthesized, not captured:
// see flowtable.go.
//
// A scenario file is a sequence of steps, each run as one `nft -f -` (one
// transaction). A line `#--- step` starts a step that must succeed, a line
// `#--- fail` one that must fail (a failed transaction notifies nothing).
// Lines `#!setup COMMAND` before the first step run COMMAND with sh -c inside
// the namespace first (to add a device, for example). A line `#!nomonitor`
// says that nft monitor's output is wrong for this scenario (nft 1.0.6
// misprints some elements), so no NAME.monitor is written.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
	"github.com/nftmon/nftmon/internal/pcapnl"
	"golang.org/x/sys/unix"
)

func main() {
	out := flag.String("out", "testdata", "output directory; scenarios are read from its scenarios/ subdirectory")
	synth := flag.Bool("synth-flowtable", true, "also write the synthesized flowtable.pcap")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: capture [-out dir] [-synth-flowtable=false] [scenario...]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("capture: ")

	names := flag.Args()
	if len(names) == 0 {
		files, err := filepath.Glob(filepath.Join(*out, "scenarios", "*.nft"))
		if err != nil {
			log.Fatal(err)
		}
		for _, f := range files {
			names = append(names, strings.TrimSuffix(filepath.Base(f), ".nft"))
		}
		sort.Strings(names)
	}
	if len(names) == 0 && !*synth {
		log.Fatalf("no scenarios in %s/scenarios", *out)
	}
	for _, name := range names {
		name = strings.TrimSuffix(filepath.Base(name), ".nft")
		if err := captureScenario(*out, name); err != nil {
			log.Fatalf("%s: %v", name, err)
		}
	}
	if err := writeVersions(*out); err != nil {
		log.Fatal(err)
	}
	if *synth {
		if err := writeFlowtable(filepath.Join(*out, "flowtable.pcap")); err != nil {
			log.Fatal(err)
		}
		log.Printf("flowtable: synthesized")
	}
}

// step is one transaction of a scenario.
type step struct {
	script string
	fail   bool // the transaction must be refused
	line   int  // line of the step's marker, for messages
}

// scenario is a parsed scenario file.
type scenario struct {
	setup     []string // shell commands run in the namespace first
	steps     []step
	noMonitor bool // #!nomonitor: nft monitor's output is not worth keeping

}

// parseScenario splits a scenario file into its setup commands and steps.
// Text before the first marker that is not a comment or a setup line is an
// error, so that nothing is silently left out.
func parseScenario(src string) (*scenario, error) {
	sc := &scenario{}
	var cur *step
	for i, line := range strings.Split(src, "\n") {
		trim := strings.TrimSpace(line)
		switch {
		case trim == "#--- step" || trim == "#--- fail":
			sc.steps = append(sc.steps, step{fail: trim == "#--- fail", line: i + 1})
			cur = &sc.steps[len(sc.steps)-1]
		case trim == "#!nomonitor":
			sc.noMonitor = true
		case strings.HasPrefix(trim, "#!setup "):
			if cur != nil {
				return nil, fmt.Errorf("line %d: #!setup after the first step", i+1)
			}
			sc.setup = append(sc.setup, strings.TrimPrefix(trim, "#!setup "))
		case cur == nil:
			if trim != "" && !strings.HasPrefix(trim, "#") {
				return nil, fmt.Errorf("line %d: text before the first #--- step marker", i+1)
			}
		default:
			cur.script += line + "\n"
		}
	}
	for _, s := range sc.steps {
		if strings.TrimSpace(stripComments(s.script)) == "" {
			return nil, fmt.Errorf("line %d: empty step", s.line)
		}
	}
	if len(sc.steps) == 0 {
		return nil, errors.New("no steps")
	}
	return sc, nil
}

func stripComments(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// captureScenario runs one scenario in a fresh namespace and writes its files.
func captureScenario(out, name string) error {
	src, err := os.ReadFile(filepath.Join(out, "scenarios", name+".nft"))
	if err != nil {
		return err
	}
	sc, err := parseScenario(string(src))
	if err != nil {
		return err
	}
	ns, err := nstest.Make()
	if err != nil {
		return err
	}
	defer unix.Close(ns.FD)
	for _, cmd := range sc.setup {
		if b, err := ns.Command("sh", "-c", cmd).CombinedOutput(); err != nil {
			return fmt.Errorf("setup %q: %v: %s", cmd, err, b)
		}
	}
	// The interfaces nft monitor, started next, names in rules and
	// elements; the steps make none.
	links, err := ns.Links()
	if err != nil {
		return err
	}
	if err := nstest.WriteLinks(filepath.Join(out, name+".links"), links); err != nil {
		return err
	}

	c, err := nftmon.Open(nftmon.ConnConfig{NetNS: ns.Path})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.JoinGroup(unix.NFNLGRP_NFTABLES); err != nil {
		return err
	}

	// nft monitor, line-buffered so that what it printed is on the pipe
	// when it is stopped.
	var monOut, monErr nstest.Buffer
	mon := ns.Command("stdbuf", "-oL", "nft", "monitor")
	mon.Stdout, mon.Stderr = &monOut, &monErr
	if err := mon.Start(); err != nil {
		return fmt.Errorf("nft monitor: %w", err)
	}
	monDone := false
	defer func() {
		if !monDone {
			mon.Process.Kill()
			mon.Wait()
		}
	}()
	if err := waitSubscribed(ns, c.PortID()); err != nil {
		return err
	}

	pf, err := os.Create(filepath.Join(out, name+".pcap"))
	if err != nil {
		return err
	}
	defer pf.Close()
	pw, err := pcapnl.NewWriter(pf)
	if err != nil {
		return err
	}
	buf := make([]byte, nftmon.MinBufferLen)
	var lastGen uint32
	var datagrams, messages int
	for i, st := range sc.steps {
		_, nerr := ns.TryNft(st.script, "-f", "-")
		if st.fail {
			if nerr == nil {
				return fmt.Errorf("step %d (line %d): expected to fail, but nft succeeded", i+1, st.line)
			}
			c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			d, err := c.Receive(buf)
			if err == nil {
				return fmt.Errorf("step %d (line %d): failed transaction notified %d bytes", i+1, st.line, d.N)
			}
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				return fmt.Errorf("step %d: %w", i+1, err)
			}
			continue
		}
		if nerr != nil {
			return fmt.Errorf("step %d (line %d): %v", i+1, st.line, nerr)
		}
		// Read until this transaction's NEWGEN, the last datagram of a commit.
		var gen uint32
		for gen == 0 {
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			d, err := c.Receive(buf)
			if err != nil {
				return fmt.Errorf("step %d (line %d): waiting for NEWGEN: %w", i+1, st.line, err)
			}
			if err := pw.Write(time.Now(), buf[:d.N], d.NSID, d.HasNSID); err != nil {
				return err
			}
			datagrams++
			s := nftmon.NewMessageScanner(buf[:d.N])
			for s.Next() {
				messages++
				m := s.Message()
				if !m.Header.IsNFTables() || m.Header.MsgType() != nftmon.MsgNewGen {
					continue
				}
				_, attrs, err := m.NFGen()
				if err != nil {
					return err
				}
				var g nftmon.Gen
				if err := g.Decode(attrs); err != nil {
					return err
				}
				gen = g.ID
			}
			if err := s.Err(); err != nil {
				return fmt.Errorf("step %d: %w", i+1, err)
			}
		}
		lastGen = gen
	}
	// Nothing may come after the last commit: no notification outside a
	// transaction, no late release (an owner table's is not notified).
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if d, err := c.Receive(buf); err == nil {
		return fmt.Errorf("%d-byte datagram after the last NEWGEN", d.N)
	} else if !errors.Is(err, os.ErrDeadlineExceeded) {
		return err
	}
	if err := pf.Close(); err != nil {
		return err
	}

	// Stop nft monitor once it has printed the last commit.
	if lastGen != 0 {
		want := fmt.Sprintf("# new generation %d by process", lastGen)
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(monOut.String(), want) {
			if time.Now().After(deadline) {
				return fmt.Errorf("nft monitor never printed %q; it printed:\n%s\nstderr: %s", want, monOut.String(), monErr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	mon.Process.Signal(syscall.SIGTERM)
	mon.Wait()
	monDone = true
	monPath := filepath.Join(out, name+".monitor")
	if sc.noMonitor {
		if err := os.Remove(monPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	} else if err := os.WriteFile(monPath, []byte(monOut.String()), 0o644); err != nil {
		return err
	}

	dumps, err := dumpState(ns, filepath.Join(out, name+".dump.pcap"))
	if err != nil {
		return fmt.Errorf("dump: %w", err)
	}
	for _, f := range []struct {
		ext  string
		args []string
	}{
		{".json", []string{"-j", "list", "ruleset"}},
		{".debug", []string{"--debug=netlink", "list", "ruleset"}},
		{".ruleset", []string{"list", "ruleset"}},
	} {
		o, err := ns.TryNft("", f.args...)
		if err != nil {
			return fmt.Errorf("nft %s: %w", strings.Join(f.args, " "), err)
		}
		if err := os.WriteFile(filepath.Join(out, name+f.ext), []byte(o), 0o644); err != nil {
			return err
		}
	}
	log.Printf("%s: %d steps, %d datagrams, %d messages, last gen %d; %s", name, len(sc.steps), datagrams, messages, lastGen, dumps)
	return nil
}

// waitSubscribed waits until a netfilter netlink socket other than ours
// (port id own) in the namespace has joined NFNLGRP_NFTABLES: nft monitor
// joins the group after filling its cache, just before it starts reading.
// This leaves no trace in the capture, unlike a synchronizing transaction.
func waitSubscribed(ns *nstest.NS, own uint32) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := ns.Command("cat", "/proc/net/netlink").Output()
		if err != nil {
			return fmt.Errorf("read /proc/net/netlink: %w", err)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			// sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
			if len(f) < 4 || f[1] != strconv.Itoa(unix.NETLINK_NETFILTER) {
				continue
			}
			pid, err1 := strconv.ParseUint(f[2], 10, 32)
			groups, err2 := strconv.ParseUint(f[3], 16, 32)
			if err1 == nil && err2 == nil && uint32(pid) != own && groups&(1<<(unix.NFNLGRP_NFTABLES-1)) != 0 {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return errors.New("nft monitor did not subscribe within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// writeVersions records the kernel and nft versions that made the files.
func writeVersions(out string) error {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return err
	}
	nftv, err := exec.Command("nft", "--version").Output()
	if err != nil {
		return fmt.Errorf("nft --version: %w", err)
	}
	s := fmt.Sprintf("kernel: %s %s %s\nnft: %s\ncaptured: %s\n",
		unix.ByteSliceToString(u.Sysname[:]), unix.ByteSliceToString(u.Release[:]),
		unix.ByteSliceToString(u.Machine[:]), strings.TrimSpace(string(nftv)),
		time.Now().UTC().Format(time.RFC3339))
	return os.WriteFile(filepath.Join(out, "CAPTURED"), []byte(s), 0o644)
}
