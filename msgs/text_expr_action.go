package msgs

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// The libnftnl text of the action expressions: log, reject, queue, dup,
// fwd, nat, masq, redir, tproxy, synproxy.

func (x *LogExpr) appendText(dst []byte) []byte {
	if x.Present.Has(unix.NFTA_LOG_PREFIX) {
		dst = append(append(append(dst, "prefix "...), x.Prefix...), ' ')
	}
	if x.Present.Has(unix.NFTA_LOG_GROUP) {
		dst = append(txU(append(dst, "group "...), uint64(x.Group)), " snaplen "...)
		dst = append(txU(dst, uint64(x.Snaplen)), " qthreshold "...)
		return append(txU(dst, uint64(x.QThreshold)), ' ')
	}
	if x.Present.Has(unix.NFTA_LOG_LEVEL) {
		dst = append(txU(append(dst, "level "...), uint64(x.Level)), ' ')
	}
	if x.Present.Has(unix.NFTA_LOG_FLAGS) {
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

func (x *RejectExpr) appendText(dst []byte) []byte {
	dst = append(txU(append(dst, "type "...), uint64(x.Type)), " code "...)
	return append(txU(dst, uint64(x.ICMPCode)), ' ')
}

func (x *QueueExpr) appendText(dst []byte) []byte {
	if x.Present.Has(unix.NFTA_QUEUE_NUM) {
		dst = txU(append(dst, "num "...), uint64(x.Num))
		total := x.Num + x.Total - 1 // a u16, as in libnftnl
		if x.Total != 0 && total != x.Num {
			dst = txU(append(dst, '-'), uint64(total))
		}
		dst = append(dst, ' ')
	}
	if x.Present.Has(unix.NFTA_QUEUE_SREG_QNUM) {
		dst = append(txU(append(dst, "sreg_qnum "...), uint64(x.SRegQnum)), ' ')
	}
	if x.Present.Has(unix.NFTA_QUEUE_FLAGS) {
		if x.Flags&QueueBypass != 0 {
			dst = append(dst, "bypass "...)
		}
		if x.Flags&QueueCPUFanout != 0 {
			dst = append(dst, "fanout "...)
		}
	}
	return dst
}

func (x *DupExpr) appendText(dst []byte) []byte {
	if x.Present.Has(unix.NFTA_DUP_SREG_ADDR) {
		dst = append(txU(append(dst, "sreg_addr "...), uint64(x.SRegAddr)), ' ')
	}
	if x.Present.Has(unix.NFTA_DUP_SREG_DEV) {
		dst = append(txU(append(dst, "sreg_dev "...), uint64(x.SRegDev)), ' ')
	}
	return dst
}

func (x *FwdExpr) appendText(dst []byte) []byte {
	if x.Present.Has(unix.NFTA_FWD_SREG_DEV) {
		dst = append(txU(append(dst, "sreg_dev "...), uint64(x.SRegDev)), ' ')
	}
	if x.Present.Has(AttrFwdSregAddr) {
		dst = append(txU(append(dst, "sreg_addr "...), uint64(x.SRegAddr)), ' ')
	}
	if x.Present.Has(AttrFwdNfproto) {
		dst = append(txU(append(dst, "nfproto "...), uint64(x.NFProto)), ' ')
	}
	return dst
}

func (x *NatExpr) appendText(dst []byte) []byte {
	dst = append(append(dst, x.Type.String()...), ' ')
	dst = append(append(dst, familyText(x.Family)...), ' ')
	if x.Present.Has(unix.NFTA_NAT_REG_ADDR_MIN) {
		dst = append(txU(append(dst, "addr_min reg "...), uint64(x.RegAddrMin)), ' ')
	}
	if x.Present.Has(unix.NFTA_NAT_REG_ADDR_MAX) {
		dst = append(txU(append(dst, "addr_max reg "...), uint64(x.RegAddrMax)), ' ')
	}
	if x.Present.Has(unix.NFTA_NAT_REG_PROTO_MIN) {
		dst = append(txU(append(dst, "proto_min reg "...), uint64(x.RegProtoMin)), ' ')
	}
	if x.Present.Has(unix.NFTA_NAT_REG_PROTO_MAX) {
		dst = append(txU(append(dst, "proto_max reg "...), uint64(x.RegProtoMax)), ' ')
	}
	if x.Present.Has(unix.NFTA_NAT_FLAGS) {
		dst = append(strconv.AppendUint(append(dst, "flags 0x"...), uint64(x.Flags), 16), ' ')
	}
	return dst
}

func (x *MasqExpr) appendText(dst []byte) []byte {
	return appendProtoRange(dst,
		x.Present.Has(unix.NFTA_MASQ_REG_PROTO_MIN), x.RegProtoMin,
		x.Present.Has(unix.NFTA_MASQ_REG_PROTO_MAX), x.RegProtoMax,
		x.Present.Has(unix.NFTA_MASQ_FLAGS), x.Flags)
}

func (x *RedirExpr) appendText(dst []byte) []byte {
	return appendProtoRange(dst,
		x.Present.Has(unix.NFTA_REDIR_REG_PROTO_MIN), x.RegProtoMin,
		x.Present.Has(unix.NFTA_REDIR_REG_PROTO_MAX), x.RegProtoMax,
		x.Present.Has(unix.NFTA_REDIR_FLAGS), x.Flags)
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

func (x *TproxyExpr) appendText(dst []byte) []byte {
	if x.Present.Has(AttrTproxyFamily) && x.Family != 0 {
		dst = append(append(dst, familyText(x.Family)...), ' ')
	}
	if x.Present.Has(AttrTproxyRegAddr) {
		dst = append(txU(append(dst, "addr reg "...), uint64(x.RegAddr)), ' ')
	}
	if x.Present.Has(AttrTproxyRegPort) {
		dst = append(txU(append(dst, "port reg "...), uint64(x.RegPort)), ' ')
	}
	return dst
}

func (x *SynproxyExpr) appendText(dst []byte) []byte {
	if x.Present.Has(AttrSynproxyMSS) && x.Present.Has(AttrSynproxyWscale) {
		dst = append(txU(append(dst, "mss "...), uint64(x.MSS)), " wscale "...)
		dst = append(txU(dst, uint64(x.Wscale)), ' ')
	}
	return dst
}
