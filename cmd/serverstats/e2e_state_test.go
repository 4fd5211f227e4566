package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The state file under load and under damage, with the real binary: a
// huge output never locks the file for long, and a broken file never
// stops a page.

// stateRig is a local command printing rows firing rows (a df-shaped table,
// every row at 99%), a second small command, and a print handler, on one
// state file.
type stateRig struct {
	dir, config, state string
}

func newStateRig(t *testing.T, rows int, extra string) *stateRig {
	t.Helper()
	dir := t.TempDir()
	r := &stateRig{dir: dir, state: filepath.Join(dir, "state", "state.db")}
	script := filepath.Join(dir, "rows.sh")
	writeFile(t, script, fmt.Sprintf("#!/bin/sh\necho 'Filesystem Use%% Mounted'\nawk 'BEGIN { for (i = 0; i < %d; i++) printf \"overlay 99%%%% /var/lib/docker/overlay2/%%06d/merged\\n\", i }'\n", rows), 0o755)
	r.config = filepath.Join(dir, "serverstats.yaml")
	writeFile(t, r.config, fmt.Sprintf(`
handlers:
  console: {type: print}
%s
on-command-failure: {handlers: [console]}
commands:
  mounts:
    servers: [localhost]
    cmd: %s
    key: Mounted
    alerts:
      - column: Use%%
        value-type: percent
        trigger: "> 90"
        msg: overlay full
        handlers: [console]
  other:
    servers: [localhost]
    cmd: "printf 'name value\nload 7\n'"
    key: name
    alerts:
      - column: value
        trigger: "> 5"
        msg: load high
        handlers: [console]
`, extra, script), 0o644)
	return r
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

// run runs the binary on the rig and returns exit code, stdout, stderr.
func (r *stateRig) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runBinary(t, nil, append([]string{"-c", r.config, "--state", r.state}, args...)...)
}

// runBinary runs the binary with args, and env added to this process's
// environment; it returns the exit code, stdout and stderr.
func runBinary(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	c := exec.Command(binary, args...)
	c.Env = append(os.Environ(), env...)
	var out, errb strings.Builder
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

// 20,000 firing rows: the run records and tells them within seconds (one
// message of at most 200 lines, the rest counted), and another command on
// the same state file runs right after, and while a second big run goes on.
func TestE2EStateTwentyThousandRows(t *testing.T) {
	r := newStateRig(t, 20000, "")
	start := time.Now()
	code, out, stderr := r.run(t, "mounts", "--alerts", "--raw")
	took := time.Since(start)
	if code != exitCritical {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	lines := strings.Count(out, "overlay full")
	if lines != 199 || !strings.Contains(out, "not listed: 19801 firing") {
		t.Errorf("print handler got %d alert lines; want 199 and a line counting 19801 more\n%s", lines, tailLines(out, 5))
	}
	t.Logf("first run of 20,000 firing rows: %s", took.Round(time.Millisecond))
	if took > 60*time.Second {
		t.Errorf("the first run took %s", took)
	}

	// A second big run (already firing: nothing to tell) and another
	// command at the same time: neither waits on the other for long.
	var wg sync.WaitGroup
	var bigCode int
	var bigOut, bigErr string
	wg.Add(1)
	go func() { defer wg.Done(); bigCode, bigOut, bigErr = r.run(t, "mounts", "--alerts", "--raw") }()
	time.Sleep(200 * time.Millisecond)
	start = time.Now()
	code, out, stderr = r.run(t, "other", "--alerts")
	otherTook := time.Since(start)
	wg.Wait()
	// Both processes work the one outbox: the other command's message is
	// printed by whichever claims it first, exactly once.
	if told := strings.Count(out, "load high") + strings.Count(bigOut, "load high"); code != exitCritical || told != 1 {
		t.Errorf("other command beside a big run: exit %d, told %d times\n%s\n%s", code, told, out, stderr)
	}
	if bigCode != exitCritical || strings.Contains(bigOut, "overlay full") {
		t.Errorf("second big run: exit %d, told again: %v\n%s", bigCode, strings.Contains(bigOut, "overlay full"), bigErr)
	}
	t.Logf("another command beside a second 20,000-row run: %s", otherTook.Round(time.Millisecond))
	if otherTook > 30*time.Second {
		t.Errorf("the other command waited %s", otherTook)
	}
	code, out, _ = r.run(t, "status", "--json")
	var doc struct {
		State struct{ States, Messages int }
	}
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || doc.State.States != 20001 || doc.State.Messages != 0 {
		t.Errorf("status: exit %d, %+v\n%s", code, doc, tailLines(out, 20))
	}
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// hook is a webhook receiver on loopback. While hold is set it takes each
// request and never answers (a stuck endpoint); otherwise it answers 200.
// completed counts messages answered 200.
type hook struct {
	srv       *http.Server
	url       string
	mu        sync.Mutex
	hold      bool
	started   int
	completed []hookMsg
	release   chan struct{}
}

type hookMsg struct {
	Summary       string
	Notifications []json.RawMessage
}

func startHook(t *testing.T) *hook {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &hook{url: "http://" + ln.Addr().String() + "/hook", release: make(chan struct{})}
	h.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		h.mu.Lock()
		h.started++
		hold := h.hold
		h.mu.Unlock()
		if hold {
			select {
			case <-h.release:
			case <-req.Context().Done():
			}
			return
		}
		var m hookMsg
		_ = json.Unmarshal(body, &m)
		h.mu.Lock()
		h.completed = append(h.completed, m)
		h.mu.Unlock()
	})}
	go h.srv.Serve(ln)
	t.Cleanup(func() {
		close(h.release)
		h.srv.Close()
	})
	return h
}

// split counts the messages received: alerts, and notices that a handler
// fails or delivers again (command "delivery", handlers/health.go).
func (h *hook) split() (alerts, health int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range h.completed {
		var n struct{ Command string }
		if len(m.Notifications) > 0 && json.Unmarshal(m.Notifications[0], &n) == nil && n.Command == "delivery" {
			health++
		} else {
			alerts++
		}
	}
	return alerts, health
}

func (h *hook) counts() (started, completed int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.started, len(h.completed)
}

// A run killed (SIGKILL) while delivering a 5,000-row message: the next run
// takes the dead process's lease at once, delivers the message once and
// finishes; the run after it sends nothing.
func TestE2EStateKilledDuringBigDelivery(t *testing.T) {
	h := startHook(t)
	r := newStateRig(t, 5000, "")
	cfg, _ := os.ReadFile(r.config)
	writeFile(t, r.config, strings.Replace(string(cfg), "handlers:\n  console: {type: print}\n",
		fmt.Sprintf("handlers:\n  console: {type: print}\n  hook: {type: webhook, url: %q, timeout: 60s}\n", h.url), 1), 0o644)
	cfg, _ = os.ReadFile(r.config)
	writeFile(t, r.config, strings.Replace(string(cfg), "msg: overlay full\n        handlers: [console]", "msg: overlay full\n        handlers: [hook]", 1), 0o644)
	h.mu.Lock()
	h.hold = true
	h.mu.Unlock()
	c := exec.Command(binary, "-c", r.config, "--state", r.state, "mounts", "--alerts", "--raw")
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the run to start sending", func() bool { s, _ := h.counts(); return s > 0 })
	c.Process.Signal(syscall.SIGKILL)
	c.Wait()
	h.mu.Lock()
	h.hold = false
	h.mu.Unlock()
	start := time.Now()
	code, _, stderr := r.run(t, "mounts", "--alerts", "--raw")
	if code != exitCritical {
		t.Fatalf("next run: exit %d\n%s", code, stderr)
	}
	if _, done := h.counts(); done != 1 {
		t.Fatalf("next run delivered %d messages, want 1\n%s", done, stderr)
	}
	t.Logf("next run delivered the 5,000-row message in %s", time.Since(start).Round(time.Millisecond))
	h.mu.Lock()
	m := h.completed[0]
	h.mu.Unlock()
	if len(m.Notifications) != 200 || !strings.HasPrefix(m.Summary, "5000 firing") {
		t.Errorf("message: %d notifications, summary %q", len(m.Notifications), m.Summary)
	}
	r.run(t, "mounts", "--alerts", "--raw")
	if _, done := h.counts(); done != 1 {
		t.Errorf("%d messages after a third run, want still 1", done)
	}
}

// Every way the state file can be broken: the run still pages (the print
// handler gets the firing alert, marked "state unavailable"), says so on
// stderr naming the file, and exits 4.
func TestE2EStateBrokenStillPages(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, r *stateRig) (state string, cleanup func())
		kind  string
	}{
		{"random bytes", func(t *testing.T, r *stateRig) (string, func()) {
			os.MkdirAll(filepath.Dir(r.state), 0o700)
			junk := make([]byte, 32<<10)
			for i := range junk {
				junk[i] = byte(i*7919 + i/13)
			}
			writeFile(t, r.state, string(junk), 0o600)
			return r.state, nil
		}, "corrupt"},
		{"truncated pages", func(t *testing.T, r *stateRig) (string, func()) {
			// A real state file with many rows, then half of it cut off.
			big := newStateRig(t, 3000, "")
			big.state = r.state
			if code, _, stderr := big.run(t, "mounts", "--alerts", "--raw"); code != exitCritical {
				t.Fatalf("seeding: %d %s", code, stderr)
			}
			if out, err := exec.Command("sqlite3", r.state, "PRAGMA wal_checkpoint(TRUNCATE);").CombinedOutput(); err != nil {
				t.Fatalf("sqlite3: %v %s", err, out)
			}
			fi, _ := os.Stat(r.state)
			os.Truncate(r.state, fi.Size()/2)
			return r.state, nil
		}, "corrupt"},
		{"held by sqlite3 BEGIN EXCLUSIVE", func(t *testing.T, r *stateRig) (string, func()) {
			if code, _, stderr := r.run(t, "other"); code != 0 && code != exitCritical {
				t.Fatalf("seeding: %d %s", code, stderr)
			}
			os.MkdirAll(filepath.Dir(r.state), 0o700)
			c := exec.Command("sqlite3", r.state)
			in, _ := c.StdinPipe()
			out := &syncBuffer{}
			c.Stdout, c.Stderr = out, out
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			io.WriteString(in, "BEGIN EXCLUSIVE;\nINSERT INTO meta VALUES ('held', 'yes');\nSELECT 'locked';\n")
			waitFor(t, "sqlite3 to hold the lock", func() bool { return strings.Contains(out.String(), "locked") })
			return r.state, func() { in.Close(); c.Process.Kill(); c.Wait() }
		}, "locked"},
		{"full tmpfs", func(t *testing.T, r *stateRig) (string, func()) {
			mnt := filepath.Join(r.dir, "mnt")
			os.MkdirAll(mnt, 0o700)
			if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt).CombinedOutput(); err != nil {
				t.Fatalf("mount a tmpfs (the test runs as root): %v %s", err, out)
			}
			state := filepath.Join(mnt, "state.db")
			rr := *r
			rr.state = state
			if code, _, stderr := rr.run(t, "other"); code != 0 && code != exitCritical {
				t.Fatalf("seeding: %d %s", code, stderr)
			}
			// Fill what is left.
			f, _ := os.Create(filepath.Join(mnt, "filler"))
			f.Write(make([]byte, 2<<20))
			f.Close()
			return state, func() { exec.Command("umount", "-l", mnt).Run() }
		}, "full"},
		{"directory is a file", func(t *testing.T, r *stateRig) (string, func()) {
			parent := filepath.Join(r.dir, "afile")
			writeFile(t, parent, "x", 0o600)
			return filepath.Join(parent, "state.db"), nil
		}, "not writable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newStateRig(t, 300, "")
			state, cleanup := c.setup(t, r)
			if cleanup != nil {
				defer cleanup()
			}
			r.state = state
			code, out, stderr := r.run(t, "mounts", "--alerts", "--raw")
			if code != exitStateUnavailable {
				t.Errorf("exit %d, want %d", code, exitStateUnavailable)
			}
			if !strings.Contains(stderr, "STATE UNAVAILABLE") || !strings.Contains(stderr, state) || !strings.Contains(stderr, c.kind) {
				t.Errorf("stderr does not say the state file %s is %s:\n%s", state, c.kind, stderr)
			}
			if n := strings.Count(out, "overlay full"); n != 199 || !strings.Contains(out, "[state unavailable: state file "+c.kind+"]") {
				t.Errorf("print handler got %d alert lines (want 199) marked state unavailable:\n%s", n, tailLines(out, 3))
			}
		})
	}
}

// Two processes in different PID namespaces share one state file and run
// at once: the firing is queued once and sent once, though neither can
// see the other's PID (it takes no lease over by PID).
func TestE2EStatePIDNamespaces(t *testing.T) {
	h := startHook(t)
	r := newStateRig(t, 3, fmt.Sprintf("  hook: {type: webhook, url: %q, timeout: 30s}", h.url))
	cfg, _ := os.ReadFile(r.config)
	writeFile(t, r.config, strings.Replace(string(cfg), "msg: overlay full\n        handlers: [console]", "msg: overlay full\n        handlers: [hook]", 1), 0o644)
	h.mu.Lock()
	h.hold = true // the first sender hangs: the other must not take its lease
	h.mu.Unlock()
	// One under a shell (its serverstats is PID 2 of its namespace), one
	// as PID 1 of another: PID 2 does not exist there.
	a := exec.Command("unshare", "-p", "-f", "sh", "-c", binary+` -c "$1" --state "$2" mounts --alerts --raw; true`, "sh", r.config, r.state)
	var aout strings.Builder
	a.Stdout, a.Stderr = &aout, &aout
	a.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its group: unshare, sh and serverstats
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first sender to start", func() bool { s, _ := h.counts(); return s > 0 })
	b := exec.Command("unshare", "-p", "-f", binary, "-c", r.config, "--state", r.state, "mounts", "--alerts", "--raw")
	bout, _ := b.CombinedOutput()
	if started, _ := h.counts(); started != 1 {
		t.Errorf("the second process sent the leased message too (%d requests)\n%s", started, bout)
	}
	h.mu.Lock()
	h.hold = false
	h.mu.Unlock()
	syscall.Kill(-a.Process.Pid, syscall.SIGKILL) // its lease stays until it expires; the message is still in the outbox
	a.Wait()
	st, _ := os.ReadFile(r.state) // (read so the file is known to exist)
	if len(st) == 0 {
		t.Fatal("no state file")
	}
	code, out, _ := r.run(t, "status", "--json")
	var doc struct{ Outbox []struct{ Handler string } }
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || len(doc.Outbox) != 1 {
		t.Errorf("outbox after both: exit %d\n%s", code, out)
	}
}

// The daemon on a broken state file keeps paging (directly), counts the
// failures in serverstats_state_errors_total, and turns /healthz to 503.
func TestDaemonBrokenState(t *testing.T) {
	dir := t.TempDir()
	cfg := `
daemon: {listen: "@ADDR@"}
handlers:
  console: {type: print}
commands:
  load:
    servers: [localhost]
    cmd: "printf 'name value\nload 7\n'"
    key: name
    schedule: "@every 1s"
    alerts:
      - {column: value, trigger: "> 5", msg: load high, handlers: [console]}
`
	junk := make([]byte, 16<<10)
	for i := range junk {
		junk[i] = byte(i * 31)
	}
	writeFile(t, filepath.Join(dir, "state.db"), string(junk), 0o600)
	d := startDaemon(t, dir, cfg)
	waitFor(t, "/healthz to turn 503", func() bool { code, _ := d.get("/healthz"); return code == 503 })
	_, body := d.get("/healthz")
	if !strings.Contains(body, "state file unavailable") || !strings.Contains(body, d.state) {
		t.Errorf("/healthz says %q", body)
	}
	_, page := d.get("/metrics")
	if n := metricFloat(t, page, `serverstats_state_errors_total{op="open"}`) + metricFloat(t, page, `serverstats_state_errors_total{op="update"}`); n < 3 {
		t.Errorf("state errors counted: %v", n)
	}
	waitFor(t, "a page marked state unavailable", func() bool {
		return strings.Contains(d.logs.String(), "load high [state unavailable")
	})
	// `state reset` while it runs: the daemon picks up the fresh file and is healthy again.
	out, err := exec.Command(binary, "-c", d.config, "--state", d.state, "state", "reset").CombinedOutput()
	if err != nil {
		t.Fatalf("state reset: %v\n%s", err, out)
	}
	waitFor(t, "/healthz to be 200 again", func() bool { code, _ := d.get("/healthz"); return code == 200 })
	d.stop(t, 10*time.Second)
}
