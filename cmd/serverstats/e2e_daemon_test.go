package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"serverstats/collectors/sshdtest"
)

// daemonProc is a running `serverstats run`.
type daemonProc struct {
	cmd    *exec.Cmd
	addr   string
	config string
	state  string
	logs   *syncBuffer
	done   chan struct{}
	err    error
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startDaemon writes cfg (with @ADDR@ replaced by a free loopback address)
// and starts the daemon on it; it is killed at the end of the test if still
// running.
func startDaemon(t *testing.T, dir, cfg string, env ...string) *daemonProc {
	t.Helper()
	d := &daemonProc{addr: freeAddr(t), config: filepath.Join(dir, "daemon.yaml"), state: filepath.Join(dir, "state.db"), logs: &syncBuffer{}, done: make(chan struct{})}
	d.write(t, cfg)
	d.launch(t, env)
	return d
}

// launch starts `serverstats run` on d's config and state with env and
// the extra args, kills it at the end of the test if still running, and
// waits for its /healthz.
func (d *daemonProc) launch(t *testing.T, env []string, args ...string) {
	t.Helper()
	d.cmd = exec.Command(binary, append([]string{"run", "-c", d.config, "--state", d.state}, args...)...)
	d.cmd.Env = append(os.Environ(), env...)
	d.cmd.Stdout, d.cmd.Stderr = d.logs, d.logs
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.err = d.cmd.Wait(); close(d.done) }()
	t.Cleanup(func() {
		select {
		case <-d.done:
		default:
			d.cmd.Process.Kill()
			<-d.done
		}
		if t.Failed() {
			t.Logf("daemon log:\n%s", d.logs.String())
		}
	})
	// Up when /healthz answers with something else than "starting",
	// healthy or not (a broken state file turns it 503 from the start).
	waitFor(t, "the daemon's /healthz", func() bool {
		code, body := d.get("/healthz")
		return code != 0 && !strings.Contains(body, "is starting")
	})
}

func (d *daemonProc) write(t *testing.T, cfg string) {
	t.Helper()
	if err := os.WriteFile(d.config, []byte(strings.ReplaceAll(cfg, "@ADDR@", d.addr)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (d *daemonProc) get(path string) (int, string) {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + d.addr + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

type apiStatusDoc struct {
	Healthy  bool
	Commands []struct {
		Name        string
		RunsStarted int `json:"runs_started"`
		RunsSkipped int `json:"runs_skipped"`
		LastRun     *struct {
			HostsOK      int `json:"hosts_ok"`
			HostsUnknown int `json:"hosts_unknown"`
		} `json:"last_run"`
	}
	Outbox  int
	Reloads struct{ OK, Failed int }
}

func (d *daemonProc) status(t *testing.T) apiStatusDoc {
	t.Helper()
	code, body := d.get("/api/status")
	var doc apiStatusDoc
	if code != 200 || json.Unmarshal([]byte(body), &doc) != nil {
		t.Fatalf("/api/status: %d %s", code, body)
	}
	return doc
}

func (doc apiStatusDoc) runs(name string) int {
	for _, c := range doc.Commands {
		if c.Name == name {
			return c.RunsStarted
		}
	}
	return -1
}

// stop sends SIGTERM and waits (bounded) for a clean exit.
func (d *daemonProc) stop(t *testing.T, within time.Duration) {
	t.Helper()
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
		if d.err != nil {
			t.Errorf("daemon exited with %v after SIGTERM, want 0", d.err)
		}
	case <-time.After(within):
		t.Fatalf("daemon still running %v after SIGTERM", within)
	}
}

func fleetSSH(f *sshdtest.Fleet) string {
	return fmt.Sprintf("ssh: {user: %q, known-hosts: %q, identity-files: [%q], agent: false, ssh-config: none, connect-timeout: 3s}\n",
		f.User, f.KnownHostsPath, f.UserKeyPath)
}

// The daemon runs `@every 1s` against three real sshd hosts, answers
// /healthz as monit expects, serves metrics promtool accepts, 404s the
// rest, and exits 0 on SIGTERM.
func TestDaemonRealTime(t *testing.T) {
	f := sshdtest.Start(t, 3)
	cfg := fleetSSH(f) + fmt.Sprintf(`daemon: {listen: "@ADDR@"}
groups: {fleet: [%q, %q, %q]}
commands:
  who:
    servers: [fleet]
    cmd: echo $SERVERSTATS_HOST
    header: none
    schedule: "@every 1s"
    alerts: [{trigger: "== nobody"}]
`, f.Servers[0].Name, f.Servers[1].Name, f.Servers[2].Name)
	d := startDaemon(t, f.Dir, cfg)
	waitFor(t, "3 runs", func() bool { return d.status(t).runs("who") >= 3 })
	st := d.status(t)
	if !st.Healthy || st.Commands[0].LastRun == nil || st.Commands[0].LastRun.HostsOK != 3 {
		t.Errorf("status = %+v", st)
	}
	code, body := d.get("/healthz")
	if code != 200 || !strings.HasPrefix(body, "Status OK - ") {
		t.Errorf("/healthz = %d %q", code, body)
	}
	if code, _ := d.get("/nope"); code != 404 {
		t.Errorf("/nope = %d, want 404", code)
	}
	code, metrics := d.get("/metrics")
	for _, want := range []string{`serverstats_run_success{command="who",host="` + f.Servers[2].Name + `"} 1`, `serverstats_runs_total{command="who"}`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool not found: apt-get install -y prometheus (scripts/test does)")
	}
	check := exec.Command(promtool, "check", "metrics")
	check.Stdin = strings.NewReader(metrics)
	if out, err := check.CombinedOutput(); code != 200 || err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
	d.stop(t, 10*time.Second)
}

// SIGHUP applies a valid config and refuses an invalid one, keeping the old
// schedule running.
func TestDaemonReload(t *testing.T) {
	dir := t.TempDir()
	base := `daemon: {listen: "@ADDR@"}
commands:
  a:
    servers: [localhost]
    cmd: echo 1
    header: none
    schedule: "@every 1s"
`
	d := startDaemon(t, dir, base)
	waitFor(t, "a runs", func() bool { return d.status(t).runs("a") >= 1 })

	d.write(t, base+`  b:
    servers: [localhost]
    cmd: echo 2
    header: none
    schedule: "@every 1s"
`)
	d.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, "b runs after the reload", func() bool { return d.status(t).runs("b") >= 1 })
	if st := d.status(t); st.Reloads.OK != 1 || st.Reloads.Failed != 0 {
		t.Errorf("reloads = %+v", st.Reloads)
	}

	d.write(t, base+"  c: {servers: [nowhere], cmd: true}\n") // undefined group
	d.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, "the refused reload", func() bool { return d.status(t).Reloads.Failed == 1 })
	before := d.status(t)
	if before.runs("b") < 1 || before.runs("c") != -1 {
		t.Errorf("after a refused reload: %+v", before.Commands)
	}
	waitFor(t, "b still running on the old config", func() bool { return d.status(t).runs("b") > before.runs("b") })
	if !strings.Contains(d.logs.String(), `undefined group`) {
		t.Errorf("the refusal was not logged with its reason")
	}
	d.stop(t, 10*time.Second)
}

// SIGTERM during a slow delivery: with enough grace it is delivered; with
// too little it stays in the outbox for the next start. Never lost.
func TestDaemonSIGTERMDuringDelivery(t *testing.T) {
	for _, c := range []struct {
		name      string
		grace     string
		delivered bool
	}{
		{"grace covers the delivery", "10s", true},
		{"grace shorter than the delivery", "1s", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "delivered.json")
			started := filepath.Join(dir, "started")
			cfg := fmt.Sprintf(`daemon: {listen: "@ADDR@", grace: %s}
handlers:
  slow: {type: exec, command: [/bin/sh, -c, "touch %s; sleep 3; cat > %s"], timeout: 20s}
commands:
  disk:
    servers: [localhost]
    cmd: echo 95
    header: none
    schedule: "@every 1s"
    alerts: [{value-type: number, trigger: "> 90", handlers: [slow]}]
`, c.grace, started, out)
			d := startDaemon(t, dir, cfg)
			waitFor(t, "the delivery to start", func() bool { _, err := os.Stat(started); return err == nil })
			d.stop(t, 15*time.Second)
			b, err := os.ReadFile(out)
			gotDelivered := err == nil && bytes.Contains(b, []byte(`"status":"firing"`))
			if gotDelivered != c.delivered {
				t.Errorf("delivered = %v (%s), want %v", gotDelivered, b, c.delivered)
			}
			st := exec.Command(binary, "status", "--json", "-c", d.config, "--state", d.state)
			js, err := st.Output()
			if err != nil {
				t.Fatal(err)
			}
			var doc struct{ Outbox []struct{ Handler string } }
			_ = json.Unmarshal(js, &doc)
			if left := len(doc.Outbox); left != map[bool]int{true: 0, false: 1}[c.delivered] {
				t.Errorf("outbox has %d messages after the stop: %s", left, js)
			}
		})
	}
}

// metricValue reads one sample from a /metrics page ("" if absent).
func metricValue(page, series string) string {
	for _, line := range strings.Split(page, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}

func metricFloat(t *testing.T, page, series string) float64 {
	t.Helper()
	var f float64
	if _, err := fmt.Sscan(metricValue(page, series), &f); err != nil {
		t.Fatalf("metric %s missing or not a number in:\n%s", series, page)
	}
	return f
}

// sshd killed and restarted under a running daemon: the runs in between are
// UNKNOWN, the next one succeeds on a new pooled connection, and goroutines
// and file descriptors come back to where they were.
func TestDaemonSurvivesSSHDRestart(t *testing.T) {
	f := sshdtest.Start(t, 2)
	cfg := fleetSSH(f) + fmt.Sprintf(`daemon: {listen: "@ADDR@"}
groups: {fleet: [%q, %q]}
commands:
  who:
    servers: [fleet]
    cmd: echo $SERVERSTATS_HOST
    header: none
    schedule: "@every 2s"
`, f.Servers[0].Name, f.Servers[1].Name)
	d := startDaemon(t, f.Dir, cfg)
	host1 := `{command="who",host="` + f.Servers[0].Name + `"}`
	page := func() string { _, p := d.get("/metrics"); return p }
	waitForUpTo(t, 20*time.Second, "a few good runs", func() bool { return d.status(t).runs("who") >= 3 })
	// The lowest of a few samples: a scrape during a run counts its
	// sessions' goroutines and channels, which are not leaks.
	settled := func(series string) float64 {
		low := math.Inf(1)
		for range 8 {
			low = math.Min(low, metricFloat(t, page(), series))
			time.Sleep(250 * time.Millisecond)
		}
		return low
	}
	before := page()
	goroutines, fds := settled("go_goroutines"), settled("process_open_fds")
	if open := metricFloat(t, before, "serverstats_ssh_connections_open"); open != 2 {
		t.Errorf("%v pooled connections for 2 hosts", open)
	}
	dials := metricFloat(t, before, "serverstats_ssh_dials")
	if v := metricValue(before, "serverstats_ssh_keepalive_failures"); v != "0" {
		t.Errorf("keepalive failures = %q on two healthy hosts, want 0", v)
	}

	f.Servers[0].Stop()
	waitForUpTo(t, 20*time.Second, "host1 UNKNOWN", func() bool { return metricValue(page(), "serverstats_host_unknown"+host1) == "1" })
	if v := metricValue(page(), `serverstats_host_unknown{command="who",host="`+f.Servers[1].Name+`"}`); v != "0" {
		t.Errorf("host2 unknown = %s while only host1 is down", v)
	}
	f.Servers[0].Restart()
	// The pool redials with jittered backoff (1s doubling): allow a few.
	waitForUpTo(t, 30*time.Second, "host1 back", func() bool { return metricValue(page(), "serverstats_host_unknown"+host1) == "0" })
	after := page()
	if got := metricFloat(t, after, "serverstats_ssh_dials"); got <= dials {
		t.Errorf("no new connection after the restart (dials %v -> %v)", dials, got)
	}
	// Leaks: let a few more runs go by, then compare.
	runs := d.status(t).runs("who")
	waitForUpTo(t, 20*time.Second, "more runs", func() bool { return d.status(t).runs("who") >= runs+3 })
	if g := settled("go_goroutines"); g > goroutines+3 {
		t.Errorf("goroutines %v -> %v", goroutines, g)
	}
	if n := settled("process_open_fds"); n > fds+2 {
		t.Errorf("open fds %v -> %v", fds, n)
	}
	d.stop(t, 10*time.Second)
}

// The daemon probes a service bound to loopback on its host through the
// pooled SSH connection and, when it is down, runs the action over SSH:
// the service comes back, the alert resolves, and the metrics count one
// action.
func TestDaemonProbeViaSSHRemediates(t *testing.T) {
	f := sshdtest.Start(t, 1)
	up := filepath.Join(f.Dir, "up")
	app, hits := pingServer(t, up)
	cfg := fleetSSH(f) + fmt.Sprintf(`daemon: {listen: "@ADDR@"}
commands:
  app:
    url: http://%s/ping
    via: ssh
    servers: [%q]
    schedule: "@every 1s"
    alerts:
      - name: ping
        column: body
        trigger: "!= pong"
        action: {cmd: "touch %s", max: 2, within: 10}
`, app, f.Servers[0].Name, up)
	d := startDaemon(t, f.Dir, cfg)
	waitFor(t, "the action to bring the service up", func() bool { _, err := os.Stat(up); return err == nil })
	waitFor(t, "a good probe after the action", func() bool { return hits.Load() >= 3 && d.status(t).runs("app") >= 3 })
	_, metrics := d.get("/metrics")
	if v := metricValue(metrics, `serverstats_actions_total{command="app",result="ok"}`); v != "1" {
		t.Errorf("actions_total ok = %q, want 1", v)
	}
	if v := metricValue(metrics, `serverstats_ssh_connections_open`); v != "1" {
		t.Errorf("ssh connections open = %q: probes and the action should share the pooled connection", v)
	}
	logs := d.logs.String()
	for _, want := range []string{"action ran", "running: touch"} {
		if !strings.Contains(logs, want) {
			t.Errorf("daemon log lacks %q", want)
		}
	}
	d.stop(t, 10*time.Second)
	// Resolved: the state store says the key is no longer firing.
	out, _ := exec.Command(binary, "status", "-c", d.config, "--state", d.state, "--json").CombinedOutput()
	if strings.Contains(string(out), `"phase": "firing"`) {
		t.Errorf("still firing after the fix:\n%s", out)
	}
}
