package collectors

import (
	"context"
	"fmt"
	"time"
)

// Defaults used when a timeout option is zero or negative.
const (
	DefaultConnectTimeout = 10 * time.Second
	DefaultCommandTimeout = 60 * time.Second
)

// TimeoutError is the error of a command stopped at its command timeout (or
// because the caller's context ended). It wraps ErrTimeout, so
// errors.Is(err, ErrTimeout) holds; its text is "TIMED OUT after 5s".
type TimeoutError struct {
	After    time.Duration // the command timeout that expired
	Canceled bool          // the caller's context ended first, not the timeout
	// KillUnconfirmed is set when the command was killed over SSH but the
	// server did not confirm it: the command may still be running on the
	// host (see runSession).
	KillUnconfirmed bool
}

// unconfirmedNote is appended to a TimeoutError's text when the server did
// not confirm the kill.
const unconfirmedNote = "; the server did not confirm the kill: the command may still be running on the host"

// Error reports the timeout as shown to users, e.g. "TIMED OUT after 5s", or
// "TIMED OUT after 5s; the server did not confirm the kill: the command may
// still be running on the host".
func (e *TimeoutError) Error() string {
	msg := fmt.Sprintf("TIMED OUT after %s", e.After)
	if e.Canceled {
		msg = "canceled before the command finished"
	}
	if e.KillUnconfirmed {
		msg += unconfirmedNote
	}
	return msg
}

// Unwrap returns ErrTimeout.
func (e *TimeoutError) Unwrap() error { return ErrTimeout }

// timeoutErr builds the Result.Err for a command stopped at limit or because
// parent (the caller's context) ended; unconfirmed is TimeoutError's
// KillUnconfirmed.
func timeoutErr(parent context.Context, limit time.Duration, unconfirmed bool) error {
	return &TimeoutError{After: limit, Canceled: parent.Err() != nil, KillUnconfirmed: unconfirmed}
}
