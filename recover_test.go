package nftmon_test

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/nftmon/nftmon"
)

// A crash that no recover can catch (a fatal error, a panic in a goroutine
// not started through runMonitor) prints every goroutine, so that the
// running tests are named by their stacks (testing.tRunner, TestX).
func init() { debug.SetTraceback("all") }

// runMonitor is m.Run for a test's goroutine: a panic in Run comes back as
// an error carrying the panic and its stack, for the test to report under
// its own name, instead of ending the test binary with no test named.
func runMonitor(ctx context.Context, m *nftmon.Monitor) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("Monitor.Run panicked: %v\n%s", r, debug.Stack())
		}
	}()
	return m.Run(ctx)
}
