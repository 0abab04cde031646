package msgs

import (
	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// The address and port translating expressions: nat, masq, redir, tproxy,
// and synproxy.

// NatExpr is the "nat" expression: snat or dnat to the addresses and ports
// held in registers.
type NatExpr struct {
	Type        NatType       // NFTA_NAT_TYPE
	Family      nftmon.Family // NFTA_NAT_FAMILY: the address family, ip or ip6
	RegAddrMin  Register      // NFTA_NAT_REG_ADDR_MIN
	RegAddrMax  Register      // NFTA_NAT_REG_ADDR_MAX
	RegProtoMin Register      // NFTA_NAT_REG_PROTO_MIN
	RegProtoMax Register      // NFTA_NAT_REG_PROTO_MAX
	Flags       NatFlags      // NFTA_NAT_FLAGS
	Present     AttrSet       // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *NatExpr) Decode(data []byte) error {
	*e = NatExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_NAT_TYPE:
			e.Type = NatType(s.Uint32())
		case unix.NFTA_NAT_FAMILY:
			e.Family = nftmon.Family(s.Uint32())
		case unix.NFTA_NAT_REG_ADDR_MIN:
			e.RegAddrMin = Register(s.Uint32())
		case unix.NFTA_NAT_REG_ADDR_MAX:
			e.RegAddrMax = Register(s.Uint32())
		case unix.NFTA_NAT_REG_PROTO_MIN:
			e.RegProtoMin = Register(s.Uint32())
		case unix.NFTA_NAT_REG_PROTO_MAX:
			e.RegProtoMax = Register(s.Uint32())
		case unix.NFTA_NAT_FLAGS:
			e.Flags = NatFlags(s.Uint32())
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = NatExpr{}
		return err
	}
	return nil
}

// MasqExpr is the "masq" expression (masquerade). RedirExpr has the same
// shape.
type MasqExpr struct {
	Flags       NatFlags // NFTA_MASQ_FLAGS
	RegProtoMin Register // NFTA_MASQ_REG_PROTO_MIN
	RegProtoMax Register // NFTA_MASQ_REG_PROTO_MAX
	Present     AttrSet  // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *MasqExpr) Decode(data []byte) error {
	*e = MasqExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_MASQ_FLAGS:
			e.Flags = NatFlags(s.Uint32())
		case unix.NFTA_MASQ_REG_PROTO_MIN:
			e.RegProtoMin = Register(s.Uint32())
		case unix.NFTA_MASQ_REG_PROTO_MAX:
			e.RegProtoMax = Register(s.Uint32())
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = MasqExpr{}
		return err
	}
	return nil
}

// RedirExpr is the "redir" expression (redirect to the local host).
type RedirExpr struct {
	RegProtoMin Register // NFTA_REDIR_REG_PROTO_MIN
	RegProtoMax Register // NFTA_REDIR_REG_PROTO_MAX
	Flags       NatFlags // NFTA_REDIR_FLAGS
	Present     AttrSet  // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *RedirExpr) Decode(data []byte) error {
	*e = RedirExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_REDIR_REG_PROTO_MIN:
			e.RegProtoMin = Register(s.Uint32())
		case unix.NFTA_REDIR_REG_PROTO_MAX:
			e.RegProtoMax = Register(s.Uint32())
		case unix.NFTA_REDIR_FLAGS:
			e.Flags = NatFlags(s.Uint32())
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = RedirExpr{}
		return err
	}
	return nil
}

// TproxyExpr is the "tproxy" expression.
type TproxyExpr struct {
	Family  nftmon.Family // NFTA_TPROXY_FAMILY: ip, ip6, or unspec for a port-only inet tproxy
	RegAddr Register      // NFTA_TPROXY_REG_ADDR
	RegPort Register      // NFTA_TPROXY_REG_PORT
	Present AttrSet       // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *TproxyExpr) Decode(data []byte) error {
	*e = TproxyExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case AttrTproxyFamily:
			e.Family = nftmon.Family(s.Uint32())
		case AttrTproxyRegAddr:
			e.RegAddr = Register(s.Uint32())
		case AttrTproxyRegPort:
			e.RegPort = Register(s.Uint32())
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = TproxyExpr{}
		return err
	}
	return nil
}

// SynproxyExpr is the "synproxy" expression.
type SynproxyExpr struct {
	MSS     uint16  // NFTA_SYNPROXY_MSS
	Wscale  uint8   // NFTA_SYNPROXY_WSCALE
	Flags   uint32  // NFTA_SYNPROXY_FLAGS: SynproxyMSS, SynproxyWscale, SynproxySackOK, SynproxyTstamp
	Present AttrSet // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA (or of an
// NFT_OBJECT_SYNPROXY object's NFTA_OBJ_DATA), replacing all of e. On error e is
// left zero.
func (e *SynproxyExpr) Decode(data []byte) error {
	*e = SynproxyExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case AttrSynproxyMSS:
			e.MSS = s.Uint16()
		case AttrSynproxyWscale:
			e.Wscale = s.Uint8()
		case AttrSynproxyFlags:
			e.Flags = s.Uint32()
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = SynproxyExpr{}
		return err
	}
	return nil
}
