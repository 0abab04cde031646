package nftmon_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
	"golang.org/x/sys/unix"
)

// recorder runs a Monitor in a goroutine of the test's and keeps a copy of
// every event.
type recorder struct {
	m    *nftmon.Monitor
	mu   sync.Mutex
	evs  []*nftmon.Event
	done chan error
}

func startMonitor(t *testing.T, cfg nftmon.Config) *recorder {
	t.Helper()
	r := &recorder{done: make(chan error, 1)}
	m, err := nftmon.NewMonitor(cfg, func(e *nftmon.Event) error {
		c := e.Clone()
		r.mu.Lock()
		r.evs = append(r.evs, c)
		r.mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatalf("NewMonitor: %v", err)
	}
	r.m = m
	ctx, cancel := context.WithCancel(context.Background())
	go func() { r.done <- runMonitor(ctx, m) }()
	t.Cleanup(func() {
		cancel()
		if err := <-r.done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v, want context.Canceled", err)
		}
		m.Close()
	})
	return r
}

func (r *recorder) events() []*nftmon.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.evs)
}

// waitCommit waits until the recorder has seen the commit of gen.
func (r *recorder) waitCommit(t *testing.T, gen uint32) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, e := range r.events() {
			if e.Kind == nftmon.EventCommit && e.Gen == gen {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("monitor did not deliver the commit of generation %d; stats %+v", gen, r.m.Stats())
}

// nftMonitor runs `nft monitor` in the namespace, the reference.
type nftMonitor struct {
	cmd *exec.Cmd
	mu  sync.Mutex
	out bytes.Buffer
}

func startNftMonitor(t *testing.T, ns *nstest.NS) *nftMonitor {
	t.Helper()
	nm := &nftMonitor{cmd: nstest.Isolate(ns.Command("nft", "monitor"))}
	pipe, err := nm.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := nm.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s := bufio.NewScanner(pipe)
		s.Buffer(nil, 1<<20)
		for s.Scan() {
			nm.mu.Lock()
			nm.out.Write(s.Bytes())
			nm.out.WriteByte('\n')
			nm.mu.Unlock()
		}
	}()
	t.Cleanup(func() { nstest.KillGroup(nm.cmd); nm.cmd.Wait() })
	return nm
}

func (nm *nftMonitor) text() string {
	nm.mu.Lock()
	defer nm.mu.Unlock()
	return nm.out.String()
}

func (nm *nftMonitor) sawGen(gen uint32, wait time.Duration) bool {
	want := fmt.Sprintf("# new generation %d by", gen)
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		if strings.Contains(nm.text(), want) {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return false
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// currentGen asks the kernel for the namespace's generation.
func currentGen(t testing.TB, ns *nstest.NS) uint32 {
	t.Helper()
	c, err := nftmon.Open(nftmon.ConnConfig{NetNS: ns.Path, ReadBuffer: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	g, err := c.GetGen()
	if err != nil {
		t.Fatal(err)
	}
	return g.ID
}

// sync commits an empty-handed transaction and waits for both monitors to
// see it, so that what follows is seen by both; it returns its generation.
func syncMonitors(t *testing.T, ns *nstest.NS, r *recorder, nm *nftMonitor) uint32 {
	t.Helper()
	// nft monitor may not have subscribed yet: commit until it has seen one.
	for try := 0; ; try++ {
		ns.Script(t, "add table ip __sync\ndelete table ip __sync\n")
		g := currentGen(t, ns)
		if nm != nil && !nm.sawGen(g, time.Second) {
			if try == 30 {
				t.Fatalf("nft monitor did not print generation %d:\n%s", g, tail(nm.text(), 2000))
			}
			continue
		}
		if r != nil {
			r.waitCommit(t, g)
		}
		return g
	}
}

// change is one line of nft monitor, or one event, reduced to what both
// can say: the operation, the kind of object, its family, table and name
// (a rule's chain, an element's set).
type change struct {
	op, kind, family, table, name string
}

func (c change) String() string {
	return strings.Join([]string{c.op, c.kind, c.family, c.table, c.name}, " ")
}

// txn is one transaction: its changes and its commit line.
type txn struct {
	changes []change
	elems   map[change]int // element changes, counted: nft reorders and merges intervals
	hidden  int            // changes nft monitor does not print
	commit  string
}

var genLine = regexp.MustCompile(`^# new generation (\d+) by process (\d+) \((.*)\)$`)

var objKinds = []string{"counter", "quota", "limit", "ct helper", "ct timeout", "ct expectation", "secmark", "synproxy", "tunnel"}

// parseNftMonitor splits nft monitor's text into transactions after gen
// floor.
func parseNftMonitor(t *testing.T, text string, floor uint32) []txn {
	t.Helper()
	var out []txn
	cur := txn{elems: map[change]int{}}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if m := genLine.FindStringSubmatch(line); m != nil {
			g, _ := strconv.ParseUint(m[1], 10, 32)
			cur.commit = line
			if nftmon.GenAfter(uint32(g), floor) {
				out = append(out, cur)
			}
			cur = txn{elems: map[change]int{}}
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 {
			t.Fatalf("unexpected nft monitor line %q", line)
		}
		c := change{op: f[0], kind: f[1]}
		if c.op == "insert" {
			c.op = "add"
		}
		rest := f[2:]
		if f[1] == "ct" {
			c.kind, rest = "obj", f[3:]
		} else if slices.Contains(objKinds, f[1]) {
			c.kind = "obj"
		}
		if c.kind == "map" {
			c.kind = "set"
		}
		c.family = rest[0]
		c.table = rest[1]
		if c.kind != "table" {
			c.name = rest[2]
		}
		if c.kind == "element" {
			cur.elems[c]++
			continue
		}
		cur.changes = append(cur.changes, c)
	}
	return out
}

// ident reads the family, table and name of an event's object.
func ident(t *testing.T, e *nftmon.Event) change {
	t.Helper()
	c := change{family: e.Family.String(), kind: e.Type.Object().String()}
	switch e.Type.Op() {
	case nftmon.OpNew:
		c.op = "add"
	case nftmon.OpDelete:
		c.op = "delete"
	}
	if c.kind == "object" {
		c.kind = "obj"
	}
	// Attribute 1 is the table (or, for a table, its name); the name is
	// attribute 3 for chains and 2 (the chain, the set) otherwise.
	nameAttr := uint16(2)
	if e.Type.Object() == nftmon.ObjectChain {
		nameAttr = 3
	}
	s := nftmon.NewAttrScanner(e.Attrs)
	for s.Next() {
		switch s.Type() {
		case 1:
			c.table = string(s.StringBytes())
		case nameAttr:
			if e.Type.Object() != nftmon.ObjectTable {
				c.name = string(s.StringBytes())
			}
		}
	}
	if err := s.Err(); err != nil {
		t.Fatalf("%s event: %v", e.Type, err)
	}
	return c
}

// elemFlags reads NFTA_SET_ELEM_FLAGS of a one-element notification, and
// whether it has NFTA_SET_ELEM_KEY_END.
func elemFlags(e *nftmon.Event) (flags uint32, keyEnd bool) {
	s := nftmon.NewAttrScanner(e.Attrs)
	for s.Next() {
		if s.Type() != unix.NFTA_SET_ELEM_LIST_ELEMENTS {
			continue
		}
		l := s.Nested()
		for l.Next() {
			el := l.Nested()
			for el.Next() {
				switch el.Type() {
				case unix.NFTA_SET_ELEM_FLAGS:
					flags |= el.Uint32()
				case 10: // NFTA_SET_ELEM_KEY_END
					keyEnd = true
				}
			}
		}
	}
	return flags, keyEnd
}

// ourTxns groups the recorded events into transactions after floor, the
// way nft monitor prints them: anonymous sets' creation and elements are
// hidden, an interval's end element is merged into its start.
func ourTxns(t *testing.T, evs []*nftmon.Event, floor uint32) []txn {
	t.Helper()
	var out []txn
	cur := txn{elems: map[change]int{}}
	for _, e := range evs {
		switch e.Kind {
		case nftmon.EventCommit:
			cur.commit = fmt.Sprintf("# new generation %d by process %d (%s)", e.Gen, e.ProcPID, e.ProcName)
			if nftmon.GenAfter(e.Gen, floor) {
				out = append(out, cur)
			}
			cur = txn{elems: map[change]int{}}
			continue
		case nftmon.EventChange:
		default:
			t.Fatalf("unexpected %s event", e.Kind)
		}
		c := ident(t, e)
		anon := strings.HasPrefix(c.name, "__")
		switch {
		case e.Type == nftmon.MsgNewSet && anon, e.Type.Object() == nftmon.ObjectSetElem && anon:
			continue
		case e.Type.Object() == nftmon.ObjectSetElem:
			flags, keyEnd := elemFlags(e)
			if flags&unix.NFT_SET_ELEM_INTERVAL_END != 0 {
				continue
			}
			if keyEnd {
				// nft 1.0.6's monitor prints nothing for an element of a
				// concatenated interval set (it has KEY_END); count it.
				cur.hidden++
				continue
			}
			c.kind = "element"
			cur.elems[c]++
			continue
		}
		cur.changes = append(cur.changes, c)
	}
	return out
}

func compareTxns(t *testing.T, ours, nfts []txn) {
	t.Helper()
	if len(ours) != len(nfts) {
		t.Errorf("monitor delivered %d transactions, nft monitor printed %d", len(ours), len(nfts))
	}
	for i := range min(len(ours), len(nfts)) {
		o, n := ours[i], nfts[i]
		if o.commit != n.commit {
			t.Errorf("transaction %d: commit\n got %q\nwant %q", i, o.commit, n.commit)
		}
		if !slices.Equal(o.changes, n.changes) {
			t.Errorf("transaction %d (%s): changes\n got %v\nwant %v", i, n.commit, o.changes, n.changes)
		}
		if fmt.Sprint(o.elems) != fmt.Sprint(n.elems) {
			t.Errorf("transaction %d (%s): elements\n got %v\nwant %v", i, n.commit, o.elems, n.elems)
		}
	}
}

// monitorCorpus is a sequence of transactions, each one `nft -f` script;
// a script starting with "!fail" must fail.
var monitorCorpus = []struct {
	name   string
	steps  []string
	hidden int // changes we deliver that nft monitor does not print
}{
	{name: "tables", steps: []string{
		"add table ip t4\nadd table ip6 t6\nadd table inet ti\nadd table arp ta\nadd table bridge tb\nadd table netdev tn",
		"add table ip dormant { flags dormant; comment \"sleepy\"; }",
		"delete table ip6 t6",
	}},
	{name: "chains", steps: []string{
		`add table ip t
add chain ip t pre { type filter hook prerouting priority -300; }
add chain ip t in { type filter hook input priority 0; policy drop; }
add chain ip t fw { type filter hook forward priority 10; }
add chain ip t out { type route hook output priority -150; }
add chain ip t post { type nat hook postrouting priority 100; }
add chain ip t regular { comment "no hook"; }
add table ip6 t
add chain ip6 t in { type filter hook input priority 0; }
add table inet t
add chain inet t ing { type filter hook ingress device lo priority 0; }
add chain inet t in { type filter hook input priority 0; }
add table arp t
add chain arp t in { type filter hook input priority 0; }
add chain arp t out { type filter hook output priority 0; }
add table bridge t
add chain bridge t fw { type filter hook forward priority 0; }
add table netdev t
add chain netdev t ing { type filter hook ingress device lo priority 0; }
add chain netdev t egr { type filter hook egress device lo priority 0; }`,
		"rename chain ip t regular renamed",
		"add chain ip t in { policy accept; }",
		"delete chain ip t fw",
	}},
	{name: "rules", steps: []string{
		"add table inet t\nadd chain inet t c { type filter hook input priority 0; }\nadd rule inet t c tcp dport 22 accept\nadd rule inet t c counter\nadd rule inet t c ip saddr 10.0.0.0/8 drop comment \"ten\"",
		"insert rule inet t c meta l4proto udp accept",
		"add rule inet t c position 2 log prefix \"x\"",
		"replace rule inet t c handle 3 tcp dport { 22, 80, 443 } accept",
		"delete rule inet t c handle 4",
		"flush chain inet t c",
	}},
	{name: "sets", steps: []string{
		`add table ip t
add set ip t plain { type ipv4_addr; }
add set ip t iv { type ipv4_addr; flags interval; }
add set ip t cc { type ipv4_addr . inet_service; }
add set ip t cci { type ipv4_addr . inet_service; flags interval; }
add set ip t to { type ipv4_addr; timeout 1h; }
add map ip t m { type ipv4_addr : inet_service; }
add map ip t vm { type inet_service : verdict; }
add chain ip t c
add chain ip t j`,
		`add element ip t plain { 1.1.1.1, 2.2.2.2, 3.3.3.3 }
add element ip t iv { 10.0.0.0/8, 192.168.0.0-192.168.0.9 }
add element ip t cc { 1.1.1.1 . 22, 2.2.2.2 . 80 }
add element ip t cci { 10.0.0.0/8 . 1-1024 }
add element ip t to { 1.1.1.1 timeout 10s comment "short", 2.2.2.2 }
add element ip t m { 1.1.1.1 : 22 }
add element ip t vm { 22 : accept, 23 : drop, 24 : jump j }`,
		"delete element ip t plain { 2.2.2.2 }",
		"flush set ip t plain",
		"add rule ip t c ip saddr @iv ip daddr . tcp dport @cc accept\nadd rule ip t c tcp dport vmap @vm",
		"delete set ip t to",
	}, hidden: 1},
	{name: "objects", steps: []string{
		`add table inet t
add counter inet t c1
add quota inet t q1 { over 100 mbytes }
add limit inet t l1 { rate 10/second }
add ct helper inet t h1 { type "ftp" protocol tcp; }
add ct timeout inet t tm1 { protocol tcp; policy = { established: 100 }; }`,
		"add counter inet t c2 { packets 5 bytes 7 }",
		"delete quota inet t q1",
	}},
	{name: "delete-table", steps: []string{
		"add table ip t\nadd chain ip t c { type filter hook input priority 0; }\nadd set ip t s { type ipv4_addr; }\nadd element ip t s { 1.1.1.1 }\nadd counter ip t k\nadd rule ip t c ip saddr @s counter name k\nadd rule ip t c tcp dport { 1, 2 } drop",
		"delete table ip t",
	}},
	{name: "failed", steps: []string{
		"add table ip t",
		"!fail\nadd chain ip t c\nadd rule ip t nonexistent accept",
		"add chain ip t c2",
	}},
}
