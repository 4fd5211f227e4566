package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"serverstats/collectors/sshdtest"
	"serverstats/collectors/testenv"
)

// The end-to-end tests build the real binary and run it as a user would,
// against real sshd processes on 127.0.0.1.

var binary string // built once by TestMain

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "serverstats-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "serverstats")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build serverstats:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// e2eFleet starts four sshd hosts (the fourth missing from known_hosts) and
// writes testdata/e2e/fleet.yaml filled in for them.
type e2eFleet struct {
	fleet  *sshdtest.Fleet
	config string
	state  string
	names  map[string]string // "127.0.0.1:PORT" -> "HOSTn" for stable golden files
}

func startE2E(t *testing.T) *e2eFleet {
	t.Helper()
	f := sshdtest.Start(t, 4)
	known := f.WriteKnownHosts("known_hosts_e2e", f.Servers[:3]...)
	tmpl, err := os.ReadFile("../../testdata/e2e/fleet.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := filepath.Abs("../../testdata/e2e")
	closed := closedPort(t)
	r := strings.NewReplacer(
		"@USER@", f.User, "@KNOWN_HOSTS@", known, "@KEY@", f.UserKeyPath, "@DIR@", dir,
		"@HOST1@", f.Servers[0].Name, "@HOST2@", f.Servers[1].Name, "@HOST3@", f.Servers[2].Name,
		"@UNKNOWN_KEY@", f.Servers[3].Name, "@CLOSED@", closed,
	)
	cfg := f.WriteFile("serverstats.yaml", r.Replace(string(tmpl)))
	names := map[string]string{closed: "CLOSED"}
	for i, s := range f.Servers {
		names[s.Name] = fmt.Sprintf("HOST%d", i+1)
	}
	return &e2eFleet{fleet: f, config: cfg, names: names, state: filepath.Join(f.Dir, "state.db")}
}

// closedPort returns 127.0.0.1:PORT where nothing listens.
func closedPort(t *testing.T) string { return freeAddr(t) }

// run runs the binary with args and returns its exit code and outputs, with
// host names replaced by HOSTn (same width: "127.0.0.1:PORT" is 15 chars).
func (e *e2eFleet) run(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if !slices.Contains(args, "--state") {
		args = append(args, "--state", e.state)
	}
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=", "SERVERSTATS_CONFIG="+e.config)
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return code, e.normalize(out.String()), e.normalize(errb.String())
}

func (e *e2eFleet) normalize(s string) string {
	for name, label := range e.names {
		// A host's block header is its name alone on a line; elsewhere
		// keep the width so tables stay aligned.
		s = strings.ReplaceAll(s, strings.ToUpper(name)+"\n", label+"\n")
		s = strings.ReplaceAll(s, name, fmt.Sprintf("%-15s", label)[:len(name)])
	}
	return s
}

func TestE2EDisk(t *testing.T) {
	e := startE2E(t)

	code, out, errOut := e.run(t, nil, "disk")
	if code != 0 {
		t.Errorf("disk: exit %d, stderr:\n%s", code, errOut)
	}
	golden(t, "e2e-disk.txt", out)

	code, out, errOut = e.run(t, nil, "disk", "--alerts")
	if code != 2 {
		t.Errorf("disk --alerts: exit %d, want 2 (critical fired); stderr:\n%s", code, errOut)
	}
	golden(t, "e2e-disk-alerts.txt", out)

	// The same run again (as cron would): the disks are still full, the
	// exit code says so, but nothing is told twice.
	code, out2, _ := e.run(t, nil, "disk", "--alerts")
	if code != 2 || strings.Contains(out2, "Disk space over 90% full") {
		t.Errorf("second run: exit %d; told again:\n%s", code, out2)
	}

	// A fresh state file: the run above already told these alerts.
	code, out, _ = e.run(t, nil, "--json", "disk", "-a", "--state", filepath.Join(t.TempDir(), "fresh.db"))
	if code != 2 {
		t.Errorf("disk --json -a: exit %d", code)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, out)
	}
	out = regexp.MustCompile(`"duration_ms": \d+`).ReplaceAllString(out, `"duration_ms": 0`)
	out = regexp.MustCompile(`"time": "[^"]+"`).ReplaceAllString(out, `"time": "TIME"`)
	golden(t, "e2e-disk.json", out)
}

func TestE2EUsageAndCheckConfig(t *testing.T) {
	e := startE2E(t)
	code, out, _ := e.run(t, nil)
	if code != 2 {
		t.Errorf("no command: exit %d, want 2", code)
	}
	golden(t, "e2e-usage.txt", strings.ReplaceAll(out, e.config, "CONFIG"))

	code, out, errOut := e.run(t, nil, "check-config")
	if code != 0 || !strings.Contains(out, "config OK") {
		t.Errorf("check-config: exit %d, %q %q", code, out, errOut)
	}
}

// Output is in config order whatever the completion order: host1 answers
// last, host3 first.
func TestE2EConfigOrder(t *testing.T) {
	e := startE2E(t)
	code, out, errOut := e.run(t, nil, "whoami")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var order []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "HOST") {
			order = append(order, l)
		}
	}
	if got := strings.Join(order, ","); got != "HOST1,HOST2,HOST3" {
		t.Errorf("blocks in order %s, want HOST1,HOST2,HOST3 (config order)\n%s", got, out)
	}
	for i, want := range []string{"host1", "host2", "host3"} {
		if !strings.Contains(strings.Split(out, "HOST")[i+1], "| "+want) {
			t.Errorf("block %d does not show %s:\n%s", i+1, want, out)
		}
	}
}

// A closed port and an unknown host key make those hosts UNKNOWN (exit 3);
// the good host still answers, and on-command-failure hears of both.
func TestE2EBrokenHosts(t *testing.T) {
	e := startE2E(t)
	start := time.Now()
	code, out, _ := e.run(t, nil, "broken", "--alerts")
	if code != 3 {
		t.Errorf("exit %d, want 3 (UNKNOWN)", code)
	}
	if bound := testenv.NoHang(3 * time.Second); time.Since(start) > bound {
		t.Errorf("took %v; the connect timeout is 3s, want within %v", time.Since(start), bound)
	}
	for _, want := range []string{
		"HOST1\n+-------+\n| value |\n+-------+\n| ok    |",
		"CLOSED\nUNKNOWN: ",
		"HOST4\nUNKNOWN: ",
		"SHA256:",                           // the refused key's fingerprint
		"ssh-keyscan",                       // and the fix
		"CLOSED         : UNKNOWN broken: ", // on-command-failure
		"HOST4          : UNKNOWN broken: ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// A command that never returns (sleep 600) is killed at its timeout (2s),
// and the whole run ends soon after: within testenv.NoHang(2s), which also
// covers starting the binary and connecting.
func TestE2ETimeout(t *testing.T) {
	e := startE2E(t)
	start := time.Now()
	code, out, _ := e.run(t, nil, "hang", "-a")
	elapsed := time.Since(start)
	if code != 3 {
		t.Errorf("exit %d, want 3", code)
	}
	if bound := testenv.NoHang(2 * time.Second); elapsed > bound {
		t.Errorf("run took %v, want within %v (timeout 2s)", elapsed, bound)
	}
	if strings.Count(out, "\nTIMED OUT after 2s\n") != 2 {
		t.Errorf("want 2 TIMED OUT hosts:\n%s", out)
	}
	// The remote sleeps are gone.
	deadline := time.Now().Add(testenv.NoHang(0))
	for _, s := range e.fleet.Servers[:2] {
		for len(s.Pids("sleep 600")) > 0 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if p := s.Pids("sleep 600"); len(p) > 0 {
			t.Errorf("%s: sleep 600 still running: %v", s.Label, p)
		}
	}
}
