package nftext_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/nstest"
	"github.com/nftmon/nftmon/nftext"
)

// TestKernelAsk starts a Printer after the sets were made, without a
// snapshot: with a request connection it asks the kernel for the set once
// and prints its elements typed; without one, it says it does not know.
func TestKernelAsk(t *testing.T) {
	ns := nstest.New(t)
	ns.Script(t, "add table inet web\nadd set inet web blocked { type ipv4_addr; flags interval; }\nadd map inet web ports { type inet_service : verdict; }\n")
	c, err := nftmon.Open(nftmon.ConnConfig{NetNS: ns.Path, ReadBuffer: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	var ours, blind nstest.Buffer
	p := nftext.Printer{Conn: c}
	var q nftext.Printer
	buf := make([]byte, 0, 4096)
	done := make(chan error, 1)
	m, err := nftmon.NewMonitor(nftmon.Config{NetNS: ns.Path}, func(e *nftmon.Event) error {
		b, err := p.AppendEvent(buf[:0], e)
		if err != nil {
			return err
		}
		ours.Write(b)
		if b, err = q.AppendEvent(buf[:0], e); err != nil {
			return err
		}
		blind.Write(b)
		if e.Kind == nftmon.EventCommit && strings.Contains(ours.String(), "ports { 22 : accept }") {
			return errDone
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { done <- m.Run(ctx) }()
	for try := 0; ; try++ {
		ns.Script(t, "add element inet web blocked { 10.9.0.0/16 }\nadd element inet web ports { 22 : accept }\ndelete element inet web blocked { 10.9.0.0/16 }\ndelete element inet web ports { 22 }\n")
		select {
		case err := <-done:
			if !errors.Is(err, errDone) {
				t.Fatal(err)
			}
		default:
			if try < 50 {
				continue
			}
			t.Fatalf("the elements never came:\n%s", ours.String())
		}
		break
	}
	for _, want := range []string{"add element inet web blocked { 10.9.0.0/16 }", "add element inet web ports { 22 : accept }", "delete element inet web blocked { 10.9.0.0/16 }"} {
		if !strings.Contains(ours.String(), want+"\n") {
			t.Errorf("asking the kernel, no %q in:\n%s", want, ours.String())
		}
	}
	if !strings.Contains(blind.String(), "add element inet web ports { 0x0016 : accept } # set types not known\n") {
		t.Errorf("without a connection, the elements should say their set is not known:\n%s", blind.String())
	}
	var sets nftext.Sets
	if _, err := sets.Ask(c, nftext.OwnNS, nftmon.FamilyINet, []byte("web"), []byte("nosuch")); !errors.Is(err, nftext.ErrNoSet) {
		t.Errorf("Ask for a set that does not exist: %v, want ErrNoSet", err)
	}
	if _, err := sets.Ask(c, nftext.OwnNS, nftmon.FamilyINet, []byte("web"), []byte("nosuch")); !errors.Is(err, nftext.ErrNoSet) {
		t.Errorf("Ask again for a set that does not exist: %v, want ErrNoSet", err)
	}
	if info, err := sets.Ask(c, nftext.OwnNS, nftmon.FamilyINet, []byte("web"), []byte("ports")); err != nil || !info.IsMap() || info.Key.Type != nftext.TypeInetService {
		t.Errorf("Ask for ports: %+v, %v", info, err)
	}
}

var errDone = errors.New("done")
