package nftmon

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// Family is a netfilter protocol family (NFPROTO_*), nfgenmsg.nfgen_family.
type Family uint8

// The families nftables uses, from linux/netfilter.h.
const (
	FamilyUnspec Family = unix.NFPROTO_UNSPEC // NFPROTO_UNSPEC: NEWGEN, and "all" in requests
	FamilyINet   Family = unix.NFPROTO_INET   // NFPROTO_INET
	FamilyIPv4   Family = unix.NFPROTO_IPV4   // NFPROTO_IPV4
	FamilyARP    Family = unix.NFPROTO_ARP    // NFPROTO_ARP
	FamilyNetdev Family = unix.NFPROTO_NETDEV // NFPROTO_NETDEV
	FamilyBridge Family = unix.NFPROTO_BRIDGE // NFPROTO_BRIDGE
	FamilyIPv6   Family = unix.NFPROTO_IPV6   // NFPROTO_IPV6
)

// String returns the family as nft spells it: "ip", "ip6", "inet", "arp",
// "bridge", "netdev", "unspec", or "family(n)".
func (f Family) String() string {
	switch f {
	case FamilyUnspec:
		return "unspec"
	case FamilyINet:
		return "inet"
	case FamilyIPv4:
		return "ip"
	case FamilyARP:
		return "arp"
	case FamilyNetdev:
		return "netdev"
	case FamilyBridge:
		return "bridge"
	case FamilyIPv6:
		return "ip6"
	}
	return "family(" + strconv.FormatUint(uint64(f), 10) + ")"
}
