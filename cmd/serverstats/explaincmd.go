package main

import (
	"context"
	"fmt"
	"time"

	"serverstats/cmd/serverstats/internal/explain"
)

// explain says why the alerts of a host and command did or did not notify.
func (a *app) explain(ctx context.Context, o *opts) int {
	m := o.muteOpt
	if m.host == "" || m.command == "" {
		fmt.Fprintln(a.stderr, "serverstats: explain needs --host and --command (and may take --rule and --json)")
		return exitUsage
	}
	cfg, st, code := a.loadAndOpen(ctx, o, false)
	if st == nil {
		return code
	}
	defer st.Close()
	now := time.Now()
	snap, err := explain.Read(ctx, st, m.host, m.command, now)
	if err != nil {
		fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
		return exitUnknown
	}
	reasons, err := explain.Explain(cfg, snap, explain.Query{Host: m.host, Command: m.command, Rule: m.rule}, now)
	if err != nil {
		fmt.Fprintf(a.stderr, "serverstats: explain: %v\n", err)
		return exitUsage
	}
	if o.json {
		_ = explain.PrintJSON(a.stdout, reasons)
	} else {
		explain.Print(a.stdout, reasons)
	}
	return exitOK
}
