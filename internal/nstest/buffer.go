package nstest

import (
	"bytes"
	"sync"
	"time"
)

// Buffer collects a child process's output while it runs: safe for the
// process's writer and a test reading it at the same time.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns what was written so far.
func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Reset forgets what was written.
func (l *Buffer) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Reset()
}

// WaitQuiet returns once none of bufs has grown for half a second, or
// after twenty seconds: the processes writing them have said what they had
// to say.
func WaitQuiet(bufs ...*Buffer) {
	last := make([]int, len(bufs))
	for i := 0; i < 40; i++ {
		time.Sleep(500 * time.Millisecond)
		quiet := true
		for j, b := range bufs {
			b.mu.Lock()
			n := b.b.Len()
			b.mu.Unlock()
			if n != last[j] || i == 0 {
				quiet = false
			}
			last[j] = n
		}
		if quiet {
			return
		}
	}
}
