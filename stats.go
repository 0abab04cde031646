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
	v [14]atomic.Uint64
}

func (s *statsCell) publish(c *counters) {
	s.v[0].Store(c.Datagrams)
	s.v[1].Store(c.Messages)
	s.v[2].Store(c.Bytes)
	s.v[3].Store(c.Transactions)
	s.v[4].Store(c.Events)
	s.v[5].Store(c.BelowFloor)
	s.v[6].Store(c.Discarded)
	s.v[7].Store(c.Losses)
	s.v[8].Store(c.Truncated)
	s.v[9].Store(c.Foreign)
	s.v[10].Store(c.Malformed)
	s.v[11].Store(c.Streamed)
	s.v[12].Store(c.Snapshots)
	s.v[13].Store(c.Retries)
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
