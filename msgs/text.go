package msgs

import (
	"encoding/binary"
	"strconv"

	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// The debug text of this file is the one nft prints with
// "nft --debug=netlink list ruleset": the *_snprintf_default functions of
// libnftnl 1.2.x (src/rule.c, src/set_elem.c, src/expr/data_reg.c and
// src/expr/<name>.c), reproduced byte for byte and checked against libnftnl
// 1.2.4 with nft 1.0.6 (see text_kernel_test.go). Data words are printed as
// libnftnl does: each 4 bytes loaded as a host-order u32 (a short last word
// padded with zeros) and printed as 0x%.8x, so the text of the same rule
// differs between little- and big-endian machines, as nft's does.
//
// Every function appends to dst and allocates nothing when dst has room.

// maxExprDepth bounds the nesting of expressions inside expressions
// (dynset, inner) that the renderer follows; the kernel nests one level.
const maxExprDepth = 4

// AppendExprText appends the libnftnl debug text of one expression: what
// nft prints between "[ " and " ]", e.g.
// "payload load 2b @ transport header + 2 => reg 1". An expression whose
// data is malformed is printed as its name followed by " (malformed)".
// Unknown expressions are printed as their name alone.
func AppendExprText(dst []byte, e Expr) []byte {
	n := len(dst)
	var d ExprDecoder
	dst, err := appendExprRaw(dst, &d, e, 0)
	if err != nil {
		dst = append(append(dst[:n], e.Name...), " (malformed)"...)
		return dst
	}
	if len(dst) > n && dst[len(dst)-1] == ' ' {
		dst = dst[:len(dst)-1]
	}
	return dst
}

// AppendRuleText appends the libnftnl debug text of a rule, as nft prints
// it: a header line "family table chain handle [position]", then one line
// "  [ expression ]" per expression (each line after the header starts
// with "\n"), then, when the rule has user data (nft's comment), a line
// "  userdata = { ... }" (printable bytes as they are, others as \xNN).
// No newline ends the text: nft prints a newline after it, and an empty
// line too when the rule has no user data (observed with nft 1.0.6).
// ruleAttrs are the attributes of a NEWRULE or DELRULE message (after the
// nfgenmsg header). On error (malformed attributes or expressions) dst is
// returned as it was.
func AppendRuleText(dst []byte, family nftmon.Family, ruleAttrs []byte) ([]byte, error) {
	n := len(dst)
	dst, err := appendRuleText(dst, family, ruleAttrs)
	if err != nil {
		return dst[:n], err
	}
	return dst, nil
}

func appendRuleText(dst []byte, family nftmon.Family, ruleAttrs []byte) ([]byte, error) {
	var r Rule
	if err := r.Decode(ruleAttrs); err != nil {
		return dst, err
	}
	dst = append(dst, familyText(family)...)
	dst = append(append(dst, ' '), r.Table...)
	dst = append(append(dst, ' '), r.Chain...)
	if r.Present.Has(unix.NFTA_RULE_HANDLE) {
		dst = strconv.AppendUint(append(dst, ' '), r.Handle, 10)
	}
	if r.Present.Has(unix.NFTA_RULE_POSITION) {
		dst = strconv.AppendUint(append(dst, ' '), r.Position, 10)
	}
	var d ExprDecoder
	es := r.Exprs()
	for es.Next() {
		var err error
		dst = append(dst, "\n  [ "...)
		if dst, err = appendExprRaw(dst, &d, *es.Expr(), 0); err != nil {
			return dst, err
		}
		dst = append(dst, ']')
	}
	if err := es.Err(); err != nil {
		return dst, err
	}
	if len(r.UserData) > 0 {
		dst = appendUserdata(append(dst, "\n  userdata = { "...), r.UserData)
		dst = append(dst, " }"...)
	}
	return dst, nil
}

// AppendSetElemsText appends the libnftnl debug text of a set element
// message, as nft prints it: a header line "family table @set", then one
// line "\telement <key> [- <key end>] : <data> <flags> [end]" per element
// (each line after the header starts with "\n"). No newline ends the text.
// setElemAttrs are the attributes of a NEWSETELEM or DELSETELEM message or
// of one message of a GETSETELEM dump. nft prints the header once per set:
// for a set dumped in several messages, use AppendSetElemLines for the
// messages after the first. On error dst is returned as it was.
func AppendSetElemsText(dst []byte, family nftmon.Family, setElemAttrs []byte) ([]byte, error) {
	var e SetElems
	if err := e.Decode(setElemAttrs); err != nil {
		return dst, err
	}
	n := len(dst)
	dst = AppendSetHeaderText(dst, family, e.Table, e.Set)
	dst, err := appendElemLines(dst, e.Elems())
	if err != nil {
		return dst[:n], err
	}
	return dst, nil
}

// AppendSetHeaderText appends the header line of a set's element block,
// "family table @set", without a newline. nft prints it alone for a set
// without elements, whose element dump has no message.
func AppendSetHeaderText(dst []byte, family nftmon.Family, table, set []byte) []byte {
	dst = append(dst, familyText(family)...)
	dst = append(append(dst, ' '), table...)
	return append(append(dst, " @"...), set...)
}

// AppendSetElemLines appends the element lines of AppendSetElemsText
// without the header: "\n\telement ..." for each element. On error dst is
// returned as it was.
func AppendSetElemLines(dst []byte, setElemAttrs []byte) ([]byte, error) {
	var e SetElems
	if err := e.Decode(setElemAttrs); err != nil {
		return dst, err
	}
	n := len(dst)
	dst, err := appendElemLines(dst, e.Elems())
	if err != nil {
		return dst[:n], err
	}
	return dst, nil
}

// appendElemLines appends "\n\telement ..." for each element of s
// (nftnl_set_elem_snprintf_default).
func appendElemLines(dst []byte, s ElemScanner) ([]byte, error) {
	for s.Next() {
		el := s.Elem()
		dst = append(dst, "\n\telement "...)
		dst = appendWords(dst, el.Key, false)
		if el.Present.Has(AttrSetElemKeyEnd) {
			dst = appendWords(append(dst, " - "...), el.KeyEnd, false)
		}
		dst = append(dst, " : "...)
		if el.Present.Has(unix.NFTA_SET_ELEM_DATA) {
			data := Data{Value: el.Data, Verdict: el.Verdict, IsVerdict: el.IsVerdict}
			dst = appendData(dst, &data, false)
		}
		dst = strconv.AppendUint(dst, uint64(el.Flags), 10)
		dst = append(dst, " [end]"...)
		if len(el.UserData) > 0 {
			dst = appendUserdata(append(dst, "  userdata = { "...), el.UserData)
			dst = append(dst, " }"...)
		}
	}
	return dst, s.Err()
}

// appendUserdata appends b as libnftnl does: printable bytes as they are,
// others as \x%02x.
func appendUserdata(dst, b []byte) []byte {
	const digits = "0123456789abcdef"
	for _, c := range b {
		if c >= 0x20 && c < 0x7f {
			dst = append(dst, c)
		} else {
			dst = append(dst, '\\', 'x', digits[c>>4], digits[c&0xf])
		}
	}
	return dst
}

// familyText is libnftnl's nftnl_family2str: Family.String for the six
// families, "unknown" for any other value.
func familyText(f nftmon.Family) string {
	switch f {
	case nftmon.FamilyIPv4, nftmon.FamilyIPv6, nftmon.FamilyINet, nftmon.FamilyBridge, nftmon.FamilyARP, nftmon.FamilyNetdev:
		return f.String()
	}
	return "unknown"
}

// verdictText is libnftnl's nftnl_verdict2str: VerdictCode.String for the
// verdicts from VerdictReturn (NFT_RETURN, the lowest) to VerdictStop
// (NF_STOP, the highest), "unknown" for any other value.
func verdictText(v VerdictCode) string {
	if v < VerdictReturn || v > VerdictStop {
		return "unknown"
	}
	return v.String()
}

// appendHex8 appends u as %.8x. strconv has no zero padding, and this runs
// for every data word of the text, inlined (TestInlining).
func appendHex8(dst []byte, u uint32) []byte {
	const digits = "0123456789abcdef"
	for i := 28; i >= 0; i -= 4 {
		dst = append(dst, digits[(u>>uint(i))&0xf])
	}
	return dst
}

// appendWords appends a data value as libnftnl does: each 4-byte word as a
// host-order u32, "0x%.8x " (prefix) or "%.8x " (no prefix).
func appendWords(dst, v []byte, prefix bool) []byte {
	for len(v) > 0 {
		var w [4]byte
		n := copy(w[:], v)
		v = v[n:]
		if prefix {
			dst = append(dst, "0x"...)
		}
		dst = append(appendHex8(dst, binary.NativeEndian.Uint32(w[:])), ' ')
	}
	return dst
}

// appendData appends a value (as appendWords) or a verdict ("accept ",
// "jump -> chain ").
func appendData(dst []byte, d *Data, prefix bool) []byte {
	if !d.IsVerdict {
		return appendWords(dst, d.Value, prefix)
	}
	dst = append(append(dst, verdictText(d.Verdict.Code)...), ' ')
	if d.Verdict.Chain != nil {
		dst = append(append(append(dst, "-> "...), d.Verdict.Chain...), ' ')
	}
	return dst
}

// txU appends u in decimal.
func txU(dst []byte, u uint64) []byte { return strconv.AppendUint(dst, u, 10) }

// txReg appends "reg N".
func txReg(dst []byte, r Register) []byte { return txU(append(dst, "reg "...), uint64(r)) }
