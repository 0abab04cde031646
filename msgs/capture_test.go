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
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapnl.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []capMsg
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		data := slices.Clone(rec.Data)
		s := nftmon.NewMessageScanner(data)
		for s.Next() {
			m := s.Message()
			if !m.Header.IsNFTables() {
				continue // NLMSG_DONE, NLMSG_ERROR of requests
			}
			nf, attrs, err := m.NFGen()
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			out = append(out, capMsg{Header: m.Header, NF: nf, Attrs: attrs})
		}
		if err := s.Err(); err != nil {
			t.Fatalf("%s: %v", path, err)
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
