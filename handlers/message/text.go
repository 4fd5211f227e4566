package message

import (
	"bytes"
	"cmp"
	"fmt"
	htmltemplate "html/template"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"

	"serverstats/alerts"
)

// ParseTemplate parses a subject or body template of the config (keys
// subject and body of a handler), to be rendered by Subject, Text or SMS.
// Its errors, and those of rendering it, start with "NAME template: ".
func ParseTemplate(name, text string) (*template.Template, error) {
	t, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("%s template: %w", name, err)
	}
	return t, nil
}

// execTemplate runs t over d. Bytes that are not UTF-8 (a string literal
// such as "\xff" in the template, or a slice that cuts a character) become
// U+FFFD, so that a subject, body or SMS is always valid text.
func execTemplate(t *template.Template, d Data) (string, error) {
	var b strings.Builder
	if err := t.Execute(&b, d); err != nil {
		return "", fmt.Errorf("%s template: %w", t.Name(), err)
	}
	return strings.ToValidUTF8(b.String(), "\uFFFD"), nil
}

// Subject renders an email subject: one line, at most 250 bytes.
func Subject(t *template.Template, d Data) (string, error) {
	s, err := execTemplate(t, d)
	if err != nil {
		return "", err
	}
	return Truncate(strings.Join(strings.Fields(s), " "), 250, "..."), nil
}

// sentLine is the last line of text bodies, e.g.
// `Sent by serverstats, handler "oncall", at 2026-08-22 10:00:00 UTC.`
func sentLine(d Data) string {
	var latest time.Time
	for _, n := range d.Notifications {
		if n.Time.After(latest) {
			latest = n.Time
		}
	}
	s := fmt.Sprintf("Sent by serverstats, handler %q", d.Handler)
	if !latest.IsZero() {
		s += " at " + latest.Format("2006-01-02 15:04:05 MST")
	}
	return s + "."
}

// Text renders the text body: the template t over d, or when t is
// nil the default: the counts and hosts, one line per notification
// (Notification.Line, which has the error and exit status of a command
// failure), and below a command failure the tail of its stderr, e.g.
//
//	1 firing, 1 unknown on web1, db1
//
//	web1 /var: Use% 93% > 90 — Disk space over 90% full
//	db1: UNKNOWN disk: command failed (exit status 2): df: /mnt: Stale file handle
//	    stderr:
//	      df: /mnt: Stale file handle
//
//	--
//	Sent by serverstats, handler "oncall" at 2026-08-22 10:00:00 UTC.
func Text(t *template.Template, d Data) (string, error) {
	if t != nil {
		return execTemplate(t, d)
	}
	var b strings.Builder
	b.WriteString(d.counts())
	if len(d.Hosts) > 0 {
		b.WriteString(" on " + strings.Join(d.Hosts, ", "))
	}
	b.WriteString("\n\n")
	for _, n := range d.Notifications {
		b.WriteString(n.Line() + "\n")
		if s := strings.TrimRight(n.Stderr, "\n"); n.Error != "" && strings.TrimSpace(s) != "" {
			b.WriteString("    stderr:\n")
			for l := range strings.SplitSeq(s, "\n") {
				b.WriteString(strings.TrimRight("      "+l, " \r") + "\n")
			}
		}
	}
	b.WriteString("\n-- \n" + sentLine(d) + "\n")
	return b.String(), nil
}

// htmlRow is one row of the HTML table.
type htmlRow struct {
	Status, Severity, Host, Key, Column, Value, Rule, Message, Stderr string
	Color                                                             string // background of the status cell
}

// htmlPage is what htmlBody renders.
type htmlPage struct {
	Summary, Counts, Sent string
	Rows                  []htmlRow
}

var htmlBody = htmltemplate.Must(htmltemplate.New("html").Parse(`<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>{{.Summary}}</title></head>
<body style="font-family: sans-serif">
<p>{{.Counts}}</p>
<table border="1" cellspacing="0" cellpadding="4" style="border-collapse: collapse">
<tr><th>Status</th><th>Severity</th><th>Host</th><th>Key</th><th>Column</th><th>Value</th><th>Rule</th><th>Message</th></tr>
{{- range .Rows}}
<tr><td style="background: {{.Color}}">{{.Status}}</td><td>{{.Severity}}</td><td>{{.Host}}</td><td>{{.Key}}</td><td>{{.Column}}</td><td>{{.Value}}</td><td>{{.Rule}}</td><td>{{.Message}}{{if .Stderr}}<pre>{{.Stderr}}</pre>{{end}}</td></tr>
{{- end}}
</table>
<p style="color: #666">{{.Sent}}</p>
</body>
</html>
`))

// statusColors are the backgrounds of the status cells.
var statusColors = map[alerts.Status]string{
	alerts.StatusFiring:   "#f8d7da",
	alerts.StatusReminder: "#fde2c8",
	alerts.StatusUnknown:  "#e2e3e5",
	alerts.StatusResolved: "#d4edda",
}

// HTML renders the HTML body: a table with one row per
// notification (status, severity, host, key, column, value, rule, message),
// escaped by html/template. A command failure shows its error and exit
// status as the message and its stderr tail below.
func HTML(d Data) (string, error) {
	p := htmlPage{Summary: d.Summary, Counts: d.counts(), Sent: sentLine(d)}
	if len(d.Hosts) > 0 {
		p.Counts += " on " + strings.Join(d.Hosts, ", ")
	}
	for _, n := range d.Notifications {
		r := htmlRow{
			Status: string(n.Status), Severity: string(n.Severity), Host: n.Host, Key: n.Key,
			Column: n.Column, Value: n.Value, Rule: n.Trigger, Message: n.Message,
			Color: cmp.Or(statusColors[n.Status], "#ffffff"),
		}
		if n.Action != "" {
			r.Message = words(r.Message, "[action "+n.Action+"]")
		}
		if n.Warning != "" {
			r.Message = words(r.Message, "["+n.Warning+"]")
		}
		if n.Error != "" {
			r.Rule = n.Command
			r.Message = OneLine(n.Error)
			if n.ExitStatus != 0 {
				r.Message += fmt.Sprintf(" (exit status %d)", n.ExitStatus)
			}
			r.Stderr = strings.TrimRight(n.Stderr, "\n")
		}
		p.Rows = append(p.Rows, r)
	}
	var b bytes.Buffer
	if err := htmlBody.Execute(&b, p); err != nil {
		return "", fmt.Errorf("html body: %w", err)
	}
	return b.String(), nil
}

// Truncate cuts s to at most max bytes, ending in ellipsis when cut, at a
// rune boundary.
func Truncate(s string, max int, ellipsis string) string {
	if len(s) <= max {
		return s
	}
	cut := max - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimRight(s[:cut], " ;") + ellipsis
}
