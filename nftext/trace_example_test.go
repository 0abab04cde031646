package nftext_test

import (
	"context"
	"log"
	"net"
	"os"
	"os/signal"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"github.com/nftmon/nftmon/nftext"
)

// hostLinks names the interfaces of the namespace the program runs in,
// asking the kernel on a miss (net.InterfaceByIndex) and keeping the name.
type hostLinks map[uint32]string

func (l hostLinks) AppendLinkName(dst []byte, nsid int32, index uint32) ([]byte, bool) {
	if nsid != nftext.OwnNS {
		return dst, false // another namespace's index
	}
	name, ok := l[index]
	if !ok {
		ifi, err := net.InterfaceByIndex(int(index))
		if err != nil {
			return dst, false
		}
		name, l[index] = ifi.Name, ifi.Name
	}
	return append(dst, name...), true
}

// What `nft monitor trace` prints, for the packets the ruleset marks with
// "meta nftrace set 1". The snapshot and the changes teach the RuleCache
// the rules; a rule it missed is asked for with GETRULE. (Not run by go
// test: it needs CAP_NET_ADMIN.)
func ExampleAppendTrace() {
	req, err := nftmon.Open(nftmon.ConnConfig{}) // for GETRULE
	if err != nil {
		log.Fatal(err)
	}
	defer req.Close()
	sets := &nftext.Sets{}
	rules := &nftext.RuleCache{Sets: sets, Conn: req}
	tc := &nftext.TraceContext{Rules: rules, Links: hostLinks{}}
	var tr msgs.Trace
	var line []byte
	m, err := nftmon.NewMonitor(nftmon.Config{Snapshot: true, Traces: nftmon.TracesToo}, func(e *nftmon.Event) error {
		if err := sets.Observe(e); err != nil {
			return err
		}
		if err := rules.Observe(e); err != nil {
			return err
		}
		if e.Kind != nftmon.EventTrace {
			return nil
		}
		if err := tr.Decode(e.Attrs); err != nil {
			return err
		}
		line = nftext.AppendTrace(line[:0], nftext.NSID(e), e.Family, &tr, tc)
		_, err := os.Stdout.Write(line)
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := m.Run(ctx); err != context.Canceled {
		log.Fatal(err)
	}
}
