package nftmon

import "sync/atomic"

// Stats are a Monitor's counters since it was made.
type Stats struct {
	Datagrams    uint64 // datagrams read
	Messages     uint64 // netlink messages in them
	Bytes        uint64 // bytes in them
	Transactions uint64 // commits (NEWGEN notifications) seen
	Events       uint64 // events delivered to the callback
	BelowFloor   uint64 // events dropped because their generation was at or below the floor (SinceGen, SetMinGen)
	Discarded    uint64 // notifications discarded after a loss, as part of a transaction that was in flight
	Losses       uint64 // losses: overflows (ENOBUFS) and truncated datagrams
	Truncated    uint64 // datagrams larger than the buffer (also counted in Losses)
	Foreign      uint64 // datagrams dropped because they did not come from the kernel
	Malformed    uint64 // messages that could not be parsed and were skipped
	Streamed     uint64 // changes delivered before their commit (Config.Stream or over Config.MaxTransactionBytes)
	Snapshots    uint64 // snapshots delivered
	Retries      uint64 // snapshot attempts that had to be retried (the ruleset changed while dumping)
}

// counters is the loop's private, plain copy of Stats; publish copies it to
// the atomics that Stats reads, once per datagram rather than once per
// message.
type counters Stats

type statsCell struct {
	v    [14]atomic.Uint64
	last counters // what was published last
}

// publish stores the counters that changed since the last call: on the hot
// path that is three or four of them, each an atomic store.
func (s *statsCell) publish(c *counters) {
	if *c == s.last {
		return
	}
	cur := [...]uint64{c.Datagrams, c.Messages, c.Bytes, c.Transactions, c.Events, c.BelowFloor,
		c.Discarded, c.Losses, c.Truncated, c.Foreign, c.Malformed, c.Streamed, c.Snapshots, c.Retries}
	old := [...]uint64{s.last.Datagrams, s.last.Messages, s.last.Bytes, s.last.Transactions, s.last.Events, s.last.BelowFloor,
		s.last.Discarded, s.last.Losses, s.last.Truncated, s.last.Foreign, s.last.Malformed, s.last.Streamed, s.last.Snapshots, s.last.Retries}
	for i := range cur {
		if cur[i] != old[i] {
			s.v[i].Store(cur[i])
		}
	}
	s.last = *c
}

func (s *statsCell) load() Stats {
	return Stats{
		Datagrams:    s.v[0].Load(),
		Messages:     s.v[1].Load(),
		Bytes:        s.v[2].Load(),
		Transactions: s.v[3].Load(),
		Events:       s.v[4].Load(),
		BelowFloor:   s.v[5].Load(),
		Discarded:    s.v[6].Load(),
		Losses:       s.v[7].Load(),
		Truncated:    s.v[8].Load(),
		Foreign:      s.v[9].Load(),
		Malformed:    s.v[10].Load(),
		Streamed:     s.v[11].Load(),
		Snapshots:    s.v[12].Load(),
		Retries:      s.v[13].Load(),
	}
}
