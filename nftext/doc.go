// Package nftext appends nft's own text for the kernel's nftables values to
// a caller's buffer, as strconv.AppendInt does for numbers: set keys and map
// values by their nft data type (AppendValue), set elements, set and map
// declarations, objects, chains and tables as `nft monitor` prints them.
// Nothing here allocates once the buffer has room.
//
// Element notifications carry no type: a Sets value learns every set's key
// and data types from NEWSET events and snapshots, so that an element prints
// as 10.0.0.0/8 rather than as the kernel's bytes.
//
// # Where the text can differ from nft's
//
// nft resolves some names with the host's files (protocol names from
// /etc/protocols, devgroups and realms from /etc/iproute2, interface names
// from the running namespace, times in the local zone). This package holds
// the tables Debian installs, prints interface indexes as numbers and times
// in UTC, so that its text does not depend on where it runs.
package nftext
