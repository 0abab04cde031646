// Package nftext appends nft's own text for the kernel's nftables values to
// a caller's buffer, as strconv.AppendInt does for numbers: nothing here
// allocates once the buffer has room.
//
// # Values
//
// AppendValue prints one value of an nft data type (Type, enum datatypes of
// nft 1.0.6) from the bytes the kernel sent: 10.0.0.1, tcp, "eth0",
// 0x00000001, established | related, and concatenations (10.0.0.1 . 22),
// with the symbolic names nft prints by default.
//
// # Sets
//
// Element notifications carry no type. A Sets value learns every set's key
// and data types (type or typeof, byte order, the fields of a
// concatenation) from NEWSET events and snapshots and forgets them on
// DELSET and DELTABLE: feed it every event with Observe. Its SetInfo prints
// a set's elements (AppendElem): an interval, which the kernel sends as two
// elements in two notifications, is held until its second half comes and
// printed as one (10.0.0.0/8, 22-25). It keeps the elements of anonymous
// sets for the rule that uses them (SetInfo.Elems), and asks the kernel
// once (Sets.Ask) for a set it has not seen.
//
// # Declarations and lines
//
// AppendSet, AppendObj, AppendChain and AppendTable print declarations as
// `nft monitor` does; Printer prints nft monitor's lines for the table,
// chain, set, element and object changes of a monitor's events.
//
// # Packet traces
//
// AppendTrace prints the lines `nft monitor trace` prints for a trace event
// (msgs.Trace): the packet's headers decoded as nft decodes them, with the
// protocol templates rules use, and the rule by handle from a TraceRules,
// such as a RuleCache fed every event with Observe; interface names come
// from a LinkNames the caller gives, since they belong to the packet's
// namespace.
//
// # Where the text can differ from nft's
//
// Where nft monitor 1.0.6 is wrong (KERNEL.md, fact 16) Printer prints what
// `nft list ruleset` prints; the README lists each case. nft resolves some
// names with the host's files (protocol names from /etc/protocols, devgroups
// and realms from /etc/iproute2, times in the local zone): this package
// holds the tables Debian installs and prints times in UTC, so that its
// text does not depend on where it runs. nft names interface indexes with
// the interfaces of its namespace (`iif "lo"`); this package with the
// LinkNames a caller gives (the Links field of RuleRenderer, Printer,
// RuleCache, TraceContext), as numbers without one.
package nftext
