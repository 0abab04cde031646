package nftmon

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// NFGenMsg is struct nfgenmsg, the 4-byte header of every nftables payload.
type NFGenMsg struct {
	Family  Family // nfgen_family
	Version uint8  // version: NFNETLINK_V0
	ResID   uint16 // res_id, host order: the low 16 bits of the generation
}

// ParseNFGen splits an nfnetlink payload into its nfgenmsg header and the
// attributes after it.
func ParseNFGen(payload []byte) (NFGenMsg, []byte, error) {
	if len(payload) < NFGenLen {
		return NFGenMsg{}, nil, errNFGenShort
	}
	return NFGenMsg{
		Family:  Family(payload[0]),
		Version: payload[1],
		ResID:   binary.BigEndian.Uint16(payload[2:]),
	}, payload[NFGenLen:], nil
}

// Gen is a decoded NFT_MSG_NEWGEN: the generation a transaction committed,
// and the process that committed it. In the reply to a GETGEN request the
// process fields name the process that asked, not the last committer.
type Gen struct {
	ID       uint32 // NFTA_GEN_ID: the full 32-bit generation
	ProcPID  uint32 // NFTA_GEN_PROC_PID: task_pid_nr(current), the id of the thread (not always the process) in the initial pid namespace
	ProcName []byte // NFTA_GEN_PROC_NAME, a view of the input
}

// Decode decodes the attributes of a NEWGEN message, replacing all of g.
// Unknown attributes are skipped. On error g is left zero: no field of a
// malformed message is kept.
func (g *Gen) Decode(attrs []byte) error {
	*g = Gen{}
	s := NewAttrScanner(attrs)
	for s.Next() {
		switch s.Type() {
		case unix.NFTA_GEN_ID:
			g.ID = s.Uint32()
		case unix.NFTA_GEN_PROC_PID:
			g.ProcPID = s.Uint32()
		case unix.NFTA_GEN_PROC_NAME:
			g.ProcName = s.StringBytes()
		}
	}
	if err := s.Err(); err != nil {
		*g = Gen{}
		return err
	}
	return nil
}

// WidenGen returns the full 32-bit generation whose low 16 bits are resID
// and which lies nearest to near (within 32,767 either way, wrap-around
// included). Every nftables message carries only those low 16 bits in its
// res_id; the full generation comes from a NEWGEN or GETGEN. The result is
// exact while fewer than 32,768 commits separate the two. The kernel never
// uses generation 0; a result of 0 is moved to the nearest generation with
// the same low bits in the direction of near's successors.
func WidenGen(resID uint16, near uint32) uint32 {
	g := near + uint32(int32(int16(resID-uint16(near))))
	if g == 0 {
		g = 1 << 16
	}
	return g
}

// GenAfter reports whether generation a comes after generation b, in
// serial-number arithmetic (RFC 1982): the kernel's u32 generation wraps.
func GenAfter(a, b uint32) bool { return int32(a-b) > 0 }
