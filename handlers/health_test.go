package handlers

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// A failing handler is told to its fallback in the flush that saw it fail,
// once (not at every retry), and its recovery is told once too.
func TestHandlerFailingToldToFallback(t *testing.T) {
	c := newClock()
	down := errors.New("twilio error 20500 (HTTP 500)")
	sms := &fakeHandler{script: []error{down, down}, retry: true}
	email := &fakeHandler{}
	d, st, _ := newDispatcher(t, c, map[string]Handler{"sms": sms, "email": email}, hc("sms", "email"), hc("email", ""))
	enqueue(t, st, "sms", c.now())
	for _, step := range []time.Duration{0, time.Minute, time.Hour} {
		c.add(step)
		if _, err := d.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if step == 0 && email.calls != 1 {
			t.Fatalf("the fallback was not told in the flush that saw sms fail: %q", email.got)
		}
	}
	want := "[serverstats sms handler sms failing: twilio error 20500 (HTTP 500) serverstats sms handler sms delivers again]"
	if fmt.Sprint(email.got) != want || sms.calls != 3 {
		t.Errorf("email got %q, sms called %d times\nwant %s, 3 calls", email.got, sms.calls, want)
	}
}

// Without a fallback, the on-command-failure handlers are told, never the
// failing handler itself; two handlers failing on each other's notices
// make one notice each, not a loop.
func TestHandlerFailingNoLoop(t *testing.T) {
	c := newClock()
	sms := &fakeHandler{always: errors.New("HTTP 500"), retry: true}
	email := &fakeHandler{always: errors.New("451 try later"), retry: true}
	d, st, _ := newDispatcher(t, c, map[string]Handler{"sms": sms, "email": email}, hc("sms", ""), hc("email", ""))
	d.FailureHandlers = []string{"sms", "email"}
	enqueue(t, st, "sms", c.now())
	for range 20 {
		if _, err := d.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		c.add(10 * time.Minute)
	}
	left, _ := st.Outbox(context.Background())
	if len(left) != 3 {
		t.Errorf("%d messages queued; want 3: the page, the notice that sms fails (to email), the notice that email fails (to sms)", len(left))
	}
	for _, e := range left {
		if n := e.Notifications[0]; n.Command == HealthCommand && n.Key == e.Handler {
			t.Errorf("handler %s was sent the notice about itself", e.Handler)
		}
	}
}

func TestHealthTargets(t *testing.T) {
	for _, tc := range []struct {
		failing, fallback string
		onFailure         []string
		want              string
	}{
		{"sms", "email", []string{"pager"}, "[email]"},
		{"sms", "", []string{"sms", "pager", "pager"}, "[pager]"},
		{"sms", "sms", []string{"sms"}, "[]"},
	} {
		if got := fmt.Sprint(healthTargets(tc.failing, tc.fallback, tc.onFailure)); got != tc.want {
			t.Errorf("healthTargets(%q, %q, %v) = %s, want %s", tc.failing, tc.fallback, tc.onFailure, got, tc.want)
		}
	}
}
