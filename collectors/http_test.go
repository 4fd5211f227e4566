package collectors_test

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"serverstats/collectors"
	"serverstats/collectors/testenv"
)

// fieldMap returns a probe result's fields by name, checking the row is
// complete.
func fieldMap(t testing.TB, r collectors.Result, names ...string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, f := range r.Fields {
		m[f.Name] = f.Value
	}
	for _, n := range names {
		if _, ok := m[n]; !ok {
			t.Fatalf("field %q missing from %+v", n, r.Fields)
		}
	}
	return m
}

var httpFields = []string{"status", "body", "latency_ms", "size", "cert_days_left", "error"}

func runHTTP(t *testing.T, p *collectors.HTTPProbe) (collectors.Result, map[string]string) {
	t.Helper()
	r := p.Run(context.Background(), collectors.Target{Name: "local", Local: true}, "")
	return r, fieldMap(t, r, httpFields...)
}

func writeCA(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func testMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/ping", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "pong") })
	mux.HandleFunc("/host", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "host="+r.Host) })
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ping", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %s", r.Method, r.Header.Get("X-Probe"), b)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", 100<<10)))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(10 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "broken", 500) })
	return mux
}

func TestHTTPProbePlain(t *testing.T) {
	srv := httptest.NewServer(testMux())
	defer srv.Close()

	r, f := runHTTP(t, &collectors.HTTPProbe{URL: srv.URL + "/ping"})
	if r.Err != nil || f["status"] != "200" || f["body"] != "pong" || f["size"] != "5" || f["error"] != "" || f["cert_days_left"] != "" {
		t.Fatalf("ping: err %v fields %v", r.Err, f)
	}
	if ms, err := strconv.ParseFloat(f["latency_ms"], 64); err != nil || ms < 0 || ms > 5000 {
		t.Errorf("latency_ms %q", f["latency_ms"])
	}
	if len(r.Stdout) != 0 {
		t.Errorf("stdout %q", r.Stdout)
	}

	// A wrong body is visible; a 500 is a result, not an error.
	_, f = runHTTP(t, &collectors.HTTPProbe{URL: srv.URL + "/500"})
	if f["status"] != "500" || f["body"] != "broken" || f["error"] != "" {
		t.Errorf("500: %v", f)
	}

	// Method, headers and body are sent.
	_, f = runHTTP(t, &collectors.HTTPProbe{URL: srv.URL + "/echo", Method: "POST", Body: "hello", Headers: map[string]string{"X-Probe": "yes"}})
	if f["body"] != "POST yes hello" {
		t.Errorf("echo: %v", f)
	}

	// Body is capped at 64 KiB but size counts everything.
	_, f = runHTTP(t, &collectors.HTTPProbe{URL: srv.URL + "/big"})
	if len(f["body"]) != collectors.MaxProbeBody || f["size"] != strconv.Itoa(100<<10) {
		t.Errorf("big: body %d bytes, size %s", len(f["body"]), f["size"])
	}

	// Virtual host through the Host header.
	_, f = runHTTP(t, &collectors.HTTPProbe{URL: srv.URL + "/host", Headers: map[string]string{"Host": "vhost.example"}})
	if f["body"] != "host=vhost.example" {
		t.Errorf("host header: %v", f)
	}
}

func TestHTTPProbeRedirect(t *testing.T) {
	srv := httptest.NewServer(testMux())
	defer srv.Close()
	r, f := runHTTP(t, &collectors.HTTPProbe{URL: srv.URL + "/old"})
	if r.Err != nil || f["status"] != "301" {
		t.Errorf("not followed: err %v fields %v", r.Err, f)
	}
	r, f = runHTTP(t, &collectors.HTTPProbe{URL: srv.URL + "/old", FollowRedirects: true})
	if r.Err != nil || f["status"] != "200" || f["body"] != "pong" {
		t.Errorf("followed: err %v fields %v", r.Err, f)
	}
}

// A redirect from https to plain http is never followed: the request's
// headers (a credential) would go out in clear text.
func TestHTTPProbeNoDowngradeRedirect(t *testing.T) {
	plain := httptest.NewServer(testMux())
	defer plain.Close()
	var sawAuth atomic.Bool
	plain.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawAuth.Store(r.Header.Get("Authorization") != "")
		fmt.Fprint(w, "pong")
	})
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+"/ping", http.StatusFound)
	}))
	defer tlsSrv.Close()
	r, f := runHTTP(t, &collectors.HTTPProbe{URL: tlsSrv.URL + "/", Insecure: true, FollowRedirects: true,
		Headers: map[string]string{"Authorization": "Bearer x"}})
	if r.Err != nil || f["status"] != "302" || sawAuth.Load() {
		t.Errorf("https -> http: err %v fields %v, plain server saw the credential: %v", r.Err, f, sawAuth.Load())
	}
}

// Through SSH, a hop that fails after longer than the probe's own timeout
// (an unreachable host, a slow SSH connect) still makes the host UNKNOWN:
// it says nothing about the service.
func TestHTTPProbeSlowHopIsUnknown(t *testing.T) {
	slowHop := func(ctx context.Context, _ collectors.Target, _, addr string) (net.Conn, error) {
		time.Sleep(300 * time.Millisecond)
		return nil, fmt.Errorf("connect to %s: %w: no route to host", addr, collectors.ErrConnect)
	}
	r, f := runHTTP(t, &collectors.HTTPProbe{URL: "http://127.0.0.1:8080/ping", Timeout: 50 * time.Millisecond, Dial: slowHop})
	if !errors.Is(r.Err, collectors.ErrConnect) || f["status"] != "" {
		t.Errorf("err %v fields %v: want the host UNKNOWN", r.Err, f)
	}
}

func TestHTTPProbeTLS(t *testing.T) {
	srv := httptest.NewTLSServer(testMux())
	defer srv.Close()

	// Not trusted by default.
	r, f := runHTTP(t, &collectors.HTTPProbe{URL: srv.URL + "/ping"})
	if r.Err != nil || f["status"] != "0" || !strings.Contains(f["error"], "certificate") {
		t.Fatalf("untrusted: err %v fields %v", r.Err, f)
	}
	t.Logf("untrusted error: %s", f["error"])

	// Trusted through CAFile.
	r, f = runHTTP(t, &collectors.HTTPProbe{URL: srv.URL + "/ping", CAFile: writeCA(t, srv)})
	if r.Err != nil || f["status"] != "200" || f["body"] != "pong" {
		t.Fatalf("CAFile: err %v fields %v", r.Err, f)
	}
	want := int(time.Until(srv.Certificate().NotAfter) / (24 * time.Hour))
	if f["cert_days_left"] != strconv.Itoa(want) {
		t.Errorf("cert_days_left %q, want %d", f["cert_days_left"], want)
	}

	// Insecure when asked.
	r, f = runHTTP(t, &collectors.HTTPProbe{URL: srv.URL + "/ping", Insecure: true})
	if r.Err != nil || f["status"] != "200" || f["cert_days_left"] == "" {
		t.Errorf("insecure: err %v fields %v", r.Err, f)
	}

	// A CA file that is not PEM.
	bad := filepath.Join(t.TempDir(), "bad.pem")
	os.WriteFile(bad, []byte("nope"), 0o600)
	r, f = runHTTP(t, &collectors.HTTPProbe{URL: srv.URL + "/ping", CAFile: bad})
	if !errors.Is(r.Err, collectors.ErrConnect) || f["error"] == "" {
		t.Errorf("bad CA: err %v fields %v", r.Err, f)
	}
}

func TestHTTPProbeTimeout(t *testing.T) {
	srv := httptest.NewServer(testMux())
	defer srv.Close()
	start := time.Now()
	// The timeout covers the connect too: long enough for a loaded machine
	// to connect, far shorter than /slow's 10 s.
	const limit = 2 * time.Second
	r, f := runHTTP(t, &collectors.HTTPProbe{URL: srv.URL + "/slow", Timeout: limit})
	if el := time.Since(start); el < limit || el > testenv.NoHang(limit) {
		t.Errorf("took %s with a %v timeout, want within [%v, %v]", el, limit, limit, testenv.NoHang(limit))
	}
	if r.Err != nil || f["status"] != "0" || !strings.Contains(f["error"], "no answer within 2s") {
		t.Errorf("err %v fields %v", r.Err, f)
	}
}

func TestHTTPProbeRefused(t *testing.T) {
	addr := closedPort(t)
	r, f := runHTTP(t, &collectors.HTTPProbe{URL: "http://" + addr + "/"})
	if r.Err != nil || f["status"] != "0" || !strings.Contains(f["error"], "refused") {
		t.Errorf("err %v fields %v", r.Err, f)
	}
	r, f = runHTTP(t, &collectors.HTTPProbe{URL: "ftp://x/"})
	if !errors.Is(r.Err, collectors.ErrConnect) || f["error"] == "" {
		t.Errorf("bad URL: err %v fields %v", r.Err, f)
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// startNginx runs Debian's nginx on a free 127.0.0.1 port with two virtual
// hosts: a.test (the default, "pong" at /ping) and b.test.
func startNginx(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		bin = "/usr/sbin/nginx"
	}
	_, err = os.Stat(bin)
	testenv.Need(t, "NGINX", err, "nginx not installed: apt-get install -y nginx-light (or nginx)")
	dir := t.TempDir()
	addr := closedPort(t)
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;"
	}
	conf := fmt.Sprintf(`%s
worker_processes 1;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path %[2]s/body;
	proxy_temp_path %[2]s/proxy;
	fastcgi_temp_path %[2]s/fastcgi;
	uwsgi_temp_path %[2]s/uwsgi;
	scgi_temp_path %[2]s/scgi;
	server {
		listen %[3]s;
		server_name a.test;
		location = /ping { default_type text/plain; return 200 "pong\n"; }
		location / { default_type text/plain; return 200 "site a\n"; }
	}
	server {
		listen %[3]s;
		server_name b.test;
		location / { default_type text/plain; return 200 "site b\n"; }
	}
}
`, user, dir, addr)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", confPath, "-g", "daemon off; pid "+dir+"/nginx.pid; error_log stderr;")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-exited:
		case <-time.After(3 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return addr
		}
		select {
		case <-exited:
			t.Fatalf("nginx exited: %s", stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx not listening on %s: %s", addr, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestHTTPProbeNginx(t *testing.T) {
	addr := startNginx(t)
	r, f := runHTTP(t, &collectors.HTTPProbe{URL: "http://" + addr + "/ping"})
	if r.Err != nil || f["status"] != "200" || f["body"] != "pong" {
		t.Errorf("ping: err %v fields %v", r.Err, f)
	}
	_, f = runHTTP(t, &collectors.HTTPProbe{URL: "http://" + addr + "/", Headers: map[string]string{"Host": "b.test"}})
	if f["status"] != "200" || f["body"] != "site b" {
		t.Errorf("b.test: %v", f)
	}
	_, f = runHTTP(t, &collectors.HTTPProbe{URL: "http://" + addr + "/", Headers: map[string]string{"Host": "a.test"}})
	if f["body"] != "site a" {
		t.Errorf("a.test: %v", f)
	}
	_, f = runHTTP(t, &collectors.HTTPProbe{URL: "http://" + addr + "/ping", Headers: map[string]string{"Host": "b.test"}})
	if f["body"] != "site b" {
		t.Errorf("b.test/ping: %v", f)
	}
}

// A followed redirect to another host (here another port of the same
// address, which Go's client treats as the same host) gets none of the
// secret headers, nor Authorization or Cookie; one to the URL's own host
// gets them all.
func TestHTTPProbeRedirectKeepsSecretsHome(t *testing.T) {
	t.Parallel()
	secrets := map[string]string{"Authorization": "Bearer redir-Secret-1", "X-Api-Key": "redir-Secret-2", "Cookie": "s=redir-Secret-3"}
	type seen struct{ path, headers string }
	got := make(chan seen, 10)
	record := func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		r.Header.Write(&b)
		got <- seen{r.URL.Path, b.String()}
	}
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { record(w, r); fmt.Fprint(w, "other") }))
	defer other.Close()
	home := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		record(w, r)
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/landed", http.StatusFound)
		case "/stay":
			http.Redirect(w, r, "/landed", http.StatusFound)
		default:
			fmt.Fprint(w, "home")
		}
	}))
	defer home.Close()
	for _, path := range []string{"/away", "/stay"} {
		_, f := runHTTP(t, &collectors.HTTPProbe{URL: home.URL + path, FollowRedirects: true, Headers: secrets, Secret: []string{"X-Api-Key"}})
		if f["status"] != "200" {
			t.Fatalf("%s: %v", path, f)
		}
		first, second := <-got, <-got
		for _, v := range secrets {
			if !strings.Contains(first.headers, v) {
				t.Errorf("%s: the URL's own host did not get %q:\n%s", path, v, first.headers)
			}
			if sent := strings.Contains(second.headers, v); sent != (path == "/stay") {
				t.Errorf("%s: redirect target got %q: %v:\n%s", path, v, sent, second.headers)
			}
		}
	}
}
