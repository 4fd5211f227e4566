package collectors

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// A per-run timeout from the context wins over the collector's own, and is
// reported as a timeout of that length.
func TestWithCommandTimeout(t *testing.T) {
	l := &Local{CommandTimeout: time.Minute}
	start := time.Now()
	res := l.Run(WithCommandTimeout(context.Background(), 300*time.Millisecond), Target{Name: "localhost", Local: true}, "sleep 30")
	if !errors.Is(res.Err, ErrTimeout) || !strings.Contains(res.Err.Error(), "TIMED OUT after 300ms") {
		t.Errorf("err = %v", res.Err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
	if got := commandTimeout(context.Background(), time.Minute); got != time.Minute {
		t.Errorf("default = %v", got)
	}
	if got := commandTimeout(WithCommandTimeout(context.Background(), 0), time.Minute); got != time.Minute {
		t.Errorf("zero override = %v", got)
	}
}
