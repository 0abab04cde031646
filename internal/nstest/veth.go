package nstest

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Do runs fn on a thread that has joined the namespace, and returns its
// error; the thread is thrown away after, so that nothing else ever runs
// in the namespace by mistake. Sockets fn opens stay in the namespace.
func (ns *NS) Do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		if err := unix.Setns(ns.FD, unix.CLONE_NEWNET); err != nil {
			errc <- err
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// The addresses Veth gives the two ends.
const (
	VethA, VethB     = "va", "vb" // the interfaces' names
	VethA4, VethB4   = "10.0.0.1", "10.0.0.2"
	VethA6, VethB6   = "fd00::1", "fd00::2"
	vethPrefix4      = "/24"
	vethPrefix6      = "/64"
	holderWaitTries  = 200
	holderWaitPeriod = 10 * time.Millisecond
)

// VethPair makes two namespaces for t linked by Veth: a sends, b receives
// (and is the one traced, with a ruleset loaded by Script or ScriptFile).
func VethPair(t testing.TB) (a, b *NS) {
	t.Helper()
	a, b = New(t), New(t)
	Veth(t, a, b)
	return a, b
}

// Veth links a and b with a veth pair, VethA in a and VethB in b, with
// the addresses above (IPv6 without duplicate address detection), and
// brings them and lo up in both. The kernel gives each namespace an nsid
// in the other.
func Veth(t testing.TB, a, b *NS) {
	t.Helper()
	// ip names the namespace to move VethB to by a process in it.
	holder := b.Command("sleep", "600")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Process.Kill(); holder.Wait() })
	pid := strconv.Itoa(holder.Process.Pid)
	want, err := os.Readlink(b.Path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ { // until nsenter has joined b
		if got, _ := os.Readlink("/proc/" + pid + "/ns/net"); got == want {
			break
		}
		if i == holderWaitTries {
			t.Fatal("nsenter did not join the namespace")
		}
		time.Sleep(holderWaitPeriod)
	}
	for _, c := range []struct {
		ns   *NS
		args string
	}{
		{a, "link set lo up"},
		{b, "link set lo up"},
		{a, "link add " + VethA + " type veth peer name " + VethB + " netns " + pid},
		{a, "addr add " + VethA4 + vethPrefix4 + " dev " + VethA},
		{a, "addr add " + VethA6 + vethPrefix6 + " dev " + VethA + " nodad"},
		{a, "link set " + VethA + " up"},
		{b, "addr add " + VethB4 + vethPrefix4 + " dev " + VethB},
		{b, "addr add " + VethB6 + vethPrefix6 + " dev " + VethB + " nodad"},
		{b, "link set " + VethB + " up"},
	} {
		if out, err := c.ns.Command("ip", strings.Fields(c.args)...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", c.args, err, out)
		}
	}
}
