package nftext

import (
	"strconv"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// The statements, printed as nft prints them (the *_stmt_print functions
// of nftables src/statement.c).

// appendSimple appends a statement printed from its expression alone.
func (s *ruleState) appendSimple(dst []byte, st *stmt) []byte {
	e := st.expr
	n := len(dst)
	ok := true
	switch string(e.Name) {
	case "counter":
		dst = AppendStatefulExpr(dst, e, false)
	case "log":
		var x msgs.LogExpr
		if ok = x.Decode(e.Data) == nil; ok {
			dst = appendLog(dst, &x)
		}
	case "limit":
		fallthrough
	case "quota", "connlimit":
		dst = AppendStatefulExpr(dst, e, false)
	case "last":
		var x msgs.LastExpr
		if ok = x.Decode(e.Data) == nil; ok {
			dst = append(dst, "last"...)
			if x.Set == 0 {
				dst = append(dst, " used never"...)
			} else {
				dst = append(dst, " used "...)
				dst = AppendDuration(dst, x.Msecs)
			}
		}
	case "reject":
		var x msgs.RejectExpr
		if ok = x.Decode(e.Data) == nil; ok {
			dst = s.appendReject(dst, &x)
		}
	case "notrack":
		dst = append(dst, "notrack"...)
	case "flow_offload":
		dst = append(dst, "flow add @"...)
		dst = AppendIdent(dst, flowtableName(e.Data))
	case "synproxy":
		var x msgs.SynproxyExpr
		if ok = x.Decode(e.Data) == nil; ok {
			dst = appendSynproxyStmt(dst, &x)
		}
	case "queue":
		var x msgs.QueueExpr
		if ok = x.Decode(e.Data) == nil; ok {
			dst = appendQueueFlags(dst, &x)
			dst = append(dst, " to "...)
			dst = strconv.AppendUint(dst, uint64(x.Num), 10)
			if x.Total > 1 {
				dst = append(dst, '-')
				dst = strconv.AppendUint(dst, uint64(x.Num)+uint64(x.Total)-1, 10)
			}
		}
	case "objref":
		var x msgs.ObjrefExpr
		if ok = x.Decode(e.Data) == nil; ok {
			dst = appendObjrefKind(dst, x.ImmType)
			dst = appendString(dst, x.ImmName)
		}
	case "exthdr":
		var x msgs.ExthdrExpr
		if ok = x.Decode(e.Data) == nil; ok {
			// Only TCP options can be reset (exthdr_stmt_print).
			dst = append(dst, "reset tcp option "...)
			if d := findDesc(tcpOpts, x.Type); d != nil {
				dst = append(dst, d.name...)
			} else {
				dst = strconv.AppendUint(dst, uint64(x.Type), 10)
			}
		}
	case "match", "target":
		var x msgs.CompatExpr
		if ok = x.Decode(e.Data) == nil; ok {
			dst = appendXt(dst, e.Name, x.Name)
		}
	default:
		ok = false
	}
	if !ok {
		return appendRawExpr(dst[:n], e)
	}
	return dst
}

// logLevels are the syslog levels as nft names them (log_level).
var logLevels = [...]string{"emerg", "alert", "crit", "err", "warn", "notice", "info", "debug", "audit"}

// logLevelWarn is the level nft leaves out (LOG_WARNING).
const logLevelWarn = 4

// logAll is every log flag (NF_LOG_MASK).
const logAll = 0x2f

// appendLog appends a log statement (log_stmt_print).
func appendLog(dst []byte, x *msgs.LogExpr) []byte {
	dst = append(dst, "log"...)
	if x.Present.Has(unix.NFTA_LOG_PREFIX) {
		dst = append(dst, " prefix "...)
		dst = appendString(dst, x.Prefix)
	}
	if x.Present.Has(unix.NFTA_LOG_GROUP) {
		dst = append(dst, " group "...)
		dst = strconv.AppendUint(dst, uint64(x.Group), 10)
	}
	if x.Present.Has(unix.NFTA_LOG_SNAPLEN) {
		dst = append(dst, " snaplen "...)
		dst = strconv.AppendUint(dst, uint64(x.Snaplen), 10)
	}
	if x.Present.Has(unix.NFTA_LOG_QTHRESHOLD) {
		dst = append(dst, " queue-threshold "...)
		dst = strconv.AppendUint(dst, uint64(x.QThreshold), 10)
	}
	if x.Present.Has(unix.NFTA_LOG_LEVEL) && x.Level != logLevelWarn {
		dst = append(dst, " level "...)
		if int(x.Level) < len(logLevels) {
			dst = append(dst, logLevels[x.Level]...)
		} else {
			dst = strconv.AppendUint(dst, uint64(x.Level), 10)
		}
	}
	f := x.Flags
	if f&logAll == logAll {
		return append(dst, " flags all"...)
	}
	if f&(msgs.LogTCPSeq|msgs.LogTCPOpt) != 0 {
		dst = append(dst, " flags tcp"...)
		delim := " "
		if f&msgs.LogTCPSeq != 0 {
			dst = append(dst, " sequence"...)
			delim = ","
		}
		if f&msgs.LogTCPOpt != 0 {
			dst = append(dst, delim...)
			dst = append(dst, "options"...)
		}
	}
	if f&msgs.LogIPOpt != 0 {
		dst = append(dst, " flags ip options"...)
	}
	if f&msgs.LogUID != 0 {
		dst = append(dst, " flags skuid"...)
	}
	if f&msgs.LogMACDecode != 0 {
		dst = append(dst, " flags ether"...)
	}
	return dst
}

// The reject codes nft leaves out (linux/icmp.h, linux/icmpv6.h,
// linux/netfilter/nf_tables.h).
const (
	icmpPortUnreach  = 3 // ICMP_PORT_UNREACH
	icmp6PortUnreach = 4 // ICMPV6_PORT_UNREACH
	icmpxPortUnreach = 1 // NFT_REJECT_ICMPX_PORT_UNREACH
)

// appendReject appends a reject statement (reject_stmt_print, with the
// family and verbosity of stmt_reject_postprocess).
func (s *ruleState) appendReject(dst []byte, x *msgs.RejectExpr) []byte {
	dst = append(dst, "reject"...)
	code := []byte{x.ICMPCode}
	switch x.Type {
	case msgs.RejectTCPRst:
		return append(dst, " with tcp reset"...)
	case msgs.RejectICMPXUnreach:
		if x.ICMPCode == icmpxPortUnreach {
			return dst
		}
		dst = append(dst, " with icmpx "...)
		return AppendValue(dst, TypeICMPXCode, BigEndian, code)
	case msgs.RejectICMPUnreach:
		fam, verbose := uint8(0), false
		switch s.family {
		case nftmon.FamilyIPv4:
			fam = unix.NFPROTO_IPV4
		case nftmon.FamilyIPv6:
			fam = unix.NFPROTO_IPV6
		case nftmon.FamilyINet, nftmon.FamilyBridge, nftmon.FamilyNetdev:
			fam, verbose = s.rejectFamily(), true
		}
		switch fam {
		case unix.NFPROTO_IPV4:
			if !verbose && x.ICMPCode == icmpPortUnreach {
				return dst
			}
			dst = append(dst, " with icmp "...)
			return AppendValue(dst, TypeICMPCode, BigEndian, code)
		case unix.NFPROTO_IPV6:
			if !verbose && x.ICMPCode == icmp6PortUnreach {
				return dst
			}
			dst = append(dst, " with icmpv6 "...)
			return AppendValue(dst, TypeICMPv6Code, BigEndian, code)
		}
	}
	return dst
}

// nftaFlowTableName is the flowtable attribute of a flow_offload
// expression (NFTA_FLOW_TABLE_NAME, linux/netfilter/nf_tables.h).
const nftaFlowTableName = 1

// flowtableName returns the flowtable of a flow_offload expression
// (NFTA_FLOW_TABLE_NAME).
func flowtableName(data []byte) []byte {
	a := nftmon.NewAttrScanner(data)
	for a.Next() {
		if a.Type() == nftaFlowTableName {
			return a.StringBytes()
		}
	}
	return nil
}

// appendSynproxyStmt appends a synproxy statement (synproxy_stmt_print;
// an object's declaration spells the same options differently).
func appendSynproxyStmt(dst []byte, x *msgs.SynproxyExpr) []byte {
	dst = append(dst, "synproxy"...)
	if x.Flags&msgs.SynproxyMSS != 0 {
		dst = strconv.AppendUint(append(dst, " mss "...), uint64(x.MSS), 10)
	}
	if x.Flags&msgs.SynproxyWscale != 0 {
		dst = strconv.AppendUint(append(dst, " wscale "...), uint64(x.Wscale), 10)
	}
	if x.Flags&msgs.SynproxyTstamp != 0 {
		dst = append(dst, " timestamp"...)
	}
	if x.Flags&msgs.SynproxySackOK != 0 {
		dst = append(dst, " sack-perm"...)
	}
	return dst
}

// appendQueueFlags appends "queue" and its flags (queue_stmt_print).
func appendQueueFlags(dst []byte, x *msgs.QueueExpr) []byte {
	dst = append(dst, "queue"...)
	delim := " flags "
	if x.Flags&msgs.QueueBypass != 0 {
		dst = append(dst, delim...)
		dst = append(dst, "bypass"...)
		delim = ","
	}
	if x.Flags&msgs.QueueCPUFanout != 0 {
		dst = append(dst, delim...)
		dst = append(dst, "fanout"...)
	}
	return dst
}

// appendQueue appends a queue statement whose number comes from a register.
func (s *ruleState) appendQueue(dst []byte, st *stmt) []byte {
	var x msgs.QueueExpr
	x.Decode(st.expr.Data)
	dst = appendQueueFlags(dst, &x)
	dst = append(dst, " to "...)
	return s.appendOperand(dst, st.val)
}

// The stateful object types (NFT_OBJECT_*, linux/netfilter/nf_tables.h).
const (
	objCounter   = 1  // NFT_OBJECT_COUNTER
	objQuota     = 2  // NFT_OBJECT_QUOTA
	objCtHelper  = 3  // NFT_OBJECT_CT_HELPER
	objLimit     = 4  // NFT_OBJECT_LIMIT
	objConnlimit = 5  // NFT_OBJECT_CONNLIMIT
	objTunnel    = 6  // NFT_OBJECT_TUNNEL
	objCtTimeout = 7  // NFT_OBJECT_CT_TIMEOUT
	objSecmark   = 8  // NFT_OBJECT_SECMARK
	objCtExpect  = 9  // NFT_OBJECT_CT_EXPECT
	objSynproxy  = 10 // NFT_OBJECT_SYNPROXY
)

// appendObjrefKind appends what an object reference starts with
// (objref_stmt_print): "counter name ", "ct helper set ".
func appendObjrefKind(dst []byte, t uint32) []byte {
	switch t {
	case objCtHelper:
		return append(dst, "ct helper set "...)
	case objCtTimeout:
		return append(dst, "ct timeout set "...)
	case objCtExpect:
		return append(dst, "ct expectation set "...)
	case objSecmark:
		return append(dst, "meta secmark set "...)
	}
	names := [...]string{objCounter: "counter", objQuota: "quota", objLimit: "limit",
		objConnlimit: "connlimit", objTunnel: "tunnel", objSynproxy: "synproxy"}
	if int(t) < len(names) && names[t] != "" {
		dst = append(dst, names[t]...)
	} else {
		dst = append(dst, "unknown"...)
	}
	return append(dst, " name "...)
}

// appendObjrefMap appends an object reference looked up in a map.
func (s *ruleState) appendObjrefMap(dst []byte, st *stmt) []byte {
	var objType uint32
	if info := s.lookupSet(st.set); info != nil {
		objType = uint32(info.ObjType)
	}
	dst = appendObjrefKind(dst, objType)
	dst = s.appendList(dst, st.left, st.nleft)
	dst = append(dst, " map "...)
	return s.appendSetRef(dst, st.set)
}

// appendXt appends an x_tables extension as nft 1.0.6 prints one it does
// not translate with libxtables (xt_stmt_xlate): `xt match conntrack`,
// `xt target MASQUERADE`. nft translates the extensions libxtables can
// (`-m comment` to `comment "..."`); this package does not.
func appendXt(dst []byte, kind, name []byte) []byte {
	dst = append(dst, "xt "...)
	dst = append(dst, kind...)
	dst = append(dst, ' ')
	return append(dst, name...)
}

// appendDynset appends add/update/delete @set { key [stmts] [: data] }.
func (s *ruleState) appendDynset(dst []byte, st *stmt) []byte {
	var x msgs.DynsetExpr
	x.Decode(st.expr.Data)
	info := s.lookupSet(st.set)
	if st.val < 0 && (x.Expr != nil || x.Expressions != nil) && info != nil && info.Flags&msgs.SetAnonymous != 0 {
		// A meter: a dynamic set of its own, with a statement per key.
		dst = append(dst, "meter "...)
		dst = append(dst, st.set...)
		dst = append(dst, " size "...)
		dst = strconv.AppendUint(dst, uint64(info.Size), 10)
		dst = append(dst, " { "...)
		dst = s.appendList(dst, st.left, st.nleft)
		sc := x.Exprs()
		if sc.Next() {
			dst = append(dst, ' ')
			dst = appendStateless(dst, *sc.Expr())
		}
		return append(dst, " }"...)
	}
	dst = append(dst, x.Op.String()...)
	dst = append(dst, " @"...)
	dst = append(dst, st.set...)
	dst = append(dst, " { "...)
	dst = s.appendList(dst, st.left, st.nleft)
	if x.Present.Has(unix.NFTA_DYNSET_TIMEOUT) && x.Timeout != 0 {
		dst = append(dst, " timeout "...)
		dst = AppendDuration(dst, x.Timeout)
	}
	sc := x.Exprs()
	for sc.Next() {
		dst = append(dst, ' ')
		e := sc.Expr()
		dst = appendStateless(dst, *e)
	}
	if st.val >= 0 {
		dst = append(dst, " : "...)
		dst = s.appendOperand(dst, st.val)
	}
	return append(dst, " }"...)
}

// appendStateless appends a statement nested in a dynset or meter, as nft
// prints it there: without its counters' values.
func appendStateless(dst []byte, e msgs.Expr) []byte {
	if string(e.Name) == "last" {
		return append(dst, "last"...)
	}
	return AppendStatefulExpr(dst, e, true)
}

// appendPayloadSet appends "FIELD set VALUE" (payload_stmt_print).
func (s *ruleState) appendPayloadSet(dst []byte, st *stmt) []byte {
	f := s.op(st.valOp2)
	dst = s.appendPayload(dst, f)
	dst = append(dst, " set "...)
	if st.val1.ok() {
		return s.appendValueOf(dst, f, s.v(st.val1))
	}
	return s.appendOperandAs(dst, st.val, s.typeOf(f), BigEndian)
}
