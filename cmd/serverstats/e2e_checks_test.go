package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"serverstats/collectors/sshdtest"
)

// checkDoc is the part of `--json` output these tests read.
type checkDoc struct {
	Status   string `json:"status"`
	ExitCode int    `json:"exit_code"`
	Hosts    []struct {
		Name   string   `json:"name"`
		Status string   `json:"status"`
		Error  string   `json:"error"`
		Header []string `json:"header"`
		Rows   []map[string]struct {
			Raw string `json:"raw"`
		} `json:"rows"`
		Plugin *struct {
			State   string `json:"state"`
			Exit    int    `json:"exit"`
			Summary string `json:"summary"`
		} `json:"plugin"`
		Actions []struct {
			Cmd string `json:"cmd"`
			OK  bool   `json:"ok"`
		} `json:"actions"`
	} `json:"hosts"`
	Queued []struct {
		Handler       string `json:"handler"`
		Notifications []struct {
			Status string `json:"status"`
			Rule   string `json:"rule"`
			Action string `json:"action"`
		} `json:"notifications"`
	} `json:"queued"`
}

// cell is row i's raw text in column col of host h.
func (d checkDoc) cell(h, i int, col string) string {
	if h >= len(d.Hosts) || i >= len(d.Hosts[h].Rows) {
		return "<no row>"
	}
	return d.Hosts[h].Rows[i][col].Raw
}

// runJSON runs the binary with --json --alerts and decodes its report.
func runJSON(t *testing.T, cfg, state string, args ...string) (checkDoc, string) {
	t.Helper()
	c := exec.Command(binary, append([]string{"-c", cfg, "--state", state, "--json", "--alerts"}, args...)...)
	c.Env = append(os.Environ(), "NO_COLOR=1")
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("run %v: %v", args, err)
	}
	var doc checkDoc
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("%v: JSON: %v\n%s\nstderr: %s", args, err, out.String(), errb.String())
	}
	if code := c.ProcessState.ExitCode(); code != doc.ExitCode {
		t.Errorf("%v: exit %d but JSON says %d", args, code, doc.ExitCode)
	}
	return doc, errb.String()
}

// probeToken is the credential the /private endpoint wants.
const probeToken = "s3cr3t-probe-token"

// pingServer is the service the probes check: /ping answers "pong" while
// the file up exists, else 503 "down"; /health answers JSON.
func pingServer(t *testing.T, up string) (addr string, hits *atomic.Int64) {
	t.Helper()
	hits = &atomic.Int64{}
	mux := http.NewServeMux()
	mux.HandleFunc("/ping", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if _, err := os.Stat(up); err != nil {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "pong")
	})
	mux.HandleFunc("/private", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+probeToken {
			http.Error(w, "who are you?", http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, "welcome, %s", r.Header.Get("Authorization")) // a service that echoes the credential
	})
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"status":"degraded","host":%q,"checks":[{"name":"db","state":"down"}]}`, r.Host)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), hits
}

// URL, TCP, built-in and Nagios commands, run by the real binary against
// real sshd hosts: probes from here and through each host's SSH
// connection, built-ins over SSH, monitoring-plugins over SSH.
func TestE2EProbesBuiltinsNagios(t *testing.T) {
	f := sshdtest.Start(t, 2)
	up := filepath.Join(f.Dir, "up")
	if err := os.WriteFile(up, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	app, hits := pingServer(t, up)
	_, appPort, _ := net.SplitHostPort(app)
	sshPort := strconv.Itoa(f.Servers[0].Port)
	cfg := f.WriteFile("checks.yaml", fleetSSH(f)+fmt.Sprintf(`groups:
  fleet: [%q, %q]
commands:
  ping-via-ssh:
    url: http://127.0.0.1:%s/ping
    via: ssh
    servers: [fleet]
    alerts:
      - column: body
        trigger: "!= pong"
  ping-each:
    url: http://{host}:%s/ping
    servers: [fleet]
    alerts:
      - column: status
        trigger: "!= 200"
  health:
    url: http://%s/health
    headers: {Host: shop.example.com}
    alerts:
      - name: app state
        column: body
        json: .status
        trigger: "!= ok"
        severity: warning
  ssh-banner:
    tcp: ":%s"
    expect: SSH-2.0
    servers: [%q]
    alerts:
      - column: error
        trigger: "!= ''"
  closed-port:
    tcp: %s
    alerts:
      - column: connected
        trigger: "== false"
  disk:
    builtin: disk
    servers: [fleet]
    alerts:
      - column: use%%
        trigger: "> 100%%"
  memory: {builtin: memory, servers: [fleet]}
  load: {builtin: load, servers: [fleet]}
  uptime: {builtin: uptime, servers: [fleet]}
  sshd-procs:
    builtin: process-count
    params: {pattern: "sshd", min: 1}
    servers: [fleet]
  no-such-procs:
    builtin: process-count
    params: {pattern: "no-such-daemon-[x]yz", min: 1}
    servers: [fleet]
  root-disk:
    cmd: /usr/lib/nagios/plugins/check_disk -w 0%% -c 0%% -p /
    nagios: true
    servers: [fleet]
  root-disk-warn:
    cmd: /usr/lib/nagios/plugins/check_disk -w 100%% -c 0%% -p /
    nagios: true
    servers: [fleet]
  procs:
    cmd: /usr/lib/nagios/plugins/check_procs -w 1:100000 -c 1:100000 -C sshd
    nagios: true
    servers: [fleet]
  procs-none:
    cmd: "/usr/lib/nagios/plugins/check_procs -c 1: -C no-such-daemon"
    nagios: true
    servers: [fleet]
  plugin-unknown:
    cmd: /usr/lib/nagios/plugins/check_disk -p /no/such/mount --errors-only-unknown-flag
    nagios: true
    servers: [fleet]
  plugin-missing:
    cmd: /usr/lib/nagios/plugins/check_nothing_here
    nagios: true
    servers: [fleet]
`, f.Servers[0].Name, f.Servers[1].Name, appPort, appPort, app, sshPort, f.Servers[0].Name, closedPort(t)))
	state := filepath.Join(f.Dir, "state.db")
	run := func(name string) checkDoc {
		t.Helper()
		d, stderr := runJSON(t, cfg, state, name)
		if len(d.Hosts) == 0 {
			t.Fatalf("%s: no hosts; stderr %s", name, stderr)
		}
		return d
	}

	// HTTP through each host's SSH connection and from here with {host}.
	before := hits.Load()
	for _, name := range []string{"ping-via-ssh", "ping-each"} {
		d := run(name)
		if d.Status != "OK" || len(d.Hosts) != 2 {
			t.Errorf("%s: %s, %d hosts: %+v", name, d.Status, len(d.Hosts), d.Hosts)
		}
		for h := range d.Hosts {
			if d.cell(h, 0, "status") != "200" || d.cell(h, 0, "body") != "pong" {
				t.Errorf("%s host %d: status %q body %q", name, h, d.cell(h, 0, "status"), d.cell(h, 0, "body"))
			}
		}
	}
	if n := hits.Load() - before; n != 4 {
		t.Errorf("the service saw %d requests, want 4", n)
	}
	// The service goes down: both kinds of rule fire, on every host.
	os.Remove(up)
	if d := run("ping-via-ssh"); d.Status != "CRITICAL" || d.cell(1, 0, "body") != "down" {
		t.Errorf("service down via ssh: %s body %q", d.Status, d.cell(1, 0, "body"))
	}
	if d := run("ping-each"); d.Status != "CRITICAL" || d.cell(0, 0, "status") != "503" {
		t.Errorf("service down: %s status %q", d.Status, d.cell(0, 0, "status"))
	}
	// A JSON field under a Host header, a warning severity.
	if d := run("health"); d.Status != "WARNING" || !strings.Contains(d.cell(0, 0, "body"), `"host":"shop.example.com"`) {
		t.Errorf("health: %s body %q", d.Status, d.cell(0, 0, "body"))
	}
	// TCP: sshd's banner on the target's own port; a closed port is an
	// observation that fires, not an unknown host.
	if d := run("ssh-banner"); d.Status != "OK" || !strings.HasPrefix(d.cell(0, 0, "banner"), "SSH-2.0-OpenSSH") {
		t.Errorf("ssh-banner: %s %+v", d.Status, d.Hosts)
	}
	if d := run("closed-port"); d.Status != "CRITICAL" || d.cell(0, 0, "connected") != "false" || d.Hosts[0].Status != "ok" {
		t.Errorf("closed-port: %s %+v", d.Status, d.Hosts)
	}

	// Built-ins over SSH: the columns promised, with sane values.
	d := run("disk")
	var root bool
	for _, r := range d.Hosts[0].Rows {
		if r["mount"].Raw == "/" {
			root = true
			if size, _ := strconv.ParseUint(r["size"].Raw, 10, 64); size < 1<<20 || !strings.HasSuffix(r["use%"].Raw, "%") {
				t.Errorf("disk /: %+v", r)
			}
		}
	}
	if d.Status != "OK" || !root {
		t.Errorf("disk: %s, root found %v, rows %d", d.Status, root, len(d.Hosts[0].Rows))
	}
	if d := run("memory"); d.Status != "OK" || d.cell(1, 0, "total") == "" || !strings.HasSuffix(d.cell(1, 0, "used%"), "%") {
		t.Errorf("memory: %s %+v", d.Status, d.Hosts)
	}
	if d := run("load"); d.Status != "OK" || d.cell(0, 0, "cpus") == "" || d.cell(0, 0, "load15") == "" {
		t.Errorf("load: %s %+v", d.Status, d.Hosts)
	}
	if d := run("uptime"); d.Status != "OK" || d.cell(0, 0, "seconds") == "" || d.cell(0, 0, "seconds") == "0" {
		t.Errorf("uptime: %s %+v", d.Status, d.Hosts)
	}
	if d := run("sshd-procs"); d.Status != "OK" || d.cell(0, 0, "count") == "0" {
		t.Errorf("sshd-procs: %s count %q", d.Status, d.cell(0, 0, "count"))
	}
	if d := run("no-such-procs"); d.Status != "CRITICAL" || d.cell(0, 0, "count") != "0" {
		t.Errorf("no-such-procs (min 1): %s count %q", d.Status, d.cell(0, 0, "count"))
	}

	// Nagios plugins over SSH: the exit status is the state, perfdata the rows.
	d = run("root-disk")
	if d.Status != "OK" || d.Hosts[0].Plugin == nil || d.Hosts[0].Plugin.State != "OK" || !strings.HasPrefix(d.Hosts[0].Plugin.Summary, "DISK OK") {
		t.Errorf("root-disk: %s %+v", d.Status, d.Hosts[0].Plugin)
	}
	if d.cell(0, 0, "label") != "/" || d.cell(0, 0, "max") == "" || d.cell(0, 0, "uom") == "" {
		t.Errorf("root-disk perfdata: %+v", d.Hosts[0].Rows)
	}
	if d := run("root-disk-warn"); d.Status != "WARNING" || d.Hosts[0].Plugin.State != "WARNING" || d.Hosts[1].Plugin.Exit != 1 {
		t.Errorf("root-disk-warn: %s %+v", d.Status, d.Hosts[0].Plugin)
	}
	if d := run("procs"); d.Status != "OK" || d.cell(0, 0, "label") != "procs" || d.cell(0, 0, "value") == "0" {
		t.Errorf("procs: %s %+v", d.Status, d.Hosts[0].Rows)
	}
	if d := run("procs-none"); d.Status != "CRITICAL" || d.Hosts[0].Plugin.State != "CRITICAL" || d.cell(0, 0, "value") != "0" {
		t.Errorf("procs-none: %s %+v rows %+v", d.Status, d.Hosts[0].Plugin, d.Hosts[0].Rows)
	}
	if d := run("plugin-unknown"); d.Status != "UNKNOWN" || d.Hosts[0].Plugin == nil || d.Hosts[0].Plugin.Exit != 3 || !strings.Contains(d.Hosts[0].Error, "plugin says UNKNOWN") {
		t.Errorf("plugin-unknown: %s %+v", d.Status, d.Hosts[0])
	}
	if d := run("plugin-missing"); d.Status != "UNKNOWN" || d.Hosts[0].Status != "error" || !strings.Contains(d.Hosts[0].Error, "exit status 127") {
		t.Errorf("plugin-missing: %s %+v", d.Status, d.Hosts[0])
	}
}

// A service that stays down is restarted at most max times within the
// window, then serverstats stops acting and says so, once. The action runs
// on the host over SSH. When the service comes back the alert resolves; a
// later outage, outside the window, is acted on again.
func TestE2ERemediationGuard(t *testing.T) {
	f := sshdtest.Start(t, 1)
	up := filepath.Join(f.Dir, "up")
	app, _ := pingServer(t, up)
	restarts := filepath.Join(f.Dir, "restarts")
	cfg := f.WriteFile("remedy.yaml", fleetSSH(f)+fmt.Sprintf(`commands:
  app:
    url: http://%s/ping
    via: ssh
    servers: [%q]
    alerts:
      - name: ping
        column: body
        trigger: "!= pong"
        action: {cmd: "echo \"$SERVERSTATS_HOST\" >> %s", max: 2, within: 5}
  selfheal:
    url: http://%s/ping
    via: ssh
    servers: [%q]
    alerts:
      - name: ping
        column: body
        trigger: "!= pong"
        action: "touch %s"
  two-rules:
    url: http://%s/ping
    via: ssh
    servers: [%q]
    alerts:
      - {name: body, column: body, trigger: "!= pong", action: {cmd: "echo x >> %s", max: 2, within: 5}}
      - {name: status, column: status, trigger: "!= 200", action: {cmd: "echo x >> %s", max: 2, within: 5}}
`, app, f.Servers[0].Name, restarts, app, f.Servers[0].Name, up, app, f.Servers[0].Name, restarts+"2", restarts+"2"))
	state := filepath.Join(f.Dir, "state.db")
	countRestarts := func() int {
		b, _ := os.ReadFile(restarts)
		return strings.Count(string(b), "\n")
	}
	type seen struct{ actions, firing, stopped, resolved int }
	run := func(name string) seen {
		t.Helper()
		d, stderr := runJSON(t, cfg, state, name)
		var s seen
		for _, a := range d.Hosts[0].Actions {
			if !a.OK {
				t.Errorf("action failed: %+v\n%s", a, stderr)
			}
			s.actions++
		}
		for _, q := range d.Queued {
			for _, n := range q.Notifications {
				switch {
				case strings.HasPrefix(n.Action, "stopped"):
					s.stopped++
				case n.Status == "firing":
					s.firing++
					if !strings.HasPrefix(n.Action, "running: ") {
						t.Errorf("firing notification does not say what is being done: %+v", n)
					}
				case n.Status == "resolved":
					s.resolved++
				}
			}
		}
		return s
	}

	var got []seen
	for range 6 {
		got = append(got, run("app"))
	}
	want := []seen{{1, 1, 0, 0}, {1, 0, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("runs (actions, firing, stopped, resolved):\n got  %v\n want %v", got, want)
	}
	if n := countRestarts(); n != 2 {
		t.Errorf("restarted %d times, want max 2", n)
	}
	out, err := exec.Command(binary, "status", "-c", cfg, "--state", state, "--json").CombinedOutput()
	if err != nil {
		t.Errorf("status: %v", err)
	}
	// Runs 1 and 2 acted; after run 6 only run 2 is inside the 5-run window.
	if !strings.Contains(string(out), `"actions": 1,`) || !strings.Contains(string(out), `"acting_stopped": true`) {
		t.Errorf("status does not show the tripped guard:\n%s", out)
	}
	if b, _ := os.ReadFile(restarts); !strings.HasPrefix(string(b), "host1\n") {
		t.Errorf("the action did not run on the host over SSH: %q", b)
	}

	// The service comes back: resolved. It fails again later, after the
	// window: acted on again.
	os.WriteFile(up, nil, 0o644)
	if s := run("app"); s != (seen{resolved: 1}) {
		t.Errorf("service back: %+v", s)
	}
	os.Remove(up)
	if s := run("app"); s != (seen{actions: 1, firing: 1}) {
		t.Errorf("new outage after the window: %+v", s)
	}
	if n := countRestarts(); n != 3 {
		t.Errorf("restarted %d times, want 3", n)
	}

	// Two alerts asking for the same restart get one per run, and each
	// alert's guard still holds: 2 restarts in 4 runs, not 4.
	os.Remove(up)
	for range 4 {
		runJSON(t, cfg, state, "two-rules")
	}
	if b, _ := os.ReadFile(restarts + "2"); strings.Count(string(b), "\n") != 2 {
		t.Errorf("two rules with one action: restarted %d times, want 2", strings.Count(string(b), "\n"))
	}

	// An action that fixes the service: one action, then resolved.
	os.Remove(up)
	if s := run("selfheal"); s != (seen{actions: 1, firing: 1}) {
		t.Errorf("selfheal, first run: %+v", s)
	}
	if _, err := os.Stat(up); err != nil {
		t.Fatalf("the action did not run: %v", err)
	}
	if s := run("selfheal"); s != (seen{resolved: 1}) {
		t.Errorf("selfheal, second run: %+v", s)
	}
}

// A probe's credential comes from the environment, reaches the service,
// and appears nowhere in serverstats' output, even when the service echoes
// it; when the variable is unset the host is UNKNOWN, saying which variable.
func TestE2EProbeSecretHeader(t *testing.T) {
	dir := t.TempDir()
	app, _ := pingServer(t, filepath.Join(dir, "up"))
	cfg := filepath.Join(dir, "secret.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`commands:
  private:
    url: http://%s/private
    header-env: {Authorization: APP_AUTH}
    alerts:
      - column: status
        trigger: "!= 200"
`, app)), 0o644)
	run := func(env ...string) (int, string) {
		c := exec.Command(binary, "-c", cfg, "--state", filepath.Join(dir, "state.db"), "private", "--alerts", "--json")
		c.Env = append(os.Environ(), env...)
		out, _ := c.CombinedOutput()
		return c.ProcessState.ExitCode(), string(out)
	}
	code, out := run("APP_AUTH=Bearer " + probeToken)
	if code != 0 || !strings.Contains(out, `"raw": "welcome, [REDACTED]"`) {
		t.Errorf("with the token: exit %d\n%s", code, out)
	}
	if strings.Contains(out, probeToken) {
		t.Errorf("the token leaked:\n%s", out)
	}
	code, out = run("APP_AUTH=")
	if code != 3 || !strings.Contains(out, "header Authorization: environment variable APP_AUTH is not set") {
		t.Errorf("without the token: exit %d\n%s", code, out)
	}
}
