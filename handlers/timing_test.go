package handlers

import (
	"testing"
	"time"
)

// Timing margins that hold at load 10 on 2 cores. A case about a timeout
// gives the handler shortTimeout against a peer that hangs far longer
// (10 s or more); every other case gives it longTimeout, so that a slow
// machine cannot turn its answer into a timeout.
const (
	shortTimeout = 300 * time.Millisecond
	longTimeout  = 15 * time.Second
	timeSlack    = 5 * time.Second // less than the hanging peers' 10 s, so a missed timeout still fails
)

// checkTimedOut fails the test unless a Send given timeout took at least
// timeout (it cannot give up early) and at most timeout+timeSlack.
func checkTimedOut(t *testing.T, what string, elapsed, timeout time.Duration) {
	t.Helper()
	if elapsed < timeout || elapsed > timeout+timeSlack {
		t.Errorf("%s: Send took %v with a %v timeout, want within [%v, %v]", what, elapsed.Round(time.Millisecond), timeout, timeout, timeout+timeSlack)
	}
}
