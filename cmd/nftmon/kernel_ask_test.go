package main

import (
	"strings"
	"testing"

	"github.com/nftmon/nftmon/internal/nstest"
)

// TestKernelUnknownSets starts nftmon after a set and a map were made,
// without -snapshot: the elements added later are typed anyway (the
// command asked the kernel, GETSET), in text as nft monitor prints them and
// in JSON.
func TestKernelUnknownSets(t *testing.T) {
	ns := nstest.New(t)
	ns.Script(t, "add table inet early\n"+
		"add set inet early nets { type ipv4_addr; flags interval; }\n"+
		"add map inet early ports { type inet_service : verdict; }\n")
	text := nftmonProc(t, "-netns", ns.Path)
	js := nftmonProc(t, "-j", "-netns", ns.Path)
	floor := syncProcs(t, ns, text, js)
	ns.Script(t, "add element inet early nets { 10.9.0.0/16 }\nadd element inet early ports { 22 : accept }\n")
	syncProcs(t, ns, text, js)
	got := after(t, text, floor)
	for _, want := range []string{
		"add element inet early nets { 10.9.0.0/16 }\n",
		"add element inet early ports { 22 : accept }\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("text: no %q in\n%s", want, got)
		}
	}
	gotJS := after(t, js, floor)
	for _, want := range []string{`"key":"10.9.0.0/16"`, `"key":"22","data":"accept"`} {
		if !strings.Contains(gotJS, want) {
			t.Errorf("JSON: no %s in\n%s", want, gotJS)
		}
	}
	if strings.Contains(got, "not known") || strings.Contains(gotJS, "types_known") {
		t.Errorf("set types not known:\n%s%s", got, gotJS)
	}
}
