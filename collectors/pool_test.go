package collectors_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"serverstats/collectors"
	"serverstats/collectors/sshdtest"
	"serverstats/collectors/testenv"
)

// fakeClock is an injectable PoolOptions.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newPool returns a Pool set up for fleet f (its known_hosts, user key and
// user), closed at the end of the test; edit adjusts the SSH options first.
func newPool(t *testing.T, f *sshdtest.Fleet, edit func(*collectors.SSHOptions), po collectors.PoolOptions) (*collectors.Pool, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	opts := collectors.SSHOptions{
		User:           f.User,
		KnownHosts:     f.KnownHostsPath,
		IdentityFiles:  []string{f.UserKeyPath},
		ConnectTimeout: 10 * time.Second,
		CommandTimeout: 10 * time.Second,
		Logger:         slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if edit != nil {
		edit(&opts)
	}
	p, err := collectors.NewPool(opts, po)
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}
	t.Cleanup(func() {
		p.Close()
		if t.Failed() {
			t.Logf("pool log:\n%s", logs.String())
		}
	})
	return p, logs
}

// accepted counts the logins in a server's sshd log.
func accepted(s *sshdtest.Server) int { return strings.Count(s.Log(), "Accepted publickey") }

func TestPoolReusesOneConnection(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 2)
	s := f.Servers[0]
	p, _ := newPool(t, f, nil, collectors.PoolOptions{})
	tg := target(t, s.Name)
	before := accepted(s)
	for i := range 20 {
		r := p.Run(context.Background(), tg, "echo $SERVERSTATS_HOST")
		mustOK(t, r)
		if got := strings.TrimSpace(string(r.Stdout)); got != s.Label {
			t.Fatalf("run %d: %q, want %q", i, got, s.Label)
		}
		if r.Target.Host != "127.0.0.1" || r.Target.Port != s.Port || r.Target.User != f.User || r.Target.Name != s.Name {
			t.Fatalf("result target = %+v", r.Target)
		}
	}
	st := p.Stats()
	if st.Dials != 1 || st.Open != 1 || st.DialFailures != 0 || st.Reconnects != 0 || st.SessionsInUse != 0 || st.Hosts != 1 {
		t.Errorf("after 20 runs: %+v, want 1 dial, 1 open, nothing in use", st)
	}
	if n := accepted(s) - before; n != 1 {
		t.Errorf("sshd accepted %d logins for 20 runs, want 1", n)
	}

	// A second host gets a connection of its own.
	mustOK(t, p.Run(context.Background(), target(t, f.Servers[1].Name), "true"))
	if st := p.Stats(); st.Dials != 2 || st.Open != 2 || st.Hosts != 2 {
		t.Errorf("after a second host: %+v, want 2 dials, 2 open", st)
	}

	// Non-zero exits and output come through as with SSH.Run.
	r := p.Run(context.Background(), tg, "echo out; echo err >&2; exit 3")
	if r.Err != nil || r.ExitStatus != 3 || string(r.Stdout) != "out\n" || string(r.Stderr) != "err\n" {
		t.Errorf("got err %v exit %d stdout %q stderr %q, want nil 3 out err", r.Err, r.ExitStatus, r.Stdout, r.Stderr)
	}
	r = p.Run(context.Background(), tg, "false")
	if r.Err != nil || r.ExitStatus != 1 {
		t.Errorf("false: err %v exit %d, want exit 1", r.Err, r.ExitStatus)
	}
}

func TestPoolSharesConnectionUpToMaxSessions(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 1)
	s := f.Servers[0]
	p, _ := newPool(t, f, nil, collectors.PoolOptions{MaxSessions: 2})
	tg := target(t, s.Name)
	before := accepted(s)

	var maxInUse, maxWaiting, maxRemote atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			st := p.Stats()
			if n := int64(st.SessionsInUse); n > maxInUse.Load() {
				maxInUse.Store(n)
			}
			if n := int64(st.Waiting); n > maxWaiting.Load() {
				maxWaiting.Store(n)
			}
			if n := int64(len(s.Pids("sleep 0.5"))); n > maxRemote.Load() {
				maxRemote.Store(n)
			}
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	start := time.Now()
	var wg sync.WaitGroup
	res := make([]collectors.Result, 4)
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = p.Run(context.Background(), tg, "sleep 0.5")
		}()
	}
	wg.Wait()
	el := time.Since(start)
	close(stop)
	<-sampled
	for _, r := range res {
		mustOK(t, r)
	}
	if el < time.Second {
		t.Errorf("4 runs of `sleep 0.5` with MaxSessions 2 took %v, want >= 1s", el)
	}
	if el > 10*time.Second {
		t.Errorf("4 runs of `sleep 0.5` with MaxSessions 2 took %v, want about 1s", el)
	}
	st := p.Stats()
	if st.Dials != 1 || st.Open != 1 {
		t.Errorf("stats %+v, want 1 dial, 1 open", st)
	}
	if n := accepted(s) - before; n != 1 {
		t.Errorf("sshd accepted %d logins, want 1", n)
	}
	if maxInUse.Load() > 2 || maxRemote.Load() > 2 {
		t.Errorf("saw %d sessions in use, %d remote sleeps at once; want at most 2", maxInUse.Load(), maxRemote.Load())
	}
	t.Logf("4 concurrent `sleep 0.5`, MaxSessions 2: %v; at most %d in use (%d remote sleeps), %d waiting", el, maxInUse.Load(), maxRemote.Load(), maxWaiting.Load())
}

// Consecutive runs share the pool's one connection: one dial, one login.
// (How much faster that is than a connection per run is measured by
// BenchmarkPoolRun against BenchmarkSSHRun, not asserted here.)
func TestPoolRunsShareOneConnection(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 1)
	s := f.Servers[0]
	tg := target(t, s.Name)
	p, _ := newPool(t, f, nil, collectors.PoolOptions{})
	before := accepted(s)
	const n = 20
	for range n {
		mustOK(t, p.Run(context.Background(), tg, "true"))
	}
	if st := p.Stats(); st.Dials != 1 {
		t.Errorf("pool dialed %d times for %d runs", st.Dials, n)
	}
	if got := accepted(s) - before; got != 1 {
		t.Errorf("sshd accepted %d logins for %d pooled runs, want 1", got, n)
	}
}

// Benchmarks of one `true` over loopback, pooled and one connection per
// run: go test -run '^$' -bench 'Run$' ./collectors/
func BenchmarkPoolRun(b *testing.B) {
	f := sshdtest.Start(b, 1)
	tg, _ := collectors.ParseTarget(f.Servers[0].Name)
	p, err := collectors.NewPool(collectors.SSHOptions{User: f.User, KnownHosts: f.KnownHostsPath, IdentityFiles: []string{f.UserKeyPath}}, collectors.PoolOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	benchRun(b, p, tg)
}

func BenchmarkSSHRun(b *testing.B) {
	f := sshdtest.Start(b, 1)
	tg, _ := collectors.ParseTarget(f.Servers[0].Name)
	c, err := collectors.NewSSH(collectors.SSHOptions{User: f.User, KnownHosts: f.KnownHostsPath, IdentityFiles: []string{f.UserKeyPath}})
	if err != nil {
		b.Fatal(err)
	}
	benchRun(b, c, tg)
}

func benchRun(b *testing.B, c collectors.Collector, tg collectors.Target) {
	if r := c.Run(context.Background(), tg, "true"); r.Err != nil {
		b.Fatal(r.Err)
	}
	for b.Loop() {
		if r := c.Run(context.Background(), tg, "true"); r.Err != nil || r.ExitStatus != 0 {
			b.Fatalf("err %v exit %d", r.Err, r.ExitStatus)
		}
	}
}

// A Run waiting for a free session gives up at its command timeout.
func TestPoolSessionWaitBoundedByCommandTimeout(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 1)
	s := f.Servers[0]
	const limit = time.Second
	// Not root: sshd refuses signals for root logins, and then the pool
	// retires the connection (see TestTimeoutRootLogin).
	user := f.AddUser("/bin/sh")
	p, _ := newPool(t, f, func(o *collectors.SSHOptions) { o.CommandTimeout = limit; o.User = user }, collectors.PoolOptions{MaxSessions: 1})
	tg := target(t, s.Name)
	mustOK(t, p.Run(context.Background(), tg, "true")) // connect first

	start := time.Now()
	var wg sync.WaitGroup
	res := make([]collectors.Result, 2)
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = p.Run(context.Background(), tg, "sleep 5")
		}()
	}
	wg.Wait()
	el := time.Since(start)
	waited := 0
	for _, r := range res {
		if !errors.Is(r.Err, collectors.ErrTimeout) {
			t.Fatalf("err = %v, want ErrTimeout", r.Err)
		}
		if strings.Contains(r.Err.Error(), "wait for a free session") {
			waited++
		}
	}
	if waited != 1 {
		t.Errorf("%d runs timed out waiting for a session, want 1: %v / %v", waited, res[0].Err, res[1].Err)
	}
	// Both remote sleeps run 5 s: returning before that is the timeouts.
	if bound := testenv.NoHang(limit); el > bound {
		t.Errorf("runs returned after %v, want within %v", el, bound)
	}
	mustOK(t, p.Run(context.Background(), tg, "true"))
	if st := p.Stats(); st.Dials != 1 || st.SessionsInUse != 0 || st.Waiting != 0 {
		t.Errorf("stats %+v, want 1 dial, nothing in use or waiting", st)
	}
}

// A timed-out command is killed on the server, but the connection and its
// other sessions live on.
func TestPoolCommandTimeoutKeepsConnection(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 1)
	s := f.Servers[0]
	tg := target(t, s.Name)
	const limit = 3 * time.Second
	// Not root: sshd refuses signals for root logins, and then the pool
	// retires the connection (see TestTimeoutRootLogin).
	user := f.AddUser("/bin/sh")
	p, _ := newPool(t, f, func(o *collectors.SSHOptions) { o.CommandTimeout = limit; o.User = user }, collectors.PoolOptions{MaxSessions: 4})
	mustOK(t, p.Run(context.Background(), tg, "true"))
	before := accepted(s)

	type outcome struct {
		r       collectors.Result
		elapsed time.Duration
	}
	run := func(cmd string) <-chan outcome {
		done := make(chan outcome, 1)
		start := time.Now()
		go func() {
			r := p.Run(context.Background(), tg, cmd)
			done <- outcome{r, time.Since(start)}
		}()
		return done
	}
	cases := []struct {
		cmd, proc string
		n         int
	}{
		{"sleep 600", "sleep 600", 1},
		{"sleep 601 & sleep 601", "sleep 601", 2}, // a background child too
	}
	var runs []<-chan outcome
	started := time.Now()
	for _, tc := range cases {
		runs = append(runs, run(tc.cmd))
	}
	for _, tc := range cases {
		if !poll(limit, func() bool { return len(s.Pids(tc.proc)) == tc.n }) {
			t.Fatalf("%q: want %d remote %q processes, have %v", tc.cmd, tc.n, tc.proc, s.Pids(tc.proc))
		}
	}
	// A bystander on the same connection, started later so that it is
	// still running when the others time out.
	time.Sleep(time.Until(started.Add(limit / 3)))
	bystander := run("sleep 602")
	if !poll(limit, func() bool { return len(s.Pids("sleep 602")) == 1 }) {
		t.Fatalf("remote `sleep 602` never showed up")
	}
	for i, tc := range cases {
		var o outcome
		select {
		case o = <-runs[i]:
		case <-time.After(testenv.NoHang(limit)):
			t.Fatalf("%q: Run still running %v after a %v command timeout", tc.cmd, testenv.NoHang(limit), limit)
		}
		if !errors.Is(o.r.Err, collectors.ErrTimeout) || !strings.Contains(o.r.Err.Error(), "TIMED OUT after 3s") {
			t.Fatalf("%q: err = %v, want ErrTimeout saying TIMED OUT after 3s", tc.cmd, o.r.Err)
		}
		var te *collectors.TimeoutError
		if !errors.As(o.r.Err, &te) || te.KillUnconfirmed {
			t.Errorf("%q: err = %v, want the kill confirmed", tc.cmd, o.r.Err)
		}
		if o.elapsed < limit {
			t.Errorf("%q: Run returned after %v, before its %v timeout", tc.cmd, o.elapsed, limit)
		}
		t.Logf("%q, timeout %v: Run returned after %v", tc.cmd, limit, o.elapsed)
		if !poll(5*time.Second, func() bool { return len(s.Pids(tc.proc)) == 0 }) {
			t.Errorf("%q: remote processes still running: %v", tc.cmd, s.Pids(tc.proc))
		}
	}
	var o outcome
	select {
	case o = <-bystander:
		t.Logf("the bystander reached its own timeout before the others were done (slow machine)")
	default:
		if n := len(s.Pids("sleep 602")); n != 1 {
			t.Errorf("the bystander's remote sleep was killed too (%d left)", n)
		}
		o = <-bystander
	}
	// Killed along with the others, it would have ended early with status 137.
	if !errors.Is(o.r.Err, collectors.ErrTimeout) || o.elapsed < limit {
		t.Errorf("bystander: err = %v (exit %d) after %v, want its own timeout after %v", o.r.Err, o.r.ExitStatus, o.elapsed, limit)
	}
	if !poll(5*time.Second, func() bool { return len(s.Pids("sleep 602")) == 0 }) {
		t.Errorf("bystander's remote sleep still running after its timeout")
	}

	// The next run reuses the connection: no new dial, no new login.
	r := p.Run(context.Background(), tg, "echo ok")
	mustOK(t, r)
	st := p.Stats()
	if st.Dials != 1 || st.Open != 1 || st.SessionsInUse != 0 {
		t.Errorf("after the timeouts: %+v, want 1 dial, 1 open, nothing in use", st)
	}
	if n := accepted(s) - before; n != 0 {
		t.Errorf("sshd accepted %d new logins, want 0", n)
	}

	// A caller's cancellation takes the same path.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan collectors.Result, 1)
	go func() { done <- p.Run(ctx, tg, "sleep 603") }()
	if !poll(2*time.Second, func() bool { return len(s.Pids("sleep 603")) == 1 }) {
		t.Fatal("remote `sleep 603` never showed up")
	}
	cancel()
	r = <-done
	var te *collectors.TimeoutError
	if !errors.As(r.Err, &te) || !te.Canceled {
		t.Errorf("canceled run: err = %v, want a canceled TimeoutError", r.Err)
	}
	if !poll(5*time.Second, func() bool { return len(s.Pids("sleep 603")) == 0 }) {
		t.Errorf("canceled command still running remotely")
	}
	mustOK(t, p.Run(context.Background(), tg, "true"))
	if st := p.Stats(); st.Dials != 1 {
		t.Errorf("after a cancellation: %d dials, want 1", st.Dials)
	}
}

// sshd stopped and restarted under the pool: fast failures while it is down,
// backoff, a new connection after the restart, and a changed host key
// refused on reconnect.
func TestPoolReconnectsAfterRestart(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 1)
	s := f.Servers[0]
	tg := target(t, s.Name)
	clock := newFakeClock()
	// Far longer than a refused dial or a failure in backoff may take, so
	// that neither can pass for one that waited.
	const connectTimeout = time.Minute
	po := collectors.PoolOptions{ReconnectMin: 20 * time.Second, ReconnectMax: time.Minute, Now: clock.Now}
	p, _ := newPool(t, f, func(o *collectors.SSHOptions) { o.ConnectTimeout = connectTimeout }, po)
	mustOK(t, p.Run(context.Background(), tg, "true"))

	// A command running when the server goes away fails with ErrConnect.
	running := make(chan collectors.Result, 1)
	go func() { running <- p.Run(context.Background(), tg, "sleep 5") }()
	if !poll(4*time.Second, func() bool { return len(s.Pids("sleep 5")) == 1 }) {
		t.Fatal("remote `sleep 5` never showed up")
	}
	s.Stop()
	select {
	case r := <-running:
		if !errors.Is(r.Err, collectors.ErrConnect) {
			t.Errorf("run cut off by the server: err = %v, want ErrConnect", r.Err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run on a connection whose server died did not return")
	}
	if !poll(5*time.Second, func() bool { return p.Stats().Open == 0 }) {
		t.Fatalf("connection to a stopped server still open: %+v", p.Stats())
	}

	// Down: the first run dials and fails fast; the next ones are in backoff
	// and do not dial.
	start := time.Now()
	r := p.Run(context.Background(), tg, "true")
	if el := time.Since(start); el > testenv.NoHang(0) {
		t.Errorf("run against a stopped server took %v, want it refused at once, not after the %v connect timeout", el, connectTimeout)
	}
	if !errors.Is(r.Err, collectors.ErrConnect) || !strings.Contains(r.Err.Error(), "refused") {
		t.Fatalf("server down: err = %v, want ErrConnect saying connection refused", r.Err)
	}
	start = time.Now()
	r = p.Run(context.Background(), tg, "true")
	if el := time.Since(start); el >= po.ReconnectMin/2 {
		t.Errorf("run in backoff took %v, want it to fail at once, not wait for the backoff (at least %v)", el, po.ReconnectMin/2)
	}
	if !errors.Is(r.Err, collectors.ErrConnect) || !strings.Contains(r.Err.Error(), "next attempt in") || !strings.Contains(r.Err.Error(), "refused") {
		t.Fatalf("in backoff: err = %v, want ErrConnect saying when the next attempt is and why the last failed", r.Err)
	}
	t.Logf("in backoff: %v", r.Err)
	st := p.Stats()
	if st.Dials != 2 || st.DialFailures != 1 {
		t.Errorf("stats %+v, want 2 dials, 1 failure", st)
	}

	// Back up: once the backoff has passed, the next run gets a new connection.
	s.Restart()
	restarted := time.Now()
	clock.Advance(po.ReconnectMax)
	r = p.Run(context.Background(), tg, "echo $SERVERSTATS_HOST")
	mustOK(t, r)
	t.Logf("first run after the restart (a new connection): %v", time.Since(restarted))
	st = p.Stats()
	if st.Dials != 3 || st.Reconnects != 1 || st.Open != 1 {
		t.Errorf("after the restart: %+v, want 3 dials, 1 reconnect, 1 open", st)
	}
	mustOK(t, p.Run(context.Background(), tg, "true"))
	if st := p.Stats(); st.Dials != 3 {
		t.Errorf("second run after the restart dialed again: %+v", st)
	}

	// A new host key while it was down: refused on reconnect, and still
	// refused (with the same sentinel) during and after the backoff.
	s.RotateHostKey()
	if !poll(time.Second, func() bool { return p.Stats().Open == 0 }) {
		t.Fatalf("connection to a restarted server still open: %+v", p.Stats())
	}
	r = p.Run(context.Background(), tg, "echo ran")
	if !errors.Is(r.Err, collectors.ErrHostKeyChanged) || len(r.Stdout) != 0 {
		t.Fatalf("changed host key: err = %v stdout %q, want ErrHostKeyChanged and nothing run", r.Err, r.Stdout)
	}
	r = p.Run(context.Background(), tg, "echo ran")
	if !errors.Is(r.Err, collectors.ErrHostKeyChanged) || errors.Is(r.Err, collectors.ErrConnect) || !strings.Contains(r.Err.Error(), "next attempt in") {
		t.Fatalf("changed host key, in backoff: err = %v, want ErrHostKeyChanged (only) saying when the next attempt is", r.Err)
	}
	clock.Advance(po.ReconnectMax)
	r = p.Run(context.Background(), tg, "echo ran")
	if !errors.Is(r.Err, collectors.ErrHostKeyChanged) || strings.Contains(r.Err.Error(), "next attempt in") {
		t.Fatalf("changed host key, after backoff: err = %v, want a fresh ErrHostKeyChanged", r.Err)
	}
	if st := p.Stats(); st.Dials != 5 || st.DialFailures != 3 || st.Open != 0 {
		t.Errorf("after the key change: %+v, want 5 dials, 3 failures, 0 open", st)
	}
}

// Keepalive: a stopped server's connection is gone within
// KeepaliveInterval*KeepaliveMax.
func TestPoolDropsConnectionOfStoppedServer(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 1)
	s := f.Servers[0]
	const interval, count = 250 * time.Millisecond, 3
	p, _ := newPool(t, f, nil, collectors.PoolOptions{KeepaliveInterval: interval, KeepaliveMax: count})
	mustOK(t, p.Run(context.Background(), target(t, s.Name), "true"))
	time.Sleep(3 * interval) // keepalives answered: still open
	if st := p.Stats(); st.Open != 1 || st.KeepaliveFailures != 0 {
		t.Fatalf("idle healthy connection: %+v, want 1 open", st)
	}
	s.Stop()
	start := time.Now()
	if bound := testenv.NoHang(interval * count); !poll(bound, func() bool { return p.Stats().Open == 0 }) {
		t.Fatalf("connection still open %v after the server stopped: %+v", bound, p.Stats())
	}
	t.Logf("stopped server's connection dropped after %v", time.Since(start))
}

// Keepalive: a peer that goes silent without closing the connection (here a
// frozen TCP proxy) is declared dead after KeepaliveMax unanswered
// keepalives; the command running on it fails with ErrConnect, and the next
// run reconnects.
func TestPoolKeepaliveDetectsSilentPeer(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 1)
	s := f.Servers[0]
	px := startFreezeProxy(t, s.Name)
	known := f.WriteFile("known_hosts_proxy", fmt.Sprintf("[127.0.0.1]:%d %s", px.port(), strings.TrimPrefix(s.KnownHostsLine(), fmt.Sprintf("[127.0.0.1]:%d ", s.Port))))
	const interval, count = 300 * time.Millisecond, 2
	p, _ := newPool(t, f, func(o *collectors.SSHOptions) { o.KnownHosts = known }, collectors.PoolOptions{KeepaliveInterval: interval, KeepaliveMax: count})
	tg := target(t, px.addr())
	mustOK(t, p.Run(context.Background(), tg, "echo $SERVERSTATS_HOST"))

	running := make(chan collectors.Result, 1)
	go func() { running <- p.Run(context.Background(), tg, "sleep 5") }()
	if !poll(4*time.Second, func() bool { return len(s.Pids("sleep 5")) == 1 }) {
		t.Fatal("remote `sleep 5` never showed up")
	}
	px.freeze()
	frozen := time.Now()
	// Far less than the default keepalive (DefaultKeepaliveInterval *
	// DefaultKeepaliveMax), and the remote sleep cannot end it: the proxy
	// is frozen.
	// A command's exit counts as a sign of life, which may defer the
	// first keepalive by one interval.
	limit := testenv.NoHang(interval * (count + 2))
	if !poll(limit, func() bool { return p.Stats().Open == 0 }) {
		t.Fatalf("silent connection still open %v after it froze: %+v", limit, p.Stats())
	}
	t.Logf("silent peer detected after %v (interval %v, max %d)", time.Since(frozen), interval, count)
	select {
	case r := <-running:
		if !errors.Is(r.Err, collectors.ErrConnect) {
			t.Errorf("run on the dead connection: err = %v, want ErrConnect", r.Err)
		}
	case <-time.After(testenv.NoHang(0)):
		t.Fatal("run on a dead connection did not return")
	}
	if st := p.Stats(); st.KeepaliveFailures != 1 {
		t.Errorf("stats %+v, want 1 keepalive failure", st)
	}
	mustOK(t, p.Run(context.Background(), tg, "true"))
	if st := p.Stats(); st.Dials != 2 || st.Reconnects != 1 || st.Open != 1 {
		t.Errorf("after reconnecting: %+v, want 2 dials, 1 reconnect, 1 open", st)
	}
}

// A connection busy with commands is sent no keepalives: each command's
// exit shows the server alive (as OpenSSH's ServerAliveInterval counts what
// the server sends), which matters at fleet scale, where keepalives were
// 12 % of the daemon's CPU. Once it is quiet, keepalives resume.
func TestPoolKeepaliveOnlyWhenQuiet(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 1)
	const interval = time.Second
	p, _ := newPool(t, f, nil, collectors.PoolOptions{KeepaliveInterval: interval})
	tg := target(t, f.Servers[0].Name)
	runs := 0
	for start := time.Now(); time.Since(start) < 4*interval; runs++ {
		mustOK(t, p.Run(context.Background(), tg, "true"))
	}
	// One tick may find no exit since the one before if a run took a whole
	// interval (a loaded machine); without the rule there are four.
	if st := p.Stats(); st.Keepalives > 1 {
		t.Errorf("%d keepalives sent over %d runs in %v, want at most 1: %+v", st.Keepalives, runs, 4*interval, st)
	}
	busy := p.Stats().Keepalives
	if bound := testenv.NoHang(3 * interval); !poll(bound, func() bool { return p.Stats().Keepalives >= busy+2 }) {
		t.Fatalf("idle connection: %d keepalives %v after the last run, want 2 more", p.Stats().Keepalives-busy, bound)
	}
	if st := p.Stats(); st.Open != 1 || st.KeepaliveFailures != 0 {
		t.Errorf("after keepalives: %+v, want 1 open, no failures", st)
	}
}

func TestPoolClosesIdleConnections(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 1)
	s := f.Servers[0]
	tg := target(t, s.Name)
	// The idle clock starts when the session ends, after start and before
	// Run returns: the close comes no sooner than idle after start, and
	// within testenv.NoHang(idle) after Run returned.
	const idle = time.Second
	p, _ := newPool(t, f, nil, collectors.PoolOptions{IdleTimeout: idle})
	start := time.Now()
	mustOK(t, p.Run(context.Background(), tg, "true"))
	if bound := testenv.NoHang(idle); !poll(bound, func() bool { return p.Stats().Open == 0 }) {
		t.Fatalf("idle connection still open after %v: %+v", bound, p.Stats())
	}
	if el := time.Since(start); el < idle {
		t.Errorf("idle connection closed %v after the run started, before the idle timeout %v", el, idle)
	}
	if st := p.Stats(); st.IdleClosed != 1 {
		t.Errorf("stats %+v, want 1 idle close", st)
	}
	// A session longer than the idle timeout is not cut off.
	r := p.Run(context.Background(), tg, "sleep 1.7; echo done")
	mustOK(t, r)
	if string(r.Stdout) != "done\n" {
		t.Errorf("long run: stdout %q", r.Stdout)
	}
	if st := p.Stats(); st.Dials != 2 || st.Reconnects != 0 {
		t.Errorf("stats %+v, want 2 dials (a new one after the idle close) and no reconnect", st)
	}
}

// Close ends the runs in progress and refuses new ones.
func TestPoolCloseEndsRuns(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 1)
	s := f.Servers[0]
	tg := target(t, s.Name)
	p, _ := newPool(t, f, nil, collectors.PoolOptions{})
	running := make(chan collectors.Result, 1)
	go func() { running <- p.Run(context.Background(), tg, "sleep 30") }()
	if !poll(testenv.NoHang(0), func() bool { return len(s.Pids("sleep 30")) == 1 }) {
		t.Fatal("remote `sleep 30` never showed up")
	}
	start := time.Now()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > testenv.NoHang(0) {
		t.Errorf("Close took %v: it waited for the run (sleep 30)", el)
	}
	r := <-running
	if !errors.Is(r.Err, collectors.ErrConnect) {
		t.Errorf("run cut off by Close: err = %v, want ErrConnect", r.Err)
	}
	r = p.Run(context.Background(), tg, "true")
	if !errors.Is(r.Err, collectors.ErrConnect) || !strings.Contains(r.Err.Error(), "closed") {
		t.Errorf("run after Close: err = %v, want ErrConnect saying the pool is closed", r.Err)
	}
	if st := p.Stats(); st.Open != 0 {
		t.Errorf("after Close: %+v", st)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestPoolHostKeyPolicies(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 1)
	s := f.Servers[0]
	tg := target(t, s.Name)

	empty := f.WriteKnownHosts("known_hosts_empty")
	strict, _ := newPool(t, f, func(o *collectors.SSHOptions) { o.KnownHosts = empty }, collectors.PoolOptions{})
	if r := strict.Run(context.Background(), tg, "echo ran"); !errors.Is(r.Err, collectors.ErrHostKeyUnknown) || len(r.Stdout) != 0 {
		t.Errorf("strict, unknown host: err = %v stdout %q, want ErrHostKeyUnknown", r.Err, r.Stdout)
	}

	fresh := f.WriteKnownHosts("known_hosts_fresh")
	acceptNew, _ := newPool(t, f, func(o *collectors.SSHOptions) {
		o.KnownHosts = fresh
		o.HostKeyPolicy = collectors.PolicyAcceptNew
	}, collectors.PoolOptions{})
	mustOK(t, acceptNew.Run(context.Background(), tg, "true"))
	if data, _ := os.ReadFile(fresh); !strings.Contains(string(data), s.KnownHostsLine()) {
		t.Errorf("accept-new did not add the key: %q", data)
	}

	insecure, logs := newPool(t, f, func(o *collectors.SSHOptions) {
		o.KnownHosts = empty
		o.HostKeyPolicy = collectors.PolicyInsecureIgnore
	}, collectors.PoolOptions{})
	for range 3 {
		mustOK(t, insecure.Run(context.Background(), tg, "true"))
	}
	if n := strings.Count(logs.String(), "host key NOT verified"); n != 1 {
		t.Errorf("got %d warnings for 1 unverified connection (3 runs)", n)
	}
}

func TestPoolProxyJump(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 2)
	jump, behind := f.Servers[0], f.Servers[1]
	cfg := f.WriteFile("ssh_config", fmt.Sprintf(`
Host jumphost
    HostName 127.0.0.1
    Port %d

Host behind
    HostName 127.0.0.1
    Port %d
    ProxyJump jumphost
`, jump.Port, behind.Port))
	p, _ := newPool(t, f, func(o *collectors.SSHOptions) { o.SSHConfig = cfg }, collectors.PoolOptions{})
	jb, bb := accepted(jump), accepted(behind)
	for range 5 {
		r := p.Run(context.Background(), target(t, "behind"), "echo $SERVERSTATS_HOST")
		mustOK(t, r)
		if got := strings.TrimSpace(string(r.Stdout)); got != behind.Label {
			t.Fatalf("behind answered %q", got)
		}
	}
	if j, b := accepted(jump)-jb, accepted(behind)-bb; j != 1 || b != 1 {
		t.Errorf("5 runs through a jump host: %d logins on the jump host, %d behind it; want 1 and 1", j, b)
	}
	jump.Stop()
	if !poll(2*time.Second, func() bool { return p.Stats().Open == 0 }) {
		t.Fatalf("connection through a stopped jump host still open: %+v", p.Stats())
	}
	if r := p.Run(context.Background(), target(t, "behind"), "true"); !errors.Is(r.Err, collectors.ErrConnect) || !strings.Contains(r.Err.Error(), "jump host") {
		t.Errorf("jump host down: err = %v, want ErrConnect naming the jump host", r.Err)
	}
}

// Hosts behind one bastion share one connection to it: the pool holding
// three hosts behind it, and a one-shot SSH running on them at once, each
// log in to the bastion once. When the last connection through it ends,
// the bastion's is closed too.
func TestProxyJumpSharesTheBastion(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 4)
	jump := f.Servers[0]
	cfg := fmt.Sprintf("Host jumphost\n    HostName 127.0.0.1\n    Port %d\n", jump.Port)
	for i, s := range f.Servers[1:] {
		cfg += fmt.Sprintf("Host behind%d\n    HostName 127.0.0.1\n    Port %d\n    ProxyJump jumphost\n", i, s.Port)
	}
	path := f.WriteFile("ssh_config", cfg)
	runAll := func(c collectors.Collector, cmd string) {
		var wg sync.WaitGroup
		for i, s := range f.Servers[1:] {
			wg.Go(func() {
				r := c.Run(context.Background(), target(t, fmt.Sprintf("behind%d", i)), cmd)
				mustOK(t, r)
				if got := strings.TrimSpace(string(r.Stdout)); got != s.Label {
					t.Errorf("behind%d answered %q, want %s", i, got, s.Label)
				}
			})
		}
		wg.Wait()
	}

	p, _ := newPool(t, f, func(o *collectors.SSHOptions) { o.SSHConfig = path }, collectors.PoolOptions{})
	before := accepted(jump)
	runAll(p, "echo $SERVERSTATS_HOST")
	runAll(p, "echo $SERVERSTATS_HOST")
	if n := accepted(jump) - before; n != 1 {
		t.Errorf("pool: %d logins on the bastion for 3 hosts behind it, twice; want 1", n)
	}
	p.Close()
	if !poll(3*time.Second, func() bool { return jumpSessions(jump) == 0 }) {
		t.Errorf("the pool is closed but the bastion still has a connection open")
	}

	c, _ := newSSH(t, f, func(o *collectors.SSHOptions) { o.SSHConfig = path })
	before = accepted(jump)
	runAll(c, "sleep 1; echo $SERVERSTATS_HOST") // at the same time: one bastion connection
	if n := accepted(jump) - before; n != 1 {
		t.Errorf("one-shot: %d logins on the bastion for 3 concurrent hosts behind it; want 1", n)
	}
	if !poll(3*time.Second, func() bool { return jumpSessions(jump) == 0 }) {
		t.Errorf("the runs are over but the bastion connection is still open")
	}
}

// jumpSessions is how many TCP connections to s are established (from
// /proc/net/tcp: the client side of each, remote port s.Port).
func jumpSessions(s *sshdtest.Server) int {
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return -1
	}
	n := 0
	for _, l := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(l)
		if len(f) > 3 && f[3] == "01" && strings.HasSuffix(f[2], fmt.Sprintf(":%04X", s.Port)) {
			n++
		}
	}
	return n
}

// A server that ignores signals and never opens a second session (so the
// timed-out command cannot be killed): Run still returns in time, says the
// kill is not confirmed, and the connection is retired rather than reused.
func TestPoolUncooperativeServerRetiresConnection(t *testing.T) {
	t.Parallel()
	execAt := make(chan time.Time, 1)
	fs := startFakeServer(t, func(ch ssh.Channel, reqs <-chan *ssh.Request) {
		select {
		case execAt <- time.Now():
		default:
		}
		ch.Write([]byte("partial output\n"))
		for r := range reqs { // ignore "signal" and everything else
			if r.WantReply {
				r.Reply(false, nil)
			}
		}
	})
	const limit = time.Second
	p, err := collectors.NewPool(collectors.SSHOptions{
		User:           "tester",
		KnownHosts:     fs.knownHosts,
		IdentityFiles:  []string{fs.keyPath},
		ConnectTimeout: 2 * time.Second,
		CommandTimeout: limit,
	}, collectors.PoolOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	tg := collectors.Target{Name: fs.addr, Host: "127.0.0.1", Port: portOf(t, fs.addr)}
	start := time.Now()
	r := p.Run(context.Background(), tg, "sleep 600")
	end := time.Now()
	if !errors.Is(r.Err, collectors.ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", r.Err)
	}
	// Measured from the exec request, to leave out the time to connect.
	el := end.Sub(<-execAt)
	// killGrace (1 s) for the signal, killGrace for the fallback (whose
	// second session this server never opens); the command never ends.
	if bound := testenv.NoHang(limit + 2*time.Second); end.Sub(start) < limit || el > bound {
		t.Errorf("Run returned %v after the command started (%v in all), want within %v", el, end.Sub(start), bound)
	}
	var te *collectors.TimeoutError
	if !errors.As(r.Err, &te) || !te.KillUnconfirmed {
		t.Errorf("err = %v, want a timeout whose kill is not confirmed", r.Err)
	}
	if string(r.Stdout) != "partial output\n" {
		t.Errorf("stdout = %q, want the partial output", r.Stdout)
	}
	// Retired, and closed after the fallback's ConnectTimeout + 1s.
	if !poll(5*time.Second, func() bool { return p.Stats().Open == 0 }) {
		t.Errorf("connection with an unkillable command still open: %+v", p.Stats())
	}
	t.Logf("uncooperative server, timeout %v: Run returned after %v", limit, el)
}

// Every goroutine and file descriptor the pool uses is gone after Close,
// through runs, concurrent runs, timeouts and server restarts.
func TestPoolNoLeaks(t *testing.T) {
	f := sshdtest.Start(t, 2)
	runtime.GC()
	baseG, baseFD := runtime.NumGoroutine(), countFDs(t)

	logs := &logBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pool log:\n%s", logs.String())
		}
	})
	p, err := collectors.NewPool(collectors.SSHOptions{
		Logger:         slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		User:           f.User,
		KnownHosts:     f.KnownHostsPath,
		IdentityFiles:  []string{f.UserKeyPath},
		ConnectTimeout: 10 * time.Second,
		CommandTimeout: 10 * time.Second,
	}, collectors.PoolOptions{MaxSessions: 3, KeepaliveInterval: time.Second, ReconnectMin: 10 * time.Millisecond, ReconnectMax: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var targets []collectors.Target
	for _, s := range f.Servers {
		targets = append(targets, target(t, s.Name))
	}
	pick := func(collectors.Target) collectors.Collector { return p }
	for round := range 2 {
		for range 3 {
			for _, r := range collectors.RunAll(context.Background(), pick, targets, "echo $SERVERSTATS_HOST", 0, nil) {
				mustOK(t, r)
			}
		}
		// Concurrent runs, more than MaxSessions, with one timing out.
		all := append(append(append([]collectors.Target{}, targets...), targets...), targets...)
		res := collectors.RunAll(context.Background(), pick, all, "sleep 0.1", 0, nil)
		for _, r := range res {
			mustOK(t, r)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		r := p.Run(ctx, targets[0], "sleep 30")
		cancel()
		if !errors.Is(r.Err, collectors.ErrTimeout) {
			t.Fatalf("round %d: err = %v, want ErrTimeout", round, r.Err)
		}
		s := f.Servers[round%2]
		s.Stop()
		r = p.Run(context.Background(), targets[round%2], "true")
		if !errors.Is(r.Err, collectors.ErrConnect) {
			t.Fatalf("round %d, server down: err = %v, want ErrConnect", round, r.Err)
		}
		s.Restart()
		var last error
		if !poll(5*time.Second, func() bool { last = p.Run(context.Background(), targets[round%2], "true").Err; return last == nil }) {
			t.Fatalf("round %d: no reconnect after restart: %v", round, last)
		}
	}
	st := p.Stats()
	t.Logf("before Close: %+v; goroutines %d (baseline %d), fds %d (baseline %d)", st, runtime.NumGoroutine(), baseG, countFDs(t), baseFD)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if !poll(5*time.Second, func() bool { return runtime.NumGoroutine() <= baseG }) {
		buf := make([]byte, 1<<20)
		t.Fatalf("goroutines: %d after Close, baseline %d:\n%s", runtime.NumGoroutine(), baseG, buf[:runtime.Stack(buf, true)])
	}
	if !poll(5*time.Second, func() bool { n := countFDs(t); return n >= baseFD-2 && n <= baseFD+2 }) {
		t.Fatalf("open fds: %d after Close, baseline %d", countFDs(t), baseFD)
	}
	t.Logf("after Close: goroutines %d (baseline %d), fds %d (baseline %d)", runtime.NumGoroutine(), baseG, countFDs(t), baseFD)
}

func countFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatalf("count open fds: %v", err)
	}
	return len(ents)
}

// freezeProxy forwards TCP connections to a target; freeze makes every
// connection open at that time go silent (bytes are swallowed, nothing is
// closed), as a peer that vanished from the network would.
type freezeProxy struct {
	l      net.Listener
	target string

	mu    sync.Mutex
	conns []*proxyConn
	wg    sync.WaitGroup
}

type proxyConn struct {
	client, server net.Conn
	frozen         atomic.Bool
}

func startFreezeProxy(t *testing.T, target string) *freezeProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	px := &freezeProxy{l: l, target: target}
	px.wg.Add(1)
	go func() {
		defer px.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			pc := &proxyConn{client: c, server: s}
			px.mu.Lock()
			px.conns = append(px.conns, pc)
			px.mu.Unlock()
			px.wg.Add(2)
			go px.pipe(pc, c, s)
			go px.pipe(pc, s, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		px.mu.Lock()
		for _, pc := range px.conns {
			pc.client.Close()
			pc.server.Close()
		}
		px.mu.Unlock()
		px.wg.Wait()
	})
	return px
}

func (px *freezeProxy) pipe(pc *proxyConn, from, to net.Conn) {
	defer px.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := from.Read(buf)
		if n > 0 && !pc.frozen.Load() {
			if _, werr := to.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if !pc.frozen.Load() {
				pc.client.Close()
				pc.server.Close()
			}
			return
		}
	}
}

func (px *freezeProxy) freeze() {
	px.mu.Lock()
	defer px.mu.Unlock()
	for _, pc := range px.conns {
		pc.frozen.Store(true)
	}
}

func (px *freezeProxy) addr() string { return px.l.Addr().String() }

func (px *freezeProxy) port() int {
	_, p, _ := net.SplitHostPort(px.addr())
	n, _ := strconv.Atoi(p)
	return n
}
