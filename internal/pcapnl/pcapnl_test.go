package pcapnl

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// sample returns a file of three datagrams, the second from nsid 7.
func sample(t testing.TB) []byte {
	var buf bytes.Buffer
	w, err := NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Unix(1700000000, 123456789)
	for i, d := range [][]byte{[]byte("first datagram."), []byte("second"), make([]byte, 300)} {
		if err := w.Write(ts, d, 7, i == 1); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// readAll reads every record of b, copying their data.
func readAll(b []byte) ([]Record, error) {
	r, err := NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	var out []Record
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if cap(r.buf) > MaxRecordLen {
			return out, errors.New("buffer beyond MaxRecordLen")
		}
		rec.Data = bytes.Clone(rec.Data)
		out = append(out, rec)
	}
}

func TestRoundTrip(t *testing.T) {
	recs, err := readAll(sample(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || string(recs[0].Data) != "first datagram." || string(recs[1].Data) != "second" || len(recs[2].Data) != 300 {
		t.Fatalf("read back %+v", recs)
	}
	if recs[0].HasNSID || !recs[1].HasNSID || recs[1].NSID != 7 || !recs[0].Time.Equal(time.Unix(1700000000, 123456789)) {
		t.Errorf("nsid or time lost: %+v %+v", recs[0], recs[1])
	}
}

// TestTruncated: a file cut anywhere inside its header or a record is
// reported as truncated, not as another format; a file cut between records
// reads cleanly to that point.
func TestTruncated(t *testing.T) {
	full := sample(t)
	bounds := map[int]bool{24: true}
	for off := 24; off < len(full); {
		n := int(full[off+8]) | int(full[off+9])<<8
		off += 16 + n
		bounds[off] = true
	}
	for cut := 0; cut < len(full); cut++ {
		recs, err := readAll(full[:cut])
		switch {
		case bounds[cut]:
			if err != nil {
				t.Errorf("cut at record boundary %d: %v", cut, err)
			}
		case !errors.Is(err, ErrTruncated) || errors.Is(err, ErrFormat):
			t.Errorf("cut at %d: %v, want ErrTruncated", cut, err)
		}
		_ = recs
	}
	if _, err := readAll(full[:10]); err == nil || err.Error() != "pcap: truncated file in the file header" {
		t.Errorf("header cut short: %v", err)
	}
}

func TestNotNetlink(t *testing.T) {
	b := sample(t)
	bad := bytes.Clone(b)
	bad[0] ^= 0xff
	if _, err := readAll(bad); !errors.Is(err, ErrFormat) {
		t.Errorf("bad magic: %v", err)
	}
	bad = bytes.Clone(b)
	bad[20] = 1 // LINKTYPE_ETHERNET
	if _, err := readAll(bad); !errors.Is(err, ErrFormat) {
		t.Errorf("ethernet link type: %v", err)
	}
	bad = bytes.Clone(b)
	bad[24+8], bad[24+9], bad[24+10] = 0xff, 0xff, 0xff // a record of 16 MiB
	if _, err := readAll(bad); !errors.Is(err, ErrFormat) {
		t.Errorf("record over MaxRecordLen: %v", err)
	}
}

// TestReadFile reads the captures of the root package's testdata.
func TestReadFile(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "*.pcap"))
	if len(files) == 0 {
		t.Fatal("no captures in testdata")
	}
	for _, f := range files {
		dgs, err := Datagrams(f)
		if err != nil || len(dgs) == 0 {
			t.Errorf("%s: %d datagrams, %v", f, len(dgs), err)
		}
	}
	if _, err := ReadFile("/nonexistent.pcap"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// FuzzReader: any bytes give records or an error that says which of the
// two it is (not a pcap of netlink, or cut short), never a panic, and the
// reader never holds more than MaxRecordLen; the records, written back with
// Writer, read back the same. Seeds: the captures.
func FuzzReader(f *testing.F) {
	f.Add(sample(f))
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "*.pcap"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) > 64<<10 {
			b = b[:64<<10] // a cut capture is a seed too
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := readAll(b)
		if err != nil && !errors.Is(err, ErrFormat) && !errors.Is(err, ErrTruncated) {
			t.Fatalf("error %v is neither ErrFormat nor ErrTruncated", err)
		}
		total := 24
		for _, r := range recs {
			total += 16 + cookedLen + len(r.Data)
		}
		if len(recs) > 0 && total > len(b) {
			t.Fatalf("%d records of %d bytes from a %d-byte file", len(recs), total, len(b))
		}
		if errors.Is(err, ErrFormat) && errors.Is(err, ErrTruncated) {
			t.Fatalf("error %v is both ErrFormat and ErrTruncated", err)
		}
		// The records read, written back, read back the same.
		var buf bytes.Buffer
		w, err := NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if err := w.Write(r.Time, r.Data, r.NSID, r.HasNSID); err != nil {
				t.Fatal(err)
			}
		}
		again, err := readAll(buf.Bytes())
		if err != nil || len(again) != len(recs) {
			t.Fatalf("written back: %d records of %d, %v", len(again), len(recs), err)
		}
		for i := range recs {
			a, b := recs[i], again[i]
			if !a.Time.Equal(b.Time) || !bytes.Equal(a.Data, b.Data) || a.HasNSID != b.HasNSID || a.HasNSID && a.NSID != b.NSID {
				t.Fatalf("record %d written back: %+v, read %+v", i, a, b)
			}
		}
	})
}
