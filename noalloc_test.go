package nftmon

import (
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"unsafe"

	"testing"
	"time"

	"github.com/nftmon/nftmon/internal/nstest"
	"golang.org/x/sys/unix"
)

// sink keeps results alive so that the compiler cannot drop the calls.
var sink struct {
	n   int
	u   uint64
	b   []byte
	err error
}

// getterAttrs holds one attribute for each typed getter, and a nest.
var getterAttrs = cat(
	attr(1, 7),
	attr(2, 0, 9),
	attr(3, 0, 0, 1, 0),
	attr(4, 0xff, 0xff, 0xff, 0xfe),
	attr(5, 0, 0, 0, 0, 0, 0, 1, 0),
	attr(6, 'f', 'i', 'l', 't', 'e', 'r', 0),
	attr(7|unix.NLA_F_NESTED, cat(attr(1, 0, 0, 0, 1), attr(2, 'x', 0))...),
	attr(8, 1, 2, 3),
)

func scanGetters(b []byte) {
	s := NewAttrScanner(b)
	for s.Next() {
		switch s.Type() {
		case 1:
			sink.u += uint64(s.Uint8())
		case 2:
			sink.u += uint64(s.Uint16())
		case 3:
			sink.u += uint64(s.Uint32())
		case 4:
			sink.u += uint64(s.Int32())
		case 5:
			sink.u += s.Uint64()
		case 6:
			sink.b = s.StringBytes()
		case 7:
			n := s.Nested()
			for n.Next() {
				sink.u += uint64(n.Type())
			}
			s.Fail(n.Err())
		default:
			sink.b = s.Attr().Data
		}
	}
	sink.err = s.Err()
}

// TestNoAllocs fails if any decoding path allocates, on good input or bad.
func TestNoAllocs(t *testing.T) {
	multi := unhex(t, capAddDatagram)
	gen := unhex(t, capAddGen)
	genMsg, _, _ := ParseMessage(gen)
	_, genAttrs, _ := ParseNFGen(genMsg.Payload)
	oob := cmsgNSID(3)
	badAttr := nla(64, 1, 1, 2, 3, 4)
	ruleAttrs, elemAttrs := firstAttrs(t, MsgNewRule), firstAttrs(t, MsgNewSetElem)
	badMsg := cat(nlmsg(20, 1, 0, 1, 0, 1, 2, 3, 4), nlmsg(64, 2, 0, 0, 0, 1))
	badGetters := cat(attr(1, 1, 2), attr(2, 1), attr(3, 'x'), attr(4))
	var g Gen
	for _, tc := range []struct {
		name string
		fn   func()
	}{
		{"MessageScanner", func() {
			s := NewMessageScanner(multi)
			for s.Next() {
				m := s.Message()
				nf, attrs, err := m.NFGen()
				sink.n += int(nf.ResID) + len(attrs) + int(m.Header.MsgType())
				sink.err = err
			}
			sink.err = s.Err()
		}},
		{"Messages", func() {
			for m, err := range Messages(multi) {
				nf, attrs, _ := m.NFGen()
				sink.n += int(nf.ResID) + len(attrs) + int(m.Header.MsgType())
				sink.err = err
			}
		}},
		{"Messages malformed", func() {
			for _, err := range Messages(badMsg) {
				sink.err = err
			}
		}},
		{"MessageScanner.Reset", func() {
			var s MessageScanner
			s.Reset(multi)
			for s.Next() {
				sink.n++
			}
		}},
		{"MessageScanner malformed", func() {
			s := NewMessageScanner(badMsg)
			for s.Next() {
				sink.n++
			}
			sink.err = s.Err()
		}},
		{"ParseMessage short", func() { _, _, sink.err = ParseMessage(multi[:10]) }},
		{"AttrScanner getters", func() { scanGetters(getterAttrs) }},
		{"AttrScanner wrong sizes", func() {
			s := NewAttrScanner(badGetters)
			for s.Next() {
				sink.u += uint64(s.Uint8()) + uint64(s.Uint16()) + uint64(s.Uint32()) + s.Uint64()
				sink.b = s.StringBytes()
			}
			sink.err = s.Err()
		}},
		{"AttrScanner malformed", func() {
			s := NewAttrScanner(badAttr)
			for s.Next() {
			}
			sink.err = s.Err()
		}},
		{"AttrScanner every message of a datagram", func() {
			s := NewMessageScanner(multi)
			for s.Next() {
				_, attrs, _ := s.Message().NFGen()
				a := NewAttrScanner(attrs)
				for a.Next() {
					sink.b = a.Bytes()
				}
				sink.err = a.Err()
			}
		}},
		{"AttrScanner.Nested over a rule", func() { sink.err = scanRuleNested(ruleAttrs) }},
		{"AttrScanner.Nested over set elements", func() { sink.err = scanElemsNested(elemAttrs) }},
		{"ParseNFGen", func() {
			nf, attrs, err := ParseNFGen(genMsg.Payload)
			sink.n, sink.b, sink.err = int(nf.ResID), attrs, err
		}},
		{"ParseNFGen short", func() { _, _, sink.err = ParseNFGen(genMsg.Payload[:2]) }},
		{"Gen.Decode", func() { sink.err = g.Decode(genAttrs) }},
		{"Gen.Decode malformed", func() { sink.err = g.Decode(genAttrs[:len(genAttrs)-2]) }},
		{"WidenGen", func() { sink.u += uint64(WidenGen(uint16(sink.u), uint32(sink.n))) }},
		{"GenAfter", func() {
			if GenAfter(uint32(sink.u), 5) {
				sink.n++
			}
		}},
		{"MsgType.String", func() { sink.n += len(MsgNewRule.String()) + len(FamilyINet.String()) }},
		{"parseNSID", func() {
			id, ok := parseNSID(oob)
			if ok {
				sink.n += int(id)
			}
		}},
	} {
		if n := testing.AllocsPerRun(100, tc.fn); n != 0 {
			t.Errorf("%s: %v allocations per run, want 0", tc.name, n)
		}
	}
	if sink.n == 0 {
		t.Fatal("the checked functions did nothing")
	}
}

// TestNoAllocsReceive checks that Conn.Receive allocates nothing in steady
// state, reading a burst of real notifications queued in the socket.
func TestNoAllocsReceive(t *testing.T) {
	ns := nstest.New(t)
	c := openIn(t, ns, ConnConfig{}, true)
	ns.Script(t, bigScript("burst", 6000)) // about 90 datagrams
	buf := make([]byte, MinBufferLen)
	if err := c.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	// Warm up: the first call may set up the poller.
	if _, err := c.Receive(buf); err != nil {
		t.Fatal(err)
	}
	msgs := 0
	var rerr error
	n := testing.AllocsPerRun(50, func() {
		d, err := c.Receive(buf)
		if err != nil {
			rerr = err
			return
		}
		s := NewMessageScanner(buf[:d.N])
		for s.Next() {
			msgs++
		}
	})
	if rerr != nil {
		t.Fatal(rerr)
	}
	if n != 0 {
		t.Errorf("Receive: %v allocations per call, want 0", n)
	}
	if msgs < 51 {
		t.Fatalf("only %d messages received", msgs)
	}
}

// cmsgNSID builds the control message the kernel attaches to a datagram
// from the namespace with the given nsid (NETLINK_LISTEN_ALL_NSID).
func cmsgNSID(id int32) []byte {
	b := make([]byte, unix.CmsgSpace(4))
	h := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level = unix.SOL_NETLINK
	h.Type = unix.NETLINK_LISTEN_ALL_NSID
	h.SetLen(unix.CmsgLen(4))
	binary.NativeEndian.PutUint32(b[unix.CmsgLen(0):], uint32(id))
	return b
}

// TestInlining checks that the small functions of the scanning path stay
// inlinable, and that the Messages iterator inlines into a range loop (so
// that neither it nor the loop body escapes to the heap).
func TestInlining(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, serr := os.Stat(goCmd); serr != nil {
			t.Skipf("the go command is needed to read the compiler's inlining decisions: %v", err)
		}
	}
	out, err := exec.Command(goCmd, "build", "-gcflags=-m", "-o", os.DevNull, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build -gcflags=-m: %v\n%s", err, out)
	}
	got := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		if _, fn, ok := strings.Cut(line, ": can inline "); ok {
			got[strings.Fields(fn)[0]] = true
		}
	}
	for _, fn := range []string{
		"NewMessageScanner", "(*MessageScanner).Message", "(*MessageScanner).Err", "(*Message).NFGen",
		"NewAttrScanner", "(*AttrScanner).Next", "(*AttrScanner).Type", "(*AttrScanner).Bytes", "(*AttrScanner).Attr", "(*AttrScanner).Err",
		"(*AttrScanner).Uint8", "(*AttrScanner).Uint16", "(*AttrScanner).Uint32", "(*AttrScanner).Int32", "(*AttrScanner).Uint64",
		"(*AttrScanner).Nested", "(*AttrScanner).Fail", "Messages",
		"ParseAttr", "ParseNFGen", "Header.MsgType", "Header.IsNFTables", "WidenGen", "GenAfter",
	} {
		if !got[fn] {
			t.Errorf("%s no longer inlines", fn)
		}
	}
}

// TestNoAllocsWait checks that a Conn's wait for a datagram allocates
// nothing on each of its paths: woken (by a new deadline), timed out, and
// past its deadline.
func TestNoAllocsWait(t *testing.T) {
	c, err := Open(ConnConfig{ReadBuffer: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var fd uintptr
	if err := c.rc.Control(func(f uintptr) { fd = f }); err != nil {
		t.Fatal(err)
	}
	var woken, timedOut, past, early int
	n := testing.AllocsPerRun(20, func() {
		dl := time.Now().Add(5 * time.Millisecond)
		c.w.setDeadline(dl) // wakes the next wait
		if c.w.wait(fd) == nil {
			woken++
		}
		// The next waits until the deadline: a signal (the runtime's
		// preemption, the race detector's) may end one early, and the
		// reader waits again, as Receive does.
		waits := 0
		for ; waits < 100 && c.w.wait(fd) == nil; waits++ {
		}
		if waits > 0 {
			timedOut++
		}
		if time.Now().Before(dl) {
			early++
		}
		if errors.Is(c.w.wait(fd), os.ErrDeadlineExceeded) {
			past++
		}
	})
	if n != 0 {
		t.Errorf("wait: %v allocations per run, want 0", n)
	}
	if runs := 21; woken != runs || timedOut != runs || past != runs || early != 0 {
		t.Errorf("of %d runs: %d woken, %d waited until the deadline, %d past it, %d ended before it; want all, all, all, none", runs, woken, timedOut, past, early)
	}
}
