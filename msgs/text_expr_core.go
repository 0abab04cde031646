package msgs

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// The libnftnl text of the core expressions: payload, cmp, range, meta,
// immediate, bitwise, byteorder.

func (x *PayloadExpr) appendText(dst []byte) []byte {
	if x.Present.Has(unix.NFTA_PAYLOAD_SREG) {
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

func (x *CmpExpr) appendText(dst []byte) []byte {
	dst = append(append(dst, x.Op.String()...), ' ')
	dst = append(txReg(dst, x.SReg), ' ')
	return appendWords(dst, x.Data.Value, true)
}

func (x *RangeExpr) appendText(dst []byte) []byte {
	dst = append(append(dst, x.Op.String()...), ' ')
	dst = append(txReg(dst, x.SReg), ' ')
	dst = appendWords(dst, x.From.Value, true)
	return appendWords(dst, x.To.Value, true)
}

func (x *MetaExpr) appendText(dst []byte) []byte {
	if x.Present.Has(unix.NFTA_META_SREG) {
		dst = append(append(append(dst, "set "...), x.Key.String()...), " with "...)
		return append(txReg(dst, x.SReg), ' ')
	}
	dst = append(append(append(dst, "load "...), x.Key.String()...), " => "...)
	return append(txReg(dst, x.DReg), ' ')
}

func (x *ImmediateExpr) appendText(dst []byte) []byte {
	dst = append(txReg(dst, x.DReg), ' ')
	return appendData(dst, &x.Data, true)
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
	case x.Op >= BitwiseAnd && x.Present.Has(AttrBitwiseSreg2):
		dst = append(txReg(dst, x.SReg2), ' ')
	default:
		dst = appendWords(dst, x.Data.Value, true)
	}
	return append(dst, ") "...)
}

func (x *ByteorderExpr) appendText(dst []byte) []byte {
	dst = append(txReg(dst, x.DReg), " = "...)
	dst = append(append(dst, x.Op.String()...), '(')
	dst = append(txReg(dst, x.SReg), ", "...)
	dst = append(txU(dst, uint64(x.Size)), ", "...)
	return append(txU(dst, uint64(x.Len)), ") "...)
}
