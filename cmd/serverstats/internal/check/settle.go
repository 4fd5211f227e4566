package check

import (
	"context"
	"errors"
	"fmt"
	"time"

	"serverstats/alerts"
	"serverstats/alerts/store"
	"serverstats/config"
	"serverstats/handlers"
)

// NewDispatcher builds every handler of cfg and a dispatcher over q. Print
// handlers write to env.Stdout. A handler that cannot be built is Broken:
// its messages fail with the reason, so max-age and fallback apply.
func NewDispatcher(cfg *config.Config, q handlers.Queue, env Env) *handlers.Dispatcher {
	hs := map[string]handlers.Handler{}
	broken := map[string]error{}
	redact := handlers.NewRedactor(handlers.ConfigSecrets(cfg, env.Getenv)...)
	for _, hc := range cfg.Handlers {
		h, err := handlers.New(hc, handlers.Env{Stdout: env.Stdout, Stderr: env.Stderr, Getenv: env.Getenv, Logger: env.Log, Redact: redact, StatusURL: env.StatusURL})
		if err != nil {
			env.Log.Error("handler cannot be built; its messages are retried, then handed to its fallback after max-age", "handler", hc.Name, "error", err)
			broken[hc.Name] = err
			continue
		}
		hs[hc.Name] = h
	}
	return &handlers.Dispatcher{
		Queue: q, Handlers: hs, Broken: broken, Config: cfg.Handler, Log: env.Log, Now: env.Now, Observe: env.Observe,
		Backoff: handlers.Backoff{Initial: cfg.Delivery.RetryInitial, Max: cfg.Delivery.RetryMax}, Redact: redact,
		Trail: store.TrailLimits{MaxAge: cfg.Delivery.TrailMaxAge, MaxEntries: cfg.Delivery.TrailEntries}, FailureHandlers: cfg.OnCommandFailure.Handlers,
	}
}

// Dispatcher is the Checker's dispatcher (its handlers, built once) over q.
func (c *Checker) Dispatcher(q handlers.Queue) *handlers.Dispatcher {
	d := *c.disp
	d.Queue = q
	return &d
}

// settle records rep in the state file, queues what is due and runs the
// remediations due; with flush, it then makes one delivery attempt at
// everything queued (this run's and earlier runs' messages). st is nil when
// the state file could not be opened (openErr says why).
//
// When the state cannot be read or written, the run still tells: every
// finding that holds and every host not checked go directly to their
// handlers (alerts.Direct), each message marked "state unavailable", and
// rep.StateErr is set for the caller to make loud.
func (c *Checker) settle(ctx context.Context, rep *Report, st *store.Store, openErr error, flush bool) {
	now := c.env.Now()
	if st == nil {
		c.direct(ctx, rep, "open", openErr, now)
		return
	}
	tr, err := Record(ctx, st, rep.AlertRun(c.cfg, c.deps), append(c.cfg.MaintenanceMutes(now), c.parentMutes(ctx, st, rep, now)...), now)
	if err != nil {
		c.direct(ctx, rep, "update", err, now)
		return
	}
	for _, n := range tr.Notes {
		c.env.Log.Warn(n)
	}
	rep.Queued = tr.Out
	if err := c.runActions(ctx, rep, st, tr.Actions); err != nil {
		rep.StateErr, rep.StateOp = err, "update"
	}
	code, why := rep.Health()
	if err := st.MarkRun(ctx, rep.Command.Name, now, code, alerts.Clip(why, alerts.MaxTextLen)); err != nil {
		c.env.Log.Warn("last run not recorded for serverstats status", "error", err)
	}
	if _, err := st.MaybePrune(ctx, now); err != nil {
		c.env.Log.Warn("state file not pruned", "error", err)
	}
	if !flush {
		return
	}
	rep.Delivery, err = c.Dispatcher(st).Flush(ctx)
	if err != nil && store.IsUnavailable(err) {
		// Recorded, but the outbox cannot be worked: this run's messages go
		// out directly too (at least once; the outbox may send them again
		// once the file works).
		rep.StateErr, rep.StateOp = err, "deliver"
		warn := "state unavailable: " + stateReason(err)
		for i := range tr.Out {
			for j := range tr.Out[i].Notifications {
				tr.Out[i].Notifications[j].Warning = warn
			}
		}
		direct, _ := c.Dispatcher(handlers.NewMemory(tr.Out, now)).Flush(ctx)
		rep.Delivery.Sent += direct.Sent
		rep.Delivery.Retrying += direct.Retrying + direct.Rerouted + direct.Undeliverable
	}
}

// direct delivers a run's alerts without the state file (see settle).
func (c *Checker) direct(ctx context.Context, rep *Report, op string, stateErr error, now time.Time) {
	envs := alerts.Direct(rep.AlertRun(c.cfg, c.deps), c.cfg.MaintenanceMutes(now), now, "state unavailable: "+stateReason(stateErr))
	rep.Delivery, _ = c.Dispatcher(handlers.NewMemory(envs, now)).Flush(ctx)
	rep.Queued, rep.StateErr, rep.StateOp = envs, stateErr, op
}

// stateReason is the short form of a state failure for messages: what
// kind of failure, without the path and the fix.
func stateReason(err error) string {
	var se *store.Error
	if errors.As(err, &se) {
		return fmt.Sprintf("state file %s", se.Kind)
	}
	return "state file failed"
}

// Record advances the alert states of run's command in st and queues what
// is due, in one transaction (alerts.Decide inside store.Update), with the
// store's mutes and extra ones (the maintenance windows open now). It
// returns the transition saved: what was queued and the remediations due.
func Record(ctx context.Context, st *store.Store, run alerts.Run, extra []alerts.Mute, now time.Time) (alerts.Transition, error) {
	hosts := make([]string, len(run.Hosts))
	for i, h := range run.Hosts {
		hosts[i] = h.Host
	}
	var saved alerts.Transition
	queued, err := st.Update(ctx, run.Command, hosts, now, func(states map[alerts.Key]alerts.State, mutes []alerts.Mute) (alerts.Transition, error) {
		saved = alerts.Decide(run, states, append(mutes, extra...), now)
		return saved, nil
	})
	if err != nil {
		return alerts.Transition{}, err
	}
	saved.Out = queued
	return saved, nil
}
