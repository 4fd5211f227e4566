package handlers

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"serverstats/alerts"
	"serverstats/config"
	"serverstats/handlers/message"
)

// parentSecrets are set in the test process's environment: an exec
// handler must get none of them.
var parentSecrets = map[string]string{
	"SMTP_PASSWORD":     "smtp-Parent-Secret-1",
	"TWILIO_AUTH_TOKEN": "twilio-Parent-Secret-2",
	"SSH_AUTH_SOCK":     "/tmp/ssh-Parent-Secret-3/agent.1",
	"HOOK_TOKEN":        "hook-Parent-Secret-4",
}

func TestExecCleanEnvironment(t *testing.T) { // not parallel: t.Setenv
	for k, v := range parentSecrets {
		t.Setenv(k, v)
	}
	t.Setenv("PAGER_URL", "https://pager.example.com/x")
	t.Setenv("LC_TIME", "C")
	out := filepath.Join(t.TempDir(), "env")
	h := &config.Handler{Name: "pager", Type: "exec", Command: []string{"/bin/sh", "-c", `env > "$1"`, "sh", out},
		Env: []string{"PAGER_URL"}, Timeout: 5 * time.Second}
	x, err := New(h, Env{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.Send(context.Background(), message.Sample(sampleTime)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	env := string(b)
	for k, v := range parentSecrets {
		if strings.Contains(env, k+"=") || strings.Contains(env, v) {
			t.Errorf("the exec handler got %s:\n%s", k, env)
		}
	}
	for _, want := range []string{"PAGER_URL=https://pager.example.com/x", "SERVERSTATS_HANDLER=pager", "LC_TIME=C", "PATH=" + os.Getenv("PATH")} {
		if !strings.Contains(env, want+"\n") {
			t.Errorf("the exec handler's environment lacks %s:\n%s", want, env)
		}
	}
}

// TestExecStderrRedacted: a handler that prints a configured secret on
// stderr (a notifier echoing its credentials) has it replaced in the error,
// in the dispatcher's log, its Outcome (--json) and the outbox's last error.
func TestExecStderrRedacted(t *testing.T) {
	t.Parallel()
	const secret = "exec-Stderr-Secret-77"
	redact := NewRedactor(secret)
	h := &config.Handler{Name: "pager", Type: "exec", Timeout: 5 * time.Second, MaxAge: time.Hour,
		Command: []string{"/bin/sh", "-c", `echo "login with token $1 refused" >&2; exit 3`, "sh", secret}}
	x, err := New(h, Env{Redact: redact})
	if err != nil {
		t.Fatal(err)
	}
	_, err = x.Send(context.Background(), message.Sample(sampleTime))
	if err == nil || !strings.Contains(err.Error(), "login with token "+Redacted+" refused") {
		t.Fatalf("error = %v, want the stderr with the token redacted", err)
	}

	var logs bytes.Buffer
	now := sampleTime
	q := NewMemory([]alerts.Envelope{{Handler: "pager", Notifications: message.Sample(sampleTime)}}, now)
	// The dispatcher redacts too: here the handler itself does not.
	bare, _ := New(h, Env{})
	d := &Dispatcher{
		Queue: q, Handlers: map[string]Handler{"pager": bare}, Config: func(string) *config.Handler { return h },
		Backoff: Backoff{Initial: time.Minute, Max: time.Hour}, Log: slog.New(slog.NewTextHandler(&logs, nil)),
		Now: func() time.Time { return now }, Redact: redact,
	}
	o, err := d.Flush(context.Background())
	if err != nil || o.Retrying != 1 {
		t.Fatalf("Flush = %+v, %v", o, err)
	}
	assertNoSecret(t, "the log", logs.String(), secret)
	assertNoSecret(t, "Outcome.Errors", strings.Join(o.Errors, "\n"), secret)
	p := q.Pending()
	if len(p) != 1 || !strings.Contains(p[0].LastError, Redacted) {
		t.Fatalf("pending = %+v", p)
	}
	assertNoSecret(t, "the outbox", p[0].LastError, secret)
}
