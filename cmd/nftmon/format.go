package main

import (
	"encoding/hex"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
)

// Helpers shared by the text and JSON printers. Each appends to b and
// allocates nothing when b has room.

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, invalid UTF-8 replaced by U+FFFD, so that
// whatever bytes the kernel sent make valid JSON.
func appendJSONString(b []byte, s []byte) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}

// appendJSONStr is appendJSONString for a string.
func appendJSONStr(b []byte, s string) []byte {
	start := len(b)
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf || c == 0x7f {
			return appendJSONString(b[:start], []byte(s))
		}
		b = append(b, c)
	}
	return append(b, '"')
}

// appendQuoted appends s in double quotes as nft prints a name or comment,
// with quotes, backslashes and unprintable bytes escaped.
func appendQuoted(b []byte, s []byte) []byte {
	b = append(b, '"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20 || c >= 0x7f:
			b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// timeLayout is how -t prints a time: RFC 3339 in UTC, in microseconds,
// the resolution of most pcap files.
const timeLayout = "2006-01-02T15:04:05.000000Z07:00"

// appendTime appends t as -t prints it.
func appendTime(b []byte, t time.Time) []byte { return t.UTC().AppendFormat(b, timeLayout) }

// appendText appends s raw, as nft prints a process or namespace name,
// but for control bytes, escaped as \xHH: a name cannot break a line, nor
// forge one (a process may name itself "x)\n# new generation 1 ...").
func appendText(b []byte, s []byte) []byte {
	for _, c := range s {
		if c < 0x20 || c == 0x7f {
			b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
		} else {
			b = append(b, c)
		}
	}
	return b
}

// appendTextStr is appendText for a string.
func appendTextStr(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return appendText(b, []byte(s))
		}
	}
	return append(b, s...)
}

// appendHex appends v as lower-case hex digits, two per byte.
func appendHex(b []byte, v []byte) []byte { return hex.AppendEncode(b, v) }

// hookText returns the name nft gives hook number num of family f, or
// "unknown" as nft prints a hook it has no name for (src/rule.c,
// hooknum2str).
func hookText(f nftmon.Family, num uint32) string {
	if name := msgs.HookName(f, num); name != "" {
		return name
	}
	return "unknown"
}

// A standard priority nft prints by name (nft's std_prios and
// bridge_std_prios), valid only at some hooks.
type stdPrio struct {
	name  string
	val   int32
	hooks uint32 // bit mask of the hooks it is valid at; 0 means all
}

var (
	inetPrios = []stdPrio{
		{"raw", -300, 0}, {"mangle", -150, 0},
		{"dstnat", -100, 1 << 0}, // NF_IP_PRI_NAT_DST: prerouting only
		{"filter", 0, 0}, {"security", 50, 0},
		{"srcnat", 100, 1 << 4}, // NF_IP_PRI_NAT_SRC: postrouting only
	}
	bridgePrios = []stdPrio{
		{"dstnat", -300, 1 << 0}, {"filter", -200, 0},
		{"out", 100, 1 << 3}, {"srcnat", 300, 1 << 4},
	}
	filterPrios = []stdPrio{{"filter", 0, 0}}
)

// appendPrio appends a chain's priority as nft prints it: a standard name,
// possibly with an offset of up to 10 ("filter + 10"), or the number.
func appendPrio(b []byte, f nftmon.Family, hook uint32, prio int32) []byte {
	prios := inetPrios
	switch f {
	case nftmon.FamilyBridge:
		prios = bridgePrios
	case nftmon.FamilyARP, nftmon.FamilyNetdev:
		prios = filterPrios
	}
	for _, p := range prios {
		if p.hooks != 0 && (hook >= 32 || p.hooks&(1<<hook) == 0) {
			continue
		}
		off := int64(prio) - int64(p.val)
		if off < -10 || off > 10 {
			continue
		}
		b = append(b, p.name...)
		switch {
		case off > 0:
			b = strconv.AppendInt(append(b, " + "...), off, 10)
		case off < 0:
			b = strconv.AppendInt(append(b, " - "...), -off, 10)
		}
		return b
	}
	return strconv.AppendInt(b, int64(prio), 10)
}

// appendDuration appends a time in milliseconds as nft prints it: "1h30m",
// "5s", "250ms", "0s".
func appendDuration(b []byte, ms uint64) []byte {
	if ms == 0 {
		return append(b, "0s"...)
	}
	units := [...]struct {
		n    uint64
		name string
	}{{86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}, {1, "ms"}}
	for _, u := range units {
		if ms >= u.n {
			b = strconv.AppendUint(b, ms/u.n, 10)
			b = append(b, u.name...)
			ms %= u.n
		}
	}
	return b
}

// appendVerdict appends a verdict as nft prints it: "accept", "jump NAME".
func appendVerdict(b []byte, v *msgs.Verdict) []byte {
	b = append(b, v.Code.String()...)
	if v.Code == msgs.VerdictJump || v.Code == msgs.VerdictGoto {
		b = append(append(b, ' '), v.Chain...)
	}
	return b
}
