package msgs

import "strconv"

// flagString spells the bits of f with names[i] for bit i, joined by commas,
// and any remaining bits (those without a name too) in hex; "0" when f is 0. Used by String methods,
// which are not on the decoding path.
func flagString(f uint32, names []string) string {
	if f == 0 {
		return "0"
	}
	var b []byte
	for i, n := range names {
		if f&(1<<i) != 0 && n != "" {
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
		b = strconv.AppendUint(b, uint64(f), 16)
	}
	return string(b)
}
