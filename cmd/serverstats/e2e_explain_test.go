package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
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
	r.config = f.WriteFile("explain.yaml", fleetSSH(f)+fmt.Sprintf(`
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
`, r.host, r.dfFile, freeAddr(t)))
	r.token = srv.URL + "/ping/" + r.token
	return r
}

// run runs the real binary; the heartbeat URL comes from the environment.
func (r *explainRig) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	code, out, errOut := runBinary(t, []string{"HB_URL=" + r.token, "NO_COLOR=1"}, append([]string{"-c", r.config, "--state", r.state}, args...)...)
	for _, s := range []string{out, errOut} {
		if strings.Contains(s, "hb-token-5e1f") {
			t.Errorf("%v: the heartbeat URL's token leaked:\n%s", args, s)
		}
	}
	return code, out, errOut
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
