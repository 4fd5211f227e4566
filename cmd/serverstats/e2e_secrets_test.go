package main

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The secrets of TestE2ESecretsNeverShown, each recognisable. The Twilio
// ones are those the fake API of the fault suite expects.
var e2eSecrets = map[string]string{
	"SMTP_PASSWORD":      "smtp-E2E-Secret-0a1",
	"HOOK_TOKEN":         "Bearer hook-E2E-Secret-0b2",
	"APP_AUTH":           "Bearer probe-E2E-Secret-0d4",
	"SSH_AUTH_SOCK":      "/tmp/agent-E2E-Secret-0e5/agent.1",
	"TWILIO_ACCOUNT_SID": faultTwilioSID,
}

const (
	e2eHookSig   = "sig-E2E-Secret-0c3"    // in a file: the webhook's X-Hook-Sig
	e2eProbeKey  = "key-E2E-Secret-0f6"    // in a file: the probes' X-Api-Key
	e2eReloadVal = "pasted-E2E-Secret-0g7" // pasted into a config the daemon refuses
)

// headerEcho answers 500 with the request's headers in the body (a service
// that echoes credentials); /redirect sends the client to another host.
func headerEcho(t *testing.T, other string) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, other+"/landed", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
		r.Header.Write(w)
	}))
	t.Cleanup(s.Close)
	return s
}

// TestE2ESecretsNeverShown configures every kind of secret (in the
// environment and in files: SMTP password, Twilio SID and token, webhook
// headers, probe headers; SSH_AUTH_SOCK), runs one-shots through faults (an
// unreachable SSH host, the SMTP server down, Twilio answering 500, a
// webhook and a probe echoing their headers, a probe redirected to another
// host, an exec handler printing a secret on stderr, a local command
// printing its environment) and the daemon (with a refused reload of a
// config holding a pasted secret), then scans everything a user or a
// scraper sees: each run's stdout and stderr, --json, status --json,
// /api/status, /metrics, the daemon's log, the raw state file and its WAL,
// what the redirect target and the children received.
func TestE2ESecretsNeverShown(t *testing.T) {
	dir := t.TempDir()
	sigFile, keyFile, tokenFile := filepath.Join(dir, "hook-sig"), filepath.Join(dir, "probe-key"), filepath.Join(dir, "twilio-token")
	for f, v := range map[string]string{sigFile: e2eHookSig + "\n", keyFile: e2eProbeKey + "\n", tokenFile: faultTwilioToken + "\n"} {
		if err := os.WriteFile(f, []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	secrets := []string{e2eHookSig, e2eProbeKey, faultTwilioToken, e2eReloadVal, "hook-E2E-Secret-0b2", "probe-E2E-Secret-0d4", "agent-E2E-Secret-0e5"}
	env := os.Environ()
	for k, v := range e2eSecrets {
		secrets = append(secrets, v)
		env = append(env, k+"="+v)
	}

	var mu sync.Mutex
	var landed []string // the headers the redirect target got
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		r.Header.Write(&b)
		mu.Lock()
		landed = append(landed, b.String())
		mu.Unlock()
		fmt.Fprint(w, "landed")
	}))
	defer other.Close()
	echo := headerEcho(t, other.URL)
	sms := startFakeSMSAPI(t, http.StatusInternalServerError)
	childEnv := filepath.Join(dir, "child-env")
	smtpAddr := closedPort(t) // the SMTP server is down

	cfg := fmt.Sprintf(`daemon: {listen: "@ADDR@"}
ssh: {known-hosts: %[1]q, connect-timeout: 2s, ssh-config: none}
delivery: {retry-initial: 1s, retry-max: 2s}
handlers:
  mail:
    type: email
    smtp: %[2]q
    username: alerts@example.com
    password-env: SMTP_PASSWORD
    from: serverstats@example.com
    to: [oncall@example.com]
    timeout: 2s
  sms:
    type: sms
    account-sid-env: TWILIO_ACCOUNT_SID
    auth-token-file: %[3]q
    from: "+15550001111"
    to: ["+15552223333"]
    api-url: %[4]q
    send-resolved: true
    timeout: 2s
  hook:
    type: webhook
    url: %[5]s/hook
    header-env: {Authorization: HOOK_TOKEN}
    header-file: {X-Hook-Sig: %[6]q}
    timeout: 2s
  pager:
    type: exec
    command: [/bin/sh, -c, 'env > "$1"; echo "token $(cat "$2") refused" >&2; exit 1', sh, %[7]q, %[6]q]
    timeout: 5s
commands:
  unreachable:
    servers: ["127.0.0.1:%[8]s"]
    cmd: uptime
    header: none
    schedule: "@every 1s"
  envdump:
    servers: [localhost]
    cmd: env
    header: none
    schedule: "@every 1s"
    alerts: [{trigger: "=~ .", handlers: [mail, sms, hook, pager]}]
  probe:
    url: %[5]s/private
    header-env: {Authorization: APP_AUTH}
    header-file: {X-Api-Key: %[9]q}
    schedule: "@every 1s"
    alerts: [{column: status, trigger: "!= 200", handlers: [mail, sms, hook, pager]}]
  redirected:
    url: %[5]s/redirect
    follow-redirects: true
    header-env: {Authorization: APP_AUTH}
    header-file: {X-Api-Key: %[9]q}
    schedule: "@every 1s"
`, filepath.Join(dir, "known_hosts"), smtpAddr, tokenFile, sms.url, echo.URL, sigFile, childEnv, strings.Split(closedPort(t), ":")[1], keyFile)
	os.WriteFile(filepath.Join(dir, "known_hosts"), nil, 0o600)

	var seen []string // label, then text, pairs scanned at the end
	look := func(label, text string) { seen = append(seen, label, text) }
	d := startDaemon(t, dir, cfg, env[len(env)-len(e2eSecrets):]...) // writes the config; stopped below
	d.cmd.Process.Signal(syscall.SIGTERM)
	<-d.done
	oneShot := func(args ...string) {
		c := exec.Command(binary, append([]string{"-c", d.config, "--state", d.state}, args...)...)
		c.Env = env
		var stdout, stderr strings.Builder
		c.Stdout, c.Stderr = &stdout, &stderr
		_ = c.Run() // faults: non-zero exits are expected
		look(strings.Join(args, " ")+" stdout", stdout.String())
		look(strings.Join(args, " ")+" stderr", stderr.String())
	}
	for _, name := range []string{"unreachable", "envdump", "probe", "redirected"} {
		oneShot(name, "--alerts", "--json")
		oneShot(name, "--alerts")
		oneShot(name, "--raw")
	}
	time.Sleep(1200 * time.Millisecond) // the retries are due
	oneShot("envdump", "--alerts", "--json")
	oneShot("status", "--json")
	oneShot("status")
	oneShot("history", "--json") // the delivery trail: errors and receipts of every attempt
	oneShot("history")
	oneShot("check-config", "--probe") // logs in to SMTP (down) and Twilio (no Account resource)
	if h := strings.Join(seen, "\n"); !strings.Contains(h, `"handler": "sms"`) || !strings.Contains(h, "probe sms (sms): FAIL") {
		t.Errorf("history --json shows no sms attempt, or check-config --probe no sms line")
	}
	for _, h := range []string{"mail", "sms", "hook", "pager"} {
		oneShot("test-alert", h)
	}
	if !strings.Contains(strings.Join(seen, "\n"), "token [REDACTED] refused") {
		t.Errorf("the exec handler's stderr is not shown redacted anywhere")
	}

	// The daemon: a few scheduled runs, then a reload refused.
	d = startDaemon(t, dir, cfg, env[len(env)-len(e2eSecrets):]...)
	waitFor(t, "the daemon's runs", func() bool { return d.status(t).runs("envdump") >= 2 && d.status(t).runs("probe") >= 2 })
	_, body := d.get("/api/status")
	look("/api/status", body)
	_, body = d.get("/metrics")
	look("/metrics", body)
	// A secret pasted where the SMTP server goes: no port, refused.
	d.write(t, strings.Replace(cfg, fmt.Sprintf("smtp: %q", smtpAddr), fmt.Sprintf("smtp: %q", e2eReloadVal), 1))
	d.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, "the refused reload", func() bool { return d.status(t).Reloads.Failed == 1 })
	_, body = d.get("/api/status")
	look("/api/status after the refused reload", body)
	if !strings.Contains(body, "handlers.mail.smtp: missing port") {
		t.Errorf("/api/status does not say where the refused config is wrong:\n%s", body)
	}
	d.stop(t, 10*time.Second)
	look("the daemon's log", d.logs.String())

	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		if b, err := os.ReadFile(d.state + suffix); err == nil {
			look("the state file"+suffix, string(b))
		}
	}
	if b, err := os.ReadFile(childEnv); err != nil {
		t.Errorf("the exec handler did not run: %v", err)
	} else {
		look("the exec handler's environment", string(b))
	}
	mu.Lock()
	look("the headers the redirect target got", strings.Join(landed, "\n"))
	if len(landed) == 0 {
		t.Errorf("the redirect was not followed")
	}
	mu.Unlock()

	for i := 0; i < len(seen); i += 2 {
		for _, s := range secrets {
			for _, v := range []string{s, base64.StdEncoding.EncodeToString([]byte(s))} {
				if strings.Contains(seen[i+1], v) {
					t.Errorf("%s holds the secret %q:\n%s", seen[i], v, seen[i+1])
				}
			}
		}
	}
}
