package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"serverstats/alerts"
	"serverstats/config"
	"serverstats/handlers"
	"serverstats/parse"
)

// oneShot runs one command over its servers, prints the result and, with
// --alerts, sends what fired. It returns the exit code.
func (a *app) oneShot(ctx context.Context, cfg *config.Config, cmd *config.Command, o *opts) int {
	prog := a.progress(len(cmd.Hosts))
	sw, err := collect(ctx, cfg, cmd, o.alerts, prog.update)
	prog.done()
	if err != nil {
		fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
		return exitUnknown
	}
	code := sw.exitCode()
	var deliveries []handlers.Delivery
	var names []string
	var groups map[string][]alerts.Notification
	if o.alerts {
		names, groups = sw.notifications(cfg, time.Now())
	}
	if o.json {
		// Print handlers must not interleave with the JSON document.
		deliveries = a.deliver(ctx, cfg, names, groups, a.stderr)
		a.printJSON(sw, code, o.alerts, groups, names, deliveries)
		return code
	}
	a.printTables(sw, o.raw, a.colour(o))
	if len(names) > 0 {
		fmt.Fprintln(a.stdout)
	}
	deliveries = a.deliver(ctx, cfg, names, groups, a.stdout)
	for _, d := range deliveries {
		if d.Err != nil {
			fmt.Fprintf(a.stderr, "serverstats: handler %s: %d notification(s) not delivered: %v\n", d.Handler, d.Count, d.Err)
		}
	}
	return code
}

// deliver sends each handler its group; print handlers write to out.
func (a *app) deliver(ctx context.Context, cfg *config.Config, names []string, groups map[string][]alerts.Notification, out io.Writer) []handlers.Delivery {
	if len(names) == 0 {
		return nil
	}
	hs := map[string]handlers.Handler{}
	var failed []handlers.Delivery
	for _, name := range names {
		h, err := handlers.New(cfg.Handler(name), handlers.Env{Stdout: out, Stderr: a.stderr, Getenv: a.getenv})
		if err != nil {
			failed = append(failed, handlers.Delivery{Handler: name, Count: len(groups[name]), Err: err})
			continue
		}
		hs[name] = h
	}
	return append(failed, handlers.Dispatch(ctx, hs, names, groups)...)
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
func (a *app) printTables(sw *sweep, raw, colour bool) {
	paint := func(code, s string) string {
		if !colour {
			return s
		}
		return code + s + reset
	}
	for i, h := range sw.Hosts {
		if i > 0 {
			fmt.Fprintln(a.stdout)
		}
		fmt.Fprintln(a.stdout, paint(bold, strings.ToUpper(h.Target.Name)))
		if fail := h.failureText(); fail != "" {
			fmt.Fprintln(a.stdout, paint(red, fail))
			if s := strings.TrimRight(string(h.Result.Stderr), "\n"); s != "" {
				fmt.Fprintln(a.stdout, s)
			}
			if h.State == hostFailed || h.ParseErr != nil {
				a.stdout.Write(h.Result.Stdout)
			}
			continue
		}
		if raw {
			a.stdout.Write(h.Result.Stdout)
			continue
		}
		if len(h.Table.Rows) == 0 {
			fmt.Fprintln(a.stdout, "(no rows)")
			continue
		}
		t := newTable(a.stdout, h.Table.Header)
		for _, r := range h.Table.Rows {
			t.row(r.Cells...)
		}
		t.render()
	}
}

// jsonCell is one cell in JSON output: the text and its typed value.
type jsonCell struct {
	Raw   string `json:"raw"`
	Value any    `json:"value"`
	Error string `json:"error,omitempty"`
}

type jsonHost struct {
	Name       string                `json:"name"`
	Status     hostState             `json:"status"`
	ExitStatus int                   `json:"exit_status"`
	DurationMS int64                 `json:"duration_ms"`
	Error      string                `json:"error,omitempty"`
	Stderr     string                `json:"stderr,omitempty"`
	Stdout     string                `json:"stdout,omitempty"` // only when the output was not parsed
	Header     []string              `json:"header"`
	Rows       []map[string]jsonCell `json:"rows"`
}

type jsonDelivery struct {
	Handler string `json:"handler"`
	Count   int    `json:"count"`
	Error   string `json:"error,omitempty"`
}

type jsonReport struct {
	Command    string                `json:"command"`
	Status     string                `json:"status"`
	ExitCode   int                   `json:"exit_code"`
	Alerts     bool                  `json:"alerts_evaluated"`
	DurationMS int64                 `json:"duration_ms"`
	Hosts      []jsonHost            `json:"hosts"`
	Fired      []alerts.Notification `json:"notifications"`
	Deliveries []jsonDelivery        `json:"deliveries"`
}

var statusNames = map[int]string{exitOK: "OK", exitWarning: "WARNING", exitCritical: "CRITICAL", exitUnknown: "UNKNOWN"}

func (a *app) printJSON(sw *sweep, code int, evaluated bool, groups map[string][]alerts.Notification, names []string, ds []handlers.Delivery) {
	rep := jsonReport{
		Command: sw.Command.Name, Status: statusNames[code], ExitCode: code, Alerts: evaluated,
		DurationMS: sw.Duration.Milliseconds(), Hosts: []jsonHost{}, Fired: []alerts.Notification{}, Deliveries: []jsonDelivery{},
	}
	types := columnTypes(sw.Command)
	for _, h := range sw.Hosts {
		jh := jsonHost{
			Name: h.Target.Name, Status: h.State, ExitStatus: h.Result.ExitStatus,
			DurationMS: h.Result.Duration.Milliseconds(), Stderr: string(h.Result.Stderr),
			Header: []string{}, Rows: []map[string]jsonCell{},
		}
		if fail := h.failureText(); fail != "" {
			jh.Error = fail
			jh.Stdout = string(h.Result.Stdout)
		}
		if h.Table != nil {
			jh.Header, jh.Rows = jsonTable(h.Table, types)
		}
		rep.Hosts = append(rep.Hosts, jh)
	}
	// Each notification once, even when it goes to several handlers.
	seen := map[string]bool{}
	for _, name := range names {
		for _, n := range groups[name] {
			id := n.Host + "\x00" + n.Rule + "\x00" + n.Key + "\x00" + n.Error
			if !seen[id] {
				seen[id] = true
				rep.Fired = append(rep.Fired, n)
			}
		}
	}
	for _, d := range ds {
		jd := jsonDelivery{Handler: d.Handler, Count: d.Count}
		if d.Err != nil {
			jd.Error = d.Err.Error()
		}
		rep.Deliveries = append(rep.Deliveries, jd)
	}
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(rep)
}

// columnTypes is the value type of each column a rule names, so JSON shows
// cells as the rules read them; other columns are guessed.
func columnTypes(cmd *config.Command) map[string]parse.Type {
	m := map[string]parse.Type{}
	for _, r := range cmd.Alerts {
		if r.Type != parse.TypeAuto {
			m[r.Column] = r.Type
		}
	}
	return m
}

// jsonTable is the table as `serverstats parse --json` shows it.
func jsonTable(t *parse.Table, types map[string]parse.Type) ([]string, []map[string]jsonCell) {
	rows := make([]map[string]jsonCell, 0, len(t.Rows))
	for _, r := range t.Rows {
		m := make(map[string]jsonCell, len(t.Header))
		for i, h := range t.Header {
			raw := ""
			if i < len(r.Cells) {
				raw = r.Cells[i]
			}
			v, err := parse.ParseValue(raw, types[h])
			c := jsonCell{Raw: raw, Value: v.JSON()}
			if err != nil {
				c.Value, c.Error = nil, err.Error()
			}
			m[h] = c
		}
		rows = append(rows, m)
	}
	return append([]string{}, t.Header...), rows
}

// progressBar shows "hosts done/total" on a terminal's stderr once a sweep
// has taken over a second.
type progressBar struct {
	mu    sync.Mutex
	w     io.Writer
	on    bool
	start time.Time
	shown bool
}

func (a *app) progress(total int) *progressBar {
	return &progressBar{w: a.stderr, on: a.isTTY(a.stderr) && total > 1, start: time.Now()}
}

func (p *progressBar) update(done, total int) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.start) < time.Second {
		return
	}
	p.shown = true
	fmt.Fprintf(p.w, "\r%d/%d hosts done", done, total)
}

func (p *progressBar) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
