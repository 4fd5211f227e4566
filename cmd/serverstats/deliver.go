package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"serverstats/alerts"
	"serverstats/alerts/store"
	"serverstats/collectors"
	"serverstats/config"
	"serverstats/handlers"
)

// statePath is the state file: --state, else the config's state-file, else
// the default path (whose directory the store keeps at 0700).
func (a *app) statePath(cfg *config.Config, o *opts) (path string, isDefault bool) {
	path = o.state
	if path == "" && cfg != nil {
		path = cfg.StateFile
	}
	if path == "" {
		home, _ := os.UserHomeDir()
		return store.DefaultPath(a.getenv, os.Getuid(), home), true
	}
	return path, false
}

// openStore opens the state file.
func (a *app) openStore(ctx context.Context, cfg *config.Config, o *opts) (*store.Store, error) {
	path, isDefault := a.statePath(cfg, o)
	return store.Open(ctx, path, store.Options{TightenDir: isDefault})
}

// dispatcher builds every configured handler and a dispatcher over q.
// Print handlers write to out. A handler that cannot be built here is
// Broken: its messages fail with the reason, so max-age and fallback apply.
func (a *app) dispatcher(cfg *config.Config, q handlers.Queue, out io.Writer, log *slog.Logger) *handlers.Dispatcher {
	hs := map[string]handlers.Handler{}
	broken := map[string]error{}
	for _, hc := range cfg.Handlers {
		h, err := handlers.New(hc, handlers.Env{Stdout: out, Stderr: a.stderr, Getenv: a.getenv, Logger: log})
		if err != nil {
			log.Error("handler cannot be built; its messages are retried, then handed to its fallback after max-age", "handler", hc.Name, "error", err)
			broken[hc.Name] = err
			continue
		}
		hs[hc.Name] = h
	}
	return &handlers.Dispatcher{
		Queue: q, Handlers: hs, Broken: broken, Config: cfg.Handler, Log: log, Now: time.Now,
		Backoff: handlers.Backoff{Initial: cfg.Delivery.RetryInitial, Max: cfg.Delivery.RetryMax},
	}
}

// settled is what became of one run's alerts.
type settled struct {
	Queued   []alerts.Envelope // what the run queued (or, without state, sent directly)
	Outcome  handlers.Outcome  // delivery attempts made now
	StateErr error             // the state file could not be used: alerts went out directly
}

// settle records a sweep in the state file, queues what is due and runs
// the remediations due; with flush, it then makes one delivery attempt at
// everything queued (this run's and earlier runs' messages). st is nil when
// the state file could not be opened (openErr says why).
//
// When the state cannot be read or written, the run still tells: every
// finding that holds and every host not checked go directly to their
// handlers (alerts.Direct), each message marked "state unavailable", and
// StateErr is set for the caller to make loud. The one-shot, cron and the
// daemon all come through here.
func (a *app) settle(ctx context.Context, cfg *config.Config, sw *sweep, st *store.Store, openErr error, remote collectors.Collector, out io.Writer, log *slog.Logger, flush bool) settled {
	now := time.Now()
	if st == nil {
		return a.direct(ctx, cfg, sw, openErr, out, log, now)
	}
	tr, err := record(ctx, st, cfg, sw, now)
	if err != nil {
		return a.direct(ctx, cfg, sw, err, out, log, now)
	}
	for _, n := range tr.Notes {
		log.Warn(n)
	}
	res := settled{Queued: tr.Out}
	if err := runActions(ctx, cfg, sw, remote, st, tr.Actions, log); err != nil {
		res.StateErr = err
	}
	if _, err := st.MaybePrune(ctx, now); err != nil {
		log.Warn("state file not pruned", "error", err)
	}
	if flush {
		var err error
		res.Outcome, err = a.dispatcher(cfg, st, out, log).Flush(ctx)
		if err != nil && store.IsUnavailable(err) {
			// Recorded, but the outbox cannot be worked: this run's messages
			// go out directly too (at least once; the outbox may send them
			// again once the file works).
			res.StateErr = err
			warn := "state unavailable: " + stateReason(err)
			for i := range tr.Out {
				for j := range tr.Out[i].Notifications {
					tr.Out[i].Notifications[j].Warning = warn
				}
			}
			direct, _ := a.dispatcher(cfg, handlers.NewMemory(tr.Out, now), out, log).Flush(ctx)
			res.Outcome.Sent += direct.Sent
			res.Outcome.Retrying += direct.Retrying + direct.Rerouted + direct.Undeliverable
		}
	}
	return res
}

// direct delivers a run's alerts without the state file (see settle).
func (a *app) direct(ctx context.Context, cfg *config.Config, sw *sweep, stateErr error, out io.Writer, log *slog.Logger, now time.Time) settled {
	envs := alerts.Direct(sw.run(cfg), now, "state unavailable: "+stateReason(stateErr))
	q := handlers.NewMemory(envs, now)
	res, _ := a.dispatcher(cfg, q, out, log).Flush(ctx)
	return settled{Queued: envs, Outcome: res, StateErr: stateErr}
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

// record advances the alert states of sw's command in the store and queues
// what is due, in one transaction. It returns the transition saved: what
// was queued and the remediations due.
func record(ctx context.Context, st *store.Store, cfg *config.Config, sw *sweep, now time.Time) (alerts.Transition, error) {
	run := sw.run(cfg)
	hosts := make([]string, len(run.Hosts))
	for i, h := range run.Hosts {
		hosts[i] = h.Host
	}
	var saved alerts.Transition
	queued, err := st.Update(ctx, sw.Command.Name, hosts, now, func(states map[alerts.Key]alerts.State, mutes []alerts.Mute) (alerts.Transition, error) {
		saved = alerts.Decide(run, states, mutes, now)
		return saved, nil
	})
	if err != nil {
		return alerts.Transition{}, err
	}
	saved.Out = queued
	return saved, nil
}

// logger logs to stderr as text, warnings and up for one-shot runs.
func (a *app) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// reportDelivery tells stderr what could not be delivered.
func (a *app) reportDelivery(res settled) {
	o := res.Outcome
	if res.StateErr != nil {
		fmt.Fprintf(a.stderr, "serverstats: STATE UNAVAILABLE: %v\n", res.StateErr)
		fmt.Fprintf(a.stderr, "serverstats: alerts were delivered directly, without debounce, mutes or reminders: %d message(s) sent, %d not delivered (lost when this process ends)\n",
			o.Sent, o.Retrying+o.Rerouted+o.Undeliverable)
		return
	}
	if o.Retrying+o.Rerouted+o.Undeliverable == 0 {
		return
	}
	fmt.Fprintf(a.stderr, "serverstats: %d message(s) not delivered yet (%d will be retried, %d handed to a fallback, %d undeliverable); see serverstats status\n",
		o.Retrying+o.Rerouted+o.Undeliverable, o.Retrying, o.Rerouted, o.Undeliverable)
}
