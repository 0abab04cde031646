package msgs

import "github.com/nftmon/nftmon"

// The hook names nft uses, indexed by hook number: enum nf_inet_hooks
// (NF_INET_PRE_ROUTING 0 to NF_INET_INGRESS 5), the NF_ARP_* hooks of
// linux/netfilter_arp.h, and enum nf_dev_hooks (NF_NETDEV_INGRESS 0,
// NF_NETDEV_EGRESS 1).
var (
	inetHooks   = [...]string{"prerouting", "input", "forward", "output", "postrouting", "ingress"}
	arpHooks    = [...]string{"input", "output", "forward"}
	netdevHooks = [...]string{"ingress", "egress"}
)

// HookName returns the name nft gives hook number num of family f
// ("prerouting", "input", "forward", "output", "postrouting", "ingress",
// "egress"), or "" when nft has none (it prints "unknown"). This is nft's
// hooknum2str (src/rule.c of nftables 1.0.6): the numbers mean different
// hooks in different families, arp's 1 is "output" and netdev's 1 is
// "egress"; ip, ip6, inet and bridge share enum nf_inet_hooks, so hook 5 is
// "ingress" in all four, though the kernel accepts it only in inet chains
// (and calls bridge's 5 NF_BR_BROUTING, a hook nf_tables does not offer).
func HookName(f nftmon.Family, num uint32) string {
	var names []string
	switch f {
	case nftmon.FamilyIPv4, nftmon.FamilyIPv6, nftmon.FamilyINet, nftmon.FamilyBridge:
		names = inetHooks[:]
	case nftmon.FamilyARP:
		names = arpHooks[:]
	case nftmon.FamilyNetdev:
		names = netdevHooks[:]
	}
	if uint64(num) < uint64(len(names)) {
		return names[num]
	}
	return ""
}
