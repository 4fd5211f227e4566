package daemon

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"serverstats/config"
)

// A job is overdue once two of its times have passed without a run.
func TestIsOverdue(t *testing.T) {
	every5, err := config.CronParser.Parse("*/5 * * * *")
	if err != nil {
		t.Fatal(err)
	}
	last := time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC) // ran at 03:00; due 03:05, 03:10
	for _, c := range []struct {
		now  time.Time
		want bool
	}{
		{last.Add(4 * time.Minute), false},                  // before the next run
		{last.Add(9 * time.Minute), false},                  // one run missed: could be a skip
		{last.Add(10 * time.Minute), false},                 // the second is due just now
		{last.Add(10*time.Minute + overdueSlack), false},    // within the slack
		{last.Add(10*time.Minute + overdueSlack + 1), true}, // two missed
		{last.Add(3 * time.Hour), true},                     // long gone
	} {
		if got := isOverdue(every5, last, c.now); got != c.want {
			t.Errorf("last run 03:00, now %s: overdue %v, want %v", c.now.Format("15:04:05.000"), got, c.want)
		}
	}
}

// /healthz turns 503 naming the command that has not run for two
// intervals, with the clock injected: no waiting.
func TestHealthzOverdue(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC)
	clk := newFakeClock(t0)
	every1, _ := config.CronParser.Parse("@every 1m")
	s := newScheduler(clk, []job{{name: "disk", schedule: every1}, {name: "load", schedule: every1}})
	s.began = t0
	d := &daemon{opts: Options{clock: clk, Version: "test"}, started: t0, gen: &generation{sched: s}}
	get := func() (int, string) {
		w := httptest.NewRecorder()
		d.healthz(w, httptest.NewRequest("GET", "/healthz", nil))
		return w.Code, w.Body.String()
	}
	at := func(now time.Time, loadRan time.Time) {
		clk.mu.Lock()
		clk.now = now
		clk.mu.Unlock()
		s.mu.Lock()
		s.beat = now // the loop is alive
		s.ran["disk"] = now.Add(-30 * time.Second)
		s.ran["load"] = loadRan
		s.mu.Unlock()
	}
	at(t0.Add(90*time.Second), t0.Add(time.Minute))
	if code, body := get(); code != http.StatusOK || !strings.HasPrefix(body, "Status OK") {
		t.Fatalf("both ran lately: %d %q", code, body)
	}
	at(t0.Add(10*time.Minute), t0.Add(time.Minute)) // load last ran 9 minutes ago
	code, body := get()
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "not run for two of their intervals: load") || strings.Contains(body, "disk") {
		t.Fatalf("load overdue: %d %q", code, body)
	}
}
