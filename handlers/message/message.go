// Package message is the message model of serverstats: what one delivery
// of a group of notifications says. New describes a group as Data (counts,
// hosts, a one-line Summary), which is what the subject and body templates
// of a handler see; Subject, Text, HTML and SMS render it as an email
// subject, a text body, an HTML body and one SMS, and JSON as the payload
// of the exec and webhook handlers. Sample is a realistic group for
// test-alert and for checking templates.
//
// The handlers (package handlers) render their messages here, and package
// config renders each handler's templates on Sample when a config is loaded,
// so that a template that would fail at send time is a config error. This
// package must therefore not import config.
package message

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"serverstats/alerts"
)

// Data is what the subject and body templates of a handler see
// (config keys subject and body), e.g. `[serverstats] {{.Summary}}` or
// `{{range .Notifications}}{{.Line}}{{"\n"}}{{end}}`.
type Data struct {
	// Handler is the handler's name in the config, e.g. "oncall".
	Handler string
	// Count is the number of notifications in the group, len(Notifications).
	Count int
	// Notifications is the group, in the order it was handed to the handler.
	// Each has the fields of alerts.Notification, and {{.Line}} gives it as
	// one line of text.
	Notifications []alerts.Notification
	// Firing counts the notifications with status "firing" (newly firing).
	Firing int
	// Resolved counts the notifications with status "resolved".
	Resolved int
	// Unknown counts the notifications with status "unknown": the command
	// failed on that host, or a cell could not be judged.
	Unknown int
	// Reminder counts the notifications with status "reminder": still
	// firing, sent again after the rule's repeat interval.
	Reminder int
	// Hosts are the distinct hosts of the group, in order of first
	// appearance.
	Hosts []string
	// Summary is the group in one line: the counts, then up to three
	// notifications, most urgent first, e.g.
	// "2 firing, 1 resolved: web1 /var Use% 93% > 90; web3 / Use% 91% > 90;
	// web2 / RESOLVED Use% 71%". More than three end in "(+N more)".
	Summary string
	// Warning is a warning told with the notifications, e.g. "state
	// unavailable: ..." when the run could not use its state file; Summary
	// and the SMS then start with it.
	Warning string
}

// summaryItems is how many notifications Summary shows.
const summaryItems = 3

// New describes the group ns sent by the handler named handler.
// A StatusSummary notification (a message cut to alerts.MaxNotifications)
// adds the notifications it stands for to the counts.
func New(handler string, ns []alerts.Notification) Data {
	d := Data{Handler: handler, Notifications: ns}
	for _, n := range ns {
		if n.Warning != "" && d.Warning == "" {
			d.Warning = n.Warning
		}
		if n.Status == alerts.StatusSummary {
			for s, c := range n.Omitted {
				d.count(s, c)
			}
			continue
		}
		d.count(n.Status, 1)
		if n.Host != "" && !slices.Contains(d.Hosts, n.Host) {
			d.Hosts = append(d.Hosts, n.Host)
		}
	}
	var items []string
	for _, n := range byUrgency(ns) {
		if n.Status == alerts.StatusSummary {
			continue
		}
		if len(items) == summaryItems {
			items[len(items)-1] += fmt.Sprintf(" (+%d more)", d.Count-summaryItems)
			break
		}
		items = append(items, summaryItem(n))
	}
	d.Summary = d.counts()
	if len(items) > 0 {
		d.Summary += ": " + strings.Join(items, "; ")
	}
	if d.Warning != "" {
		d.Summary = d.warningTag() + ": " + d.Summary
	}
	return d
}

// warningTag is the warning's first clause in capitals, e.g. "STATE
// UNAVAILABLE" for "state unavailable: disk full".
func (d Data) warningTag() string {
	w, _, _ := strings.Cut(d.Warning, ":")
	return strings.ToUpper(w)
}

// count adds c notifications of status s to the counts.
func (d *Data) count(s alerts.Status, c int) {
	d.Count += c
	switch s {
	case alerts.StatusFiring:
		d.Firing += c
	case alerts.StatusResolved:
		d.Resolved += c
	case alerts.StatusUnknown:
		d.Unknown += c
	case alerts.StatusReminder:
		d.Reminder += c
	}
}

// counts is e.g. "2 firing, 1 still firing, 1 unknown, 1 resolved"; zero
// counts are left out.
func (d Data) counts() string {
	var parts []string
	for _, c := range []struct {
		n    int
		what string
	}{{d.Firing, "firing"}, {d.Reminder, "still firing"}, {d.Unknown, "unknown"}, {d.Resolved, "resolved"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%d notifications", d.Count)
	}
	return strings.Join(parts, ", ")
}

// byUrgency returns a copy of ns, most urgent first; equals keep their order.
func byUrgency(ns []alerts.Notification) []alerts.Notification {
	out := slices.Clone(ns)
	slices.SortStableFunc(out, func(a, b alerts.Notification) int { return cmp.Compare(alerts.Urgency(a), alerts.Urgency(b)) })
	return out
}

// words joins the non-empty parts with single spaces.
func words(parts ...string) string {
	return strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), " ")
}

// summaryItem is one notification in the Summary, e.g.
// "web1 /var Use% 93% > 90", "web2 / RESOLVED Use% 71%",
// "db1 UNKNOWN disk: command failed".
func summaryItem(n alerts.Notification) string {
	switch {
	case n.Error != "":
		return words(n.Host, n.Key, "UNKNOWN", n.Command+":", OneLine(n.Error))
	case n.Status == alerts.StatusUnknown:
		return words(n.Host, n.Key, "UNKNOWN", n.Column, n.Trigger)
	case n.Status == alerts.StatusResolved:
		return words(n.Host, n.Key, "RESOLVED", n.Column, n.Value)
	case n.Status == alerts.StatusReminder:
		return words(n.Host, n.Key, "STILL", n.Column, n.Value, n.Trigger)
	}
	return words(n.Host, n.Key, n.Column, n.Value, n.Trigger)
}

// OneLine joins the lines of s with " | ".
func OneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(strings.TrimSpace(s), "\n", " | ")), " ")
}

// Sample returns a realistic group of notifications stamped now: web1's
// /var firing, web2's / resolved, and the disk command failing on db1. It is
// what `serverstats test-alert HANDLER` sends, and what package config
// renders a handler's templates on when it loads a config.
func Sample(now time.Time) []alerts.Notification {
	return []alerts.Notification{
		{
			Status: alerts.StatusFiring, Command: "disk", Rule: "Use% > 90", Host: "web1", Key: "/var",
			Column: "Use%", Value: "93%", Raw: "93%", Trigger: "> 90", Severity: alerts.SeverityCritical,
			Message: "Disk space over 90% full", Time: now,
		},
		{
			Status: alerts.StatusResolved, Command: "disk", Rule: "Use% > 90", Host: "web2", Key: "/",
			Column: "Use%", Value: "71%", Raw: "71%", Trigger: "> 90", Severity: alerts.SeverityCritical,
			Message: "Disk space over 90% full", Time: now,
		},
		{
			Status: alerts.StatusUnknown, Command: "disk", Host: "db1", Severity: alerts.SeverityCritical,
			Error: "command failed", ExitStatus: 2,
			Stderr: "df: /mnt/backup: Stale file handle\ndf: /mnt/archive: Stale file handle\n", Time: now,
		},
	}
}
