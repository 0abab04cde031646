package nftmon

import (
	"bytes"
	"errors"
	"testing"
)

// TestReleaseCallbackError checks what a callback that fails in the middle
// of a held transaction's delivery leaves held: exactly the transaction's
// changes after the one it failed on, in order (the arena's run is split
// there, neither dropped nor delivered twice).
func TestReleaseCallbackError(t *testing.T) {
	dgs := captureDatagrams(t, "big")
	type change struct {
		res   uint16
		attrs []byte
	}
	var all []change
	for _, m := range messages(t, dgs) {
		if m.Header.MsgType() == MsgNewGen {
			continue
		}
		nf, attrs, err := m.NFGen()
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, change{nf.ResID, attrs})
	}
	errStop := errors.New("stop")
	for _, failAt := range []int{1, 2, 3, 50, 1000, 3000} {
		n := 0
		var last *Event
		r := mustReplayer(t, ReplayConfig{}, func(e *Event) error {
			if e.Kind != EventChange {
				return nil
			}
			if n++; n == failAt {
				last = e.Clone()
				return errStop
			}
			return nil
		})
		for _, dg := range dgs {
			if err := r.Feed(dg, 0, false); err != nil {
				if !errors.Is(err, errStop) {
					t.Fatal(err)
				}
				break
			}
		}
		if last == nil {
			t.Fatalf("fail at change %d: the capture has fewer changes", failAt)
		}
		// What the capture has after the failed change, of its transaction.
		var want [][]byte
		for i, c := range all {
			if c.res == last.ResID && bytes.Equal(c.attrs, last.Attrs) {
				for _, c := range all[i+1:] {
					if c.res == last.ResID {
						want = append(want, c.attrs)
					}
				}
				break
			}
		}
		var held [][]byte
		for _, run := range r.d.a.held {
			for m, err := range Messages(r.d.a.bytesOf(run)) {
				if err != nil {
					t.Fatal(err)
				}
				_, attrs, _ := m.NFGen()
				held = append(held, attrs)
			}
		}
		if len(held) != r.d.a.heldMsgs {
			t.Errorf("fail at change %d: %d messages in the runs, heldMsgs says %d", failAt, len(held), r.d.a.heldMsgs)
		}
		if len(held) != len(want) {
			t.Fatalf("fail at change %d: %d changes held after it, want %d", failAt, len(held), len(want))
		}
		for i := range want {
			if !bytes.Equal(held[i], want[i]) {
				t.Fatalf("fail at change %d: held change %d is not the capture's", failAt, i)
			}
		}
		t.Logf("fail at change %d: %d held after it, in %d runs", failAt, len(held), len(r.d.a.held))
	}
}
