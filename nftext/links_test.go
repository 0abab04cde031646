package nftext

import (
	"testing"

	"github.com/nftmon/nftmon/internal/nstest"
)

// NSLinks names the interfaces of a test's namespace, by index: what nft
// monitor, running there, names. It names those of the own namespace
// (OwnNS) only. Exported for the external tests of the package.
type NSLinks map[uint32]string

// AppendLinkName appends the name of interface index of namespace nsid.
func (l NSLinks) AppendLinkName(dst []byte, nsid int32, index uint32) ([]byte, bool) {
	name, ok := l[index]
	if !ok || nsid != OwnNS {
		return dst, false
	}
	return append(dst, name...), true
}

// NSLinkNames lists the interfaces of ns, as nft monitor there lists them
// when it first prints an index.
func NSLinkNames(t testing.TB, ns *nstest.NS) NSLinks {
	t.Helper()
	l, err := ns.Links()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// readLinks reads a capture's NAME.links (nstest.WriteLinks): those of
// testdata/rules, written by TestRulesKernel -update, and of ../testdata,
// by internal/cmd/capture.
func readLinks(t testing.TB, path string) NSLinks {
	t.Helper()
	l, err := nstest.ReadLinks(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestRulesKernel -update, or go run ./internal/cmd/capture)", err)
	}
	return l
}
