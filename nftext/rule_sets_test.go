package nftext

import (
	"testing"

	"github.com/nftmon/nftmon"
)

// SetKnowledgeTest stands in for the set knowledge until it exists: it
// knows nothing.
type SetKnowledgeTest struct{}

func newSetKnowledgeTest() *SetKnowledgeTest { return &SetKnowledgeTest{} }

func (k *SetKnowledgeTest) learn(t testing.TB, typ nftmon.MsgType, f nftmon.Family, attrs []byte) {}

func (k *SetKnowledgeTest) RuleSet(family nftmon.Family, table, name []byte) (SetInfo, bool) {
	return SetInfo{}, false
}

func (k *SetKnowledgeTest) AppendSetInline(dst []byte, family nftmon.Family, table, name []byte) ([]byte, bool) {
	return dst, false
}
