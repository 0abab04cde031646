package main

import (
	"encoding/binary"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestMalformed checks that bytes the monitor cannot parse are reported on
// stderr, one line each saying what they were and what was wrong, while
// the output goes on as without them: a nftables message too short for its
// nfgenmsg header, and a datagram whose last message's length lies.
func TestMalformed(t *testing.T) {
	dgs := loadDatagrams(t, "rules")
	file := filepath.Join(t.TempDir(), "bad.pcap")
	writePcap(t, file, dgs, 5)
	_, clean, _ := runCmd("-r", file)

	short := make([]byte, unix.NLMSG_HDRLEN) // a NEWRULE with no payload
	binary.NativeEndian.PutUint32(short[0:], unix.NLMSG_HDRLEN)
	binary.NativeEndian.PutUint16(short[4:], unix.NFNL_SUBSYS_NFTABLES<<8|unix.NFT_MSG_NEWRULE)
	liar := make([]byte, unix.NLMSG_HDRLEN) // says 200 bytes, has 16
	binary.NativeEndian.PutUint32(liar[0:], 200)
	bad := append([][]byte{short}, dgs...)
	bad[len(bad)-1] = append(append([]byte(nil), bad[len(bad)-1]...), liar...)
	writePcap(t, file, bad, 5)

	code, out, errs := runCmd("-r", file)
	if code != exitOK {
		t.Errorf("exit %d: %s", code, errs)
	}
	if out != clean {
		t.Errorf("the output changed:\n%s\nwithout the bad bytes:\n%s", tail(out, 1000), tail(clean, 1000))
	}
	lines := strings.Split(strings.TrimSuffix(errs, "\n"), "\n")
	t.Logf("stderr:\n%s", errs)
	if len(lines) != 2 ||
		!strings.HasPrefix(lines[0], "nftmon: malformed message NEWRULE of 16 bytes from nsid 5: ") ||
		!strings.HasPrefix(lines[1], "nftmon: malformed datagram: 16 bytes that are not netlink messages from nsid 5: ") {
		t.Errorf("stderr:\n%s", errs)
	}
	if _, js, jerrs := runCmd("-j", "-r", file); jerrs != errs || strings.Contains(js, "malformed") {
		t.Errorf("-j: stderr %q, want %q; output has malformed: %v", jerrs, errs, strings.Contains(js, "malformed"))
	}
}
