// Package msgs holds typed, allocation-free views of the nftables messages
// the kernel sends, built on the framing and attribute scanner of package
// nftmon.
//
// # Views
//
// Each view is decoded in place from one message's attributes: the bytes
// after its nfgenmsg header, as nftmon.Event.Attrs or nftmon.ParseNFGen
// give them.
//
//	Table      NEWTABLE, DELTABLE
//	Chain      NEWCHAIN, DELCHAIN; its hook (ChainHook) and devices (DevScanner)
//	Rule       NEWRULE, DELRULE; its expressions (ExprScanner, ExprDecoder)
//	Set        NEWSET, DELSET
//	SetElems   NEWSETELEM, DELSETELEM; its elements (ElemScanner, each an Elem)
//	Obj        NEWOBJ, DELOBJ
//	Flowtable  NEWFLOWTABLE, DELFLOWTABLE
//	Trace      NFT_MSG_TRACE, the packet traces of group NFNLGRP_NFTRACE
//
// The view of NEWGEN, the commit marker of a transaction, is nftmon.Gen in
// the root package, which needs it to group a transaction's messages.
//
// Every view keeps one contract. Decode resets the whole value first, and
// every byte slice in it aliases the input, so a view is valid only as long
// as the input is: copy what you keep (string(b), bytes.Clone). Present
// records which attributes the message carried, to tell "absent" from
// "zero": test it with the unix.NFTA_* constants, or with this package's
// Attr* constants for the ids golang.org/x/sys/unix lacks. Attributes this
// package does not know are skipped, not rejected: newer kernels add them.
// Malformed input is an error matching nftmon.ErrMalformed (a
// *nftmon.ParseError saying what is wrong), and then the view is left zero.
// Decoding never allocates.
//
// # Expressions
//
// A rule's expressions (and those of sets, elements and dynsets) are walked
// with an ExprScanner, each an Expr (name and raw data). An ExprDecoder
// turns one into its typed view (PayloadExpr, CmpExpr, ...) by name, with a
// view of each kind preallocated in the decoder.
//
// # Walks
//
// ExprScanner, ElemScanner and DevScanner walk their lists with Next and
// Err; their All methods offer the same walk as an iter.Seq2 for a range
// loop, with no allocation either.
//
// # Text
//
// AppendRuleText, AppendSetElemsText and AppendExprText append libnftnl's
// debug text (what nft --debug=netlink prints), byte for byte. HookName
// gives nft's name of a hook number.
package msgs
