package main

import (
	"strconv"
	"unicode/utf8"

	"github.com/nftmon/nftmon"
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

// appendHex appends v as lower-case hex digits, two per byte.
func appendHex(b []byte, v []byte) []byte {
	for _, c := range v {
		b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return b
}

// hookName returns the name nft gives a hook number in a family.
func hookName(f nftmon.Family, num uint32) string {
	switch f {
	case nftmon.FamilyNetdev:
		switch num {
		case 0:
			return "ingress"
		case 1:
			return "egress"
		}
	case nftmon.FamilyARP:
		switch num {
		case 0:
			return "input"
		case 1:
			return "output"
		case 2:
			return "forward"
		}
	default:
		switch num {
		case 0:
			return "prerouting"
		case 1:
			return "input"
		case 2:
			return "forward"
		case 3:
			return "output"
		case 4:
			return "postrouting"
		case 5:
			return "ingress"
		}
	}
	return "hook" + strconv.FormatUint(uint64(num), 10)
}
