package main

import (
	"encoding/hex"
	"time"
	"unicode/utf8"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"github.com/nftmon/nftmon/nftext"
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

// timeLayout is how -t prints a time: RFC 3339 in UTC, in microseconds,
// the resolution of most pcap files.
const timeLayout = "2006-01-02T15:04:05.000000Z07:00"

// appendTime appends t as -t prints it.
func appendTime(b []byte, t time.Time) []byte { return t.UTC().AppendFormat(b, timeLayout) }

// appendTextStr appends s raw, as nft prints a namespace name, but for
// control bytes, escaped as nftext.AppendIdent escapes them (the one
// escaping of the text): a name cannot break a line, nor forge one.
func appendTextStr(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return nftext.AppendIdent(b, []byte(s))
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
