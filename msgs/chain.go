package msgs

import (
	"strconv"

	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// ChainPolicy is a base chain's default verdict (NFTA_CHAIN_POLICY).
type ChainPolicy uint32

// The chain policies.
const (
	PolicyDrop   ChainPolicy = 0 // NF_DROP
	PolicyAccept ChainPolicy = 1 // NF_ACCEPT
)

// String returns "accept" or "drop" as nft spells them, or "policy(n)".
func (p ChainPolicy) String() string {
	switch p {
	case PolicyDrop:
		return "drop"
	case PolicyAccept:
		return "accept"
	}
	return "policy(" + strconv.FormatUint(uint64(p), 10) + ")"
}

// ChainFlags are a chain's flags (enum nft_chain_flags).
type ChainFlags uint32

// The chain flags.
const (
	ChainBase      ChainFlags = 0x1 // NFT_CHAIN_BASE: a base chain, hooked into netfilter
	ChainHWOffload ChainFlags = 0x2 // NFT_CHAIN_HW_OFFLOAD: offloaded to hardware
	ChainBinding   ChainFlags = 0x4 // NFT_CHAIN_BINDING: an anonymous chain bound to a rule
)

// String returns the flags joined by commas ("base", "offload", "binding"),
// with any unknown bits in hex.
func (f ChainFlags) String() string { return flagString(uint32(f), chainFlagNames[:]) }

var chainFlagNames = [...]string{"base", "offload", "binding"}

// ChainHook is a base chain's hook (NFTA_CHAIN_HOOK).
type ChainHook struct {
	Num      uint32 // NFTA_HOOK_HOOKNUM: NF_INET_* or NF_NETDEV_* hook number
	Priority int32  // NFTA_HOOK_PRIORITY
	Dev      []byte // NFTA_HOOK_DEV: the device when there is exactly one (netdev family)
	Devs     []byte // NFTA_HOOK_DEVS: the raw device list; walk it with Devices
}

// Devices returns a scanner over the hook's devices.
func (h *ChainHook) Devices() DevScanner { return NewDevScanner(h.Devs) }

// ChainCounters are a base chain's counters (NFTA_CHAIN_COUNTERS).
type ChainCounters struct {
	Bytes   uint64 // NFTA_COUNTER_BYTES
	Packets uint64 // NFTA_COUNTER_PACKETS
}

// Chain is a view of a chain message (NEWCHAIN, DELCHAIN, or a GETCHAIN dump
// reply). Hook, Policy, Type and Counters are sent for base chains only; a
// DELCHAIN carries only Table, Name and Handle (and Hook when it deletes
// devices of a netdev chain). Check Present.
type Chain struct {
	Table    []byte        // NFTA_CHAIN_TABLE
	Name     []byte        // NFTA_CHAIN_NAME
	Handle   uint64        // NFTA_CHAIN_HANDLE
	Hook     ChainHook     // NFTA_CHAIN_HOOK
	Policy   ChainPolicy   // NFTA_CHAIN_POLICY
	Use      uint32        // NFTA_CHAIN_USE: references to the chain (rules jumping to it)
	Type     []byte        // NFTA_CHAIN_TYPE: "filter", "nat" or "route"
	Counters ChainCounters // NFTA_CHAIN_COUNTERS: only for a base chain created with counters, which nft never asks for (KERNEL.md, fact 15)
	Flags    ChainFlags    // NFTA_CHAIN_FLAGS
	UserData []byte        // NFTA_CHAIN_USERDATA: nft's TLVs (see Comment)
	ID       uint32        // NFTA_CHAIN_ID: the chain's transaction id, in requests only
	Present  AttrSet       // the attribute types the message carried
}

// Decode decodes a chain message's attributes, replacing all of c. Byte
// slices in c alias attrs. On error c is left zero.
func (c *Chain) Decode(attrs []byte) error {
	if err := c.decode(attrs); err != nil {
		*c = Chain{}
		return err
	}
	return nil
}

func (c *Chain) decode(attrs []byte) error {
	*c = Chain{}
	s := nftmon.NewAttrScanner(attrs)
	for s.Next() {
		typ := s.Type()
		c.Present.add(typ)
		switch typ {
		case unix.NFTA_CHAIN_TABLE:
			c.Table = s.StringBytes()
		case unix.NFTA_CHAIN_HANDLE:
			c.Handle = s.Uint64()
		case unix.NFTA_CHAIN_NAME:
			c.Name = s.StringBytes()
		case unix.NFTA_CHAIN_HOOK:
			n := s.Nested()
			c.Hook.decode(&n)
			s.Fail(n.Err())
		case unix.NFTA_CHAIN_POLICY:
			c.Policy = ChainPolicy(s.Uint32())
		case unix.NFTA_CHAIN_USE:
			c.Use = s.Uint32()
		case unix.NFTA_CHAIN_TYPE:
			c.Type = s.StringBytes()
		case unix.NFTA_CHAIN_COUNTERS:
			n := s.Nested()
			for n.Next() {
				switch n.Type() {
				case unix.NFTA_COUNTER_BYTES:
					c.Counters.Bytes = n.Uint64()
				case unix.NFTA_COUNTER_PACKETS:
					c.Counters.Packets = n.Uint64()
				}
			}
			s.Fail(n.Err())
		case AttrChainFlags:
			c.Flags = ChainFlags(s.Uint32())
		case AttrChainUserData:
			c.UserData = s.Bytes()
		case AttrChainID:
			c.ID = s.Uint32()
		}
	}
	if err := s.Err(); err != nil {
		return err
	}
	switch {
	case !c.Present.Has(unix.NFTA_CHAIN_TABLE):
		return errChainNoTable
	case !c.Present.Has(unix.NFTA_CHAIN_NAME):
		return errChainNoName
	case len(c.Table) == 0 || len(c.Name) == 0:
		return errChainEmptyName
	}
	return nil
}

// decode decodes the payload of NFTA_CHAIN_HOOK; errors stick in n.
func (h *ChainHook) decode(n *nftmon.AttrScanner) {
	for n.Next() {
		switch n.Type() {
		case unix.NFTA_HOOK_HOOKNUM:
			h.Num = n.Uint32()
		case unix.NFTA_HOOK_PRIORITY:
			h.Priority = n.Int32()
		case unix.NFTA_HOOK_DEV:
			// NUL optional, as in DevScanner.
			h.Dev = trimNUL(n.Bytes())
			if len(h.Dev) == 0 {
				n.Fail(errDevEmpty)
			}
		case AttrHookDevs:
			h.Devs = n.Bytes()
			n.Fail(checkDevs(h.Devs))
		}
	}
}

// Comment returns the comment nft stored in the chain's user data, or nil.
func (c *Chain) Comment() []byte { return userDataTLV(c.UserData, udataChainComment) }
