package msgs

import (
	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// The expressions that look into headers, routes, sockets and tunnels:
// exthdr, fib, socket, osf, xfrm, rt, tunnel, inner.

// ExthdrExpr is the "exthdr" expression: load (or with SReg, write) bytes of
// an IPv6 extension header, TCP option, IPv4 option or SCTP chunk; with
// ExthdrPresent only whether it exists. A TCP-option exthdr with neither
// register and Len 0 resets (removes) the option.
type ExthdrExpr struct {
	DReg    Register // NFTA_EXTHDR_DREG (load)
	Type    uint8    // NFTA_EXTHDR_TYPE: the header, option or chunk type
	Offset  uint32   // NFTA_EXTHDR_OFFSET
	Len     uint32   // NFTA_EXTHDR_LEN
	Flags   uint32   // NFTA_EXTHDR_FLAGS: ExthdrPresent
	Op      ExthdrOp // NFTA_EXTHDR_OP
	SReg    Register // NFTA_EXTHDR_SREG (write)
	Present AttrSet  // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *ExthdrExpr) Decode(data []byte) error {
	*e = ExthdrExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_EXTHDR_DREG:
			e.DReg = Register(s.Uint32())
		case unix.NFTA_EXTHDR_TYPE:
			e.Type = s.Uint8()
		case unix.NFTA_EXTHDR_OFFSET:
			e.Offset = s.Uint32()
		case unix.NFTA_EXTHDR_LEN:
			e.Len = s.Uint32()
		case unix.NFTA_EXTHDR_FLAGS:
			e.Flags = s.Uint32()
		case unix.NFTA_EXTHDR_OP:
			e.Op = ExthdrOp(s.Uint32())
		case unix.NFTA_EXTHDR_SREG:
			e.SReg = Register(s.Uint32())
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = ExthdrExpr{}
		return err
	}
	return nil
}

// FibExpr is the "fib" expression: a routing lookup.
type FibExpr struct {
	DReg    Register  // NFTA_FIB_DREG
	Result  FibResult // NFTA_FIB_RESULT
	Flags   FibFlags  // NFTA_FIB_FLAGS
	Present AttrSet   // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *FibExpr) Decode(data []byte) error {
	*e = FibExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_FIB_DREG:
			e.DReg = Register(s.Uint32())
		case unix.NFTA_FIB_RESULT:
			e.Result = FibResult(s.Uint32())
		case unix.NFTA_FIB_FLAGS:
			e.Flags = FibFlags(s.Uint32())
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = FibExpr{}
		return err
	}
	return nil
}

// SocketExpr is the "socket" expression: load a property of the packet's
// socket.
type SocketExpr struct {
	Key     SocketKey // NFTA_SOCKET_KEY
	DReg    Register  // NFTA_SOCKET_DREG
	Level   uint32    // NFTA_SOCKET_LEVEL: the cgroupv2 ancestor level
	Present AttrSet   // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *SocketExpr) Decode(data []byte) error {
	*e = SocketExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case AttrSocketKey:
			e.Key = SocketKey(s.Uint32())
		case AttrSocketDreg:
			e.DReg = Register(s.Uint32())
		case AttrSocketLevel:
			e.Level = s.Uint32()
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = SocketExpr{}
		return err
	}
	return nil
}

// OsfExpr is the "osf" expression: passive OS fingerprinting.
type OsfExpr struct {
	DReg    Register // NFTA_OSF_DREG
	TTL     uint8    // NFTA_OSF_TTL: 0 true, 1 loose, 2 skip
	Flags   uint32   // NFTA_OSF_FLAGS: OsfVersion
	Present AttrSet  // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *OsfExpr) Decode(data []byte) error {
	*e = OsfExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case AttrOsfDreg:
			e.DReg = Register(s.Uint32())
		case AttrOsfTTL:
			e.TTL = s.Uint8()
		case AttrOsfFlags:
			e.Flags = s.Uint32()
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = OsfExpr{}
		return err
	}
	return nil
}

// XfrmExpr is the "xfrm" expression: load a property of the packet's IPsec
// state (nft's "ipsec").
type XfrmExpr struct {
	DReg    Register // NFTA_XFRM_DREG
	Key     XfrmKey  // NFTA_XFRM_KEY
	Dir     XfrmDir  // NFTA_XFRM_DIR
	Spnum   uint32   // NFTA_XFRM_SPNUM
	Present AttrSet  // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *XfrmExpr) Decode(data []byte) error {
	*e = XfrmExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case AttrXfrmDreg:
			e.DReg = Register(s.Uint32())
		case AttrXfrmKey:
			e.Key = XfrmKey(s.Uint32())
		case AttrXfrmDir:
			e.Dir = XfrmDir(s.Uint8())
		case AttrXfrmSpnum:
			e.Spnum = s.Uint32()
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = XfrmExpr{}
		return err
	}
	return nil
}

// RtExpr is the "rt" expression: load routing information.
type RtExpr struct {
	DReg    Register // NFTA_RT_DREG
	Key     RtKey    // NFTA_RT_KEY
	Present AttrSet  // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *RtExpr) Decode(data []byte) error {
	*e = RtExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_RT_DREG:
			e.DReg = Register(s.Uint32())
		case unix.NFTA_RT_KEY:
			e.Key = RtKey(s.Uint32())
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = RtExpr{}
		return err
	}
	return nil
}

// TunnelExpr is the "tunnel" expression: load tunnel metadata.
type TunnelExpr struct {
	Key     TunnelKey // NFTA_TUNNEL_KEY
	DReg    Register  // NFTA_TUNNEL_DREG
	Mode    uint32    // NFTA_TUNNEL_MODE: 0 none, 1 rx, 2 tx
	Present AttrSet   // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *TunnelExpr) Decode(data []byte) error {
	*e = TunnelExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case AttrTunnelKey:
			e.Key = TunnelKey(s.Uint32())
		case AttrTunnelDreg:
			e.DReg = Register(s.Uint32())
		case AttrTunnelMode:
			e.Mode = s.Uint32()
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = TunnelExpr{}
		return err
	}
	return nil
}

// InnerExpr is the "inner" expression (Linux 6.2): match the inner headers
// of a tunnelled packet with a nested payload or meta expression.
type InnerExpr struct {
	Num     uint32  // NFTA_INNER_NUM
	Type    uint32  // NFTA_INNER_TYPE: the tunnel type (NFT_INNER_UNSPEC, NFT_INNER_VXLAN, NFT_INNER_GENEVE)
	Flags   uint32  // NFTA_INNER_FLAGS: NFT_INNER_HDRSIZE 1, NFT_INNER_LL 2, NFT_INNER_NH 4, NFT_INNER_TH 8
	HdrSize uint32  // NFTA_INNER_HDRSIZE
	Expr    []byte  // NFTA_INNER_EXPR: the nested expression nest
	Present AttrSet // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *InnerExpr) Decode(data []byte) error {
	*e = InnerExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case AttrInnerNum:
			e.Num = s.Uint32()
		case AttrInnerType:
			e.Type = s.Uint32()
		case AttrInnerFlags:
			e.Flags = s.Uint32()
		case AttrInnerHdrsize:
			e.HdrSize = s.Uint32()
		case AttrInnerExpr:
			e.Expr = s.Bytes()
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = InnerExpr{}
		return err
	}
	return nil
}

// Exprs returns a scanner over the inner expression (one, or none).
func (e *InnerExpr) Exprs() ExprScanner { return ExprScanner{one: e.Expr} }
