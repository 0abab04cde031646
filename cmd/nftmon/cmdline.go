package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// options are the parsed command line.
type options struct {
	json      bool
	handles   bool // -a: print handles in the text
	times     bool // -t: print the time each event was read
	netns     string
	allNetNS  bool
	sinceGen  uint32
	snapshot  bool
	stream    bool
	rcvbuf    int
	filter    filter
	write     string // -w: pcap file to record to
	read      string // -r: pcap file to decode
	stats     bool
	version   bool
	netnsPath string // netns resolved to a path
	trace     bool   // the trace word: packet traces instead of changes
}

// usageError is a bad command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// flagValues are the flags that parseFlags checks and converts after
// parsing.
type flagValues struct {
	kinds, ops, sinceGen, rcvbuf string
}

// newFlagSet defines the command's flags, to be stored in o and v.
func newFlagSet(o *options, v *flagValues) *flag.FlagSet {
	fs := flag.NewFlagSet("nftmon", flag.ContinueOnError)
	fs.BoolVar(&o.json, "json", false, "print one JSON object per line per event")
	fs.BoolVar(&o.json, "j", false, "same as -json")
	fs.BoolVar(&o.handles, "a", false, `print each object's handle ("# handle N"), as nft -a monitor does`)
	fs.BoolVar(&o.times, "t", false, "print the time each event was read (with -r: the time the file stores)")
	fs.StringVar(&o.netns, "netns", "", "watch the network namespace `NAME` (/run/netns/NAME) or PATH")
	fs.BoolVar(&o.allNetNS, "all-netns", false, "also watch every namespace that has an nsid (ip netns set NAME auto)")
	fs.StringVar(&v.sinceGen, "since-gen", "", "drop changes of generations up to and including `N`")
	fs.BoolVar(&o.snapshot, "snapshot", false, "print the whole ruleset first, then the changes after it")
	fs.BoolVar(&o.stream, "stream", false, "print each change as soon as it is read, before its commit")
	fs.StringVar(&v.rcvbuf, "rcvbuf", "", "socket receive buffer in `BYTES` (default 4 MiB; k, M suffixes allowed)")
	fs.StringVar(&v.kinds, "kind", "", "print only these `KINDS`: tables,chains,rules,sets,elements,objects,flowtables")
	fs.StringVar(&v.ops, "op", "", "print only `OP` changes: new or delete (destroy)")
	fs.StringVar(&o.write, "w", "", "record the raw netlink datagrams to pcap `FILE` (LINKTYPE_NETLINK)")
	fs.StringVar(&o.read, "r", "", "decode the datagrams recorded in pcap `FILE` instead of the socket")
	fs.BoolVar(&o.stats, "stats", false, "print the monitor's counters on standard error at exit")
	fs.BoolVar(&o.version, "version", false, "print nftmon's version and exit")
	return fs
}

const usageHead = `usage: nftmon [flags] [new|destroy] [OBJECT] [json]

Prints every change to the nftables ruleset of a network namespace as it is
committed, in nft monitor's words, one line per change, then one
"# new generation G by process PID (NAME)" line per transaction.

The words are nft monitor's (nft monitor [new|destroy] [OBJECT] [json]):
  new, destroy    only creations and updates, or only deletions (-op)
  OBJECT          only changes of one kind (-kind): tables, chains, sets,
                  rules, elements, objects, flowtables; ruleset: every kind;
                  trace: packet traces (meta nftrace set 1), as
                  nft monitor trace prints them
  json, vm json   same as -json
When they hide every change of a transaction, its generation line goes too.

flags (anywhere on the line):
`

const usageTail = `
examples:
  nftmon                              watch the current network namespace
  nftmon new rules                    only the rules added
  nftmon -a -t destroy                deletions, with handles and times
  nftmon -j -all-netns                JSON; this namespace and every one with an nsid
  nftmon -netns blue -w blue.pcap     watch /run/netns/blue and record it
  nftmon -t -r blue.pcap              decode the recording, with its stored times
  nftmon -snapshot -j                 the whole ruleset, then every change after it
  nftmon trace                        the packets marked with meta nftrace set 1

exit status:
  0  stopped by SIGINT or SIGTERM, the end of the -r file, -h or -version
  1  an error: a missing namespace or privilege, a file that cannot be read,
     is not a netlink pcap file or is truncated, output that cannot be written
  2  a bad command line
`

// parseFlags parses args into options. Flags may come before, between and
// after the words.
func parseFlags(args []string, stdout io.Writer) (*options, error) {
	o := &options{}
	var v flagValues
	fs := newFlagSet(o, &v)
	// The flag package's own messages are several lines with the usage;
	// a bad flag is reported in one line instead, and -h prints the usage.
	fs.SetOutput(io.Discard)
	var words []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				printUsage(stdout, fs)
				return nil, err
			}
			return nil, &usageError{err.Error()}
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		words, rest = append(words, rest[0]), rest[1:]
	}
	if o.version {
		return o, nil
	}
	w, err := parseWords(words)
	if err != nil {
		return nil, err
	}
	if w.json {
		o.json = true
	}
	if w.object == "trace" {
		if w.event != "" || v.kinds != "" || v.ops != "" {
			return nil, &usageError{"trace prints packet traces: it does not go with new, destroy, -kind or -op"}
		}
		if o.allNetNS || o.snapshot || o.stream || o.handles || v.sinceGen != "" {
			return nil, &usageError{"trace watches one namespace: it does not go with -all-netns, -snapshot, -stream, -a or -since-gen"}
		}
		o.trace = true
	}
	if w.object != "" && v.kinds != "" {
		return nil, &usageError{fmt.Sprintf("the word %q and -kind both choose the kinds: give one", w.object)}
	}
	if w.event != "" && v.ops != "" {
		return nil, &usageError{fmt.Sprintf("the word %q and -op both choose the operation: give one", w.event)}
	}
	kinds, ops := v.kinds, v.ops
	if w.object != "" && w.object != "ruleset" && w.object != "trace" {
		kinds = w.object
	}
	if w.event != "" {
		ops = w.event
	}
	if o.filter, err = parseFilter(kinds, ops); err != nil {
		return nil, &usageError{err.Error()}
	}
	if v.sinceGen != "" {
		g, err := strconv.ParseUint(v.sinceGen, 0, 32)
		if err != nil {
			return nil, &usageError{fmt.Sprintf("-since-gen %q: want a generation number (0 to 4294967295)", v.sinceGen)}
		}
		o.sinceGen = uint32(g)
	}
	if v.rcvbuf != "" {
		n, err := parseBytes(v.rcvbuf)
		if err != nil {
			return nil, &usageError{fmt.Sprintf("-rcvbuf %q: %v", v.rcvbuf, err)}
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

// printUsage prints the help: the words, the flags, examples and exit
// statuses.
func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, usageHead)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	fmt.Fprint(w, usageTail)
}

// words are the words of nft monitor's command line:
// [new|destroy] [OBJECT] [json|vm json|xml], in that order.
type words struct {
	event  string // "new", "destroy" or ""
	object string // an objectWords entry, or ""
	json   bool
}

// objectWords are the objects nft monitor takes (src/parser_bison.y,
// monitor_object), and nftmon's objects and flowtables, which nft monitor
// has no word for.
var objectWords = []string{"tables", "chains", "sets", "rules", "elements", "objects", "flowtables", "ruleset", "trace"}

const wordsSyntax = "[new|destroy] [tables|chains|sets|rules|elements|objects|flowtables|ruleset|trace] [json]"

// parseWords parses the words after (or among) the flags.
func parseWords(ws []string) (words, error) {
	var w words
	i := 0
	if i < len(ws) && (ws[i] == "new" || ws[i] == "destroy") {
		w.event = ws[i]
		i++
	}
	if i < len(ws) {
		for _, o := range objectWords {
			if ws[i] == o {
				w.object = o
				i++
				break
			}
		}
	}
	switch {
	case i < len(ws) && ws[i] == "json":
		w.json = true
		i++
	case i+1 < len(ws) && ws[i] == "vm" && ws[i+1] == "json":
		w.json = true
		i += 2
	case i < len(ws) && ws[i] == "xml":
		return words{}, &usageError{"xml: this output type is not supported (nft monitor does not support it either); -json prints JSON"}
	}
	if i < len(ws) {
		return words{}, &usageError{fmt.Sprintf("unexpected word %q: the words are %s, in that order", ws[i], wordsSyntax)}
	}
	return w, nil
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
