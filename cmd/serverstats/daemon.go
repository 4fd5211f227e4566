package main

import (
	"context"
	"errors"
	"fmt"

	"serverstats/alerts/store"
	"serverstats/cmd/serverstats/internal/daemon"
	"serverstats/config"
)

// runDaemon is `serverstats run`.
func (a *app) runDaemon(ctx context.Context, o *opts) int {
	err := daemon.Run(ctx, daemon.Options{
		Load: func() (*config.Config, error) { return a.load(o) },
		OpenState: func(ctx context.Context, cfg *config.Config) (*store.Store, error) {
			return a.openStore(ctx, cfg, o)
		},
		StatePath: func(cfg *config.Config) string { p, _ := a.statePath(cfg, o); return p },
		Stdout:    a.stdout, Stderr: a.stderr, Getenv: a.getenv, Version: version,
	})
	var ce *daemon.ConfigError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ce):
		fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
	return exitUnknown
}
