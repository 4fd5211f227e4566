package handlers

import (
	"testing"
	"time"

	"serverstats/collectors/testenv"
)

// Timing for load 10 on 2 cores. A case about a timeout gives the handler
// shortTimeout against a peer that hangs far longer (10 s or more, more than
// testenv.NoHang(shortTimeout), so a missed timeout still fails); every other
// case gives it longTimeout, so that a slow machine cannot turn its answer
// into a timeout.
const (
	shortTimeout = 300 * time.Millisecond
	longTimeout  = 15 * time.Second
)

// checkTimedOut fails the test unless a Send given timeout took at least
// timeout (it cannot give up early) and at most testenv.NoHang(timeout) (it
// did not wait for the hanging peer).
func checkTimedOut(t *testing.T, what string, elapsed, timeout time.Duration) {
	t.Helper()
	if bound := testenv.NoHang(timeout); elapsed < timeout || elapsed > bound {
		t.Errorf("%s: Send took %v with a %v timeout, want within [%v, %v]", what, elapsed.Round(time.Millisecond), timeout, timeout, bound)
	}
}
