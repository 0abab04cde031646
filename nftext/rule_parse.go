package nftext

import (
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// Reading a rule's expressions into statements (netlink_parse_* of
// nftables src/netlink_delinearize.c). Each statement is post-processed as
// soon as it is made (rule_parse_postprocess does it in a second walk, in
// the same order, with the same result).

// stmtKind is what a statement is.
type stmtKind uint8

const (
	sMatch      stmtKind = iota + 1 // left op right
	sVerdict                        // accept, drop, jump c, ...
	sSimple                         // printed from its expression alone: counter, log, limit, ...
	sRaw                            // an expression nft never makes: printed as libnftnl's text
	sMetaSet                        // meta KEY set val
	sCtSet                          // ct KEY set val
	sPayloadSet                     // FIELD set val
	sExthdrSet                      // OPTION FIELD set val
	sNat                            // snat, dnat
	sMasq                           // masquerade
	sRedir                          // redirect
	sTproxy                         // tproxy
	sDup                            // dup
	sFwd                            // fwd
	sQueue                          // queue with the queue number from a register
	sDynset                         // add/update/delete @set { key }
	sObjref                         // counter name "c", ct helper set "h", ... or by map
	sVmap                           // key vmap @set
)

// relOp is a match's operator (enum ops, the relational part).
type relOp uint8

const (
	relEq       relOp = iota // OP_EQ, printed as nothing
	relNeq                   // OP_NEQ
	relLt                    // OP_LT
	relGt                    // OP_GT
	relLte                   // OP_LTE
	relGte                   // OP_GTE
	relImplicit              // OP_IMPLICIT: a flag test, "ct state established"
	relNeg                   // OP_NEG: "ct state ! established"
)

// rightKind is what a match compares with.
type rightKind uint8

const (
	rValue   rightKind = iota + 1 // val1
	rRange                        // val1-val2
	rSet                          // a set: @name, or inline
	rPrefix                       // val1/prefix
	rFlags                        // the flag list val1 (relImplicit, relNeg)
	rFlagcmp                      // left & mask op val1: "tcp flags syn / syn,ack"
)

// stmt is one statement of the rule.
type stmt struct {
	kind stmtKind
	expr msgs.Expr // the expression it came from
	dead bool      // removed: a dependency nft adds and hides

	// sMatch: left (a list of operands: a concatenation has several)
	left, nleft int16
	op          relOp
	rk          rightKind
	val1, val2  val
	mask        span   // rFlagcmp
	prefix      uint32 // rPrefix: the prefix length in bits
	set         []byte // rSet, sDynset, sVmap, sObjref by map

	// the operand a set statement writes, and the extra operands of nat,
	// tproxy, dup, fwd (val2Op), by index or -1
	val, valOp2, valOp3, valOp4 int16
	mapProto                    bool  // sNat: the address map also gives the ports
	setShift                    uint8 // rSet: the bits an anonymous set's keys are shifted by
}

// parse reads every expression of the rule. ok is false when the rule
// must print raw: malformed, or, with room false, beyond the renderer's
// capacity.
func (s *ruleState) parse() (ok, room bool) {
	sc := s.rule.Exprs()
	for sc.Next() {
		if !s.parseExpr(*sc.Expr()) {
			return false, false
		}
	}
	return sc.Err() == nil, true
}

// exprCount returns how many expressions the rule has.
func (s *ruleState) exprCount() int {
	n := 0
	for sc := s.rule.Exprs(); sc.Next(); {
		n++
	}
	return n
}

// parseExpr reads one expression; false when there was no room.
func (s *ruleState) parseExpr(e msgs.Expr) bool {
	ok, room := s.parseKnown(e)
	if !room {
		return false
	}
	if !ok {
		st := s.newStmt(sRaw, e)
		if st == nil {
			return false
		}
		s.pp(st)
	}
	return true
}

// parseKnown reads an expression nft makes. ok is false when it is not
// one the renderer understands (then it prints raw), room false when
// the renderer ran out of room.
func (s *ruleState) parseKnown(e msgs.Expr) (ok, room bool) {
	switch string(e.Name) {
	case "payload":
		var x msgs.PayloadExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		op, i := s.newOp(opPayload, x.Len*8)
		if op == nil {
			return false, false
		}
		op.data = e.Data
		op.base = protoBase(x.Base + 1)
		if x.Base > unix.NFT_PAYLOAD_TRANSPORT_HEADER {
			op.base = baseInner
		}
		op.offset = x.Offset * 8
		if x.Present.Has(unix.NFTA_PAYLOAD_SREG) {
			// A write: the operand is the field written.
			v := s.getReg(x.SReg)
			if v < 0 {
				return false, true
			}
			st := s.newStmt(sPayloadSet, e)
			if st == nil {
				return false, false
			}
			st.val, st.valOp2 = v, i
			s.pp(st)
			return true, true
		}
		return s.setReg(x.DReg, i), true
	case "meta":
		var x msgs.MetaExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		if x.Present.Has(unix.NFTA_META_SREG) {
			return s.stmtFromReg(sMetaSet, e, x.SReg)
		}
		m := metaInfo(x.Key)
		if m == nil {
			return false, true
		}
		op, i := s.newOp(opMeta, uint32(m.len))
		if op == nil {
			return false, false
		}
		op.data, op.key = e.Data, uint32(x.Key)
		return s.setReg(x.DReg, i), true
	case "ct":
		var x msgs.CtExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		if x.Present.Has(unix.NFTA_CT_SREG) {
			return s.stmtFromReg(sCtSet, e, x.SReg)
		}
		c := ctInfo(x.Key)
		if c == nil {
			return false, true
		}
		op, i := s.newOp(opCt, ctLen(c))
		if op == nil {
			return false, false
		}
		op.data, op.key, op.dir = e.Data, uint32(x.Key), -1
		if x.Present.Has(unix.NFTA_CT_DIRECTION) {
			op.dir = int16(x.Direction)
		}
		return s.setReg(x.DReg, i), true
	case "exthdr":
		var x msgs.ExthdrExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		if x.Present.Has(unix.NFTA_EXTHDR_SREG) {
			return s.stmtFromReg(sExthdrSet, e, x.SReg)
		}
		if !x.Present.Has(unix.NFTA_EXTHDR_DREG) {
			return s.simple(e) // reset tcp option
		}
		n := x.Len * 8
		if x.Flags&msgs.ExthdrPresent != 0 {
			n = 8
		}
		op, i := s.newOp(opExthdr, n)
		if op == nil {
			return false, false
		}
		op.data, op.key, op.offset = e.Data, uint32(x.Type), x.Offset*8
		return s.setReg(x.DReg, i), true
	case "fib", "rt", "socket", "osf", "numgen", "xfrm":
		return s.loadExpr(e)
	case "hash":
		var x msgs.HashExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		op, i := s.newOp(opHash, 32)
		if op == nil {
			return false, false
		}
		op.data = e.Data
		if x.Type == msgs.HashJenkins {
			op.arg = s.getReg(x.SReg)
			if op.arg < 0 {
				return false, true
			}
			// A concatenation hashed: the operand list of its registers.
			if l, n, ok := s.concat(x.SReg, x.Len); ok {
				op.list, op.nlist = l, n
			}
		}
		return s.setReg(x.DReg, i), true
	case "immediate":
		var x msgs.ImmediateExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		if x.DReg == msgs.RegVerdict {
			if !x.Data.IsVerdict {
				return false, true
			}
			st := s.newStmt(sVerdict, e)
			if st == nil {
				return false, false
			}
			s.pp(st)
			return true, true
		}
		op, i := s.newOp(opImm, uint32(len(x.Data.Value))*8)
		if op == nil {
			return false, false
		}
		op.data, op.value = e.Data, msgVal(x.Data.Value)
		return s.setReg(x.DReg, i), true
	case "bitwise":
		return s.parseBitwise(e)
	case "byteorder":
		var x msgs.ByteorderExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		arg := s.getReg(x.SReg)
		if arg < 0 {
			return false, true
		}
		op, i := s.newOp(opByteorder, s.op(arg).len)
		if op == nil {
			return false, false
		}
		op.data, op.arg = e.Data, arg
		return s.setReg(x.DReg, i), true
	case "cmp":
		return s.parseCmp(e)
	case "range":
		var x msgs.RangeExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		st, ok := s.match(e, x.SReg, uint32(len(x.From.Value)))
		if st == nil {
			return false, ok
		}
		st.op = relEq
		if x.Op == msgs.RangeNeq {
			st.op = relNeq
		}
		st.rk, st.val1, st.val2 = rRange, msgVal(x.From.Value), msgVal(x.To.Value)
		s.pp(st)
		return true, true
	case "lookup":
		return s.parseLookup(e)
	case "dynset":
		var x msgs.DynsetExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		st, ok := s.setKeyStmt(sDynset, e, x.SRegKey, x.SetName)
		if st == nil {
			return false, ok
		}
		st.set = x.SetName
		if x.Present.Has(unix.NFTA_DYNSET_SREG_DATA) {
			st.val = s.getReg(x.SRegData)
			if st.val < 0 {
				return false, true
			}
		}
		s.pp(st)
		return true, true
	case "objref":
		var x msgs.ObjrefExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		if !x.Present.Has(unix.NFTA_OBJREF_SET_SREG) {
			return s.simple(e)
		}
		st, ok := s.setKeyStmt(sObjref, e, x.SetSReg, x.SetName)
		if st == nil {
			return false, ok
		}
		st.set = x.SetName
		s.pp(st)
		return true, true
	case "nat":
		var x msgs.NatExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		if a := s.getReg(x.RegAddrMin); x.Present.Has(unix.NFTA_NAT_REG_ADDR_MIN) && a >= 0 && s.op(a).kind == opMap {
			// A map to addresses, or to addresses and ports: its data
			// fills the registers the proto attributes name
			// (is_nat_addr_map, is_nat_proto_map).
			st := s.newStmt(sNat, e)
			if st == nil {
				return false, false
			}
			st.val = a
			st.mapProto = x.Present.Has(unix.NFTA_NAT_REG_PROTO_MIN)
			s.pp(st)
			return true, true
		}
		return s.regStmt(sNat, e, x.Present.Has(unix.NFTA_NAT_REG_ADDR_MIN), x.RegAddrMin,
			x.Present.Has(unix.NFTA_NAT_REG_ADDR_MAX), x.RegAddrMax,
			x.Present.Has(unix.NFTA_NAT_REG_PROTO_MIN), x.RegProtoMin,
			x.Present.Has(unix.NFTA_NAT_REG_PROTO_MAX), x.RegProtoMax)
	case "masq":
		var x msgs.MasqExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		return s.regStmt(sMasq, e, false, 0, false, 0,
			x.Present.Has(unix.NFTA_MASQ_REG_PROTO_MIN), x.RegProtoMin,
			x.Present.Has(unix.NFTA_MASQ_REG_PROTO_MAX), x.RegProtoMax)
	case "redir":
		var x msgs.RedirExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		return s.regStmt(sRedir, e, false, 0, false, 0,
			x.Present.Has(unix.NFTA_REDIR_REG_PROTO_MIN), x.RegProtoMin,
			x.Present.Has(unix.NFTA_REDIR_REG_PROTO_MAX), x.RegProtoMax)
	case "tproxy":
		var x msgs.TproxyExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		return s.regStmt(sTproxy, e, x.Present.Has(nftaTproxyRegAddr), x.RegAddr, false, 0,
			x.Present.Has(nftaTproxyRegPort), x.RegPort, false, 0)
	case "dup":
		var x msgs.DupExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		return s.regStmt(sDup, e, x.Present.Has(unix.NFTA_DUP_SREG_ADDR), x.SRegAddr,
			x.Present.Has(unix.NFTA_DUP_SREG_DEV), x.SRegDev, false, 0, false, 0)
	case "fwd":
		var x msgs.FwdExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		return s.regStmt(sFwd, e, x.Present.Has(nftaFwdSregAddr), x.SRegAddr,
			x.Present.Has(unix.NFTA_FWD_SREG_DEV), x.SRegDev, false, 0, false, 0)
	case "queue":
		var x msgs.QueueExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		if x.Present.Has(unix.NFTA_QUEUE_SREG_QNUM) {
			return s.stmtFromReg(sQueue, e, x.SRegQnum)
		}
		return s.simple(e)
	case "counter", "log", "limit", "quota", "connlimit", "last", "reject",
		"notrack", "synproxy", "flow_offload", "match", "target":
		return s.simple(e)
	}
	return false, true
}

// Attribute ids the msgs views name only privately (linux/netfilter/nf_tables.h).
const (
	nftaTproxyRegAddr = 2 // NFTA_TPROXY_REG_ADDR
	nftaTproxyRegPort = 3 // NFTA_TPROXY_REG_PORT
	nftaFwdSregAddr   = 2 // NFTA_FWD_SREG_ADDR
)
