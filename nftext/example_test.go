package nftext_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/signal"

	"github.com/nftmon/nftmon"
	"github.com/nftmon/nftmon/msgs"
	"github.com/nftmon/nftmon/nftext"
	"golang.org/x/sys/unix"
)

// Values of nft's data types, from the bytes the kernel sends.
func ExampleAppendValue() {
	var b []byte
	b = nftext.AppendValue(b[:0], nftext.TypeIPAddr, nftext.ByteOrderInvalid, []byte{10, 0, 0, 1})
	fmt.Println(string(b))
	key := nftext.Concat(nftext.TypeIPAddr, nftext.TypeInetService) // `type ipv4_addr . inet_service`
	b = nftext.AppendValue(b[:0], key, nftext.ByteOrderInvalid, []byte{10, 0, 0, 1, 0, 22, 0, 0})
	fmt.Println(string(b))
	b = nftext.AppendValue(b[:0], nftext.TypeCtState, nftext.HostEndian, []byte{6, 0, 0, 0})
	fmt.Println(string(b))
	// Output:
	// 10.0.0.1
	// 10.0.0.1 . 22
	// established | related
}

// Every element added to a set, typed: "blocked 10.9.0.0/16". Sets learns
// the sets' types from the snapshot and the changes. (Not run by go test:
// it needs CAP_NET_ADMIN.)
func ExampleSets() {
	var sets nftext.Sets
	var elems msgs.SetElems
	var el msgs.Elem
	var buf []byte
	m, err := nftmon.NewMonitor(nftmon.Config{Snapshot: true}, func(e *nftmon.Event) error {
		sets.Observe(e)
		if e.Kind != nftmon.EventChange || e.Type != nftmon.MsgNewSetElem || elems.Decode(e.Attrs) != nil {
			return nil
		}
		info := sets.Lookup(nftext.NSID(e), e.Family, elems.Table, elems.Set)
		for a := nftmon.NewAttrScanner(elems.Elements); info != nil && a.Next(); {
			if a.Type() != unix.NFTA_LIST_ELEM || el.Decode(a.Bytes()) != nil {
				continue
			}
			// An interval's two halves come one by one: the first is
			// held, and the pair printed as one.
			var st nftext.ElemStatus
			if buf, st = info.AppendElem(buf[:0], false, a.Bytes(), &el); st == nftext.ElemReady {
				fmt.Printf("%s %s\n", elems.Set, buf)
			}
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	m.Run(ctx)
}

// nft monitor's lines for tables, chains, sets, elements and objects.
// (Not run by go test: it needs CAP_NET_ADMIN.)
func ExamplePrinter() {
	var p nftext.Printer
	var buf []byte
	m, err := nftmon.NewMonitor(nftmon.Config{}, func(e *nftmon.Event) error {
		var err error
		if buf, err = p.AppendEvent(buf[:0], e); err != nil {
			return err
		}
		_, err = os.Stdout.Write(buf) // "add element inet web blocked { 10.9.0.0/16 }"
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	m.Run(ctx)
}
