package nftmon

import (
	"errors"

	"golang.org/x/sys/unix"
)

// Scope limits a snapshot, and the events of a Monitor or Replayer, to one
// family or one table. The zero value is the whole ruleset.
type Scope struct {
	Family Family // FamilyUnspec: every family
	Table  string // "": every table; a table name needs a Family
}

// errScopeTable rejects a scope that names a table without its family:
// table names are per family.
var errScopeTable = errors.New("nftmon: a Scope with a Table needs its Family")

// nftaFlowtableTable is NFTA_FLOWTABLE_TABLE, the table attribute of a
// flowtable message, which x/sys/unix does not define.
const nftaFlowtableTable = 1

// validate reports whether the scope can be used.
func (sc *Scope) validate() error {
	if sc.Table != "" && sc.Family == FamilyUnspec {
		return errScopeTable
	}
	return nil
}

// contains reports whether a message of family f with attributes attrs is
// in the scope. Every nftables object message names its table (or, for a
// table, itself) in its attribute 1: NFTA_TABLE_NAME, NFTA_CHAIN_TABLE,
// NFTA_RULE_TABLE, NFTA_SET_TABLE, NFTA_SET_ELEM_LIST_TABLE,
// NFTA_OBJ_TABLE, NFTA_FLOWTABLE_TABLE all have that value.
func (sc *Scope) contains(f Family, attrs []byte) bool {
	if sc.Family != FamilyUnspec && f != sc.Family {
		return false
	}
	if sc.Table == "" {
		return true
	}
	a := NewAttrScanner(attrs)
	for a.Next() {
		if a.Type() == unix.NFTA_TABLE_NAME {
			return string(a.StringBytes()) == sc.Table
		}
	}
	return false
}
