package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"serverstats/collectors/sshdtest"
)

// explainRig is one real sshd host whose df output the test writes, a
// host on a closed port, and a heartbeat server on 127.0.0.1 that records
// the pings it gets (the Healthchecks ping API's shape: POST <url>,
// <url>/start, <url>/<exit status>, ?rid=).
type explainRig struct {
	fleet  *sshdtest.Fleet
	host   string
	dfFile string
	config string
	state  string
	token  string

	mu    sync.Mutex
	pings []string
}

func newExplainRig(t *testing.T) *explainRig {
	t.Helper()
	f := sshdtest.Start(t, 1)
	r := &explainRig{fleet: f, host: f.Servers[0].Name, dfFile: filepath.Join(f.Dir, "df.out"), state: filepath.Join(f.Dir, "state.db"), token: "hb-token-5e1f"}
	if err := os.WriteFile(r.dfFile, []byte(dfFull), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		io.Copy(io.Discard, req.Body)
		r.mu.Lock()
		r.pings = append(r.pings, req.Method+" "+req.URL.Path+"?rid="+req.URL.Query().Get("rid"))
		r.mu.Unlock()
		io.WriteString(w, "OK")
	}))
	t.Cleanup(srv.Close)
	r.config = f.WriteFile("explain.yaml", fmt.Sprintf(`
ssh:
  user: %q
  known-hosts: %q
  identity-files: [%q]
  agent: false
  ssh-config: none
  connect-timeout: 5s
handlers:
  console: {type: print}
on-command-failure: {handlers: [console]}
heartbeat: {url-env: HB_URL, timeout: 5s}
commands:
  disk:
    servers: [%q]
    cmd: cat %s
    key: Mounted on
    alerts:
      - {name: full, column: Use%%, value-type: percent, trigger: "> 90", handlers: [console]}
      - {name: half, column: Use%%, value-type: percent, trigger: "> 50", for: 3, handlers: [console]}
  gone:
    servers: [%q]
    cmd: uptime
`, f.User, f.KnownHostsPath, f.UserKeyPath, r.host, r.dfFile, freeAddr(t)))
	r.token = srv.URL + "/ping/" + r.token
	return r
}

// run runs the real binary; the heartbeat URL comes from the environment.
func (r *explainRig) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	c := exec.Command(binary, append([]string{"-c", r.config, "--state", r.state}, args...)...)
	c.Env = append(os.Environ(), "HB_URL="+r.token, "NO_COLOR=1")
	var out, errb strings.Builder
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	for _, s := range []string{out.String(), errb.String()} {
		if strings.Contains(s, "hb-token-5e1f") {
			t.Errorf("%v: the heartbeat URL's token leaked:\n%s", args, s)
		}
	}
	return code, out.String(), errb.String()
}

func (r *explainRig) takePings() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.pings
	r.pings = nil
	return p
}

// `serverstats explain` on the real binary and state file: a debouncing
// alert (for: 3) waits, an acknowledged one says who acked and why, a
// muted one names its mute.
func TestE2EExplain(t *testing.T) {
	r := newExplainRig(t)
	if code, _, errOut := r.run(t, "disk", "--alerts"); code != 2 {
		t.Fatalf("disk --alerts: exit %d, want 2; stderr:\n%s", code, errOut)
	}
	code, out, errOut := r.run(t, "explain", "--host", r.host, "--command", "disk", "--rule", "half")
	if code != 0 || !strings.Contains(out, "disk/half@"+r.host+"[/]: WAITING FOR FOR") || !strings.Contains(out, "held on 1 of 3 consecutive runs") {
		t.Errorf("debouncing: exit %d\n%s%s", code, out, errOut)
	}

	if code, out, errOut := r.run(t, "ack", "--host", r.host, "--command", "disk", "--rule", "full", "--reason", "swapping the disk"); code != 0 {
		t.Fatalf("ack: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = r.run(t, "explain", "--host", r.host, "--command", "disk", "--rule", "full")
	if code != 0 || !strings.Contains(out, "disk/full@"+r.host+"[/]: ACKED") || !strings.Contains(out, `("swapping the disk"), until it resolves`) ||
		!strings.Contains(out, "Told: the last notification was delivered") || !strings.Contains(out, "Handlers: console (print: stdout)") {
		t.Errorf("acked: exit %d\n%s%s", code, out, errOut)
	}

	if code, out, errOut := r.run(t, "mute", "--host", r.host, "--command", "disk", "--rule", "half", "--for", "2h", "--reason", "known noisy"); code != 0 {
		t.Fatalf("mute: exit %d\n%s%s", code, out, errOut)
	}
	for range 2 { // the second and third runs: half fires, held by the mute
		r.run(t, "disk", "--alerts")
	}
	code, out, errOut = r.run(t, "explain", "--host", r.host, "--command", "disk", "--rule", "half", "--json")
	var doc struct {
		Reasons []struct {
			Verdict  string
			Notified bool
			Why      []string
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 || len(doc.Reasons) != 1 {
		t.Fatalf("explain --json: exit %d, %v\n%s%s", code, err, out, errOut)
	}
	why := strings.Join(doc.Reasons[0].Why, "\n")
	if doc.Reasons[0].Verdict != "muted" || doc.Reasons[0].Notified || !strings.Contains(why, `Muted by mute 1 ("known noisy") until`) {
		t.Errorf("muted: %+v", doc.Reasons[0])
	}

	// A mistyped rule is refused, naming the rules there are.
	if code, _, errOut := r.run(t, "explain", "--host", r.host, "--command", "disk", "--rule", "ful"); code != exitUsage || !strings.Contains(errOut, `its rules: "full", "half"`) {
		t.Errorf("unknown rule: exit %d\n%s", code, errOut)
	}
}

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
