package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"serverstats/collectors/testenv"
	"serverstats/config"
)

var update = flag.Bool("update", false, "rewrite golden files")

// runApp runs the CLI in-process and returns exit code, stdout and stderr.
func runApp(t *testing.T, stdin string, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{
		stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return env[k] },
		isTTY:  func(io.Writer) bool { return false },
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if !slices.Contains(args, "--state") {
		args = append(args, "--state", filepath.Join(t.TempDir(), "state.db"))
	}
	code := a.run(ctx, args)
	return code, out.String(), errb.String()
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("..", "..", "testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test ./cmd/serverstats -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// writeConfig writes a config file in a temp dir and returns its path.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "serverstats.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const localConfig = `
handlers:
  console: {type: print}
on-command-failure: {handlers: [console]}
commands:
  disk:
    doc: Disk usage
    servers: [localhost]
    cmd: printf 'Filesystem  Size Use%% Mounted on\n/dev/sda1    20G  95%% /\n/dev/sdb1   100G  10%% /data\n'
    key: Mounted on
    alerts:
      - {column: Use%, value-type: percent, trigger: "> 90", msg: "Disk {{.Key}} is full", handlers: [console]}
      - {column: Use%, value-type: percent, trigger: "> 5", severity: warning, handlers: [console]}
  warn-only:
    servers: [localhost]
    cmd: echo 7
    alerts: [{value-type: number, trigger: "> 5", severity: warning}]
  quiet:
    doc: Nothing fires
    servers: [localhost]
    cmd: echo true
    alerts: [{value-type: bool, trigger: "== false"}]
  slow:
    servers: [localhost]
    cmd: sleep 600
    timeout: 500ms
  failing:
    servers: [localhost]
    cmd: echo oops >&2; exit 4
  silent:
    servers: [localhost]
    cmd: "true"
    alerts: [{value-type: number, trigger: "> 5"}]
  grep-none:
    servers: [localhost]
    cmd: echo 0; exit 1
    ok-exit-codes: [0, 1]
    header: none
`

func TestUsage(t *testing.T) {
	cfg := writeConfig(t, localConfig)
	code, out, _ := runApp(t, "", nil, "-c", cfg)
	if code != 2 {
		t.Errorf("no command: exit %d, want 2", code)
	}
	out = strings.ReplaceAll(out, cfg, "CONFIG")
	golden(t, "usage.txt", out)

	code, out2, _ := runApp(t, "", nil, "-h", "-c", cfg)
	if code != 0 || strings.ReplaceAll(out2, cfg, "CONFIG") != out {
		t.Errorf("-h: exit %d; page differs from the no-command page", code)
	}
	code, _, errOut := runApp(t, "", nil, "--bogus", "-c", cfg)
	if code != 2 || !strings.HasPrefix(errOut, "serverstats: unknown switch --bogus\n") || !strings.Contains(errOut, "Usage:") {
		t.Errorf("--bogus: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = runApp(t, "", nil, "-c", cfg, "nosuch")
	if code != 2 || !strings.Contains(errOut, `unknown command "nosuch"`) || !strings.Contains(errOut, "| warn-only") {
		t.Errorf("unknown command: exit %d, stderr %q", code, errOut)
	}
}

func TestOneShotLocal(t *testing.T) {
	cfg := writeConfig(t, localConfig)
	cases := []struct {
		args     []string
		code     int
		contains []string
		absent   []string
	}{
		{[]string{"disk"}, 0, []string{"LOCALHOST\n", "| /dev/sda1  | 20G  | 95%  | /          |"}, []string{"Disk / is full"}},
		{[]string{"disk", "--alerts"}, 2, []string{"localhost /: Use% 95% > 90 — Disk / is full\n", "localhost /data: Use% 10% > 5\n"}, nil},
		{[]string{"--alerts", "disk", "--no-alerts"}, 0, nil, []string{"is full"}},
		{[]string{"-a", "warn-only"}, 1, []string{"localhost: value 7 > 5\n"}, nil},
		{[]string{"quiet", "-a"}, 0, []string{"| true  |"}, nil},
		{[]string{"slow", "-a"}, 3, []string{"TIMED OUT", "localhost: UNKNOWN slow: "}, nil},
		{[]string{"failing", "-a"}, 3, []string{"ERROR: exit status 4\noops\n", "localhost: UNKNOWN failing: command failed (exit status 4): oops\n"}, nil},
		{[]string{"grep-none", "-a"}, 0, []string{"| 0     |"}, nil},
		{[]string{"silent", "-a"}, 3, []string{"UNKNOWN: the command printed nothing"}, nil},
		{[]string{"disk", "--raw"}, 0, []string{"/dev/sda1    20G  95% /\n"}, []string{"+--"}},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			start := time.Now()
			code, out, errOut := runApp(t, "", nil, append([]string{"-c", cfg}, c.args...)...)
			if code != c.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, c.code, out, errOut)
			}
			for _, s := range c.contains {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			for _, s := range c.absent {
				if strings.Contains(out, s) {
					t.Errorf("stdout has %q:\n%s", s, out)
				}
			}
			// The slowest case is the 500ms timeout of a sleep 600.
			if d, bound := time.Since(start), testenv.NoHang(500*time.Millisecond); d > bound {
				t.Errorf("took %v, want within %v", d, bound)
			}
		})
	}
}

func TestOneShotJSON(t *testing.T) {
	cfg := writeConfig(t, localConfig)
	code, out, errOut := runApp(t, "", nil, "-c", cfg, "disk", "--json", "--alerts")
	if code != 2 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	var rep struct {
		Status string `json:"status"`
		Hosts  []struct {
			Name   string   `json:"name"`
			Status string   `json:"status"`
			Header []string `json:"header"`
			Rows   []map[string]struct {
				Raw   string
				Value any
			} `json:"rows"`
		} `json:"hosts"`
		Queued []struct {
			Handler       string
			Notifications []struct{ Host, Key, Value, Message string }
		} `json:"queued"`
		Delivery struct{ Sent, Retrying int } `json:"delivery"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("stdout is not one JSON document (%v):\n%s", err, out)
	}
	if rep.Status != "CRITICAL" || len(rep.Hosts) != 1 || rep.Hosts[0].Status != "ok" {
		t.Errorf("report = %+v", rep)
	}
	if got := rep.Hosts[0].Rows[0]["Use%"]; got.Raw != "95%" || got.Value != 95.0 {
		t.Errorf("Use%% cell = %+v, want raw 95%% value 95", got)
	}
	// One message for the one handler, with the run's three notifications.
	if len(rep.Queued) != 1 || rep.Queued[0].Handler != "console" || len(rep.Queued[0].Notifications) != 3 || rep.Queued[0].Notifications[0].Message != "Disk / is full" {
		t.Errorf("queued = %+v", rep.Queued)
	}
	if rep.Delivery.Sent != 1 || rep.Delivery.Retrying != 0 {
		t.Errorf("delivery = %+v", rep.Delivery)
	}
	// The print handler's lines went to stderr, not into the JSON.
	if !strings.Contains(errOut, "localhost /: Use% 95% > 90 — Disk / is full") {
		t.Errorf("stderr = %q", errOut)
	}
}

func TestCheckConfig(t *testing.T) {
	code, out, _ := runApp(t, "", nil, "check-config", "-c", writeConfig(t, localConfig))
	if code != 0 || !strings.HasPrefix(out, "config OK: ") {
		t.Errorf("good config: exit %d, %q", code, out)
	}
	code, _, errOut := runApp(t, "", nil, "check-config", "-c", "../../testdata/config/bad-trigger.yaml")
	if code != 1 || !strings.Contains(errOut, "bad-trigger.yaml:8: commands.disk.alerts[0].trigger") {
		t.Errorf("bad config: exit %d, %q", code, errOut)
	}
	// The environment variable is the second place looked.
	code, _, _ = runApp(t, "", map[string]string{"SERVERSTATS_CONFIG": writeConfig(t, localConfig)}, "check-config")
	if code != 0 {
		t.Errorf("SERVERSTATS_CONFIG: exit %d", code)
	}
}

func TestParseCommand(t *testing.T) {
	in := "Filesystem      Size  Used Avail Use% Mounted on\n/dev/sda1        20G   19G  1.0G  95% /var/lib/my disk\n"
	code, out, errOut := runApp(t, in, nil, "parse", "--json", "--column", "Use%", "--type", "percent")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Header []string                    `json:"header"`
		Rows   []map[string]map[string]any `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(doc.Header) != 1 || doc.Header[0] != "Use%" || doc.Rows[0]["Use%"]["raw"] != "95%" || doc.Rows[0]["Use%"]["value"] != 95.0 {
		t.Errorf("parse --json = %s", out)
	}
	code, _, errOut = runApp(t, in, nil, "parse", "--type", "percentage")
	if code != 2 || !strings.Contains(errOut, "--type") {
		t.Errorf("bad --type: exit %d, %q", code, errOut)
	}
	code, _, errOut = runApp(t, in, nil, "parse", "--column", "Nope")
	if code != 2 || !strings.Contains(errOut, `no column "Nope"`) {
		t.Errorf("bad --column: exit %d, %q", code, errOut)
	}
}

func TestParseArgs(t *testing.T) {
	o, err := parseArgs([]string{"--alerts", "disk", "-c=x.yaml", "--json"})
	if err != nil || o.command != "disk" || !o.alerts || o.config != "x.yaml" || !o.json {
		t.Errorf("parseArgs = %+v, %v", o, err)
	}
	for _, bad := range [][]string{{"-c"}, {"--json=yes"}, {"-x"}, {"--header-line", "two"}} {
		if _, err := parseArgs(bad); err == nil {
			t.Errorf("parseArgs(%q) succeeded", bad)
		}
	}
}

// syncBuffer is a bytes.Buffer safe to read while another goroutine writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls (bounded: 10s) until cond holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitForUpTo(t, 10*time.Second, what, cond)
}

func waitForUpTo(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", limit, what)
		}
	}
}

// A handler template that names a field messages do not have is refused
// when the config loads, with file:line and the key.
func TestHandlerTemplateCheckedAtLoad(t *testing.T) {
	cfg := writeConfig(t, `handlers:
  mail: {type: webhook, url: "http://127.0.0.1:9/hook"}
  email: {type: email, smtp: "127.0.0.1:25", from: a@example.com, to: [b@example.com], subject: "{{.Sumary}}"}
commands:
  disk: {servers: [localhost], cmd: "true"}
`)
	code, _, errOut := runApp(t, "", nil, "check-config", "-c", cfg)
	if code != 1 || !strings.Contains(errOut, "serverstats.yaml:3: handlers.email.subject: template fails on a sample message") || !strings.Contains(errOut, "Sumary") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// check-config accepts a config whose secrets are not in this environment
// (they are read when used), but says which ones, without their values.
func TestCheckConfigWarnsOfMissingSecrets(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfg, []byte(`handlers:
  mail: {type: email, smtp: "127.0.0.1:25", tls: none, from: a@b.c, to: [x@y.z], username: u, password-env: MAIL_PW}
heartbeat: {url-env: HB_URL}
commands:
  api:
    url: http://127.0.0.1:1/h
    header-env: {Authorization: API_AUTH}
`), 0o644)
	code, out, errs := runApp(t, "", map[string]string{}, "-c", cfg, "check-config")
	if code != 0 || !strings.HasPrefix(out, "config OK") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	for _, want := range []string{
		"warning: commands.api.header-env.Authorization: environment variable API_AUTH is not set here",
		`warning: handler "mail": smtp password: environment variable MAIL_PW is not set`,
		"warning: heartbeat: environment variable HB_URL is not set; no heartbeat is sent",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	code, _, errs = runApp(t, "", map[string]string{"MAIL_PW": "pw-value-1", "API_AUTH": "Bearer tok-value-2", "HB_URL": "https://hc-ping.com/x"}, "-c", cfg, "check-config")
	if code != 0 || errs != "" {
		t.Errorf("with the secrets set: exit %d, stderr %q", code, errs)
	}
}

// Every built-in subcommand is a reserved name in the config, so that no
// command of the config is shadowed by one.
func TestBuiltinsAreReserved(t *testing.T) {
	for _, b := range builtins {
		if !slices.Contains(config.Reserved, b.name) {
			t.Errorf("built-in %q is not in config.Reserved", b.name)
		}
	}
}
