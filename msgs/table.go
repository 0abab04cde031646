package msgs

import (
	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// TableFlags are a table's flags (enum nft_table_flags).
type TableFlags uint32

// The table flags.
const (
	TableDormant TableFlags = unix.NFT_TABLE_F_DORMANT // NFT_TABLE_F_DORMANT: the table's chains are not hooked
	TableOwner   TableFlags = 0x2                      // NFT_TABLE_F_OWNER: the table belongs to the socket in Table.Owner
	TablePersist TableFlags = 0x4                      // NFT_TABLE_F_PERSIST: the table outlives its owner
)

// String returns the flags as nft spells them, joined by commas ("dormant",
// "owner", "persist"), with any unknown bits in hex.
func (f TableFlags) String() string {
	return flagString(uint32(f), tableFlagNames[:])
}

var tableFlagNames = [...]string{"dormant", "owner", "persist"}

// Table is a view of a table message (NEWTABLE, DELTABLE, or a GETTABLE dump
// reply). A DELTABLE carries only Name, Use and Handle: check Present.
type Table struct {
	Name     []byte     // NFTA_TABLE_NAME
	Flags    TableFlags // NFTA_TABLE_FLAGS
	Use      uint32     // NFTA_TABLE_USE: how many chains, sets, objects and flowtables the table holds
	Handle   uint64     // NFTA_TABLE_HANDLE
	UserData []byte     // NFTA_TABLE_USERDATA: nft's TLVs (see Comment)
	Owner    uint32     // NFTA_TABLE_OWNER: the owning socket's port id, with TableOwner
	Present  AttrSet    // the attribute types the message carried
}

// Decode decodes a table message's attributes, replacing all of t. Byte
// slices in t alias attrs. On error t is left zero.
func (t *Table) Decode(attrs []byte) error {
	if err := t.decode(attrs); err != nil {
		*t = Table{}
		return err
	}
	return nil
}

func (t *Table) decode(attrs []byte) error {
	*t = Table{}
	s := nftmon.NewAttrScanner(attrs)
	for s.Next() {
		typ := s.Type()
		t.Present.add(typ)
		switch typ {
		case unix.NFTA_TABLE_NAME:
			t.Name = s.StringBytes()
		case unix.NFTA_TABLE_FLAGS:
			t.Flags = TableFlags(s.Uint32())
		case unix.NFTA_TABLE_USE:
			t.Use = s.Uint32()
		case AttrTableHandle:
			t.Handle = s.Uint64()
		case AttrTableUserData:
			t.UserData = s.Bytes()
		case AttrTableOwner:
			t.Owner = s.Uint32()
		}
	}
	if err := s.Err(); err != nil {
		return err
	}
	if !t.Present.Has(unix.NFTA_TABLE_NAME) {
		return errTableNoName
	}
	if len(t.Name) == 0 {
		return errTableEmptyName
	}
	return nil
}

// Comment returns the comment nft stored in the table's user data, or nil.
func (t *Table) Comment() []byte { return userDataTLV(t.UserData, udataTableComment) }
