package nftmon

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nftmon/nftmon/internal/nstest"
	"golang.org/x/sys/unix"
)

// openIn opens a Conn in ns, joined to the nftables group when join, and
// closes it when the test ends.
func openIn(t testing.TB, ns *nstest.NS, cfg ConnConfig, join bool) *Conn {
	t.Helper()
	if cfg.NetNS == "" && !cfg.HasNetNSFD {
		cfg.NetNS = ns.Path
	}
	c, err := Open(cfg)
	if err != nil {
		t.Fatalf("Open(%+v): %v", cfg, err)
	}
	t.Cleanup(func() { c.Close() })
	if join {
		if err := c.JoinGroup(unix.NFNLGRP_NFTABLES); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// note is what a test keeps of one received message.
type note struct {
	hdr  Header
	nf   NFGenMsg
	desc string // the message in nft monitor's words, see describe
	gen  Gen    // NEWGEN only; ProcName copied
}

// receiveGens reads datagrams from c until it has seen n NEWGEN messages,
// failing the test after timeout.
func receiveGens(t testing.TB, c *Conn, n int, timeout time.Duration) []note {
	t.Helper()
	buf := make([]byte, MinBufferLen)
	if err := c.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		t.Fatal(err)
	}
	defer c.SetReadDeadline(time.Time{})
	var notes []note
	anon := map[string]bool{}
	for gens := 0; gens < n; {
		d, err := c.Receive(buf)
		if err != nil {
			t.Fatalf("Receive after %d messages, %d gens: %v", len(notes), gens, err)
		}
		if d.HasNSID {
			t.Errorf("datagram from our own namespace has nsid %d", d.NSID)
		}
		s := NewMessageScanner(buf[:d.N])
		for s.Next() {
			nt := describe(t, s.Message(), anon)
			if nt.hdr.MsgType() == MsgNewGen {
				gens++
			}
			notes = append(notes, nt)
		}
		if err := s.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return notes
}

// describe summarises a notification as the start of the line nft monitor
// prints for it ("add rule inet t c"), or "" for the anonymous sets and
// their elements, whose creation nft monitor hides; anon collects the
// names of anonymous sets.
func describe(t testing.TB, m *Message, anon map[string]bool) note {
	t.Helper()
	nf, attrs, err := m.NFGen()
	if err != nil {
		t.Fatal(err)
	}
	nt := note{hdr: m.Header, nf: nf}
	mt := m.Header.MsgType()
	if mt == MsgNewGen {
		if err := nt.gen.Decode(attrs); err != nil {
			t.Fatal(err)
		}
		nt.gen.ProcName = []byte(string(nt.gen.ProcName))
		nt.desc = fmt.Sprintf("# new generation %d by process %d (%s)", nt.gen.ID, nt.gen.ProcPID, nt.gen.ProcName)
		return nt
	}
	// Attribute 1 is the table's name in every object message
	// (NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, ...).
	var table, name []byte
	var setFlags uint32
	nameType := map[Object]uint16{
		ObjectChain: unix.NFTA_CHAIN_NAME, ObjectRule: unix.NFTA_RULE_CHAIN,
		ObjectSet: unix.NFTA_SET_NAME, ObjectSetElem: unix.NFTA_SET_ELEM_LIST_SET,
	}[mt.Object()]
	s := NewAttrScanner(attrs)
	for s.Next() {
		switch {
		case s.Type() == 1:
			table = s.StringBytes()
		case nameType != 0 && s.Type() == nameType:
			name = s.StringBytes()
		case mt.Object() == ObjectSet && s.Type() == unix.NFTA_SET_FLAGS:
			setFlags = s.Uint32()
		}
	}
	if err := s.Err(); err != nil {
		t.Fatalf("%s: %v", mt, err)
	}
	verb := map[Op]string{OpNew: "add", OpDelete: "delete"}[mt.Op()]
	nt.desc = fmt.Sprintf("%s %s %s %s", verb, mt.Object(), nf.Family, table)
	if name != nil {
		nt.desc += " " + string(name)
	}
	switch {
	case mt == MsgNewSet && setFlags&unix.NFT_SET_ANONYMOUS != 0:
		anon[string(name)] = true
		nt.desc = ""
	case mt == MsgNewSetElem && anon[string(name)]:
		nt.desc = ""
	}
	return nt
}

// TestReceiveMatchesNftMonitor compares what a Conn receives with what
// nft monitor, run in the same namespace, prints for the same changes.
func TestReceiveMatchesNftMonitor(t *testing.T) {
	ns := nstest.New(t)
	mon := nstest.Isolate(ns.Command("nft", "monitor"))
	out, err := mon.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := mon.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nstest.KillGroup(mon); mon.Wait() })
	lines := make(chan string, 10000)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// Wait until nft monitor is listening: make changes until it reports one.
	ready := false
	for i := 0; i < 50 && !ready; i++ {
		ns.Nft(t, "add", "table", "ip", fmt.Sprintf("warm%d", i))
		timeout := time.After(200 * time.Millisecond)
	drain:
		for {
			select {
			case l := <-lines:
				if strings.HasPrefix(l, "# new generation") {
					ready = true
				}
			case <-timeout:
				break drain
			}
		}
	}
	if !ready {
		t.Fatal("nft monitor printed nothing")
	}
	// It may still print the last warm-up changes (it is slow under load):
	// one more change, and everything up to its generation is dropped.
	ns.Nft(t, "add", "table", "ip", "warmlast")
warm:
	for last := false; ; {
		select {
		case l := <-lines:
			if l == "add table ip warmlast" {
				last = true
			} else if last && strings.HasPrefix(l, "# new generation") {
				break warm
			}
		case <-time.After(5 * time.Second):
			t.Fatal("nft monitor did not print the last warm-up change")
		}
	}

	c := openIn(t, ns, ConnConfig{}, true)
	ns.Script(t, `add table inet t
add chain inet t c { type filter hook input priority 0; policy accept; }
add set inet t s { type ipv4_addr; }
add element inet t s { 10.0.0.1, 10.0.0.2 }
add rule inet t c ip saddr @s counter accept
add rule inet t c tcp dport { 22, 80 } drop
`)
	ns.Script(t, "delete element inet t s { 10.0.0.1 }\ndelete rule inet t c handle 3\n")
	ns.Script(t, "delete table inet t\n")
	notes := receiveGens(t, c, 3, 5*time.Second)

	var want []string
	for _, n := range notes {
		if n.desc != "" {
			want = append(want, n.desc)
		}
	}
	var got []string
	timeout := time.After(5 * time.Second)
	for len(got) < len(want) {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("nft monitor ended after %q", got)
			}
			got = append(got, l)
		case <-timeout:
			t.Fatalf("nft monitor printed only:\n%s\nwant lines starting:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	for i := range want {
		if got[i] != want[i] && !strings.HasPrefix(got[i], want[i]+" ") {
			t.Errorf("line %d: nft monitor printed\n\t%s\nwe received\n\t%s", i, got[i], want[i])
		}
	}
	// The message types and their order, as the design notes describe them.
	var types []string
	for _, n := range notes {
		types = append(types, n.hdr.MsgType().String())
	}
	wantTypes := "NEWTABLE NEWCHAIN NEWSET NEWSETELEM NEWSETELEM NEWRULE NEWSET NEWSETELEM NEWSETELEM NEWRULE NEWGEN " +
		"DELSETELEM DELRULE NEWGEN DELRULE DELSET DELSET DELCHAIN DELTABLE NEWGEN"
	if s := strings.Join(types, " "); s != wantTypes {
		t.Errorf("types\n\t%s\nwant\n\t%s", s, wantTypes)
	}
	// Every message carries the low 16 bits of its transaction's gen.
	start := 0
	for i, n := range notes {
		if n.hdr.MsgType() != MsgNewGen {
			continue
		}
		for _, m := range notes[start : i+1] {
			if m.nf.ResID != uint16(n.gen.ID) {
				t.Errorf("%s: res_id %d in the transaction of gen %d", m.hdr.MsgType(), m.nf.ResID, n.gen.ID)
			}
			if m.hdr.PortID != n.gen.ProcPID {
				t.Errorf("%s: nlmsg_pid %d, but nft's pid is %d", m.hdr.MsgType(), m.hdr.PortID, n.gen.ProcPID)
			}
			if m.hdr.MsgType() == MsgNewSetElem || m.hdr.MsgType() == MsgDelSetElem {
				if m.hdr.Seq != 0 {
					t.Errorf("%s: seq %d, want 0", m.hdr.MsgType(), m.hdr.Seq)
				}
			}
		}
		start = i + 1
	}
}

func TestJoinLeaveGroup(t *testing.T) {
	ns := nstest.New(t)
	c := openIn(t, ns, ConnConfig{}, false)
	buf := make([]byte, MinBufferLen)
	expectNothing := func(what string) {
		t.Helper()
		c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if d, err := c.Receive(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("%s: Receive = %d bytes, %v; want a timeout", what, d.N, err)
		}
	}
	ns.Nft(t, "add", "table", "ip", "a")
	expectNothing("before JoinGroup")
	if err := c.JoinGroup(unix.NFNLGRP_NFTABLES); err != nil {
		t.Fatal(err)
	}
	ns.Nft(t, "add", "table", "ip", "b")
	if notes := receiveGens(t, c, 1, 3*time.Second); notes[0].desc != "add table ip b" {
		t.Fatalf("after JoinGroup: %+v", notes)
	}
	if err := c.LeaveGroup(unix.NFNLGRP_NFTABLES); err != nil {
		t.Fatal(err)
	}
	ns.Nft(t, "add", "table", "ip", "c")
	expectNothing("after LeaveGroup")
	if err := c.JoinGroup(1000); err == nil {
		t.Error("JoinGroup(1000) succeeded")
	}
}

func TestReadBuffer(t *testing.T) {
	ns := nstest.New(t)
	def := openIn(t, ns, ConnConfig{}, false)
	// The kernel reports twice what was asked, for its bookkeeping.
	if got := def.ReadBuffer(); got != 2*DefaultReadBuffer {
		t.Errorf("default ReadBuffer %d, want %d", got, 2*DefaultReadBuffer)
	}
	rmemMax := 0
	if b, err := os.ReadFile("/proc/sys/net/core/rmem_max"); err == nil {
		fmt.Sscan(string(b), &rmemMax)
	}
	// As root, SO_RCVBUFFORCE goes past net.core.rmem_max.
	big := 4 * max(rmemMax, DefaultReadBuffer)
	c := openIn(t, ns, ConnConfig{ReadBuffer: big}, false)
	if os.Geteuid() == 0 && c.ReadBuffer() != 2*big {
		t.Errorf("ReadBuffer %d as root with rmem_max %d, want %d", c.ReadBuffer(), rmemMax, 2*big)
	}
	got, err := c.SetReadBuffer(1 << 20)
	if err != nil || got != 2<<20 || c.ReadBuffer() != got {
		t.Errorf("SetReadBuffer(1 MiB) = %d, %v; ReadBuffer %d", got, err, c.ReadBuffer())
	}
	kdef := openIn(t, ns, ConnConfig{ReadBuffer: -1}, false)
	if kdef.ReadBuffer() != 0 {
		t.Errorf("ReadBuffer %d with the kernel's default, want 0", kdef.ReadBuffer())
	}
}

// bigScript returns an nft script of one transaction adding a table, a set
// and n elements: about n/60 datagrams of notifications.
func bigScript(table string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "add table ip %s\nadd set ip %s s { type ipv4_addr; }\nadd element ip %s s { ", table, table, table)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
	}
	b.WriteString(" }\n")
	return b.String()
}

func TestReceiveOverflow(t *testing.T) {
	ns := nstest.New(t)
	c := openIn(t, ns, ConnConfig{ReadBuffer: 1}, true)
	ns.Script(t, bigScript("burst", 2000))
	buf := make([]byte, MinBufferLen)
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	var overflow error
	for overflow == nil {
		_, err := c.Receive(buf)
		switch {
		case err == nil:
		case errors.Is(err, os.ErrDeadlineExceeded):
			t.Fatal("no overflow after a burst into a tiny buffer")
		default:
			overflow = err
		}
	}
	if overflow != ErrOverflow || !errors.Is(overflow, ErrOverflow) || !errors.Is(overflow, unix.ENOBUFS) {
		t.Fatalf("Receive = %v, want ErrOverflow matching ENOBUFS", overflow)
	}
	// Drain what is queued, then reading goes on normally.
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	for {
		if _, err := c.Receive(buf); errors.Is(err, os.ErrDeadlineExceeded) {
			break
		} else if err != nil && err != ErrOverflow {
			t.Fatal(err)
		}
	}
	if _, err := c.SetReadBuffer(DefaultReadBuffer); err != nil {
		t.Fatal(err)
	}
	ns.Nft(t, "add", "table", "ip", "after")
	notes := receiveGens(t, c, 1, 3*time.Second)
	if len(notes) != 2 || notes[0].desc != "add table ip after" {
		t.Fatalf("after the overflow: %+v", notes)
	}
}

func TestReceiveTruncated(t *testing.T) {
	ns := nstest.New(t)
	small := openIn(t, ns, ConnConfig{}, true)
	ref := openIn(t, ns, ConnConfig{}, true)
	ns.Script(t, "add table inet t\nadd chain inet t c { type filter hook input priority 0; }\n")

	full := make([]byte, MinBufferLen)
	ref.SetReadDeadline(time.Now().Add(3 * time.Second))
	want, err := ref.Receive(full)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	small.SetReadDeadline(time.Now().Add(3 * time.Second))
	d, err := small.Receive(buf)
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("Receive into 64 bytes of a %d-byte datagram: %v", want.N, err)
	}
	var te *TruncatedError
	if !errors.As(err, &te) || te.Size != want.N || te.BufLen != 64 || d.N != 64 {
		t.Fatalf("TruncatedError %+v, Datagram.N %d; want size %d in 64", te, d.N, want.N)
	}
	if string(buf) != string(full[:64]) {
		t.Error("the truncated datagram does not start like the full one")
	}
	// Reading goes on: the NEWGEN datagram fits.
	d, err = small.Receive(buf)
	if err != nil {
		t.Fatal(err)
	}
	if m, _, err := ParseMessage(buf[:d.N]); err != nil || m.Header.MsgType() != MsgNewGen {
		t.Fatalf("after truncation: %+v, %v", m.Header, err)
	}
	if _, err := small.Receive(nil); err == nil {
		t.Error("Receive into an empty buffer succeeded")
	}
}

func TestReceiveDropsForeign(t *testing.T) {
	ns := nstest.New(t)
	c := openIn(t, ns, ConnConfig{}, true)
	sendForeign(t, ns, c.PortID(), 3)
	ns.Nft(t, "add", "table", "ip", "real")
	notes := receiveGens(t, c, 1, 3*time.Second)
	if len(notes) != 2 || notes[0].desc != "add table ip real" {
		t.Fatalf("received %+v, want only the real table", notes)
	}
	if n := c.ForeignDropped(); n != 3 {
		t.Fatalf("ForeignDropped = %d, want 3", n)
	}
}

// blockedReceive starts a Receive on c in another goroutine, checks that it
// is still waiting a while later, and returns where its error will come.
func blockedReceive(t *testing.T, c *Conn) <-chan error {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		_, err := c.Receive(make([]byte, MinBufferLen))
		errc <- err
	}()
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-errc:
		t.Fatalf("Receive returned on an empty socket: %v", err)
	default:
	}
	return errc
}

func TestCloseUnblocksReceive(t *testing.T) {
	ns := nstest.New(t)
	c := openIn(t, ns, ConnConfig{}, true)
	errc := blockedReceive(t, c)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Receive after Close: %v, want ErrClosed", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Close did not unblock Receive")
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := c.Receive(make([]byte, 16)); !errors.Is(err, ErrClosed) {
		t.Errorf("Receive on a closed Conn: %v", err)
	}
	if err := c.JoinGroup(unix.NFNLGRP_NFTABLES); !errors.Is(err, ErrClosed) {
		t.Errorf("JoinGroup on a closed Conn: %v", err)
	}
	if _, err := c.GetGen(); !errors.Is(err, ErrClosed) {
		t.Errorf("GetGen on a closed Conn: %v", err)
	}
}

func TestReadDeadline(t *testing.T) {
	ns := nstest.New(t)
	c := openIn(t, ns, ConnConfig{}, true)
	start := time.Now()
	c.SetReadDeadline(start.Add(100 * time.Millisecond))
	_, err := c.Receive(make([]byte, MinBufferLen))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Receive past the deadline: %v", err)
	}
	if el := time.Since(start); el < 90*time.Millisecond || el > 2*time.Second {
		t.Errorf("deadline of 100ms hit after %v", el)
	}
	// A cleared deadline lets Receive wait for data again.
	c.SetReadDeadline(time.Time{})
	ns.Nft(t, "add", "table", "ip", "x")
	if notes := receiveGens(t, c, 1, 3*time.Second); notes[0].desc != "add table ip x" {
		t.Fatalf("after clearing the deadline: %+v", notes)
	}
}

// TestReadDeadlineWhileBlocked checks that a deadline set while Receive
// waits in another goroutine takes effect then: moved from none to the
// past, it ends the wait at once.
func TestReadDeadlineWhileBlocked(t *testing.T) {
	ns := nstest.New(t)
	c := openIn(t, ns, ConnConfig{}, true)
	errc := blockedReceive(t, c)
	// A deadline in the future is taken, and the wait goes on.
	c.SetReadDeadline(time.Now().Add(time.Hour))
	time.Sleep(50 * time.Millisecond)
	select {
	case err := <-errc:
		t.Fatalf("Receive returned with an hour left: %v", err)
	default:
	}
	start := time.Now()
	c.SetReadDeadline(time.Unix(1, 0))
	select {
	case err := <-errc:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("Receive after a deadline in the past: %v, want os.ErrDeadlineExceeded", err)
		}
		t.Logf("the wait ended %v after the deadline was set", time.Since(start))
	case <-time.After(3 * time.Second):
		t.Fatal("a deadline in the past did not end the wait")
	}
}

// TestSocketOutsidePoller checks how Receive waits (see waiter): the socket
// is in blocking mode, and so not in the runtime poller, and the reads
// pass MSG_DONTWAIT themselves.
func TestSocketOutsidePoller(t *testing.T) {
	c, err := Open(ConnConfig{ReadBuffer: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for name, rc := range map[string]interface {
		Control(func(uintptr)) error
	}{"socket": c.rc, "eventfd": c.w.evRC} {
		var flags int
		var ferr error
		if err := rc.Control(func(fd uintptr) { flags, ferr = unix.FcntlInt(fd, unix.F_GETFL, 0) }); err != nil {
			t.Fatal(err)
		}
		if ferr != nil {
			t.Fatal(ferr)
		}
		if flags&unix.O_NONBLOCK != 0 {
			t.Errorf("the %s is non-blocking: os.NewFile gave it to the runtime poller", name)
		}
	}
	// Nothing queued: an immediate deadline, not a blocked read.
	c.SetReadDeadline(time.Now())
	if _, err := c.Receive(make([]byte, MinBufferLen)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Receive on an empty socket past its deadline: %v", err)
	}
}
