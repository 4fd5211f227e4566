package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"serverstats/alerts"
	"serverstats/alerts/store"
	"serverstats/config"
)

// fakeHandler answers from a script of outcomes, one per attempt.
type fakeHandler struct {
	script []error // nil: accepted
	always error   // when set, every attempt fails with it
	retry  bool
	calls  int
	panics bool
	got    []string // the first notification of each call: Host Key Error/Message
}

func (f *fakeHandler) Send(_ context.Context, ns []alerts.Notification) (bool, error) {
	f.calls++
	f.got = append(f.got, strings.TrimSpace(ns[0].Host+" "+ns[0].Key+" "+ns[0].Error+ns[0].Message))
	if f.panics {
		panic("boom")
	}
	if f.always != nil {
		return f.retry, f.always
	}
	if len(f.script) == 0 {
		return false, nil
	}
	err := f.script[0]
	f.script = f.script[1:]
	return f.retry, err
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock               { return &clock{time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)} }
func hc(name, fallback string) *config.Handler {
	return &config.Handler{Name: name, Timeout: time.Second, MaxAge: time.Hour, Fallback: fallback}
}

func newDispatcher(t *testing.T, c *clock, hs map[string]Handler, cfgs ...*config.Handler) (*Dispatcher, *store.Store, *bytes.Buffer) {
	t.Helper()
	store, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "state.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	var logs bytes.Buffer
	d := &Dispatcher{
		Queue: store, Handlers: hs, Now: c.now,
		Config: func(name string) *config.Handler {
			for _, h := range cfgs {
				if h.Name == name {
					return h
				}
			}
			return nil
		},
		Backoff: Backoff{Initial: 30 * time.Second, Max: 4 * time.Minute},
		Log:     slog.New(slog.NewTextHandler(&logs, nil)),
	}
	return d, store, &logs
}

func enqueue(t *testing.T, s *store.Store, handler string, now time.Time) {
	t.Helper()
	if err := s.Enqueue(context.Background(), alerts.Envelope{Handler: handler, Notifications: []alerts.Notification{{Host: "web1"}}}, now); err != nil {
		t.Fatal(err)
	}
}

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Initial: 30 * time.Second, Max: 4 * time.Minute}
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 4 * time.Minute}
	for i, w := range want {
		if got := b.Delay(i + 1); got != w {
			t.Errorf("Delay(%d) = %v, want %v", i+1, got, w)
		}
	}
}

// A temporary failure is retried on the backoff schedule, and the message
// is delivered exactly once when the handler comes back.
func TestFlushRetriesThenDelivers(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	down := errors.New("dial tcp 127.0.0.1:25: connect: connection refused")
	h := &fakeHandler{script: []error{down, down}, retry: true}
	d, store, logs := newDispatcher(t, c, map[string]Handler{"email": h}, hc("email", ""))
	enqueue(t, store, "email", c.now())

	steps := []struct {
		after time.Duration
		calls int
		sent  int
	}{
		{0, 1, 0},                // fails; next in 30s
		{29 * time.Second, 1, 0}, // not due yet
		{time.Second, 2, 0},      // fails; next in 1m
		{time.Minute, 3, 1},      // delivered
		{time.Hour, 3, 0},        // nothing left
	}
	for i, st := range steps {
		c.add(st.after)
		out, err := d.Flush(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if h.calls != st.calls || out.Sent != st.sent {
			t.Errorf("step %d: %d calls, %d sent; want %d, %d", i, h.calls, out.Sent, st.calls, st.sent)
		}
	}
	if left, _ := store.Outbox(ctx); len(left) != 0 {
		t.Errorf("outbox not empty: %+v", left)
	}
	if n := strings.Count(logs.String(), "delivery failed; will retry"); n != 2 {
		t.Errorf("%d retry log lines, want 2:\n%s", n, logs)
	}
}

// A permanent refusal goes to the fallback at once; a fallback that also
// refuses leaves the message kept as undeliverable, never dropped.
func TestFlushFallbackAndBury(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	sms := &fakeHandler{script: []error{errors.New("twilio: 400: invalid To number")}}
	email := &fakeHandler{script: []error{errors.New("smtp: 550 mailbox unavailable")}}
	d, store, _ := newDispatcher(t, c, map[string]Handler{"sms": sms, "email": email}, hc("sms", "email"), hc("email", ""))
	enqueue(t, store, "sms", c.now())

	// The fallback gets it in the same flush, after the notice that sms
	// fails (which it takes).
	out, _ := d.Flush(ctx)
	if out.Rerouted != 1 || sms.calls != 1 || out.Undeliverable != 1 || email.calls != 2 || out.Sent != 1 {
		t.Fatalf("flush: %+v; sms %d calls, email %d", out, sms.calls, email.calls)
	}
	left, _ := store.Outbox(ctx)
	if len(left) != 1 || !left[0].Dead || left[0].Origin != "sms" || !strings.Contains(left[0].LastError, "550") {
		t.Fatalf("outbox = %+v", left)
	}
	if out, _ := d.Flush(ctx); out.Sent+out.Retrying+out.Undeliverable != 0 || email.calls != 2 {
		t.Errorf("a buried message was tried again: %+v", out)
	}
}

// A message that stays undelivered past max-age goes to the fallback even
// though the failure is temporary.
func TestFlushMaxAge(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	email := &fakeHandler{always: errors.New("timeout"), retry: true}
	print := &fakeHandler{}
	d, store, _ := newDispatcher(t, c, map[string]Handler{"email": email, "console": print}, hc("email", "console"), hc("console", ""))
	enqueue(t, store, "email", c.now())
	for i := 0; i < 30 && print.calls < 2; i++ { // every 5 minutes for up to 2.5 h
		if _, err := d.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		c.add(5 * time.Minute)
	}
	// The fallback is told at once that email fails, then gets the message.
	if fmt.Sprint(print.got) != "[serverstats email handler email failing: timeout web1]" {
		t.Fatalf("fallback got %q", print.got)
	}
	if age := c.now().Sub(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)); age < time.Hour || age > time.Hour+10*time.Minute {
		t.Errorf("handed to the fallback after %v, want just after max-age (1h)", age)
	}
	if left, _ := store.Outbox(ctx); len(left) != 0 {
		t.Errorf("outbox = %+v", left)
	}
}

// A handler stuck on timeouts is tried once per flush: the page to another
// handler queued behind its backlog still goes out, and a handler this
// process does not have is left alone for the process that has it.
func TestFlushStuckHandlerDoesNotBlockOthers(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	email := &fakeHandler{always: errors.New("timeout"), retry: true}
	sms := &fakeHandler{}
	d, store, _ := newDispatcher(t, c, map[string]Handler{"email": email, "sms": sms}, hc("email", ""), hc("sms", ""))
	for i := 0; i < 5; i++ {
		enqueue(t, store, "email", c.now())
	}
	enqueue(t, store, "sms", c.now())
	enqueue(t, store, "pager", c.now()) // another config's handler
	out, err := d.Flush(ctx)
	if err != nil || email.calls != 1 || sms.calls != 1 || out.Sent != 1 || out.Retrying != 1 {
		t.Errorf("out = %+v, email %d calls, sms %d calls, err %v", out, email.calls, sms.calls, err)
	}
	left, _ := store.Outbox(ctx)
	if len(left) != 6 {
		t.Errorf("%d messages left, want 6 (5 email, 1 pager)", len(left))
	}
	for _, e := range left {
		if e.Handler == "pager" && (e.Attempts != 0 || e.Dead) {
			t.Errorf("another handler's message was touched: %+v", e)
		}
	}
}

// A handler that panics is a failed attempt, not a crash.
func TestFlushHandlerPanics(t *testing.T) {
	c := newClock()
	d, store, _ := newDispatcher(t, c, map[string]Handler{"x": &fakeHandler{panics: true}}, hc("x", ""))
	enqueue(t, store, "x", c.now())
	out, err := d.Flush(context.Background())
	if err != nil || out.Undeliverable != 1 || !strings.Contains(out.Errors[0], "panicked") {
		t.Errorf("out = %+v, err = %v", out, err)
	}
}

// A handler that cannot be built here (its secret missing from the
// environment) fails its messages with the reason: they are retried, then
// handed to its fallback after max-age, not kept forever.
func TestBrokenHandlerAgesToFallback(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	email := &fakeHandler{}
	var observed []string
	d, store, _ := newDispatcher(t, c, map[string]Handler{"email": email}, hc("sms", "email"), hc("email", ""))
	d.Broken = map[string]error{"sms": errors.New("TWILIO_AUTH_TOKEN is not set")}
	d.Observe = func(h, outcome string) { observed = append(observed, h+":"+outcome) }
	enqueue(t, store, "sms", c.now())
	out, _ := d.Flush(ctx)
	left, _ := store.Outbox(ctx)
	if out.Retrying != 1 || len(left) != 1 || !strings.Contains(left[0].LastError, "TWILIO_AUTH_TOKEN is not set") {
		t.Fatalf("first flush: %+v, outbox %+v", out, left)
	}
	c.add(2 * time.Hour) // past max-age (1h)
	out, _ = d.Flush(ctx)
	if out.Rerouted != 1 || out.Sent != 1 || email.calls != 2 {
		t.Errorf("after max-age: %+v, email called %d times (the notice that sms fails, then the message)", out, email.calls)
	}
	if left, _ := store.Outbox(ctx); len(left) != 0 {
		t.Errorf("outbox = %+v", left)
	}
	if fmt.Sprint(observed) != "[sms:retry email:sent sms:rerouted email:sent]" {
		t.Errorf("observed %v", observed)
	}
}

// Undeliverable messages are counted (they were not, in metrics).
func TestUndeliverableObserved(t *testing.T) {
	c := newClock()
	h := &fakeHandler{always: errors.New("550 no such user")}
	d, store, _ := newDispatcher(t, c, map[string]Handler{"email": h}, hc("email", ""))
	var observed []string
	d.Observe = func(h, outcome string) { observed = append(observed, h+":"+outcome) }
	enqueue(t, store, "email", c.now())
	d.Flush(context.Background())
	if fmt.Sprint(observed) != "[email:undeliverable]" {
		t.Errorf("observed %v", observed)
	}
}

// The memory queue (state file unavailable) gives the dispatcher the same
// retry-within-a-flush, fallback and bury behaviour, and says what is left.
func TestMemoryQueue(t *testing.T) {
	c := newClock()
	sms := &fakeHandler{script: []error{errors.New("twilio: 400")}}
	email := &fakeHandler{}
	pager := &fakeHandler{always: errors.New("timeout"), retry: true}
	var n []alerts.Notification
	for i := range 250 {
		n = append(n, alerts.Notification{Status: alerts.StatusFiring, Host: fmt.Sprint("h", i)})
	}
	q := NewMemory([]alerts.Envelope{{Handler: "sms", Notifications: n[:1]}, {Handler: "pager", Notifications: n}, {Handler: "email"}}, c.now())
	d, _, _ := newDispatcher(t, c, map[string]Handler{"sms": sms, "email": email, "pager": pager}, hc("sms", "email"), hc("email", ""), hc("pager", ""))
	d.Queue = q
	out, err := d.Flush(context.Background())
	if err != nil || out.Sent != 2 || out.Rerouted != 1 || out.Retrying != 1 || email.calls != 2 || pager.calls != 1 {
		t.Fatalf("flush: %+v %v; email %d pager %d", out, err, email.calls, pager.calls)
	}
	left := q.Pending()
	if len(left) != 1 || left[0].Handler != "pager" || len(left[0].Notifications) != alerts.MaxNotifications || left[0].Keys != 0 {
		t.Errorf("pending = %+v", left)
	}
}
