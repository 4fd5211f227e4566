package handlers

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"serverstats/config"
	"serverstats/handlers/message"
)

const webhookSecret = "Bearer hook-Secret-31337" // recognisable, to look for in errors

// hookRecorder is an HTTP server that records requests and answers with
// the status given in the path: /status/404 answers 404, /slow never
// answers, /echo answers 400 echoing the request's headers.
type hookRecorder struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	heads  []http.Header
}

func newHookRecorder(t *testing.T) *hookRecorder {
	r := &hookRecorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.bodies = append(r.bodies, b)
		r.heads = append(r.heads, req.Header.Clone())
		r.mu.Unlock()
		switch {
		case req.URL.Path == "/slow":
			select {
			case <-req.Context().Done():
			case <-time.After(10 * time.Second):
			}
		case req.URL.Path == "/echo":
			w.WriteHeader(400)
			_ = json.NewEncoder(w).Encode(map[string]any{"error": "bad token", "headers": req.Header})
		case strings.HasPrefix(req.URL.Path, "/status/"):
			code, _ := strconv.Atoi(strings.TrimPrefix(req.URL.Path, "/status/"))
			if code >= 300 && code < 400 {
				w.Header().Set("Location", "/elsewhere")
			}
			w.WriteHeader(code)
			io.WriteString(w, "status "+strconv.Itoa(code)+"\n")
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	t.Cleanup(r.Close)
	return r
}

func webhookConfig(url string) *config.Handler {
	return &config.Handler{
		Name: "hook", Type: "webhook", URL: url, Timeout: 5 * time.Second,
		Headers: map[string]string{"Authorization": webhookSecret, "X-Team": "ops"},
	}
}

func TestWebhookDelivers(t *testing.T) {
	t.Parallel()
	r := newHookRecorder(t)
	w, err := New(webhookConfig(r.URL+"/hook"), testEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	ns := message.Sample(sampleTime)
	if retry, err := w.Send(context.Background(), ns); err != nil || retry {
		t.Fatalf("Send = %v, %v", retry, err)
	}
	if len(r.bodies) != 1 {
		t.Fatalf("%d requests, want 1", len(r.bodies))
	}
	want, _ := message.JSON(message.New("hook", ns))
	if string(r.bodies[0]) != string(want) {
		t.Errorf("body =\n%s\nwant\n%s", r.bodies[0], want)
	}
	h := r.heads[0]
	for k, v := range map[string]string{"Content-Type": "application/json", "User-Agent": "serverstats", "Authorization": webhookSecret, "X-Team": "ops"} {
		if h.Get(k) != v {
			t.Errorf("header %s = %q, want %q", k, h.Get(k), v)
		}
	}
}

func TestWebhookFailures(t *testing.T) {
	t.Parallel()
	r := newHookRecorder(t)
	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake error is expected
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	base := strings.TrimPrefix(r.URL, "http://")
	for _, tc := range []struct {
		url   string
		retry bool
		want  string // the whole error, with HOST for the server's address
	}{
		{r.URL + "/status/500", true, "webhook: POST http://HOST: HTTP 500 Internal Server Error: status 500"},
		{r.URL + "/status/503", true, "webhook: POST http://HOST: HTTP 503 Service Unavailable: status 503"},
		{r.URL + "/status/429", true, "webhook: POST http://HOST: HTTP 429 Too Many Requests: status 429"},
		{r.URL + "/status/408", true, "webhook: POST http://HOST: HTTP 408 Request Timeout: status 408"},
		{r.URL + "/status/400", false, "webhook: POST http://HOST: HTTP 400 Bad Request: status 400"},
		{r.URL + "/status/404", false, "webhook: POST http://HOST: HTTP 404 Not Found: status 404"},
		{r.URL + "/status/301", false, "webhook: POST http://HOST: HTTP 301 Moved Permanently: status 301 (redirects are not followed: set url to the final address)"},
		{r.URL + "/echo", false, `webhook: POST http://HOST: HTTP 400 Bad Request: {"error":"bad token","headers":{"Accept-Encoding":["gzip"],"Authorization":["` + Redacted + `"],"Content-Length":["` + strconv.Itoa(len(mustPayload(t))) + `"],"Content-Type":["application/json"],"User-Agent":["serverstats"],"X-Team":["ops"]}}`},
		{r.URL + "/slow", true, "webhook: POST http://HOST: timed out after 300ms"},
		{"http://" + closedPort(t) + "/hook", true, "webhook: POST http://HOST: dial tcp HOST: connect: connection refused"},
		{tlsSrv.URL + "/hook", false, "webhook: POST https://HOST: tls: failed to verify certificate: x509: certificate signed by unknown authority"},
	} {
		h := webhookConfig(tc.url)
		slow := strings.HasSuffix(tc.url, "/slow")
		h.Timeout = longTimeout
		if slow {
			h.Timeout = shortTimeout
		}
		w, err := New(h, testEnv(nil))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		retry, err := w.Send(context.Background(), message.Sample(sampleTime))
		if slow {
			checkTimedOut(t, tc.url, time.Since(start), h.Timeout)
		}
		host := base
		if strings.HasPrefix(tc.url, "https://") {
			host = strings.TrimPrefix(tlsSrv.URL, "https://")
		} else if !strings.HasPrefix(tc.url, r.URL) {
			host = strings.TrimSuffix(strings.TrimPrefix(tc.url, "http://"), "/hook")
		}
		want := strings.ReplaceAll(tc.want, "HOST", host)
		if err == nil || retry != tc.retry || err.Error() != want {
			t.Errorf("%s: Send = %v, %v\nwant  %v, %s", tc.url, retry, err, tc.retry, want)
		}
	}
}

func mustPayload(t *testing.T) []byte {
	b, err := message.JSON(message.New("hook", message.Sample(sampleTime)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNewWebhookErrors(t *testing.T) {
	for _, u := range []string{"", "ftp://x/y", "http://"} {
		_, err := New(webhookConfig(u), testEnv(nil))
		if want := `handler "hook": url: not an http(s) URL`; err == nil || err.Error() != want {
			t.Errorf("url %q: New = %v, want %s", u, err, want)
		}
	}
}

// TestWebhookSecretHeaders: header-env and header-file put a secret into a
// header, sent to a real loopback server and redacted when it echoes it;
// an unset variable or a missing file is a handler that cannot be built,
// naming the source and never a value.
func TestWebhookSecretHeaders(t *testing.T) {
	t.Parallel()
	const fromEnv, fromFile = "Bearer env-Hook-Secret-5", "file-Hook-Secret-6"
	file := t.TempDir() + "/hook-sig"
	if err := os.WriteFile(file, []byte(fromFile+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := newHookRecorder(t)
	mk := func(path string) *config.Handler {
		return &config.Handler{Name: "hook", Type: "webhook", URL: r.URL + path, Timeout: 5 * time.Second,
			HeaderEnv: map[string]string{"Authorization": "HOOK_TOKEN"}, HeaderFile: map[string]string{"X-Signature": file}}
	}
	env := testEnv(map[string]string{"HOOK_TOKEN": fromEnv})
	w, err := New(mk("/ok"), env)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Send(context.Background(), message.Sample(sampleTime)); err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	head := r.heads[len(r.heads)-1]
	r.mu.Unlock()
	if head.Get("Authorization") != fromEnv || head.Get("X-Signature") != fromFile {
		t.Errorf("headers sent = %v", head)
	}

	w, _ = New(mk("/echo"), env)
	_, err = w.Send(context.Background(), message.Sample(sampleTime))
	if err == nil {
		t.Fatal("an echoing 400 was delivered")
	}
	assertNoSecret(t, "error", err.Error(), fromEnv, fromFile, "env-Hook-Secret-5")

	if _, err := New(mk("/ok"), testEnv(nil)); err == nil || !strings.Contains(err.Error(), "HOOK_TOKEN is not set") {
		t.Errorf("unset variable: %v", err)
	}
	h := mk("/ok")
	h.HeaderFile["X-Signature"] = file + ".missing"
	if _, err := New(h, env); err == nil || !strings.Contains(err.Error(), "header X-Signature") {
		t.Errorf("missing file: %v", err)
	}
}
