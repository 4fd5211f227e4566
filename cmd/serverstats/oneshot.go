package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"serverstats/alerts/store"
	"serverstats/cmd/serverstats/internal/check"
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
	prog := a.progress(len(cmd.Hosts))
	rep := check.New(cfg, env).Run(ctx, cmd, check.Options{
		Alerts: o.alerts, Flush: true, Progress: prog.update,
		State: func(ctx context.Context) (*store.Store, error) { return a.openStore(ctx, cfg, o) },
		Collected: func(rep *check.Report) {
			prog.finish()
			if !o.json {
				a.printTables(rep, o.raw, a.colour(o))
			}
		},
	})
	code := int(rep.Status())
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
			line := visible(state[0]+": "+state[2], "")
			if state[0] != "OK" {
				line = paint(red, line)
			}
			fmt.Fprintln(a.stdout, line)
		}
		if h.Note != "" {
			fmt.Fprintln(a.stdout, "note: "+visible(h.Note, ""))
		}
		for _, u := range h.Unknown {
			fmt.Fprintln(a.stdout, paint(red, "UNKNOWN: "+visible(u, "")))
		}
		if fail := h.FailureText(); fail != "" {
			fmt.Fprintln(a.stdout, paint(red, visible(fail, "")))
			if s := strings.TrimRight(string(h.Result.Stderr), "\n"); s != "" {
				fmt.Fprintln(a.stdout, visible(s, "\n\t"))
			}
			noTable := raw || h.Table == nil || len(h.Table.Rows) == 0
			if h.State == check.HostFailed || h.ParseErr != nil || (h.Problem != "" && noTable) {
				io.WriteString(a.stdout, visible(string(h.Result.Stdout), "\n\t"))
			}
			if h.Problem == "" || noTable {
				continue
			}
		} else if raw {
			io.WriteString(a.stdout, visible(string(h.Result.Stdout), "\n\t"))
			continue
		}
		if len(h.Table.Rows) == 0 {
			fmt.Fprintln(a.stdout, "(no rows)")
			continue
		}
		t := newTable(a.stdout, h.Table.Header)
		for _, r := range h.Table.Rows {
			if rep.Command.IsProbe() {
				r.Cells = clipCells(r.Cells, 60) // a whole HTML page in one cell helps nobody
			}
			t.row(r.Cells...)
		}
		t.render()
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

// progressBar shows "hosts done/total" on a terminal's stderr once a sweep
// has taken over a second, refreshed as hosts finish and every 250 ms.
type progressBar struct {
	mu          sync.Mutex
	w           io.Writer
	done, total int
	shown       bool
	stop        chan struct{}
	stopped     chan struct{}
}

func (a *app) progress(total int) *progressBar {
	p := &progressBar{w: a.stderr, total: total}
	if !a.isTTY(a.stderr) || total < 2 {
		return p
	}
	p.stop, p.stopped = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(p.stopped)
		select {
		case <-p.stop:
			return
		case <-time.After(time.Second):
		}
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			p.draw()
			select {
			case <-p.stop:
				return
			case <-t.C:
			}
		}
	}()
	return p
}

func (p *progressBar) update(done, total int) {
	p.mu.Lock()
	p.done, p.total = done, total
	p.mu.Unlock()
}

func (p *progressBar) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.shown = true
	fmt.Fprintf(p.w, "\r%d/%d hosts done", p.done, p.total)
}

// finish stops the display and clears its line.
func (p *progressBar) finish() {
	if p.stop == nil {
		return
	}
	close(p.stop)
	<-p.stopped
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
