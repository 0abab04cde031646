package nftext

import (
	"strconv"

	"github.com/nftmon/nftmon/msgs"
)

// The stateful statements a set declares for its elements and each element
// carries (`counter packets 0 bytes 0`, `quota 100 bytes`, `limit rate
// 10/second`, `ct count 5`), printed as src/statement.c prints them.

// AppendStatefulExpr appends the nft statement of one stateful expression
// (counter, quota, limit, connlimit) as nft prints it in a set element or,
// with stateless, in a set declaration (`counter` without its numbers,
// `quota` without `used`). An expression of another kind prints as
// libnftnl's text in brackets, so that nothing is lost.
func AppendStatefulExpr(dst []byte, e msgs.Expr, stateless bool) []byte {
	switch string(e.Name) {
	case "counter":
		var c msgs.CounterExpr
		if c.Decode(e.Data) != nil {
			break
		}
		dst = append(dst, "counter"...)
		if !stateless {
			dst = strconv.AppendUint(append(dst, " packets "...), c.Packets, 10)
			dst = strconv.AppendUint(append(dst, " bytes "...), c.Bytes, 10)
		}
		return dst
	case "quota":
		var q msgs.QuotaExpr
		if q.Decode(e.Data) != nil {
			break
		}
		return appendQuota(append(dst, "quota "...), &q, stateless)
	case "limit":
		var l msgs.LimitExpr
		if l.Decode(e.Data) != nil {
			break
		}
		return appendLimit(append(dst, "limit "...), &l)
	case "connlimit":
		var c msgs.ConnlimitExpr
		if c.Decode(e.Data) != nil {
			break
		}
		dst = append(dst, "ct count "...)
		if c.Flags&msgs.ConnlimitInv != 0 {
			dst = append(dst, "over "...)
		}
		return strconv.AppendUint(dst, uint64(c.Count), 10)
	}
	return appendRawExpr(dst, e)
}

// appendQuota appends a quota's body as nft prints it: `over 100 mbytes
// used 10 kbytes`.
func appendQuota(dst []byte, q *msgs.QuotaExpr, stateless bool) []byte {
	if q.Flags&msgs.QuotaInv != 0 {
		dst = append(dst, "over "...)
	}
	dst = AppendBytes(dst, q.Bytes)
	if !stateless && q.Consumed != 0 {
		dst = AppendBytes(append(dst, " used "...), q.Consumed)
	}
	return dst
}

// appendLimit appends a limit's body as nft prints it: `rate 10/second`,
// `rate over 1 mbytes/minute burst 10 kbytes`.
func appendLimit(dst []byte, l *msgs.LimitExpr) []byte {
	dst = append(dst, "rate "...)
	if l.Flags&msgs.LimitInv != 0 {
		dst = append(dst, "over "...)
	}
	if l.Type == msgs.LimitBytes {
		dst = AppendBytes(dst, l.Rate)
		dst = append(append(dst, '/'), limitUnit(l.Unit)...)
		if l.Burst != 0 {
			dst = AppendBytes(append(dst, " burst "...), uint64(l.Burst))
		}
		return dst
	}
	dst = strconv.AppendUint(dst, l.Rate, 10)
	dst = append(append(dst, '/'), limitUnit(l.Unit)...)
	if l.Burst != 0 && l.Burst != defaultBurst {
		dst = strconv.AppendUint(append(dst, " burst "...), uint64(l.Burst), 10)
		dst = append(dst, " packets"...)
	}
	return dst
}

// defaultBurst is the burst nft gives a packet limit that names none, and
// leaves out when printing.
const defaultBurst = 5

// limitUnit names a limit's unit in seconds as nft does (get_unit).
func limitUnit(u uint64) string {
	switch u {
	case 1:
		return "second"
	case 60:
		return "minute"
	case 60 * 60:
		return "hour"
	case 60 * 60 * 24:
		return "day"
	case 60 * 60 * 24 * 7:
		return "week"
	}
	return "error"
}

// AppendBytes appends a byte count in the largest of bytes, kbytes and
// mbytes that divides it, as nft prints quotas and byte rates (get_rate):
// `100 mbytes`, `1500 bytes`.
func AppendBytes(dst []byte, n uint64) []byte {
	units := [...]string{"bytes", "kbytes", "mbytes"}
	i := 0
	for n != 0 && i < len(units)-1 && n%1024 == 0 {
		n /= 1024
		i++
	}
	return append(append(strconv.AppendUint(dst, n, 10), ' '), units[i]...)
}
