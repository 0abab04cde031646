package nftmon

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// nftMsg builds an nftables notification of type t and res_id res about
// the ip table named table, with nlmsg_seq seq (tests use it to tell
// messages apart).
func nftMsg(t MsgType, res uint16, table string, seq uint32) []byte {
	b := AppendRequest(nil, t, 0, seq, FamilyIPv4)
	binary.BigEndian.PutUint16(b[HeaderLen+2:], res)
	b = AppendStringAttr(b, unix.NFTA_TABLE_NAME, table)
	return FinishRequest(b, 0)
}

// genMsg builds the NEWGEN notification of generation gen, committed by
// process pid named name.
func genMsg(gen, pid uint32, name string, seq uint32) []byte {
	b := AppendRequest(nil, MsgNewGen, 0, seq, FamilyUnspec)
	binary.BigEndian.PutUint16(b[HeaderLen+2:], uint16(gen))
	var v [4]byte
	binary.BigEndian.PutUint32(v[:], gen)
	b = AppendAttr(b, unix.NFTA_GEN_ID, v[:])
	binary.BigEndian.PutUint32(v[:], pid)
	b = AppendAttr(b, unix.NFTA_GEN_PROC_PID, v[:])
	b = AppendStringAttr(b, unix.NFTA_GEN_PROC_NAME, name)
	return FinishRequest(b, 0)
}

// TestDispatcherStates drives the per-namespace state machine from each
// state with each input and checks the state it lands in and the events it
// delivers, in order ("kind" or "kind/streamed", with the stamp).
func TestDispatcherStates(t *testing.T) {
	type step func(t *testing.T, d *dispatcher)
	feed := func(b []byte) step {
		return func(t *testing.T, d *dispatcher) {
			t.Helper()
			if err := d.feed(b, 0, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	change := func(res uint16) step { return feed(nftMsg(MsgNewTable, res, "t", uint32(res))) }
	commit := func(gen uint32) step { return feed(genMsg(gen, 42, "nft", 0)) }
	loss := func(t *testing.T, d *dispatcher) {
		if err := d.loss(ErrOverflow); err != nil {
			t.Fatal(err)
		}
	}
	snapshot := func(gen uint32) step {
		return func(t *testing.T, d *dispatcher) { d.snapshotTaken(gen, 0) }
	}
	asked := func(gen uint32) step { return func(t *testing.T, d *dispatcher) { d.learnGen(gen) } }
	floor := func(gen uint32) step { return func(t *testing.T, d *dispatcher) { d.setFloor(gen) } }
	gapEnded := func(gen uint32) step { return func(t *testing.T, d *dispatcher) { d.gapEnded(gen) } }
	badGen := feed(FinishRequest(AppendAttr(AppendRequest(nil, MsgNewGen, 0, 0, FamilyUnspec), unix.NFTA_GEN_ID, []byte{1, 2}), 0))
	// A NEWTABLE large enough to pass the 200-byte cap of these tests.
	big := feed(FinishRequest(AppendAttr(nftMsg(MsgNewTable, 11, "t", 11), 99, make([]byte, 300)), 0))

	for _, tc := range []struct {
		name   string
		stream bool
		setup  []step // from a new dispatcher that knows gen 10 committed
		input  step
		want   txState
		events string
	}{
		// idle
		{"idle+change=held", false, nil, change(11), txHeld, ""},
		{"idle+change=streamed (Stream)", true, nil, change(11), txStreamed, "change/streamed@11"},
		{"idle+change of the committed gen=outside", false, nil, change(10), txIdle, "outside@10"},
		{"idle+commit=commit", false, nil, commit(11), txIdle, "commit@11 pid 42"},
		{"idle+loss=lost", false, nil, loss, txLost, "loss"},
		{"idle+commit at the floor=dropped", false, []step{floor(11)}, commit(11), txIdle, ""},
		{"idle+malformed commit=malformed", false, nil, badGen, txIdle, "malformed"},
		// held
		{"held+change=held", false, []step{change(11)}, change(11), txHeld, ""},
		{"held+commit=changes stamped, commit", false, []step{change(11), change(11)}, commit(11), txIdle, "change@11 pid 42,change@11 pid 42,commit@11 pid 42"},
		{"held+change over the cap=streamed", false, []step{change(11)}, big, txStreamed, "change/streamed@11,change/streamed@11"},
		{"held+outside=outside first", false, []step{change(11)}, change(10), txHeld, "outside@10"},
		{"held+loss=lost, held discarded", false, []step{change(11)}, loss, txLost, "loss"},
		{"held+commit at the floor=all dropped", false, []step{change(11), floor(11)}, commit(11), txIdle, ""},
		{"held+commit of another gen=outside", false, []step{change(11)}, commit(12), txIdle, "outside@11,commit@12 pid 42"},
		{"held+malformed commit=malformed, changes unstamped", false, []step{change(11)}, badGen, txIdle, "malformed,change/streamed@11"},
		// streamed
		{"streamed+change=streamed", true, []step{change(11)}, change(11), txStreamed, "change/streamed@11"},
		{"streamed+commit=commit", true, []step{change(11)}, commit(11), txIdle, "commit@11 pid 42"},
		{"streamed+loss=lost", true, []step{change(11)}, loss, txLost, "loss"},
		// lost
		{"lost+change=discard", false, []step{loss}, change(11), txDiscard, ""},
		{"lost+commit=discarded, idle", false, []step{loss}, commit(11), txIdle, ""},
		{"discard+change of it=discarded", false, []step{loss, change(11)}, change(11), txDiscard, ""},
		{"discard+commit of it=discarded, idle", false, []step{loss, change(11)}, commit(11), txIdle, ""},
		{"discard+commit of another=discarded, idle", false, []step{loss, change(11)}, commit(12), txIdle, ""},
		{"discard+change of another=held", false, []step{loss, change(11)}, change(12), txHeld, ""},
		{"discard, another, its commit=delivered", false, []step{loss, change(11), change(12)}, commit(12), txIdle, "change@12 pid 42,commit@12 pid 42"},
		{"discard+loss=lost", false, []step{loss, change(11)}, loss, txLost, "loss"},
		{"discard+snapshot=idle", false, []step{loss, change(11)}, snapshot(20), txIdle, ""},
		{"lost+commit, stream=discarded, idle", true, []step{loss}, commit(11), txIdle, ""},
		{"lost+outside=outside", false, []step{loss}, change(10), txLost, "outside@10"},
		{"lost+loss=lost", false, []step{loss}, loss, txLost, "loss"},
		{"lost+snapshot=idle", false, []step{loss}, snapshot(20), txIdle, ""},
		{"lost, snapshot, then commit above it=commit", false, []step{loss, snapshot(20)}, commit(21), txIdle, "commit@21 pid 42"},
		{"lost, snapshot, then commit at it=dropped", false, []step{loss, snapshot(20), change(20)}, commit(20), txIdle, ""},
		// a gap whose end is known (the Monitor emptied the queue, then asked GETGEN)
		{"lost, gap ended at 15, change of 16=held", false, []step{loss, gapEnded(15)}, change(16), txHeld, ""},
		{"lost, gap ended at 15, change of 15=discard", false, []step{loss, gapEnded(15)}, change(15), txDiscard, ""},
		{"lost, gap ended at 15, then loss again=lost", false, []step{loss, gapEnded(15), loss}, change(16), txDiscard, ""},
		// what is known of the generation
		{"asked gen: its notification is a transaction", false, []step{asked(15)}, change(15), txHeld, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			d := newDispatcher(func(e *Event) error {
				s := e.Kind.String()
				if e.Streamed {
					s += "/streamed"
				}
				switch e.Kind {
				case EventChange, EventOutside, EventCommit:
					s += fmt.Sprintf("@%d", e.Gen)
					if e.ProcPID != 0 {
						s += fmt.Sprintf(" pid %d", e.ProcPID)
					}
				case EventLoss, EventMalformed:
					if e.Type != MsgNone || e.Err == nil {
						t.Errorf("%s event of type %s, error %v", e.Kind, e.Type, e.Err)
					}
				}
				got = append(got, s)
				return nil
			}, dispatchConfig{stream: tc.stream, maxTx: 200})
			commit(10)(t, d)
			if d.nss[0].state != txIdle || d.nss[0].known != genCommitted {
				t.Fatalf("after the first commit: %s, %d", d.nss[0].state, d.nss[0].known)
			}
			for _, s := range tc.setup {
				s(t, d)
			}
			got = nil
			tc.input(t, d)
			if st := d.nss[0].state; st != tc.want {
				t.Errorf("state %s, want %s", st, tc.want)
			}
			if g := strings.Join(got, ","); g != tc.events {
				t.Errorf("events %q, want %q", g, tc.events)
			}
			if d.nss[0].state != txHeld && len(d.a.held) != 0 {
				t.Errorf("%d messages held in state %s", len(d.a.held), d.nss[0].state)
			}
		})
	}
}

// TestDispatcherLossCounts: what a loss discards is counted, up to and
// including the next commit.
func TestDispatcherLossCounts(t *testing.T) {
	r := mustReplayer(t, ReplayConfig{}, func(*Event) error { return nil })
	feed := func(b []byte) {
		if err := r.Feed(b, 0, false); err != nil {
			t.Fatal(err)
		}
	}
	feed(genMsg(10, 1, "nft", 0))
	feed(nftMsg(MsgNewTable, 11, "a", 1))
	feed(nftMsg(MsgNewChain, 11, "a", 2))
	if err := r.FeedLoss(ErrOverflow); err != nil {
		t.Fatal(err)
	}
	feed(nftMsg(MsgNewRule, 11, "a", 3))
	feed(genMsg(11, 1, "nft", 0))
	feed(nftMsg(MsgNewTable, 12, "b", 4))
	feed(genMsg(12, 1, "nft", 0))
	st := r.Stats()
	// Two held, one read after the loss, and its commit.
	if st.Discarded != 4 || st.Losses != 1 || st.Transactions != 3 || st.Events != 4 {
		t.Errorf("stats %+v: want 4 discarded, 1 loss, 3 transactions, 4 events (commit 10, loss, change and commit 12)", st)
	}
}

// TestDispatcherNamespacesApart: a loss puts every namespace in txLost; a
// commit of one does not end the other's.
func TestDispatcherNamespacesApart(t *testing.T) {
	var got []string
	r := mustReplayer(t, ReplayConfig{}, func(e *Event) error {
		got = append(got, fmt.Sprintf("%s@%d/%v", e.Kind, e.Gen, e.HasNSID))
		return nil
	})
	feed := func(b []byte, other bool) {
		if err := r.Feed(b, 7, other); err != nil {
			t.Fatal(err)
		}
	}
	feed(nftMsg(MsgNewTable, 5, "a", 1), false)
	feed(nftMsg(MsgNewTable, 90, "b", 2), true)
	feed(genMsg(90, 1, "nft", 0), true)
	feed(genMsg(5, 1, "nft", 0), false)
	if err := r.FeedLoss(ErrOverflow); err != nil {
		t.Fatal(err)
	}
	feed(nftMsg(MsgNewTable, 6, "a", 3), false)
	feed(genMsg(91, 1, "nft", 0), true) // the other namespace's first commit after the loss: discarded
	feed(genMsg(6, 1, "nft", 0), false)
	feed(nftMsg(MsgNewTable, 92, "b", 4), true)
	feed(genMsg(92, 1, "nft", 0), true)
	want := "change@90/true,commit@90/true,change@5/false,commit@5/false,loss@0/false,change@92/true,commit@92/true"
	if g := strings.Join(got, ","); g != want {
		t.Errorf("events\n got %s\nwant %s", g, want)
	}
}

// TestDispatcherMalformed: bytes that cannot be parsed are delivered as an
// EventMalformed saying what was wrong, with the bytes, and the walk goes
// on where it can.
func TestDispatcherMalformed(t *testing.T) {
	good := nftMsg(MsgNewTable, 11, "t", 1)
	short := FinishRequest(AppendRequest(nil, MsgNewTable, 0, 2, FamilyIPv4)[:HeaderLen+2], 0) // nfgenmsg cut to 2 bytes
	lying := append([]byte(nil), good...)
	binary.NativeEndian.PutUint32(lying, 4096) // nlmsg_len past the datagram
	for _, tc := range []struct {
		name   string
		dg     []byte
		reason error
		raw    []byte
		hdr    bool
		after  int // changes delivered after it, at the commit
	}{
		{"nfgenmsg short", cat(short, []byte{0, 0}, good), errNFGenShort, short, true, 1},
		{"framing lies", cat(good, lying), errMsgLenOverrun, lying, false, 1},
		{"trailing bytes", cat(good, []byte{1, 2, 3}), errMsgShort, []byte{1, 2, 3}, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var evs []*Event
			r := mustReplayer(t, ReplayConfig{}, func(e *Event) error { evs = append(evs, e.Clone()); return nil })
			if err := r.Feed(tc.dg, 3, true); err != nil {
				t.Fatal(err)
			}
			if len(evs) != 1 || evs[0].Kind != EventMalformed {
				t.Fatalf("events %v, want one malformed event", evs)
			}
			e := evs[0]
			checkReason(t, e.Err, tc.reason)
			if string(e.Raw) != string(tc.raw) || e.Type != MsgNone || !e.HasNSID || e.NSID != 3 || (e.Header.Len != 0) != tc.hdr {
				t.Errorf("malformed event %+v: want raw %x, nsid 3, header %v", e, tc.raw, tc.hdr)
			}
			if err := r.Feed(genMsg(11, 1, "nft", 0), 3, true); err != nil {
				t.Fatal(err)
			}
			if len(evs) != 2+tc.after || evs[1].Kind != EventChange {
				t.Errorf("after the commit: %d events, want the good change and the commit", len(evs)-1)
			}
			if st := r.Stats(); st.Malformed != 1 {
				t.Errorf("Malformed = %d, want 1", st.Malformed)
			}
		})
	}
}

// TestDeliverSetsEveryField: dispatcher.deliver fills the reused Event
// field by field (for speed), so a field added to Event must be added
// there too, or it would carry a stale value from an earlier event.
func TestDeliverSetsEveryField(t *testing.T) {
	if n := reflect.TypeOf(Event{}).NumField(); n != 14 {
		t.Fatalf("Event has %d fields, dispatcher.deliver sets 14: set the new ones there", n)
	}
	var got []*Event
	r := mustReplayer(t, ReplayConfig{}, func(e *Event) error { got = append(got, e.Clone()); return nil })
	if err := r.FeedLoss(ErrOverflow); err != nil { // an event with Err set
		t.Fatal(err)
	}
	if err := r.Feed(cat(nftMsg(MsgNewTable, 11, "t", 1), []byte{1, 2, 3}), 0, false); err != nil { // Raw set
		t.Fatal(err)
	}
	for _, b := range [][]byte{genMsg(11, 1, "nft", 0), nftMsg(MsgNewTable, 12, "t", 2), genMsg(12, 1, "nft", 0)} {
		if err := r.Feed(b, 0, false); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range got {
		if e.Kind == EventChange && (e.Err != nil || e.Raw != nil) {
			t.Errorf("change event carries a stale Err %v or Raw %x", e.Err, e.Raw)
		}
	}
}
