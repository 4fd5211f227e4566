package daemon

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"serverstats/config"
)

// fakeClock moves only when the test says so.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
	blocked chan struct{} // signalled each time someone waits
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock(t time.Time) *fakeClock {
	return &fakeClock{now: t, blocked: make(chan struct{}, 100)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
	} else {
		c.waiters = append(c.waiters, fakeWaiter{c.now.Add(d), ch})
	}
	c.blocked <- struct{}{}
	return ch
}

// advance moves the clock by d, firing due waiters, after the scheduler
// loop is waiting.
func (c *fakeClock) advance(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case <-c.blocked:
	case <-time.After(5 * time.Second):
		t.Fatal("scheduler loop never waited on the clock")
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	keep := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
		} else {
			keep = append(keep, w)
		}
	}
	c.waiters = keep
	c.mu.Unlock()
}

// waitIdle waits (bounded) until no run is in flight.
func waitIdle(t *testing.T, s *scheduler) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		s.mu.Lock()
		busy := false
		for _, r := range s.running {
			busy = busy || r
		}
		s.mu.Unlock()
		if !busy {
			return
		}
	}
	t.Fatal("runs still in flight after 5s")
}

// recorder collects run start times.
type recorder struct {
	mu    sync.Mutex
	times map[string][]time.Time
	dls   map[string][]time.Time
}

func (r *recorder) job(t *testing.T, name, spec string, c *fakeClock, hold <-chan struct{}) job {
	sched, err := config.CronParser.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	return job{name: name, schedule: sched, run: func(ctx context.Context, at, deadline time.Time) {
		r.mu.Lock()
		r.times[name] = append(r.times[name], at)
		r.dls[name] = append(r.dls[name], deadline)
		r.mu.Unlock()
		if hold != nil {
			select {
			case <-hold:
			case <-ctx.Done():
			}
		}
	}}
}

func TestSchedulerFiresOnTime(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	c := newFakeClock(t0)
	r := &recorder{times: map[string][]time.Time{}, dls: map[string][]time.Time{}}
	s := newScheduler(c, []job{
		r.job(t, "every10s", "@every 10s", c, nil),
		r.job(t, "minutely", "* * * * *", c, nil),
		r.job(t, "sec30", "30 * * * * *", c, nil), // 6 fields: at second 30 of every minute
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.loop(ctx, context.Background()); close(done) }()
	for i := 0; i < 155; i++ { // 155 one-second ticks; runs up to 2:30 are checked
		waitIdle(t, s) // runs take no time here; let them end before the next tick
		c.advance(t, time.Second)
	}
	cancel()
	c.advance(t, time.Second)
	<-done

	at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	want := map[string][]time.Time{
		"every10s": {at(10), at(20), at(30), at(40), at(50), at(60), at(70), at(80), at(90), at(100), at(110), at(120), at(130), at(140), at(150)},
		"minutely": {at(60), at(120)},
		"sec30":    {at(30), at(90), at(150)},
	}
	for name, w := range want {
		var got []time.Time
		for _, g := range r.times[name] {
			if !g.After(at(150)) {
				got = append(got, g)
			}
		}
		if len(got) != len(w) {
			t.Errorf("%s ran at %v, want %v", name, got, w)
			continue
		}
		for i := range w {
			if !got[i].Equal(w[i]) {
				t.Errorf("%s run %d at %v, want %v", name, i, got[i], w[i])
			}
		}
	}
	// Each run's deadline comes before the job's next run.
	if dl := r.dls["every10s"][0]; !dl.Before(at(20)) || !dl.After(at(10)) {
		t.Errorf("every10s deadline %v, want within (10s, 20s)", dl)
	}
	if dl := r.dls["minutely"][0]; !dl.Equal(at(115)) {
		t.Errorf("minutely deadline %v, want 5s before the next run (1:55)", dl)
	}
}

func TestSchedulerSkipsOverlaps(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	c := newFakeClock(t0)
	r := &recorder{times: map[string][]time.Time{}, dls: map[string][]time.Time{}}
	hold := make(chan struct{})
	s := newScheduler(c, []job{r.job(t, "slow", "@every 10s", c, hold)})
	var skipped []string
	var mu sync.Mutex
	s.onSkip = func(n string) { mu.Lock(); skipped = append(skipped, n); mu.Unlock() }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.loop(ctx, context.Background()); close(done) }()
	for i := 0; i < 35; i++ { // runs due at 10, 20, 30: the first never ends until released
		c.advance(t, time.Second)
	}
	close(hold)
	cancel()
	c.advance(t, time.Second)
	<-done
	st := s.snapshot()["slow"]
	if st.Started != 1 || st.Skipped != 2 || len(skipped) != 2 {
		t.Errorf("started %d, skipped %d (%v); want 1 and 2", st.Started, st.Skipped, skipped)
	}
}

// A run missed while the daemon was down (or never made) is made at once;
// a restart inside an interval adds none.
func TestMissedRun(t *testing.T) {
	now := time.Date(2026, 12, 3, 3, 12, 0, 0, time.UTC)
	every10s, _ := config.CronParser.Parse("@every 10s")
	nightly, _ := config.CronParser.Parse("0 2 * * *")
	for _, tt := range []struct {
		name     string
		schedule string
		last     time.Time
		want     bool
	}{
		{"never ran", "@every 10s", time.Time{}, true},
		{"ran 5s ago", "@every 10s", now.Add(-5 * time.Second), false},
		{"ran 15s ago", "@every 10s", now.Add(-15 * time.Second), true},
		{"nightly, ran at 02:00 today", "0 2 * * *", time.Date(2026, 12, 3, 2, 0, 3, 0, time.UTC), false},
		{"nightly, last ran yesterday", "0 2 * * *", time.Date(2026, 12, 2, 2, 0, 3, 0, time.UTC), true},
	} {
		s := every10s
		if tt.schedule != "@every 10s" {
			s = nightly
		}
		if got := missedRun(s, tt.last, now); got != tt.want {
			t.Errorf("%s: missedRun = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// A job marked catchUp runs as soon as the loop starts, then on its
// schedule; the others wait for their time.
func TestSchedulerCatchUp(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 3, 12, 0, 0, time.UTC)
	c := newFakeClock(t0)
	r := &recorder{times: map[string][]time.Time{}, dls: map[string][]time.Time{}}
	missed := r.job(t, "missed", "@every 1m", c, nil)
	missed.catchUp = true
	s := newScheduler(c, []job{missed, r.job(t, "ontime", "@every 1m", c, nil)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.loop(ctx, context.Background()); close(done) }()
	for range 61 {
		waitIdle(t, s)
		c.advance(t, time.Second)
	}
	cancel()
	c.advance(t, time.Second)
	<-done
	if got := r.times["missed"]; len(got) < 2 || !got[0].Equal(t0) || !got[1].Equal(t0.Add(time.Minute)) {
		t.Errorf("missed ran at %v, want at the start (%v) and a minute later", got, t0)
	}
	if got := r.times["ontime"]; len(got) != 1 || !got[0].Equal(t0.Add(time.Minute)) {
		t.Errorf("ontime ran at %v, want once, a minute after the start", got)
	}
}

// A reload catches up only the commands the running config did not have:
// one it was scheduling may have a run in progress, whose mark is not
// written yet, and it would run twice at once.
func TestReloadCatchesUpOnlyNewCommands(t *testing.T) {
	d, _, _ := testDaemon(t, pageConfig, nil)
	cfgOf := func(extra string) *config.Config {
		cfg, err := config.Parse(filepath.Join(t.TempDir(), "serverstats.yaml"), []byte(pageConfig+extra))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	catchUps := func() map[string]bool {
		g := d.current()
		t.Cleanup(func() { g.stop(); <-g.stopped })
		out := map[string]bool{}
		for _, j := range g.sched.jobs {
			out[j.name] = j.catchUp
		}
		return out
	}
	// Never run: caught up at start, even by a reload that keeps it...
	fresh := "  fresh:\n    cmd: \"true\"\n    servers: [here]\n    schedule: \"@every 1h\"\n"
	ctx := context.Background()
	d.start(ctx, cfgOf(fresh), nil)
	if got := catchUps(); !got["fresh"] {
		t.Errorf("at start: %v, want fresh caught up", got)
	}
	// ... but not on a reload of the running config, and a command the
	// reload adds is.
	newer := "  newer:\n    cmd: \"true\"\n    servers: [here]\n    schedule: \"@every 1h\"\n"
	d.start(ctx, cfgOf(fresh+newer), d.current())
	if got := catchUps(); got["fresh"] || !got["newer"] {
		t.Errorf("on reload: %v, want newer caught up and fresh not", got)
	}
}
