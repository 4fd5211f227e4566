package daemon

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// On loopback, the status endpoint answers only requests for a loopback
// host: a rebinding DNS name pointed at 127.0.0.1 gets 421.
func TestLoopbackOnly(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	h := limitBody(loopbackOnly(ok))
	for host, want := range map[string]int{
		"127.0.0.1:9100":             http.StatusOK,
		"127.0.0.2":                  http.StatusOK,
		"localhost:9100":             http.StatusOK,
		"LOCALHOST.":                 http.StatusOK,
		"[::1]:9100":                 http.StatusOK,
		"attacker.example:80":        http.StatusMisdirectedRequest,
		"10.0.0.5:9100":              http.StatusMisdirectedRequest,
		"":                           http.StatusMisdirectedRequest,
		"localhost.attacker.example": http.StatusMisdirectedRequest,
	} {
		r := httptest.NewRequest("GET", "/healthz", nil)
		r.Host = host
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("Host %q: %d, want %d", host, w.Code, want)
		}
	}
	r := httptest.NewRequest("POST", "/healthz", strings.NewReader(strings.Repeat("x", maxRequestBody+1)))
	r.Host = "127.0.0.1"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("large body: %d, want 413", w.Code)
	}
}

// Before the first generation runs, every endpoint answers 503 "starting"
// instead of reading a generation that is not there yet.
func TestEndpointsBeforeStart(t *testing.T) {
	d := &daemon{metrics: newMetrics()}
	h := d.routes(true)
	for _, path := range []string{"/healthz", "/api/status", "/metrics", "/", "/outbox"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "http://127.0.0.1:9920"+path, nil))
		if w.Code != 503 || !strings.Contains(w.Body.String(), "serverstats is starting") {
			t.Errorf("%s before start: %d %q, want 503 starting", path, w.Code, w.Body)
		}
	}
}

// Go's profiles are served on a loopback listener (as Prometheus does), for
// "where does the memory go" on a live fleet, and not on any other.
func TestProfilesOnlyOnLoopback(t *testing.T) {
	d, h, _ := testDaemon(t, pageConfig, nil)
	for path, want := range map[string]string{
		"/debug/pprof/":                  "goroutine",
		"/debug/pprof/heap?debug=1":      "heap profile:",
		"/debug/pprof/goroutine?debug=1": "goroutine profile:",
		"/debug/pprof/cmdline":           "Unknown profile", // the command line is not a profile
		"/debug/pprof/symbol":            "num_symbols:",
	} {
		if w := get(t, h, path); !strings.Contains(w.Body.String(), want) {
			t.Errorf("loopback %s: %d %.80q, want it to contain %q", path, w.Code, w.Body, want)
		}
	}
	for _, q := range []string{"seconds=86400", "seconds=0", "seconds=x"} {
		if w := get(t, h, "/debug/pprof/profile?"+q); w.Code != http.StatusBadRequest {
			t.Errorf("profile?%s: %d, want 400 (at most %d s)", q, w.Code, maxProfileSeconds)
		}
	}
	open := d.routes(false)
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/profile?seconds=1"} {
		if w := get(t, open, path); w.Code != http.StatusNotFound {
			t.Errorf("non-loopback %s: %d, want 404", path, w.Code)
		}
	}
}
