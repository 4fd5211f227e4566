package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"serverstats/handlers/smtptest"
)

// trailRig is a config with one alerting command (a local echo over 90)
// (with the rule keys given) and the handler given, its state file, and the environment of its runs.
type trailRig struct {
	config, state string
	env           []string
}

func newTrailRig(t *testing.T, delivery, rule, handler string, env ...string) *trailRig {
	t.Helper()
	dir := t.TempDir()
	r := &trailRig{config: filepath.Join(dir, "trail.yaml"), state: filepath.Join(dir, "state.db"), env: env}
	writeFile(t, r.config, fmt.Sprintf(`delivery: {retry-initial: 1s, retry-max: 2s%s}
handlers:
  %s
commands:
  c:
    servers: [localhost]
    cmd: echo 95
    header: none
    alerts:
      - {value-type: number, trigger: "> 90", msg: "value over 90", handlers: [h]%s}
`, delivery, handler, rule), 0o600)
	return r
}

func (r *trailRig) run(t *testing.T, args ...string) faultRun {
	t.Helper()
	return runFault(t, r.config, r.state, r.env, nil, args...)
}

// historyRow is one row of history --json.
type historyRow struct {
	Message                     int64
	Handler, Recipient, Outcome string
	Receipt, Error              string
	Alerts                      []struct{ Host, Command, Status string }
}

func (r *trailRig) history(t *testing.T, args ...string) []historyRow {
	t.Helper()
	res := r.run(t, append([]string{"history", "--json"}, args...)...)
	var doc struct{ Deliveries []historyRow }
	if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil || res.code != 0 {
		t.Fatalf("history --json: exit %d, %v\n%s\nstderr: %s", res.code, err, res.stdout, res.stderr)
	}
	return doc.Deliveries
}

// An email through a real SMTP server (aiosmtpd: STARTTLS, AUTH): the
// server's reply to DATA, with its queue id, is in history as each
// recipient's receipt, with the alert the message carried; the filters
// select it or not; the SMTP password is nowhere in history or the state.
func TestE2EHistoryEmailReceipt(t *testing.T) {
	srv := smtptest.Start(t, "starttls", true)
	r := newTrailRig(t, "", "", fmt.Sprintf(`h: {type: email, smtp: %q, username: %s, password-env: SMTP_PASSWORD, ca-file: %q, from: serverstats@example.com, to: [oncall@example.com, "Ops <ops@example.com>"], timeout: 5s}`,
		srv.Addr, smtptest.User, srv.CAFile), "SMTP_PASSWORD="+smtptest.Password)
	if res := r.run(t, "c", "--alerts"); res.code != exitCritical {
		t.Fatalf("run: exit %d\n%s", res.code, res.stderr)
	}
	msgs := srv.Messages(t)
	if len(msgs) != 1 {
		t.Fatalf("the SMTP server got %d messages, want 1", len(msgs))
	}
	want := "250 2.0.0 Ok: queued as " + msgs[0].Header.Get("X-Test-Queue-Id")
	rows := r.history(t)
	if len(rows) != 2 {
		t.Fatalf("history: %+v; want one row per recipient", rows)
	}
	for i, rcpt := range []string{"oncall@example.com", "Ops <ops@example.com>"} {
		row := rows[i]
		if row.Recipient != rcpt || row.Outcome != "sent" || row.Receipt != want || row.Handler != "h" ||
			len(row.Alerts) != 1 || row.Alerts[0].Host != "localhost" || row.Alerts[0].Command != "c" {
			t.Errorf("row %d: %+v; want %s sent with receipt %q, carrying localhost c", i, row, rcpt, want)
		}
	}
	if rows := r.history(t, "--host", "localhost", "--command", "c", "--since", "1h"); len(rows) != 2 {
		t.Errorf("--host localhost --command c --since 1h: %d rows, want 2", len(rows))
	}
	for _, f := range [][]string{{"--host", "web1"}, {"--command", "disk"}, {"--since", "2099-01-01"}} {
		if rows := r.history(t, f...); len(rows) != 0 {
			t.Errorf("history %v: %+v; want none", f, rows)
		}
	}
	table := r.run(t, "history")
	if !strings.Contains(table.stdout, want) || !strings.Contains(table.stdout, "oncall@example.com") {
		t.Errorf("history table lacks the receipt:\n%s", table.stdout)
	}
	if res := r.run(t, "history", "--since", "yesterday"); res.code != exitUsage || !strings.Contains(res.stderr, `--since "yesterday"`) {
		t.Errorf("a bad --since: exit %d, %s", res.code, res.stderr)
	}
	for label, text := range map[string]string{"history": table.stdout, "history --json": r.run(t, "history", "--json").stdout, "state": readState(t, r.state)} {
		if strings.Contains(text, smtptest.Password) {
			t.Errorf("%s holds the SMTP password", label)
		}
	}
}

// readState is the state file and its WAL, as bytes read as text.
func readState(t *testing.T, path string) string {
	t.Helper()
	var b strings.Builder
	for _, suffix := range []string{"", "-wal"} {
		data, _ := os.ReadFile(path + suffix)
		b.Write(data)
	}
	return b.String()
}

const (
	smsGood  = "+15552223333"
	smsBad   = "+15550000400" // refused with 400
	smsFlaky = "+15550000500" // 500 until the test says otherwise
)

// smsTrailRun is an SMS handler to smsGood and other (which the
// Twilio-shaped API answers with status), and its first alerting run.
func smsTrailRun(t *testing.T, other string, status int) (*fakeSMSAPI, *trailRig, faultRun) {
	t.Helper()
	api := startFakeSMSAPI(t, http.StatusCreated)
	api.perNumber.Store(other, status)
	r := smsTrailRig(t, api, smsGood, other)
	return api, r, r.run(t, "c", "--alerts")
}

func smsTrailRig(t *testing.T, api *fakeSMSAPI, to ...string) *trailRig {
	return newTrailRig(t, "", "", fmt.Sprintf(`h: {type: sms, account-sid-env: TWILIO_ACCOUNT_SID, auth-token-env: TWILIO_AUTH_TOKEN, from: "+15550001111", to: ["%s"], api-url: %q, timeout: 5s}`,
		strings.Join(to, `", "`), api.url), "TWILIO_ACCOUNT_SID="+faultTwilioSID, "TWILIO_AUTH_TOKEN="+faultTwilioToken)
}

// One number refused for good (Twilio 400) while another succeeds: the
// good one is sent once, the bad one is reported (in the run's errors, in
// history, in status as undeliverable), and nothing is sent again by
// later runs; the Twilio token is in none of it.
func TestE2ESMSOneNumberRefused(t *testing.T) {
	api, r, first := smsTrailRun(t, smsBad, http.StatusBadRequest)
	if !strings.Contains(first.stderr, "1 undeliverable") {
		t.Errorf("the run does not report the undeliverable message:\n%s", first.stderr)
	}
	for range 2 {
		time.Sleep(1100 * time.Millisecond) // past any retry
		r.run(t, "c", "--alerts")
	}
	if g, b := api.requestsTo(smsGood), api.requestsTo(smsBad); g != 1 || b != 1 {
		t.Errorf("requests: %s %d, %s %d; want the refused number tried once", smsGood, g, smsBad, b)
	}
	rows := r.history(t)
	var good, bad []historyRow
	for _, row := range rows {
		switch row.Recipient {
		case smsGood:
			good = append(good, row)
		case smsBad:
			bad = append(bad, row)
		}
	}
	if len(bad) != 1 || bad[0].Outcome != "refused" || !strings.Contains(bad[0].Error, "HTTP 400") {
		t.Errorf("history of the refused number: %+v", bad)
	}
	if len(good) != 1 || good[0].Outcome != "sent" || !strings.Contains(good[0].Receipt, "sid SM") || len(bad) == 0 || good[0].Message != bad[0].Message {
		t.Errorf("history of the good number: %+v", good)
	}
	st := r.run(t, "status", "--json")
	var doc struct{ Outbox []struct{ Dead bool } }
	if err := json.Unmarshal([]byte(st.stdout), &doc); err != nil || len(doc.Outbox) == 0 || !doc.Outbox[0].Dead {
		t.Errorf("status does not keep the message as undeliverable: %v %s", err, st.stdout)
	}
	for label, text := range map[string]string{"history": r.run(t, "history").stdout, "history --json": r.run(t, "history", "--json").stdout, "state": readState(t, r.state), "run": first.stdout + first.stderr} {
		if strings.Contains(text, faultTwilioToken) {
			t.Errorf("%s holds the Twilio token", label)
		}
	}
}

// A temporary failure (HTTP 500) of one number re-sends only to that
// number: the other gets the message once.
func TestE2ESMSRetryOnlyFailedNumber(t *testing.T) {
	api, r, first := smsTrailRun(t, smsFlaky, http.StatusInternalServerError)
	if !strings.Contains(first.stderr, "1 will be retried") {
		t.Errorf("the first run does not report the retry:\n%s", first.stderr)
	}
	api.perNumber.Store(smsFlaky, http.StatusCreated)
	time.Sleep(1200 * time.Millisecond) // the retry is due 1s after the failure
	r.run(t, "c", "--alerts")           // the retry goes out
	if g, f := api.requestsTo(smsGood), api.requestsTo(smsFlaky); g != 1 || f != 2 {
		t.Errorf("requests: %s %d, %s %d; want 1 and 2 (the failure, the retry)", smsGood, g, smsFlaky, f)
	}
	rows := r.history(t)
	first1 := rows[0].Message
	var toGood, toFlaky int
	for _, row := range rows {
		if row.Message != first1 {
			continue
		}
		switch row.Recipient {
		case smsGood:
			toGood++
		case smsFlaky:
			toFlaky++
		}
	}
	if toGood != 1 || toFlaky != 2 {
		t.Errorf("message %d: %d attempts to %s, %d to %s; want 1 and 2 (the failure, the retry)\n%+v", first1, toGood, smsGood, toFlaky, smsFlaky, rows)
	}
}

// The trail is bounded as it is written (delivery.trail-max-entries).
func TestE2EHistoryBounded(t *testing.T) {
	r := newTrailRig(t, ", trail-max-entries: 3", ", repeat: 1s", "h: {type: print}")
	for range 5 {
		r.run(t, "c", "--alerts")
		time.Sleep(1100 * time.Millisecond) // past repeat: a reminder each run
	}
	rows := r.history(t)
	if len(rows) != 3 {
		t.Fatalf("history: %d rows, want the newest 3: %+v", len(rows), rows)
	}
	for i, row := range rows {
		if row.Receipt != "printed" || (i > 0 && row.Message <= rows[i-1].Message) {
			t.Errorf("row %d: %+v", i, row)
		}
	}
	if rows[2].Message < 5 {
		t.Errorf("the newest row is message %d; want the fifth run's", rows[2].Message)
	}
}

// check-config --probe logs in to the real SMTP server (STARTTLS, AUTH)
// without sending: OK and exit 0 with the password, FAIL with the
// server's reason and exit 1 without it; the password is never shown.
func TestE2ECheckConfigProbe(t *testing.T) {
	srv := smtptest.Start(t, "starttls", true)
	handler := fmt.Sprintf(`h: {type: email, smtp: %q, username: %s, password-env: SMTP_PASSWORD, ca-file: %q, from: serverstats@example.com, to: [oncall@example.com]}
  console: {type: print}`, srv.Addr, smtptest.User, srv.CAFile)
	good := newTrailRig(t, "", "", handler, "SMTP_PASSWORD="+smtptest.Password)
	res := good.run(t, "check-config", "--probe")
	if res.code != 0 || !strings.Contains(res.stdout, "probe h (email): OK\n") || !strings.Contains(res.stdout, "probe console (print): - nothing to check without sending") {
		t.Errorf("good password: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	bad := newTrailRig(t, "", "", handler, "SMTP_PASSWORD=not-"+smtptest.Password)
	res = bad.run(t, "check-config", "--probe")
	if res.code != 1 || !strings.Contains(res.stdout, "probe h (email): FAIL: ") || !strings.Contains(res.stdout, "5.7.8 Authentication failed") {
		t.Errorf("wrong password: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if strings.Contains(res.stdout+res.stderr, smtptest.Password) {
		t.Errorf("the probe shows the password:\n%s%s", res.stdout, res.stderr)
	}
	if n := len(srv.Messages(t)); n != 0 {
		t.Errorf("the probe sent %d messages", n)
	}
}
