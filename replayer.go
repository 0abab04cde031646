package nftmon

// ReplayConfig says how a Replayer groups and filters what it is fed. Its
// fields mean what the Config fields of the same names mean; the zero value
// holds each transaction whole until its commit, without floor or scope.
type ReplayConfig struct {
	// Floor is the initial floor (see Config.Floor); SetFloor changes it.
	Floor uint32
	// Stream delivers each change as it is fed (see Config.Stream).
	Stream bool
	// Scope limits the events to one family or table (see Config.Scope).
	Scope Scope
	// MaxTransactionBytes caps what is held of one transaction; 0 means
	// DefaultMaxTransactionBytes (see Config.MaxTransactionBytes).
	MaxTransactionBytes int
	// ArenaRetain is what is kept of the arena between transactions; 0
	// means DefaultArenaRetain (see Config.ArenaRetain).
	ArenaRetain int
	// Traces says whether the traces fed are delivered (see
	// Config.Traces); with TracesOnly nothing else is.
	Traces TraceMode
}

// Replayer groups, stamps and delivers datagrams recorded earlier (a pcap
// file, test data) exactly as a Monitor does those it reads: the same
// dispatcher, without a socket. Feed the datagrams in the order they were
// read, and the losses where they happened.
//
// A Replayer is not safe for concurrent use, except SetFloor and Stats,
// which may be called from any goroutine (and SetFloor from the callback).
type Replayer struct {
	d *dispatcher
}

// NewReplayer returns a Replayer that calls fn for every event,
// synchronously from Feed and FeedLoss. The *Event is valid only until fn
// returns. The current generation is unknown until the first commit is fed,
// or SetGen tells it. It fails if fn is nil or cfg.Scope names a table
// without its family.
func NewReplayer(cfg ReplayConfig, fn func(*Event) error) (*Replayer, error) {
	return newReplayer(cfg, fn, blockSize)
}

// newReplayer is NewReplayer with arena blocks of block bytes.
func newReplayer(cfg ReplayConfig, fn func(*Event) error, block int) (*Replayer, error) {
	if fn == nil {
		return nil, errNoCallback
	}
	if err := cfg.Scope.validate(); err != nil {
		return nil, err
	}
	if err := cfg.Traces.validate(false); err != nil {
		return nil, err
	}
	return &Replayer{d: newDispatcher(fn, dispatchConfig{
		stream: cfg.Stream, maxTx: cfg.MaxTransactionBytes, retain: cfg.ArenaRetain, block: block, scope: cfg.Scope, floor: cfg.Floor, traces: cfg.Traces,
	})}, nil
}

// Feed processes one datagram as Monitor.Run processes one read from the
// socket: it is copied into the replayer's arena, grouped, and delivered to
// the callback. nsid and hasNSID say which namespace it came from, as
// Datagram does. A non-nil error from the callback is returned. Feed
// allocates nothing in the steady state.
func (r *Replayer) Feed(datagram []byte, nsid int32, hasNSID bool) error {
	return r.d.feed(datagram, nsid, hasNSID)
}

// FeedLoss processes a loss: what is held is discarded, and in each
// namespace the transaction of the first notification fed after it, with
// its commit; the callback receives an EventLoss whose Err is err (which
// should match ErrOverflow or ErrTruncated, as Conn.Receive's do). It
// assumes what follows the loss in the recording was read after the
// reader emptied the socket's queue (Conn.DiscardQueued), as a Monitor
// does: otherwise a transaction cut by the drops that go on until the
// queue is empty can be delivered. A live Monitor also asks GETGEN then,
// which a recording cannot replay, so it may deliver a transaction that a
// replay discards.
func (r *Replayer) FeedLoss(err error) error { return r.d.loss(err) }

// SetGen tells the replayer the current generation of its own namespace, as
// GETGEN reported it (Conn.GetGen) when the recording started, so that the
// 16-bit res_id of changes streamed before the first commit can be widened.
// Call it before Feed.
func (r *Replayer) SetGen(gen uint32) { r.d.learnGen(gen) }

// SetFloor sets the floor, as Monitor.SetFloor does.
func (r *Replayer) SetFloor(gen uint32) { r.d.setFloor(gen) }

// Stats returns the replayer's counters (Foreign, Snapshots and Retries
// stay 0).
func (r *Replayer) Stats() Stats { return r.d.stats.load() }
