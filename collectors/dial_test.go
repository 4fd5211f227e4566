package collectors_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"serverstats/collectors"
	"serverstats/collectors/sshdtest"
)

// viaSSHTarget returns the fleet's first server as a target.
func viaSSHTarget(t *testing.T, f *sshdtest.Fleet) collectors.Target {
	t.Helper()
	s := f.Servers[0]
	return collectors.Target{Name: s.Name, Host: s.Host, Port: s.Port, User: f.User}
}

func TestProbesViaSSH(t *testing.T) {
	f := sshdtest.Start(t, 1)
	opts := collectors.SSHOptions{User: f.User, KnownHosts: f.KnownHostsPath, IdentityFiles: []string{f.UserKeyPath}, ConnectTimeout: 10 * time.Second}
	sshc, err := collectors.NewSSH(opts)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := collectors.NewPool(opts, collectors.PoolOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })

	// A service bound to the remote's loopback (the remote is this machine).
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		fmt.Fprint(w, "pong via "+r.Host)
	}))
	defer srv.Close()
	banner := bannerServer(t, "220 smtp ready")
	tgt := viaSSHTarget(t, f)
	ctx := context.Background()

	for _, d := range []struct {
		name string
		dial collectors.DialFunc
	}{{"ssh", sshc.Dial}, {"pool", pool.Dial}} {
		t.Run(d.name, func(t *testing.T) {
			before := strings.Count(f.Servers[0].Log(), "Accepted publickey")
			r := (&collectors.HTTPProbe{URL: srv.URL + "/ping", Dial: d.dial, Timeout: 10 * time.Second}).Run(ctx, tgt, "")
			h := fieldMap(t, r, httpFields...)
			if r.Err != nil || h["status"] != "200" || !strings.HasPrefix(h["body"], "pong via ") {
				t.Fatalf("http: err %v fields %v", r.Err, h)
			}
			r = (&collectors.TCPProbe{Addr: banner, Expect: "220", Dial: d.dial}).Run(ctx, tgt, "")
			c := fieldMap(t, r, tcpFields...)
			if r.Err != nil || c["connected"] != "true" || c["banner"] != "220 smtp ready" {
				t.Fatalf("tcp: err %v fields %v", r.Err, c)
			}
			// A closed port on the remote: an observation, not UNKNOWN.
			r = (&collectors.TCPProbe{Addr: closedPort(t), Dial: d.dial}).Run(ctx, tgt, "")
			c = fieldMap(t, r, tcpFields...)
			if r.Err != nil || c["connected"] != "false" || c["error"] == "" {
				t.Fatalf("tcp closed: err %v fields %v", r.Err, c)
			}
			t.Logf("closed port via %s: %s", d.name, c["error"])
			// The HTTP probe marks it UNKNOWN with the cause visible.
			r = (&collectors.HTTPProbe{URL: "http://" + closedPort(t) + "/", Dial: d.dial}).Run(ctx, tgt, "")
			h = fieldMap(t, r, httpFields...)
			if r.Err != nil || h["status"] != "0" || h["error"] == "" {
				t.Fatalf("http closed: err %v fields %v", r.Err, h)
			}
			logins := strings.Count(f.Servers[0].Log(), "Accepted publickey") - before
			if d.name == "pool" && logins > 1 {
				t.Errorf("pool logged in %d times for 4 probes", logins)
			}
			if d.name == "ssh" && logins < 4 {
				t.Logf("ssh logged in %d times (log may lag)", logins)
			}
		})
	}
	if n := requests.Load(); n != 2 {
		t.Errorf("http server saw %d requests", n)
	}

	// HTTPS through the pooled tunnel, verified against the test CA.
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "secure pong") }))
	defer tlsSrv.Close()
	r0 := (&collectors.HTTPProbe{URL: tlsSrv.URL + "/", CAFile: writeCA(t, tlsSrv), Dial: pool.Dial, Timeout: 10 * time.Second}).Run(ctx, tgt, "")
	if h := fieldMap(t, r0, httpFields...); r0.Err != nil || h["status"] != "200" || h["body"] != "secure pong" || h["cert_days_left"] == "" {
		t.Errorf("https via ssh: err %v fields %v", r0.Err, h)
	}

	// SSH failures are transport errors, as in Run.
	down := tgt
	down.Port = addrPort(t, closedPort(t))
	r := (&collectors.TCPProbe{Addr: banner, Dial: sshc.Dial}).Run(ctx, down, "")
	c := fieldMap(t, r, tcpFields...)
	if !errors.Is(r.Err, collectors.ErrConnect) || c["connected"] != "false" {
		t.Errorf("ssh down: err %v fields %v", r.Err, c)
	}
	r = (&collectors.HTTPProbe{URL: "http://127.0.0.1:1/", Dial: sshc.Dial}).Run(ctx, down, "")
	if h := fieldMap(t, r, httpFields...); !errors.Is(r.Err, collectors.ErrConnect) || h["status"] != "" {
		t.Errorf("http, ssh down: err %v fields %v (want the host UNKNOWN, not a dead service)", r.Err, h)
	}
	strict, err := collectors.NewSSH(collectors.SSHOptions{User: f.User, KnownHosts: t.TempDir() + "/none", IdentityFiles: []string{f.UserKeyPath}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := strict.Dial(ctx, tgt, "tcp", banner); !errors.Is(err, collectors.ErrHostKeyUnknown) {
		t.Errorf("unknown host key: %v", err)
	}
}

func addrPort(t *testing.T, addr string) int {
	t.Helper()
	var p int
	if _, err := fmt.Sscanf(addr[strings.LastIndex(addr, ":")+1:], "%d", &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// Benchmarks of one HTTP probe of a service on the remote's loopback: from
// here, through a pooled SSH connection (the daemon), through a new SSH
// connection (one-shot), and the peer way, `ssh host curl URL` with the
// OpenSSH client. go test -run '^$' -bench Probe ./collectors
func BenchmarkProbeHTTP(b *testing.B) {
	f := sshdtest.Start(b, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "pong") }))
	defer srv.Close()
	s := f.Servers[0]
	tgt := collectors.Target{Name: s.Name, Host: s.Host, Port: s.Port, User: f.User}
	opts := collectors.SSHOptions{User: f.User, KnownHosts: f.KnownHostsPath, IdentityFiles: []string{f.UserKeyPath}, ConnectTimeout: 10 * time.Second}
	sshc, err := collectors.NewSSH(opts)
	if err != nil {
		b.Fatal(err)
	}
	pool, err := collectors.NewPool(opts, collectors.PoolOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	probe := func(b *testing.B, dial collectors.DialFunc) {
		p := &collectors.HTTPProbe{URL: srv.URL + "/ping", Dial: dial, Timeout: 10 * time.Second}
		for b.Loop() {
			r := p.Run(context.Background(), tgt, "")
			if r.Err != nil || fieldMap(b, r, httpFields...)["body"] != "pong" {
				b.Fatalf("probe: %v %v", r.Err, r.Fields)
			}
		}
	}
	b.Run("local", func(b *testing.B) { probe(b, nil) })
	b.Run("via-pool", func(b *testing.B) { probe(b, pool.Dial) })
	b.Run("via-new-ssh", func(b *testing.B) { probe(b, sshc.Dial) })
	b.Run("peer-ssh-curl", func(b *testing.B) {
		for b.Loop() {
			out, err := exec.Command("ssh", "-F", "none", "-p", strconv.Itoa(s.Port), "-i", f.UserKeyPath,
				"-o", "UserKnownHostsFile="+f.KnownHostsPath, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
				f.User+"@"+s.Host, "curl -s "+srv.URL+"/ping").Output()
			if err != nil || string(out) != "pong" {
				b.Fatalf("ssh curl: %v %q", err, out)
			}
		}
	})
}
