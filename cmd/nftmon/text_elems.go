package main

import (
	"bytes"
	"strconv"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"golang.org/x/sys/unix"
)

// The text printer's set elements: one line per element, and the start
// and end elements of an interval joined into one line as nft prints it.

// elements appends one line per element of a NEWSETELEM or DELSETELEM.
func (p *textPrinter) elements(b []byte, e *nftmon.Event) ([]byte, error) {
	el := &p.elems
	if err := el.Decode(e.Attrs); err != nil {
		return b, err
	}
	info, known := p.types.lookup(e, el.Table, el.Set)
	interval := known && info.flags&msgs.SetInterval != 0 && info.flags&msgs.SetConcat == 0
	if p.pending && (!bytes.Equal(p.pendSet, p.types.key) || p.pendDel != (e.Type.Op() == nftmon.OpDelete)) {
		b = p.flushPending(b)
	}
	s := el.Elems()
	for s.Next() {
		x := s.Elem()
		if interval && x.Flags&msgs.ElemIntervalEnd != 0 {
			switch {
			case p.pending && !p.pendIsEnd && bytes.Compare(x.Key, p.pendK) > 0:
				b = p.joinPending(b, p.pendK, x.Key)
			default:
				// Hold the end for its start, which the kernel
				// may send next (deletes come end first). An
				// end that no start claims (nft's leading
				// 0.0.0.0 end element) prints nothing: nft
				// monitor hides it too.
				b = p.flushPending(b)
				p.pending, p.pendIsEnd = true, true
				p.pendSet = append(p.pendSet[:0], p.types.key...)
				p.pendDel = e.Type.Op() == nftmon.OpDelete
				p.pendK = append(p.pendK[:0], x.Key...)
			}
			continue
		}
		var heldEnd []byte
		if p.pending && p.pendIsEnd && interval && bytes.Compare(p.pendK, x.Key) > 0 {
			p.endK = append(p.endK[:0], p.pendK...)
			heldEnd = p.endK
			p.pending = false
		} else if p.pending {
			b = p.flushPending(b)
		}
		line := len(b)
		b = append(append(append(p.op(b, e, "element"), el.Table...), ' '), el.Set...)
		b = append(b, " { "...)
		keyStart := len(b)
		switch {
		case x.Flags&msgs.ElemCatchall != 0:
			b = append(b, '*')
		case known:
			b = appendValue(b, info.keyType, info.keyLen, x.Key)
		default:
			b = appendHex(append(b, "0x"...), x.Key)
		}
		head := len(b)
		if x.Present.Has(msgs.AttrSetElemKeyEnd) {
			if known {
				b = appendRange(b[:keyStart], info.keyType, info.keyLen, x.Key, x.KeyEnd)
				head = len(b)
			} else {
				b = appendHex(append(b, "-0x"...), x.KeyEnd)
			}
		}
		if x.Present.Has(unix.NFTA_SET_ELEM_TIMEOUT) {
			b = appendDuration(append(b, " timeout "...), x.Timeout)
		}
		if x.Present.Has(unix.NFTA_SET_ELEM_EXPIRATION) {
			b = appendDuration(append(b, " expires "...), x.Expiration)
		}
		if c := x.Comment(); c != nil {
			b = appendQuoted(append(b, " comment "...), c)
		}
		switch {
		case x.IsVerdict:
			b = appendVerdict(append(b, " : "...), &x.Verdict)
		case x.Present.Has(unix.NFTA_SET_ELEM_OBJREF):
			b = appendQuoted(append(b, " : "...), x.ObjRef)
		case x.Present.Has(unix.NFTA_SET_ELEM_DATA) && known:
			b = appendValue(append(b, " : "...), info.dataType, info.dataLen, x.Data)
		case x.Present.Has(unix.NFTA_SET_ELEM_DATA):
			b = appendHex(append(b, " : 0x"...), x.Data)
		}
		b = endLine(append(b, " }"...), e)
		if interval && x.Flags&msgs.ElemCatchall == 0 {
			// Hold the start of an interval for its end, or join
			// it with the end held.
			p.pending, p.pendIsEnd = true, false
			p.pendSet = append(p.pendSet[:0], p.types.key...)
			p.pendDel = e.Type.Op() == nftmon.OpDelete
			p.pendHead = append(p.pendHead[:0], b[line:head]...)
			p.pendTail = append(p.pendTail[:0], b[head:]...)
			p.pendK = append(p.pendK[:0], x.Key...)
			p.pendType, p.pendLen = info.keyType, info.keyLen
			b = b[:line]
			if heldEnd != nil {
				b = p.joinPending(b, x.Key, heldEnd)
			}
		}
	}
	return b, s.Err()
}

// appendRange appends the interval [start, end] of a concatenated key as
// nft prints it: field by field, "a-b" where the two differ.
func appendRange(b []byte, typ, length uint32, start, end []byte) []byte {
	var ids [maxSetFields]uint32
	n, ok := fields(typ, length, &ids)
	if !ok || len(start) != int(length) || len(end) != int(length) {
		b = appendValue(b, typ, length, start)
		return appendValue(append(b, '-'), typ, length, end)
	}
	for i := 0; i < n; i++ {
		l := dataTypes[ids[i]].len
		if i > 0 {
			b = append(b, " . "...)
		}
		b = appendField(b, ids[i], start[:l])
		if !bytes.Equal(start[:l], end[:l]) {
			b = appendField(append(b, '-'), ids[i], end[:l])
		}
		if n > 1 {
			l = (l + 3) &^ 3
		}
		start, end = start[l:], end[l:]
	}
	return b
}

// finish prints the interval start still held, if any.
func (p *textPrinter) finish() error {
	if !p.pending {
		return nil
	}
	_, err := p.w.Write(p.flushPending(p.buf[:0]))
	return err
}

// flushPending appends the pending interval start as a line of its own;
// a pending end prints nothing.
func (p *textPrinter) flushPending(b []byte) []byte {
	if !p.pending {
		return b
	}
	p.pending = false
	if p.pendIsEnd {
		return b
	}
	return append(append(b, p.pendHead...), p.pendTail...)
}

// joinPending appends the pending interval start line joined with its end
// (the first key after the interval): 10.0.0.0/8 when the interval is a
// prefix, 172.16.0.1-172.16.0.9 otherwise.
func (p *textPrinter) joinPending(b []byte, start, end []byte) []byte {
	p.pending = false
	b = append(b, p.pendHead...)
	if len(end) != len(start) {
		return append(b, p.pendTail...)
	}
	// last = end - 1, in big-endian order.
	var lastBuf [16]byte
	if len(end) > len(lastBuf) {
		return append(b, p.pendTail...)
	}
	last := lastBuf[:len(end)]
	copy(last, end)
	for i := len(last) - 1; i >= 0; i-- {
		last[i]--
		if last[i] != 0xff {
			break
		}
	}
	if bits, ok := prefixLen(start, last); ok && (p.pendType == typeIPAddr || p.pendType == typeIP6Addr) {
		b = strconv.AppendInt(append(b, '/'), int64(bits), 10)
	} else if !bytes.Equal(start, last) {
		b = appendValue(append(b, '-'), p.pendType, p.pendLen, last)
	}
	return append(b, p.pendTail...)
}

// prefixLen reports whether [start, last] is exactly a prefix, and its
// length in bits.
func prefixLen(start, last []byte) (int, bool) {
	bits := 0
	i := 0
	for ; i < len(start) && start[i] == last[i]; i++ {
		bits += 8
	}
	if i == len(start) {
		return bits, true
	}
	diff := start[i] ^ last[i]
	// diff must be a run of low ones, start's bits there 0, last's 1.
	if diff&(diff+1) != 0 || start[i]&diff != 0 {
		return 0, false
	}
	for d := diff; d != 0; d >>= 1 {
		bits--
	}
	bits += 8
	for j := i + 1; j < len(start); j++ {
		if start[j] != 0 || last[j] != 0xff {
			return 0, false
		}
	}
	return bits, true
}
