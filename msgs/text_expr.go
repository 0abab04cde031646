package msgs

import (
	"strconv"
)

// appendExprRaw appends "name " and the body of the expression exactly as
// libnftnl's nftnl_expr_<name>_snprintf prints it (each part ends with a
// space). It fails only when the expression's data is malformed.
func appendExprRaw(dst []byte, e Expr, depth int) ([]byte, error) {
	dst = append(append(dst, e.Name...), ' ')
	switch string(e.Name) {
	case "payload":
		var x PayloadExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		return x.appendText(dst), nil
	case "cmp":
		var x CmpExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		dst = append(append(dst, x.Op.String()...), ' ')
		dst = append(txReg(dst, x.SReg), ' ')
		return appendWords(dst, x.Data.Value, true), nil
	case "range":
		var x RangeExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		dst = append(append(dst, x.Op.String()...), ' ')
		dst = append(txReg(dst, x.SReg), ' ')
		dst = appendWords(dst, x.From.Value, true)
		return appendWords(dst, x.To.Value, true), nil
	case "meta":
		var x MetaExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		if x.Present.Has(3) { // NFTA_META_SREG
			dst = append(append(append(dst, "set "...), x.Key.String()...), " with "...)
			return append(txReg(dst, x.SReg), ' '), nil
		}
		dst = append(append(append(dst, "load "...), x.Key.String()...), " => "...)
		return append(txReg(dst, x.DReg), ' '), nil
	case "immediate":
		var x ImmediateExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		dst = append(txReg(dst, x.DReg), ' ')
		return appendData(dst, &x.Data, true), nil
	case "bitwise":
		var x BitwiseExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		return x.appendText(dst), nil
	case "byteorder":
		var x ByteorderExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		dst = append(txReg(dst, x.DReg), " = "...)
		dst = append(append(dst, x.Op.String()...), '(')
		dst = append(txReg(dst, x.SReg), ", "...)
		dst = append(txU(dst, uint64(x.Size)), ", "...)
		return append(txU(dst, uint64(x.Len)), ") "...), nil
	case "lookup":
		var x LookupExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		dst = append(txReg(dst, x.SReg), " set "...)
		dst = append(append(dst, x.Set...), ' ')
		if x.Present.Has(3) { // NFTA_LOOKUP_DREG
			dst = append(txU(append(dst, "dreg "...), uint64(x.DReg)), ' ')
		}
		return append(strconv.AppendUint(append(dst, "0x"...), uint64(x.Flags), 16), ' '), nil
	case "counter":
		var x CounterExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		dst = append(txU(append(dst, "pkts "...), x.Packets), " bytes "...)
		return append(txU(dst, x.Bytes), ' '), nil
	case "ct":
		var x CtExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		if x.Present.Has(4) { // NFTA_CT_SREG
			dst = append(append(append(dst, "set "...), x.Key.String()...), " with "...)
			dst = append(txReg(dst, x.SReg), ' ')
		}
		if x.Present.Has(1) { // NFTA_CT_DREG
			dst = append(append(append(dst, "load "...), x.Key.String()...), " => "...)
			dst = append(txReg(dst, x.DReg), ' ')
		}
		if x.Present.Has(3) { // NFTA_CT_DIRECTION
			dst = append(append(append(dst, ", dir "...), x.Direction.String()...), ' ')
		}
		return dst, nil
	case "connlimit":
		var x ConnlimitExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		dst = append(txU(append(dst, "count "...), uint64(x.Count)), " flags "...)
		return append(strconv.AppendUint(dst, uint64(x.Flags), 16), ' '), nil
	case "limit":
		var x LimitExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		return x.appendText(dst), nil
	case "quota":
		var x QuotaExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		dst = append(txU(append(dst, "bytes "...), x.Bytes), " consumed "...)
		dst = append(txU(dst, x.Consumed), " flags "...)
		return append(txU(dst, uint64(x.Flags)), ' '), nil
	case "last":
		var x LastExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		if x.Set == 0 {
			return append(dst, "never "...), nil
		}
		return append(txU(dst, x.Msecs), ' '), nil
	case "log":
		var x LogExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		return x.appendText(dst), nil
	case "objref":
		var x ObjrefExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		if x.Present.Has(3) { // NFTA_OBJREF_SET_SREG
			dst = append(txU(append(dst, "sreg "...), uint64(x.SetSReg)), " set "...)
			return append(append(dst, x.SetName...), ' '), nil
		}
		dst = append(txU(append(dst, "type "...), uint64(x.ImmType)), " name "...)
		return append(append(dst, x.ImmName...), ' '), nil
	case "dynset":
		var x DynsetExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		return x.appendText(dst, depth)
	case "nat":
		var x NatExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		return x.appendText(dst), nil
	case "masq":
		var x MasqExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		return appendProtoRange(dst, x.Present.Has(2), x.RegProtoMin, x.Present.Has(3), x.RegProtoMax, x.Present.Has(1), x.Flags), nil
	case "redir":
		var x RedirExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		return appendProtoRange(dst, x.Present.Has(1), x.RegProtoMin, x.Present.Has(2), x.RegProtoMax, x.Present.Has(3), x.Flags), nil
	case "tproxy":
		var x TproxyExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		if x.Present.Has(nftaTproxyFamily) && x.Family != 0 {
			dst = append(append(dst, familyText(x.Family)...), ' ')
		}
		if x.Present.Has(nftaTproxyRegAddr) {
			dst = append(txU(append(dst, "addr reg "...), uint64(x.RegAddr)), ' ')
		}
		if x.Present.Has(nftaTproxyRegPort) {
			dst = append(txU(append(dst, "port reg "...), uint64(x.RegPort)), ' ')
		}
		return dst, nil
	case "synproxy":
		var x SynproxyExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		if x.Present.Has(nftaSynproxyMSS) && x.Present.Has(nftaSynproxyWscale) {
			dst = append(txU(append(dst, "mss "...), uint64(x.MSS)), " wscale "...)
			dst = append(txU(dst, uint64(x.Wscale)), ' ')
		}
		return dst, nil
	case "reject":
		var x RejectExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		dst = append(txU(append(dst, "type "...), uint64(x.Type)), " code "...)
		return append(txU(dst, uint64(x.ICMPCode)), ' '), nil
	case "queue":
		var x QueueExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		return x.appendText(dst), nil
	case "dup":
		var x DupExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		if x.Present.Has(1) { // NFTA_DUP_SREG_ADDR
			dst = append(txU(append(dst, "sreg_addr "...), uint64(x.SRegAddr)), ' ')
		}
		if x.Present.Has(2) { // NFTA_DUP_SREG_DEV
			dst = append(txU(append(dst, "sreg_dev "...), uint64(x.SRegDev)), ' ')
		}
		return dst, nil
	case "fwd":
		var x FwdExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		if x.Present.Has(1) { // NFTA_FWD_SREG_DEV
			dst = append(txU(append(dst, "sreg_dev "...), uint64(x.SRegDev)), ' ')
		}
		if x.Present.Has(nftaFwdSregAddr) {
			dst = append(txU(append(dst, "sreg_addr "...), uint64(x.SRegAddr)), ' ')
		}
		if x.Present.Has(nftaFwdNfproto) {
			dst = append(txU(append(dst, "nfproto "...), uint64(x.NFProto)), ' ')
		}
		return dst, nil
	case "exthdr":
		var x ExthdrExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		return x.appendText(dst), nil
	case "fib":
		var x FibExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		return x.appendText(dst), nil
	case "numgen":
		var x NumgenExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		dst = append(txReg(dst, x.DReg), " = "...)
		dst = append(append(dst, x.Type.String()...), " mod "...)
		dst = append(txU(dst, uint64(x.Modulus)), ' ')
		if x.Offset != 0 {
			dst = append(txU(append(dst, "offset "...), uint64(x.Offset)), ' ')
		}
		return dst, nil
	case "hash":
		var x HashExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		dst = append(txReg(dst, x.DReg), " = "...)
		if x.Type == HashSym {
			dst = append(dst, "symhash() % mod "...)
		} else {
			dst = append(txReg(append(dst, "jhash("...), x.SReg), ", "...)
			dst = append(txU(dst, uint64(x.Len)), ", 0x"...)
			dst = append(strconv.AppendUint(dst, uint64(x.Seed), 16), ") % mod "...)
		}
		dst = append(txU(dst, uint64(x.Modulus)), ' ')
		if x.Offset != 0 {
			dst = append(txU(append(dst, "offset "...), uint64(x.Offset)), ' ')
		}
		return dst, nil
	case "socket":
		var x SocketExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		if x.Present.Has(nftaSocketDreg) {
			dst = append(append(append(dst, "load "...), x.Key.String()...), " => "...)
			dst = append(txReg(dst, x.DReg), ' ')
		}
		return dst, nil
	case "osf":
		var x OsfExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		if x.Present.Has(nftaOsfDreg) {
			dst = append(txU(append(dst, "dreg "...), uint64(x.DReg)), ' ')
		}
		return dst, nil
	case "xfrm":
		var x XfrmExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		if x.Present.Has(nftaXfrmDreg) {
			dst = append(append(append(dst, "load "...), x.Dir.String()...), ' ')
			dst = append(txU(dst, uint64(x.Spnum)), ' ')
			dst = append(append(dst, x.Key.String()...), " => "...)
			dst = append(txReg(dst, x.DReg), ' ')
		}
		return dst, nil
	case "rt":
		var x RtExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		if x.Present.Has(1) { // NFTA_RT_DREG
			dst = append(append(append(dst, "load "...), x.Key.String()...), " => "...)
			dst = append(txReg(dst, x.DReg), ' ')
		}
		return dst, nil
	case "tunnel":
		var x TunnelExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		if x.Present.Has(nftaTunnelDreg) {
			dst = append(append(append(dst, "load "...), x.Key.String()...), " => "...)
			dst = append(txReg(dst, x.DReg), ' ')
		}
		return dst, nil
	case "match", "target":
		var x CompatExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		dst = append(append(append(dst, "name "...), x.Name...), " rev "...)
		return append(txU(dst, uint64(x.Rev)), ' '), nil
	case "inner":
		var x InnerExpr
		if err := x.Decode(e.Data); err != nil {
			return dst, err
		}
		dst = append(txU(append(dst, "type "...), uint64(x.Type)), " hdrsize "...)
		dst = append(txU(dst, uint64(x.HdrSize)), " flags "...)
		dst = append(strconv.AppendUint(dst, uint64(x.Flags), 16), ' ')
		if depth < maxExprDepth {
			s := x.Exprs()
			for s.Next() {
				var err error
				dst = append(dst, "[ "...)
				if dst, err = appendExprRaw(dst, s.Expr(), depth+1); err != nil {
					return dst, err
				}
				dst = append(dst, "] "...)
			}
			if err := s.Err(); err != nil {
				return dst, err
			}
		}
		return dst, nil
	}
	// notrack, and expressions libnftnl 1.2.x does not know: the name only.
	return dst, nil
}

func (x *PayloadExpr) appendText(dst []byte) []byte {
	if x.Present.Has(5) { // NFTA_PAYLOAD_SREG
		dst = append(txReg(append(dst, "write "...), x.SReg), " => "...)
		dst = append(txU(dst, uint64(x.Len)), "b @ "...)
		dst = append(append(dst, x.Base.String()...), " header + "...)
		dst = append(txU(dst, uint64(x.Offset)), " csum_type "...)
		dst = append(txU(dst, uint64(x.CsumType)), " csum_off "...)
		dst = append(txU(dst, uint64(x.CsumOffset)), " csum_flags 0x"...)
		return append(strconv.AppendUint(dst, uint64(x.CsumFlags), 16), ' ')
	}
	dst = append(txU(append(dst, "load "...), uint64(x.Len)), "b @ "...)
	dst = append(append(dst, x.Base.String()...), " header + "...)
	dst = append(txU(dst, uint64(x.Offset)), " => "...)
	return append(txReg(dst, x.DReg), ' ')
}

func (x *BitwiseExpr) appendText(dst []byte) []byte {
	var op string
	switch x.Op {
	case BitwiseMaskXor:
		op = "&"
	case BitwiseLshift:
		op = "<<"
	case BitwiseRshift:
		op = ">>"
	case BitwiseAnd:
		op = "&"
	case BitwiseOr:
		op = "|"
	case BitwiseXor:
		op = "^"
	default:
		return dst // libnftnl prints nothing for an operation it does not know
	}
	dst = append(txReg(dst, x.DReg), " = ( "...)
	dst = append(append(append(txReg(dst, x.SReg), ' '), op...), ' ')
	switch {
	case x.Op == BitwiseMaskXor:
		dst = appendWords(dst, x.Mask.Value, true)
		return appendWords(append(dst, ") ^ "...), x.Xor.Value, true)
	case x.Op >= BitwiseAnd && x.Present.Has(nftaBitwiseSreg2):
		dst = append(txReg(dst, x.SReg2), ' ')
	default:
		dst = appendWords(dst, x.Data.Value, true)
	}
	return append(dst, ") "...)
}

func (x *LimitExpr) appendText(dst []byte) []byte {
	dst = append(txU(append(dst, "rate "...), x.Rate), '/')
	var unit string
	switch x.Unit {
	case 1:
		unit = "second"
	case 60:
		unit = "minute"
	case 60 * 60:
		unit = "hour"
	case 60 * 60 * 24:
		unit = "day"
	case 60 * 60 * 24 * 7:
		unit = "week"
	default:
		unit = "error"
	}
	dst = append(append(dst, unit...), " burst "...)
	dst = append(txU(dst, uint64(x.Burst)), " type "...)
	dst = append(append(dst, x.Type.String()...), " flags 0x"...)
	return append(strconv.AppendUint(dst, uint64(x.Flags), 16), ' ')
}

func (x *LogExpr) appendText(dst []byte) []byte {
	if x.Present.Has(2) { // NFTA_LOG_PREFIX
		dst = append(append(append(dst, "prefix "...), x.Prefix...), ' ')
	}
	if x.Present.Has(1) { // NFTA_LOG_GROUP
		dst = append(txU(append(dst, "group "...), uint64(x.Group)), " snaplen "...)
		dst = append(txU(dst, uint64(x.Snaplen)), " qthreshold "...)
		return append(txU(dst, uint64(x.QThreshold)), ' ')
	}
	if x.Present.Has(5) { // NFTA_LOG_LEVEL
		dst = append(txU(append(dst, "level "...), uint64(x.Level)), ' ')
	}
	if x.Present.Has(6) { // NFTA_LOG_FLAGS
		for _, f := range [...]struct {
			bit  uint32
			name string
		}{{LogTCPSeq, "tcpseq "}, {LogTCPOpt, "tcpopt "}, {LogIPOpt, "ipopt "}, {LogUID, "uid "}, {LogMACDecode, "macdecode "}} {
			if x.Flags&f.bit != 0 {
				dst = append(dst, f.name...)
			}
		}
	}
	return dst
}

func (x *DynsetExpr) appendText(dst []byte, depth int) ([]byte, error) {
	dst = append(append(dst, x.Op.String()...), " reg_key "...)
	dst = append(txU(dst, uint64(x.SRegKey)), " set "...)
	dst = append(append(dst, x.SetName...), ' ')
	if x.Present.Has(5) { // NFTA_DYNSET_SREG_DATA
		dst = append(txU(append(dst, "sreg_data "...), uint64(x.SRegData)), ' ')
	}
	dst = append(txU(append(dst, "timeout "...), x.Timeout), "ms "...)
	if depth >= maxExprDepth {
		return dst, nil
	}
	s := x.Exprs()
	for s.Next() {
		var err error
		dst = append(dst, "expr [ "...)
		if dst, err = appendExprRaw(dst, s.Expr(), depth+1); err != nil {
			return dst, err
		}
		dst = append(dst, "] "...)
	}
	return dst, s.Err()
}

func (x *NatExpr) appendText(dst []byte) []byte {
	dst = append(append(dst, x.Type.String()...), ' ')
	dst = append(append(dst, familyText(x.Family)...), ' ')
	if x.Present.Has(3) {
		dst = append(txU(append(dst, "addr_min reg "...), uint64(x.RegAddrMin)), ' ')
	}
	if x.Present.Has(4) {
		dst = append(txU(append(dst, "addr_max reg "...), uint64(x.RegAddrMax)), ' ')
	}
	if x.Present.Has(5) {
		dst = append(txU(append(dst, "proto_min reg "...), uint64(x.RegProtoMin)), ' ')
	}
	if x.Present.Has(6) {
		dst = append(txU(append(dst, "proto_max reg "...), uint64(x.RegProtoMax)), ' ')
	}
	if x.Present.Has(7) {
		dst = append(strconv.AppendUint(append(dst, "flags 0x"...), uint64(x.Flags), 16), ' ')
	}
	return dst
}

// appendProtoRange is the body of masq and redir.
func appendProtoRange(dst []byte, hasMin bool, min Register, hasMax bool, max Register, hasFlags bool, flags NatFlags) []byte {
	if hasMin {
		dst = append(txU(append(dst, "proto_min reg "...), uint64(min)), ' ')
	}
	if hasMax {
		dst = append(txU(append(dst, "proto_max reg "...), uint64(max)), ' ')
	}
	if hasFlags {
		dst = append(strconv.AppendUint(append(dst, "flags 0x"...), uint64(flags), 16), ' ')
	}
	return dst
}

func (x *QueueExpr) appendText(dst []byte) []byte {
	if x.Present.Has(1) { // NFTA_QUEUE_NUM
		dst = txU(append(dst, "num "...), uint64(x.Num))
		total := x.Num + x.Total - 1 // a u16, as in libnftnl
		if x.Total != 0 && total != x.Num {
			dst = txU(append(dst, '-'), uint64(total))
		}
		dst = append(dst, ' ')
	}
	if x.Present.Has(4) { // NFTA_QUEUE_SREG_QNUM
		dst = append(txU(append(dst, "sreg_qnum "...), uint64(x.SRegQnum)), ' ')
	}
	if x.Present.Has(3) { // NFTA_QUEUE_FLAGS
		if x.Flags&QueueBypass != 0 {
			dst = append(dst, "bypass "...)
		}
		if x.Flags&QueueCPUFanout != 0 {
			dst = append(dst, "fanout "...)
		}
	}
	return dst
}

func (x *ExthdrExpr) appendText(dst []byte) []byte {
	var op string
	switch x.Op {
	case ExthdrIPv6:
		op = " ipv6"
	case ExthdrTCPOpt:
		op = " tcpopt"
	case ExthdrIPv4:
		op = " ipv4"
	}
	switch {
	case x.Present.Has(1): // NFTA_EXTHDR_DREG
		dst = append(append(dst, "load"...), op...)
		dst = append(txU(append(dst, ' '), uint64(x.Len)), "b @ "...)
		dst = append(txU(dst, uint64(x.Type)), " + "...)
		dst = txU(dst, uint64(x.Offset))
		if x.Flags&ExthdrPresent != 0 {
			dst = append(dst, " present"...)
		}
		return append(txReg(append(dst, " => "...), x.DReg), ' ')
	case x.Present.Has(7): // NFTA_EXTHDR_SREG
		dst = append(append(dst, "write"...), op...)
		dst = append(txReg(append(dst, ' '), x.SReg), " => "...)
		dst = append(txU(dst, uint64(x.Len)), "b @ "...)
		dst = append(txU(dst, uint64(x.Type)), " + "...)
		return append(txU(dst, uint64(x.Offset)), ' ')
	case x.Op == ExthdrTCPOpt && x.Len == 0:
		return append(txU(append(dst, "reset tcpopt "...), uint64(x.Type)), ' ')
	}
	dst = append(txU(append(dst, "op "...), uint64(x.Op)), " len "...)
	dst = append(txU(dst, uint64(x.Len)), " type "...)
	dst = append(txU(dst, uint64(x.Type)), " offset "...)
	return append(txU(dst, uint64(x.Offset)), ' ')
}

func (x *FibExpr) appendText(dst []byte) []byte {
	flags := uint32(x.Flags)
	present := flags&uint32(FibPresent) != 0
	flags &^= uint32(FibPresent)
	for i := 0; i < 5 && flags != 0; i++ {
		if flags&(1<<i) != 0 {
			flags &^= 1 << i
			dst = append(dst, fibFlagNames[i]...)
			if flags != 0 {
				dst = append(dst, " . "...)
			} else {
				dst = append(dst, ' ')
			}
		}
	}
	if flags != 0 {
		dst = strconv.AppendUint(append(dst, "unknown 0x"...), uint64(flags), 16)
	}
	dst = append(dst, x.Result.String()...)
	if present {
		dst = append(dst, " present"...)
	}
	return append(txReg(append(dst, " => "...), x.DReg), ' ')
}
