package main

import (
	"context"
	"fmt"

	"serverstats/cmd/serverstats/internal/scaffold"
)

// scaffoldOpts are the switches of `serverstats scaffold`.
type scaffoldOpts struct {
	user, out string
}

// scaffold writes a systemd unit and a monit check for the daemon.
func (a *app) scaffold(_ context.Context, o *opts) int {
	cfg, err := a.loadConfig(o.config)
	if err != nil {
		fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
		return exitUsage
	}
	wrote, err := scaffold.Write(cfg, o.scaffold.out, o.scaffold.user)
	for _, p := range wrote {
		fmt.Fprintf(a.stdout, "wrote %s\n", p)
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
		return 1
	}
	return exitOK
}
