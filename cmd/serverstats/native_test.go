package main

import (
	"strings"
	"testing"
)

// TestVersionBuiltin: `version` and `--version` print the same page.
func TestVersionBuiltin(t *testing.T) {
	code, out, _ := runApp(t, "", nil, "version")
	code2, out2, _ := runApp(t, "", nil, "--version")
	if code != 0 || code2 != 0 || out != out2 || !strings.HasPrefix(out, "serverstats ") || !strings.Contains(out, "go:") {
		t.Errorf("version: %d %q; --version: %d %q", code, out, code2, out2)
	}
}

// TestScaffoldCron: scaffold --cron prints crontab lines and writes nothing.
func TestScaffoldCron(t *testing.T) {
	cfg := writeConfig(t, completionConfig)
	code, out, errOut := runApp(t, "", nil, "scaffold", "--cron", "-c", cfg, "--user", "root")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"flock -n /var/log/serverstats/cron-disk.lock", " --alerts disk >>/var/log/serverstats/cron.log 2>&1", "*/5 * * * * "} {
		if !strings.Contains(out, want) {
			t.Errorf("crontab lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "wrote ") {
		t.Errorf("--cron wrote files:\n%s", out)
	}
}
