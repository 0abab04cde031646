package msgs

// AttrSet records which attribute types a decoded message carried, so that
// "absent" can be told from "zero": a DEL message carries only the identity
// attributes (a table's name, use and handle, say), and its view's other
// fields are zero because nothing was sent, not because the kernel sent 0.
// Types above 63 are not recorded (no nftables message has such attributes).
type AttrSet uint64

// Has reports whether an attribute of type t (an NFTA_* constant of the
// message's attribute space) was present.
func (s AttrSet) Has(t uint16) bool { return t < 64 && s&(1<<t) != 0 }

// add records the attribute type t.
func (s *AttrSet) add(t uint16) {
	if t < 64 {
		*s |= 1 << t
	}
}
