package nstest

import (
	"os"
	"path/filepath"
	"testing"
)

// TestLinksFile checks that ReadLinks reads what WriteLinks wrote.
func TestLinksFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.links")
	want := map[uint32]string{1: "lo", 3: "d0", 2: "d1"}
	if err := WriteLinks(path, want); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "1 lo\n2 d1\n3 d0\n" {
		t.Errorf("wrote %q", b)
	}
	got, err := ReadLinks(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || got[1] != "lo" || got[2] != "d1" || got[3] != "d0" {
		t.Errorf("read %v, wrote %v", got, want)
	}
}
