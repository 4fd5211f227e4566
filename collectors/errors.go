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
}

// Error reports the timeout as shown to users, e.g. "TIMED OUT after 5s".
func (e *TimeoutError) Error() string {
	if e.Canceled {
		return "canceled before the command finished"
	}
	return fmt.Sprintf("TIMED OUT after %s", e.After)
}

// Unwrap returns ErrTimeout.
func (e *TimeoutError) Unwrap() error { return ErrTimeout }

// timeoutErr builds the Result.Err for a command stopped at limit or because
// parent (the caller's context) ended.
func timeoutErr(parent context.Context, limit time.Duration) error {
	return &TimeoutError{After: limit, Canceled: parent.Err() != nil}
}
