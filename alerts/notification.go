package alerts

import (
	"fmt"
	"strings"
	"time"
)

// Notification is one event worth telling a person about, for one alert key
// (command, rule, host, row key), or for one host whose command failed.
type Notification struct {
	Status   Status   `json:"status"`
	Command  string   `json:"command"`
	Rule     string   `json:"rule,omitempty"`
	Host     string   `json:"host"`
	Key      string   `json:"key,omitempty"`
	Column   string   `json:"column,omitempty"`
	Value    string   `json:"value,omitempty"` // display form, e.g. "93%"
	Raw      string   `json:"raw,omitempty"`
	Trigger  string   `json:"trigger,omitempty"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message,omitempty"`
	Runbook  string   `json:"runbook,omitempty"` // the rule's runbook URL
	// Action says what remediation did about this alert: "running: CMD",
	// "failed: ...", or that serverstats stopped acting (the guard).
	Action string `json:"action,omitempty"`

	// Set for command failures (on-command-failure).
	Error      string `json:"error,omitempty"`
	ExitStatus int    `json:"exit_status,omitempty"`
	Stderr     string `json:"stderr,omitempty"` // the tail of stderr

	Time time.Time `json:"time"`
	// Since is when the alert started firing, set on re-posts (see Resend),
	// whose Time is the re-post's.
	Since time.Time `json:"since,omitzero"`

	// Ack is the key's acknowledgement, when it has one ("acked ...: why").
	Ack string `json:"ack,omitempty"`
	// Warning is told with the notification, e.g. "state unavailable: ..."
	// when the run could not use its state file and delivered directly.
	Warning string `json:"warning,omitempty"`
	// Omitted counts, by status, the notifications a StatusSummary
	// notification stands for (see Compact).
	Omitted map[Status]int `json:"omitted,omitempty"`
}

// FromFinding makes the notification of a finding at time now.
func FromFinding(f Finding, now time.Time) Notification {
	return Notification{
		Status: f.Status, Command: f.Command, Rule: f.Rule, Host: f.Host, Key: f.Key,
		Column: f.Column, Value: f.Value.String(), Raw: f.Value.Raw, Trigger: f.Trigger,
		Severity: f.Severity, Message: f.Message, Runbook: f.Runbook, Time: now,
	}
}

// Line is the notification as one line of text, e.g.
// "web1 /var: Use% 93% > 90 — Disk space over 90% full", followed by what
// remediation did, if anything: " [action running: systemctl restart nginx]".
func (n Notification) Line() string {
	s := n.line()
	if n.Action != "" {
		s += " [action " + n.Action + "]"
	}
	if n.Ack != "" {
		s += " [" + n.Ack + "]"
	}
	if n.Warning != "" {
		s += " [" + n.Warning + "]"
	}
	return s
}

func (n Notification) line() string {
	if n.Status == StatusSummary {
		return "… " + n.Message
	}
	var b strings.Builder
	b.WriteString(n.Host)
	if n.Key != "" {
		b.WriteString(" " + n.Key)
	}
	b.WriteString(": ")
	switch {
	case n.Error != "":
		fmt.Fprintf(&b, "UNKNOWN %s: %s", n.Command, n.Error)
		if n.ExitStatus != 0 {
			fmt.Fprintf(&b, " (exit status %d)", n.ExitStatus)
		}
		if s := strings.TrimSpace(n.Stderr); s != "" {
			b.WriteString(": " + strings.ReplaceAll(s, "\n", " | "))
		}
		if n.Message != "" {
			b.WriteString(" — " + n.Message)
		}
		return b.String()
	case n.Status == StatusUnknown:
		fmt.Fprintf(&b, "UNKNOWN %s %s: %s", n.Column, n.Trigger, n.Message)
		return b.String()
	}
	switch {
	case n.Status == StatusResolved && n.Column == "":
		b.WriteString("RESOLVED " + n.Command) // a host's command runs again, or a key is forgotten
		if n.Rule != "" {
			b.WriteString(" " + n.Rule)
		}
	case n.Status == StatusResolved:
		fmt.Fprintf(&b, "RESOLVED %s %s (was %s)", n.Column, n.Value, n.Trigger)
	case n.Status == StatusReminder:
		fmt.Fprintf(&b, "STILL %s %s %s", n.Column, n.Value, n.Trigger)
	case n.Status == StatusFlapping:
		fmt.Fprintf(&b, "FLAPPING %s %s %s", n.Column, n.Value, n.Trigger)
	case n.Trigger == "== "+n.Value:
		fmt.Fprintf(&b, "%s %s", n.Column, n.Value) // "state CRITICAL", not "state CRITICAL == CRITICAL"
	default:
		fmt.Fprintf(&b, "%s %s %s", n.Column, n.Value, n.Trigger)
	}
	if n.Message != "" {
		b.WriteString(" — " + n.Message)
	}
	return b.String()
}
