// Command nftmon prints every change to the nftables ruleset of a network
// namespace as it is committed: one line per change, in nft monitor's words,
// or one JSON object per line with -json, and one line per transaction
// naming its generation and the process that committed it.
//
// Usage:
//
//	nftmon [flags] [new|destroy] [OBJECT] [json]
//
// The words are nft monitor's: new or destroy keeps only creations or only
// deletions, OBJECT (tables, chains, sets, rules, elements, objects,
// flowtables, ruleset) only one kind of change; trace prints packet traces
// instead, as nft monitor trace does. It watches the current
// network namespace unless -netns or -all-netns says otherwise; -w records
// the raw netlink datagrams to a pcap file, -r decodes such a file instead
// of the socket. nftmon -h lists the flags, with examples; nftmon.1 beside
// this file is the manual page.
//
// SIGINT and SIGTERM end it cleanly (exit status 0). A bad command line
// exits with status 2, any other error with status 1.
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
	"runtime/debug"
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

// run is the whole command; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stdout)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(stderr, "nftmon: %v (see nftmon -h)\n", err)
		return exitUsage
	}
	if o.version {
		fmt.Fprintln(stdout, version())
		return exitOK
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	w := bufio.NewWriterSize(stdout, 64<<10)
	h := newHandler(o, w, stderr)
	defer h.names.close()
	if o.read == "" {
		// Live, interfaces are named as nft monitor in the watched
		// namespace names them; a recording's print as indexes, as the
		// namespace they belong to is not known.
		h.p.useLinks(newLinkNames(o.netnsPath, h.names))
	}
	var stats func() nftmon.Stats
	switch {
	case o.trace && o.read != "":
		t := newTracer(o, w, stderr, nil)
		cfg := o.replayConfig()
		cfg.Traces = nftmon.TracesToo
		stats, err = replayFile(ctx, o, cfg, t.event, &t.readAt)
	case o.trace && o.write != "":
		stats, err = recordTraces(ctx, o, w, stderr)
	case o.trace:
		stats, err = watchTraces(ctx, o, w, stderr)
	case o.read != "":
		stats, err = replayFile(ctx, o, o.replayConfig(), h.event, &h.readAt)
	case o.write != "":
		stats, err = record(ctx, o, o.replayConfig(), h.event, &h.readAt)
	default:
		stats, err = watch(ctx, o, h)
	}
	if ferr := h.p.finish(); err == nil && ferr != nil {
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

// version returns the line -version prints: the module version (or
// "(devel)" for a build from a work tree), the commit it was built from
// when known, and the Go version.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "nftmon (unknown version)"
	}
	v := "nftmon " + bi.Main.Version
	if bi.Main.Version == "" {
		v += "(devel)"
	}
	var rev, at, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		}
	}
	if rev != "" {
		v += " (commit " + rev + " " + at + modified + ")"
	}
	return v + " " + bi.GoVersion
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
