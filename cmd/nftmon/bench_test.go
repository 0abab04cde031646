package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nftmon/nftmon/internal/nstest"
	"golang.org/x/sys/unix"
)

// BenchmarkCommandVsNftMonitor runs the command end to end (socket,
// transactions, nft's text of every rule, its buffered output to a file)
// and nft monitor side by side on the same burst: one transaction of
// 10,000 rules (nstest.RulesScript: an address, a port, a counter, a
// verdict) per iteration, in a private namespace. Both print every rule to
// a file; the lines are counted, and those identical in both. CPU per rule
// event: nft monitor's from /proc/PID/stat (utime + stime, in clock ticks),
// the command's from getrusage (it runs in this process, as cmd/nftmon's
// main runs it; nft -f runs in a child and is not counted). nft monitor is
// line-buffered (stdbuf -oL, as on a terminal) so that its last line can be
// waited for; the command flushes at each commit. Run with
//
//	go test -run XXX -bench CommandVsNftMonitor -benchtime 3x ./cmd/nftmon
func BenchmarkCommandVsNftMonitor(b *testing.B) {
	const rules = 10000
	ns := nstest.New(b)
	dir := b.TempDir()

	nftOut, err := os.Create(filepath.Join(dir, "nft.out"))
	if err != nil {
		b.Fatal(err)
	}
	defer nftOut.Close()
	nm := ns.Command("stdbuf", "-oL", "nft", "monitor")
	nm.Stdout, nm.Stderr = nftOut, nftOut
	if err := nstest.Isolate(nm).Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { nstest.KillGroup(nm); nm.Wait() }()

	ourOut, err := os.Create(filepath.Join(dir, "nftmon.out"))
	if err != nil {
		b.Fatal(err)
	}
	defer ourOut.Close()
	o, err := parseFlags([]string{"-netns", ns.Path}, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(ourOut, 64<<10)
	h := newHandler(o, w, io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := watch(ctx, o, h); done <- err }()
	defer func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			b.Error(err)
		}
	}()

	// sync commits a transaction until both have printed its commit (tries
	// times: nft monitor may not have subscribed yet), and returns where
	// each output ends.
	files := []string{nftOut.Name(), ourOut.Name()}
	sync := func(script string, tries int) [2]int64 {
		b.Helper()
		for try := 0; try < tries; try++ {
			ns.Script(b, script)
			marker := fmt.Sprintf("# new generation %d by process ", currentGen(b, ns))
			var ends [2]int64
			ok := true
			for i, f := range files {
				end, found := waitFile(f, marker, 10*time.Second)
				ok = ok && found
				ends[i] = end
			}
			if ok {
				return ends
			}
		}
		b.Fatalf("nft monitor and nftmon did not both print the commit:\n%s", tail(readFile(b, files[0]), 500))
		return [2]int64{}
	}
	sync("add table ip __sync\ndelete table ip __sync\n", 50)

	var nftCPU, ourCPU time.Duration
	var same, total int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		table := "burst" + strconv.Itoa(i)
		script := nstest.RulesScript(table, rules)
		start := [2]int64{fileSize(b, files[0]), fileSize(b, files[1])}
		n0, o0 := procCPU(b, nm.Process.Pid), selfCPU()
		ends := sync(script, 1)
		nftCPU += procCPU(b, nm.Process.Pid) - n0
		ourCPU += selfCPU() - o0

		b.StopTimer()
		var lines [2][]string
		for k := range files {
			text := readFile(b, files[k])[start[k]:ends[k]]
			for _, l := range strings.Split(text, "\n") {
				if strings.HasPrefix(l, "add rule ip "+table+" c ") {
					lines[k] = append(lines[k], strings.TrimSuffix(l, " "))
				}
			}
			if len(lines[k]) != rules {
				b.Fatalf("%s printed %d rule lines of %d", files[k], len(lines[k]), rules)
			}
		}
		for j := range lines[0] {
			if lines[0][j] == lines[1][j] {
				same++
			}
		}
		total += rules
		sync("delete table ip "+table+"\n", 1)
		b.StartTimer()
	}
	b.StopTimer()
	nftPer := float64(nftCPU.Nanoseconds()) / float64(b.N*rules)
	ourPer := float64(ourCPU.Nanoseconds()) / float64(b.N*rules)
	b.ReportMetric(nftPer, "nft-monitor-cpu-ns/rule")
	b.ReportMetric(ourPer, "nftmon-cpu-ns/rule")
	b.ReportMetric(nftPer/ourPer, "times-cheaper")
	b.ReportMetric(float64(same)/float64(total)*100, "%identical-lines")
}

// procCPU returns the user and system time of process pid, from
// /proc/PID/stat (fields 14 and 15, in clock ticks of 1/100 s: Linux's
// USER_HZ on every architecture).
func procCPU(b *testing.B, pid int) time.Duration {
	s, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		b.Fatal(err)
	}
	// The command name, in parentheses, may hold spaces: fields count
	// from after its closing parenthesis (field 3 is the state).
	f := strings.Fields(string(s[bytes.LastIndexByte(s, ')')+1:]))
	ut, err1 := strconv.ParseUint(f[14-3], 10, 64)
	st, err2 := strconv.ParseUint(f[15-3], 10, 64)
	if err1 != nil || err2 != nil {
		b.Fatalf("/proc/%d/stat: %q", pid, s)
	}
	return time.Duration(ut+st) * (time.Second / 100)
}

// selfCPU returns this process's user and system time (getrusage).
func selfCPU() time.Duration {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// waitFile waits until the end of file holds marker and a newline after
// it, and returns the file's length then. It reads only the file's last
// 4 KiB, so as to add little to this process's CPU time.
func waitFile(file, marker string, wait time.Duration) (int64, bool) {
	deadline := time.Now().Add(wait)
	buf := make([]byte, 4096)
	for {
		if f, err := os.Open(file); err == nil {
			fi, _ := f.Stat()
			off := max(fi.Size()-int64(len(buf)), 0)
			n, _ := f.ReadAt(buf, off)
			f.Close()
			s := buf[:n]
			if i := bytes.LastIndex(s, []byte(marker)); i >= 0 && bytes.IndexByte(s[i:], '\n') >= 0 {
				return off + int64(n), true
			}
		}
		if time.Now().After(deadline) {
			return 0, false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func fileSize(b *testing.B, file string) int64 {
	fi, err := os.Stat(file)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

func readFile(b *testing.B, file string) string {
	s, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	return string(s)
}
