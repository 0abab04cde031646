package nftext

import (
	"bytes"

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
	left, nleft int8
	op          relOp
	rk          rightKind
	val1, val2  val
	mask        val    // rFlagcmp
	prefix      uint32 // rPrefix: the prefix length in bits
	set         []byte // rSet, sDynset, sVmap, sObjref by map

	// the operand a set statement writes, and the extra operands of nat,
	// tproxy, dup, fwd (val2Op), by index or -1
	val, valOp2, valOp3, valOp4 int8
	mapProto                    bool  // sNat: the address map also gives the ports
	setShift                    uint8 // rSet: the bits an anonymous set's keys are shifted by
}

// parse reads every expression of the rule; false when the rule must print
// raw (malformed, or beyond the renderer's capacity).
func (s *ruleState) parse() bool {
	sc := s.rule.Exprs()
	for sc.Next() {
		if !s.parseExpr(sc.Expr()) {
			return false
		}
	}
	return sc.Err() == nil
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
			op.dir = int8(x.Direction)
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
		op, i := s.newOp(opByteorder, s.ops[arg].len)
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
		if a := s.getReg(x.RegAddrMin); x.Present.Has(unix.NFTA_NAT_REG_ADDR_MIN) && a >= 0 && s.ops[a].kind == opMap {
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

// simple makes a statement printed from its expression alone.
func (s *ruleState) simple(e msgs.Expr) (ok, room bool) {
	st := s.newStmt(sSimple, e)
	if st == nil {
		return false, false
	}
	s.pp(st)
	return true, true
}

// stmtFromReg makes a statement that writes the operand of register r.
func (s *ruleState) stmtFromReg(k stmtKind, e msgs.Expr, r msgs.Register) (ok, room bool) {
	v := s.getReg(r)
	if v < 0 {
		return false, true
	}
	st := s.newStmt(k, e)
	if st == nil {
		return false, false
	}
	st.val = v
	s.pp(st)
	return true, true
}

// regStmt makes a statement that reads up to four registers, each only
// when has.
func (s *ruleState) regStmt(k stmtKind, e msgs.Expr, has1 bool, r1 msgs.Register, has2 bool, r2 msgs.Register,
	has3 bool, r3 msgs.Register, has4 bool, r4 msgs.Register) (ok, room bool) {
	var v [4]int8
	for i, h := range [4]bool{has1, has2, has3, has4} {
		v[i] = -1
		if !h {
			continue
		}
		v[i] = s.getReg([4]msgs.Register{r1, r2, r3, r4}[i])
		if v[i] < 0 {
			return false, true
		}
	}
	st := s.newStmt(k, e)
	if st == nil {
		return false, false
	}
	st.val, st.valOp2, st.valOp3, st.valOp4 = v[0], v[1], v[2], v[3]
	s.pp(st)
	return true, true
}

// loadExpr reads the expressions that only load a value: fib, rt, socket,
// osf, numgen, xfrm.
func (s *ruleState) loadExpr(e msgs.Expr) (ok, room bool) {
	var (
		k    opKind
		n    uint32
		key  uint32
		dreg msgs.Register
	)
	switch string(e.Name) {
	case "fib":
		var x msgs.FibExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		k, dreg, key = opFib, x.DReg, uint32(x.Result)
		n = fibLen(x.Result, x.Flags)
	case "rt":
		var x msgs.RtExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		k, dreg, key = opRt, x.DReg, uint32(x.Key)
		n = rtLen(x.Key)
	case "socket":
		var x msgs.SocketExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		k, dreg, key = opSocket, x.DReg, uint32(x.Key)
		n = socketLen(x.Key)
	case "osf":
		var x msgs.OsfExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		k, dreg, n = opOsf, x.DReg, osfNameLen*8
	case "numgen":
		var x msgs.NumgenExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		k, dreg, n = opNumgen, x.DReg, 32
	case "xfrm":
		var x msgs.XfrmExpr
		if x.Decode(e.Data) != nil {
			return false, true
		}
		k, dreg, key = opXfrm, x.DReg, uint32(x.Key)
		n = xfrmLen(x.Key)
	}
	if n == 0 {
		return false, true
	}
	op, i := s.newOp(k, n)
	if op == nil {
		return false, false
	}
	op.data, op.key = e.Data, key
	return s.setReg(dreg, i), true
}

// parseBitwise reads a bitwise expression (netlink_parse_bitwise): a mask
// and xor as nft's and, xor and or, or a shift.
func (s *ruleState) parseBitwise(e msgs.Expr) (ok, room bool) {
	var x msgs.BitwiseExpr
	if x.Decode(e.Data) != nil {
		return false, true
	}
	arg := s.getReg(x.SReg)
	if arg < 0 {
		return false, true
	}
	op, i := s.newOp(opBitwise, s.ops[arg].len)
	if op == nil {
		return false, false
	}
	op.data, op.arg = e.Data, arg
	switch x.Op {
	case msgs.BitwiseMaskXor:
		m, xr := x.Mask.Value, x.Xor.Value
		if len(m) != len(xr) || len(m) == 0 {
			return false, true
		}
		// o = (m & x) ^ x: the bits set where the mask clears them;
		// x &= m; m |= o (netlink_parse_bitwise_bool).
		andV, and := s.alloc(len(m))
		xorV, xor := s.alloc(len(m))
		orV, or := s.alloc(len(m))
		if or == nil {
			return false, false
		}
		allOnes, anyX, anyO := true, false, false
		for j := range m {
			o := (m[j] & xr[j]) ^ xr[j]
			xor[j] = xr[j] & m[j]
			and[j] = m[j] | o
			or[j] = o
			anyX = anyX || xor[j] != 0
			anyO = anyO || o != 0
		}
		// The mask covers the whole value when it has no zero bit
		// within the operand's length.
		for j := range and {
			if uint32(j)*8 >= op.len {
				break
			}
			if and[j] != 0xff {
				allOnes = false
			}
		}
		if uint32(len(and))*8 < op.len {
			allOnes = false
		}
		if !allOnes {
			op.and = andV.span()
		}
		if anyX {
			op.xor = xorV.span()
		}
		if anyO {
			op.or = orV.span()
		}
	case msgs.BitwiseLshift, msgs.BitwiseRshift:
		if len(x.Data.Value) != 4 {
			return false, true
		}
		op.shift = 1
		if x.Op == msgs.BitwiseRshift {
			op.shift = -1
		}
		op.shiftBy = uint32(loadUint(x.Data.Value, HostEndian))
	default:
		return false, true
	}
	return s.setReg(x.DReg, i), true
}

// match makes a match statement of the operand(s) in r compared with a
// value of n bytes: a concatenation when the value is longer than the
// operand in r (netlink_parse_cmp).
func (s *ruleState) match(e msgs.Expr, r msgs.Register, n uint32) (*stmt, bool) {
	left := s.getReg(r)
	if left < 0 {
		return nil, true
	}
	var list, count int8
	var ok bool
	if l := s.ops[left].len; l > 0 && l < n*8 {
		list, count, ok = s.concat(r, n)
	} else {
		list, count, ok = s.single(left)
	}
	if !ok {
		return nil, s.nlist < maxList
	}
	st := s.newStmt(sMatch, e)
	if st == nil {
		return nil, false
	}
	st.left, st.nleft = list, count
	return st, true
}

// parseCmp reads a cmp expression.
func (s *ruleState) parseCmp(e msgs.Expr) (ok, room bool) {
	var x msgs.CmpExpr
	if x.Decode(e.Data) != nil || x.Data.IsVerdict {
		return false, true
	}
	st, room := s.match(e, x.SReg, uint32(len(x.Data.Value)))
	if st == nil {
		return false, room
	}
	switch x.Op {
	case msgs.CmpEq:
		st.op = relEq
	case msgs.CmpNeq:
		st.op = relNeq
	case msgs.CmpLt:
		st.op = relLt
	case msgs.CmpLte:
		st.op = relLte
	case msgs.CmpGt:
		st.op = relGt
	case msgs.CmpGte:
		st.op = relGte
	default:
		s.n--
		return false, true
	}
	st.rk, st.val1 = rValue, msgVal(x.Data.Value)
	// A value shorter than its operand compares a prefix of it.
	if left := &s.ops[s.lists[st.left]]; st.nleft == 1 && left.len > uint32(len(x.Data.Value))*8 && !s.typeOf(left).isString() {
		st.rk, st.prefix = rPrefix, uint32(len(x.Data.Value))*8
	}
	s.pp(st)
	return true, true
}

// lookupSet returns what is known of a set the rule names, or nil.
func (s *ruleState) lookupSet(name []byte) *SetInfo {
	if s.sets == nil {
		return nil
	}
	if s.setName != nil && string(s.setName) == string(name) {
		return s.setInfo
	}
	s.setName, s.setInfo = name, s.sets.Lookup(s.nsid, s.family, s.rule.Table, name)
	return s.setInfo
}

// setKey returns the key list a lookup in set name reads from r.
func (s *ruleState) setKey(r msgs.Register, name []byte) (list, count int8, ok bool) {
	left := s.getReg(r)
	if left < 0 {
		return 0, 0, false
	}
	if info := s.lookupSet(name); info != nil && s.ops[left].len < info.Key.Len*8 {
		return s.concat(r, info.Key.Len)
	}
	return s.single(left)
}

// setKeyStmt makes a statement of kind k keyed by the operands of r, as
// set name's key.
func (s *ruleState) setKeyStmt(k stmtKind, e msgs.Expr, r msgs.Register, name []byte) (*stmt, bool) {
	list, count, ok := s.setKey(r, name)
	if !ok {
		return nil, s.nlist < maxList
	}
	st := s.newStmt(k, e)
	if st == nil {
		return nil, false
	}
	st.left, st.nleft = list, count
	return st, true
}

// parseLookup reads a lookup: a set match, a verdict map, or a map whose
// data goes into a register (netlink_parse_lookup).
func (s *ruleState) parseLookup(e msgs.Expr) (ok, room bool) {
	var x msgs.LookupExpr
	if x.Decode(e.Data) != nil {
		return false, true
	}
	if x.Present.Has(unix.NFTA_LOOKUP_DREG) && x.DReg != msgs.RegVerdict {
		list, count, ok := s.setKey(x.SReg, x.Set)
		if !ok {
			return false, s.nlist < maxList
		}
		op, i := s.newOp(opMap, 0)
		if op == nil {
			return false, false
		}
		op.data, op.list, op.nlist, op.set = e.Data, list, count, x.Set
		op.len = 32
		return s.setReg(x.DReg, i), true
	}
	k := sMatch
	if x.Present.Has(unix.NFTA_LOOKUP_DREG) {
		k = sVmap
	}
	st, room := s.setKeyStmt(k, e, x.SReg, x.Set)
	if st == nil {
		return false, room
	}
	st.rk, st.set = rSet, x.Set
	if x.Flags&msgs.LookupInv != 0 {
		st.op = relNeq
	}
	s.pp(st)
	return true, true
}

// isAnonymous reports whether a set name is one nft gives an anonymous
// set ("__set%d", "__map%d", "__objmap%d").
func isAnonymous(name []byte) bool {
	return bytes.HasPrefix(name, []byte("__set")) || bytes.HasPrefix(name, []byte("__map")) ||
		bytes.HasPrefix(name, []byte("__objmap"))
}
