package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func loadText(t *testing.T, text string) (*Config, string, error) {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(p)
	return cfg, dir + "/", err
}

const amCommands = `
commands:
  disk:
    cmd: df -hP
    servers: [localhost]
    alerts: [{column: Use%, trigger: "> 90", handlers: [am], runbook: "https://wiki.example.com/disk"}]
`

func TestAlertmanagerHandlerConfig(t *testing.T) {
	cfg, _, err := loadText(t, `handlers:
  am:
    type: alertmanager
    urls: [http://127.0.0.1:9093, http://127.0.0.1:9094/]
    labels: {team: ops}
`+amCommands)
	if err != nil {
		t.Fatal(err)
	}
	h := cfg.Handler("am")
	if len(h.URLs) != 2 || h.Labels["team"] != "ops" || h.Resend != time.Minute || !h.SendResolved {
		t.Errorf("handler = %+v; want 2 urls, team: ops, resend 1m, send-resolved", h)
	}
	if rb := cfg.Command("disk").Alerts[0].Runbook; rb != "https://wiki.example.com/disk" {
		t.Errorf("runbook = %q", rb)
	}
	_, dir, err := loadText(t, strings.Replace(amCommands, "https://wiki.example.com/disk", "wiki/disk", 1))
	var es Errors
	const want = `c.yaml:6: commands.disk.alerts[0].runbook: not an http(s) URL (got "wiki/disk"); fix: write the page to open when it fires, e.g. runbook: https://wiki.example.com/runbooks/disk-full`
	if !errors.As(err, &es) || strings.TrimPrefix(es[0].Error(), dir) != want {
		t.Errorf("bad runbook: %v\nwant %s", err, want)
	}
}

func TestAlertmanagerHandlerBad(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"  am: {type: alertmanager}\n",
			`c.yaml:2: handlers.am.urls: missing urls; fix: add urls: [http://alertmanager-1:9093, http://alertmanager-2:9093] (every peer of the cluster)`},
		{"  am: {type: alertmanager, urls: [\"http://oncall:S3cretPass@am1:9093\"]}\n",
			`c.yaml:2: handlers.am.urls[0]: credentials in the URL (got "http://am1:9093"); fix: remove user:password@ from the URL: secrets never go in the config`},
		{"  am: {type: alertmanager, urls: [am1:9093]}\n",
			`c.yaml:2: handlers.am.urls[0]: not an http(s) URL (got "am1:9093"); fix: write the peer's base URL, e.g. http://alertmanager-1:9093 (serverstats posts to /api/v2/alerts under it)`},
		{"  am: {type: alertmanager, urls: [http://am1:9093], labels: {host: x}}\n",
			`c.yaml:2: handlers.am.labels.host: the handler sets this label itself (got "host"); fix: rename it; alertname, command, host, row and severity come from the alert`},
		{"  am: {type: alertmanager, urls: [http://am1:9093], labels: {my-team: x}}\n",
			`c.yaml:2: handlers.am.labels.my-team: not a label name (got "my-team"); fix: use letters, digits and '_', not starting with a digit, e.g. team: ops`},
		{"  am: {type: alertmanager, urls: [http://am1:9093], resend: 0s}\n",
			`c.yaml:2: handlers.am.resend: resend must be positive (got "0s"); fix: write e.g. resend: 1m (below Alertmanager's resolve_timeout, 5m by default)`},
		{"  am: {type: alertmanager, urls: [http://am1:9093], auth-user: oncall}\n",
			`c.yaml:2: handlers.am.auth-user: auth-user needs a password (got "oncall"); fix: add auth-token-env: ALERTMANAGER_PASSWORD or auth-token-file: /etc/serverstats/alertmanager-password (never the password itself)`},
		{"  am: {type: alertmanager, urls: [http://am1:9093], auth-token-env: \"x-S3cretPass\"}\n",
			`c.yaml:2: handlers.am.auth-token-env: not the name of an environment variable; fix: write auth-token-env: ALERTMANAGER_TOKEN: the name of the variable holding the token, never the token itself`},
	} {
		_, dir, err := loadText(t, "handlers:\n"+c.yaml+amCommands)
		var es Errors
		if !errors.As(err, &es) {
			t.Fatalf("%s: want config errors, got %v", c.yaml, err)
		}
		if got := strings.TrimPrefix(es[0].Error(), dir); got != c.want {
			t.Errorf("%s:\n got  %s\n want %s", c.yaml, got, c.want)
		}
		if strings.Contains(es.Error(), "S3cretPass") {
			t.Errorf("the error repeats the password: %s", es)
		}
	}
}
