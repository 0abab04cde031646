package nftext

import (
	"strconv"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// Tables and chains as `nft monitor` prints them after "add " (src/rule.c's
// chain_print_plain, src/monitor.c's table callback), and the names that
// follow "delete ".

// AppendName appends what nft monitor prints after "delete ": the kind
// ("table", "chain", "set", "quota", "ct helper", ...), the family, the
// table and, unless empty, the name: `chain inet t c`.
func AppendName(dst []byte, kind string, family nftmon.Family, table, name []byte) []byte {
	dst = append(append(dst, kind...), ' ')
	dst = AppendIdent(append(append(dst, family.String()...), ' '), table)
	if len(name) > 0 {
		dst = AppendIdent(append(dst, ' '), name)
	}
	return dst
}

// AppendTable appends a table as nft monitor prints it: `table inet t`,
// with ` { flags dormant; }` for a dormant table (nft monitor prints no
// other flag and no comment).
func AppendTable(dst []byte, family nftmon.Family, t *msgs.Table) []byte {
	dst = AppendName(dst, "table", family, t.Name, nil)
	if t.Flags&msgs.TableDormant != 0 {
		dst = append(dst, " { flags dormant; }"...)
	}
	return dst
}

// AppendChain appends a chain as nft monitor prints it: `chain inet t c`,
// and for a base chain ` { type filter hook input priority filter; policy
// accept; }`. Unlike nft monitor 1.0.6, which leaves them out, a netdev
// chain's devices are printed as `nft list ruleset` prints them (`device
// "lo"`, `devices = { a, b }`). nft monitor prints no comment.
func AppendChain(dst []byte, family nftmon.Family, c *msgs.Chain) []byte {
	dst = AppendName(dst, "chain", family, c.Table, c.Name)
	if !c.Present.Has(unix.NFTA_CHAIN_HOOK) || !c.Present.Has(unix.NFTA_CHAIN_TYPE) {
		return dst
	}
	dst = AppendIdent(append(dst, " { type "...), c.Type)
	dst = append(dst, " hook "...)
	if h := msgs.HookName(family, c.Hook.Num); h != "" {
		dst = append(dst, h...)
	} else {
		dst = append(dst, "unknown"...)
	}
	dst = appendDevices(dst, &c.Hook)
	dst = AppendPriority(append(dst, " priority "...), family, c.Hook.Num, c.Hook.Priority)
	policy := msgs.PolicyAccept
	if c.Present.Has(unix.NFTA_CHAIN_POLICY) {
		policy = c.Policy
	}
	dst = append(dst, "; policy "...)
	switch policy {
	case msgs.PolicyAccept:
		dst = append(dst, "accept"...)
	case msgs.PolicyDrop:
		dst = append(dst, "drop"...)
	default:
		dst = append(dst, "unknown"...)
	}
	return append(dst, "; }"...)
}

// appendDevices appends a base chain's devices as nft list prints them.
func appendDevices(dst []byte, h *msgs.ChainHook) []byte {
	if h.Dev != nil {
		return AppendQuoted(append(dst, " device "...), h.Dev)
	}
	n := 0
	for s := h.Devices(); s.Next(); n++ {
	}
	if n == 0 {
		return dst
	}
	i := 0
	for s := h.Devices(); s.Next(); i++ {
		d := s.Device()
		switch {
		case n == 1:
			dst = AppendQuoted(append(dst, " device "...), d.Name)
			continue
		case i == 0:
			dst = append(dst, " devices = { "...)
		default:
			dst = append(dst, ", "...)
		}
		dst = AppendIdent(dst, d.Name)
	}
	if n > 1 {
		dst = append(dst, " }"...)
	}
	return dst
}

// A standard priority: its value and the name nft prints for it.
type stdPrio struct {
	val  int32
	name string
}

// The standard priorities (std_prios and bridge_std_prios, src/rule.c):
// NF_IP_PRI_* and NF_BR_PRI_*.
var (
	inetPrios = [...]stdPrio{
		{-300, "raw"},    // NF_IP_PRI_RAW
		{-150, "mangle"}, // NF_IP_PRI_MANGLE
		{-100, "dstnat"}, // NF_IP_PRI_NAT_DST
		{0, "filter"},    // NF_IP_PRI_FILTER
		{50, "security"}, // NF_IP_PRI_SECURITY
		{100, "srcnat"},  // NF_IP_PRI_NAT_SRC
	}
	bridgePrios = [...]stdPrio{
		{-300, "dstnat"}, // NF_BR_PRI_NAT_DST_BRIDGED
		{-200, "filter"}, // NF_BR_PRI_FILTER_BRIDGED
		{100, "out"},     // NF_BR_PRI_NAT_DST_OTHER
		{300, "srcnat"},  // NF_BR_PRI_NAT_SRC
	}
)

// The hooks the standard priorities depend on (NF_INET_*, NF_BR_*).
const (
	hookPrerouting  = unix.NF_INET_PRE_ROUTING
	hookOutput      = unix.NF_INET_LOCAL_OUT
	hookPostrouting = unix.NF_INET_POST_ROUTING
)

// prioReach is how far from a standard priority nft still names it
// (`filter - 5`).
const prioReach = 10

// AppendPriority appends a base chain's priority as nft prints it
// (prio2str): the standard name within 10 of it where the family and hook
// allow it (`filter`, `dstnat`, `srcnat + 10`, `filter - 5`), else the
// number.
func AppendPriority(dst []byte, family nftmon.Family, hook uint32, prio int32) []byte {
	prios := inetPrios[:]
	if family == nftmon.FamilyBridge {
		prios = bridgePrios[:]
	}
	for _, p := range prios {
		off := prio - p.val
		if off < -prioReach || off > prioReach {
			continue
		}
		if !prioCompat(p.val, family, hook) {
			break
		}
		dst = append(dst, p.name...)
		switch {
		case off > 0:
			dst = strconv.AppendInt(append(dst, " + "...), int64(off), 10)
		case off < 0:
			dst = strconv.AppendInt(append(dst, " - "...), int64(-off), 10)
		}
		return dst
	}
	return strconv.AppendInt(dst, int64(prio), 10)
}

// prioCompat reports whether nft names a standard priority in a family and
// hook (std_prio_family_hook_compat).
func prioCompat(prio int32, family nftmon.Family, hook uint32) bool {
	if family == nftmon.FamilyBridge {
		switch prio {
		case -300:
			return hook == hookPrerouting
		case -200:
			return true
		case 100:
			return hook == hookOutput
		case 300:
			return hook == hookPostrouting
		}
		return false
	}
	inet := family == nftmon.FamilyINet || family == nftmon.FamilyIPv4 || family == nftmon.FamilyIPv6
	switch prio {
	case 0:
		return inet || family == nftmon.FamilyARP || family == nftmon.FamilyNetdev
	case -300, -150, 50:
		return inet
	case -100:
		return inet && hook == hookPrerouting
	case 100:
		return inet && hook == hookPostrouting
	}
	return false
}
