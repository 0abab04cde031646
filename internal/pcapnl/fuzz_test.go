package pcapnl

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzPcapReader checks that any bytes read as a pcap file give records and
// then io.EOF, or an error matching ErrFormat or ErrTruncated, never a
// panic; that no record is longer than the input or the reader's limit;
// and that the records, written back with Writer, read back the same.
func FuzzPcapReader(f *testing.F) {
	files, err := filepath.Glob("../../testdata/*.pcap")
	if err != nil || len(files) == 0 {
		f.Fatalf("no captures: %v", err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) > 64<<10 {
			b = b[:64<<10] // a truncated file
		}
		f.Add(b)
		f.Add(b[:len(b)/3])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := readAll(data)
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrTruncated) {
				t.Fatalf("error matching neither ErrFormat nor ErrTruncated: %v", err)
			}
			if errors.Is(err, ErrFormat) && errors.Is(err, ErrTruncated) {
				t.Fatalf("error matching both: %v", err)
			}
		}
		total := 0
		for _, r := range recs {
			total += len(r.Data) + 16 + cookedLen
		}
		if total+24 > len(data) && len(recs) > 0 {
			t.Fatalf("%d records of %d bytes from %d bytes of input", len(recs), total, len(data))
		}
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

// readAll reads every record of a file, copying their data.
func readAll(data []byte) ([]Record, error) {
	r, err := NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var recs []Record
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return recs, nil
		}
		if err != nil {
			return recs, err
		}
		rec.Data = bytes.Clone(rec.Data)
		recs = append(recs, rec)
	}
}
