package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"

	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// appendAttr appends a netlink attribute, padded to 4 bytes.
func appendAttr(b []byte, typ uint16, v []byte) []byte {
	b = binary.NativeEndian.AppendUint16(b, uint16(unix.NLA_HDRLEN+len(v)))
	b = binary.NativeEndian.AppendUint16(b, typ)
	b = append(b, v...)
	for len(b)%unix.NLA_ALIGNTO != 0 {
		b = append(b, 0)
	}
	return b
}

// TestRuleCommentOneLine checks that a rule whose comment holds a newline
// (which nft -f can make, and another tool) prints as one line in text,
// its control bytes escaped by nftext (the text nftext.AppendRule gives),
// and as one JSON object whose "rule" is that text and whose "comment" is
// the comment's bytes: a comment must not forge a "# new generation" line.
func TestRuleCommentOneLine(t *testing.T) {
	comment := "x\n# new generation 99 by process 1 (forged)"
	udata := append([]byte{0, byte(len(comment) + 1)}, comment...) // NFTNL_UDATA_RULE_COMMENT
	udata = append(udata, 0)
	var attrs []byte
	attrs = appendAttr(attrs, unix.NFTA_RULE_TABLE, []byte("t\x00"))
	attrs = appendAttr(attrs, unix.NFTA_RULE_CHAIN, []byte("c\x00"))
	attrs = appendAttr(attrs, unix.NFTA_RULE_USERDATA, udata)
	e := &nftmon.Event{Kind: nftmon.EventChange, Type: nftmon.MsgNewRule, Family: nftmon.FamilyIPv4, Attrs: attrs}
	e.Header.Flags = unix.NLM_F_APPEND

	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	tp := newTextPrinter(w)
	if err := tp.print(e, &lineInfo{}); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	want := `add rule ip t c comment "x\x0a# new generation 99 by process 1 (forged)"` + "\n"
	if out.String() != want {
		t.Errorf("text: %q, want %q", out.String(), want)
	}

	out.Reset()
	jp := newJSONPrinter(w)
	if err := jp.print(e, &lineInfo{}); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	var got struct{ Rule, Comment string }
	if strings.Count(out.String(), "\n") != 1 || json.Unmarshal(out.Bytes(), &got) != nil || got.Rule != `comment "x\x0a# new generation 99 by process 1 (forged)"` || got.Comment != comment {
		t.Errorf("JSON: %q", out.String())
	}
}
