package msgs

import "github.com/nftmon/nftmon"

// Gen is a view of a NEWGEN message (the commit marker of a transaction, or
// the reply to GETGEN). It is nftmon.Gen, here so that every message has its
// view in this package.
type Gen = nftmon.Gen
