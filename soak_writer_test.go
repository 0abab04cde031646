package nftmon_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/nftmon/nftmon/internal/nstest"
)

// soakWriter makes random nft scripts, each one transaction, over the
// tables it owns in one namespace, and keeps the picture of them it needs
// to make the next: chain names, rule handles, set elements, objects. Its
// vocabulary stays inside what the soak's oracles model: nft monitor
// (no interval or concatenated sets, no ct timeouts, KERNEL.md, fact 16)
// and `nft -j list ruleset` as nftState reads it (ipv4_addr sets; counter,
// quota, limit, ct helper objects).
type soakWriter struct {
	id     int
	rng    *rand.Rand
	tables []*soakTable
	next   int // the number of the next table, and of extra chains, sets, objects
}

// soakTable is one table of a writer, as it knows it.
type soakTable struct {
	fam, name string
	jname     string              // the current name of the regular chain j
	rules     map[string][]uint64 // "c" or "j" -> handles of rules that may be deleted
	elems     map[string]bool     // elements of set s
	chains    []string            // extra chains: empty, unreferenced
	sets      []string            // extra sets
	objs      [][2]string         // extra objects: kind ("counter", "ct helper"...), name
}

func newSoakWriter(id int, seed uint64) *soakWriter {
	return &soakWriter{id: id, rng: rand.New(rand.NewPCG(uint64(id), seed))}
}

// soakStep is one transaction to commit: its script, whether nft must
// fail it, and what to note of its success (given nft's --echo --handle
// output).
type soakStep struct {
	script string
	fail   bool
	echo   bool // done needs nft's --echo --handle output (the handles of new rules)
	done   func(echo string)
}

// commit commits the next transaction in ns. It reports whether a
// transaction was committed (not when nft refused one made to fail), and an
// error when nft did not do what the step expected.
func (w *soakWriter) commit(ns *nstest.NS) (bool, error) {
	step := w.step()
	args := []string{"-f", "-"}
	if step.echo {
		// Echoing makes nft read the whole ruleset first: only when needed.
		args = append([]string{"--echo", "--handle"}, args...)
	}
	out, err := ns.TryNft(step.script, args...)
	switch {
	case step.fail && err == nil:
		return false, fmt.Errorf("this transaction should have failed:\n%s", step.script)
	case step.fail:
		return false, nil
	case err != nil:
		return false, fmt.Errorf("%w\n%s", err, step.script)
	}
	step.done(out)
	return true, nil
}

func (w *soakWriter) ip(t *soakTable) string {
	return fmt.Sprintf("10.%d.%d.%d", w.id%250, w.rng.IntN(250), 1+w.rng.IntN(250))
}

// step returns the next transaction.
func (w *soakWriter) step() soakStep {
	r := w.rng
	if len(w.tables) < 2 || (len(w.tables) < 6 && r.IntN(100) < 8) {
		return w.newTable()
	}
	t := w.tables[r.IntN(len(w.tables))]
	pre := fmt.Sprintf("%s %s", t.fam, t.name)
	switch op := r.IntN(100); {
	case op < 15: // elements
		var add []string
		for n := 1 + r.IntN(4); len(add) < n; {
			if e := w.ip(t); !t.elems[e] && !slices.Contains(add, e) {
				add = append(add, e) // (an empty list would be a syntax error)
			}
		}
		return soakStep{script: fmt.Sprintf("add element %s s { %s }\n", pre, strings.Join(add, ", ")), done: func(string) {
			for _, e := range add {
				t.elems[e] = true
			}
		}}
	case op < 20 && len(t.elems) > 0: // delete an element
		e := slices.Sorted(maps.Keys(t.elems))[r.IntN(len(t.elems))]
		return soakStep{script: fmt.Sprintf("delete element %s s { %s }\n", pre, e), done: func(string) { delete(t.elems, e) }}
	case op < 22: // a burst of elements, many datagrams
		var b strings.Builder
		fmt.Fprintf(&b, "add element %s s {", pre)
		var add []string
		for i := range 150 + r.IntN(150) {
			e := fmt.Sprintf("10.%d.%d.%d", 250+w.id%5, i/250, 1+i%250)
			if !t.elems[e] {
				add = append(add, e)
			}
		}
		b.WriteString(strings.Join(add, ", "))
		b.WriteString(" }\n")
		if len(add) == 0 {
			return soakStep{script: fmt.Sprintf("flush set %s s\n", pre), done: func(string) { clear(t.elems) }}
		}
		return soakStep{script: b.String(), done: func(string) {
			for _, e := range add {
				t.elems[e] = true
			}
		}}
	case op < 25 && len(t.elems) > 0: // (flushing nothing commits no transaction)
		return soakStep{script: fmt.Sprintf("flush set %s s\n", pre), done: func(string) { clear(t.elems) }}
	case op < 45: // rules
		role := []string{"c", "j"}[r.IntN(2)]
		var b strings.Builder
		for range 1 + r.IntN(3) {
			verb := []string{"add", "insert"}[r.IntN(2)]
			fmt.Fprintf(&b, "%s rule %s %s %s\n", verb, pre, t.chain(role), w.ruleText(role, t))
		}
		return soakStep{script: b.String(), echo: true, done: func(echo string) { t.noteRules(echo) }}
	case op < 52 && len(t.rules["c"])+len(t.rules["j"]) > 0: // delete or replace a rule
		role := "c"
		if len(t.rules["c"]) == 0 || (len(t.rules["j"]) > 0 && r.IntN(2) == 0) {
			role = "j"
		}
		i := r.IntN(len(t.rules[role]))
		h := t.rules[role][i]
		if r.IntN(2) == 0 {
			return soakStep{script: fmt.Sprintf("delete rule %s %s handle %d\n", pre, t.chain(role), h), done: func(string) {
				t.rules[role] = slices.DeleteFunc(t.rules[role], func(x uint64) bool { return x == h })
			}}
		}
		return soakStep{script: fmt.Sprintf("replace rule %s %s handle %d %s\n", pre, t.chain(role), h, w.ruleText(role, t)), echo: true, done: func(echo string) {
			t.rules[role] = slices.DeleteFunc(t.rules[role], func(x uint64) bool { return x == h })
			t.noteRules(echo)
		}}
	case op < 56 && len(t.rules["j"]) > 0: // only j: c holds rules using set s
		return soakStep{script: fmt.Sprintf("flush chain %s %s\n", pre, t.jname), done: func(string) { t.rules["j"] = nil }}
	case op < 61:
		to := fmt.Sprintf("j%d", w.next)
		w.next++
		return soakStep{script: fmt.Sprintf("rename chain %s %s %s\n", pre, t.jname, to), done: func(string) { t.jname = to }}
	case op < 66: // an extra chain, set or object
		n := w.next
		w.next++
		switch r.IntN(3) {
		case 0:
			name := fmt.Sprintf("x%d", n)
			return soakStep{script: fmt.Sprintf("add chain %s %s\n", pre, name), done: func(string) { t.chains = append(t.chains, name) }}
		case 1:
			name := fmt.Sprintf("s%d", n)
			return soakStep{script: fmt.Sprintf("add set %s %s { type ipv4_addr; elements = { %s } }\n", pre, name, w.ip(t)), done: func(string) { t.sets = append(t.sets, name) }}
		}
		o := [][2]string{
			{"counter", fmt.Sprintf("k%d", n)},
			{"quota", fmt.Sprintf("q%d", n)},
			{"limit", fmt.Sprintf("l%d", n)},
			{"ct helper", fmt.Sprintf("h%d", n)},
		}[r.IntN(4)]
		body := map[string]string{"counter": "", "quota": " { over 10 mbytes; }", "limit": " { rate 10/second; }", "ct helper": ` { type "ftp" protocol tcp; }`}[o[0]]
		return soakStep{script: fmt.Sprintf("add %s %s %s%s\n", o[0], pre, o[1], body), done: func(string) { t.objs = append(t.objs, o) }}
	case op < 72 && len(t.chains)+len(t.sets)+len(t.objs) > 0: // delete extras
		var b strings.Builder
		chains, sets, objs := t.chains, t.sets, t.objs
		for _, c := range chains {
			fmt.Fprintf(&b, "delete chain %s %s\n", pre, c)
		}
		for _, s := range sets {
			fmt.Fprintf(&b, "delete set %s %s\n", pre, s)
		}
		for _, o := range objs {
			fmt.Fprintf(&b, "delete %s %s %s\n", o[0], pre, o[1])
		}
		return soakStep{script: b.String(), done: func(string) { t.chains, t.sets, t.objs = nil, nil, nil }}
	case op < 80: // a transaction the kernel or nft refuses: nothing is notified
		n := w.next
		w.next++
		bad := []string{
			fmt.Sprintf("add rule %s nonexistent%d accept\n", pre, n),
			fmt.Sprintf("create table %s\n", pre),
			fmt.Sprintf("delete chain %s x%d\n", pre, n),
			fmt.Sprintf("add rule %s %s jump nonexistent%d\n", pre, t.chain("c"), n),
		}[r.IntN(4)]
		return soakStep{fail: true, script: fmt.Sprintf("add element %s s { %s }\nadd chain %s y%d\nadd table %s %s_f%d\n%s", pre, w.ip(t), pre, n, t.fam, t.name, n, bad)}
	case op < 84 || len(t.rules["c"]) > 40 || len(w.tables) >= 6: // a table and its contents deleted in one transaction
		return soakStep{script: fmt.Sprintf("delete table %s\n", pre), done: func(string) {
			w.tables = slices.DeleteFunc(w.tables, func(x *soakTable) bool { return x == t })
		}}
	}
	return w.newTable()
}

// newTable makes a table with a base chain, a regular chain, a set, the
// objects its rules use, and rules using them all.
func (w *soakWriter) newTable() soakStep {
	n := w.next
	w.next++
	t := &soakTable{fam: []string{"ip", "inet"}[w.rng.IntN(2)], name: fmt.Sprintf("w%d_%d", w.id, n), jname: "j",
		rules: map[string][]uint64{}, elems: map[string]bool{}}
	a, b := w.ip(t), w.ip(t)
	for b == a {
		b = w.ip(t)
	}
	pre := t.fam + " " + t.name
	script := fmt.Sprintf(`add table %[1]s
add chain %[1]s c { type filter hook input priority %[2]d; }
add chain %[1]s j
add set %[1]s s { type ipv4_addr; }
add element %[1]s s { %[3]s, %[4]s }
add counter %[1]s k
add quota %[1]s q { over 100 mbytes; }
add limit %[1]s l { rate 100/second; }
add rule %[1]s c ip saddr @s counter name k accept
add rule %[1]s c tcp dport { 22, 80 } jump j
add rule %[1]s j quota name q limit name l counter
`, pre, w.rng.IntN(200)-100, a, b)
	return soakStep{script: script, echo: true, done: func(echo string) {
		t.elems[a], t.elems[b] = true, true
		t.noteRules(echo)
		w.tables = append(w.tables, t)
	}}
}

// ruleText returns a random rule body for chain role "c" or "j".
func (w *soakWriter) ruleText(role string, t *soakTable) string {
	r := w.rng
	bodies := []string{
		"counter",
		fmt.Sprintf("tcp dport %d accept", 1+r.IntN(65535)),
		fmt.Sprintf("tcp dport { %d, %d } counter", 1+r.IntN(30000), 30001+r.IntN(30000)),
		"counter name k",
		fmt.Sprintf("udp dport %d log prefix \"w%d\" drop", 1+r.IntN(65535), w.id),
		fmt.Sprintf("ip daddr %s counter", w.ip(t)),
		fmt.Sprintf("meta mark set %d", r.IntN(1000)),
	}
	if role == "c" {
		bodies = append(bodies, fmt.Sprintf("ip protocol icmp jump %s", t.jname), "ip saddr @s drop")
	}
	return bodies[r.IntN(len(bodies))]
}

// chain returns the current name of chain role "c" or "j".
func (t *soakTable) chain(role string) string {
	if role == "j" {
		return t.jname
	}
	return "c"
}

// noteRules records the handles of the rules nft echoed (--echo --handle:
// "add rule FAMILY TABLE CHAIN ... # handle N"), except those of rules
// using set s: they are never deleted but with their table, as nft
// monitor 1.0.6 forgets a named set once a rule that used it is deleted,
// and prints nothing for its elements from then on (KERNEL.md, fact 16).
func (t *soakTable) noteRules(echo string) {
	for _, line := range strings.Split(echo, "\n") {
		f := strings.Fields(line)
		if len(f) < 7 || (f[0] != "add" && f[0] != "insert") || f[1] != "rule" || f[3] != t.name || f[len(f)-2] != "handle" {
			continue
		}
		h, err := strconv.ParseUint(f[len(f)-1], 10, 64)
		if err != nil || strings.Contains(line, " @s ") {
			continue
		}
		role := "c"
		if f[4] != "c" {
			role = "j"
		}
		if !slices.Contains(t.rules[role], h) {
			t.rules[role] = append(t.rules[role], h)
		}
	}
}
