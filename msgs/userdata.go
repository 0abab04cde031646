package msgs

// userDataTLV returns the value of the first TLV of type typ in nft's user
// data (libnftnl's struct nftnl_udata: u8 type, u8 len, then len bytes, no
// padding), or nil when there is none or the TLVs are malformed (user data
// is opaque to the kernel: a bad TLV is not a bad message). A trailing NUL of
// the value is removed: nft stores comments with nftnl_udata_put_strz.
func userDataTLV(b []byte, typ uint8) []byte {
	for len(b) >= 2 {
		t, l := b[0], int(b[1])
		if len(b) < 2+l {
			return nil
		}
		v := b[2 : 2+l : 2+l]
		if t == typ {
			return trimNUL(v)
		}
		b = b[2+l:]
	}
	return nil
}

// trimNUL returns b up to its first NUL byte, or all of b when it has none.
func trimNUL(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i:i]
		}
	}
	return b
}
