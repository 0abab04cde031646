package msgs

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/pcapnl"
)

// capMsg is one nftables message read from a capture.
type capMsg struct {
	Header nftmon.Header
	NF     nftmon.NFGenMsg
	Attrs  []byte // the attributes after nfgenmsg
	// Datagram is the whole datagram the message came in.
	Datagram []byte
}

// captureDir holds the kernel captures made by internal/cmd/capture.
const captureDir = "../testdata"

// captureFiles returns every capture (notifications and dumps), failing the
// test when there is none: the tests below must not pass on nothing.
func captureFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(captureDir, "*.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no captures in %s: run go run ./internal/cmd/capture", captureDir)
	}
	slices.Sort(files)
	return files
}

// captureName returns "sets" for ../testdata/sets.pcap and "sets.dump" for
// ../testdata/sets.dump.pcap.
func captureName(path string) string {
	return strings.TrimSuffix(filepath.Base(path), ".pcap")
}

// readCapture returns every nftables message of the capture at path, each
// with its own copy of the datagram.
func readCapture(t testing.TB, path string) []capMsg {
	t.Helper()
	return capMsgs(t, readPcap(t, path))
}

// readPcap returns the datagrams of the pcap file at path.
func readPcap(t testing.TB, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out, err := pcapDatagrams(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

// pcapDatagrams returns a copy of every datagram of the pcap file r.
func pcapDatagrams(r io.Reader) ([][]byte, error) {
	pr, err := pcapnl.NewReader(r)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for {
		rec, err := pr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, slices.Clone(rec.Data))
	}
}

// capMsgs splits datagrams into their nftables messages (NLMSG_DONE and
// NLMSG_ERROR left out).
func capMsgs(t testing.TB, datagrams [][]byte) []capMsg {
	t.Helper()
	var out []capMsg
	for _, d := range datagrams {
		s := nftmon.NewMessageScanner(d)
		for s.Next() {
			m := s.Message()
			if !m.Header.IsNFTables() {
				continue
			}
			nf, attrs, err := m.NFGen()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, capMsg{Header: m.Header, NF: nf, Attrs: attrs, Datagram: d})
		}
		if err := s.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// allCaptured returns the messages of every capture.
func allCaptured(t testing.TB) []capMsg {
	var all []capMsg
	for _, f := range captureFiles(t) {
		all = append(all, readCapture(t, f)...)
	}
	return all
}

// firstOf returns the first captured message for which keep is true, failing
// the test if there is none.
func firstOf(t testing.TB, msgs []capMsg, what string, keep func(capMsg) bool) capMsg {
	t.Helper()
	for _, m := range msgs {
		if keep(m) {
			return m
		}
	}
	t.Fatalf("no captured message with %s", what)
	return capMsg{}
}
