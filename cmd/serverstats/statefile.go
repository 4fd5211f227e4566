package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"serverstats/alerts/store"
	"serverstats/cmd/serverstats/internal/check"
	"serverstats/config"
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

// loadAndOpen loads the config and opens the state file, saying on stderr
// what failed; st is nil then, and code the exit code. With cfgOptional
// and --state, a config that does not load is no error (cfg is nil).
func (a *app) loadAndOpen(ctx context.Context, o *opts, cfgOptional bool) (cfg *config.Config, st *store.Store, code int) {
	cfg, err := a.loadConfig(o.config)
	if err != nil && !(cfgOptional && o.state != "") {
		fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
		return nil, nil, exitUsage
	}
	if st, err = a.openStore(ctx, cfg, o); err != nil {
		fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
		return nil, nil, exitUnknown
	}
	return cfg, st, exitOK
}

// logger logs to stderr as text, warnings and up, for one-shot runs.
func (a *app) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// reportDelivery tells stderr what could not be delivered.
func (a *app) reportDelivery(rep *check.Report) {
	o := rep.Delivery
	if rep.StateErr != nil {
		fmt.Fprintf(a.stderr, "serverstats: STATE UNAVAILABLE: %v\n", rep.StateErr)
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
