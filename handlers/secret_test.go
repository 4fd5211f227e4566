package handlers

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"serverstats/config"
	"serverstats/handlers/message"
	"serverstats/handlers/smtptest"
)

func TestReadSecret(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	getenv := func(k string) string { return map[string]string{"TOKEN": "t0k en\n"}[k] }
	for _, tc := range []struct {
		env, file string
		want      string
		err       string
	}{
		{env: "TOKEN", want: "t0k en\n"}, // a variable is taken as it is
		{file: write("lf", "s3cret\n"), want: "s3cret"},
		{file: write("crlf", "s3cret\r\n"), want: "s3cret"},
		{file: write("inner", " a b\n\n"), want: " a b\n"}, // only one trailing newline goes
		{env: "MISSING", err: "environment variable MISSING is not set"},
		{file: filepath.Join(dir, "none"), err: "read secret file " + filepath.Join(dir, "none") + ": no such file or directory"},
		{file: write("empty", "\n"), err: "secret file " + filepath.Join(dir, "empty") + " is empty"},
		{file: dir, err: "read secret file " + dir + ": is a directory"},
		{env: "TOKEN", file: "/f", err: "both environment variable TOKEN and file /f are given: use one"},
		{err: "no environment variable or file given"},
	} {
		got, err := ReadSecret(getenv, tc.env, tc.file)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("ReadSecret(%q, %q) = %q, %v; want error %q", tc.env, tc.file, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ReadSecret(%q, %q) = %q, %v; want %q", tc.env, tc.file, got, err, tc.want)
		}
	}
}

func TestRedactor(t *testing.T) {
	r := NewRedactor("p@ss word", "", "ab")
	in := "auth p@ss word, b64 " + base64.StdEncoding.EncodeToString([]byte("p@ss word")) +
		", query p%40ss+word, path p@ss%20word, short ab"
	want := "auth [REDACTED], b64 [REDACTED], query [REDACTED], path [REDACTED], short [REDACTED]"
	if got := r.String(in); got != want {
		t.Errorf("String =\n%s\nwant\n%s", got, want)
	}
	// The longest secret goes first, whole.
	r = NewRedactor("abc", "abcdef")
	if got := r.String("x abcdef y abc"); got != "x [REDACTED] y [REDACTED]" {
		t.Errorf("nested: %q", got)
	}
	// A redacted error does not unwrap to the original (which holds the
	// secret), but still says it was a timeout.
	orig := fmt.Errorf("dial abcdef: %w", context.DeadlineExceeded)
	err := r.Error(orig)
	if err.Error() != "dial [REDACTED]: context deadline exceeded" || !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, orig) {
		t.Errorf("Error = %v", err)
	}
	if r.Error(nil) != nil || (*Redactor)(nil).String("abc") != "abc" {
		t.Error("nil cases")
	}
}

// assertNoSecret fails when s holds any secret, raw or base64-encoded.
func assertNoSecret(t *testing.T, what, s string, secrets ...string) {
	t.Helper()
	for _, secret := range secrets {
		for _, v := range []string{secret, base64.StdEncoding.EncodeToString([]byte(secret))} {
			if strings.Contains(s, v) {
				t.Errorf("%s holds a secret (%q):\n%s", what, v, s)
			}
		}
	}
}

// TestNoSecretLeaks drives every handler through its failure paths with
// recognisable secrets (the SMTP password, the Twilio auth token, a webhook
// header value), against servers that echo the credentials they receive,
// and checks that no error, log line or JSON payload holds one.
func TestNoSecretLeaks(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	check := func(t *testing.T, name string, h Handler, secrets ...string) {
		t.Helper()
		ctx, receipts := withReceipts(context.Background())
		retry, err := h.Send(ctx, message.Sample(sampleTime))
		t.Logf("%s: retry=%v err=%v receipts=%+v", name, retry, err, receipts())
		if err != nil {
			assertNoSecret(t, name+" error", err.Error(), secrets...)
		}
		for _, r := range receipts() { // kept in the state file's trail, shown by history
			assertNoSecret(t, name+" receipt", fmt.Sprint(r), secrets...)
		}
	}

	t.Run("email", func(t *testing.T) {
		const leak = "pw-Leak-0xC0FFEE"
		s := smtptest.Start(t, "starttls", true) // echoes the password tried in its 535 reply
		env := testEnv(map[string]string{"SMTP_PASSWORD": leak})
		env.Logger = logger
		for name, setup := range map[string]func(h *config.Handler){
			"wrong password": func(h *config.Handler) { h.PasswordEnv = "SMTP_PASSWORD" },
			"server down":    func(h *config.Handler) { h.SMTP = closedPort(t) },
			"timeout":        func(h *config.Handler) { h.SMTP, h.Timeout = silentServer(t), shortTimeout },
			"untrusted cert": func(h *config.Handler) { h.CAFile = "" },
			"refused rcpt":   func(h *config.Handler) { h.To = []string{"reject@example.com"} },
			"tempfail rcpt":  func(h *config.Handler) { h.To = []string{"tempfail@example.com"} },
			"template error": func(h *config.Handler) { h.Subject = "{{.Nope}}" },
			"delivered":      func(h *config.Handler) {},
		} {
			h := emailConfig(s, "starttls")
			h.PasswordEnv = "OK_PASSWORD"
			setup(h)
			e := env
			e.Getenv = func(k string) string {
				return map[string]string{"SMTP_PASSWORD": leak, "OK_PASSWORD": smtptest.Password}[k]
			}
			check(t, "email "+name, newEmailT(t, h, e), leak, smtptest.Password)
		}
		if !strings.Contains(logs.String(), "email delivered") {
			t.Errorf("no delivery logged:\n%s", logs.String())
		}
	})

	t.Run("sms", func(t *testing.T) {
		f := newFakeTwilio(t, "")
		env := twilioEnv
		env.Logger = logger
		for name, to := range map[string]string{
			"echoed credentials": numLeakyErr, "server error": numBroken, "timeout": numSlow, "ok (logs)": numOK,
		} {
			h := smsConfig(f.URL, to)
			h.Timeout = longTimeout
			if to == numSlow {
				h.Timeout = shortTimeout
			}
			check(t, "sms "+name, newSMST(t, h, env), twilioToken)
		}
		h := smsConfig("http://"+closedPort(t), numOK)
		check(t, "sms api down", newSMST(t, h, env), twilioToken)
	})

	t.Run("webhook", func(t *testing.T) {
		r := newHookRecorder(t)
		for _, path := range []string{"/echo", "/status/500", "/status/401", "/slow", "/ok"} {
			h := webhookConfig(r.URL + path + "?key=" + "q-Secret-99")
			h.Timeout = longTimeout
			if path == "/slow" {
				h.Timeout = shortTimeout
			}
			w, err := New(h, Env{Logger: logger})
			if err != nil {
				t.Fatal(err)
			}
			check(t, "webhook "+path, w, webhookSecret, "q-Secret-99")
		}
		w, _ := New(webhookConfig("http://"+closedPort(t)+"/x?token=q-Secret-99"), Env{Logger: logger})
		check(t, "webhook down", w, webhookSecret, "q-Secret-99")
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, b := range r.bodies {
			assertNoSecret(t, "webhook JSON", string(b), webhookSecret, "q-Secret-99")
		}
	})

	t.Run("exec", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "stdin.json")
		x, err := New(&config.Handler{Name: "x", Type: "exec", Command: []string{"/bin/sh", "-c", `cat > "$1"`, "sh", out}}, Env{Logger: logger})
		if err != nil {
			t.Fatal(err)
		}
		check(t, "exec", x)
		b, _ := os.ReadFile(out)
		assertNoSecret(t, "exec JSON", string(b), webhookSecret, twilioToken, smtptest.Password)
	})

	assertNoSecret(t, "the log", logs.String(), "pw-Leak-0xC0FFEE", smtptest.Password, twilioToken, webhookSecret, "q-Secret-99")
}

func TestConfigSecrets(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("file-Token-8\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{
		Handlers: []*config.Handler{
			{Name: "mail", Type: "email", Username: "u", PasswordEnv: "SMTP_PASSWORD"},
			{Name: "sms", Type: "sms", AccountSIDEnv: "SID", AuthTokenFile: file},
			{Name: "hook", Type: "webhook", URL: "https://h.example.com/services/T0/B0/Xsecret?k=q-Val-9",
				HeaderEnv: map[string]string{"Authorization": "HOOK"}, Headers: map[string]string{"X-Api-Key": "k1", "X-Team": "ops"}},
			{Name: "gone", Type: "email", PasswordEnv: "UNSET"},
		},
		Commands: []*config.Command{{Name: "app", HTTP: &config.HTTPProbe{HeaderEnv: map[string]string{"X-Probe": "PROBE"}}}},
	}
	vars := map[string]string{"SMTP_PASSWORD": "pw-1", "SID": "AC1", "HOOK": "Bearer h-2", "PROBE": "p-3"}
	got := ConfigSecrets(cfg, func(k string) string { return vars[k] })
	for _, want := range []string{"pw-1", "\x00u\x00pw-1", "AC1", "file-Token-8", "AC1:file-Token-8", "Bearer h-2", "k1", "/services/T0/B0/Xsecret", "q-Val-9", "p-3"} {
		if !slices.Contains(got, want) {
			t.Errorf("ConfigSecrets lacks %q: %q", want, got)
		}
	}
	if slices.Contains(got, "ops") {
		t.Errorf("a short header of no secret name is no secret: %q", got)
	}
}

// The heartbeat's ping URL is a secret, from the config text or the
// environment: the whole URL and its path (the check's token).
func TestConfigSecretsHeartbeat(t *testing.T) {
	t.Parallel()
	for _, hb := range []config.Heartbeat{
		{URL: "https://hc-ping.com/5f0c-uuid-77"},
		{URLEnv: "HB_URL"},
	} {
		cfg := &config.Config{Heartbeat: hb}
		got := ConfigSecrets(cfg, func(k string) string {
			if k == "HB_URL" {
				return "https://hc-ping.com/5f0c-uuid-77"
			}
			return ""
		})
		for _, want := range []string{"https://hc-ping.com/5f0c-uuid-77", "/5f0c-uuid-77"} {
			if !slices.Contains(got, want) {
				t.Errorf("%+v: ConfigSecrets lacks %q: %q", hb, want, got)
			}
		}
	}
}
