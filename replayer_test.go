package nftmon

import (
	"bytes"
	"errors"
	"testing"
)

func TestReplayCallbackError(t *testing.T) {
	dgs := captureDatagrams(t, "tables")
	stop := errors.New("stop")
	calls := 0
	m := mustReplayer(t, ReplayConfig{}, func(e *Event) error { calls++; return stop })
	var err error
	for _, dg := range dgs {
		if err = m.Feed(dg, 0, false); err != nil {
			break
		}
	}
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("Feed returned %v after %d calls, want the callback's error after 1", err, calls)
	}
}

func TestReplayNoAllocs(t *testing.T) {
	dgs := captureDatagrams(t, "big")
	var events int
	m := mustReplayer(t, ReplayConfig{}, func(e *Event) error { events++; return nil })
	feedAll := func() {
		for _, dg := range dgs {
			if err := m.Feed(dg, 0, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	feedAll() // grow the arena to the largest transaction
	if n := testing.AllocsPerRun(20, feedAll); n != 0 {
		t.Errorf("replaying %d datagrams (%d events per run) allocates %v times, want 0", len(dgs), events/21, n)
	}
	ms := mustReplayer(t, ReplayConfig{Stream: true}, func(e *Event) error { return nil })
	feedStream := func() {
		for _, dg := range dgs {
			if err := ms.Feed(dg, 0, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	feedStream()
	if n := testing.AllocsPerRun(20, feedStream); n != 0 {
		t.Errorf("streaming replay allocates %v times, want 0", n)
	}
}

// TestReplayCompaction keeps a transaction of one namespace in flight while
// another commits again and again: the arena must not grow without bound,
// and the waiting transaction must come out whole.
func TestReplayCompaction(t *testing.T) {
	big, other := captureDatagrams(t, "big"), captureDatagrams(t, "rules")
	want, _ := replay(t, ReplayConfig{}, big)
	var got []*Event
	m := mustReplayer(t, ReplayConfig{}, func(e *Event) error {
		if e.HasNSID {
			got = append(got, e.Clone())
		}
		return nil
	})
	half := len(big) / 4
	for _, dg := range big[:half] {
		if err := m.Feed(dg, 7, true); err != nil {
			t.Fatal(err)
		}
	}
	for range 6000 { // about 40 MB of datagrams, ten blocks
		for _, dg := range other {
			if err := m.Feed(dg, 0, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := len(m.d.a.blocks); n > 4 {
		t.Errorf("arena grew to %d blocks while holding %d bytes", n, m.d.a.heldBytes)
	}
	for _, dg := range big[half:] {
		if err := m.Feed(dg, 7, true); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d events of the waiting namespace, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i].Kind != want[i].Kind || got[i].Gen != want[i].Gen || !bytes.Equal(got[i].Attrs, want[i].Attrs) {
			t.Fatalf("event %d differs after compaction", i)
		}
	}
}

// TestReplaySetGen: a streaming replay monitor told the current generation
// widens the res_id of changes fed before the first commit.
func TestReplaySetGen(t *testing.T) {
	dgs := captureDatagrams(t, "rules")
	all, _ := replay(t, ReplayConfig{}, dgs)
	gen := commitsOf(all)[0]
	for _, set := range []bool{false, true} {
		var evs []*Event
		m := mustReplayer(t, ReplayConfig{Stream: true}, func(e *Event) error { evs = append(evs, e.Clone()); return nil })
		if set {
			m.SetGen(gen - 1)
		}
		if err := m.Feed(dgs[0], 0, false); err != nil {
			t.Fatal(err)
		}
		want := gen & 0xffff
		if set {
			want = gen
		}
		if len(evs) == 0 || evs[0].Gen != want {
			t.Errorf("SetGen %v: first streamed change of gen %d has Gen %v, want %d", set, gen, evs, want)
		}
	}
}

// TestReplayGenFromGetGen: a generation learned from GETGEN alone does not
// make the notifications of that generation, still queued, look like
// notifications outside a transaction: they are delivered with their commit.
func TestReplayGenFromGetGen(t *testing.T) {
	dgs := captureDatagrams(t, "rules")
	want, _ := replay(t, ReplayConfig{}, dgs)
	var evs []*Event
	m := mustReplayer(t, ReplayConfig{}, func(e *Event) error { evs = append(evs, e.Clone()); return nil })
	m.SetGen(commitsOf(want)[0]) // GETGEN ran after the first commit, before its notifications were read
	for _, dg := range dgs {
		if err := m.Feed(dg, 0, false); err != nil {
			t.Fatal(err)
		}
	}
	if len(evs) != len(want) {
		t.Fatalf("%d events, want %d", len(evs), len(want))
	}
	for i := range evs {
		if evs[i].Kind != want[i].Kind || evs[i].Gen != want[i].Gen || evs[i].ProcPID != want[i].ProcPID {
			t.Errorf("event %d: %s gen %d pid %d, want %s gen %d pid %d", i, evs[i].Kind, evs[i].Gen, evs[i].ProcPID, want[i].Kind, want[i].Gen, want[i].ProcPID)
		}
	}
}

// TestReplayScope: with a scope, only changes of that family (and table)
// are delivered; every commit still is.
func TestReplayScope(t *testing.T) {
	dgs := captureDatagrams(t, "tables")
	all, _ := replay(t, ReplayConfig{}, dgs)
	tableOf := func(e *Event) string {
		a := NewAttrScanner(e.Attrs)
		for a.Next() {
			if a.Type() == 1 {
				return string(a.StringBytes())
			}
		}
		return ""
	}
	var pick *Event
	for _, e := range all {
		if e.Kind == EventChange && e.Family == FamilyIPv6 {
			pick = e
			break
		}
	}
	if pick == nil {
		t.Fatal("no ip6 change in the tables capture")
	}
	for _, sc := range []Scope{{Family: FamilyIPv6}, {Family: FamilyIPv6, Table: tableOf(pick)}} {
		evs, _ := replay(t, ReplayConfig{Scope: sc}, dgs)
		var want, commits int
		for _, e := range all {
			switch {
			case e.Kind == EventCommit:
				commits++
			case e.Family == sc.Family && (sc.Table == "" || tableOf(e) == sc.Table):
				want++
			}
		}
		got := 0
		for _, e := range evs {
			if e.Kind == EventCommit {
				continue
			}
			got++
			if e.Family != sc.Family || sc.Table != "" && tableOf(e) != sc.Table {
				t.Errorf("scope %+v: delivered %s of %s table %q", sc, e.Type, e.Family, tableOf(e))
			}
		}
		if got != want || len(commitsOf(evs)) != commits || want == 0 || want == len(all)-commits {
			t.Errorf("scope %+v: %d changes and %d commits, want %d of %d changes and %d commits", sc, got, len(commitsOf(evs)), want, len(all)-commits, commits)
		}
	}
}
