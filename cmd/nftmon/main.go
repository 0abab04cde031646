// Command nftmon prints every change to the nftables ruleset of a network
// namespace as it is committed: one line per change, in a text form close to
// `nft monitor`, or one JSON object per line with -json, and one line per
// transaction naming its generation and the process that committed it.
//
// Usage:
//
//	nftmon [flags]
//
// It watches the current network namespace unless -netns or -all-netns says
// otherwise; -w records the raw netlink datagrams to a pcap file, -r decodes
// such a file instead of the socket. SIGINT and SIGTERM end it cleanly (exit
// status 0). A bad flag exits with status 2, any other error with status 1.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/nftmon/nftmon"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the parsed command line.
type options struct {
	json      bool
	netns     string // a path, or a name under /run/netns
	allNetNS  bool
	sinceGen  uint32
	snapshot  bool
	stream    bool
	rcvbuf    int
	filter    filter
	write     string // -w: pcap file to record to
	read      string // -r: pcap file to decode
	stats     bool
	netnsPath string // netns resolved to a path
}

// usageError is a bad command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// parseFlags parses args into options.
func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("nftmon", flag.ContinueOnError)
	var kinds, ops, sinceGen, rcvbuf string
	fs.BoolVar(&o.json, "json", false, "print one JSON object per line per event")
	fs.StringVar(&o.netns, "netns", "", "watch the network namespace `NAME` (/run/netns/NAME) or PATH")
	fs.BoolVar(&o.allNetNS, "all-netns", false, "also watch every namespace that has an nsid (ip netns set NAME auto)")
	fs.StringVar(&sinceGen, "since-gen", "", "drop changes of generations up to and including `N`")
	fs.BoolVar(&o.snapshot, "snapshot", false, "print the whole ruleset first, then the changes after it")
	fs.BoolVar(&o.stream, "stream", false, "print each change as soon as it is read, before its commit")
	fs.StringVar(&rcvbuf, "rcvbuf", "", "socket receive buffer in `BYTES` (default 4 MiB; k, M suffixes allowed)")
	fs.StringVar(&kinds, "kind", "", "print only these `KINDS`: tables,chains,rules,sets,elements,objects,flowtables")
	fs.StringVar(&ops, "op", "", "print only `OP` changes: new or delete")
	fs.StringVar(&o.write, "w", "", "record the raw netlink datagrams to pcap `FILE` (LINKTYPE_NETLINK)")
	fs.StringVar(&o.read, "r", "", "decode the datagrams recorded in pcap `FILE` instead of the socket")
	fs.BoolVar(&o.stats, "stats", false, "print the monitor's counters on standard error at exit")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: nftmon [flags]\n\nPrints nftables ruleset changes as they are committed.\n\nflags:\n")
		fs.PrintDefaults()
	}
	// The flag package's own messages are several lines with the usage;
	// a bad flag is reported in one line instead, and -h prints the usage.
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fs.Usage()
			return nil, err
		}
		return nil, &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return nil, &usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	var err error
	if o.filter, err = parseFilter(kinds, ops); err != nil {
		return nil, &usageError{err.Error()}
	}
	if sinceGen != "" {
		g, err := strconv.ParseUint(sinceGen, 0, 32)
		if err != nil {
			return nil, &usageError{fmt.Sprintf("-since-gen %q: want a generation number (0 to 4294967295)", sinceGen)}
		}
		o.sinceGen = uint32(g)
	}
	if rcvbuf != "" {
		n, err := parseBytes(rcvbuf)
		if err != nil {
			return nil, &usageError{fmt.Sprintf("-rcvbuf %q: %v", rcvbuf, err)}
		}
		o.rcvbuf = n
	}
	if o.read != "" && (o.write != "" || o.netns != "" || o.allNetNS || o.snapshot || o.rcvbuf != 0) {
		return nil, &usageError{"-r reads a file: it does not go with -w, -netns, -all-netns, -snapshot or -rcvbuf"}
	}
	if o.snapshot && o.write != "" {
		// The snapshot is read by dumps, not notifications: a
		// recording could not replay it.
		return nil, &usageError{"-snapshot does not go with -w: the recording holds notifications only"}
	}
	if o.snapshot && o.sinceGen != 0 {
		return nil, &usageError{"-snapshot does not go with -since-gen: the snapshot sets where the changes start"}
	}
	if o.netns != "" {
		o.netnsPath = o.netns
		if !strings.Contains(o.netns, "/") {
			o.netnsPath = "/run/netns/" + o.netns
		}
	}
	return o, nil
}

// parseBytes parses a byte count with an optional k/K, m/M or g/G suffix
// (powers of 1024).
func parseBytes(s string) (int, error) {
	mult := 1
	switch strings.ToLower(s[len(s)-1:]) {
	case "k":
		mult, s = 1<<10, s[:len(s)-1]
	case "m":
		mult, s = 1<<20, s[:len(s)-1]
	case "g":
		mult, s = 1<<30, s[:len(s)-1]
	}
	n, err := strconv.ParseUint(s, 10, 31)
	if err != nil || n == 0 || n*uint64(mult) > 1<<31-1 {
		return 0, errors.New("want a positive byte count below 2 GiB, such as 8388608 or 8M")
	}
	return int(n) * mult, nil
}

// run is the whole command; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(stderr, "nftmon: %v (see nftmon -h)\n", err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	w := bufio.NewWriterSize(stdout, 64<<10)
	var p printer
	if o.json {
		p = newJSONPrinter(w)
	} else {
		p = newTextPrinter(w)
	}
	h := &handler{p: p, w: w, filter: o.filter}
	var stats func() nftmon.Stats
	switch {
	case o.read != "":
		stats, err = replayFile(ctx, o, h.event)
	case o.write != "":
		stats, err = record(ctx, o, h.event)
	default:
		stats, err = watch(ctx, o, h.event)
	}
	if ferr := p.finish(); err == nil && ferr != nil {
		err = fmt.Errorf("write output: %w", ferr)
	}
	if ferr := w.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("write output: %w", ferr)
	}
	if o.stats && stats != nil {
		printStats(stderr, stats())
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		// Errors of the nftmon package start with its name already.
		fmt.Fprintf(stderr, "nftmon: %s\n", strings.TrimPrefix(err.Error(), "nftmon: "))
		return exitError
	}
	return exitOK
}

// handler filters the monitor's events, prints them, and flushes the output
// at the end of each transaction and after every event that ends a burst.
type handler struct {
	p      printer
	w      *bufio.Writer
	filter filter
}

// printer turns events into output lines.
type printer interface {
	print(e *nftmon.Event) error
	// observe learns from an event the filter hides what later lines
	// need: the types of the sets their elements belong to.
	observe(e *nftmon.Event)
	// finish prints what the printer still holds, at the end.
	finish() error
}

func (h *handler) event(e *nftmon.Event) error {
	if h.filter.pass(e) {
		if err := h.p.print(e); err != nil {
			return err
		}
	} else {
		h.p.observe(e)
	}
	switch e.Kind {
	case nftmon.EventChange, nftmon.EventSnapshot:
		return nil
	}
	// A commit, a loss, an outside event or a snapshot boundary: the
	// socket is likely drained, so show what is buffered.
	return h.w.Flush()
}

// resolveNetNS checks that the namespace path exists, to fail with one
// clear line rather than a socket error.
func resolveNetNS(o *options) error {
	if o.netnsPath == "" {
		return nil
	}
	if _, err := os.Stat(o.netnsPath); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("network namespace %q not found (%s does not exist)", o.netns, o.netnsPath)
		}
		return fmt.Errorf("network namespace %q: %w", o.netns, err)
	}
	return nil
}

// explainOpen adds the likely cause to an error from opening the socket.
func explainOpen(err error) error {
	if errors.Is(err, os.ErrPermission) || errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
		return fmt.Errorf("%w (watching nftables needs CAP_NET_ADMIN: run as root)", err)
	}
	return err
}

// printStats prints the monitor's counters as one line of key=value pairs.
func printStats(w io.Writer, s nftmon.Stats) {
	fmt.Fprintf(w, "nftmon: stats: datagrams=%d messages=%d bytes=%d transactions=%d events=%d below_floor=%d discarded=%d losses=%d truncated=%d foreign=%d malformed=%d streamed=%d snapshots=%d retries=%d\n",
		s.Datagrams, s.Messages, s.Bytes, s.Transactions, s.Events, s.BelowFloor, s.Discarded,
		s.Losses, s.Truncated, s.Foreign, s.Malformed, s.Streamed, s.Snapshots, s.Retries)
}
