package heartbeat

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"serverstats/config"
)

func TestURL(t *testing.T) {
	for _, c := range []struct {
		base, kind string
		code       int
		rid, want  string
	}{
		{"https://hc-ping.com/abc", "start", 0, "", "https://hc-ping.com/abc/start"},
		{"https://hc-ping.com/abc/", "", 0, "", "https://hc-ping.com/abc"},
		{"https://hc-ping.com/abc", "", 3, "r1", "https://hc-ping.com/abc/3?rid=r1"},
		{"http://127.0.0.1:8000/ping/key/slug?create=1", "start", 0, "r2", "http://127.0.0.1:8000/ping/key/slug/start?create=1&rid=r2"},
	} {
		if got := URL(c.base, c.kind, c.code, c.rid); got != c.want {
			t.Errorf("URL(%q, %q, %d, %q) = %q, want %q", c.base, c.kind, c.code, c.rid, got, c.want)
		}
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(NewRID()) {
		t.Errorf("NewRID() = %q, not a version 4 UUID", NewRID())
	}
}

// The daemon's limiter: one ping per Every, but a changed outcome at once;
// the outcome is the worst of the commands' last runs.
func TestLimiter(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC)
	l := &Limiter{Every: 5 * time.Minute}
	steps := []struct {
		at          time.Duration
		command     string
		code        int
		start, end  bool // want
		overall     int  // want
		description string
	}{
		{0, "disk", 0, true, true, 0, "the first run pings start and success"},
		{time.Minute, "disk", 0, false, false, 0, "a minute later: nothing"},
		{2 * time.Minute, "disk", 3, false, true, 3, "a host UNKNOWN: /3 at once"},
		{2 * time.Minute, "load", 0, false, false, 3, "another command OK: still 3 overall, not told again"},
		{3 * time.Minute, "disk", 3, false, false, 3, "still UNKNOWN: not again"},
		{4 * time.Minute, "disk", 0, false, true, 0, "recovered: success at once"},
		{9 * time.Minute, "load", 0, true, true, 0, "five minutes on: start and success"},
	}
	for _, s := range steps {
		now := t0.Add(s.at)
		started := l.Start(now)
		overall, ended := l.Finish(now, s.command, s.code, started)
		if started != s.start || ended != s.end || overall != s.overall {
			t.Errorf("%s: start %v end %v overall %d, want %v %v %d", s.description, started, ended, overall, s.start, s.end, s.overall)
		}
	}
}

type seen struct {
	mu    sync.Mutex
	paths []string
	body  string
}

func pingServer(t *testing.T, status int) (*httptest.Server, *seen) {
	s := &seen{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.paths = append(s.paths, r.Method+" "+r.URL.RequestURI())
		s.body = string(b)
		s.mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, "OK")
	}))
	t.Cleanup(srv.Close)
	return srv, s
}

// Start and Finish reach the Healthchecks endpoints, the run id pairing them.
func TestPinger(t *testing.T) {
	srv, s := pingServer(t, http.StatusOK)
	cfg := &config.Config{Heartbeat: config.Heartbeat{URLEnv: "HB", Timeout: 5 * time.Second}}
	p, err := New(cfg, func(string) string { return srv.URL + "/ping/tok-123" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Start(context.Background(), "rid-1")
	p.Finish(context.Background(), "rid-1", 3, "web2: UNKNOWN: connection refused")
	s.mu.Lock()
	defer s.mu.Unlock()
	want := []string{"POST /ping/tok-123/start?rid=rid-1", "POST /ping/tok-123/3?rid=rid-1"}
	if strings.Join(s.paths, "\n") != strings.Join(want, "\n") {
		t.Errorf("pings %q, want %q", s.paths, want)
	}
	if s.body != "web2: UNKNOWN: connection refused" {
		t.Errorf("body %q", s.body)
	}
	var nilPinger *Pinger
	nilPinger.Start(context.Background(), "x") // no heartbeat configured: nothing, no panic
}

// A run's /start handed to a Serial reaches the service before an outcome
// queued after it, even another run's that needs no wait (the daemon's
// commands start together; an outcome once overtook a /start sent in the
// background).
func TestBeginQueuedKeepsOrder(t *testing.T) {
	srv, s := pingServer(t, http.StatusOK)
	cfg := &config.Config{Heartbeat: config.Heartbeat{URLEnv: "HB", Timeout: 5 * time.Second}}
	p, err := New(cfg, func(string) string { return srv.URL + "/ping/k" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		q := NewSerial(4)
		started := p.BeginQueued(context.Background(), true, q.Go)
		other := p.BeginQueued(context.Background(), false, q.Go) // no /start: its outcome needs no wait
		q.Go(func() { other.End(context.Background(), 3, "") })
		q.Go(func() { started.End(context.Background(), 3, "") })
		q.Close()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.paths) != 60 {
		t.Fatalf("%d pings, want 60", len(s.paths))
	}
	for i := 0; i < len(s.paths); i += 3 {
		if !strings.Contains(s.paths[i], "/start") || strings.Contains(s.paths[i+1], "/start") {
			t.Fatalf("pings %d..%d: %q, want /start first", i, i+2, s.paths[i:i+3])
		}
	}
}

// A ping that fails (closed port, refused) is logged without the URL's
// token and does not fail the caller.
func TestPingFailureIsLoggedRedacted(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	refusing, _ := pingServer(t, http.StatusNotFound)
	for _, base := range []string{"http://" + closed + "/ping/tok-secret-9", refusing.URL + "/ping/tok-secret-9"} {
		var log bytes.Buffer
		cfg := &config.Config{Heartbeat: config.Heartbeat{URL: base, Timeout: 5 * time.Second}}
		p, err := New(cfg, nil, slog.New(slog.NewTextHandler(&log, nil)))
		if err != nil {
			t.Fatal(err)
		}
		p.Finish(context.Background(), "", 0, "")
		if !strings.Contains(log.String(), "heartbeat ping") {
			t.Errorf("%s: failure not logged: %q", base, log.String())
		}
		if strings.Contains(log.String(), "tok-secret-9") {
			t.Errorf("the log shows the ping token: %q", log.String())
		}
	}
}

// A URL that cannot be read is an error naming the variable, not a panic
// nor a silent no-op.
func TestNewMissingSecret(t *testing.T) {
	cfg := &config.Config{Heartbeat: config.Heartbeat{URLEnv: "HB_UNSET"}}
	p, err := New(cfg, func(string) string { return "" }, nil)
	if p != nil || err == nil || !strings.Contains(err.Error(), "HB_UNSET") {
		t.Errorf("New = %v, %v; want an error naming HB_UNSET", p, err)
	}
}

// Serial sends in order, drops when full, and Close waits for the queue.
func TestSerial(t *testing.T) {
	s := NewSerial(3)
	release := make(chan struct{})
	var mu sync.Mutex
	var got []int
	holding := make(chan struct{})
	if !s.Go(func() { close(holding); <-release }) { // holds the sender
		t.Fatal("first ping refused")
	}
	<-holding
	accepted := 0
	for i := range 5 {
		if s.Go(func() { mu.Lock(); got = append(got, i); mu.Unlock() }) {
			accepted++
		}
	}
	close(release)
	s.Close()
	if accepted != 3 || len(got) != accepted {
		t.Fatalf("accepted %d, sent %v", accepted, got)
	}
	for i, v := range got {
		if v != i {
			t.Errorf("sent out of order: %v", got)
		}
	}
}
