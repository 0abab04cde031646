package main

import (
	"encoding/binary"
	"os"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/pcapnl"
	"golang.org/x/sys/unix"
)

// The flowtable attributes, from include/uapi/linux/netfilter/nf_tables.h;
// golang.org/x/sys/unix does not define them.
const (
	nftaFlowtableTable  = 1 // NFTA_FLOWTABLE_TABLE: string
	nftaFlowtableName   = 2 // NFTA_FLOWTABLE_NAME: string
	nftaFlowtableHook   = 3 // NFTA_FLOWTABLE_HOOK: nested
	nftaFlowtableUse    = 4 // NFTA_FLOWTABLE_USE: be32
	nftaFlowtableHandle = 5 // NFTA_FLOWTABLE_HANDLE: be64
	nftaFlowtableFlags  = 7 // NFTA_FLOWTABLE_FLAGS: be32

	nftaFlowtableHookNum      = 1 // NFTA_FLOWTABLE_HOOK_NUM: be32
	nftaFlowtableHookPriority = 2 // NFTA_FLOWTABLE_HOOK_PRIORITY: be32 (signed)
	nftaFlowtableHookDevs     = 3 // NFTA_FLOWTABLE_HOOK_DEVS: nested

	nftaDeviceName = 1 // NFTA_DEVICE_NAME: string
)

// The made-up values of the synthesized transaction: an nft process
// committing with a fresh port id, in the same shape as the captured ones.
const (
	synthPortID   = 4242
	synthPID      = 4242
	synthFirstGen = 7
	synthSeq      = 2
)

// writeFlowtable writes flowtable.pcap: two transactions, one adding the
// flowtable inet filter ft with devices d0 and d1, one deleting it, each
// ending with its NEWGEN.
//
// The kernel this module is tested on has no flowtable support
// (CONFIG_NF_FLOW_TABLE unset), so these bytes are SYNTHESIZED, not
// captured. They follow the attribute layout of
// include/uapi/linux/netfilter/nf_tables.h and the order in which
// nf_tables_fill_flowtable_info (net/netfilter/nf_tables_api.c) emits them:
// TABLE, NAME, HANDLE (be64; no PAD attribute on architectures with
// efficient unaligned access, as on x86-64), and then, except for a
// DELFLOWTABLE of the whole flowtable, USE, FLAGS and the HOOK nest {NUM,
// PRIORITY, DEVS {DEVICE_NAME...}}. The kernel opens both nests with
// nla_nest_start_noflag, so NLA_F_NESTED is not set. The header fields
// (port id, seq, NLM_F_CREATE on the add, res_id) follow what the captured
// notifications of other objects show.
func writeFlowtable(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w, err := pcapnl.NewWriter(f)
	if err != nil {
		return err
	}
	ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	gen := uint32(synthFirstGen)
	newFT := flowtableMsg(nftmon.MsgNewFlowtable, unix.NLM_F_CREATE, gen, false)
	if err := w.Write(ts, newFT, 0, false); err != nil {
		return err
	}
	if err := w.Write(ts, genMsg(gen), 0, false); err != nil {
		return err
	}
	gen++
	delFT := flowtableMsg(nftmon.MsgDelFlowtable, 0, gen, true)
	if err := w.Write(ts.Add(time.Second), delFT, 0, false); err != nil {
		return err
	}
	if err := w.Write(ts.Add(time.Second), genMsg(gen), 0, false); err != nil {
		return err
	}
	return f.Close()
}

// header appends an nftables notification header: nlmsghdr with the
// committer's port id and seq, and nfgenmsg with res_id = gen & 0xffff.
func header(t nftmon.MsgType, flags uint16, seq uint32, fam nftmon.Family, gen uint32) []byte {
	b := nftmon.AppendRequest(nil, t, flags, seq, fam)
	binary.NativeEndian.PutUint32(b[12:], synthPortID)
	binary.BigEndian.PutUint16(b[18:], uint16(gen))
	return b
}

func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// flowtableMsg builds a NEWFLOWTABLE or a DELFLOWTABLE (onlyKey: TABLE, NAME
// and HANDLE only) for the flowtable inet filter ft.
func flowtableMsg(t nftmon.MsgType, flags uint16, gen uint32, onlyKey bool) []byte {
	b := header(t, flags, synthSeq, nftmon.FamilyINet, gen)
	b = nftmon.AppendStringAttr(b, nftaFlowtableTable, "filter")
	b = nftmon.AppendStringAttr(b, nftaFlowtableName, "ft")
	b = nftmon.AppendAttr(b, nftaFlowtableHandle, binary.BigEndian.AppendUint64(nil, 3))
	if !onlyKey {
		b = nftmon.AppendAttr(b, nftaFlowtableUse, be32(0))
		b = nftmon.AppendAttr(b, nftaFlowtableFlags, be32(0))
		var devs []byte
		devs = nftmon.AppendStringAttr(devs, nftaDeviceName, "d0")
		devs = nftmon.AppendStringAttr(devs, nftaDeviceName, "d1")
		var hook []byte
		hook = nftmon.AppendAttr(hook, nftaFlowtableHookNum, be32(0)) // NF_NETDEV_INGRESS
		prio := int32(-10)
		hook = nftmon.AppendAttr(hook, nftaFlowtableHookPriority, be32(uint32(prio)))
		hook = nftmon.AppendAttr(hook, nftaFlowtableHookDevs, devs)
		b = nftmon.AppendAttr(b, nftaFlowtableHook, hook)
	}
	return nftmon.FinishRequest(b, 0)
}

// genMsg builds the NEWGEN that ends a transaction (nf_tables_fill_gen_info:
// ID, PROC_PID, PROC_NAME).
func genMsg(gen uint32) []byte {
	b := header(nftmon.MsgNewGen, 0, synthSeq, nftmon.FamilyUnspec, gen)
	b = nftmon.AppendAttr(b, unix.NFTA_GEN_ID, be32(gen))
	b = nftmon.AppendAttr(b, unix.NFTA_GEN_PROC_PID, be32(synthPID))
	b = nftmon.AppendStringAttr(b, unix.NFTA_GEN_PROC_NAME, "nft")
	return nftmon.FinishRequest(b, 0)
}
