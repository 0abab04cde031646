package main

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/nftext"
	"golang.org/x/sys/unix"
)

// handler filters the monitor's events, prints them, and flushes the output
// at the end of each transaction and after every event that ends a burst.
type handler struct {
	p      printer
	w      *bufio.Writer
	stderr io.Writer // where malformed messages are reported
	filter filter
	times  bool // -t

	// readAt is when the datagram being fed was read (replay and record
	// set it before each Feed); zero when the Monitor reads the socket
	// itself, and then the time of the callback is the time of the read.
	readAt time.Time

	own   nsState            // the watched namespace
	other map[int32]*nsState // the namespaces of other nsids (-all-netns)
	names *netnsNames        // names of the other nsids; nil without -all-netns
	li    lineInfo
}

// nsState is what the handler keeps of a namespace's stream of events.
type nsState struct {
	gen    uint32 // the last generation committed (or snapshot), if hasGen
	hasGen bool
	shown  bool // a change of the transaction under way was printed
}

// lineInfo is what the command prints of an event beside the event itself.
type lineInfo struct {
	time    time.Time // when it was read; zero without -t
	netns   string    // the name of the event's namespace, when it has an nsid and a name
	handles bool      // -a
	// lostAfter, for a loss, names the generations after which changes
	// may be missing: the watched namespace's first (nsid -1), then the
	// others by nsid.
	lostAfter []nsGen
}

// nsGen is the last generation known complete in a namespace.
type nsGen struct {
	nsid  int32 // -1 for the watched namespace
	netns string
	gen   uint32
}

// printer turns events into output lines.
type printer interface {
	print(e *nftmon.Event, li *lineInfo) error
	// observe learns what it needs of a change the filter hides.
	observe(e *nftmon.Event)
	// useConn gives the printer a request connection of the watched
	// namespace, to ask the kernel about a set it does not know.
	useConn(c *nftmon.Conn)
	// useLinks gives the printer the names of the interfaces, live.
	useLinks(l nftext.LinkNames)
	// finish prints what the printer still holds, at the end.
	finish() error
}

func newHandler(o *options, w *bufio.Writer, stderr io.Writer) *handler {
	h := &handler{w: w, stderr: stderr, filter: o.filter, times: o.times, other: map[int32]*nsState{}}
	h.li.handles = o.handles
	if o.json {
		h.p = newJSONPrinter(w)
	} else {
		h.p = newTextPrinter(w)
	}
	if o.allNetNS {
		h.names = newNetNSNames(o.netnsPath)
	}
	return h
}

// ns returns the state of e's namespace.
func (h *handler) ns(e *nftmon.Event) *nsState {
	if !e.HasNSID {
		return &h.own
	}
	s := h.other[e.NSID]
	if s == nil {
		s = &nsState{}
		h.other[e.NSID] = s
	}
	return s
}

func (h *handler) event(e *nftmon.Event) error {
	if e.Kind == nftmon.EventMalformed {
		h.malformed(e)
		return nil
	}
	ns := h.ns(e)
	show := true
	switch e.Kind {
	case nftmon.EventChange, nftmon.EventOutside, nftmon.EventSnapshot:
		show = h.filter.pass(e)
		if !show {
			h.p.observe(e)
		} else if e.Kind == nftmon.EventChange {
			ns.shown = true
		}
	case nftmon.EventCommit:
		// A commit whose every change the filter hid is hidden too.
		show = !h.filter.active() || ns.shown
		ns.shown = false
		ns.gen, ns.hasGen = e.Gen, true
	case nftmon.EventSnapshotEnd:
		ns.gen, ns.hasGen = e.Gen, true
	case nftmon.EventLoss:
		h.lostAfter()
		// The transactions the loss cut are not delivered: what was
		// shown of them (streamed changes) has no commit to show.
		h.own.shown = false
		for _, s := range h.other {
			s.shown = false
		}
	}
	if show {
		h.li.time = time.Time{}
		if h.times {
			h.li.time = h.readAt
			if h.li.time.IsZero() {
				h.li.time = time.Now()
			}
		}
		h.li.netns = ""
		if e.HasNSID && h.names != nil {
			h.li.netns = h.names.name(e.NSID)
		}
		if err := h.p.print(e, &h.li); err != nil {
			return err
		}
	}
	switch e.Kind {
	case nftmon.EventChange, nftmon.EventSnapshot:
		return nil
	}
	// A commit, a loss, an outside event or a snapshot boundary: the
	// socket is likely drained, so show what is buffered.
	return h.w.Flush()
}

// lostAfter fills h.li.lostAfter with the last generation of each
// namespace that is known complete: after a loss, changes after those may
// be missing (a transaction the loss cut is not printed; see the root
// package's Monitor).
func (h *handler) lostAfter() {
	l := h.li.lostAfter[:0]
	if h.own.hasGen {
		l = append(l, nsGen{nsid: -1, gen: h.own.gen})
	}
	for id, s := range h.other {
		if s.hasGen {
			g := nsGen{nsid: id, gen: s.gen}
			if h.names != nil {
				g.netns = h.names.name(id)
			}
			l = append(l, g)
		}
	}
	slices.SortFunc(l, func(a, b nsGen) int { return cmp.Compare(a.nsid, b.nsid) })
	h.li.lostAfter = l
}

// malformed reports on stderr, in one line, bytes the monitor could not
// parse: which message (its type and length, or the rest of a datagram
// whose framing lies), from which namespace, and what was wrong. Nothing
// goes to the output, whose lines stay nft's; reading goes on.
func (h *handler) malformed(e *nftmon.Event) {
	b := append(make([]byte, 0, 256), "nftmon: "...)
	if h.times {
		at := h.readAt
		if at.IsZero() {
			at = time.Now()
		}
		b = append(appendTime(b, at), ' ')
	}
	if e.Header.Type == 0 {
		b = strconv.AppendInt(append(b, "malformed datagram: "...), int64(len(e.Raw)), 10)
		b = append(b, " bytes that are not netlink messages"...)
	} else {
		b = append(b, "malformed message "...)
		if e.Header.Subsystem() == unix.NFNL_SUBSYS_NFTABLES {
			b = append(b, e.Header.MsgType().String()...)
		} else {
			b = strconv.AppendUint(append(b, "type 0x"...), uint64(e.Header.Type), 16)
		}
		b = strconv.AppendInt(append(b, " of "...), int64(len(e.Raw)), 10)
		b = append(b, " bytes"...)
	}
	if e.HasNSID {
		b = strconv.AppendInt(append(b, " from nsid "...), int64(e.NSID), 10)
		if h.names != nil {
			if n := h.names.name(e.NSID); n != "" {
				b = appendTextStr(append(b, " netns "...), n)
			}
		}
	}
	b = append(b, ": "...)
	b = appendTextStr(b, strings.TrimPrefix(e.Err.Error(), "nftmon: "))
	fmt.Fprintf(h.stderr, "%s\n", b)
}
