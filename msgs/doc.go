// Package msgs holds typed, allocation-free views of every nftables message
// the kernel sends: tables, chains, rules and their expressions, sets, set
// elements, stateful objects, flowtables and generations.
//
// A view is decoded in place from a message's attributes (the bytes after
// its nfgenmsg header, as nftmon.Event.Attrs or nftmon.ParseNFGen give
// them): Decode resets the whole value, and every byte slice in it aliases
// the input, so a view is valid only as long as the input is. Copy what you
// keep (string(b), bytes.Clone). Attributes this package does not know are
// skipped, not rejected: newer kernels add them.
package msgs

import "github.com/nftmon/nftmon"

// errExprNoName reports an expression nest without NFTA_EXPR_NAME.
var errExprNoName = &nftmon.ParseError{What: "expression without NFTA_EXPR_NAME"}
