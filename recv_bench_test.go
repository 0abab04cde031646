package nftmon

import (
	"testing"
	"time"

	"github.com/nftmon/nftmon/internal/nstest"
)

// BenchmarkReadQueued measures what reading costs a reader that has
// fallen behind: a transaction of 10,000 rules (about 1,250 datagrams) is
// queued whole in two sockets with room for it (with the deletion of the
// last iteration's), then read from one a datagram per recvmsg (Receive,
// as the floor reads) and from the other up to maxBatch per recvmmsg
// (readBatch, as a Monitor reads); ns/dgram is the wall time of the reads
// per datagram (the socket never empties before the end, so no read
// waits). The two take turns at going first. KERNEL.md, fact 20.
//
//	go test -run XXX -bench ReadQueued -benchtime 20x .
func BenchmarkReadQueued(b *testing.B) {
	ns := nstest.New(b)
	script := nstest.RulesScript("q", 10000)
	one := openIn(b, ns, ConnConfig{ReadBuffer: 64 << 20}, true)
	batch := openIn(b, ns, ConnConfig{ReadBuffer: 64 << 20}, true)
	buf := make([]byte, maxBatch*MinBufferLen)
	var spent [2]time.Duration
	var dgrams [2]int
	b.ResetTimer()
	b.StopTimer()
	conns := []*Conn{one, batch}
	for i := range b.N {
		ns.Script(b, "flush ruleset\n"+script) // one transaction: the last one's rules go, as many come
		for j := range conns {
			k := (i + j) % 2
			c := conns[k]
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			gens := 0
			b.StartTimer()
			t0 := time.Now()
			for gens < 1 {
				if k == 0 {
					d, err := c.Receive(buf)
					if err != nil {
						b.Fatal(err)
					}
					dgrams[k]++
					gens += newGens(buf[:d.N])
				} else {
					gs, err := c.readBatch(buf)
					if err != nil {
						b.Fatal(err)
					}
					for _, g := range gs {
						dgrams[k]++
						gens += newGens(buf[g.off : g.off+g.N])
					}
				}
			}
			spent[k] += time.Since(t0)
			b.StopTimer()
		}
	}
	if dgrams[0] != dgrams[1] {
		b.Fatalf("Receive read %d datagrams, readBatch %d", dgrams[0], dgrams[1])
	}
	for k, name := range []string{"recvmsg", "recvmmsg"} {
		b.ReportMetric(float64(spent[k].Nanoseconds())/float64(dgrams[k]), name+"-ns/dgram")
	}
	b.ReportMetric(float64(spent[1])/float64(spent[0]), "recvmmsg/recvmsg")
}

// newGens counts the NEWGEN messages of a datagram.
func newGens(b []byte) int {
	n := 0
	for m := range Messages(b) {
		if m.Header.MsgType() == MsgNewGen {
			n++
		}
	}
	return n
}
