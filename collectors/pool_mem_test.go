package collectors

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"serverstats/collectors/sshdtest"
)

// poolFootprint is what n pooled connections cost the process: live heap
// and goroutine stacks after a GC, and goroutines, per connection.
type poolFootprint struct {
	heap, stack, goroutines float64 // per connection
}

func (f poolFootprint) bytes() float64 { return f.heap + f.stack }

// measurePool opens n pooled connections, each having run one command, to
// one sshd (every target is another host name, so another connection: the
// pool's dialer sends them all to the same server) and returns what they
// cost per connection.
func measurePool(tb testing.TB, n int) poolFootprint {
	tb.Helper()
	if os.Getenv("SERVERSTATS_POOL_HEAPPROFILE") != "" {
		runtime.MemProfileRate = 1
	}
	f := sshdtest.Start(tb, 1)
	s := f.Servers[0]
	var kh strings.Builder
	key := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.HostKey)))
	targets := make([]Target, n)
	for i := range targets {
		name := "h" + strconv.Itoa(i)
		targets[i] = Target{Name: name, Host: name, Port: s.Port, User: f.User}
		fmt.Fprintf(&kh, "[%s]:%d %s\n", name, s.Port, key)
	}
	fmt.Fprintf(&kh, "[warm]:%d %s\n", s.Port, key)
	khPath := filepath.Join(tb.TempDir(), "known_hosts")
	if err := os.WriteFile(khPath, []byte(kh.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
	p, err := NewPool(SSHOptions{User: f.User, KnownHosts: khPath, IdentityFiles: []string{f.UserKeyPath}, ConnectTimeout: 60 * time.Second, CommandTimeout: 60 * time.Second}, PoolOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Close() })
	p.ssh.dial = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, s.Name)
	}
	ctx := context.Background()
	// One connection first, so that what every connection shares (keys,
	// known_hosts, code paths) is in the baseline.
	if r := p.Run(ctx, Target{Name: "warm", Host: "warm", Port: s.Port, User: f.User}, "true"); r.Err != nil {
		tb.Fatal(r.Err)
	}
	before := footprintNow()
	results := RunAll(ctx, func(Target) Collector { return p }, targets, "true", 32, nil)
	for _, r := range results {
		if r.Err != nil {
			tb.Fatalf("%s: %v", r.Target.Name, r.Err)
		}
	}
	results = nil
	if open := p.Stats().Open; open != n+1 {
		tb.Fatalf("%d connections open, want %d", open, n+1)
	}
	after := footprintNow()
	if path := os.Getenv("SERVERSTATS_POOL_HEAPPROFILE"); path != "" {
		writeHeapProfile(tb, path)
	}
	return poolFootprint{
		heap:       float64(after.heap-before.heap) / float64(n),
		stack:      float64(after.stack-before.stack) / float64(n),
		goroutines: float64(after.goroutines-before.goroutines) / float64(n),
	}
}

// writeHeapProfile writes the live heap, as it is now, to path (for
// go tool pprof).
func writeHeapProfile(tb testing.TB, path string) {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		tb.Fatal(err)
	}
}

type footprint struct{ heap, stack, goroutines int64 }

func footprintNow() footprint {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return footprint{int64(m.HeapAlloc), int64(m.StackInuse), int64(runtime.NumGoroutine())}
}

// maxBytesPerConn bounds what a pooled connection may cost (live heap and
// stacks). It was ~120 KB, plus a copy of known_hosts per connection (~250
// KB with 1,000 hosts); now ~35 KB: x/crypto/ssh's transport (bufio reader
// and writer, 8 KB; ciphers, handshake and mux state) and four goroutines
// (its readLoop, kexLoop and mux loop, and newSSHConn's). The daemon is to
// hold 1,000 connections in 50 MB of RSS, the rest of the process and the
// GC's headroom included.
const maxBytesPerConn = 44 << 10

func TestPoolMemoryPerConnection(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation sizes; run without -race")
	}
	fp := measurePool(t, 100)
	t.Logf("per pooled connection: %.0f B heap, %.0f B stacks, %.1f goroutines", fp.heap, fp.stack, fp.goroutines)
	if fp.bytes() > maxBytesPerConn {
		t.Errorf("a pooled connection costs %.0f B (heap %.0f + stacks %.0f), want at most %d", fp.bytes(), fp.heap, fp.stack, maxBytesPerConn)
	}
}

// BenchmarkPoolConnections reports what a pooled connection costs, over
// SERVERSTATS_POOL_CONNS connections (default 200; 1000 needs ~2,000 sshd
// processes); SERVERSTATS_POOL_HEAPPROFILE=FILE writes the heap profile of
// the moment it measures:
//
//	go test -run '^$' -bench PoolConnections -benchtime 1x ./collectors
func BenchmarkPoolConnections(b *testing.B) {
	n := 200
	if v, err := strconv.Atoi(os.Getenv("SERVERSTATS_POOL_CONNS")); err == nil && v > 0 {
		n = v
	}
	var fp poolFootprint
	for b.Loop() {
		fp = measurePool(b, n)
	}
	b.ReportMetric(fp.bytes(), "B/conn")
	b.ReportMetric(fp.heap, "heapB/conn")
	b.ReportMetric(fp.stack, "stackB/conn")
	b.ReportMetric(fp.goroutines, "goroutines/conn")
}
