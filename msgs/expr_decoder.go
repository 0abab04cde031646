package msgs

import "github.com/nftmon/nftmon"

// ExprView is the typed view of one kind of expression: *PayloadExpr,
// *CmpExpr, ... (the list is at ExprDecoder). Only this package's views
// implement it, so a type switch over them is the complete list.
//
// Every expression view follows one contract: Decode takes the payload of
// the expression's NFTA_EXPR_DATA nest (Expr.Data), resets the whole value
// first, fills the fields named after the NFTA_* attributes the kernel sent,
// records which ones in Present (test with Present.Has(unix.NFTA_...), or
// with this package's Attr* constants for the ids x/sys/unix lacks), and
// never allocates. Byte slices alias the input. Unknown attributes are
// skipped. An attribute of the wrong size is an error (a *nftmon.ParseError
// matching nftmon.ErrMalformed), and then the value is left zero.
type ExprView interface {
	Decode(data []byte) error
	exprView()
}

// ExprDecoder decodes expressions by name, allocation-free: it holds one
// view of each kind, and Decode fills the one the expression's name picks
// (the idea of gopacket's DecodingLayerParser). A view returned by Decode is
// overwritten by the next Decode of an expression of the same kind, and its
// byte slices alias the data, as every view's do.
//
//	var d msgs.ExprDecoder // reuse it: it holds a view of each kind (under 2 KB)
//	s := rule.Exprs()
//	for s.Next() {
//		e := s.Expr()
//		v, err := d.Decode(e.Name, e.Data)
//		if err != nil { ... }
//		switch x := v.(type) {
//		case *msgs.PayloadExpr:
//			... x.Base, x.Offset, x.Len
//		case *msgs.CmpExpr:
//			...
//		case nil:
//			// an expression this package does not know: e.Data holds its attributes
//		}
//	}
//
// The names and their views:
//
//	payload PayloadExpr   cmp CmpExpr           range RangeExpr
//	meta MetaExpr         immediate ImmediateExpr
//	bitwise BitwiseExpr   byteorder ByteorderExpr
//	lookup LookupExpr     dynset DynsetExpr     objref ObjrefExpr
//	counter CounterExpr   limit LimitExpr       quota QuotaExpr
//	connlimit ConnlimitExpr                     last LastExpr
//	ct CtExpr             log LogExpr           reject RejectExpr
//	nat NatExpr           masq MasqExpr         redir RedirExpr
//	tproxy TproxyExpr     synproxy SynproxyExpr queue QueueExpr
//	dup DupExpr           fwd FwdExpr           exthdr ExthdrExpr
//	fib FibExpr           numgen NumgenExpr     hash HashExpr
//	socket SocketExpr     osf OsfExpr           xfrm XfrmExpr
//	rt RtExpr             tunnel TunnelExpr     inner InnerExpr
//	match, target CompatExpr (one view each)    notrack NotrackExpr
//
// The zero ExprDecoder is ready to use. It is not safe for concurrent use.
type ExprDecoder struct {
	payload   PayloadExpr
	cmp       CmpExpr
	rng       RangeExpr
	meta      MetaExpr
	immediate ImmediateExpr
	bitwise   BitwiseExpr
	byteorder ByteorderExpr
	lookup    LookupExpr
	dynset    DynsetExpr
	objref    ObjrefExpr
	counter   CounterExpr
	limit     LimitExpr
	quota     QuotaExpr
	connlimit ConnlimitExpr
	last      LastExpr
	ct        CtExpr
	log       LogExpr
	reject    RejectExpr
	nat       NatExpr
	masq      MasqExpr
	redir     RedirExpr
	tproxy    TproxyExpr
	synproxy  SynproxyExpr
	queue     QueueExpr
	dup       DupExpr
	fwd       FwdExpr
	exthdr    ExthdrExpr
	fib       FibExpr
	numgen    NumgenExpr
	hash      HashExpr
	socket    SocketExpr
	osf       OsfExpr
	xfrm      XfrmExpr
	rt        RtExpr
	tunnel    TunnelExpr
	inner     InnerExpr
	match     CompatExpr
	target    CompatExpr
	notrack   NotrackExpr
}

// Decode decodes data (an expression's NFTA_EXPR_DATA payload, Expr.Data)
// into the decoder's view for the expression called name (Expr.Name) and
// returns that view. For a name this package does not know it returns a nil
// view and a nil error: the expression is not malformed, only unknown (newer
// kernels add expressions). On error it returns a nil view and the error,
// and the view of that kind is left zero.
func (d *ExprDecoder) Decode(name, data []byte) (ExprView, error) {
	// Each case calls its view's Decode directly: a call through the
	// interface would make the decoder escape to the heap.
	switch string(name) {
	case "payload":
		return viewOf(&d.payload, d.payload.Decode(data))
	case "cmp":
		return viewOf(&d.cmp, d.cmp.Decode(data))
	case "range":
		return viewOf(&d.rng, d.rng.Decode(data))
	case "meta":
		return viewOf(&d.meta, d.meta.Decode(data))
	case "immediate":
		return viewOf(&d.immediate, d.immediate.Decode(data))
	case "bitwise":
		return viewOf(&d.bitwise, d.bitwise.Decode(data))
	case "byteorder":
		return viewOf(&d.byteorder, d.byteorder.Decode(data))
	case "lookup":
		return viewOf(&d.lookup, d.lookup.Decode(data))
	case "dynset":
		return viewOf(&d.dynset, d.dynset.Decode(data))
	case "objref":
		return viewOf(&d.objref, d.objref.Decode(data))
	case "counter":
		return viewOf(&d.counter, d.counter.Decode(data))
	case "limit":
		return viewOf(&d.limit, d.limit.Decode(data))
	case "quota":
		return viewOf(&d.quota, d.quota.Decode(data))
	case "connlimit":
		return viewOf(&d.connlimit, d.connlimit.Decode(data))
	case "last":
		return viewOf(&d.last, d.last.Decode(data))
	case "ct":
		return viewOf(&d.ct, d.ct.Decode(data))
	case "log":
		return viewOf(&d.log, d.log.Decode(data))
	case "reject":
		return viewOf(&d.reject, d.reject.Decode(data))
	case "nat":
		return viewOf(&d.nat, d.nat.Decode(data))
	case "masq":
		return viewOf(&d.masq, d.masq.Decode(data))
	case "redir":
		return viewOf(&d.redir, d.redir.Decode(data))
	case "tproxy":
		return viewOf(&d.tproxy, d.tproxy.Decode(data))
	case "synproxy":
		return viewOf(&d.synproxy, d.synproxy.Decode(data))
	case "queue":
		return viewOf(&d.queue, d.queue.Decode(data))
	case "dup":
		return viewOf(&d.dup, d.dup.Decode(data))
	case "fwd":
		return viewOf(&d.fwd, d.fwd.Decode(data))
	case "exthdr":
		return viewOf(&d.exthdr, d.exthdr.Decode(data))
	case "fib":
		return viewOf(&d.fib, d.fib.Decode(data))
	case "numgen":
		return viewOf(&d.numgen, d.numgen.Decode(data))
	case "hash":
		return viewOf(&d.hash, d.hash.Decode(data))
	case "socket":
		return viewOf(&d.socket, d.socket.Decode(data))
	case "osf":
		return viewOf(&d.osf, d.osf.Decode(data))
	case "xfrm":
		return viewOf(&d.xfrm, d.xfrm.Decode(data))
	case "rt":
		return viewOf(&d.rt, d.rt.Decode(data))
	case "tunnel":
		return viewOf(&d.tunnel, d.tunnel.Decode(data))
	case "inner":
		return viewOf(&d.inner, d.inner.Decode(data))
	case "match":
		return viewOf(&d.match, d.match.Decode(data))
	case "target":
		return viewOf(&d.target, d.target.Decode(data))
	case "notrack":
		return viewOf(&d.notrack, d.notrack.Decode(data))
	}
	return nil, nil
}

// viewOf returns v, or a nil view when err is not nil.
func viewOf(v ExprView, err error) (ExprView, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}

// NotrackExpr is the "notrack" expression: do not track the packet's
// connection. It has no attributes.
type NotrackExpr struct{}

// Decode checks the framing of the expression's NFTA_EXPR_DATA payload (the
// kernel sends none for notrack). There is nothing to leave zero on error.
func (e *NotrackExpr) Decode(data []byte) error {
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
	}
	return s.Err()
}

func (*PayloadExpr) exprView()   {}
func (*CmpExpr) exprView()       {}
func (*RangeExpr) exprView()     {}
func (*MetaExpr) exprView()      {}
func (*ImmediateExpr) exprView() {}
func (*BitwiseExpr) exprView()   {}
func (*ByteorderExpr) exprView() {}
func (*LookupExpr) exprView()    {}
func (*DynsetExpr) exprView()    {}
func (*ObjrefExpr) exprView()    {}
func (*CounterExpr) exprView()   {}
func (*LimitExpr) exprView()     {}
func (*QuotaExpr) exprView()     {}
func (*ConnlimitExpr) exprView() {}
func (*LastExpr) exprView()      {}
func (*CtExpr) exprView()        {}
func (*LogExpr) exprView()       {}
func (*RejectExpr) exprView()    {}
func (*NatExpr) exprView()       {}
func (*MasqExpr) exprView()      {}
func (*RedirExpr) exprView()     {}
func (*TproxyExpr) exprView()    {}
func (*SynproxyExpr) exprView()  {}
func (*QueueExpr) exprView()     {}
func (*DupExpr) exprView()       {}
func (*FwdExpr) exprView()       {}
func (*ExthdrExpr) exprView()    {}
func (*FibExpr) exprView()       {}
func (*NumgenExpr) exprView()    {}
func (*HashExpr) exprView()      {}
func (*SocketExpr) exprView()    {}
func (*OsfExpr) exprView()       {}
func (*XfrmExpr) exprView()      {}
func (*RtExpr) exprView()        {}
func (*TunnelExpr) exprView()    {}
func (*InnerExpr) exprView()     {}
func (*CompatExpr) exprView()    {}
func (*NotrackExpr) exprView()   {}
