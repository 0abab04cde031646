package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/internal/pcapnl"
	"golang.org/x/sys/unix"
)

// A loss cannot be recorded as a datagram the kernel sent, since it is the
// absence of some. -w records it as a netlink error message of its own (an
// NLMSG_ERROR with -ENOBUFS for an overflow, -EMSGSIZE for a truncated
// datagram, and a zeroed original header), which Wireshark shows as such
// and -r turns back into a loss.
const lossRecordLen = unix.NLMSG_HDRLEN + 4 + unix.NLMSG_HDRLEN

// appendLossRecord appends the datagram that stands for the loss err.
func appendLossRecord(b []byte, err error) []byte {
	code := unix.ENOBUFS
	if errors.Is(err, nftmon.ErrTruncated) {
		code = unix.EMSGSIZE
	}
	var r [lossRecordLen]byte
	binary.NativeEndian.PutUint32(r[0:], lossRecordLen)
	binary.NativeEndian.PutUint16(r[4:], unix.NLMSG_ERROR)
	binary.NativeEndian.PutUint32(r[16:], uint32(-int32(code)))
	return append(b, r[:]...)
}

// lossRecordErr returns the loss a recorded datagram stands for, or nil
// when it is a datagram of the kernel's.
func lossRecordErr(b []byte) error {
	if len(b) != lossRecordLen || binary.NativeEndian.Uint32(b) != lossRecordLen ||
		binary.NativeEndian.Uint16(b[4:]) != unix.NLMSG_ERROR {
		return nil
	}
	switch -int32(binary.NativeEndian.Uint32(b[16:])) {
	case int32(unix.ENOBUFS):
		return nftmon.ErrOverflow
	case int32(unix.EMSGSIZE):
		return nftmon.ErrTruncated
	}
	return nil
}

// record reads the socket itself, writes every datagram to the pcap file
// o.write, and feeds it to a Replayer of cfg, which groups and delivers the
// events to fn as a live monitor would, *readAt set to the time of each
// datagram first; it joins the trace group too when cfg delivers traces. The Monitor API hands out events, not the raw
// datagrams they came from, hence the socket of our own.
func record(ctx context.Context, o *options, cfg nftmon.ReplayConfig, fn func(*nftmon.Event) error, readAt *time.Time) (func() nftmon.Stats, error) {
	if err := resolveNetNS(o); err != nil {
		return nil, err
	}
	conn, err := nftmon.Open(nftmon.ConnConfig{NetNS: o.netnsPath, ReadBuffer: o.rcvbuf, ListenAllNSID: o.allNetNS})
	if err != nil {
		return nil, explainOpen(err)
	}
	defer conn.Close()
	if err := conn.JoinGroup(unix.NFNLGRP_NFTABLES); err != nil {
		return nil, explainOpen(fmt.Errorf("join the nftables group: %w", err))
	}
	if cfg.Traces != nftmon.TracesOff {
		if err := conn.JoinGroup(unix.NFNLGRP_NFTRACE); err != nil {
			return nil, explainOpen(fmt.Errorf("join the trace group: %w", err))
		}
	}
	f, err := os.Create(o.write)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fw := bufio.NewWriterSize(f, 256<<10)
	pw, err := pcapnl.NewWriter(fw)
	if err != nil {
		return nil, err
	}
	// Show the file header at once: a reader of a live recording sees a
	// valid, if empty, file.
	if err := fw.Flush(); err != nil {
		return nil, fmt.Errorf("%s: %w", o.write, err)
	}

	// The file is flushed with the output: at each commit, loss or
	// outside event.
	flushing := func(e *nftmon.Event) error {
		if err := fn(e); err != nil {
			return err
		}
		if e.Kind != nftmon.EventChange {
			return fw.Flush()
		}
		return nil
	}
	m, err := nftmon.NewReplayer(cfg, flushing)
	if err != nil {
		return nil, err
	}
	stats := func() nftmon.Stats {
		s := m.Stats()
		s.Foreign = conn.ForeignDropped()
		return s
	}

	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	buf := make([]byte, nftmon.MinBufferLen)
	var loss []byte
	for {
		if ctx.Err() != nil {
			break
		}
		dg, err := conn.Receive(buf)
		if err != nil {
			if errors.Is(err, nftmon.ErrOverflow) || errors.Is(err, nftmon.ErrTruncated) {
				loss = appendLossRecord(loss[:0], err)
				*readAt = time.Now()
				if werr := pw.Write(*readAt, loss, 0, false); werr != nil {
					return stats, fmt.Errorf("%s: %w", o.write, werr)
				}
				if err := m.FeedLoss(err); err != nil {
					return stats, err
				}
				continue
			}
			if ctx.Err() != nil && errors.Is(err, os.ErrDeadlineExceeded) {
				break
			}
			return stats, fmt.Errorf("receive: %w", err)
		}
		// The time recorded is the time printed with -t: -r -t
		// prints what was printed live.
		*readAt = time.Now()
		if err := pw.Write(*readAt, buf[:dg.N], dg.NSID, dg.HasNSID); err != nil {
			return stats, fmt.Errorf("%s: %w", o.write, err)
		}
		if err := m.Feed(buf[:dg.N], dg.NSID, dg.HasNSID); err != nil {
			return stats, err
		}
	}
	if err := fw.Flush(); err != nil {
		return stats, fmt.Errorf("%s: %w", o.write, err)
	}
	if err := f.Close(); err != nil {
		return stats, fmt.Errorf("%s: %w", o.write, err)
	}
	return stats, ctx.Err()
}

// replayFile decodes the datagrams recorded in the pcap file o.read, as a
// live monitor would have delivered them, to fn, setting *readAt to each
// one's recorded time before it is fed.
func replayFile(ctx context.Context, o *options, cfg nftmon.ReplayConfig, fn func(*nftmon.Event) error, readAt *time.Time) (func() nftmon.Stats, error) {
	f, err := os.Open(o.read)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := pcapnl.NewReader(bufio.NewReaderSize(f, 256<<10))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.read, err)
	}
	m, err := nftmon.NewReplayer(cfg, fn)
	if err != nil {
		return nil, err
	}
	for ctx.Err() == nil {
		rec, err := r.Next()
		if err == io.EOF {
			return m.Stats, nil
		}
		if err != nil {
			return m.Stats, fmt.Errorf("%s: %w", o.read, err)
		}
		*readAt = rec.Time
		if lerr := lossRecordErr(rec.Data); lerr != nil {
			err = m.FeedLoss(lerr)
		} else {
			err = m.Feed(rec.Data, rec.NSID, rec.HasNSID)
		}
		if err != nil {
			return m.Stats, err
		}
	}
	return m.Stats, ctx.Err()
}
