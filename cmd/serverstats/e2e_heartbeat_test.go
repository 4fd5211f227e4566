package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// The heartbeat: a cron run with --alerts pings /start then success (a
// firing rule is the monitor working), with one run id; a run whose host
// is UNKNOWN (a closed port) pings /3. status shows each command's last
// run and last OK run.
func TestE2EHeartbeat(t *testing.T) {
	r := newExplainRig(t)
	r.run(t, "disk") // without --alerts: an interactive look, no ping
	if p := r.takePings(); len(p) != 0 {
		t.Errorf("pings without --alerts: %q", p)
	}
	if code, _, errOut := r.run(t, "disk", "--alerts"); code != 2 {
		t.Fatalf("disk --alerts: exit %d\n%s", code, errOut)
	}
	p := r.takePings()
	if len(p) != 2 || !strings.HasPrefix(p[0], "POST /ping/hb-token-5e1f/start?rid=") || !strings.HasPrefix(p[1], "POST /ping/hb-token-5e1f?rid=") ||
		strings.TrimPrefix(p[0], "POST /ping/hb-token-5e1f/start") != strings.TrimPrefix(p[1], "POST /ping/hb-token-5e1f") || strings.HasSuffix(p[0], "rid=") {
		t.Errorf("disk pings: %q; want /start and success with one run id", p)
	}
	if code, _, errOut := r.run(t, "gone", "--alerts"); code != 3 {
		t.Fatalf("gone --alerts: exit %d, want 3\n%s", code, errOut)
	}
	p = r.takePings()
	if len(p) != 2 || !strings.Contains(p[0], "/start?rid=") || !strings.HasPrefix(p[1], "POST /ping/hb-token-5e1f/3?rid=") {
		t.Errorf("gone pings: %q; want /start and /3", p)
	}

	code, out, errOut := r.run(t, "status", "--json")
	var doc struct {
		Runs []struct {
			Command string
			Health  int
			Why     string
			LastOK  string `json:"last_ok"`
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 {
		t.Fatalf("status --json: exit %d, %v\n%s%s", code, err, out, errOut)
	}
	if len(doc.Runs) != 2 || doc.Runs[0].Command != "disk" || doc.Runs[0].Health != 0 || doc.Runs[0].LastOK == "" ||
		doc.Runs[1].Command != "gone" || doc.Runs[1].Health != 3 || doc.Runs[1].LastOK != "" || !strings.Contains(doc.Runs[1].Why, "UNKNOWN") {
		t.Errorf("status runs: %+v", doc.Runs)
	}
	_, out, _ = r.run(t, "status")
	if !strings.Contains(out, "Last runs (OK: every host and rule checked)") || !strings.Contains(out, "NOT OK (3)") {
		t.Errorf("status text:\n%s", out)
	}
}

// The daemon pings after its scheduled runs, at most once per every
// unless its outcome changes: the worst of its commands' last runs, here
// 3 while a command's host is a closed port. /api/status shows the last
// OK run of each command.
func TestDaemonHeartbeat(t *testing.T) {
	var mu sync.Mutex
	var pings []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		io.Copy(io.Discard, req.Body)
		mu.Lock()
		pings = append(pings, req.URL.Path)
		mu.Unlock()
	}))
	defer srv.Close()
	dir := t.TempDir()
	d := startDaemon(t, dir, fmt.Sprintf(`daemon: {listen: "@ADDR@"}
heartbeat: {url: %q, every: 1h, timeout: 5s}
ssh: {connect-timeout: 2s}
commands:
  up:
    local: true
    cmd: echo 1
    header: none
    schedule: "@every 1s"
  gone:
    servers: [%q]
    cmd: uptime
    schedule: "@every 1s"
`, srv.URL+"/ping/hb-daemon", freeAddr(t)))
	waitFor(t, "4 runs of each command", func() bool {
		st := d.status(t)
		return st.runs("up") >= 4 && st.runs("gone") >= 4
	})
	mu.Lock()
	got := append([]string{}, pings...)
	mu.Unlock()
	// The first run pings /start and its outcome; once gone has run, /3;
	// then nothing more within the hour, however the runs interleave.
	if len(got) < 2 || len(got) > 3 || got[0] != "/ping/hb-daemon/start" || got[len(got)-1] != "/ping/hb-daemon/3" {
		t.Errorf("pings %q; want /start, maybe success, then /3, and no more", got)
	}
	_, body := d.get("/api/status")
	var doc struct {
		Commands []struct {
			Name   string
			LastOK *string `json:"last_ok"`
		}
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range doc.Commands {
		if (c.Name == "up") != (c.LastOK != nil) {
			t.Errorf("/api/status: %s last_ok %v", c.Name, c.LastOK)
		}
	}
	if strings.Contains(d.logs.String(), "hb-daemon") {
		t.Errorf("the ping URL is in the daemon's log:\n%s", d.logs.String())
	}
	d.stop(t, 10*time.Second)
}
