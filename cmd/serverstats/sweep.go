package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"serverstats/alerts"
	"serverstats/collectors"
	"serverstats/config"
	"serverstats/parse"
)

// hostState is how one host's run ended.
type hostState string

const (
	hostOK      hostState = "ok"      // ran, exit status accepted, output parsed
	hostFailed  hostState = "error"   // ran, exit status not in ok-exit-codes
	hostTimeout hostState = "timeout" // command timed out
	hostUnknown hostState = "unknown" // could not run: connect, host key, auth
)

// hostReport is one host's part of a sweep.
type hostReport struct {
	Target       collectors.Target
	Result       collectors.Result
	State        hostState
	Table        *parse.Table
	Plugin       *parse.Table // a Nagios plugin's state: one row of parse.PluginStateHeader
	Note         string       // worth showing, not a failure (malformed perfdata items)
	ParseErr     error
	Problem      string // output read, but the rules cannot judge it (a missing column, no output)
	Observations []alerts.Observation
	Findings     []alerts.Finding // what fired or could not be read
	Actions      []actionResult   // remediations run after this run
}

// sweep is one run of one command over its hosts, in config order.
type sweep struct {
	Command  *config.Command
	Hosts    []*hostReport
	Started  time.Time
	Duration time.Duration
}

// newSSH builds the one-shot SSH collector with the command timeout of cmd.
func newSSH(cfg *config.Config, timeout time.Duration) (*collectors.SSH, error) {
	s, err := collectors.NewSSH(sshOptions(cfg, timeout))
	if err != nil {
		return nil, fmt.Errorf("set up ssh: %w", err)
	}
	return s, nil
}

func sshOptions(cfg *config.Config, timeout time.Duration) collectors.SSHOptions {
	return collectors.SSHOptions{
		User:           cfg.SSH.User,
		KnownHosts:     cfg.SSH.KnownHosts,
		HostKeyPolicy:  cfg.SSH.HostKeyPolicy,
		IdentityFiles:  cfg.SSH.IdentityFiles,
		SSHConfig:      sshConfigPath(cfg.SSH.SSHConfig),
		UseAgent:       cfg.SSH.Agent,
		ConnectTimeout: cfg.SSH.ConnectTimeout,
		CommandTimeout: timeout,
	}
}

// collect runs cmd on its hosts (remote ones through remote, which may be
// nil when every host is local) and parses what came back. Rules are
// evaluated only when evaluate is set.
func collect(ctx context.Context, cfg *config.Config, cmd *config.Command, remote collectors.Collector, evaluate bool, progress func(done, total int)) *sweep {
	targets := cmdTargets(cmd)
	pick := picker(cfg, cmd, remote)
	sw := &sweep{Command: cmd, Started: time.Now()}
	results := collectors.RunAll(ctx, pick, targets, cmd.Cmd, cfg.SSH.Parallel, progress)
	sw.Duration = time.Since(sw.Started)
	for _, r := range results {
		sw.Hosts = append(sw.Hosts, judge(cmd, r, evaluate))
	}
	return sw
}

// cmdTargets are the targets of cmd's hosts, in config order.
func cmdTargets(cmd *config.Command) []collectors.Target {
	targets := make([]collectors.Target, 0, len(cmd.Hosts))
	for _, h := range cmd.Hosts {
		t, err := collectors.ParseTarget(h)
		if err != nil {
			t = collectors.Target{Name: h, Host: h} // unreachable: config validation parsed it
		}
		if cmd.Local {
			t.Local = true // a probe named after what it probes still runs here
		}
		targets = append(targets, t)
	}
	return targets
}

// picker chooses the collector of each target of cmd: the probe, the local
// shell, or remote (SSH).
func picker(cfg *config.Config, cmd *config.Command, remote collectors.Collector) func(collectors.Target) collectors.Collector {
	if cmd.IsProbe() {
		return func(t collectors.Target) collectors.Collector { return probeFor(cfg, cmd, remote, t) }
	}
	return localOr(&collectors.Local{CommandTimeout: cfg.Timeout(cmd)}, remote)
}

// shellPicker chooses where a shell line (a remediation) runs on a target of
// cmd: here for a local target, leaving what it starts in the background
// running, else over SSH.
func shellPicker(cfg *config.Config, remote collectors.Collector) func(collectors.Target) collectors.Collector {
	return localOr(&collectors.Local{CommandTimeout: cfg.SSH.CommandTimeout, KeepBackground: true}, remote)
}

// localOr runs on local for a local target, else on remote.
func localOr(local, remote collectors.Collector) func(collectors.Target) collectors.Collector {
	return func(t collectors.Target) collectors.Collector {
		if t.Local {
			return local
		}
		return remote
	}
}

// needsSSH reports whether cmd reaches any host over SSH: to run its line,
// to probe through (via: ssh), or to run a remediation.
func needsSSH(cmd *config.Command) bool {
	if cmd.Local {
		return false
	}
	if cmd.IsProbe() && cmd.Via == "" && !hasActions(cmd) {
		return false
	}
	for _, t := range cmdTargets(cmd) {
		if !t.Local {
			return true
		}
	}
	return false
}

func hasActions(cmd *config.Command) bool {
	for _, r := range cmd.Alerts {
		if r.Action != nil {
			return true
		}
	}
	return false
}

func sshConfigPath(s string) string {
	if s == "none" {
		return ""
	}
	return s
}

// judge turns one result into a host report: its state, its table and,
// when evaluate is set, the findings of the command's rules.
func judge(cmd *config.Command, r collectors.Result, evaluate bool) *hostReport {
	h := &hostReport{Target: r.Target, Result: r, State: hostOK}
	switch {
	case errors.Is(r.Err, collectors.ErrTimeout):
		h.State = hostTimeout
		return h
	case r.Err != nil:
		h.State = hostUnknown
		return h
	case !exitAccepted(cmd, r.ExitStatus):
		h.State = hostFailed
		return h
	}
	readOutput(cmd, h)
	if h.ParseErr != nil || h.Problem != "" || !evaluate {
		return h
	}
	if cmd.NoHeader && len(h.Table.Rows) == 0 && len(cmd.Alerts) > 0 {
		h.Problem = "the command printed nothing"
		return h
	}
	h.Observations = observe(cmd, h)
	for _, o := range h.Observations {
		if o.ColumnMissing && h.Problem == "" {
			h.Problem = o.Finding.Message // e.g. an error message on stdout instead of the table
		}
	}
	h.Findings = alerts.Findings(h.Observations)
	return h
}

// failure says why a host could not be checked: a label for the output
// (TIMED OUT, UNKNOWN, ERROR) and the reason. Both are "" for a good host.
func (h *hostReport) failure() (label, reason string) {
	switch {
	case h.State == hostTimeout:
		return "TIMED OUT", h.Result.Err.Error()
	case h.State == hostUnknown:
		return "UNKNOWN", h.Result.Err.Error()
	case h.State == hostFailed:
		return "ERROR", fmt.Sprintf("exit status %d", h.Result.ExitStatus)
	case h.ParseErr != nil:
		return "UNKNOWN", "cannot parse the output: " + h.ParseErr.Error()
	case h.Problem != "":
		return "UNKNOWN", h.Problem
	}
	return "", ""
}

// failureText is the failure as one output line, e.g. "ERROR: exit status 4".
func (h *hostReport) failureText() string {
	label, reason := h.failure()
	if label == "" {
		return ""
	}
	if strings.HasPrefix(reason, label) {
		return reason // "TIMED OUT after 2s"
	}
	return label + ": " + reason
}

// exitCode is the sweep's verdict: CRITICAL if a critical rule fired, else
// UNKNOWN if a host or cell could not be checked, else WARNING if a warning
// rule fired, else OK.
func (s *sweep) exitCode() int {
	crit, unknown, warn := false, false, false
	for _, h := range s.Hosts {
		if label, _ := h.failure(); label != "" {
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
		return exitCritical
	case unknown:
		return exitUnknown
	case warn:
		return exitWarning
	}
	return exitOK
}

// run is the sweep as alerts.Decide sees it.
func (s *sweep) run(cfg *config.Config) alerts.Run {
	r := alerts.Run{
		Command: s.Command.Name, Rules: s.Command.Alerts, FailureHandlers: cfg.OnCommandFailure.Handlers,
		SendResolved: func(name string) bool { h := cfg.Handler(name); return h != nil && h.SendResolved },
	}
	for _, h := range s.Hosts {
		hr := alerts.HostRun{Host: h.Target.Name, Observations: h.Observations}
		if label, reason := h.failure(); label != "" {
			hr.Failure = &alerts.Notification{
				Status: alerts.StatusUnknown, Command: s.Command.Name, Host: h.Target.Name,
				Severity: alerts.SeverityCritical, Error: reason, Stderr: tail(string(h.Result.Stderr), 5),
			}
			if h.State == hostFailed {
				hr.Failure.Error, hr.Failure.ExitStatus = "command failed", h.Result.ExitStatus
			}
		}
		r.Hosts = append(r.Hosts, hr)
	}
	return r
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
