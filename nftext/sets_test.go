package nftext

import (
	"testing"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
)

// TestSetsForget checks that Sets forgets what DELSET, DELTABLE, a snapshot
// of a namespace and a loss say is gone, and nothing else.
func TestSetsForget(t *testing.T) {
	var s Sets
	learn := func(nsid int32, fam nftmon.Family, table, name string) {
		s.Learn(nsid, fam, &msgs.Set{Table: []byte(table), Name: []byte(name), KeyType: uint32(TypeIPAddr), KeyLen: 4})
	}
	known := func(nsid int32, fam nftmon.Family, table, name string) bool {
		return s.Lookup(nsid, fam, []byte(table), []byte(name)) != nil
	}
	learn(OwnNS, nftmon.FamilyINet, "t", "a")
	learn(OwnNS, nftmon.FamilyINet, "t", "b")
	learn(OwnNS, nftmon.FamilyINet, "tt", "a")
	learn(OwnNS, nftmon.FamilyIPv4, "t", "a")
	learn(7, nftmon.FamilyINet, "t", "a")
	s.Forget(OwnNS, nftmon.FamilyINet, []byte("t"), []byte("b"))
	if known(OwnNS, nftmon.FamilyINet, "t", "b") || !known(OwnNS, nftmon.FamilyINet, "t", "a") {
		t.Error("Forget forgot the wrong set")
	}
	s.ForgetTable(OwnNS, nftmon.FamilyINet, []byte("t"))
	if known(OwnNS, nftmon.FamilyINet, "t", "a") || !known(OwnNS, nftmon.FamilyINet, "tt", "a") || !known(OwnNS, nftmon.FamilyIPv4, "t", "a") || !known(7, nftmon.FamilyINet, "t", "a") {
		t.Error("ForgetTable forgot another table's, family's or namespace's set, or not its own")
	}
	if err := s.Observe(&nftmon.Event{Kind: nftmon.EventSnapshotBegin}); err != nil {
		t.Fatal(err)
	}
	if known(OwnNS, nftmon.FamilyINet, "tt", "a") || !known(7, nftmon.FamilyINet, "t", "a") || s.Len() != 1 {
		t.Errorf("a snapshot of the own namespace should forget its sets only; %d left", s.Len())
	}
	learn(OwnNS, nftmon.FamilyINet, "t", "a") // from a spare: no allocation
	if err := s.Observe(&nftmon.Event{Kind: nftmon.EventLoss}); err != nil || s.Len() != 0 {
		t.Errorf("a loss should forget every set; %d left", s.Len())
	}
}
