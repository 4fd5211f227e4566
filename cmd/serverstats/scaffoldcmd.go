package main

import (
	"context"
	"fmt"

	"serverstats/cmd/serverstats/internal/scaffold"
)

// scaffold writes a systemd unit and a monit check for the daemon.
func (a *app) scaffold(_ context.Context, o *opts) int {
	cfg, err := a.load(o)
	if err != nil {
		fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
		return exitUsage
	}
	wrote, err := scaffold.Write(cfg, scaffold.Options{Dir: o.scaffold.Dir, User: o.scaffold.User, Cron: o.scaffold.Cron, Out: a.stdout, Shard: o.shard})
	for _, p := range wrote {
		fmt.Fprintf(a.stdout, "wrote %s\n", p)
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
		return 1
	}
	return exitOK
}
