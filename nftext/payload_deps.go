package nftext

import (
	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// Protocol dependencies: the matches nft adds before a header field it needs
// (`meta l4proto tcp` before `tcp dport`) and hides when it lists the rule
// (payload_dependency_store, payload_dependency_kill, meta_may_dependency_kill
// of nftables src/payload.c and src/netlink_delinearize.c), and what
// matches on meta and ct keys say of the protocols.

// metaMatchPP records what a meta or ct match says of the protocols, and
// the dependencies it kills or is (ct_meta_common_postprocess).
func (s *ruleState) metaMatchPP(st *stmt, idx int16, left *operand) {
	if st.op != relEq || st.rk != rValue {
		return
	}
	base, proto := s.metaBase(left)
	if proto {
		s.metaPctxUpdate(left, s.v(st.val1))
	}
	if base < baseTransport {
		if s.pdctx.deps[base] >= 0 && s.metaMayKill(left, s.v(st.val1)) {
			s.release(base)
		}
		if proto {
			s.depStore(idx, base)
		}
	}
}

// metaBase returns the base a meta or ct key stands for, and whether it
// names a protocol (meta_expr_alloc, ct_expr_alloc).
func (s *ruleState) metaBase(op *operand) (protoBase, bool) {
	if op.kind == opCt {
		switch msgs.CtKey(op.key) {
		case msgs.CtProtocol:
			return baseNetwork, true
		case msgs.CtL3Protocol:
			return baseLL, true
		}
		return ctBase(msgs.CtKey(op.key)), false
	}
	switch msgs.MetaKey(op.key) {
	case msgs.MetaIiftype:
		return baseInvalid, true
	case msgs.MetaNfproto, msgs.MetaProtocol:
		return baseLL, true
	case msgs.MetaL4proto:
		return baseNetwork, true
	}
	return baseInvalid, false
}

// metaPctxUpdate records the protocol a meta or ct match names
// (meta_expr_pctx_update, ct_expr_pctx_update).
func (s *ruleState) metaPctxUpdate(op *operand, v []byte) {
	hBase, hDesc := s.hookBase()
	if op.kind == opCt {
		base := ctBase(msgs.CtKey(op.key))
		if base >= baseCount || len(v) == 0 {
			return
		}
		d := s.pctx.desc[base]
		if d == protoNone {
			return
		}
		if next := protos[d].upper(uint16(v[0])); next != protoNone {
			s.pctx.update(base+1, next)
		}
		return
	}
	switch msgs.MetaKey(op.key) {
	case msgs.MetaNfproto:
		if len(v) != 1 {
			return
		}
		next := protos[hDesc].upper(uint16(v[0]))
		if next == protoNone {
			next = protoUnknown
			if nftmon.Family(v[0]) == s.family && hBase == baseNetwork {
				next = hDesc
			}
		}
		s.pctx.update(baseNetwork, next)
	case msgs.MetaL4proto:
		if len(v) != 1 {
			return
		}
		next := protos[protoInetService].upper(uint16(v[0]))
		if next == protoNone {
			next = protoUnknown
		}
		s.pctx.update(baseTransport, next)
	case msgs.MetaProtocol:
		if hBase != baseLL || (s.family != nftmon.FamilyNetdev && s.family != nftmon.FamilyBridge) || len(v) != 2 {
			return
		}
		next := protos[hDesc].upper(uint16(loadUint(v, BigEndian)))
		if next == protoNone {
			next = protoUnknown
		}
		s.pctx.update(baseNetwork, next)
	case msgs.MetaIiftype:
		if hBase < baseNetwork && s.family != nftmon.FamilyINet && s.family != nftmon.FamilyNetdev {
			return
		}
		next := protoUnknown
		if len(v) == 2 && loadUint(v, HostEndian) == unix.ARPHRD_ETHER {
			next = protoEther
		}
		s.pctx.update(baseLL, next)
	}
}

// depStore remembers statement idx as a protocol match leading past base
// (payload_dependency_store), unless it is an ICMP echo type match.
func (s *ruleState) depStore(idx int16, base protoBase) {
	st := s.st(int(idx))
	if v1 := s.v(st.val1); st.nleft == 1 && st.rk == rValue && len(v1) == 1 {
		op := s.op(s.list()[st.left])
		if op.kind == opPayload && op.known() {
			t := v1[0]
			switch op.proto {
			case protoICMP:
				if t == icmpEchoReply {
					t = icmpEchoRequest
				}
				s.pdctx.icmpType = t
				if t == icmpEchoRequest {
					return
				}
			case protoICMP6:
				s.pdctx.icmpType = t
				if t == icmp6EchoRequest || t == icmp6EchoReply {
					return
				}
			}
		}
	}
	if int(base)+1 < len(s.pdctx.deps) {
		s.pdctx.deps[base+1] = idx
	}
}

// dep returns the dependency stored for base (payload_dependency_get), or
// -1.
func (s *ruleState) dep(base protoBase) int16 {
	if base >= baseCount {
		return -1
	}
	if d := s.pdctx.deps[base]; d >= 0 {
		return d
	}
	if base == baseTransport {
		return s.pdctx.deps[baseInner]
	}
	return -1
}

// release removes the dependency stored for base (payload_dependency_release).
func (s *ruleState) release(base protoBase) {
	if base >= baseCount {
		return
	}
	b := base
	if s.pdctx.deps[b] < 0 && base == baseTransport {
		b = baseInner
	}
	if d := s.pdctx.deps[b]; d >= 0 {
		s.st(int(d)).dead = true
		if s.pdctx.prev == d {
			s.pdctx.prev = -1
		}
		s.pdctx.deps[b] = -1
	}
}

// depLeft returns the left operand of a dependency statement.
func (s *ruleState) depLeft(d int16) (*stmt, *operand) {
	st := s.st(int(d))
	return st, s.op(s.list()[st.left])
}

// depKill kills the dependency a payload field implies
// (payload_dependency_kill).
func (s *ruleState) depKill(op *operand) {
	if op.kind != opPayload || op.proto == protoUnknown || op.base >= baseCount {
		return
	}
	d := s.dep(op.base)
	if d < 0 || !s.payloadMayKill(d, op) {
		return
	}
	s.release(op.base)
}

// payloadMayKill reports whether dependency d is redundant given payload
// field op (payload_may_dependency_kill).
func (s *ruleState) payloadMayKill(d int16, op *operand) bool {
	dst, dep := s.depLeft(d)
	switch s.family {
	case nftmon.FamilyBridge, nftmon.FamilyNetdev, nftmon.FamilyINet:
		if dep.kind == opPayload && dep.base == baseNetwork && (dep.proto == protoIP || dep.proto == protoIP6) && op.base == baseTransport {
			return false
		}
		if dep.kind == opPayload && dst.op == relEq && op.base == dep.base {
			if op.isProtocolField() {
				return false
			}
			if op.base == baseLL {
				if dep.proto == protoVLAN {
					return false
				}
				if v1 := s.v(dst.val1); dep.proto == protoEther && dst.rk == rValue && len(v1) == 2 {
					return loadUint(v1, BigEndian) == ethP8021Q
				}
				return true
			}
		}
	}
	if op.base != baseTransport || dep.kind != opPayload || dep.base != baseTransport {
		return true
	}
	if dep.proto == protoICMP || dep.proto == protoICMP6 {
		if !op.known() {
			return false
		}
		t := &protos[op.proto].tmpls[op.tmpl]
		if t.icmp == icmpAny || t.icmp == icmpDepNone || dep.proto != op.proto {
			return false
		}
		return s.pdctx.icmpType == t.icmp.icmpType()
	}
	return true
}

// metaMayKill reports whether the network dependency is redundant given a
// meta match (meta_may_dependency_kill).
func (s *ruleState) metaMayKill(op *operand, v []byte) bool {
	d := s.dep(baseNetwork)
	if d < 0 {
		return true
	}
	dst, dep := s.depLeft(d)
	var nfproto uint8
	dv := s.v(dst.val1)
	switch {
	case dep.kind == opMeta && msgs.MetaKey(dep.key) == msgs.MetaNfproto && len(dv) == 1:
		nfproto = dv[0]
	case dep.kind == opMeta && msgs.MetaKey(dep.key) == msgs.MetaProtocol && len(dv) == 2:
		nfproto = etherToNfproto(loadUint(dv, BigEndian))
	case dep.kind == opPayload && dep.base == baseLL && dep.typ == TypeEtherType && len(dv) == 2:
		nfproto = etherToNfproto(loadUint(dv, BigEndian))
	default:
		return true
	}
	switch s.family {
	case nftmon.FamilyINet, nftmon.FamilyNetdev, nftmon.FamilyBridge:
	case nftmon.FamilyIPv4, nftmon.FamilyIPv6:
		return nftmon.Family(nfproto) == s.family
	default:
		return true
	}
	if op.kind != opMeta || msgs.MetaKey(op.key) != msgs.MetaL4proto || len(v) != 1 {
		return true
	}
	switch v[0] {
	case unix.IPPROTO_ICMP, unix.IPPROTO_ICMPV6:
	default:
		return false
	}
	if (nfproto == unix.NFPROTO_IPV4 && v[0] == unix.IPPROTO_ICMPV6) || (nfproto == unix.NFPROTO_IPV6 && v[0] == unix.IPPROTO_ICMP) {
		return false
	}
	return true
}

func etherToNfproto(t uint64) uint8 {
	switch t {
	case ethPIP:
		return unix.NFPROTO_IPV4
	case ethPIPv6:
		return unix.NFPROTO_IPV6
	}
	return unix.NFPROTO_UNSPEC
}

// rejectPP removes the dependency a reject implies (stmt_reject_postprocess).
func (s *ruleState) rejectPP() {
	var x msgs.RejectExpr
	if x.Decode(s.st(s.n-1).expr.Data) != nil {
		return
	}
	switch s.family {
	case nftmon.FamilyIPv4, nftmon.FamilyIPv6:
		if x.Type == msgs.RejectTCPRst && s.dep(baseTransport) >= 0 {
			s.release(baseTransport)
		}
	case nftmon.FamilyINet, nftmon.FamilyBridge, nftmon.FamilyNetdev:
		if x.Type == msgs.RejectICMPXUnreach {
			return
		}
		if s.dep(baseNetwork) >= 0 {
			s.release(baseNetwork)
		}
	}
}

// rejectFamily returns the network protocol the context names, for a
// reject's text in the mixed families: unix.NFPROTO_IPV4, unix.NFPROTO_IPV6
// or 0.
func (s *ruleState) rejectFamily() uint8 {
	switch s.pctx.desc[baseNetwork] {
	case protoIP:
		return unix.NFPROTO_IPV4
	case protoIP6:
		return unix.NFPROTO_IPV6
	}
	return 0
}

// exthdrDepKill kills the dependency an extension header implies
// (exthdr_dependency_kill).
func (s *ruleState) exthdrDepKill(op *operand) {
	var x msgs.ExthdrExpr
	if x.Decode(op.data) != nil {
		return
	}
	switch x.Op {
	case msgs.ExthdrTCPOpt:
		s.release(baseTransport)
	case msgs.ExthdrIPv6, msgs.ExthdrIPv4:
		s.release(baseNetwork)
	}
}
