package msgs

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// The libnftnl text of the expressions that look into conntrack, headers,
// routes, sockets and tunnels, of the number generators, and of x_tables
// compatibility: ct, exthdr, fib, socket, osf, xfrm, rt, tunnel, inner,
// numgen, hash, match, target.

func (x *CtExpr) appendText(dst []byte) []byte {
	if x.Present.Has(unix.NFTA_CT_SREG) {
		dst = append(append(append(dst, "set "...), x.Key.String()...), " with "...)
		dst = append(txReg(dst, x.SReg), ' ')
	}
	if x.Present.Has(unix.NFTA_CT_DREG) {
		dst = append(append(append(dst, "load "...), x.Key.String()...), " => "...)
		dst = append(txReg(dst, x.DReg), ' ')
	}
	if x.Present.Has(unix.NFTA_CT_DIRECTION) {
		dst = append(append(append(dst, ", dir "...), x.Direction.String()...), ' ')
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
	case x.Present.Has(unix.NFTA_EXTHDR_DREG):
		dst = append(append(dst, "load"...), op...)
		dst = append(txU(append(dst, ' '), uint64(x.Len)), "b @ "...)
		dst = append(txU(dst, uint64(x.Type)), " + "...)
		dst = txU(dst, uint64(x.Offset))
		if x.Flags&ExthdrPresent != 0 {
			dst = append(dst, " present"...)
		}
		return append(txReg(append(dst, " => "...), x.DReg), ' ')
	case x.Present.Has(unix.NFTA_EXTHDR_SREG):
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
	for i := 0; i < len(fibFlagNames) && flags != 0; i++ {
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

func (x *SocketExpr) appendText(dst []byte) []byte {
	if x.Present.Has(AttrSocketDreg) {
		dst = append(append(append(dst, "load "...), x.Key.String()...), " => "...)
		dst = append(txReg(dst, x.DReg), ' ')
	}
	return dst
}

func (x *OsfExpr) appendText(dst []byte) []byte {
	if x.Present.Has(AttrOsfDreg) {
		dst = append(txU(append(dst, "dreg "...), uint64(x.DReg)), ' ')
	}
	return dst
}

func (x *XfrmExpr) appendText(dst []byte) []byte {
	if x.Present.Has(AttrXfrmDreg) {
		dst = append(append(append(dst, "load "...), x.Dir.String()...), ' ')
		dst = append(txU(dst, uint64(x.Spnum)), ' ')
		dst = append(append(dst, x.Key.String()...), " => "...)
		dst = append(txReg(dst, x.DReg), ' ')
	}
	return dst
}

func (x *RtExpr) appendText(dst []byte) []byte {
	if x.Present.Has(unix.NFTA_RT_DREG) {
		dst = append(append(append(dst, "load "...), x.Key.String()...), " => "...)
		dst = append(txReg(dst, x.DReg), ' ')
	}
	return dst
}

func (x *TunnelExpr) appendText(dst []byte) []byte {
	if x.Present.Has(AttrTunnelDreg) {
		dst = append(append(append(dst, "load "...), x.Key.String()...), " => "...)
		dst = append(txReg(dst, x.DReg), ' ')
	}
	return dst
}

// appendText decodes the nested expression with d, after the last read of x.
func (x *InnerExpr) appendText(dst []byte, d *ExprDecoder, depth int) ([]byte, error) {
	dst = append(txU(append(dst, "type "...), uint64(x.Type)), " hdrsize "...)
	dst = append(txU(dst, uint64(x.HdrSize)), " flags "...)
	dst = append(strconv.AppendUint(dst, uint64(x.Flags), 16), ' ')
	return appendNestedText(dst, d, x.Exprs(), depth, "[ ")
}

func (x *NumgenExpr) appendText(dst []byte) []byte {
	dst = append(txReg(dst, x.DReg), " = "...)
	dst = append(append(dst, x.Type.String()...), " mod "...)
	dst = append(txU(dst, uint64(x.Modulus)), ' ')
	if x.Offset != 0 {
		dst = append(txU(append(dst, "offset "...), uint64(x.Offset)), ' ')
	}
	return dst
}

func (x *HashExpr) appendText(dst []byte) []byte {
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
	return dst
}

func (x *CompatExpr) appendText(dst []byte) []byte {
	dst = append(append(append(dst, "name "...), x.Name...), " rev "...)
	return append(txU(dst, uint64(x.Rev)), ' ')
}
