package collectors

import (
	"context"
	"time"
)

type timeoutKey struct{}

// WithCommandTimeout returns a context under which collectors use d as the
// command timeout instead of their own (a command's `timeout:` on a
// collector shared by many commands, such as the daemon's pool). A
// timeout that fires this way is reported as "TIMED OUT after d", not as a
// cancellation.
func WithCommandTimeout(ctx context.Context, d time.Duration) context.Context {
	if d <= 0 {
		return ctx
	}
	return context.WithValue(ctx, timeoutKey{}, d)
}

// commandTimeout is the command timeout for a run under ctx: the one set
// with WithCommandTimeout, else def.
func commandTimeout(ctx context.Context, def time.Duration) time.Duration {
	if d, ok := ctx.Value(timeoutKey{}).(time.Duration); ok && d > 0 {
		return d
	}
	return def
}
