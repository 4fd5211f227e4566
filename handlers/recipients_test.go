package handlers

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"serverstats/alerts/store"
	"serverstats/handlers/smtptest"
)

// flushSteps flushes d at each step's clock advance and returns the trail.
func flushSteps(t *testing.T, c *clock, d *Dispatcher, st *store.Store, advances ...time.Duration) []store.Attempt {
	t.Helper()
	for _, a := range advances {
		c.add(a)
		if _, err := d.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	trail, err := st.Attempts(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return trail
}

// sentTo counts the Messages API calls for each number.
func sentTo(f *fakeTwilio) map[string]int {
	n := map[string]int{}
	for _, r := range f.requests() {
		n[r.Form["To"]]++
	}
	return n
}

// smsOutbox is an SMS handler to numbers (against the fake Twilio API)
// behind a dispatcher, with one message queued for it.
func smsOutbox(t *testing.T, numbers ...string) (*fakeTwilio, *clock, *Dispatcher, *store.Store) {
	t.Helper()
	c := newClock()
	f := newFakeTwilio(t, "")
	s := newSMST(t, smsConfig(f.URL, numbers...), twilioEnv)
	d, st, _ := newDispatcher(t, c, map[string]Handler{"oncall": s}, hc("oncall", ""))
	enqueue(t, st, "oncall", c.now())
	return f, c, d, st
}

// One number refused for good (Twilio 400) while another succeeds: the
// good one gets the message once, the bad one is reported with Twilio's
// error, the message is kept as undeliverable and nothing is sent again.
func TestSMSOneNumberRefused(t *testing.T) {
	f, c, d, st := smsOutbox(t, numOK, numInvalid)
	trail := flushSteps(t, c, d, st, 0, time.Hour, time.Hour)
	if n := sentTo(f); n[numOK] != 1 || n[numInvalid] != 1 || len(n) != 2 {
		t.Errorf("API calls per number %v; want one each", n)
	}
	if len(trail) != 1 {
		t.Fatalf("trail %+v; want one attempt", trail)
	}
	a := trail[0]
	if a.Outcome != store.OutcomeUndeliverable || len(a.Receipts) != 2 {
		t.Fatalf("attempt %+v; want undeliverable with two receipts", a)
	}
	ok, bad := a.Receipts[0], a.Receipts[1]
	if ok.Recipient != numOK || ok.Err != "" || !strings.HasPrefix(ok.Text, "HTTP 201 sid SM") || !strings.HasSuffix(ok.Text, "status queued") {
		t.Errorf("receipt of the good number: %+v", ok)
	}
	if bad.Recipient != numInvalid || !bad.Permanent || !strings.Contains(bad.Err, "twilio error 21211") {
		t.Errorf("receipt of the refused number: %+v", bad)
	}
	if a.Alerts[0].Host != "web1" {
		t.Errorf("alerts carried: %+v", a.Alerts)
	}
}

// A temporary failure (HTTP 500) of one number re-sends only to that
// number; once it is delivered the message is done.
func TestSMSRetryOnlyFailedNumber(t *testing.T) {
	f, c, d, st := smsOutbox(t, numOK, numFlaky, numOK2)
	trail := flushSteps(t, c, d, st, 0, time.Minute, time.Hour)
	if n := sentTo(f); n[numOK] != 1 || n[numOK2] != 1 || n[numFlaky] != 2 {
		t.Errorf("API calls per number %v; want %s and %s once, %s twice", n, numOK, numOK2, numFlaky)
	}
	if len(trail) != 2 || trail[0].Outcome != store.OutcomeRetry || trail[1].Outcome != store.OutcomeSent {
		t.Fatalf("trail %+v; want retry then sent", trail)
	}
	if r := trail[1].Receipts; len(r) != 1 || r[0].Recipient != numFlaky || r[0].Err != "" {
		t.Errorf("second attempt receipts %+v; want only %s, delivered", r, numFlaky)
	}
	if left, _ := st.Outbox(context.Background()); len(left) != 0 {
		t.Errorf("outbox not empty: %+v", left)
	}
}

// A number refused for good in an attempt that also had a temporary
// failure is not tried again, and still makes the message undeliverable
// once the others are delivered.
func TestSMSRefusedThenRetried(t *testing.T) {
	f, c, d, st := smsOutbox(t, numInvalid, numFlaky)
	trail := flushSteps(t, c, d, st, 0, time.Minute, time.Hour)
	if n := sentTo(f); n[numInvalid] != 1 || n[numFlaky] != 2 {
		t.Errorf("API calls per number %v", n)
	}
	if len(trail) != 2 || trail[1].Outcome != store.OutcomeUndeliverable || !strings.Contains(trail[1].Error, "refused in an earlier attempt: to "+numInvalid) {
		t.Fatalf("trail %+v; want the second attempt undeliverable for %s", trail, numInvalid)
	}
}

// Email recipients are judged one by one at RCPT: the accepted one gets
// the message once, with the server's queue id as its receipt; one refused
// with 4xx is retried alone; one refused with 5xx is reported.
func TestEmailPerRecipient(t *testing.T) {
	srv := smtptest.Start(t, "starttls", true)
	c := newClock()
	h := emailConfig(srv, "starttls")
	h.To = []string{"oncall@example.com", "tempfail@example.com"}
	e := newEmailT(t, h, smtpEnv)
	d, st, _ := newDispatcher(t, c, map[string]Handler{"mail": e}, hc("mail", ""))
	enqueue(t, st, "mail", c.now())
	trail := flushSteps(t, c, d, st, 0, time.Minute)
	msgs := srv.Messages(t)
	if len(msgs) != 1 || msgs[0].Header.Get("X-Test-Rcpt-To") != "oncall@example.com" {
		t.Fatalf("%d messages received; want one, to oncall only", len(msgs))
	}
	qid := msgs[0].Header.Get("X-Test-Queue-Id")
	if len(trail) != 2 || trail[0].Outcome != store.OutcomeRetry || trail[1].Outcome != store.OutcomeRetry {
		t.Fatalf("trail %+v; want two retries", trail)
	}
	first := trail[0].Receipts
	want := fmt.Sprintf("250 2.0.0 Ok: queued as %s", qid)
	if len(first) != 2 || first[0].Recipient != "oncall@example.com" || first[0].Text != want || first[1].Permanent || !strings.Contains(first[1].Err, "4.3.0") {
		t.Errorf("first attempt receipts %+v; want oncall %q and a temporary refusal", first, want)
	}
	if second := trail[1].Receipts; len(second) != 1 || second[0].Recipient != "tempfail@example.com" {
		t.Errorf("second attempt receipts %+v; want only tempfail", second)
	}

	// 5xx for one address: the other is delivered, the message is buried.
	h.To = []string{"reject@example.com", "Ops Team <ops@example.com>"}
	d, st, _ = newDispatcher(t, c, map[string]Handler{"mail": newEmailT(t, h, smtpEnv)}, hc("mail", ""))
	enqueue(t, st, "mail", c.now())
	trail = flushSteps(t, c, d, st, 0, time.Hour)
	last := trail[len(trail)-1]
	if last.Outcome != store.OutcomeUndeliverable || len(last.Receipts) != 2 || !last.Receipts[0].Permanent || !strings.HasPrefix(last.Receipts[1].Text, "250 2.0.0 Ok: queued as ") {
		t.Errorf("attempt %+v; want undeliverable, reject refused, ops queued", last)
	}
	if n := len(srv.Messages(t)); n != 2 {
		t.Errorf("%d messages received in all; want 2", n)
	}
}
