package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"serverstats/alerts/store"
	"serverstats/cmd/serverstats/internal/check"
	"serverstats/cmd/serverstats/internal/heartbeat"
	"serverstats/cmd/serverstats/internal/textout"
	"serverstats/config"
)

// oneShot runs one command over its servers, prints the result and, with
// --alerts, records the run in the state store and sends what is due. It
// returns the exit code.
func (a *app) oneShot(ctx context.Context, cfg *config.Config, cmd *config.Command, o *opts) int {
	// Print handlers must not interleave with the JSON document.
	var out io.Writer = &blankLineFirst{w: a.stdout}
	if o.json {
		out = a.stderr
	}
	env := check.Env{Stdout: out, Stderr: a.stderr, Getenv: a.getenv, Log: a.logger()}
	if check.NeedsSSH(cmd) {
		env.Remote = check.OneShotRemote(cfg, nil)
	}
	beat := heartbeat.OneShot(ctx, cfg, a.getenv, env.Log, o.alerts) // cron: watch the watcher
	prog := textout.NewProgress(a.stderr, len(cmd.Hosts), a.isTTY(a.stderr))
	rep := check.New(cfg, env).Run(ctx, cmd, check.Options{
		Alerts: o.alerts, Flush: true, Progress: prog.Update,
		State: func(ctx context.Context) (*store.Store, error) { return a.openStore(ctx, cfg, o) },
		Collected: func(rep *check.Report) {
			prog.Finish()
			if !o.json {
				a.printTables(rep, o.raw, a.colour(o))
			}
		},
	})
	code := int(rep.Status())
	health, why := rep.Health()
	beat.End(ctx, health, cmd.Name+": "+why)
	if o.alerts {
		a.reportDelivery(rep)
		if rep.StateErr != nil {
			code = exitStateUnavailable
		}
		if !o.json {
			for _, h := range rep.Hosts {
				for _, r := range h.Actions {
					fmt.Fprintf(out, "%s: %s\n", h.Target.Name, r)
				}
			}
		}
	}
	if o.json {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		_ = enc.Encode(rep.JSON(code, statusNames[code], o.alerts))
	}
	return code
}

// blankLineFirst separates the print handlers' lines from the tables.
type blankLineFirst struct {
	w       io.Writer
	written bool
}

func (b *blankLineFirst) Write(p []byte) (int, error) {
	if !b.written {
		b.written = true
		if _, err := io.WriteString(b.w, "\n"); err != nil {
			return 0, err
		}
	}
	return b.w.Write(p)
}

func (a *app) colour(o *opts) bool {
	return !o.noColor && !o.json && a.getenv("NO_COLOR") == "" && a.isTTY(a.stdout)
}

const (
	bold  = "\x1b[1m"
	red   = "\x1b[31m"
	reset = "\x1b[0m"
)

// printTables prints one block per host in config order: the upper-cased
// host name, then its table, raw output, or failure.
func (a *app) printTables(rep *check.Report, raw, colour bool) {
	paint := func(code, s string) string {
		if !colour {
			return s
		}
		return code + s + reset
	}
	for i, h := range rep.Hosts {
		if i > 0 {
			fmt.Fprintln(a.stdout)
		}
		fmt.Fprintln(a.stdout, paint(bold, strings.ToUpper(h.Target.Name)))
		if h.Plugin != nil && h.Problem == "" {
			state := h.Plugin.Rows[0].Cells
			line := textout.Visible(state[0]+": "+state[2], "")
			if state[0] != "OK" {
				line = paint(red, line)
			}
			fmt.Fprintln(a.stdout, line)
		}
		if h.Note != "" {
			fmt.Fprintln(a.stdout, "note: "+textout.Visible(h.Note, ""))
		}
		for _, u := range h.Unknown {
			fmt.Fprintln(a.stdout, paint(red, "UNKNOWN: "+textout.Visible(u, "")))
		}
		if fail := h.FailureText(); fail != "" {
			fmt.Fprintln(a.stdout, paint(red, textout.Visible(fail, "")))
			if s := strings.TrimRight(string(h.Result.Stderr), "\n"); s != "" {
				fmt.Fprintln(a.stdout, textout.Visible(s, "\n\t"))
			}
			noTable := raw || h.Table == nil || len(h.Table.Rows) == 0
			if h.State == check.HostFailed || h.ParseErr != nil || (h.Problem != "" && noTable) {
				io.WriteString(a.stdout, textout.Visible(string(h.Result.Stdout), "\n\t"))
			}
			if h.Problem == "" || noTable {
				continue
			}
		} else if raw {
			io.WriteString(a.stdout, textout.Visible(string(h.Result.Stdout), "\n\t"))
			continue
		}
		if len(h.Table.Rows) == 0 {
			fmt.Fprintln(a.stdout, "(no rows)")
			continue
		}
		t := textout.NewTable(a.stdout, h.Table.Header)
		for _, r := range h.Table.Rows {
			if rep.Command.IsProbe() {
				r.Cells = clipCells(r.Cells, 60) // a whole HTML page in one cell helps nobody
			}
			t.Row(r.Cells...)
		}
		t.Render()
	}
}

// clipCells shortens each cell to one line of at most n runes.
func clipCells(cells []string, n int) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		c = strings.Join(strings.Fields(c), " ")
		if r := []rune(c); len(r) > n {
			c = string(r[:n-1]) + "…"
		}
		out[i] = c
	}
	return out
}

var statusNames = map[int]string{exitOK: "OK", exitWarning: "WARNING", exitCritical: "CRITICAL", exitUnknown: "UNKNOWN", exitStateUnavailable: "STATE UNAVAILABLE"}
