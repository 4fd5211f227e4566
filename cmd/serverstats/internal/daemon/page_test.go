package daemon

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"serverstats/alerts/store"
	"serverstats/cmd/serverstats/internal/check"
	"serverstats/config"
)

// pageConfig runs a df-like command here (one filesystem at 95%) and on a
// host nothing listens on (UNKNOWN).
const pageConfig = `
groups:
  here: [localhost]
  gone: [127.0.0.1:1]
ssh:
  connect-timeout: 2s
commands:
  disk:
    cmd: "printf 'Filesystem Use%% Mounted\n/dev/a 95%% /\n/dev/b 10%% /data\n'"
    servers: [here, gone]
    schedule: "@every 1m"
    alerts:
      - column: Use%
        trigger: "> 90%"
        severity: critical
  load:
    cmd: "printf 'load\n0.5\n'"
    servers: [here]
    schedule: "@every 1m"
    alerts:
      - column: load
        trigger: "> 4"
`

// testDaemon is a daemon on cfgText with a state file in a temporary
// directory and each command run once; no scheduler loop, no listener.
func testDaemon(t *testing.T, cfgText string, env map[string]string) (*daemon, http.Handler, *store.Store) {
	t.Helper()
	dir := t.TempDir()
	cfg, err := config.Parse(filepath.Join(dir, "serverstats.yaml"), []byte(cfgText))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), filepath.Join(dir, "state.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	d := &daemon{log: log, metrics: newMetrics(), started: time.Now(), flushNow: make(chan struct{}, 1), csrfKey: newCSRFKey(), st: st,
		opts: Options{Version: "test", Getenv: func(k string) string { return env[k] },
			OpenState: func(context.Context, *config.Config) (*store.Store, error) { return st, nil }}}
	g := &generation{cfg: cfg, last: map[string]runInfo{}, runs: map[string]*pageRun{}, stopped: make(chan struct{})}
	g.auth = d.readAuth(cfg)
	g.remote, g.closer = check.DaemonRemote(cfg, log)
	if g.closer != nil {
		t.Cleanup(func() { g.closer.Close() })
	}
	g.checker = check.New(cfg, check.Env{Remote: g.remote, Log: log})
	var jobs []job
	for _, c := range cfg.Commands {
		jobs = append(jobs, job{name: c.Name, schedule: c.Cron})
	}
	g.sched = newScheduler(realClock{}, jobs)
	d.gen = g
	for _, c := range cfg.Commands {
		d.runOnce(context.Background(), g, c, time.Now().Add(30*time.Second))
	}
	return d, d.routes(true), st
}

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	r.Host = "127.0.0.1:9920"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// post submits form with the CSRF cookie and token of a fresh page load
// (unless csrf is false).
func post(t *testing.T, h http.Handler, path string, form url.Values, csrf bool) *httptest.ResponseRecorder {
	t.Helper()
	page := get(t, h, "/detail?command=disk&host=localhost")
	r := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	r.Host = "127.0.0.1:9920"
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if csrf {
		for _, c := range page.Result().Cookies() {
			r.AddCookie(c)
		}
		m := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(page.Body.String())
		if m == nil {
			t.Fatal("no CSRF token in the page")
		}
		form.Set("csrf", m[1])
		r.Body = io.NopCloser(strings.NewReader(form.Encode()))
		r.ContentLength = int64(len(form.Encode()))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// The grid shows the firing disk alert and the UNKNOWN host, worst first,
// with the page's security headers.
func TestPageGrid(t *testing.T) {
	_, h, _ := testDaemon(t, pageConfig, nil)
	w := get(t, h, "/")
	if w.Code != 200 {
		t.Fatalf("GET /: %d\n%s", w.Code, w.Body)
	}
	body := w.Body.String()
	for _, want := range []string{"FIRING critical", "95%", "UNKNOWN", `data-host="127.0.0.1:1"`, `data-command="load"`, `src="/static/page.js"`} {
		if !strings.Contains(body, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
	// Worst first: the firing row (localhost has disk firing) before the host that is only UNKNOWN.
	if i, j := strings.Index(body, "FIRING critical"), strings.Index(body, ">UNKNOWN<"); i < 0 || j < 0 || i > j {
		t.Errorf("FIRING at %d, UNKNOWN at %d: want the firing cell first", i, j)
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, " style=") {
		t.Error("inline script or style in the page")
	}
	checkHeaders(t, w)
	if cc := w.Header().Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control %q", cc)
	}
	// The page keeps the Host check of the other endpoints.
	r := httptest.NewRequest("GET", "/", nil)
	r.Host = "rebind.attacker.example"
	rw := httptest.NewRecorder()
	h.ServeHTTP(rw, r)
	if rw.Code != http.StatusMisdirectedRequest {
		t.Errorf("rebinding Host: %d, want 421", rw.Code)
	}
}

func checkHeaders(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	csp := w.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	if xf := w.Header().Get("X-Frame-Options"); xf != "DENY" {
		t.Errorf("X-Frame-Options %q", xf)
	}
	if w.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no X-Content-Type-Options: nosniff")
	}
}

// Filters narrow the grid and come back selected (a refresh keeps them:
// they are the query string).
func TestPageFilters(t *testing.T) {
	_, h, _ := testDaemon(t, pageConfig, nil)
	for _, c := range []struct {
		query     string
		want, not []string
	}{
		{"?state=unknown", []string{`data-host="127.0.0.1:1"`, `<option value="unknown" selected>`}, []string{"FIRING critical", `data-command="load"`}},
		{"?command=load", []string{`data-command="load"`, `<option selected>load</option>`}, []string{`data-command="disk"`}},
		{"?group=gone", []string{`data-host="127.0.0.1:1"`, `<option selected>gone</option>`}, []string{`data-host="localhost"`}},
		{"?state=firing&group=here", []string{"FIRING critical"}, []string{`data-command="load"`, "127.0.0.1:1"}},
	} {
		body := get(t, h, "/"+c.query).Body.String()
		for _, s := range c.want {
			if !strings.Contains(body, s) {
				t.Errorf("%s: lacks %q", c.query, s)
			}
		}
		for _, s := range c.not {
			if strings.Contains(body, s) {
				t.Errorf("%s: shows %q", c.query, s)
			}
		}
		if !strings.Contains(body, `data-refresh="30"`) || !strings.Contains(body, `id="auto-refresh"`) || strings.Contains(body, `http-equiv="refresh"`) {
			t.Errorf("%s: want the script's refresh with its switch, not a meta refresh", c.query)
		}
	}
}

// The drill-down shows the parsed table, the raw output escaped, each
// rule's verdict with its value, and a history plot with points.
func TestPageDetail(t *testing.T) {
	d, h, _ := testDaemon(t, pageConfig, nil)
	d.runOnce(context.Background(), d.gen, d.gen.cfg.Command("disk"), time.Now().Add(30*time.Second)) // a second point
	body := get(t, h, "/detail?command=disk&host=localhost").Body.String()
	for _, want := range []string{"<th scope=\"col\">Use%</th>", "/dev/b", "Use% (95%) &gt; 90% holds", "Use% (10%) &gt; 90% does not hold", `data-points="4"`, "<polyline", "Filesystem Use% Mounted"} {
		if !strings.Contains(body, want) {
			t.Errorf("detail lacks %q", want)
		}
	}
	if get(t, h, "/detail?command=disk&host=nowhere").Code != 404 {
		t.Error("unknown host: want 404")
	}
	u := get(t, h, "/detail?command=disk&host=127.0.0.1:1").Body.String()
	if !strings.Contains(u, "UNKNOWN") || !strings.Contains(u, "connection refused") {
		t.Error("the UNKNOWN host's detail does not say why")
	}
}

// The raw output is escaped: a host printing HTML cannot script the page.
func TestPageEscapesRawOutput(t *testing.T) {
	cfg := strings.Replace(pageConfig, `"printf 'load\n0.5\n'"`, `"printf 'load\n<script>alert(1)</script>\n'"`, 1)
	_, h, _ := testDaemon(t, cfg, nil)
	body := get(t, h, "/detail?command=load&host=localhost").Body.String()
	if strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("raw output not escaped")
	}
}

// Actions are refused when no credential is configured, without the CSRF
// token, and without the right token; with both they work, answer no-store
// and show in the store.
func TestPageActions(t *testing.T) {
	mute := func() url.Values {
		return url.Values{"command": {"disk"}, "host": {"localhost"}, "for": {"2h"}, "reason": {"disk work"}, "by": {"alice"}, "token": {"s3cret"}, "back": {"/detail?command=disk&host=localhost"}}
	}
	t.Run("no credential configured", func(t *testing.T) {
		_, h, st := testDaemon(t, pageConfig, nil)
		w := post(t, h, "/action/mute", mute(), true)
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "no credential is configured") {
			t.Errorf("%d %s", w.Code, w.Body)
		}
		if ms, _ := st.Mutes(context.Background(), time.Now()); len(ms) != 0 {
			t.Errorf("muted anyway: %v", ms)
		}
		if !strings.Contains(get(t, h, "/detail?command=disk&host=localhost").Body.String(), "Actions are off") {
			t.Error("the page does not say actions are off")
		}
	})
	cfg := strings.Replace(pageConfig, "ssh:", "daemon:\n  auth-token-env: PAGE_TOKEN\nssh:", 1)
	_, h, st := testDaemon(t, cfg, map[string]string{"PAGE_TOKEN": "s3cret"})
	t.Run("no CSRF token", func(t *testing.T) {
		w := post(t, h, "/action/mute", mute(), false)
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "CSRF") {
			t.Errorf("%d %s", w.Code, w.Body)
		}
		if w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control %q", w.Header().Get("Cache-Control"))
		}
	})
	t.Run("cross-site", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/action/mute", strings.NewReader(mute().Encode()))
		r.Host = "127.0.0.1:9920"
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusForbidden {
			t.Errorf("cross-site POST: %d", w.Code)
		}
	})
	for _, bad := range []string{"", "wrong"} {
		f := mute()
		f.Set("token", bad)
		if w := post(t, h, "/action/mute", f, true); w.Code != http.StatusUnauthorized {
			t.Errorf("token %q: %d", bad, w.Code)
		}
	}
	f := mute()
	f.Del("for")
	if w := post(t, h, "/action/mute", f, true); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "expiry") {
		t.Errorf("mute without expiry: %d", w.Code)
	}
	if ms, _ := st.Mutes(context.Background(), time.Now()); len(ms) != 0 {
		t.Fatalf("refused actions muted: %v", ms)
	}
	w := post(t, h, "/action/mute", mute(), true)
	if w.Code != http.StatusSeeOther || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("mute: %d %q %s", w.Code, w.Header().Get("Cache-Control"), w.Body)
	}
	checkHeaders(t, w)
	ms, _ := st.Mutes(context.Background(), time.Now())
	if len(ms) != 1 || ms[0].Reason != "disk work (by alice, status page)" || time.Until(ms[0].Until) < 119*time.Minute {
		t.Fatalf("mutes %+v", ms)
	}
	if !strings.Contains(get(t, h, "/").Body.String(), "MUTED (firing)") {
		t.Error("the grid does not show the mute")
	}
	w = post(t, h, "/action/ack", url.Values{"command": {"disk"}, "host": {"localhost"}, "reason": {"on it"}, "by": {"bob"}, "token": {"s3cret"}}, true)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("ack: %d %s", w.Code, w.Body)
	}
	states, _ := st.States(context.Background())
	acked := 0
	for _, s := range states {
		if s.AckReason == "on it (by bob, status page)" {
			acked++
		}
	}
	if acked != 1 {
		t.Errorf("%d keys acked, want 1", acked)
	}
	w = post(t, h, "/action/unmute", url.Values{"id": {"1"}, "by": {"alice"}, "token": {"s3cret"}}, true)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("unmute: %d %s", w.Code, w.Body)
	}
	if ms, _ := st.Mutes(context.Background(), time.Now()); len(ms) != 0 {
		t.Errorf("still muted: %v", ms)
	}
}

// A credential file that cannot be read refuses actions, and says why
// without its content.
func TestPageAuthFileUnreadable(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	cfg := strings.Replace(pageConfig, "ssh:", "daemon:\n  auth-token-file: "+missing+"\nssh:", 1)
	_, h, _ := testDaemon(t, cfg, nil)
	w := post(t, h, "/action/mute", url.Values{"command": {"disk"}, "host": {"localhost"}, "for": {"1h"}, "reason": {"x"}, "by": {"a"}, "token": {"x"}}, true)
	if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "cannot be read") {
		t.Errorf("%d %s", w.Code, w.Body)
	}
	_ = os.Remove(missing)
}

// The outbox page lists what waits and the static files are served with
// their types.
func TestPageOutboxAndStatic(t *testing.T) {
	_, h, st := testDaemon(t, pageConfig, nil)
	w := get(t, h, "/outbox")
	if w.Code != 200 || !strings.Contains(w.Body.String(), "<h1>Outbox</h1>") {
		t.Errorf("outbox: %d", w.Code)
	}
	if !strings.Contains(w.Body.String(), "print") {
		t.Error("outbox does not show the print handler's message")
	}
	// The last attempts come from the delivery trail, with the receipts
	// and the errors, newest first, and survive a restart (no memory list).
	ctx := context.Background()
	now := time.Now()
	for i, a := range []store.Attempt{
		{At: now.Add(-2 * time.Minute), Message: 7, Handler: "mail", Outcome: "sent", Receipts: []store.Receipt{{Recipient: "oncall@example.com", Text: "250 2.0.0 Ok: queued as 4F2A9C01B3"}}, Alerts: []store.AlertRef{{Host: "db1", Command: "disk", Status: "firing"}}},
		{At: now.Add(-time.Minute), Message: 8, Handler: "sms", Outcome: "undeliverable", Receipts: []store.Receipt{{Recipient: "+15550100", Err: "HTTP 400: invalid To number", Permanent: true}}},
	} {
		if err := st.AddAttempt(ctx, a, store.TrailLimits{}); err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	body := get(t, h, "/outbox").Body.String()
	receipt, refused := strings.Index(body, "queued as 4F2A9C01B3"), strings.Index(body, "invalid To number")
	if receipt < 0 || refused < 0 || refused > receipt || !strings.Contains(body, "oncall@example.com") || !strings.Contains(body, "db1 disk firing") {
		t.Errorf("the outbox page does not show the trail's attempts, newest first, with receipts:\n%s", body)
	}
	for path, ctype := range map[string]string{"/static/page.js": "text/javascript", "/static/page.css": "text/css"} {
		w := get(t, h, path)
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), ctype) {
			t.Errorf("%s: %d %q", path, w.Code, w.Header().Get("Content-Type"))
		}
	}
	if get(t, h, "/static/layout.html").Code != 404 {
		t.Error("templates are served as static files")
	}
}
