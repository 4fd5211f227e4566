package daemon

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"serverstats/alerts"
	"serverstats/alerts/store"
	"serverstats/cmd/serverstats/internal/check"
)

// Bounds of what the daemon keeps of a command's last run for the page.
const (
	pageRawMax  = 64 << 10 // raw output per host
	pageRowsMax = 500      // parsed table rows per host
)

// pageRun is what the status page shows of a command's last run: bounded,
// and decoupled from the run's Report.
type pageRun struct {
	At       time.Time
	Duration time.Duration
	Hosts    map[string]*pageHost
}

// pageHost is one host's part of a pageRun.
type pageHost struct {
	Name          string
	Label, Reason string // the failure ("UNKNOWN", "connection refused"); "" when checked
	Note          string
	Header        []string
	Rows          [][]string
	RowsClipped   int // rows not kept
	Raw, Stderr   string
	RawClipped    bool
	Observations  []alerts.Observation
}

// newPageRun keeps what the page needs of rep.
func newPageRun(rep *check.Report) *pageRun {
	pr := &pageRun{At: rep.Started, Duration: rep.Duration, Hosts: map[string]*pageHost{}}
	for _, h := range rep.Hosts {
		ph := &pageHost{Name: h.Target.Name, Note: h.Note, Observations: h.Observations}
		ph.Label, ph.Reason = h.Failure()
		if h.Table != nil {
			ph.Header = slices.Clone(h.Table.Header)
			for i, r := range h.Table.Rows {
				if i == pageRowsMax {
					ph.RowsClipped = len(h.Table.Rows) - i
					break
				}
				ph.Rows = append(ph.Rows, slices.Clone(r.Cells))
			}
		}
		ph.Raw, ph.RawClipped = clipText(h.Result.Stdout, pageRawMax)
		ph.Stderr, _ = clipText(h.Result.Stderr, 4<<10)
		pr.Hosts[ph.Name] = ph
	}
	return pr
}

// clipText is b as text, at most max bytes (cut on a rune boundary).
func clipText(b []byte, limit int) (string, bool) {
	if len(b) <= limit {
		return strings.ToValidUTF8(string(b), "\uFFFD"), false
	}
	return strings.ToValidUTF8(string(b[:limit]), "\uFFFD"), true
}

// historyPoints are the numeric observations of rep, for the page's plots.
func historyPoints(rep *check.Report) []store.Point {
	var pts []store.Point
	for _, h := range rep.Hosts {
		for _, o := range h.Observations {
			if o.HasNum && !o.Unknown && !math.IsNaN(o.Num) && !math.IsInf(o.Num, 0) {
				pts = append(pts, store.Point{Key: o.Key, At: rep.Started, Value: o.Num})
			}
		}
	}
	return pts
}

// recordHistory writes the run's points to the state file (a failure is
// logged: the plots miss a point, nothing else).
func (d *daemon) recordHistory(ctx context.Context, rep *check.Report) {
	pts := historyPoints(rep)
	if len(pts) == 0 {
		return
	}
	st, err := d.state(ctx)
	if err != nil {
		return
	}
	if err := st.Record(ctx, pts); err != nil {
		d.log.Warn("history not recorded", "command", rep.Command.Name, "error", err)
	}
}

// Cell states of the overview, worst first.
const (
	cellFiring  = "firing"
	cellUnknown = "unknown"
	cellStale   = "stale"
	cellPending = "pending"
	cellAcked   = "acked"
	cellMuted   = "muted"
	cellOK      = "ok"
	cellNone    = "none" // not run yet
)

// cellStates are the states the filter offers, worst first.
var cellStates = []string{cellFiring, cellUnknown, cellStale, cellPending, cellAcked, cellMuted, cellOK, cellNone}

// cell is one (command, host) of the overview.
type cell struct {
	Command, Host string
	State         string // one of cellStates
	Label         string // "FIRING critical", "UNKNOWN"
	Detail        string // why: the failure, the firing rules, what holds it
	Value         string
	LastRun       time.Time
	Stale         bool
	rank          int
}

func (c cell) Link() string { return detailURL(c.Command, c.Host) }

// cellRank orders cells worst first.
func cellRank(state string, sev alerts.Severity) int {
	r := slices.Index(cellStates, state) * 2
	if state == cellFiring && sev != alerts.SeverityCritical {
		r++
	}
	return r
}

// view is what the overview and the detail pages read from the store at
// one time.
type view struct {
	now    time.Time
	g      *generation
	runs   map[string]*pageRun
	states map[alerts.Key]alerts.State
	mutes  []alerts.Mute // ad-hoc mutes and open maintenance windows
	err    string        // the state file could not be read
}

func (d *daemon) view(ctx context.Context) *view {
	v := &view{now: time.Now(), g: d.current(), states: map[alerts.Key]alerts.State{}}
	v.g.lastMu.Lock()
	v.runs = make(map[string]*pageRun, len(v.g.runs))
	for k, r := range v.g.runs {
		v.runs[k] = r
	}
	v.g.lastMu.Unlock()
	v.mutes = append(v.mutes, v.g.cfg.MaintenanceMutes(v.now)...)
	st, err := d.state(ctx)
	if err != nil {
		v.err = err.Error()
		return v
	}
	if v.states, err = st.States(ctx); err != nil {
		v.err = err.Error()
		v.states = map[alerts.Key]alerts.State{}
	}
	mutes, err := st.Mutes(ctx, v.now)
	if err != nil {
		v.err = err.Error()
	}
	v.mutes = append(mutes, v.mutes...)
	return v
}

// scheduled are the names of the commands the daemon runs, in config order.
func (v *view) scheduled() []string {
	var out []string
	for _, j := range v.g.sched.jobs {
		out = append(out, j.name)
	}
	return out
}

// stale reports whether a run at `at` of command is older than two
// schedule intervals.
func (v *view) stale(command string, at time.Time) bool {
	c := v.g.cfg.Command(command)
	if c == nil || c.Cron == nil || at.IsZero() {
		return false
	}
	n1 := c.Cron.Next(at)
	interval := c.Cron.Next(n1).Sub(n1)
	return v.now.Sub(at) > 2*interval
}

// mutedBy says which mute covers (command, host), "" for none.
func (v *view) mutedBy(command, host string) string {
	for _, m := range v.mutes {
		if (m.Host == "" || m.Host == host) && (m.Command == "" || m.Command == command) {
			return muteText(m)
		}
	}
	return ""
}

func muteText(m alerts.Mute) string {
	what := "mute"
	if m.ID == 0 {
		what = "maintenance"
	}
	return fmt.Sprintf("%s until %s: %s", what, m.Until.UTC().Format("2006-01-02 15:04 MST"), m.Reason)
}

// cell computes the state of (command, host).
func (v *view) cell(command, host string) cell {
	c := cell{Command: command, Host: host, State: cellNone, Label: "not run yet"}
	run := v.runs[command]
	var ph *pageHost
	if run != nil {
		ph = run.Hosts[host]
	}
	if ph == nil {
		c.rank = cellRank(c.State, "")
		return c
	}
	c.LastRun = run.At
	c.Stale = v.stale(command, run.At)
	var firing, pending, acked []alerts.State
	var sev alerts.Severity
	for k, s := range v.states {
		if k.Command != command || k.Host != host || k.Rule == "" {
			continue
		}
		switch {
		case s.Phase == alerts.PhaseFiring && s.Acked(v.now):
			acked = append(acked, s)
		case s.Phase == alerts.PhaseFiring:
			firing = append(firing, s)
			if sv := v.severity(k); sv == alerts.SeverityCritical || sev == "" {
				sev = sv
			}
		case s.Phase == alerts.PhasePending:
			pending = append(pending, s)
		}
	}
	sortStates := func(ss []alerts.State) {
		slices.SortFunc(ss, func(a, b alerts.State) int { return strings.Compare(a.Key.String(), b.Key.String()) })
	}
	sortStates(firing)
	sortStates(acked)
	sortStates(pending)
	muted := v.mutedBy(command, host)
	switch {
	case ph.Label != "":
		c.State, c.Label, c.Detail = cellUnknown, ph.Label, ph.Reason
	case len(firing) > 0 && muted == "":
		c.State, c.Label, c.Value, c.Detail = cellFiring, "FIRING "+string(sev), firing[0].LastValue, keysText(firing)
	case len(firing) > 0:
		c.State, c.Label, c.Value, c.Detail = cellMuted, "MUTED (firing)", firing[0].LastValue, keysText(firing)+"; "+muted
	case len(acked) > 0:
		c.State, c.Label, c.Value, c.Detail = cellAcked, "ACKED (firing)", acked[0].LastValue, keysText(acked)+"; "+acked[0].AckText(v.now)
	case len(pending) > 0:
		c.State, c.Label, c.Value, c.Detail = cellPending, "PENDING", pending[0].LastValue, keysText(pending)
	case muted != "":
		c.State, c.Label, c.Detail = cellMuted, "MUTED", muted
	default:
		c.State, c.Label = cellOK, "OK"
		if len(ph.Unknown()) > 0 {
			c.Detail = "not judged: " + strings.Join(ph.Unknown(), "; ")
		}
	}
	if c.Value == "" && c.State != cellUnknown {
		for _, o := range ph.Observations {
			if !o.Unknown && o.Value != "" {
				c.Value = o.Value
				if o.Key.Row != "" {
					c.Value += " (" + o.Key.Row + ")"
				}
				break
			}
		}
	}
	if c.Stale && c.State != cellFiring && c.State != cellUnknown {
		c.State = cellStale
		c.Label = "STALE (" + c.Label + ")"
	}
	c.rank = cellRank(c.State, sev)
	return c
}

// Unknown are the rules that could not be judged on the host.
func (ph *pageHost) Unknown() []string {
	var out []string
	for _, o := range ph.Observations {
		if o.ColumnMissing {
			out = append(out, o.Finding.Message)
		}
	}
	return out
}

func keysText(ss []alerts.State) string {
	var parts []string
	for i, s := range ss {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(ss)-3))
			break
		}
		p := s.Rule
		if s.Row != "" {
			p += " [" + s.Row + "]"
		}
		parts = append(parts, p+" = "+s.LastValue)
	}
	return strings.Join(parts, "; ")
}

// severity is the configured severity of k's rule.
func (v *view) severity(k alerts.Key) alerts.Severity {
	if c := v.g.cfg.Command(k.Command); c != nil {
		for _, r := range c.Alerts {
			if r.Name == k.Rule {
				return r.Severity
			}
		}
	}
	return alerts.SeverityWarning
}

// hostsOf are the hosts of the scheduled commands, in config order.
func (v *view) hosts() []string {
	var out []string
	for _, name := range v.scheduled() {
		if c := v.g.cfg.Command(name); c != nil {
			for _, t := range v.g.cfg.Shard.Targets(c.Targets) {
				if !slices.Contains(out, t.Name) {
					out = append(out, t.Name)
				}
			}
		}
	}
	return out
}
