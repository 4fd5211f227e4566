package daemon

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"serverstats/alerts/store"
	"serverstats/collectors/testenv"
	"serverstats/config"
)

// wedgeClock is the real clock until wedge is called; then the scheduler
// loop waits forever, as a loop stuck on a lock or a bug would.
type wedgeClock struct{ wedged atomic.Bool }

func (c *wedgeClock) Now() time.Time { return time.Now() }
func (c *wedgeClock) After(d time.Duration) <-chan time.Time {
	if c.wedged.Load() {
		return nil // never fires
	}
	return time.After(d)
}

// listenNotify listens on a unix datagram socket as systemd does for
// NOTIFY_SOCKET and returns its messages on a channel.
func listenNotify(t *testing.T, addr string) <-chan string {
	t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	msgs := make(chan string, 1000)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(msgs)
				return
			}
			msgs <- string(buf[:n])
		}
	}()
	return msgs
}

// next returns the next message that is not a watchdog ping.
func next(t *testing.T, msgs <-chan string, what string) string {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m := <-msgs:
			if m != "WATCHDOG=1" {
				return m
			}
		case <-timeout:
			t.Fatalf("no %s message within 10s", what)
		}
	}
}

// awaitPings waits (up to within) for n watchdog pings, dropping other
// messages, and returns how many came.
func awaitPings(msgs <-chan string, n int, within time.Duration) int {
	got := 0
	deadline := time.After(within)
	for got < n {
		select {
		case m := <-msgs:
			if m == "WATCHDOG=1" {
				got++
			}
		case <-deadline:
			return got
		}
	}
	return got
}

// pings counts the watchdog pings received within d, dropping other messages.
func pings(msgs <-chan string, d time.Duration) int {
	return awaitPings(msgs, math.MaxInt, d)
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestNotifyAbstractSocket: an '@' NOTIFY_SOCKET is an abstract socket.
func TestNotifyAbstractSocket(t *testing.T) {
	addr := fmt.Sprintf("@serverstats-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	msgs := listenNotify(t, addr)
	if err := notify(addr, "READY=1"); err != nil {
		t.Fatal(err)
	}
	if m := next(t, msgs, "READY"); m != "READY=1" {
		t.Fatalf("got %q, want READY=1", m)
	}
}

// TestNotifyIgnoresOtherWatchdogPID: WATCHDOG_PID of another process means
// the pings are not ours to send.
func TestNotifyIgnoresOtherWatchdogPID(t *testing.T) {
	env := map[string]string{"NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"}
	if n := newNotifier(func(k string) string { return env[k] }, 42, nil); n.watchdog != 0 {
		t.Fatalf("watchdog %v for another pid, want 0", n.watchdog)
	}
	env["WATCHDOG_PID"] = "42"
	if n := newNotifier(func(k string) string { return env[k] }, 42, nil); n.watchdog != time.Second || n.pingEvery() != 500*time.Millisecond {
		t.Fatalf("watchdog %v, pings every %v; want 1s, every 500ms", n.watchdog, n.pingEvery())
	}
}

// TestDaemonSdNotify runs the daemon as systemd would with Type=notify and
// WatchdogSec=: READY=1 once running, WATCHDOG=1 while the scheduler ticks,
// RELOADING=1 (with MONOTONIC_USEC) then READY=1 around SIGHUP, no pings
// once the scheduler is wedged, STOPPING=1 on shutdown.
func TestDaemonSdNotify(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "notify.sock")
	msgs := listenNotify(t, sock)
	cfgPath := filepath.Join(dir, "serverstats.yaml")
	cfg := `daemon: {listen: "127.0.0.1:0", grace: 2s}
commands:
  a:
    servers: [localhost]
    cmd: echo 1
    header: none
    schedule: "@every 1s"
`
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"NOTIFY_SOCKET": sock, "WATCHDOG_USEC": "200000"} // ping every 100ms
	clk := &wedgeClock{}
	logs := &syncBuf{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{
			Load: func() (*config.Config, error) { return config.Load(cfgPath) },
			OpenState: func(ctx context.Context, _ *config.Config) (*store.Store, error) {
				return store.Open(ctx, filepath.Join(dir, "state.db"), store.Options{})
			},
			StatePath: func(*config.Config) string { return filepath.Join(dir, "state.db") },
			Stdout:    logs, Stderr: logs, Getenv: func(k string) string { return env[k] }, Version: "test",
			clock: clk,
		})
	}()
	defer func() {
		if t.Failed() {
			t.Logf("daemon log:\n%s", logs.String())
		}
	}()

	if m := next(t, msgs, "READY"); m != "READY=1" {
		t.Fatalf("first message %q, want READY=1", m)
	}
	// Their period (half WATCHDOG_USEC) is TestNotifyIgnoresOtherWatchdogPID's;
	// here they keep coming while the scheduler ticks.
	within := testenv.NoHang(500 * time.Millisecond)
	if n := awaitPings(msgs, 5, within); n < 5 {
		t.Fatalf("%d watchdog pings in %v at WATCHDOG_USEC=200000, want 5 (one every 100ms)", n, within)
	}

	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	m := next(t, msgs, "RELOADING")
	if !strings.HasPrefix(m, "RELOADING=1\nMONOTONIC_USEC=") {
		t.Fatalf("on SIGHUP got %q, want RELOADING=1 and MONOTONIC_USEC", m)
	}
	if m := next(t, msgs, "READY after reload"); m != "READY=1" {
		t.Fatalf("after reload got %q, want READY=1", m)
	}
	if n := awaitPings(msgs, 2, testenv.NoHang(200*time.Millisecond)); n < 2 {
		t.Fatalf("%d watchdog pings after the reload, want some", n)
	}

	// Wedge the scheduler: once /healthz's liveness window (5s) has passed,
	// the pings stop and the log says why.
	clk.wedged.Store(true)
	for start := time.Now(); !strings.Contains(logs.String(), "watchdog pings stopped"); {
		if time.Since(start) > 20*time.Second {
			t.Fatal("the watchdog pings went on 20s after the scheduler wedged")
		}
		pings(msgs, 100*time.Millisecond)
	}
	if n := pings(msgs, 1500*time.Millisecond); n != 0 {
		t.Fatalf("%d watchdog pings in 1.5s with the scheduler wedged, want 0", n)
	}

	cancel()
	if m := next(t, msgs, "STOPPING"); m != "STOPPING=1" {
		t.Fatalf("on shutdown got %q, want STOPPING=1", m)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the daemon did not stop within 10s")
	}
}
