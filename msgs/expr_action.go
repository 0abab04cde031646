package msgs

import (
	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// The expressions that act on the packet: reject, queue, dup, fwd, log.

// RejectExpr is the "reject" expression.
type RejectExpr struct {
	Type     RejectType // NFTA_REJECT_TYPE
	ICMPCode uint8      // NFTA_REJECT_ICMP_CODE: an ICMP, ICMPv6 or NFT_REJECT_ICMPX_* code
	Present  AttrSet    // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *RejectExpr) Decode(data []byte) error {
	*e = RejectExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_REJECT_TYPE:
			e.Type = RejectType(s.Uint32())
		case unix.NFTA_REJECT_ICMP_CODE:
			e.ICMPCode = s.Uint8()
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = RejectExpr{}
		return err
	}
	return nil
}

// QueueExpr is the "queue" expression (nfqueue).
type QueueExpr struct {
	Num      uint16   // NFTA_QUEUE_NUM: the first queue
	Total    uint16   // NFTA_QUEUE_TOTAL: the number of queues
	Flags    uint16   // NFTA_QUEUE_FLAGS: QueueBypass, QueueCPUFanout
	SRegQnum Register // NFTA_QUEUE_SREG_QNUM: the queue number from a register
	Present  AttrSet  // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *QueueExpr) Decode(data []byte) error {
	*e = QueueExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_QUEUE_NUM:
			e.Num = s.Uint16()
		case unix.NFTA_QUEUE_TOTAL:
			e.Total = s.Uint16()
		case unix.NFTA_QUEUE_FLAGS:
			e.Flags = s.Uint16()
		case unix.NFTA_QUEUE_SREG_QNUM:
			e.SRegQnum = Register(s.Uint32())
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = QueueExpr{}
		return err
	}
	return nil
}

// DupExpr is the "dup" expression: duplicate the packet to an address
// and/or device held in registers.
type DupExpr struct {
	SRegAddr Register // NFTA_DUP_SREG_ADDR
	SRegDev  Register // NFTA_DUP_SREG_DEV
	Present  AttrSet  // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *DupExpr) Decode(data []byte) error {
	*e = DupExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_DUP_SREG_ADDR:
			e.SRegAddr = Register(s.Uint32())
		case unix.NFTA_DUP_SREG_DEV:
			e.SRegDev = Register(s.Uint32())
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = DupExpr{}
		return err
	}
	return nil
}

// FwdExpr is the "fwd" expression (netdev): forward to a device, optionally
// to a next-hop address.
type FwdExpr struct {
	SRegDev  Register      // NFTA_FWD_SREG_DEV
	SRegAddr Register      // NFTA_FWD_SREG_ADDR
	NFProto  nftmon.Family // NFTA_FWD_NFPROTO
	Present  AttrSet       // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *FwdExpr) Decode(data []byte) error {
	*e = FwdExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_FWD_SREG_DEV:
			e.SRegDev = Register(s.Uint32())
		case AttrFwdSregAddr:
			e.SRegAddr = Register(s.Uint32())
		case AttrFwdNfproto:
			e.NFProto = nftmon.Family(s.Uint32())
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = FwdExpr{}
		return err
	}
	return nil
}

// LogExpr is the "log" expression.
type LogExpr struct {
	Group      uint16  // NFTA_LOG_GROUP (nflog)
	Prefix     []byte  // NFTA_LOG_PREFIX, without its NUL
	Snaplen    uint32  // NFTA_LOG_SNAPLEN (nflog)
	QThreshold uint16  // NFTA_LOG_QTHRESHOLD (nflog)
	Level      uint32  // NFTA_LOG_LEVEL: syslog level, 8 is audit
	Flags      uint32  // NFTA_LOG_FLAGS: LogTCPSeq, LogTCPOpt, LogIPOpt, LogUID, LogMACDecode
	Present    AttrSet // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *LogExpr) Decode(data []byte) error {
	*e = LogExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_LOG_GROUP:
			e.Group = s.Uint16()
		case unix.NFTA_LOG_PREFIX:
			e.Prefix = s.StringBytes()
		case unix.NFTA_LOG_SNAPLEN:
			e.Snaplen = s.Uint32()
		case unix.NFTA_LOG_QTHRESHOLD:
			e.QThreshold = s.Uint16()
		case unix.NFTA_LOG_LEVEL:
			e.Level = s.Uint32()
		case unix.NFTA_LOG_FLAGS:
			e.Flags = s.Uint32()
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = LogExpr{}
		return err
	}
	return nil
}
