package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"serverstats/alerts"
	"serverstats/collectors"
	"serverstats/config"
	"serverstats/handlers"
)

// openStore opens the state file: --state, else the config's state-file,
// else the default path.
func (a *app) openStore(cfg *config.Config, o *opts) (*alerts.Store, error) {
	path := o.state
	if path == "" && cfg != nil {
		path = cfg.StateFile
	}
	if path == "" {
		home, _ := os.UserHomeDir()
		path = alerts.DefaultStatePath(a.getenv, os.Getuid(), home)
	}
	return alerts.OpenStore(path)
}

// dispatcher builds every configured handler and a dispatcher over store.
// Print handlers write to out.
func (a *app) dispatcher(cfg *config.Config, store *alerts.Store, out io.Writer, log *slog.Logger) *handlers.Dispatcher {
	hs := map[string]handlers.Handler{}
	for _, hc := range cfg.Handlers {
		h, err := handlers.New(hc, handlers.Env{Stdout: out, Stderr: a.stderr, Getenv: a.getenv, Logger: log})
		if err != nil {
			// Its messages stay queued, untouched, until a process that can
			// build it (the environment fixed, or the daemon) sends them.
			log.Error("handler cannot be built; its messages wait in the outbox", "handler", hc.Name, "error", err)
			continue
		}
		hs[hc.Name] = h
	}
	return &handlers.Dispatcher{
		Queue: store, Handlers: hs, Config: cfg.Handler, Log: log, Now: time.Now,
		Backoff: handlers.Backoff{Initial: cfg.Delivery.RetryInitial, Max: cfg.Delivery.RetryMax},
	}
}

// alert records the sweep in the state store, queues what is due, runs the
// remediations due (through remote for remote hosts), and makes one
// delivery attempt at everything queued (this run's and earlier runs'
// messages). It returns what was queued this run.
func (a *app) alert(ctx context.Context, cfg *config.Config, sw *sweep, o *opts, out io.Writer, remote collectors.Collector) ([]alerts.Envelope, handlers.Outcome, error) {
	store, err := a.openStore(cfg, o)
	if err != nil {
		return nil, handlers.Outcome{}, err
	}
	defer store.Close()
	tr, err := record(ctx, store, cfg, sw, time.Now())
	if err != nil {
		return nil, handlers.Outcome{}, err
	}
	log := a.logger()
	runActions(ctx, cfg, sw, remote, store, tr.Actions, log)
	res, err := a.dispatcher(cfg, store, out, log).Flush(ctx)
	return tr.Out, res, err
}

// record advances the alert states of sw's command in the store and queues
// what is due, in one transaction. It returns the transition saved: what
// was queued and the remediations due.
func record(ctx context.Context, store *alerts.Store, cfg *config.Config, sw *sweep, now time.Time) (alerts.Transition, error) {
	run := sw.run(cfg)
	var saved alerts.Transition
	err := store.Update(ctx, sw.Command.Name, now, func(states map[alerts.Key]alerts.State, mutes []alerts.Mute) (alerts.Transition, error) {
		saved = alerts.Decide(run, states, mutes, now)
		return saved, nil
	})
	if err != nil {
		return alerts.Transition{}, err
	}
	return saved, nil
}

// logger logs to stderr as text, warnings and up for one-shot runs.
func (a *app) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// reportDelivery tells stderr what could not be delivered.
func (a *app) reportDelivery(res handlers.Outcome) {
	if res.Retrying+res.Rerouted+res.Undeliverable == 0 {
		return
	}
	fmt.Fprintf(a.stderr, "serverstats: %d message(s) not delivered yet (%d will be retried, %d handed to a fallback, %d undeliverable); see serverstats status\n",
		res.Retrying+res.Rerouted+res.Undeliverable, res.Retrying, res.Rerouted, res.Undeliverable)
}
