package nftmon

import (
	"context"
	"errors"
	"os"
	"sync/atomic"
	"time"
)

// The defaults of a Monitor, for the Config fields left at 0.
const (
	// DefaultMaxTransactionBytes is the most a Monitor or Replayer holds
	// of one transaction when MaxTransactionBytes is 0: 256 MiB, about
	// four million set elements or 600,000 rules.
	DefaultMaxTransactionBytes = 256 << 20

	// DefaultSnapshotAttempts is how many times a snapshot is tried
	// before it fails with ErrInconsistent: by Conn.Snapshot, and by a
	// Monitor whose Config.SnapshotAttempts is 0.
	DefaultSnapshotAttempts = 16

	// DefaultArenaRetain is how much of its arena, the memory that holds
	// transactions until they commit, a Monitor or Replayer keeps between
	// transactions when ArenaRetain is 0: 16 MiB. After a larger
	// transaction it gives the rest back.
	DefaultArenaRetain = 16 << 20
)

// Config says what a Monitor watches and how. The zero value watches the
// current network namespace with a DefaultReadBuffer receive buffer,
// delivering each transaction whole at its commit.
type Config struct {
	// NetNS is the path of the network namespace to watch, such as
	// /run/netns/NAME or /proc/PID/ns/net. NetNSFD is an open fd of one,
	// used when HasNetNSFD is set and NetNS is empty. Neither: the calling
	// thread's namespace.
	NetNS      string
	NetNSFD    int
	HasNetNSFD bool

	// AllNetNS also watches every other network namespace that has an nsid
	// in the watched one (NETLINK_LISTEN_ALL_NSID; `ip netns set NAME
	// auto` gives one). Events carry the nsid, and the transactions of
	// different namespaces are grouped separately.
	AllNetNS bool

	// ReadBuffer is the socket receive buffer to ask for; 0 means
	// DefaultReadBuffer. A burst larger than the buffer while the
	// callback is busy is a loss (EventLoss).
	ReadBuffer int

	// Floor is the initial floor: events of generations at or below it
	// are dropped (serial-number comparison; the generation wraps). 0
	// means no floor. SetFloor changes it later; Stats.BelowFloor counts
	// what it dropped.
	Floor uint32

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
	// (after a cancelled one) goes on with the tail. Floor is ignored.
	Snapshot bool

	// SnapshotAttempts is how many times a snapshot is tried before Run
	// fails with an error matching ErrInconsistent; 0 means
	// DefaultSnapshotAttempts.
	SnapshotAttempts int

	// Scope limits the snapshot and the events to one family or one
	// table; a Table needs its Family (NewMonitor rejects one without).
	// Commit events are delivered whatever the scope, so that every
	// generation is seen.
	Scope Scope

	// MaxTransactionBytes caps the bytes held for one transaction; a
	// larger one is delivered in streaming fashion from that point on
	// (events marked Streamed) rather than held without bound. 0 means
	// DefaultMaxTransactionBytes.
	MaxTransactionBytes int

	// ArenaRetain is how many bytes of the arena that holds transactions
	// are kept for the next once a transaction is delivered; what a larger
	// transaction made it grow by is given back to the garbage collector.
	// 0 means DefaultArenaRetain; a negative value keeps everything (no
	// allocation after the largest transaction, at the cost of its memory).
	ArenaRetain int

	// Traces says whether packet traces are delivered too (TracesToo), or
	// alone (TracesOnly), as EventTrace events; the zero value TracesOff
	// delivers none.
	Traces TraceMode
}

// Monitor watches the nftables ruleset of a network namespace and calls a
// function for every change, grouped by committed transaction and stamped
// with its generation and the process that committed it.
//
// Run reads and dispatches on the calling goroutine; the Monitor starts no
// goroutine of its own. After the setup in NewMonitor, Run allocates nothing
// per event or per transaction: notifications are read into one reusable
// arena, which grows to the size of the largest transaction and keeps
// Config.ArenaRetain of it between transactions.
type Monitor struct {
	conn     *Conn
	d        *dispatcher
	req      *Conn        // the request socket: GETGEN after a loss, and snapshots
	snap     *snapshotter // with Config.Snapshot: the snapshots, on req
	needSnap bool         // a snapshot is due: none was delivered yet, or a loss happened since
	running  atomic.Bool
}

// NewMonitor opens a socket as cfg says, subscribes it to nftables
// notifications (NFNLGRP_NFTABLES), and learns the current generation with
// one GETGEN on a second socket, kept for requests (GETGEN after a loss,
// snapshots). fn is called for every event, synchronously from Run; a
// non-nil error from it stops Run, which returns it. The *Event is valid
// only until fn returns (see Event).
//
// Subscribing needs CAP_NET_ADMIN in the user namespace that owns the
// watched network namespace: root, or any user inside `unshare -rn`.
func NewMonitor(cfg Config, fn func(*Event) error) (*Monitor, error) {
	if fn == nil {
		return nil, errNoCallback
	}
	if err := cfg.Scope.validate(); err != nil {
		return nil, err
	}
	if err := cfg.Traces.validate(cfg.Snapshot); err != nil {
		return nil, err
	}
	cc := ConnConfig{NetNS: cfg.NetNS, NetNSFD: cfg.NetNSFD, HasNetNSFD: cfg.HasNetNSFD, ReadBuffer: cfg.ReadBuffer, ListenAllNSID: cfg.AllNetNS}
	conn, err := Open(cc)
	if err != nil {
		return nil, err
	}
	if err := cfg.Traces.join(conn); err != nil {
		conn.Close()
		return nil, err
	}
	// The generation is read after subscribing, so that no commit falls
	// between the two unseen. Replies come by unicast, on a socket of
	// their own, so that the monitor's socket only ever holds notifications.
	cc.ReadBuffer, cc.ListenAllNSID = -1, false
	req, err := Open(cc)
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
	floor := cfg.Floor
	if cfg.Snapshot {
		floor = 0
	}
	m := &Monitor{conn: conn, req: req, d: newDispatcher(fn, dispatchConfig{
		stream: cfg.Stream, maxTx: cfg.MaxTransactionBytes, retain: cfg.ArenaRetain, scope: cfg.Scope, floor: floor, traces: cfg.Traces,
	})}
	m.d.learnGen(g.ID)
	// While the socket is empty, the arena is faulted in ahead of the
	// reads (arena.prefault).
	conn.r.idle, conn.r.idleDue = m.d.a.prefault, m.d.a.prefaultDue
	if cfg.Snapshot {
		attempts := cfg.SnapshotAttempts
		if attempts <= 0 {
			attempts = DefaultSnapshotAttempts
		}
		m.snap = &snapshotter{conn: req, scope: cfg.Scope, attempts: attempts}
		m.needSnap = true
	}
	return m, nil
}

// errNoCallback rejects a nil callback.
var errNoCallback = errors.New("nftmon: a callback is needed")

// Run reads notifications and calls the callback until the callback returns
// an error (which Run returns), ctx is done (Run returns ctx.Err()), or the
// Monitor is closed (Run returns ErrClosed). Both of the latter interrupt a
// blocked read at once. A loss does not stop Run: the callback receives an
// EventLoss and reading goes on. Run may be called once at a time.
func (m *Monitor) Run(ctx context.Context) error {
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
		dg, err := m.conn.Receive(m.d.reserve())
		if err != nil {
			if err := m.failed(ctx, err); err != nil {
				return err
			}
			continue
		}
		m.d.setForeign(m.conn.ForeignDropped())
		if err := m.d.datagram(dg.N, dg.NSID, dg.HasNSID); err != nil {
			return err
		}
	}
}

// failed handles Receive's error err: a loss, which it reports (the
// callback gets its EventLoss) and ends by emptying the socket's queue, or
// the end of Run, whose error it returns.
func (m *Monitor) failed(ctx context.Context, err error) error {
	if errors.Is(err, ErrOverflow) || errors.Is(err, ErrTruncated) {
		if err := m.d.loss(err); err != nil {
			return err
		}
		// The socket drops everything until its queue is empty: empty it
		// now, so that the gap ends here. What commits after the
		// generation current then is complete.
		n, derr := m.conn.DiscardQueued(m.d.reserve())
		m.d.discarded(n)
		if derr != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return wrap("receive", derr)
		}
		if g, gerr := m.req.GetGen(); gerr == nil {
			m.d.gapEnded(g.ID)
		} // else the next transaction read is discarded, as in a replay
		m.needSnap = m.snap != nil
		return nil
	}
	if ctx.Err() != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		return ctx.Err()
	}
	if errors.Is(err, ErrClosed) {
		return ErrClosed
	}
	return wrap("receive", err)
}

func (m *Monitor) setDeadline(t time.Time) {
	m.conn.SetReadDeadline(t)
	m.req.SetReadDeadline(t)
}

// snapshot delivers a snapshot and makes the tail start after it.
func (m *Monitor) snapshot(ctx context.Context) error {
	gen, err := m.snap.take(ctx, m.d.snapshotEvent)
	if err != nil {
		m.d.snapshotFailed(m.snap.retries)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return wrap("snapshot", err)
	}
	// Everything up to gen is in the snapshot; what is queued after it is
	// complete (a later loss would be reported again).
	m.d.snapshotTaken(gen, m.snap.retries)
	m.needSnap = false
	return nil
}

// Close closes the monitor's sockets; a Run blocked in another goroutine
// returns ErrClosed. Close may be called more than once.
func (m *Monitor) Close() error {
	m.req.Close()
	return m.conn.Close()
}

// SetFloor sets the floor: from now on, events of generations at or below
// gen are dropped (compared in serial-number arithmetic, as the generation
// wraps), and counted in Stats.BelowFloor. 0 removes the floor. Safe to
// call from any goroutine, including from the callback.
func (m *Monitor) SetFloor(gen uint32) { m.d.setFloor(gen) }

// Stats returns the monitor's counters. Safe to call from any goroutine;
// the counters are updated once per datagram.
func (m *Monitor) Stats() Stats {
	s := m.d.stats.load()
	s.Foreign = m.conn.ForeignDropped()
	return s
}

// ReadBuffer returns the receive buffer size the kernel granted.
func (m *Monitor) ReadBuffer() int { return m.conn.ReadBuffer() }
