package msgs

import (
	"strconv"

	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// VerdictCode is a verdict (NFTA_VERDICT_CODE): a netfilter verdict (NF_DROP,
// NF_ACCEPT, NF_QUEUE, ...) or an nf_tables one (enum nft_verdicts).
type VerdictCode int32

// The verdict codes.
const (
	VerdictDrop     VerdictCode = 0                 // NF_DROP
	VerdictAccept   VerdictCode = 1                 // NF_ACCEPT
	VerdictStolen   VerdictCode = 2                 // NF_STOLEN
	VerdictQueue    VerdictCode = 3                 // NF_QUEUE
	VerdictRepeat   VerdictCode = 4                 // NF_REPEAT
	VerdictStop     VerdictCode = 5                 // NF_STOP
	VerdictContinue VerdictCode = unix.NFT_CONTINUE // NFT_CONTINUE
	VerdictBreak    VerdictCode = unix.NFT_BREAK    // NFT_BREAK
	VerdictJump     VerdictCode = unix.NFT_JUMP     // NFT_JUMP
	VerdictGoto     VerdictCode = unix.NFT_GOTO     // NFT_GOTO
	VerdictReturn   VerdictCode = unix.NFT_RETURN   // NFT_RETURN
)

// String returns the verdict as nft spells it: "accept", "drop", "queue",
// "continue", "break", "jump", "goto", "return" (and "stolen", "repeat",
// "stop"), or "verdict(n)".
func (v VerdictCode) String() string {
	switch v {
	case VerdictDrop:
		return "drop"
	case VerdictAccept:
		return "accept"
	case VerdictStolen:
		return "stolen"
	case VerdictQueue:
		return "queue"
	case VerdictRepeat:
		return "repeat"
	case VerdictStop:
		return "stop"
	case VerdictContinue:
		return "continue"
	case VerdictBreak:
		return "break"
	case VerdictJump:
		return "jump"
	case VerdictGoto:
		return "goto"
	case VerdictReturn:
		return "return"
	}
	return "verdict(" + strconv.Itoa(int(v)) + ")"
}

// Verdict is a decoded NFTA_DATA_VERDICT nest.
type Verdict struct {
	Code  VerdictCode // NFTA_VERDICT_CODE
	Chain []byte      // NFTA_VERDICT_CHAIN: the target of a jump or goto
	// NFTA_VERDICT_CHAIN_ID: the target chain's transaction id. Only
	// requests carry it; the kernel names the chain instead.
	ChainID uint32
}

// Decode decodes the payload of an NFTA_DATA_VERDICT nest, replacing all
// of v. NFTA_VERDICT_CODE is required. On error v is left zero.
func (v *Verdict) Decode(b []byte) error {
	// As the kernel sends one (nft_verdict_dump): CODE, then CHAIN for a
	// jump or goto.
	if code, ok := u32At(b, unix.NFTA_VERDICT_CODE); ok {
		if len(b) == u32Attr {
			*v = Verdict{Code: VerdictCode(code)}
			return nil
		}
		if c, rest, err := nftmon.ParseAttr(b[u32Attr:]); err == nil && c.Type == unix.NFTA_VERDICT_CHAIN &&
			len(rest) == 0 && len(c.Data) > 0 && c.Data[len(c.Data)-1] == 0 {
			*v = Verdict{Code: VerdictCode(code)}
			v.Chain = trimNUL(c.Data) // not in the literal: see Expr.Decode
			return nil
		}
	}
	return v.decode(b)
}

// decode is Decode for any nest.
func (v *Verdict) decode(b []byte) error {
	*v = Verdict{}
	var hasCode bool
	s := nftmon.NewAttrScanner(b)
	for s.Next() {
		switch s.Type() {
		case unix.NFTA_VERDICT_CODE:
			v.Code = VerdictCode(s.Int32())
			hasCode = true
		case unix.NFTA_VERDICT_CHAIN:
			v.Chain = s.StringBytes()
		case AttrVerdictChainID:
			v.ChainID = s.Uint32()
		}
	}
	if err := s.Err(); err != nil {
		*v = Verdict{}
		return err
	}
	if !hasCode {
		*v = Verdict{}
		return errVerdictNoCode
	}
	return nil
}

// Data is a decoded data nest (enum nft_data_attributes): a value or a
// verdict, as a set element's key or data carries it.
type Data struct {
	Value     []byte  // NFTA_DATA_VALUE: raw bytes, in the byte order of the key or data type
	Verdict   Verdict // NFTA_DATA_VERDICT, when IsVerdict
	IsVerdict bool    // the nest held a verdict, not a value
}

// Decode decodes the payload of an nft_data nest (NFTA_SET_ELEM_KEY,
// NFTA_SET_ELEM_DATA, NFTA_CMP_DATA, ...), replacing all of d. The nest must
// hold exactly one of NFTA_DATA_VALUE and NFTA_DATA_VERDICT. On error d is
// left zero.
func (d *Data) Decode(b []byte) error {
	// The nest as the kernel sends every one: a single NFTA_DATA_VALUE or
	// NFTA_DATA_VERDICT. ParseAttr keeps it in registers; any other nest
	// takes the general walk, which gives the same result for these
	// (FuzzExprNest).
	if a, rest, err := nftmon.ParseAttr(b); err == nil && len(rest) == 0 {
		switch a.Type {
		case unix.NFTA_DATA_VALUE:
			*d = Data{}
			d.Value = a.Data // not in the literal: see Expr.Decode
			return nil
		case unix.NFTA_DATA_VERDICT:
			*d = Data{}
			if err := d.Verdict.Decode(a.Data); err != nil {
				return err // d.Verdict is left zero
			}
			d.IsVerdict = true
			return nil
		}
	}
	return d.decode(b)
}

// decode is Decode for any nest.
func (d *Data) decode(b []byte) error {
	*d = Data{}
	var n int
	s := nftmon.NewAttrScanner(b)
	for s.Next() {
		switch s.Type() {
		case unix.NFTA_DATA_VALUE:
			d.Value = s.Bytes()
			n++
		case unix.NFTA_DATA_VERDICT:
			s.Fail(d.Verdict.Decode(s.Bytes()))
			d.IsVerdict = true
			n++
		}
	}
	if err := s.Err(); err != nil {
		*d = Data{}
		return err
	}
	switch {
	case n == 0:
		return errDataEmpty
	case n > 1:
		*d = Data{}
		return errDataTwice
	}
	return nil
}
