package collectors

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"serverstats/collectors/testenv"
)

// testClock is an injectable PoolOptions.Now.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTestPool(t *testing.T, po PoolOptions, dial func(ctx context.Context, network, addr string) (net.Conn, error)) *Pool {
	t.Helper()
	p, err := NewPool(SSHOptions{KnownHosts: filepath.Join(t.TempDir(), "known_hosts"), ConnectTimeout: 2 * time.Second}, po)
	if err != nil {
		t.Fatal(err)
	}
	p.ssh.dial = dial
	t.Cleanup(func() { p.Close() })
	return p
}

func TestPoolBackoffRange(t *testing.T) {
	const lo, hi = time.Second, time.Minute
	p := newTestPool(t, PoolOptions{ReconnectMin: lo, ReconnectMax: hi}, nil)
	for _, n := range []int{1, 2, 3, 5, 6, 7, 10, 31, 32, 100} {
		d := hi
		if n < 32 {
			d = min(lo<<n, hi)
		}
		seen := map[time.Duration]bool{}
		for range 200 {
			w := p.backoff(n)
			if w < lo || w > hi || w < d/2 || w > d {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v] and [%v, %v]", n, w, lo, hi, d/2, d)
			}
			seen[w] = true
		}
		if len(seen) < 10 {
			t.Errorf("backoff(%d): only %d distinct waits in 200: no jitter?", n, len(seen))
		}
	}
	// Defaults, and a maximum below the minimum.
	q := newTestPool(t, PoolOptions{ReconnectMin: 5 * time.Second, ReconnectMax: time.Second}, nil)
	if q.opts.ReconnectMax != 5*time.Second || q.opts.MaxSessions != DefaultMaxSessions || q.opts.IdleTimeout != DefaultIdleTimeout ||
		q.opts.KeepaliveInterval != DefaultKeepaliveInterval || q.opts.KeepaliveMax != DefaultKeepaliveMax {
		t.Errorf("options after defaults: %+v", q.opts)
	}
	if w := q.backoff(3); w != 5*time.Second {
		t.Errorf("backoff with min = max = 5s: %v", w)
	}
}

// Runs during the backoff fail at once without dialing; after it, the next
// Run dials again, and the backoff grows.
func TestPoolBackoffFailsFast(t *testing.T) {
	clock := &testClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	var dials atomic.Int32
	refused := func(context.Context, string, string) (net.Conn, error) {
		dials.Add(1)
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	// Long enough that a run which waited for the backoff (at least lo/2,
	// on the real clock) cannot pass for one that failed at once.
	const lo, hi = 20 * time.Second, 160 * time.Second
	p := newTestPool(t, PoolOptions{ReconnectMin: lo, ReconnectMax: hi, Now: clock.Now}, refused)
	tg := Target{Name: "web1", Host: "192.0.2.1", Port: 22}

	// A Run whose context has already ended does not dial.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if r := p.Run(ctx, tg, "true"); !errors.Is(r.Err, ErrConnect) || !strings.Contains(r.Err.Error(), "canceled") || dials.Load() != 0 {
		t.Fatalf("canceled run: err = %v, %d dials; want ErrConnect (canceled) and no dial", r.Err, dials.Load())
	}

	r := p.Run(context.Background(), tg, "true")
	if !errors.Is(r.Err, ErrConnect) || !strings.Contains(r.Err.Error(), "refused") {
		t.Fatalf("first run: err = %v, want ErrConnect (refused)", r.Err)
	}
	for range 5 {
		start := time.Now()
		r = p.Run(context.Background(), tg, "true")
		if !errors.Is(r.Err, ErrConnect) || !strings.Contains(r.Err.Error(), "next attempt in") || !strings.Contains(r.Err.Error(), "refused") {
			t.Fatalf("run in backoff: err = %v, want ErrConnect with the next attempt and the last error", r.Err)
		}
		if el := time.Since(start); el >= lo/2 {
			t.Errorf("run in backoff took %v: it waited for the backoff (at least %v) instead of failing at once", el, lo/2)
		}
	}
	if n := dials.Load(); n != 1 {
		t.Fatalf("%d dials, want 1 (the others in backoff)", n)
	}
	for i := 2; i <= 4; i++ {
		p.mu.Lock()
		h := p.hosts[poolKey(hostConfig{user: p.ssh.localUser, host: tg.Host, port: 22})]
		wait := h.retryAt.Sub(clock.Now())
		p.mu.Unlock()
		if d := min(lo<<(i-1), hi); wait < d/2 || wait > d {
			t.Errorf("after %d failures: waiting %v, want within [%v, %v]", i-1, wait, d/2, d)
		}
		clock.Advance(wait - time.Millisecond)
		if r := p.Run(context.Background(), tg, "true"); !strings.Contains(r.Err.Error(), "next attempt in 1ms") {
			t.Errorf("1ms before the next attempt: err = %v", r.Err)
		}
		clock.Advance(time.Millisecond)
		p.Run(context.Background(), tg, "true")
		if n := dials.Load(); n != int32(i) {
			t.Fatalf("after the backoff: %d dials, want %d", n, i)
		}
	}
	if st := p.Stats(); st.Dials != 4 || st.DialFailures != 4 || st.Open != 0 || st.Hosts != 1 {
		t.Errorf("stats %+v", st)
	}
}

// Concurrent Runs for a host that has no connection share one dial, and
// Close ends a dial in progress.
func TestPoolSharesDialAndCloseEndsIt(t *testing.T) {
	var dials atomic.Int32
	blackhole := func(ctx context.Context, _, _ string) (net.Conn, error) {
		dials.Add(1)
		<-ctx.Done()
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: ctx.Err()}
	}
	p := newTestPool(t, PoolOptions{}, blackhole)
	// Only Close can end the dial before this.
	p.ssh.opts.ConnectTimeout = time.Minute
	tg := Target{Name: "web1", Host: "192.0.2.1", Port: 22}
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = p.Run(context.Background(), tg, "true").Err
		}()
	}
	if !pollCond(2*time.Second, func() bool { return p.Stats().Dials == 1 && dials.Load() == 1 }) {
		t.Fatalf("no dial started: %+v", p.Stats())
	}
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	p.Close()
	wg.Wait()
	if el := time.Since(start); el > testenv.NoHang(0) {
		t.Errorf("Close and the waiting Runs took %v: the dial was not ended (connect timeout %v)", el, p.ssh.opts.ConnectTimeout)
	}
	if n := dials.Load(); n != 1 {
		t.Errorf("%d dials for 10 concurrent runs, want 1", n)
	}
	for _, err := range errs {
		if !errors.Is(err, ErrConnect) || !strings.Contains(err.Error(), "closed") {
			t.Errorf("run cut off by Close: err = %v, want ErrConnect saying the pool closed", err)
		}
	}
	if st := p.Stats(); st.DialFailures != 0 {
		t.Errorf("a dial canceled by Close counted as a failure: %+v", st)
	}
}

func TestSentinelOf(t *testing.T) {
	for _, s := range []error{ErrConnect, ErrHostKeyChanged, ErrHostKeyUnknown, ErrAuth} {
		if got := sentinelOf(fmt.Errorf("x: %w: y", s)); got != s {
			t.Errorf("sentinelOf(%v) = %v", s, got)
		}
	}
	if got := sentinelOf(errors.New("other")); got != ErrConnect {
		t.Errorf("sentinelOf(other) = %v, want ErrConnect", got)
	}
}

// reapScript is one single-quoted argument of "exec /bin/sh -c", which sh,
// csh, tcsh and fish all read literally only if it holds no quote, no
// backslash and no "!" (csh history) and no newline.
func TestReapScriptQuotingIsPortable(t *testing.T) {
	inner, ok := strings.CutPrefix(reapScript, "exec /bin/sh -c '")
	if !ok || !strings.HasSuffix(inner, "'") {
		t.Fatalf("reapScript = %q, want exec /bin/sh -c '...'", reapScript)
	}
	inner = strings.TrimSuffix(inner, "'")
	if i := strings.IndexAny(inner, "'\\!\n"); i >= 0 {
		t.Errorf("reapScript holds %q at %d, which some login shell reads specially", inner[i], i)
	}
}

func pollCond(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}
