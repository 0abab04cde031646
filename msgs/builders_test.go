package msgs

import (
	"encoding/binary"
	"testing"

	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// Builders of attributes for synthesized input: malformed messages, and the
// expressions the test machine's kernel cannot produce (no nft_queue, no
// "last" in nft 1.0.6, ...). Everything else in these tests is captured
// from the kernel.

// at is an attribute of type typ whose payload is the parts concatenated.
func at(typ uint16, payload ...[]byte) []byte { return nftmon.AppendAttr(nil, typ, cat(payload...)) }

func atStr(typ uint16, s string) []byte    { return nftmon.AppendStringAttr(nil, typ, s) }
func atU8(typ uint16, v uint8) []byte      { return at(typ, []byte{v}) }
func atU16(typ uint16, v uint16) []byte    { return at(typ, binary.BigEndian.AppendUint16(nil, v)) }
func atU32(typ uint16, v uint32) []byte    { return at(typ, binary.BigEndian.AppendUint32(nil, v)) }
func atU64(typ uint16, v uint64) []byte    { return at(typ, binary.BigEndian.AppendUint64(nil, v)) }
func atValue(typ uint16, v ...byte) []byte { return at(typ, at(unix.NFTA_DATA_VALUE, v)) }

// atVerdict is a data nest of type typ holding a verdict.
func atVerdict(typ uint16, code int32, chain string) []byte {
	v := atU32(unix.NFTA_VERDICT_CODE, uint32(code))
	if chain != "" {
		v = append(v, atStr(unix.NFTA_VERDICT_CHAIN, chain)...)
	}
	return at(typ, at(unix.NFTA_DATA_VERDICT, v))
}

// atExpr is an expression nest (NFTA_EXPR_NAME, NFTA_EXPR_DATA).
func atExpr(name string, data ...[]byte) []byte {
	return append(atStr(unix.NFTA_EXPR_NAME, name), at(unix.NFTA_EXPR_DATA, data...)...)
}

// exprOf decodes an expression nest.
func exprOf(t testing.TB, nest []byte) Expr {
	t.Helper()
	var e Expr
	if err := e.Decode(nest); err != nil {
		t.Fatal(err)
	}
	return e
}

// cat concatenates the parts.
func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// rawAttr is an attribute header with any length, followed by payload; the
// length may lie.
func rawAttr(length, typ uint16, payload []byte) []byte {
	b := binary.NativeEndian.AppendUint16(nil, length)
	b = binary.NativeEndian.AppendUint16(b, typ)
	return append(b, payload...)
}
