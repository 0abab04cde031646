package nftext

import (
	"encoding/binary"
	"errors"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// DefaultMaxRules is how many rules a RuleCache keeps when Max is 0.
const DefaultMaxRules = 1 << 16

// RuleCache keeps the text of the rules a monitor has seen, by namespace,
// family, table, chain and handle, for the trace lines that name them
// (it is a TraceRules). Observe teaches it: it renders every rule of a
// NEWRULE notification or snapshot event once, as nft does when it lists
// the ruleset (the counters then are the ones it prints, as nft's do),
// and forgets on DELRULE, DELCHAIN and DELTABLE, a namespace's rules when
// a snapshot of it begins, and everything after a loss. It holds at most
// Max rules: beyond that it learns no more until some are forgotten.
//
// A rule it has not seen (one created before the monitor started, without
// a snapshot) is asked for with one GETRULE on Conn, when set, for the
// monitor's own namespace; a rule the kernel does not have is asked for
// once. Looking a known rule up allocates nothing; learning one does.
type RuleCache struct {
	Sets *Sets        // the sets rules are rendered with (observe events with it first); nil: none
	Conn *nftmon.Conn // a request socket of the own namespace, for GETRULE; nil: never ask
	Max  int          // the most rules kept; 0 means DefaultMaxRules
	// Links, if set, names the interface indexes of the rules as nft
	// does (RuleRenderer.Links), when they are learnt.
	Links LinkNames
	m     map[ruleKey]cachedRule
	// asked holds the rules asked for with GETRULE that the kernel did
	// not have, bounded by Max too.
	asked map[ruleKey]struct{}
	rule  msgs.Rule
	rr    RuleRenderer
	buf   []byte
	req   []byte
}

type ruleKey struct {
	nsid   int32
	family nftmon.Family
	handle uint64 // unique in its table
	table  string
}

type cachedRule struct {
	chain string
	text  string
}

// AppendRule appends the text of a rule, and reports whether it is
// known; on a miss it asks the kernel, as RuleCache says.
func (c *RuleCache) AppendRule(dst []byte, nsid int32, family nftmon.Family, table, chain []byte, handle uint64) ([]byte, bool) {
	if r, ok := c.m[ruleKey{nsid, family, handle, string(table)}]; ok {
		if r.chain != string(chain) {
			return dst, false
		}
		return append(dst, r.text...), true
	}
	if c.Conn == nil || nsid != OwnNS {
		return dst, false
	}
	if _, ok := c.asked[ruleKey{nsid, family, handle, string(table)}]; ok {
		return dst, false
	}
	if err := c.ask(family, table, chain, handle); err != nil {
		if c.asked == nil {
			c.asked = make(map[ruleKey]struct{})
		}
		if len(c.asked) >= c.max() {
			clear(c.asked)
		}
		c.asked[ruleKey{nsid, family, handle, string(table)}] = struct{}{}
		return dst, false
	}
	if r, ok := c.m[ruleKey{nsid, family, handle, string(table)}]; ok && r.chain == string(chain) {
		return append(dst, r.text...), true
	}
	return dst, false
}

// errNoRule says GETRULE found no rule.
var errNoRule = errors.New("nftext: no such rule")

// ask sends one GETRULE for a rule of the own namespace and learns it.
func (c *RuleCache) ask(family nftmon.Family, table, chain []byte, handle uint64) error {
	c.req = nftmon.AppendRequest(c.req[:0], nftmon.MsgGetRule, unix.NLM_F_REQUEST, 0, family)
	c.req = appendStringAttr(c.req, unix.NFTA_RULE_TABLE, table)
	c.req = appendStringAttr(c.req, unix.NFTA_RULE_CHAIN, chain)
	c.req = binary.NativeEndian.AppendUint16(c.req, nftmon.AttrHeaderLen+8)
	c.req = binary.NativeEndian.AppendUint16(c.req, unix.NFTA_RULE_HANDLE)
	c.req = binary.BigEndian.AppendUint64(c.req, handle)
	c.req = nftmon.FinishRequest(c.req, 0)
	found := false
	err := c.Conn.Request("getrule", c.req, func(m *nftmon.Message) error {
		nf, attrs, err := m.NFGen()
		if err != nil {
			return err
		}
		if m.Header.MsgType() != nftmon.MsgNewRule {
			return nil
		}
		found = true
		return c.learn(OwnNS, nftmon.Family(nf.Family), attrs)
	})
	if err == nil && !found {
		return errNoRule
	}
	return err
}

func (c *RuleCache) max() int {
	if c.Max > 0 {
		return c.Max
	}
	return DefaultMaxRules
}

// Len returns how many rules are known.
func (c *RuleCache) Len() int { return len(c.m) }

// learn renders and keeps the rule of a NEWRULE message.
func (c *RuleCache) learn(nsid int32, family nftmon.Family, attrs []byte) error {
	if err := c.rule.Decode(attrs); err != nil {
		return err
	}
	k := ruleKey{nsid, family, c.rule.Handle, string(c.rule.Table)}
	if _, ok := c.m[k]; !ok && len(c.m) >= c.max() {
		return nil
	}
	c.rr.Links = c.Links
	c.buf = c.rr.AppendRule(c.buf[:0], nsid, family, &c.rule, c.Sets)
	if c.m == nil {
		c.m = make(map[ruleKey]cachedRule)
	}
	c.m[k] = cachedRule{chain: string(c.rule.Chain), text: string(c.buf)}
	delete(c.asked, k)
	return nil
}

// forget forgets the rules for which drop is true.
func (c *RuleCache) forget(drop func(k *ruleKey, r *cachedRule) bool) {
	for k, r := range c.m {
		if drop(&k, &r) {
			delete(c.m, k)
		}
	}
}

// Observe updates the cache from one event (see RuleCache). It returns
// the error of a message it could not decode.
func (c *RuleCache) Observe(e *nftmon.Event) error {
	nsid := NSID(e)
	switch e.Kind {
	case nftmon.EventLoss:
		clear(c.m)
		return nil
	case nftmon.EventSnapshotBegin:
		c.forget(func(k *ruleKey, _ *cachedRule) bool { return k.nsid == nsid })
		return nil
	case nftmon.EventChange, nftmon.EventSnapshot:
	default:
		return nil
	}
	switch e.Type {
	case nftmon.MsgNewRule:
		return c.learn(nsid, e.Family, e.Attrs)
	case nftmon.MsgDelRule:
		if err := c.rule.Decode(e.Attrs); err != nil {
			return err
		}
		if c.rule.Present.Has(unix.NFTA_RULE_HANDLE) {
			delete(c.m, ruleKey{nsid, e.Family, c.rule.Handle, string(c.rule.Table)})
			return nil
		}
		// A flush of the chain: every rule of it goes.
		table, chain := string(c.rule.Table), string(c.rule.Chain)
		c.forget(func(k *ruleKey, r *cachedRule) bool {
			return k.nsid == nsid && k.family == e.Family && k.table == table && r.chain == chain
		})
	case nftmon.MsgDelChain:
		var ch msgs.Chain
		if err := ch.Decode(e.Attrs); err != nil {
			return err
		}
		table, chain := string(ch.Table), string(ch.Name)
		c.forget(func(k *ruleKey, r *cachedRule) bool {
			return k.nsid == nsid && k.family == e.Family && k.table == table && r.chain == chain
		})
	case nftmon.MsgDelTable:
		t, err := tableName(e.Attrs)
		if err != nil {
			return err
		}
		table := string(t)
		c.forget(func(k *ruleKey, _ *cachedRule) bool {
			return k.nsid == nsid && k.family == e.Family && k.table == table
		})
	}
	return nil
}
