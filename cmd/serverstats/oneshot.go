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
	"serverstats/collectors"
	"serverstats/config"
	"serverstats/parse"
)

// oneShot runs one command over its servers, prints the result and, with
// --alerts, records the run in the state store and sends what is due. It
// returns the exit code.
func (a *app) oneShot(ctx context.Context, cfg *config.Config, cmd *config.Command, o *opts) int {
	var remote collectors.Collector
	if needsSSH(cmd) {
		s, err := newSSH(cfg, cfg.Timeout(cmd))
		if err != nil {
			remote = failing{err} // every SSH host UNKNOWN with the reason, and told as such
		} else {
			remote = s
		}
	}
	prog := a.progress(len(cmd.Hosts))
	sw := collect(ctx, cfg, cmd, remote, o.alerts, prog.update)
	prog.finish()
	code := sw.exitCode()
	if !o.json {
		a.printTables(sw, o.raw, a.colour(o))
	}
	var res settled
	if o.alerts {
		// Print handlers must not interleave with the JSON document.
		var out io.Writer = &blankLineFirst{w: a.stdout}
		if o.json {
			out = a.stderr
		}
		log := a.logger()
		st, err := a.openStore(ctx, cfg, o)
		if st != nil {
			defer st.Close()
		}
		res = a.settle(ctx, cfg, sw, st, err, remote, out, log, true)
		a.reportDelivery(res)
		if res.StateErr != nil {
			code = exitStateUnavailable
		}
		if !o.json {
			for _, h := range sw.Hosts {
				for _, r := range h.Actions {
					fmt.Fprintf(out, "%s: %s\n", h.Target.Name, r)
				}
			}
		}
	}
	if o.json {
		a.printJSON(sw, code, o.alerts, res)
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
		if h.Plugin != nil && h.Problem == "" {
			state := h.Plugin.Rows[0].Cells
			line := state[0] + ": " + state[2]
			if state[0] != "OK" {
				line = paint(red, line)
			}
			fmt.Fprintln(a.stdout, line)
		}
		if h.Note != "" {
			fmt.Fprintln(a.stdout, "note: "+h.Note)
		}
		if fail := h.failureText(); fail != "" {
			fmt.Fprintln(a.stdout, paint(red, fail))
			if s := strings.TrimRight(string(h.Result.Stderr), "\n"); s != "" {
				fmt.Fprintln(a.stdout, s)
			}
			noTable := raw || h.Table == nil || len(h.Table.Rows) == 0
			if h.State == hostFailed || h.ParseErr != nil || (h.Problem != "" && noTable) {
				a.stdout.Write(h.Result.Stdout)
			}
			if h.Problem == "" || noTable {
				continue
			}
		} else if raw {
			a.stdout.Write(h.Result.Stdout)
			continue
		}
		if len(h.Table.Rows) == 0 {
			fmt.Fprintln(a.stdout, "(no rows)")
			continue
		}
		t := newTable(a.stdout, h.Table.Header)
		for _, r := range h.Table.Rows {
			if sw.Command.IsProbe() {
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
	Plugin     *jsonPlugin           `json:"plugin,omitempty"`  // a Nagios plugin's state
	Note       string                `json:"note,omitempty"`    // e.g. malformed perfdata items, left out
	Actions    []actionResult        `json:"actions,omitempty"` // remediations run this run
}

// jsonPlugin is a Nagios plugin's verdict.
type jsonPlugin struct {
	State   string `json:"state"`
	Exit    int    `json:"exit"`
	Summary string `json:"summary"`
}

type jsonDelivery struct {
	Sent          int      `json:"sent"`
	Retrying      int      `json:"retrying"`
	Rerouted      int      `json:"rerouted"`
	Undeliverable int      `json:"undeliverable"`
	Errors        []string `json:"errors"`
}

type jsonReport struct {
	Command    string       `json:"command"`
	Status     string       `json:"status"`
	ExitCode   int          `json:"exit_code"`
	Alerts     bool         `json:"alerts_evaluated"`
	DurationMS int64        `json:"duration_ms"`
	Hosts      []jsonHost   `json:"hosts"`
	Queued     []jsonQueued `json:"queued"`
	Delivery   jsonDelivery `json:"delivery"`
	// StateError is set when the state file could not be used: the alerts
	// were delivered directly (exit code 4).
	StateError string `json:"state_error,omitempty"`
}

// jsonQueued is one message queued this run.
type jsonQueued struct {
	Handler       string                `json:"handler"`
	Notifications []alerts.Notification `json:"notifications"`
}

var statusNames = map[int]string{exitOK: "OK", exitWarning: "WARNING", exitCritical: "CRITICAL", exitUnknown: "UNKNOWN", exitStateUnavailable: "STATE UNAVAILABLE"}

func (a *app) printJSON(sw *sweep, code int, evaluated bool, set settled) {
	res := set.Outcome
	rep := jsonReport{
		Command: sw.Command.Name, Status: statusNames[code], ExitCode: code, Alerts: evaluated,
		DurationMS: sw.Duration.Milliseconds(), Hosts: []jsonHost{}, Queued: []jsonQueued{},
		Delivery: jsonDelivery{Sent: res.Sent, Retrying: res.Retrying, Rerouted: res.Rerouted, Undeliverable: res.Undeliverable, Errors: append([]string{}, res.Errors...)},
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
		if h.Plugin != nil {
			c := h.Plugin.Rows[0].Cells
			jh.Plugin = &jsonPlugin{State: c[0], Exit: h.Result.ExitStatus, Summary: c[2]}
		}
		jh.Note, jh.Actions = h.Note, h.Actions
		rep.Hosts = append(rep.Hosts, jh)
	}
	if set.StateErr != nil {
		rep.StateError = set.StateErr.Error()
	}
	for _, e := range set.Queued {
		rep.Queued = append(rep.Queued, jsonQueued{Handler: e.Handler, Notifications: e.Notifications})
	}
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
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
	for ri, r := range t.Rows {
		m := make(map[string]jsonCell, len(t.Header))
		for i, h := range t.Header {
			raw := ""
			if i < len(r.Cells) {
				raw = r.Cells[i]
			}
			v, err := t.Value(ri, i, types[h]) // typed in its column, as rules read it
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
