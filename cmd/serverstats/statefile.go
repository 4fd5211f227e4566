package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"serverstats/alerts/store"
	"serverstats/cmd/serverstats/internal/check"
	"serverstats/cmd/serverstats/internal/history"
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
	cfg, err := a.load(o)
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
	for _, l := range rep.DeliveryLines() {
		fmt.Fprintln(a.stderr, "serverstats: "+l)
	}
}

// history prints the delivery trail (internal/history).
func (a *app) history(ctx context.Context, o *opts) int {
	since, err := history.ParseSince(o.since, time.Now(), time.Local)
	if err != nil {
		fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
		return exitUsage
	}
	cfg, _ := a.loadConfig(o.config) // the state file may be named by --state alone
	st, err := a.openStore(ctx, cfg, o)
	if err == nil {
		defer st.Close()
		err = history.Run(ctx, st, history.Filter{Host: o.muteOpt.host, Command: o.muteOpt.command, Since: since}, a.stdout, o.json, time.Local)
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
		return exitUnknown
	}
	return exitOK
}
