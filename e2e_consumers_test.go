package nftmon_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// The consumers of BenchmarkEndToEnd (e2e_bench_test.go).

// consumer receives notifications until closed, counting events and
// sending each commit's generation to the channel it was made with.
type consumer interface {
	run() error
	close()
	events() uint64
	lost() uint64
}

// floorConsumer is the floor: blocking reads on a locked thread that has
// entered the namespace, one reused buffer, messages counted.
type floorConsumer struct {
	fd      int
	ns      *nstest.NS
	commits chan uint32
	stop    atomic.Bool
	n, loss atomic.Uint64
	ready   chan error
}

func newFloor(t testing.TB, ns *nstest.NS, commits chan uint32) consumer {
	return &floorConsumer{ns: ns, commits: commits, ready: make(chan error, 1)}
}

// open enters the namespace on the calling (locked) thread and subscribes
// a blocking socket there.
func (f *floorConsumer) open() error {
	if err := unix.Setns(f.ns.FD, unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("setns: %w", err)
	}
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_NETFILTER)
	if err != nil {
		return err
	}
	f.fd = fd
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, nftmon.DefaultReadBuffer); err != nil {
		return err
	}
	return unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_ADD_MEMBERSHIP, unix.NFNLGRP_NFTABLES)
}

func (f *floorConsumer) run() error {
	// The thread has entered another namespace: it is never unlocked, and
	// leaves the process with this goroutine.
	runtime.LockOSThread()
	if err := f.open(); err != nil {
		f.ready <- err
		return err
	}
	defer unix.Close(f.fd)
	f.ready <- nil
	buf := make([]byte, 64<<10)
	var g nftmon.Gen
	for !f.stop.Load() {
		n, err := unix.Read(f.fd, buf)
		if err == unix.ENOBUFS {
			f.loss.Add(1)
			continue
		}
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		f.n.Add(countMessages(buf[:n], f.commits, &g))
	}
	return nil
}

// countMessages is the floor's walk of a datagram: it counts the messages
// and sends each commit's generation to commits.
func countMessages(b []byte, commits chan uint32, g *nftmon.Gen) uint64 {
	var count uint64
	for len(b) >= unix.NLMSG_HDRLEN {
		l := int(binary.NativeEndian.Uint32(b))
		if l < unix.NLMSG_HDRLEN || l > len(b) {
			break
		}
		count++
		if binary.NativeEndian.Uint16(b[4:]) == unix.NFNL_SUBSYS_NFTABLES<<8|unix.NFT_MSG_NEWGEN {
			if len(b) >= unix.NLMSG_HDRLEN+nftmon.NFGenLen && g.Decode(b[unix.NLMSG_HDRLEN+nftmon.NFGenLen:l]) == nil {
				commits <- g.ID
			}
		}
		b = b[min((l+3)&^3, len(b)):]
	}
	return count
}

// close makes the loop stop after its next read, and commits something so
// that it has one to make.
func (f *floorConsumer) close() {
	f.stop.Store(true)
	f.ns.TryNft("", "add", "table", "ip", "floor-stop")
}

func (f *floorConsumer) events() uint64 { return f.n.Load() }
func (f *floorConsumer) lost() uint64   { return f.loss.Load() }

// connConsumer is the floor's loop through Conn.Receive: its reads
// (MSG_DONTWAIT, then a ppoll on the socket and its eventfd when the socket
// is empty) instead of a blocking read on a locked thread, the rest the
// same (one reused buffer, messages counted). Only with -e2e.kinds conn.
type connConsumer struct {
	c       *nftmon.Conn
	commits chan uint32
	n, loss atomic.Uint64
}

func newConnConsumer(t testing.TB, ns *nstest.NS, commits chan uint32) consumer {
	c, err := nftmon.Open(nftmon.ConnConfig{NetNS: ns.Path})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.JoinGroup(unix.NFNLGRP_NFTABLES); err != nil {
		t.Fatal(err)
	}
	return &connConsumer{c: c, commits: commits}
}

func (c *connConsumer) run() error {
	buf := make([]byte, nftmon.MinBufferLen)
	var g nftmon.Gen
	for {
		d, err := c.c.Receive(buf)
		if errors.Is(err, nftmon.ErrOverflow) {
			c.loss.Add(1)
			continue
		}
		if err != nil {
			return nil // closed
		}
		c.n.Add(countMessages(buf[:d.N], c.commits, &g))
	}
}

func (c *connConsumer) close()         { c.c.Close() }
func (c *connConsumer) events() uint64 { return c.n.Load() }
func (c *connConsumer) lost() uint64   { return c.loss.Load() }

// monitorConsumer is the product: a Monitor whose callback decodes every
// event into its typed view.
type monitorConsumer struct {
	m      *nftmon.Monitor
	cancel context.CancelFunc
	ctx    context.Context
	n      atomic.Uint64 // events delivered, as of the last commit or loss
	loss   atomic.Uint64
}

// decoder holds the views a callback decodes into, reused for every event:
// each expression of a rule into the view its name selects (msgs.ExprDecoder),
// the expression and element scanners kept too and Reset for each message
// (as their documentation advises a callback that decodes message after
// message).
type decoder struct {
	table msgs.Table
	chain msgs.Chain
	rule  msgs.Rule
	set   msgs.Set
	elems msgs.SetElems
	obj   msgs.Obj
	exprs msgs.ExprDecoder
	xs    msgs.ExprScanner
	es    msgs.ElemScanner
}

func (d *decoder) decode(e *nftmon.Event) error {
	switch e.Type.Object() {
	case nftmon.ObjectTable:
		return d.table.Decode(e.Attrs)
	case nftmon.ObjectChain:
		return d.chain.Decode(e.Attrs)
	case nftmon.ObjectRule:
		if err := d.rule.Decode(e.Attrs); err != nil {
			return err
		}
		s := &d.xs
		s.Reset(d.rule.Expressions)
		for s.Next() {
			x := s.Expr()
			if _, err := d.exprs.Decode(x.Name, x.Data); err != nil {
				return err
			}
		}
		return s.Err()
	case nftmon.ObjectSet:
		return d.set.Decode(e.Attrs)
	case nftmon.ObjectSetElem:
		if err := d.elems.Decode(e.Attrs); err != nil {
			return err
		}
		s := &d.es
		s.Reset(d.elems.Elements)
		for s.Next() {
			_ = s.Elem().Key
		}
		return s.Err()
	case nftmon.ObjectObj:
		return d.obj.Decode(e.Attrs)
	}
	return nil
}

// newMonitorConsumer makes a consumer of a Monitor configured as cfg says,
// in the consumer's namespace, whose callback decodes every change unless
// empty.
func newMonitorConsumer(cfg nftmon.Config, empty bool) func(testing.TB, *nstest.NS, chan uint32) consumer {
	return func(t testing.TB, ns *nstest.NS, commits chan uint32) consumer {
		mc := &monitorConsumer{}
		mc.ctx, mc.cancel = context.WithCancel(context.Background())
		var d decoder
		cfg.NetNS = ns.Path
		n := uint64(0) // published at each commit and loss, as the floor publishes once a datagram
		m, err := nftmon.NewMonitor(cfg, func(e *nftmon.Event) error {
			n++
			switch e.Kind {
			case nftmon.EventCommit:
				mc.n.Store(n)
				commits <- e.Gen
			case nftmon.EventLoss:
				mc.n.Store(n)
				mc.loss.Add(1)
			default:
				if !empty {
					return d.decode(e)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		mc.m = m
		return mc
	}
}

func (m *monitorConsumer) run() error     { return m.m.Run(m.ctx) }
func (m *monitorConsumer) close()         { m.cancel(); m.m.Close() }
func (m *monitorConsumer) events() uint64 { return m.n.Load() }
func (m *monitorConsumer) lost() uint64   { return m.loss.Load() }
