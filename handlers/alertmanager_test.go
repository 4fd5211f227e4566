package handlers

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"serverstats/alerts"
	"serverstats/config"
)

// amPeer is an HTTP server answering Alertmanager's POST /api/v2/alerts
// with a fixed status, recording the bodies it was sent.
type amPeer struct {
	*httptest.Server
	mu     sync.Mutex
	paths  []string
	bodies []string
}

func newAMPeer(t *testing.T, status int) *amPeer {
	p := &amPeer{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.paths = append(p.paths, r.Method+" "+r.URL.Path+" "+r.Header.Get("Content-Type"))
		p.bodies = append(p.bodies, string(b))
		p.mu.Unlock()
		w.WriteHeader(status)
		if status >= 300 {
			io.WriteString(w, `{"code":`+http.StatusText(status)+`}`)
		}
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *amPeer) got() ([]string, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.paths...), append([]string(nil), p.bodies...)
}

// refusedURL is the URL of a port nothing listens on.
func refusedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

var amTime = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func amNotifications() []alerts.Notification {
	return []alerts.Notification{
		{Status: alerts.StatusFiring, Command: "disk", Rule: "Use% > 90", Host: "web1", Key: "/var", Column: "Use%",
			Value: "93%", Trigger: "> 90", Severity: alerts.SeverityCritical, Message: "disk full", Time: amTime, Runbook: "https://wiki.example.com/disk"},
		{Status: alerts.StatusReminder, Command: "disk", Rule: "Use% > 90", Host: "web2", Key: "/", Column: "Use%",
			Value: "95%", Trigger: "> 90", Severity: alerts.SeverityWarning, Time: amTime.Add(time.Minute), Since: amTime.Add(-time.Hour)},
		{Status: alerts.StatusResolved, Command: "disk", Rule: "Use% > 90", Host: "web3", Key: "/", Column: "Use%",
			Value: "40%", Trigger: "> 90", Severity: alerts.SeverityCritical, Time: amTime},
		{Status: alerts.StatusUnknown, Command: "disk", Host: "db1", Severity: alerts.SeverityCritical, Error: "connection refused", Time: amTime},
		{Status: alerts.StatusSummary, Command: "disk", Message: "3 more", Time: amTime},
	}
}

func TestAlertmanagerBodyExact(t *testing.T) {
	got, err := AlertmanagerBody(amNotifications(), map[string]string{"team": "ops"}, "http://mon1:9920/")
	if err != nil {
		t.Fatal(err)
	}
	want := `[` +
		`{"labels":{"alertname":"Use% \u003e 90","command":"disk","host":"web1","row":"/var","severity":"critical","team":"ops"},` +
		`"annotations":{"message":"disk full","rule":"Use% \u003e 90","runbook_url":"https://wiki.example.com/disk","summary":"web1 /var: Use% 93% \u003e 90 — disk full","value":"93%"},` +
		`"startsAt":"2026-03-04T05:06:07Z","generatorURL":"http://mon1:9920/"},` +
		`{"labels":{"alertname":"Use% \u003e 90","command":"disk","host":"web2","row":"/","severity":"warning","team":"ops"},` +
		`"annotations":{"rule":"Use% \u003e 90","summary":"web2 /: STILL Use% 95% \u003e 90","value":"95%"},` +
		`"startsAt":"2026-03-04T04:06:07Z","generatorURL":"http://mon1:9920/"},` +
		`{"labels":{"alertname":"Use% \u003e 90","command":"disk","host":"web3","row":"/","severity":"critical","team":"ops"},` +
		`"annotations":{"rule":"Use% \u003e 90","summary":"web3 /: RESOLVED Use% 40% (was \u003e 90)","value":"40%"},` +
		`"endsAt":"2026-03-04T05:06:07Z","generatorURL":"http://mon1:9920/"},` +
		`{"labels":{"alertname":"command failure","command":"disk","host":"db1","severity":"critical","team":"ops"},` +
		`"annotations":{"error":"connection refused","summary":"db1: UNKNOWN disk: connection refused"},` +
		`"startsAt":"2026-03-04T05:06:07Z","generatorURL":"http://mon1:9920/"}` +
		`]`
	if string(got) != want {
		t.Errorf("body:\n got  %s\n want %s", got, want)
	}
}

func newTestAlertmanager(t *testing.T, urls ...string) Handler {
	t.Helper()
	h, err := New(&config.Handler{Name: "am", Type: "alertmanager", URLs: urls, Labels: map[string]string{"team": "ops"},
		Timeout: 5 * time.Second, Resend: time.Minute}, Env{StatusURL: "http://mon1:9920/"})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestAlertmanagerPostsEveryPeer(t *testing.T) {
	a, b := newAMPeer(t, 200), newAMPeer(t, 200)
	h := newTestAlertmanager(t, a.URL, b.URL+"/")
	ns := amNotifications()[:1]
	if retry, err := h.Send(context.Background(), ns); err != nil || retry {
		t.Fatalf("Send = %v, %v; want delivered", retry, err)
	}
	want, _ := AlertmanagerBody(ns, map[string]string{"team": "ops"}, "http://mon1:9920/")
	for name, p := range map[string]*amPeer{"first": a, "second": b} {
		paths, bodies := p.got()
		if len(paths) != 1 || paths[0] != "POST /api/v2/alerts application/json" || bodies[0] != string(want) {
			t.Errorf("%s peer got %q %q; want one POST /api/v2/alerts of %s", name, paths, bodies, want)
		}
	}
}

// One peer down, or refusing, does not block the others: the message is
// delivered once one peer took it.
func TestAlertmanagerOnePeerDown(t *testing.T) {
	for _, c := range []struct {
		name string
		bad  func(t *testing.T) string
	}{
		{"refused", refusedURL},
		{"503", func(t *testing.T) string { return newAMPeer(t, 503).URL }},
		{"slow", func(t *testing.T) string {
			s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.ReadAll(r.Body) // then the server notices the client hanging up
				select {
				case <-r.Context().Done():
				case <-time.After(20 * time.Second):
				}
			}))
			t.Cleanup(s.Close)
			return s.URL
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			good := newAMPeer(t, 200)
			h, err := New(&config.Handler{Name: "am", Type: "alertmanager", URLs: []string{c.bad(t), good.URL},
				Timeout: 2 * time.Second}, Env{})
			if err != nil {
				t.Fatal(err)
			}
			if retry, err := h.Send(context.Background(), amNotifications()[:1]); err != nil || retry {
				t.Fatalf("Send = %v, %v; want delivered through the good peer", retry, err)
			}
			if paths, _ := good.got(); len(paths) != 1 {
				t.Errorf("the good peer got %d posts, want 1", len(paths))
			}
		})
	}
}

func TestAlertmanagerEveryPeerFails(t *testing.T) {
	for _, c := range []struct {
		name      string
		urls      func(t *testing.T) []string
		wantRetry bool
		wantErr   string
	}{
		{"down", func(t *testing.T) []string { return []string{refusedURL(t), newAMPeer(t, 503).URL} }, true, "every peer failed"},
		{"one down one refusing", func(t *testing.T) []string { return []string{refusedURL(t), newAMPeer(t, 400).URL} }, true, "HTTP 400 Bad Request"},
		{"all refuse the alert", func(t *testing.T) []string { return []string{newAMPeer(t, 400).URL, newAMPeer(t, 422).URL} }, false, "HTTP 422"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newTestAlertmanager(t, c.urls(t)...)
			retry, err := h.Send(context.Background(), amNotifications()[:1])
			if err == nil || retry != c.wantRetry || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("Send = %v, %v; want retry=%v and an error with %q", retry, err, c.wantRetry, c.wantErr)
			}
		})
	}
}

// A message of summaries only is nothing to post.
func TestAlertmanagerNothingToPost(t *testing.T) {
	p := newAMPeer(t, 200)
	h := newTestAlertmanager(t, p.URL)
	if retry, err := h.Send(context.Background(), amNotifications()[4:]); err != nil || retry {
		t.Fatalf("Send = %v, %v", retry, err)
	}
	if paths, _ := p.got(); len(paths) != 0 {
		t.Errorf("posted %q, want nothing", paths)
	}
}

// A retried message delivered after a newer one of the same alert (a
// "still firing" after the resolve) is not posted: it would reopen the
// alert.
func TestAlertmanagerDropsStale(t *testing.T) {
	p := newAMPeer(t, 200)
	h := newTestAlertmanager(t, p.URL)
	firing := amNotifications()[0]
	resolved := firing
	resolved.Status, resolved.Time = alerts.StatusResolved, firing.Time.Add(time.Minute)
	other := amNotifications()[1] // another alert, older than the resolve
	for _, ns := range [][]alerts.Notification{{resolved}, {firing, other}} {
		if _, err := h.Send(context.Background(), ns); err != nil {
			t.Fatal(err)
		}
	}
	_, bodies := p.got()
	if len(bodies) != 2 || strings.Contains(bodies[1], `"host":"web1"`) || !strings.Contains(bodies[1], `"host":"web2"`) {
		t.Errorf("posted %q; want the stale web1 firing left out of the second post, web2's kept", bodies)
	}
}

// The auth token (env or file) goes in the Authorization header, bearer or
// basic, and never in an error or a log line, also when a peer echoes the
// request's headers back; ConfigSecrets knows it, so --json, the outbox
// and exec handlers' output are redacted of it too.
func TestAlertmanagerAuthSecret(t *testing.T) {
	const token = "am-Token-55aa77"
	var mu sync.Mutex
	var auths []string
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths = append(auths, r.Header.Get("Authorization"))
		mu.Unlock()
		w.WriteHeader(400)
		io.WriteString(w, "bad request: Authorization="+r.Header.Get("Authorization"))
	}))
	defer echo.Close()
	file := t.TempDir() + "/token"
	if err := os.WriteFile(file, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	for _, c := range []struct {
		name       string
		h          config.Handler
		wantHeader string
	}{
		{"bearer from env", config.Handler{AuthTokenEnv: "AM_TOKEN"}, "Bearer " + token},
		{"basic from file", config.Handler{Username: "oncall", AuthTokenFile: file}, "Basic " + base64.StdEncoding.EncodeToString([]byte("oncall:"+token))},
	} {
		t.Run(c.name, func(t *testing.T) {
			hc := c.h
			hc.Name, hc.Type, hc.URLs, hc.Timeout = "am", "alertmanager", []string{echo.URL, refusedURL(t)}, 5*time.Second
			h, err := New(&hc, Env{Getenv: func(k string) string { return map[string]string{"AM_TOKEN": token}[k] },
				Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			if err != nil {
				t.Fatal(err)
			}
			_, err = h.Send(context.Background(), amNotifications()[:1])
			if err == nil || !strings.Contains(err.Error(), "HTTP 400") {
				t.Fatalf("Send error = %v, want the 400", err)
			}
			for _, s := range []string{err.Error(), logs.String()} {
				if strings.Contains(s, token) || strings.Contains(s, c.wantHeader) {
					t.Errorf("the token leaks: %s", s)
				}
			}
			mu.Lock()
			got := auths[len(auths)-1]
			mu.Unlock()
			if got != c.wantHeader {
				t.Errorf("Authorization = %q, want %q", got, c.wantHeader)
			}
			cfg := &config.Config{Handlers: []*config.Handler{&hc}}
			redact := NewRedactor(ConfigSecrets(cfg, func(k string) string { return map[string]string{"AM_TOKEN": token}[k] })...)
			if s := redact.String("x " + c.wantHeader + " y " + token); strings.Contains(s, token) || strings.Contains(s, c.wantHeader) {
				t.Errorf("ConfigSecrets does not redact the token: %s", s)
			}
		})
	}
	// A missing secret is an error naming the variable, not a handler without auth.
	if _, err := New(&config.Handler{Name: "am", Type: "alertmanager", URLs: []string{echo.URL}, AuthTokenEnv: "AM_TOKEN"},
		Env{Getenv: func(string) string { return "" }}); err == nil || !strings.Contains(err.Error(), "AM_TOKEN is not set") {
		t.Errorf("missing token: %v", err)
	}
}

// Probe (check-config --probe) asks every peer for its status, posting
// nothing; a peer down is named.
func TestAlertmanagerProbe(t *testing.T) {
	var mu sync.Mutex
	var got []string
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path)
		mu.Unlock()
	}))
	defer ok.Close()
	if err := Probe(context.Background(), newTestAlertmanager(t, ok.URL, ok.URL+"/")); err != nil {
		t.Fatalf("probe: %v", err)
	}
	mu.Lock()
	if strings.Join(got, ",") != "GET /api/v2/status,GET /api/v2/status" {
		t.Errorf("requests %q, want a GET /api/v2/status per peer", got)
	}
	mu.Unlock()
	down := refusedURL(t)
	err := Probe(context.Background(), newTestAlertmanager(t, ok.URL, down))
	if err == nil || !strings.Contains(err.Error(), "GET "+down) {
		t.Errorf("probe with a peer down: %v", err)
	}
}
