package msgs

import (
	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// The stateful expressions: counter, limit, quota, connlimit, last. Their
// views also decode the NFTA_OBJ_DATA of the objects of the same types.

// CounterExpr is the "counter" expression.
type CounterExpr struct {
	Bytes   uint64  // NFTA_COUNTER_BYTES
	Packets uint64  // NFTA_COUNTER_PACKETS
	Present AttrSet // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *CounterExpr) Decode(data []byte) error {
	// As the kernel sends it (nft_counter_do_dump): BYTES, PACKETS.
	if len(data) == 2*u64Attr {
		bytes, ok1 := u64At(data, unix.NFTA_COUNTER_BYTES)
		if packets, ok2 := u64At(data[u64Attr:], unix.NFTA_COUNTER_PACKETS); ok1 && ok2 {
			*e = CounterExpr{
				Bytes: bytes, Packets: packets,
				Present: 1<<unix.NFTA_COUNTER_BYTES | 1<<unix.NFTA_COUNTER_PACKETS,
			}
			return nil
		}
	}
	return e.decode(data)
}

// decode is Decode for any attributes.
func (e *CounterExpr) decode(data []byte) error {
	*e = CounterExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_COUNTER_BYTES:
			e.Bytes = s.Uint64()
		case unix.NFTA_COUNTER_PACKETS:
			e.Packets = s.Uint64()
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = CounterExpr{}
		return err
	}
	return nil
}

// LimitExpr is the "limit" expression: Rate per Unit seconds, of packets or
// bytes.
type LimitExpr struct {
	Rate    uint64    // NFTA_LIMIT_RATE
	Unit    uint64    // NFTA_LIMIT_UNIT, in seconds
	Burst   uint32    // NFTA_LIMIT_BURST
	Type    LimitType // NFTA_LIMIT_TYPE
	Flags   uint32    // NFTA_LIMIT_FLAGS: LimitInv ("over")
	Present AttrSet   // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA (or of an
// NFT_OBJECT_LIMIT object's NFTA_OBJ_DATA), replacing all of e. On error e is
// left zero.
func (e *LimitExpr) Decode(data []byte) error {
	*e = LimitExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_LIMIT_RATE:
			e.Rate = s.Uint64()
		case unix.NFTA_LIMIT_UNIT:
			e.Unit = s.Uint64()
		case unix.NFTA_LIMIT_BURST:
			e.Burst = s.Uint32()
		case unix.NFTA_LIMIT_TYPE:
			e.Type = LimitType(s.Uint32())
		case unix.NFTA_LIMIT_FLAGS:
			e.Flags = s.Uint32()
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = LimitExpr{}
		return err
	}
	return nil
}

// QuotaExpr is the "quota" expression.
type QuotaExpr struct {
	Bytes    uint64  // NFTA_QUOTA_BYTES
	Flags    uint32  // NFTA_QUOTA_FLAGS: QuotaInv ("over"), QuotaDepleted
	Consumed uint64  // NFTA_QUOTA_CONSUMED
	Present  AttrSet // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA (or of an
// NFT_OBJECT_QUOTA object's NFTA_OBJ_DATA), replacing all of e. On error e is
// left zero.
func (e *QuotaExpr) Decode(data []byte) error {
	*e = QuotaExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case unix.NFTA_QUOTA_BYTES:
			e.Bytes = s.Uint64()
		case unix.NFTA_QUOTA_FLAGS:
			e.Flags = s.Uint32()
		case unix.NFTA_QUOTA_CONSUMED:
			e.Consumed = s.Uint64()
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = QuotaExpr{}
		return err
	}
	return nil
}

// ConnlimitExpr is the "connlimit" expression ("ct count").
type ConnlimitExpr struct {
	Count   uint32  // NFTA_CONNLIMIT_COUNT
	Flags   uint32  // NFTA_CONNLIMIT_FLAGS: ConnlimitInv ("over")
	Present AttrSet // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *ConnlimitExpr) Decode(data []byte) error {
	*e = ConnlimitExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case AttrConnlimitCount:
			e.Count = s.Uint32()
		case AttrConnlimitFlags:
			e.Flags = s.Uint32()
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = ConnlimitExpr{}
		return err
	}
	return nil
}

// LastExpr is the "last" expression (Linux 5.17): when the rule last matched.
type LastExpr struct {
	Set     uint32  // NFTA_LAST_SET: 0 means never
	Msecs   uint64  // NFTA_LAST_MSECS: milliseconds since the last match
	Present AttrSet // the attributes the kernel sent
}

// Decode decodes the payload of the expression's NFTA_EXPR_DATA, replacing
// all of e. On error e is left zero.
func (e *LastExpr) Decode(data []byte) error {
	*e = LastExpr{}
	s := nftmon.NewAttrScanner(data)
	for s.Next() {
		t := s.Type()
		switch t {
		case AttrLastSet:
			e.Set = s.Uint32()
		case AttrLastMsecs:
			e.Msecs = s.Uint64()
		default:
			continue
		}
		e.Present.add(t)
	}
	if err := s.Err(); err != nil {
		*e = LastExpr{}
		return err
	}
	return nil
}
