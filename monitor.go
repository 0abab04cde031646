package nftmon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Config says what a Monitor watches and how. The zero value watches the
// current network namespace with a 4 MiB receive buffer, delivering each
// transaction whole at its commit.
type Config struct {
	// NetNS is the path of the network namespace to watch, such as
	// /run/netns/NAME or /proc/PID/ns/net; NetNSFD an open fd of one (used
	// when NetNS is empty and NetNSFD > 0). Both empty: the calling
	// thread's namespace.
	NetNS   string
	NetNSFD int

	// AllNetNS also watches every other network namespace that has an nsid
	// in the watched one (NETLINK_LISTEN_ALL_NSID; `ip netns set NAME
	// auto` gives one). Events carry the nsid, and the transactions of
	// different namespaces are grouped separately.
	AllNetNS bool

	// ReadBuffer is the socket receive buffer to ask for; 0 means
	// DefaultReadBuffer (4 MiB). A burst larger than the buffer while the
	// callback is busy is a loss (EventLoss).
	ReadBuffer int

	// SinceGen is the initial floor: events of generations at or below it
	// are dropped (serial-number comparison; the generation wraps). 0
	// means no floor. SetMinGen changes it later.
	SinceGen uint32

	// Stream delivers each change as soon as it is read, instead of
	// holding it until its transaction commits: the lowest latency, but
	// the generation is widened from the message's 16-bit res_id and the
	// committing process is known only at the commit event.
	Stream bool

	// Snapshot makes the first Run start with a snapshot of the ruleset (see
	// Conn.Snapshot): EventSnapshotBegin, an EventSnapshot per object,
	// EventSnapshotEnd, then every change committed after the snapshot's
	// generation, none missed and none twice: the monitor subscribes
	// before the snapshot is read, and sets the floor to its generation.
	// After a loss it takes a new snapshot by itself: the callback sees
	// the EventLoss, then a fresh snapshot, then the tail. A later Run
	// (after a cancelled one) goes on with the tail. SinceGen is ignored.
	Snapshot bool

	// Scope limits the snapshot and the events to one family or one
	// table. Commit events are delivered whatever the scope, so that
	// every generation is seen.
	Scope Scope

	// MaxTransactionBytes caps the bytes held for one transaction; a
	// larger one is delivered in streaming fashion from that point on
	// (events marked Streamed) rather than held without bound. 0 means
	// DefaultMaxTransactionBytes (64 MiB).
	MaxTransactionBytes int
}

// Monitor watches the nftables ruleset of a network namespace and calls a
// function for every change, grouped by committed transaction and stamped
// with its generation and the process that committed it.
//
// Run reads and dispatches on the calling goroutine; the Monitor starts no
// goroutine of its own. After the setup in NewMonitor, Run allocates nothing
// per event or per transaction: notifications are read into one reusable
// arena, which grows only to the size of the largest transaction.
type Monitor struct {
	conn     *Conn // nil for a replay monitor
	d        *dispatcher
	snap     *snapshotter // with Config.Snapshot: the request socket and its buffers
	needSnap bool         // a snapshot is due: none was delivered yet, or a loss happened since
	running  atomic.Bool
}

// NewMonitor opens a socket as cfg says, subscribes it to nftables
// notifications (NFNLGRP_NFTABLES), and learns the current generation with
// one GETGEN. fn is called for every event, synchronously from Run; a
// non-nil error from it stops Run, which returns it. The *Event is valid
// only until fn returns (see Event).
//
// Subscribing needs CAP_NET_ADMIN in the user namespace that owns the
// watched network namespace: root, or any user inside `unshare -rn`.
func NewMonitor(cfg Config, fn func(*Event) error) (*Monitor, error) {
	if fn == nil {
		return nil, errors.New("nftmon: NewMonitor needs a callback")
	}
	conn, err := Open(ConnConfig{NetNS: cfg.NetNS, NetNSFD: cfg.NetNSFD, ReadBuffer: cfg.ReadBuffer, ListenAllNSID: cfg.AllNetNS})
	if err != nil {
		return nil, err
	}
	if err := conn.JoinGroup(unix.NFNLGRP_NFTABLES); err != nil {
		conn.Close()
		return nil, err
	}
	// The generation is read after subscribing, so that no commit falls
	// between the two unseen. Replies come by unicast, on a socket of
	// their own, so that the monitor's socket only ever holds notifications.
	req, err := Open(ConnConfig{NetNS: cfg.NetNS, NetNSFD: cfg.NetNSFD, ReadBuffer: -1})
	if err != nil {
		conn.Close()
		return nil, err
	}
	g, err := req.GetGen()
	if err != nil {
		req.Close()
		conn.Close()
		return nil, err
	}
	if cfg.Snapshot {
		cfg.SinceGen = 0
	}
	m := &Monitor{conn: conn, d: newDispatcher(&cfg, fn)}
	m.d.nss[0].gen, m.d.nss[0].knownGen = g.ID, true
	if cfg.Snapshot {
		m.snap = &snapshotter{conn: req, scope: cfg.Scope, attempts: DefaultSnapshotAttempts}
		m.needSnap = true
	} else {
		req.Close()
	}
	return m, nil
}

// NewReplay returns a Monitor without a socket, for datagrams recorded
// earlier (a pcap file, test data): Feed them in the order they were read.
// Only cfg's SinceGen, Stream and MaxTransactionBytes apply. The current
// generation is unknown until the first commit is fed.
func NewReplay(cfg Config, fn func(*Event) error) *Monitor {
	return &Monitor{d: newDispatcher(&cfg, fn)}
}

// Feed processes one datagram as Run processes one read from the socket:
// it is copied into the monitor's arena, grouped, and delivered to the
// callback. nsid and hasNSID say which namespace it came from, as
// Datagram does. Feed allocates nothing in the steady state.
func (m *Monitor) Feed(datagram []byte, nsid int32, hasNSID bool) error {
	return m.d.feed(datagram, nsid, hasNSID)
}

// SetGen tells the monitor the current generation of its own namespace, as
// GETGEN reports it (Conn.GetGen). NewMonitor learns it by itself; a replay
// monitor uses it to widen the 16-bit res_id of changes streamed before the
// first commit is fed. Call it before Feed or Run, not while they run.
func (m *Monitor) SetGen(gen uint32) {
	m.d.nss[0].gen, m.d.nss[0].knownGen = gen, true
}

// FeedLoss processes a loss (err should match ErrOverflow or ErrTruncated)
// as Run processes one: the transactions in flight are discarded and the
// callback receives an EventLoss.
func (m *Monitor) FeedLoss(err error) error { return m.d.loss(err) }

// Run reads notifications and calls the callback until the callback returns
// an error (which Run returns), ctx is done (Run returns ctx.Err()), or the
// Monitor is closed (Run returns ErrClosed). Both of the latter interrupt a
// blocked read at once. A loss does not stop Run: the callback receives an
// EventLoss and reading goes on. Run may be called once at a time.
func (m *Monitor) Run(ctx context.Context) error {
	if m.conn == nil {
		return errors.New("nftmon: Run on a replay monitor; use Feed")
	}
	if !m.running.CompareAndSwap(false, true) {
		return errors.New("nftmon: Run called while already running")
	}
	defer m.running.Store(false)
	// A cancelled context interrupts a blocked read through a deadline in
	// the past; a new Run starts without one.
	m.setDeadline(time.Time{})
	stop := context.AfterFunc(ctx, func() { m.setDeadline(time.Unix(1, 0)) })
	defer stop()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		// Due at the first Run in snapshot mode, and after every loss.
		if m.needSnap {
			if err := m.snapshot(ctx); err != nil {
				return err
			}
		}
		buf := m.d.reserve()
		dg, err := m.conn.Receive(buf)
		if err != nil {
			if errors.Is(err, ErrOverflow) || errors.Is(err, ErrTruncated) {
				if err := m.d.loss(err); err != nil {
					return err
				}
				if m.snap != nil {
					// The kernel now drops every notification, silently,
					// until the queue is empty (KERNEL.md, fact 7): empty
					// it before the resync snapshot, or the commits made
					// after the snapshot's generation but before the queue
					// drained would be lost without a trace. What it holds
					// was committed before the snapshot, which covers it.
					if _, err := m.conn.discardQueued(m.d.reserve()); err != nil {
						if ctx.Err() != nil {
							return ctx.Err()
						}
						return fmt.Errorf("nftmon: after a loss: %w", err)
					}
					m.needSnap = true
				}
				continue
			}
			if ctx.Err() != nil && errors.Is(err, os.ErrDeadlineExceeded) {
				return ctx.Err()
			}
			if errors.Is(err, ErrClosed) {
				return ErrClosed
			}
			return fmt.Errorf("nftmon: receive: %w", err)
		}
		m.d.c.Foreign = m.conn.ForeignDropped()
		if err := m.d.datagram(dg.N, dg.NSID, dg.HasNSID); err != nil {
			return err
		}
	}
}

func (m *Monitor) setDeadline(t time.Time) {
	m.conn.SetReadDeadline(t)
	if m.snap != nil {
		m.snap.conn.SetReadDeadline(t)
	}
}

// snapshot delivers a snapshot and makes the tail start after it.
func (m *Monitor) snapshot(ctx context.Context) error {
	d := m.d
	gen, err := m.snap.take(ctx, func(e *Event) error {
		d.c.Events++
		return d.fn(e)
	})
	d.c.Retries = m.snap.retries
	if err != nil {
		d.stats.publish(&d.c)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("nftmon: snapshot: %w", err)
	}
	d.c.Snapshots++
	d.stats.publish(&d.c)
	m.needSnap = false
	// Everything up to gen is in the snapshot; what is queued after it is
	// complete (a later loss would be reported again).
	d.minGen.Store(gen)
	ns := &d.nss[0]
	ns.gen, ns.knownGen, ns.seen = gen, true, true
	ns.tainted, ns.taintNext = false, false
	return nil
}

// Close closes the monitor's socket; a Run blocked in another goroutine
// returns ErrClosed. Close may be called more than once.
func (m *Monitor) Close() error {
	if m.conn == nil {
		return nil
	}
	if m.snap != nil {
		m.snap.conn.Close()
	}
	return m.conn.Close()
}

// SetMinGen sets the floor: from now on, events of generations at or below
// gen are dropped (compared in serial-number arithmetic, as the generation
// wraps). 0 removes the floor. Safe to call from any goroutine, including
// from the callback.
func (m *Monitor) SetMinGen(gen uint32) { m.d.minGen.Store(gen) }

// Stats returns the monitor's counters. Safe to call from any goroutine;
// the counters are updated once per datagram.
func (m *Monitor) Stats() Stats {
	s := m.d.stats.load()
	if m.conn != nil {
		s.Foreign = m.conn.ForeignDropped()
	}
	return s
}

// ReadBuffer returns the receive buffer size the kernel granted.
func (m *Monitor) ReadBuffer() int {
	if m.conn == nil {
		return 0
	}
	return m.conn.ReadBuffer()
}
