package nftext

// symbol is one of nft's symbolic constants (struct symbolic_constant): a
// value, as a number in the type's byte order, and the name nft prints for
// it. When two share a value the first is printed, as nft does.
type symbol struct {
	v    uint64
	name string
}

// lookupSymbol returns the name of v in syms.
func lookupSymbol(syms []symbol, v uint64) (string, bool) {
	for i := range syms {
		if syms[i].v == v {
			return syms[i].name, true
		}
	}
	return "", false
}

// nft 1.0.6's symbol tables. Where nft reads a system file (the protocol
// names of /etc/protocols through getprotobynumber, devgroup and realm from
// /etc/iproute2), the table holds that file's contents as Debian's netbase
// and iproute2 packages install them, so that the text does not depend on
// the host: see the README.
var (
	nfprotoSyms   = []symbol{{2, "ipv4"}, {10, "ipv6"}} // nfproto_tbl
	etherTypeSyms = []symbol{                           // ethertype_tbl
		{0x0800, "ip"}, {0x0806, "arp"}, {0x86dd, "ip6"}, {0x8100, "8021q"}, {0x88a8, "8021ad"}, {0x8100, "vlan"},
	}
	arpOpSyms = []symbol{ // arpop_tbl
		{1, "request"}, {2, "reply"}, {3, "rrequest"}, {4, "rreply"}, {8, "inrequest"}, {9, "inreply"}, {10, "nak"},
	}
	icmpTypeSyms = []symbol{ // icmp_type_tbl
		{0, "echo-reply"}, {3, "destination-unreachable"}, {4, "source-quench"}, {5, "redirect"},
		{8, "echo-request"}, {9, "router-advertisement"}, {10, "router-solicitation"}, {11, "time-exceeded"},
		{12, "parameter-problem"}, {13, "timestamp-request"}, {14, "timestamp-reply"}, {15, "info-request"},
		{16, "info-reply"}, {17, "address-mask-request"}, {18, "address-mask-reply"},
	}
	igmpTypeSyms = []symbol{ // igmp_type_tbl
		{0x11, "membership-query"}, {0x12, "membership-report-v1"}, {0x16, "membership-report-v2"},
		{0x22, "membership-report-v3"}, {0x17, "leave-group"},
	}
	tcpFlagSyms = []symbol{ // tcp_flag_tbl
		{0x01, "fin"}, {0x02, "syn"}, {0x04, "rst"}, {0x08, "psh"}, {0x10, "ack"}, {0x20, "urg"}, {0x40, "ecn"}, {0x80, "cwr"},
	}
	dccpPktTypeSyms = []symbol{ // dccp_pkttype_tbl
		{0, "request"}, {1, "response"}, {2, "data"}, {3, "ack"}, {4, "dataack"}, {5, "closereq"}, {6, "close"},
		{7, "reset"}, {8, "sync"}, {9, "syncack"},
	}
	dscpSyms = []symbol{ // dscp_type_tbl
		{0x00, "cs0"}, {0x08, "cs1"}, {0x10, "cs2"}, {0x18, "cs3"}, {0x20, "cs4"}, {0x28, "cs5"}, {0x30, "cs6"},
		{0x38, "cs7"}, {0x00, "df"}, {0x00, "be"}, {0x01, "lephb"}, {0x0a, "af11"}, {0x0c, "af12"}, {0x0e, "af13"},
		{0x12, "af21"}, {0x14, "af22"}, {0x16, "af23"}, {0x1a, "af31"}, {0x1c, "af32"}, {0x1e, "af33"},
		{0x22, "af41"}, {0x24, "af42"}, {0x26, "af43"}, {0x2c, "va"}, {0x2e, "ef"},
	}
	ecnSyms       = []symbol{{0, "not-ect"}, {1, "ect1"}, {2, "ect0"}, {3, "ce"}} // ecn_type_tbl
	icmp6TypeSyms = []symbol{                                                     // icmp6_type_tbl
		{1, "destination-unreachable"}, {2, "packet-too-big"}, {3, "time-exceeded"}, {4, "parameter-problem"},
		{128, "echo-request"}, {129, "echo-reply"}, {130, "mld-listener-query"}, {131, "mld-listener-report"},
		{132, "mld-listener-done"}, {132, "mld-listener-reduction"}, {133, "nd-router-solicit"},
		{134, "nd-router-advert"}, {135, "nd-neighbor-solicit"}, {136, "nd-neighbor-advert"}, {137, "nd-redirect"},
		{138, "router-renumbering"}, {141, "ind-neighbor-solicit"}, {142, "ind-neighbor-advert"},
		{143, "mld2-listener-report"},
	}
	arphrdSyms = []symbol{ // arphrd_tbl
		{1, "ether"}, {512, "ppp"}, {768, "ipip"}, {769, "ipip6"}, {772, "loopback"}, {776, "sit"}, {778, "ipgre"},
	}
	pktTypeSyms = []symbol{{0, "host"}, {0, "unicast"}, {1, "broadcast"}, {2, "multicast"}, {3, "other"}} // pkttype_type_tbl
	daySyms     = []symbol{                                                                               // day_type_tbl
		{0, "Sunday"}, {1, "Monday"}, {2, "Tuesday"}, {3, "Wednesday"}, {4, "Thursday"}, {5, "Friday"}, {6, "Saturday"},
	}
	ctStateSyms  = []symbol{{1, "invalid"}, {8, "new"}, {2, "established"}, {4, "related"}, {64, "untracked"}} // ct_state_tbl
	ctDirSyms    = []symbol{{0, "original"}, {1, "reply"}}                                                     // ct_dir_tbl
	ctStatusSyms = []symbol{                                                                                   // ct_status_tbl
		{1, "expected"}, {2, "seen-reply"}, {4, "assured"}, {8, "confirmed"}, {16, "snat"}, {32, "dnat"}, {512, "dying"},
	}
	ctEventSyms = []symbol{ // ct_events_tbl
		{1 << 0, "new"}, {1 << 1, "related"}, {1 << 2, "destroy"}, {1 << 3, "reply"}, {1 << 4, "assured"},
		{1 << 5, "protoinfo"}, {1 << 6, "helper"}, {1 << 7, "mark"}, {1 << 8, "seqadj"}, {1 << 9, "secmark"},
		{1 << 10, "label"},
	}
	fibAddrSyms = []symbol{ // addrtype_tbl
		{0, "unspec"}, {1, "unicast"}, {2, "local"}, {3, "broadcast"}, {4, "anycast"}, {5, "multicast"},
		{6, "blackhole"}, {7, "unreachable"}, {8, "prohibit"},
	}
	mhTypeSyms = []symbol{ // mh_type_tbl
		{0, "binding-refresh-request"}, {1, "home-test-init"}, {2, "careof-test-init"}, {3, "home-test"},
		{4, "careof-test"}, {5, "binding-update"}, {6, "binding-acknowledgement"}, {7, "binding-error"},
		{8, "fast-binding-update"}, {9, "fast-binding-acknowledgement"}, {10, "fast-binding-advertisement"},
		{11, "experimental-mobility-header"}, {12, "home-agent-switch-message"},
	}
	icmpCodeSyms = []symbol{ // icmp_code_tbl
		{0, "net-unreachable"}, {1, "host-unreachable"}, {2, "prot-unreachable"}, {3, "port-unreachable"},
		{9, "net-prohibited"}, {10, "host-prohibited"}, {13, "admin-prohibited"}, {4, "frag-needed"},
	}
	icmpv6CodeSyms = []symbol{ // icmpv6_code_tbl
		{0, "no-route"}, {1, "admin-prohibited"}, {3, "addr-unreachable"}, {4, "port-unreachable"},
		{5, "policy-fail"}, {6, "reject-route"},
	}
	icmpxCodeSyms = []symbol{ // icmpx_code_tbl
		{1, "port-unreachable"}, {3, "admin-prohibited"}, {0, "no-route"}, {2, "host-unreachable"},
	}
	booleanSyms  = []symbol{{1, "exists"}, {0, "missing"}} // boolean_tbl
	devgroupSyms = []symbol{{0, "default"}}                // /etc/iproute2/group
	realmSyms    = []symbol{{0, "cosmos"}}                 // /etc/iproute2/rt_realms
	// inetProtoSyms is /etc/protocols (Debian netbase), first name of each
	// number, as getprotobynumber returns it.
	inetProtoSyms = []symbol{
		{0, "ip"},
		{0, "hopopt"},
		{1, "icmp"},
		{2, "igmp"},
		{3, "ggp"},
		{4, "ipencap"},
		{5, "st"},
		{6, "tcp"},
		{8, "egp"},
		{9, "igp"},
		{12, "pup"},
		{17, "udp"},
		{20, "hmp"},
		{22, "xns-idp"},
		{27, "rdp"},
		{29, "iso-tp4"},
		{33, "dccp"},
		{36, "xtp"},
		{37, "ddp"},
		{38, "idpr-cmtp"},
		{41, "ipv6"},
		{43, "ipv6-route"},
		{44, "ipv6-frag"},
		{45, "idrp"},
		{46, "rsvp"},
		{47, "gre"},
		{50, "esp"},
		{51, "ah"},
		{57, "skip"},
		{58, "ipv6-icmp"},
		{59, "ipv6-nonxt"},
		{60, "ipv6-opts"},
		{73, "rspf"},
		{81, "vmtp"},
		{88, "eigrp"},
		{89, "ospf"},
		{93, "ax.25"},
		{94, "ipip"},
		{97, "etherip"},
		{98, "encap"},
		{103, "pim"},
		{108, "ipcomp"},
		{112, "vrrp"},
		{115, "l2tp"},
		{124, "isis"},
		{132, "sctp"},
		{133, "fc"},
		{135, "mobility-header"},
		{136, "udplite"},
		{137, "mpls-in-ip"},
		{138, "manet"},
		{139, "hip"},
		{140, "shim6"},
		{141, "wesp"},
		{142, "rohc"},
		{143, "ethernet"},
	}
)
