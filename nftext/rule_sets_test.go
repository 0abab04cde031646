package nftext

import (
	"testing"

	"github.com/nftmon/nftmon"
)

// observe feeds one captured message to sets as the monitor would.
func observe(t testing.TB, sets *Sets, typ nftmon.MsgType, f nftmon.Family, attrs []byte) {
	t.Helper()
	e := nftmon.Event{Kind: nftmon.EventChange, Type: typ, Family: f, Attrs: attrs}
	if err := sets.Observe(&e); err != nil {
		t.Fatalf("%v: %v", typ, err)
	}
}
