package msgs

import "github.com/nftmon/nftmon"

// The hook names nft uses, by family and hook number (NF_INET_*, NF_ARP_*,
// NF_BR_*, NF_NETDEV_* in linux/netfilter*.h).
var (
	inetHooks   = [...]string{"prerouting", "input", "forward", "output", "postrouting", "ingress"}
	arpHooks    = [...]string{"input", "output", "forward"}
	bridgeHooks = [...]string{"prerouting", "input", "forward", "output", "postrouting"}
	netdevHooks = [...]string{"ingress", "egress"}
)

// HookName returns the name nft gives hook number num of family f
// ("prerouting", "input", ..., "ingress", "egress"), or "" when it has none.
// The numbers mean different hooks in different families: arp's 1 is
// "output", netdev's 1 is "egress".
func HookName(f nftmon.Family, num uint32) string {
	var names []string
	switch f {
	case nftmon.FamilyIPv4, nftmon.FamilyIPv6, nftmon.FamilyINet:
		names = inetHooks[:]
		if f != nftmon.FamilyINet {
			names = names[:5] // NF_INET_INGRESS is for inet chains only
		}
	case nftmon.FamilyARP:
		names = arpHooks[:]
	case nftmon.FamilyBridge:
		names = bridgeHooks[:]
	case nftmon.FamilyNetdev:
		names = netdevHooks[:]
	}
	if uint64(num) < uint64(len(names)) {
		return names[num]
	}
	return ""
}
