package msgs

import "github.com/nftmon/nftmon"

// FlowtableFlags are a flowtable's flags (enum nft_flowtable_flags).
type FlowtableFlags uint32

// The flowtable flags.
const (
	FlowtableHWOffload FlowtableFlags = 0x1 // NFT_FLOWTABLE_HW_OFFLOAD
	FlowtableCounter   FlowtableFlags = 0x2 // NFT_FLOWTABLE_COUNTER
)

// String returns the flags joined by commas ("offload", "counter"), with any
// unknown bits in hex.
func (f FlowtableFlags) String() string { return flagString(uint32(f), flowtableFlagNames[:]) }

var flowtableFlagNames = [...]string{"offload", "counter"}

// FlowtableHook is a flowtable's hook (NFTA_FLOWTABLE_HOOK).
type FlowtableHook struct {
	Num      uint32 // NFTA_FLOWTABLE_HOOK_NUM: the netdev hook (ingress 0)
	Priority int32  // NFTA_FLOWTABLE_HOOK_PRIORITY
	Devs     []byte // NFTA_FLOWTABLE_HOOK_DEVS: the raw device list; walk it with Devices
}

// Devices returns a scanner over the hook's devices.
func (h *FlowtableHook) Devices() DevScanner { return NewDevScanner(h.Devs) }

// Flowtable is a view of a flowtable message (NEWFLOWTABLE, DELFLOWTABLE, or
// a GETFLOWTABLE dump reply). A DELFLOWTABLE carries only Table, Name and
// Handle (and Hook when it removes devices): check Present.
type Flowtable struct {
	Table   []byte         // NFTA_FLOWTABLE_TABLE
	Name    []byte         // NFTA_FLOWTABLE_NAME
	Hook    FlowtableHook  // NFTA_FLOWTABLE_HOOK
	Use     uint32         // NFTA_FLOWTABLE_USE: references to the flowtable
	Handle  uint64         // NFTA_FLOWTABLE_HANDLE
	Flags   FlowtableFlags // NFTA_FLOWTABLE_FLAGS
	Present AttrSet        // the attribute types the message carried
}

// Decode decodes a flowtable message's attributes, replacing all of f. Byte
// slices in f alias attrs. On error f is left zero.
func (f *Flowtable) Decode(attrs []byte) error {
	if err := f.decode(attrs); err != nil {
		*f = Flowtable{}
		return err
	}
	return nil
}

func (f *Flowtable) decode(attrs []byte) error {
	*f = Flowtable{}
	s := nftmon.NewAttrScanner(attrs)
	for s.Next() {
		typ := s.Type()
		f.Present.add(typ)
		switch typ {
		case AttrFlowtableTable:
			f.Table = s.StringBytes()
		case AttrFlowtableName:
			f.Name = s.StringBytes()
		case AttrFlowtableHook:
			n := s.Nested()
			for n.Next() {
				switch n.Type() {
				case AttrFlowtableHookNum:
					f.Hook.Num = n.Uint32()
				case AttrFlowtableHookPriority:
					f.Hook.Priority = n.Int32()
				case AttrFlowtableHookDevs:
					f.Hook.Devs = n.Bytes()
					n.Fail(checkDevs(f.Hook.Devs))
				}
			}
			s.Fail(n.Err())
		case AttrFlowtableUse:
			f.Use = s.Uint32()
		case AttrFlowtableHandle:
			f.Handle = s.Uint64()
		case AttrFlowtableFlags:
			f.Flags = FlowtableFlags(s.Uint32())
		}
	}
	if err := s.Err(); err != nil {
		return err
	}
	switch {
	case !f.Present.Has(AttrFlowtableTable):
		return errFlowNoTable
	case !f.Present.Has(AttrFlowtableName):
		return errFlowNoName
	case len(f.Table) == 0 || len(f.Name) == 0:
		return errFlowEmptyName
	}
	return nil
}
