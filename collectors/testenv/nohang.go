package testenv

import "time"

// NoHang is the one rule for a wall-clock bound in a test: the longest an
// operation expected to take about expected may take before the test calls
// it hung. It is three times expected or expected plus 5 s, whichever is
// larger, a margin that holds at load 10 on 2 cores (go test -race with
// packages in parallel on a busy CI machine).
//
// Such a bound proves "does not hang" (returns near its timeout, not at the
// 600 s sleep it was given), so what the test waits on must take far longer
// than NoHang(expected) when the bug is there. Speed targets belong in
// benchmarks, and lower bounds ("it did wait for the timeout") need no
// margin.
func NoHang(expected time.Duration) time.Duration {
	return max(3*expected, expected+5*time.Second)
}
