package nftmon

import (
	"sync/atomic"
	"unsafe"
)

// Stats are the counters of a Monitor or Replayer since it was made.
type Stats struct {
	Datagrams    uint64 // datagrams read
	Messages     uint64 // netlink messages in them
	Bytes        uint64 // bytes in them
	Transactions uint64 // commits (NEWGEN notifications) seen
	Events       uint64 // events delivered to the callback
	BelowFloor   uint64 // events dropped because their generation was at or below the floor (Config.Floor, SetFloor)
	Discarded    uint64 // notifications discarded after a loss, as part of a transaction that may have lost some
	Losses       uint64 // losses: overflows (ENOBUFS) and truncated datagrams
	Truncated    uint64 // datagrams larger than the buffer (also counted in Losses)
	Foreign      uint64 // datagrams dropped because they did not come from the kernel
	Malformed    uint64 // malformed messages, each delivered as an EventMalformed
	Streamed     uint64 // changes delivered before their commit (Config.Stream or over Config.MaxTransactionBytes)
	Snapshots    uint64 // snapshots delivered
	Retries      uint64 // snapshot attempts that had to be retried (the ruleset changed while dumping)
	Traces       uint64 // packet traces delivered (EventTrace; also counted in Events)
}

// counters is the loop's private, plain copy of Stats; publish copies it to
// the atomics that Stats reads, once per datagram rather than once per
// message.
type counters Stats

// numStats is the number of counters: Stats holds uint64 fields only, so
// it has the layout of an array of them, which is how statsCell walks it
// without naming each field again.
const numStats = unsafe.Sizeof(Stats{}) / unsafe.Sizeof(uint64(0))

// asArray views the counters as an array, in field order.
func (c *counters) asArray() *[numStats]uint64 { return (*[numStats]uint64)(unsafe.Pointer(c)) }

type statsCell struct {
	v    [numStats]atomic.Uint64
	last counters // what was published last
}

// publish stores the counters that changed since the last call: on the hot
// path that is three or four of them, each an atomic store.
func (s *statsCell) publish(c *counters) {
	if *c == s.last {
		return
	}
	cur, old := c.asArray(), s.last.asArray()
	for i := range cur {
		if cur[i] != old[i] {
			s.v[i].Store(cur[i])
		}
	}
	s.last = *c
}

func (s *statsCell) load() Stats {
	var c counters
	a := c.asArray()
	for i := range a {
		a[i] = s.v[i].Load()
	}
	return Stats(c)
}
