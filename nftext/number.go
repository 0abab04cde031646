package nftext

import (
	"encoding/binary"
	"strconv"
	"time"

	"github.com/nftmon/nftmon/msgs"
)

// The printers of the base formats: numbers of any length in either byte
// order, addresses, strings, times. Each appends and allocates nothing when
// dst has room.

const hexDigits = "0123456789abcdef"

// loadUint returns data (at most 8 bytes) as a number in byte order order
// (ByteOrderInvalid is big endian, as nft imports a value of no order).
func loadUint(data []byte, order ByteOrder) uint64 {
	var v uint64
	if order == HostEndian {
		for i := len(data) - 1; i >= 0; i-- {
			v = v<<8 | uint64(data[i])
		}
		return v
	}
	for _, c := range data {
		v = v<<8 | uint64(c)
	}
	return v
}

// maxValueLen is the longest value nft handles (NFT_DATA_VALUE_MAXLEN).
const maxValueLen = 64

// bigEndianCopy copies data into buf in big-endian order and returns it.
func bigEndianCopy(buf *[maxValueLen]byte, data []byte, order ByteOrder) []byte {
	b := buf[:len(data)]
	if order == HostEndian {
		for i, c := range data {
			b[len(data)-1-i] = c
		}
	} else {
		copy(b, data)
	}
	return b
}

// appendDecimal appends data, a number in byte order order of any length
// up to maxValueLen, in decimal ("%Zu").
func appendDecimal(dst []byte, data []byte, order ByteOrder) []byte {
	if len(data) <= 8 {
		return strconv.AppendUint(dst, loadUint(data, order), 10)
	}
	if len(data) > maxValueLen {
		return appendHexValue(dst, data)
	}
	var buf [maxValueLen]byte
	num := bigEndianCopy(&buf, data, order)
	// Long division by 10, digits produced lowest first.
	var digits [maxValueLen * 25 / 10]byte
	n := 0
	for {
		zero := true
		rem := 0
		for i, c := range num {
			cur := rem<<8 | int(c)
			num[i] = byte(cur / 10)
			rem = cur % 10
			if num[i] != 0 {
				zero = false
			}
		}
		digits[n] = byte('0' + rem)
		n++
		if zero {
			break
		}
	}
	for i := n - 1; i >= 0; i-- {
		dst = append(dst, digits[i])
	}
	return dst
}

// appendHexNumber appends data, a number in byte order order, as 0x and
// at least width hex digits, no leading zeros beyond them ("0x%.NZx").
func appendHexNumber(dst []byte, data []byte, order ByteOrder, width int) []byte {
	if len(data) > maxValueLen {
		return appendHexValue(dst, data)
	}
	var buf [maxValueLen]byte
	num := bigEndianCopy(&buf, data, order)
	dst = append(dst, "0x"...)
	// Skip leading zero nibbles down to the width.
	nibbles := 2 * len(num)
	start := 0
	for start < nibbles-1 && start < nibbles-width && nibble(num, start) == 0 {
		start++
	}
	for i := nibbles; i < width; i++ {
		dst = append(dst, '0')
	}
	for i := start; i < nibbles; i++ {
		dst = append(dst, hexDigits[nibble(num, i)])
	}
	return dst
}

// nibble returns the i-th hex digit of num, most significant first.
func nibble(num []byte, i int) byte {
	c := num[i/2]
	if i%2 == 0 {
		return c >> 4
	}
	return c & 0xf
}

// appendHexUint appends v as 0x and at least width hex digits.
func appendHexUint(dst []byte, v uint64, width int) []byte {
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], v)
	return appendHexNumber(dst, buf[:], BigEndian, width)
}

// appendHexValue appends raw bytes as 0x and two hex digits each, in
// order: what is printed for a value whose type is not known.
func appendHexValue(dst []byte, data []byte) []byte {
	dst = append(dst, "0x"...)
	for _, c := range data {
		dst = append(dst, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return dst
}

// appendString appends a string value as nft does: in double quotes, up to
// the first NUL.
func appendString(dst []byte, data []byte) []byte {
	end := 0
	for end < len(data) && data[end] != 0 {
		end++
	}
	return AppendQuoted(dst, data[:end])
}

// AppendQuoted appends s in double quotes as nft prints a name, a comment
// or a string value. nft prints the bytes as they are; so does this, but
// for double quotes, backslashes and bytes that are not printable ASCII,
// which it escapes (\", \\, \xNN) so that a line stays one line.
func AppendQuoted(dst []byte, s []byte) []byte {
	dst = append(dst, '"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20 || c >= 0x7f:
			dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// AppendIdent appends a name (of a table, chain, set, object, device) or
// a comment as nft prints it: as it is, but for control bytes other than
// tab, escaped as \xNN so that a line stays one line. nft only makes names
// of printable characters (and comments of any byte but a double quote,
// newlines included); other tools make anything.
func AppendIdent(dst []byte, name []byte) []byte {
	for _, c := range name {
		if isControl(c) {
			dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// isControl reports whether AppendIdent escapes c: a control byte, but
// tab, which nft prints in comments and which does not break a line.
func isControl(c byte) bool { return c < 0x20 && c != '\t' || c == 0x7f }

// appendLLAddr appends a link-layer address: hex bytes joined by colons.
func appendLLAddr(dst []byte, data []byte) []byte {
	for i, c := range data {
		if i > 0 {
			dst = append(dst, ':')
		}
		dst = append(dst, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return dst
}

// appendIPv4 appends a 4-byte address in dotted decimal.
func appendIPv4(dst []byte, a []byte) []byte {
	for i := 0; i < 4; i++ {
		if i > 0 {
			dst = append(dst, '.')
		}
		dst = strconv.AppendUint(dst, uint64(a[i]), 10)
	}
	return dst
}

// appendIPv6 appends a 16-byte address as glibc's inet_ntop writes it:
// RFC 5952 compression, and the last 32 bits in dotted decimal for
// IPv4-mapped (::ffff:1.2.3.4) and IPv4-compatible (::1.2.3.4) addresses.
func appendIPv6(dst []byte, a []byte) []byte {
	var w [8]uint16
	for i := range w {
		w[i] = binary.BigEndian.Uint16(a[2*i:])
	}
	// The longest run of zero words, the first of equals, at least 2.
	best, bestLen := -1, 0
	for i := 0; i < 8; {
		if w[i] != 0 {
			i++
			continue
		}
		j := i
		for j < 8 && w[j] == 0 {
			j++
		}
		if j-i > bestLen {
			best, bestLen = i, j-i
		}
		i = j
	}
	if bestLen < 2 {
		best = -1
	}
	for i := 0; i < 8; i++ {
		if i == best {
			dst = append(dst, ':')
			if i == 0 {
				dst = append(dst, ':')
			}
			i += bestLen - 1
			continue
		}
		if i == 6 && best == 0 && (bestLen == 6 || bestLen == 5 && w[5] == 0xffff) {
			return appendIPv4(dst, a[12:])
		}
		dst = strconv.AppendUint(dst, uint64(w[i]), 16)
		if i < 7 {
			dst = append(dst, ':')
		}
	}
	return dst
}

// AppendDuration appends a time in milliseconds as nft prints a timeout,
// an expiry or a time value (time_print): 1d2h3m4s5ms, each unit only when
// not zero, so that 0 appends nothing.
func AppendDuration(dst []byte, ms uint64) []byte {
	units := [...]struct {
		n    uint64
		name string
	}{{86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}, {1, "ms"}}
	for _, u := range units {
		if ms >= u.n {
			dst = strconv.AppendUint(dst, ms/u.n, 10)
			dst = append(dst, u.name...)
			ms %= u.n
		}
	}
	return dst
}

// appendClassID appends a tc handle as nft does: root, none, or
// major:minor in hex.
func appendClassID(dst []byte, h uint32) []byte {
	switch h {
	case 0xffffffff: // TC_H_ROOT
		return append(dst, "root"...)
	case 0: // TC_H_UNSPEC
		return append(dst, "none"...)
	}
	dst = strconv.AppendUint(dst, uint64(h>>16), 16)
	return strconv.AppendUint(append(dst, ':'), uint64(h&0xffff), 16)
}

// appendDate appends a time of day in nanoseconds since the epoch as nft
// prints `meta time`, in UTC: nft adds the local zone's offset, which
// depends on the host (the README says so).
func appendDate(dst []byte, ns uint64) []byte {
	t := time.Unix(int64(ns/1e9), 0).UTC()
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, time.DateTime)
	return append(dst, '"')
}

// appendHour appends seconds since midnight as nft prints `meta hour`
// ("17:00", "17:00:05"), in UTC.
func appendHour(dst []byte, s uint32) []byte {
	s %= 86400
	dst = append(dst, '"')
	dst = append2(dst, s/3600)
	dst = append2(append(dst, ':'), s/60%60)
	if s%60 != 0 {
		dst = append2(append(dst, ':'), s%60)
	}
	return append(dst, '"')
}

// append2 appends v in two decimal digits.
func append2(dst []byte, v uint32) []byte {
	return append(dst, byte('0'+v/10%10), byte('0'+v%10))
}

// appendCtLabel appends a conntrack label as nft prints one without
// connlabel.conf: the number of its lowest bit set.
func appendCtLabel(dst []byte, data []byte, order ByteOrder) []byte {
	var buf [maxValueLen]byte
	num := bigEndianCopy(&buf, data, order)
	for i := len(num) - 1; i >= 0; i-- {
		if c := num[i]; c != 0 {
			bit := 0
			for c&1 == 0 {
				c >>= 1
				bit++
			}
			return strconv.AppendUint(dst, uint64(8*(len(num)-1-i)+bit), 10)
		}
	}
	return strconv.AppendUint(dst, uint64(^uint(0)), 10) // mpz_scan1 of 0: ULONG_MAX
}

// AppendVerdictCode appends a verdict code as nft prints it: accept, drop,
// queue, stolen, continue, break, return, jump, goto, or "unknown verdict
// value N".
func AppendVerdictCode(dst []byte, code int32) []byte {
	switch msgs.VerdictCode(code) {
	case msgs.VerdictContinue, msgs.VerdictBreak, msgs.VerdictJump, msgs.VerdictGoto, msgs.VerdictReturn:
		return append(dst, msgs.VerdictCode(code).String()...)
	}
	switch msgs.VerdictCode(uint32(code) & nfVerdictMask) {
	case msgs.VerdictAccept, msgs.VerdictDrop, msgs.VerdictQueue, msgs.VerdictStolen:
		return append(dst, msgs.VerdictCode(uint32(code)&nfVerdictMask).String()...)
	}
	return strconv.AppendUint(append(dst, "unknown verdict value "...), uint64(uint32(code)), 10)
}

// nfVerdictMask masks the verdict out of a netfilter verdict that carries a
// queue number or errno above it (NF_VERDICT_MASK).
const nfVerdictMask = 0x000000ff

// AppendVerdict appends a verdict as nft prints it: `accept`, `jump NAME`.
func AppendVerdict(dst []byte, v *msgs.Verdict) []byte {
	dst = AppendVerdictCode(dst, int32(v.Code))
	if v.Code == msgs.VerdictJump || v.Code == msgs.VerdictGoto {
		dst = AppendIdent(append(dst, ' '), v.Chain)
	}
	return dst
}
