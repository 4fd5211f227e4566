package heartbeat

import (
	"context"
	"log/slog"

	"serverstats/config"
)

// Run is the pings of one run: the start ping goes in the background, so
// that a slow heartbeat service never delays the run, and End waits for it
// before sending the outcome (the service pairs them by run id).
type Run struct {
	p       *Pinger
	rid     string
	started bool
	done    chan struct{}
}

// Begin starts the pings of a run; with start, /start is sent now (in the
// background). On a nil Pinger it returns a Run that pings nothing.
func (p *Pinger) Begin(ctx context.Context, start bool) *Run {
	return p.BeginQueued(ctx, start, func(f func()) bool { go f(); return true })
}

// BeginQueued is Begin with the /start ping handed to queue (a Serial's
// Go): it reaches the service before every ping queued after it, as the
// daemon's outcomes are (an outcome of another command, decided after
// this start, was seen to overtake it). When queue refuses it, it goes in
// the background.
func (p *Pinger) BeginQueued(ctx context.Context, start bool, queue func(func()) bool) *Run {
	r := &Run{p: p, rid: NewRID(), started: start && p != nil, done: make(chan struct{})}
	if !r.started {
		close(r.done)
		return r
	}
	send := func() {
		defer close(r.done)
		p.Start(ctx, r.rid)
	}
	if !queue(send) {
		go send()
	}
	return r
}

// Started reports whether the run pinged /start.
func (r *Run) Started() bool { return r.started }

// End sends the run's outcome (code 0: success, else /<code>) once the
// start ping is done.
func (r *Run) End(ctx context.Context, code int, body string) {
	<-r.done
	r.p.Finish(ctx, r.rid, code, body)
}

// OneShot begins the pings of a one-shot run (cron): with alerts, /start
// now and the outcome at End; without (an interactive look at the
// tables), nothing. A URL that cannot be read is logged, not fatal.
func OneShot(ctx context.Context, cfg *config.Config, getenv func(string) string, log *slog.Logger, alerts bool) *Run {
	if !alerts {
		return (*Pinger)(nil).Begin(ctx, false)
	}
	p, err := New(cfg, getenv, log)
	if err != nil && log != nil {
		log.Error(err.Error())
	}
	return p.Begin(ctx, true)
}
