package daemon

import (
	"context"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// clock is the scheduler's view of time, injectable for tests.
type clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// job is one scheduled command.
type job struct {
	name     string
	schedule cron.Schedule
	catchUp  bool                                              // run once as soon as the loop starts, then on schedule
	run      func(ctx context.Context, at, deadline time.Time) // at: the scheduled time
}

// schedulerStats counts what the scheduler did, per job.
type schedulerStats struct {
	Started, Skipped int
}

// scheduler runs each job at its schedule's times, one run at a time per
// job: a run still going at the next time is not started twice, and the
// skip is counted. Each run gets a deadline before the job's next time.
type scheduler struct {
	clock   clock
	jobs    []job
	mu      sync.Mutex
	running map[string]bool
	stats   map[string]*schedulerStats
	beat    time.Time            // last time the loop was alive
	began   time.Time            // when the loop began
	ran     map[string]time.Time // per job: when its last run started
	wg      sync.WaitGroup
	// onSkip is told of each skipped run (for logs and metrics); may be nil.
	onSkip func(name string)
}

func newScheduler(c clock, jobs []job) *scheduler {
	s := &scheduler{clock: c, jobs: jobs, running: map[string]bool{}, stats: map[string]*schedulerStats{}, ran: map[string]time.Time{}}
	for _, j := range jobs {
		s.stats[j.name] = &schedulerStats{}
	}
	return s
}

// runDeadline is the deadline of a run starting at start whose next run is
// at next: a little before next, so runs never pile up.
func runDeadline(start, next time.Time) time.Time {
	interval := next.Sub(start)
	margin := min(interval/10, 5*time.Second)
	return next.Add(-margin)
}

// loop schedules until ctx ends, then waits for the runs in flight (whose
// own contexts are the caller's business: runCtx).
func (s *scheduler) loop(ctx, runCtx context.Context) {
	now := s.clock.Now()
	s.mu.Lock()
	s.began = now
	s.mu.Unlock()
	next := make([]time.Time, len(s.jobs))
	for i, j := range s.jobs {
		next[i] = j.schedule.Next(now)
		if j.catchUp {
			next[i] = now
		}
	}
	const heartbeat = time.Second
	for {
		s.mu.Lock()
		s.beat = now
		s.mu.Unlock()
		soonest := now.Add(heartbeat)
		for _, t := range next {
			if !t.IsZero() && t.Before(soonest) {
				soonest = t
			}
		}
		select {
		case <-ctx.Done():
			s.wg.Wait()
			return
		case <-s.clock.After(soonest.Sub(now)):
		}
		now = s.clock.Now()
		for i, j := range s.jobs {
			if next[i].IsZero() || now.Before(next[i]) {
				continue // zero: the schedule never fires (config validation refuses those)
			}
			after := j.schedule.Next(now)
			s.start(runCtx, j, next[i], runDeadline(now, after))
			next[i] = after
		}
	}
}

// start runs j unless its previous run is still going.
func (s *scheduler) start(ctx context.Context, j job, at, deadline time.Time) {
	s.mu.Lock()
	if s.running[j.name] {
		s.stats[j.name].Skipped++
		s.mu.Unlock()
		if s.onSkip != nil {
			s.onSkip(j.name)
		}
		return
	}
	s.running[j.name] = true
	s.ran[j.name] = s.clock.Now()
	s.stats[j.name].Started++
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			s.mu.Lock()
			s.running[j.name] = false
			s.mu.Unlock()
		}()
		j.run(ctx, at, deadline)
	}()
}

// alive reports whether the loop has beaten within the last few seconds.
func (s *scheduler) alive(now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.beat.IsZero() && now.Sub(s.beat) < 5*time.Second
}

// snapshot copies the per-job counters.
func (s *scheduler) snapshot() map[string]schedulerStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]schedulerStats, len(s.stats))
	for k, v := range s.stats {
		out[k] = *v
	}
	return out
}

// overdue lists the jobs that have not started a run for two of their
// intervals (since the loop began, for a job that never ran): a wedged
// run, a scheduler that stopped firing. /healthz turns 503 for them.
func (s *scheduler) overdue(now time.Time) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.began.IsZero() {
		return nil
	}
	var out []string
	for _, j := range s.jobs {
		last, ok := s.ran[j.name]
		if !ok {
			last = s.began
		}
		if isOverdue(j.schedule, last, now) {
			out = append(out, j.name)
		}
	}
	return out
}

// isOverdue reports whether, after a run at last, two of sched's times
// have passed by now without a run (with a little slack for the loop's
// own tick).
func isOverdue(sched cron.Schedule, last, now time.Time) bool {
	second := sched.Next(sched.Next(last))
	return !second.IsZero() && now.After(second.Add(overdueSlack))
}

// overdueSlack is how late past its second missed time a job is overdue.
const overdueSlack = 5 * time.Second
