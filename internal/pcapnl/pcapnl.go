// Package pcapnl writes and reads netlink datagrams in pcap files of link
// type LINKTYPE_NETLINK (253), each datagram behind the 16-byte cooked header
// that the kernel's nlmon device produces, so that Wireshark and tshark
// dissect them as netlink netfilter. The nsid of a datagram from another
// network namespace, where there is one, is kept as a 4-byte link-layer
// address in the cooked header.
package pcapnl

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Constants of the file format.
const (
	LinkTypeNetlink = 253    // LINKTYPE_NETLINK
	ARPHRDNetlink   = 824    // ARPHRD_NETLINK, in the cooked header
	ProtoNetfilter  = 12     // NETLINK_NETFILTER, the cooked header's protocol
	SnapLen         = 262144 // the snapshot length written to the file header
	cookedLen       = 16
	magicMicro      = 0xa1b2c3d4
	magicNano       = 0xa1b23c4d
)

// Writer appends datagrams to a pcap file.
type Writer struct {
	w   io.Writer
	hdr [16 + cookedLen]byte
}

// NewWriter writes the pcap file header to w and returns a Writer.
func NewWriter(w io.Writer) (*Writer, error) {
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], magicNano)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], SnapLen)
	binary.LittleEndian.PutUint32(h[20:], LinkTypeNetlink)
	if _, err := w.Write(h[:]); err != nil {
		return nil, fmt.Errorf("pcap: write file header: %w", err)
	}
	return &Writer{w: w}, nil
}

// Write appends one datagram, received at ts, from the namespace with the
// given nsid when hasNSID.
func (w *Writer) Write(ts time.Time, data []byte, nsid int32, hasNSID bool) error {
	h := w.hdr[:]
	n := len(data) + cookedLen
	binary.LittleEndian.PutUint32(h[0:], uint32(ts.Unix()))
	binary.LittleEndian.PutUint32(h[4:], uint32(ts.Nanosecond()))
	binary.LittleEndian.PutUint32(h[8:], uint32(n))
	binary.LittleEndian.PutUint32(h[12:], uint32(n))
	c := h[16:]
	clear(c)
	binary.BigEndian.PutUint16(c[0:], 4) // PACKET_OUTGOING: from the kernel, as nlmon shows it
	binary.BigEndian.PutUint16(c[2:], ARPHRDNetlink)
	if hasNSID {
		binary.BigEndian.PutUint16(c[4:], 4)
		binary.BigEndian.PutUint32(c[6:], uint32(nsid))
	}
	binary.BigEndian.PutUint16(c[14:], ProtoNetfilter)
	if _, err := w.w.Write(h); err != nil {
		return fmt.Errorf("pcap: write record: %w", err)
	}
	if _, err := w.w.Write(data); err != nil {
		return fmt.Errorf("pcap: write record: %w", err)
	}
	return nil
}

// Record is one datagram read back from a file. Data is valid until the next
// call to Reader.Next.
type Record struct {
	Time    time.Time
	Data    []byte
	NSID    int32
	HasNSID bool
}

// ErrFormat matches every error about a file that is not a netlink pcap file.
var ErrFormat = errors.New("pcap: not a LINKTYPE_NETLINK pcap file")

// ErrTruncated matches the error of a file that ends inside its header or
// inside a record: cut short, not of another format.
var ErrTruncated = errors.New("pcap: truncated file")

// MaxRecordLen is the largest record Next accepts: four times SnapLen, so
// that no input makes the reader allocate more.
const MaxRecordLen = 4 * SnapLen

// Reader reads datagrams from a pcap file written by Writer, nlmon or
// tcpdump -i nlmon0.
type Reader struct {
	r     io.Reader
	order binary.ByteOrder
	nano  bool
	buf   []byte
	hdr   [16]byte
}

// NewReader reads the file header from r.
func NewReader(r io.Reader) (*Reader, error) {
	var h [24]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, readErr("file header", err)
	}
	rd := &Reader{r: r}
	switch {
	case binary.LittleEndian.Uint32(h[:]) == magicMicro:
		rd.order = binary.LittleEndian
	case binary.LittleEndian.Uint32(h[:]) == magicNano:
		rd.order, rd.nano = binary.LittleEndian, true
	case binary.BigEndian.Uint32(h[:]) == magicMicro:
		rd.order = binary.BigEndian
	case binary.BigEndian.Uint32(h[:]) == magicNano:
		rd.order, rd.nano = binary.BigEndian, true
	default:
		return nil, fmt.Errorf("%w: bad magic %#x", ErrFormat, h[:4])
	}
	if lt := rd.order.Uint32(h[20:]) & 0xffff; lt != LinkTypeNetlink {
		return nil, fmt.Errorf("%w: link type %d", ErrFormat, lt)
	}
	return rd, nil
}

// Next returns the next datagram, or io.EOF at the end of the file.
func (r *Reader) Next() (Record, error) {
	if _, err := io.ReadFull(r.r, r.hdr[:]); err != nil {
		if err == io.EOF {
			return Record{}, io.EOF
		}
		return Record{}, readErr("record header", err)
	}
	incl := r.order.Uint32(r.hdr[8:])
	if incl < cookedLen || incl > MaxRecordLen {
		return Record{}, fmt.Errorf("%w: record length %d", ErrFormat, incl)
	}
	if cap(r.buf) < int(incl) {
		r.buf = make([]byte, incl)
	}
	b := r.buf[:incl]
	if _, err := io.ReadFull(r.r, b); err != nil {
		return Record{}, readErr("record", err)
	}
	sub := time.Duration(r.order.Uint32(r.hdr[4:]))
	if !r.nano {
		sub *= time.Microsecond
	}
	if sub >= time.Second {
		return Record{}, fmt.Errorf("%w: a record's fraction of a second is %v", ErrFormat, sub)
	}
	rec := Record{Time: time.Unix(int64(r.order.Uint32(r.hdr[0:])), int64(sub)), Data: b[cookedLen:]}
	if binary.BigEndian.Uint16(b[2:]) != ARPHRDNetlink {
		return Record{}, fmt.Errorf("%w: cooked header type %d", ErrFormat, binary.BigEndian.Uint16(b[2:]))
	}
	if binary.BigEndian.Uint16(b[4:]) == 4 {
		rec.NSID, rec.HasNSID = int32(binary.BigEndian.Uint32(b[6:])), true
	}
	return rec, nil
}

// readErr describes a failed read of what: a file that ends early is
// truncated (ErrTruncated); any other error is the reader's own.
func readErr(what string, err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("%w in the %s", ErrTruncated, what)
	}
	return fmt.Errorf("pcap: read %s: %w", what, err)
}

// ReadFile returns every record of the pcap file at path, each Data a copy
// of its own. It is the one loader of captures for tests and tools.
func ReadFile(path string) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := NewReader(bufio.NewReaderSize(f, 256<<10))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []Record
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		rec.Data = append([]byte(nil), rec.Data...)
		out = append(out, rec)
	}
}

// Datagrams returns the datagrams of the pcap file at path, each a copy of
// its own, without their timestamps and nsids.
func Datagrams(path string) ([][]byte, error) {
	recs, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(recs))
	for i, r := range recs {
		out[i] = r.Data
	}
	return out, nil
}
