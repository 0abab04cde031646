package msgs

// flagString spells the bits of f with names[i] for bit i, joined by commas,
// and any remaining bits in hex; "0" when f is 0. Used by String methods,
// which are not on the decoding path.
func flagString(f uint32, names []string) string {
	if f == 0 {
		return "0"
	}
	var b []byte
	for i, n := range names {
		if f&(1<<i) != 0 {
			if len(b) > 0 {
				b = append(b, ',')
			}
			b = append(b, n...)
			f &^= 1 << i
		}
	}
	if f != 0 {
		if len(b) > 0 {
			b = append(b, ',')
		}
		b = append(b, "0x"...)
		b = appendHex(b, uint64(f))
	}
	return string(b)
}

// appendHex appends u in lower-case hex without a prefix.
func appendHex(b []byte, u uint64) []byte {
	const digits = "0123456789abcdef"
	var t [16]byte
	i := len(t)
	for {
		i--
		t[i] = digits[u&0xf]
		u >>= 4
		if u == 0 {
			break
		}
	}
	return append(b, t[i:]...)
}

// appendUint appends u in decimal.
func appendUint(b []byte, u uint64) []byte {
	var t [20]byte
	i := len(t)
	for {
		i--
		t[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	return append(b, t[i:]...)
}

// appendInt appends i in decimal.
func appendInt(b []byte, i int64) []byte {
	if i < 0 {
		return appendUint(append(b, '-'), uint64(-i))
	}
	return appendUint(b, uint64(i))
}
