package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"serverstats/alerts"
)

func attempt(at time.Time, msg int64, outcome string) Attempt {
	return Attempt{At: at, Message: msg, Handler: "sms", Outcome: outcome,
		Receipts: []Receipt{{Recipient: "+15550001", Text: "SM1 queued"}, {Recipient: "+15550002", Err: "twilio error 21211", Permanent: true}},
		Alerts:   []AlertRef{{Host: "web1", Command: "disk", Rule: "Use% > 90", Row: "/", Status: "firing"}}}
}

// The trail keeps what was written (receipts and alerts included), and is
// bounded by count and by age as it is written.
func TestTrailBounded(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t, filepath.Join(t.TempDir(), "state.db"))
	t0 := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	lim := TrailLimits{MaxAge: time.Hour, MaxEntries: 5}
	for i := range 8 {
		if err := st.AddAttempt(ctx, attempt(t0.Add(time.Duration(i)*time.Minute), int64(i), OutcomeSent), lim); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.Attempts(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 || got[0].Message != 3 || got[4].Message != 7 {
		t.Fatalf("count bound: got %d attempts %+v; want messages 3..7", len(got), got)
	}
	want := attempt(t0.Add(7*time.Minute), 7, OutcomeSent)
	if g := got[4]; fmt.Sprint(g) != fmt.Sprint(want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", g, want)
	}
	// An attempt two hours later prunes everything older than an hour.
	if err := st.AddAttempt(ctx, attempt(t0.Add(2*time.Hour), 9, OutcomeRetry), lim); err != nil {
		t.Fatal(err)
	}
	if got, _ = st.Attempts(ctx, time.Time{}); len(got) != 1 || got[0].Message != 9 {
		t.Fatalf("age bound: %+v; want only message 9", got)
	}
	if got, _ = st.Attempts(ctx, t0.Add(3*time.Hour)); len(got) != 0 {
		t.Errorf("since after the last attempt: %+v", got)
	}
}

// LastAttempts reads only the n newest attempts since a time, oldest
// first.
func TestLastAttempts(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t, filepath.Join(t.TempDir(), "state.db"))
	t0 := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	for i := range 6 {
		if err := st.AddAttempt(ctx, attempt(t0.Add(time.Duration(i)*time.Minute), int64(i), OutcomeSent), TrailLimits{}); err != nil {
			t.Fatal(err)
		}
	}
	messages := func(as []Attempt) (out []int64) {
		for _, a := range as {
			out = append(out, a.Message)
		}
		return out
	}
	if got, err := st.LastAttempts(ctx, time.Time{}, 2); err != nil || fmt.Sprint(messages(got)) != "[4 5]" {
		t.Errorf("last 2: %v %v, want messages [4 5]", messages(got), err)
	}
	if got, err := st.LastAttempts(ctx, t0.Add(4*time.Minute+time.Second), 3); err != nil || fmt.Sprint(messages(got)) != "[5]" {
		t.Errorf("last 3 since 03:04:01: %v %v, want [5]", messages(got), err)
	}
	if got, err := st.LastAttempts(ctx, time.Time{}, 10); err != nil || len(got) != 6 || got[0].Message != 0 {
		t.Errorf("last 10 of 6: %v %v", messages(got), err)
	}
}

// storeWithMessage is a new state file with one message queued for sms.
func storeWithMessage(t *testing.T) (st *Store, path string, now time.Time) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "state.db")
	st = openTestStore(t, path)
	now = time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	if err := st.Enqueue(context.Background(), alerts.Envelope{Handler: "sms", Notifications: []alerts.Notification{{Host: "web1"}}}, now); err != nil {
		t.Fatal(err)
	}
	return st, path, now
}

// The recipients done with survive a retry (and a reopen), and a reroute
// to a fallback forgets them: they were the other handler's.
func TestOutboxDoneRecipients(t *testing.T) {
	ctx := context.Background()
	st, path, now := storeWithMessage(t)
	e, ok, err := st.Claim(ctx, now, time.Minute, []string{"sms"})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	done := []Receipt{{Recipient: "+15550001", Text: "SM1 queued"}}
	if err := st.Retry(ctx, e.ID, "to +15550002: HTTP 500", now, done); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st = openTestStore(t, path)
	e, ok, err = st.Claim(ctx, now, time.Minute, []string{"sms"})
	if err != nil || !ok || fmt.Sprint(e.Done) != fmt.Sprint(done) {
		t.Fatalf("after retry: ok %v err %v done %+v; want %+v", ok, err, e.Done, done)
	}
	if err := st.Reroute(ctx, e.ID, "email", "refused", now); err != nil {
		t.Fatal(err)
	}
	if e, ok, _ = st.Claim(ctx, now, time.Minute, []string{"email"}); !ok || e.Done != nil {
		t.Fatalf("after reroute: %+v; want no recipients done", e)
	}
}

// A schema 4 file (before the trail) is brought up with its pending
// message kept, and can then keep a trail.
func TestMigratesToTrail(t *testing.T) {
	ctx := context.Background()
	st, path, now := storeWithMessage(t)
	st.Close()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DROP TABLE trail; ALTER TABLE outbox DROP COLUMN done; PRAGMA user_version=4`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	st = openTestStore(t, path)
	e, ok, err := st.Claim(ctx, now, time.Minute, []string{"sms"})
	if err != nil || !ok || e.Notifications[0].Host != "web1" {
		t.Fatalf("pending message after migration: %+v %v %v", e, ok, err)
	}
	if err := st.AddAttempt(ctx, attempt(now, e.ID, OutcomeSent), TrailLimits{}); err != nil {
		t.Fatal(err)
	}
	if got, err := st.Attempts(ctx, time.Time{}); err != nil || len(got) != 1 {
		t.Fatalf("trail after migration: %+v %v", got, err)
	}
}
