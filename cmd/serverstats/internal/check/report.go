package check

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"serverstats/alerts"
	"serverstats/collectors"
	"serverstats/config"
	"serverstats/handlers"
	"serverstats/parse"
)

// HostState is how one host's run ended.
type HostState string

// Host states.
const (
	HostOK      HostState = "ok"      // ran, exit status accepted, output read
	HostFailed  HostState = "error"   // ran, exit status not accepted
	HostTimeout HostState = "timeout" // the command timed out
	HostUnknown HostState = "unknown" // could not run: connect, host key, auth
)

// Host is one host's part of a run.
type Host struct {
	Target   collectors.Target
	Result   collectors.Result
	State    HostState
	Table    *parse.Table
	Plugin   *parse.Table // a Nagios plugin's state: one row of parse.PluginStateHeader
	Note     string       // worth showing, not a failure (malformed perfdata items)
	ParseErr error
	// Problem says why the output, though read, cannot be judged at all
	// (a plugin saying UNKNOWN, no output where rules expect some): the
	// host is UNKNOWN.
	Problem      string
	Observations []alerts.Observation
	Findings     []alerts.Finding // what fired or could not be read
	// Unknown are the rules that could not be judged on this host (their
	// column is missing from the output): each is UNKNOWN, told once to
	// on-command-failure; the host's other rules are judged.
	Unknown []string
	Actions []ActionResult // remediations run after this run
}

// Report is one run of one command over its hosts, in config order, and
// what became of its alerts.
type Report struct {
	Command  *config.Command
	Hosts    []*Host
	Started  time.Time
	Duration time.Duration

	Queued   []alerts.Envelope // what the run queued (or, without state, sent directly)
	Delivery handlers.Outcome  // delivery attempts made by this run
	// StateErr is set when the state file could not be used: the alerts
	// went out directly (alerts.Direct). StateOp says which operation
	// failed: "open", "update" or "deliver".
	StateErr error
	StateOp  string
	// Cancelled is set when the run was cut short (shutdown): it was not
	// recorded.
	Cancelled bool
}

// Judge turns one collector result into a host report: its state, its
// tables and, when evaluate is set, the findings of cmd's rules. It is a
// pure function of its arguments.
func Judge(cmd *config.Command, r collectors.Result, evaluate bool) *Host {
	h := &Host{Target: r.Target, Result: r, State: HostOK}
	k := kindOf(cmd)
	switch {
	case errors.Is(r.Err, collectors.ErrTimeout):
		h.State = HostTimeout
		return h
	case r.Err != nil:
		h.State = HostUnknown
		return h
	case !k.accepts(cmd, r.ExitStatus):
		h.State = HostFailed
		return h
	}
	if r.Truncated {
		// A line cut in the middle is not a row: read up to the last
		// whole line, and say that the output was cut.
		if i := bytes.LastIndexByte(r.Stdout, '\n'); i >= 0 {
			h.Result.Stdout = r.Stdout[:i+1]
		}
	}
	k.read(cmd, h)
	if n := collectorNotes(r.Stderr); n != "" {
		h.Note = strings.TrimPrefix(h.Note+"; "+n, "; ")
	} else if r.Truncated {
		h.Note = strings.TrimPrefix(h.Note+"; output truncated", "; ")
	}
	if h.ParseErr != nil || h.Problem != "" || !evaluate {
		return h
	}
	if cmd.NoHeader && len(h.Table.Rows) == 0 && len(cmd.Alerts) > 0 {
		h.Problem = "the command printed nothing"
		return h
	}
	h.Observations = k.observe(cmd, h)
	for _, o := range h.Observations {
		if o.ColumnMissing {
			h.Unknown = append(h.Unknown, o.Finding.Message)
		}
	}
	h.Findings = alerts.Findings(h.Observations)
	return h
}

// collectorNotes are the notes the collector appended to stderr, as
// "[serverstats: ...]" lines (output truncated, output held open by a
// background process), joined by "; ".
func collectorNotes(stderr []byte) string {
	var notes []string
	for _, l := range strings.Split(string(stderr), "\n") {
		if s, ok := strings.CutPrefix(l, "[serverstats: "); ok {
			notes = append(notes, strings.TrimSuffix(s, "]"))
		}
	}
	return strings.Join(notes, "; ")
}

// Failure says why a host could not be checked: a label for the output
// (TIMED OUT, UNKNOWN, ERROR) and the reason. Both are "" for a host that
// was checked (a rule that could not be judged is in Unknown instead).
func (h *Host) Failure() (label, reason string) {
	switch {
	case h.State == HostTimeout:
		return "TIMED OUT", h.Result.Err.Error()
	case h.State == HostUnknown:
		return "UNKNOWN", h.Result.Err.Error()
	case h.State == HostFailed:
		return "ERROR", fmt.Sprintf("exit status %d", h.Result.ExitStatus)
	case h.ParseErr != nil:
		return "UNKNOWN", "cannot parse the output: " + h.ParseErr.Error()
	case h.Problem != "":
		return "UNKNOWN", h.Problem
	}
	return "", ""
}

// FailureText is the failure as one output line, e.g. "ERROR: exit status 4".
func (h *Host) FailureText() string {
	label, reason := h.Failure()
	if label == "" {
		return ""
	}
	if strings.HasPrefix(reason, label) {
		return reason // "TIMED OUT after 2s"
	}
	return label + ": " + reason
}

// Status is a run's verdict, as a Nagios plugin's exit status.
type Status int

// Verdicts.
const (
	OK       Status = 0
	Warning  Status = 1
	Critical Status = 2
	Unknown  Status = 3
)

func (s Status) String() string {
	return [...]string{"OK", "WARNING", "CRITICAL", "UNKNOWN"}[s]
}

// Status is the run's verdict: CRITICAL if a critical rule fired, else
// UNKNOWN if a host or a rule could not be checked, else WARNING if a
// warning rule fired, else OK.
func (r *Report) Status() Status {
	crit, unknown, warn := false, false, false
	for _, h := range r.Hosts {
		if label, _ := h.Failure(); label != "" {
			unknown = true // one definition of "not checked", as the output and on-command-failure see it
		}
		for _, f := range h.Findings {
			switch {
			case f.Status == alerts.StatusUnknown:
				unknown = true
			case f.Severity == alerts.SeverityWarning:
				warn = true
			default:
				crit = true
			}
		}
	}
	switch {
	case crit:
		return Critical
	case unknown:
		return Unknown
	case warn:
		return Warning
	}
	return OK
}

// AlertRun is the run as alerts.Decide sees it.
func (r *Report) AlertRun(cfg *config.Config, deps config.Dependencies) alerts.Run {
	run := alerts.Run{
		Command: r.Command.Name, Rules: r.Command.Alerts, FailureHandlers: cfg.OnCommandFailure.Handlers,
		SendResolved: func(name string) bool { h := cfg.Handler(name); return h != nil && h.SendResolved },
		Resend: func(name string) time.Duration {
			if h := cfg.Handler(name); h != nil && h.Type == "alertmanager" {
				return h.Resend
			}
			return 0
		},
	}
	for _, h := range r.Hosts {
		hr := alerts.HostRun{Host: h.Target.Name, Observations: h.Observations}
		if label, reason := h.Failure(); label != "" {
			hr.Failure = &alerts.Notification{
				Status: alerts.StatusUnknown, Command: r.Command.Name, Host: h.Target.Name,
				Severity: alerts.SeverityCritical, Error: reason, Stderr: tail(string(h.Result.Stderr), 5),
			}
			if h.State == HostFailed {
				hr.Failure.Error, hr.Failure.ExitStatus = "command failed", h.Result.ExitStatus
			}
			if kids := deps.Children(h.Target.Name); len(kids) > 0 {
				hr.Failure.Message = fmt.Sprintf("%d dependent host(s) held while it is down: %s", len(kids), strings.Join(kids, ", "))
			}
		}
		run.Hosts = append(run.Hosts, hr)
	}
	return run
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Health codes: whether the monitor itself did its job in a run, as the
// heartbeat and `status` tell it. A rule that fires is the monitor
// working (HealthOK); a host or rule that could not be checked, or a state
// file that could not be used, is not.
const (
	HealthOK      = 0
	HealthUnknown = 3 // a host or a rule could not be checked (the exit status UNKNOWN)
	HealthState   = 4 // the state file could not be used (the one-shot's exit status 4)
)

// Health says whether the run checked every host and rule and recorded
// them: HealthOK, else a health code and why, e.g. "web2: UNKNOWN:
// connection refused".
func (r *Report) Health() (code int, why string) {
	if r.StateErr != nil {
		return HealthState, "state file unavailable: " + stateReason(r.StateErr)
	}
	var whys []string
	for _, h := range r.Hosts {
		if t := h.FailureText(); t != "" {
			whys = append(whys, h.Target.Name+": "+t)
		}
		for _, u := range h.Unknown {
			whys = append(whys, h.Target.Name+": rule "+u+" cannot be judged")
		}
	}
	if len(whys) > 0 {
		return HealthUnknown, strings.Join(whys, "; ")
	}
	return HealthOK, ""
}
