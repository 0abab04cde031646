package nstest

import (
	"fmt"
	"strings"
)

// ElementsScript returns an nft script that makes table (ip family) with a
// set s of n IPv4 addresses, all in one transaction.
func ElementsScript(table string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "add table ip %s\nadd set ip %s s { type ipv4_addr; }\nadd element ip %s s {", table, table, table)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, " 10.%d.%d.%d", i>>16, (i>>8)&255, i&255)
	}
	b.WriteString(" }\n")
	return b.String()
}

// RulesScript returns an nft script that makes table (ip family) with a base
// chain c of n rules, each matching an address and a port, counting and
// accepting: six expressions and a typical size.
func RulesScript(table string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "add table ip %s\nadd chain ip %s c { type filter hook input priority 0; }\n", table, table)
	for i := range n {
		fmt.Fprintf(&b, "add rule ip %s c ip saddr 10.%d.%d.%d tcp dport %d counter accept\n", table, i>>16, (i>>8)&255, i&255, 1+i%60000)
	}
	return b.String()
}
