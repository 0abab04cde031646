package msgs

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// The libnftnl text of the set and stateful expressions: lookup, dynset,
// objref, counter, limit, quota, connlimit, last.

func (x *LookupExpr) appendText(dst []byte) []byte {
	dst = append(txReg(dst, x.SReg), " set "...)
	dst = append(append(dst, x.Set...), ' ')
	if x.Present.Has(unix.NFTA_LOOKUP_DREG) {
		dst = append(txU(append(dst, "dreg "...), uint64(x.DReg)), ' ')
	}
	return append(strconv.AppendUint(append(dst, "0x"...), uint64(x.Flags), 16), ' ')
}

// appendText decodes the nested expressions with d, after the last read of x.
func (x *DynsetExpr) appendText(dst []byte, d *ExprDecoder, depth int) ([]byte, error) {
	dst = append(append(dst, x.Op.String()...), " reg_key "...)
	dst = append(txU(dst, uint64(x.SRegKey)), " set "...)
	dst = append(append(dst, x.SetName...), ' ')
	if x.Present.Has(unix.NFTA_DYNSET_SREG_DATA) {
		dst = append(txU(append(dst, "sreg_data "...), uint64(x.SRegData)), ' ')
	}
	dst = append(txU(append(dst, "timeout "...), x.Timeout), "ms "...)
	return appendNestedText(dst, d, x.Exprs(), depth, "expr [ ")
}

func (x *ObjrefExpr) appendText(dst []byte) []byte {
	if x.Present.Has(unix.NFTA_OBJREF_SET_SREG) {
		dst = append(txU(append(dst, "sreg "...), uint64(x.SetSReg)), " set "...)
		return append(append(dst, x.SetName...), ' ')
	}
	dst = append(txU(append(dst, "type "...), uint64(x.ImmType)), " name "...)
	return append(append(dst, x.ImmName...), ' ')
}

func (x *CounterExpr) appendText(dst []byte) []byte {
	dst = append(txU(append(dst, "pkts "...), x.Packets), " bytes "...)
	return append(txU(dst, x.Bytes), ' ')
}

// The units of a limit's rate, in seconds (NFTA_LIMIT_UNIT), as nft sets them.
const (
	limitSecond = 1
	limitMinute = 60 * limitSecond
	limitHour   = 60 * limitMinute
	limitDay    = 24 * limitHour
	limitWeek   = 7 * limitDay
)

func (x *LimitExpr) appendText(dst []byte) []byte {
	dst = append(txU(append(dst, "rate "...), x.Rate), '/')
	var unit string
	switch x.Unit {
	case limitSecond:
		unit = "second"
	case limitMinute:
		unit = "minute"
	case limitHour:
		unit = "hour"
	case limitDay:
		unit = "day"
	case limitWeek:
		unit = "week"
	default:
		unit = "error"
	}
	dst = append(append(dst, unit...), " burst "...)
	dst = append(txU(dst, uint64(x.Burst)), " type "...)
	dst = append(append(dst, x.Type.String()...), " flags 0x"...)
	return append(strconv.AppendUint(dst, uint64(x.Flags), 16), ' ')
}

func (x *QuotaExpr) appendText(dst []byte) []byte {
	dst = append(txU(append(dst, "bytes "...), x.Bytes), " consumed "...)
	dst = append(txU(dst, x.Consumed), " flags "...)
	return append(txU(dst, uint64(x.Flags)), ' ')
}

func (x *ConnlimitExpr) appendText(dst []byte) []byte {
	dst = append(txU(append(dst, "count "...), uint64(x.Count)), " flags "...)
	return append(strconv.AppendUint(dst, uint64(x.Flags), 16), ' ')
}

func (x *LastExpr) appendText(dst []byte) []byte {
	if x.Set == 0 {
		return append(dst, "never "...)
	}
	return append(txU(dst, x.Msecs), ' ')
}
