package handlers

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"

	"serverstats/alerts"
	"serverstats/config"
)

// MessageData is what the subject and body templates of a handler see
// (config keys subject and body), e.g. `[serverstats] {{.Summary}}` or
// `{{range .Notifications}}{{.Line}}{{"\n"}}{{end}}`.
type MessageData struct {
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

// smsMaxLen is the length of one GSM-7 SMS; the SMS text is cut to fit.
const smsMaxLen = 160

// NewMessageData describes the group ns sent by the handler named handler.
// A StatusSummary notification (a message cut to alerts.MaxNotifications)
// adds the notifications it stands for to the counts.
func NewMessageData(handler string, ns []alerts.Notification) MessageData {
	d := MessageData{Handler: handler, Notifications: ns}
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
func (d MessageData) warningTag() string {
	w, _, _ := strings.Cut(d.Warning, ":")
	return strings.ToUpper(w)
}

// count adds c notifications of status s to the counts.
func (d *MessageData) count(s alerts.Status, c int) {
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
func (d MessageData) counts() string {
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
		return words(n.Host, n.Key, "UNKNOWN", n.Command+":", oneLine(n.Error))
	case n.Status == alerts.StatusUnknown:
		return words(n.Host, n.Key, "UNKNOWN", n.Column, n.Trigger)
	case n.Status == alerts.StatusResolved:
		return words(n.Host, n.Key, "RESOLVED", n.Column, n.Value)
	case n.Status == alerts.StatusReminder:
		return words(n.Host, n.Key, "STILL", n.Column, n.Value, n.Trigger)
	}
	return words(n.Host, n.Key, n.Column, n.Value, n.Trigger)
}

// oneLine joins the lines of s with " | ".
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(strings.TrimSpace(s), "\n", " | ")), " ")
}

// parseTextTemplate parses a subject or body template of the config.
func parseTextTemplate(name, text string) (*template.Template, error) {
	t, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("%s template: %w", name, err)
	}
	return t, nil
}

// execTemplate runs t over d.
func execTemplate(t *template.Template, d MessageData) (string, error) {
	var b strings.Builder
	if err := t.Execute(&b, d); err != nil {
		return "", fmt.Errorf("%s template: %w", t.Name(), err)
	}
	return b.String(), nil
}

// buildSubject renders an email subject: one line, at most 250 bytes.
func buildSubject(t *template.Template, d MessageData) (string, error) {
	s, err := execTemplate(t, d)
	if err != nil {
		return "", err
	}
	return truncate(strings.Join(strings.Fields(s), " "), 250, "..."), nil
}

// sentLine is the last line of text bodies, e.g.
// `Sent by serverstats, handler "oncall", at 2026-08-22 10:00:00 UTC.`
func sentLine(d MessageData) string {
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

// buildTextBody renders the text body: the template t over d, or when t is
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
func buildTextBody(t *template.Template, d MessageData) (string, error) {
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

// buildHTMLBody renders the HTML body: a table with one row per
// notification (status, severity, host, key, column, value, rule, message),
// escaped by html/template. A command failure shows its error and exit
// status as the message and its stderr tail below.
func buildHTMLBody(d MessageData) (string, error) {
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
			r.Message = oneLine(n.Error)
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

// smsTag is the first word of a notification in an SMS.
func smsTag(n alerts.Notification) string {
	sev := "ALERT"
	switch n.Severity {
	case alerts.SeverityCritical:
		sev = "CRIT"
	case alerts.SeverityWarning:
		sev = "WARN"
	case "":
	default:
		sev = strings.ToUpper(string(n.Severity))
	}
	switch n.Status {
	case alerts.StatusResolved:
		return "RESOLVED"
	case alerts.StatusUnknown:
		return "UNKNOWN"
	case alerts.StatusReminder:
		return "STILL " + sev
	}
	return sev
}

// smsItem is one notification in an SMS, e.g. "CRIT web1 /var Use% 93%>90",
// "RESOLVED web2 / Use% 71%", "UNKNOWN db1 disk: command failed".
func smsItem(n alerts.Notification) string {
	tag := smsTag(n)
	switch {
	case n.Error != "":
		return words(tag, n.Host, n.Key, n.Command+":", oneLine(n.Error))
	case n.Status == alerts.StatusUnknown:
		return words(tag, n.Host, n.Key, n.Column)
	case n.Status == alerts.StatusResolved:
		return words(tag, n.Host, n.Key, n.Column, n.Value)
	}
	return words(tag, n.Host, n.Key, n.Column, n.Value+strings.ReplaceAll(n.Trigger, " ", ""))
}

// buildSMS renders the text of one SMS of at most 160 GSM-7 characters:
// the template t over d (made GSM-7 safe and cut at 160), or when t is nil
// the notifications, most urgent first, separated by "; ", as many as fit,
// then "+N more" for the rest, e.g.
// "CRIT web1 /var Use% 93%>90; RESOLVED web2 / Use% 71% +3 more".
func buildSMS(t *template.Template, d MessageData) (string, error) {
	if t != nil {
		s, err := execTemplate(t, d)
		if err != nil {
			return "", err
		}
		return truncate(gsm7(strings.Join(strings.Fields(s), " ")), smsMaxLen, "..."), nil
	}
	var items []string
	for _, n := range byUrgency(d.Notifications) {
		if n.Status != alerts.StatusSummary {
			items = append(items, gsm7(smsItem(n)))
		}
	}
	if len(items) == 0 {
		return "serverstats: no notifications", nil
	}
	if d.Warning != "" {
		items[0] = gsm7(d.warningTag()) + ": " + items[0]
	}
	total := max(d.Count, len(items)) // a message cut to alerts.MaxNotifications counts the rest
	for k := len(items); k >= 1; k-- {
		s := strings.Join(items[:k], "; ")
		if k < total {
			s += " +" + strconv.Itoa(total-k) + " more"
		}
		if len(s) <= smsMaxLen {
			return s, nil
		}
	}
	more := ""
	if total > 1 {
		more = " +" + strconv.Itoa(total-1) + " more"
	}
	return truncate(items[0], smsMaxLen-len(more), "...") + more, nil
}

// truncate cuts s to at most max bytes, ending in ellipsis when cut, at a
// rune boundary.
func truncate(s string, max int, ellipsis string) string {
	if len(s) <= max {
		return s
	}
	cut := max - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimRight(s[:cut], " ;") + ellipsis
}

// gsm7Replacements turn common typography into GSM-7 basic characters.
var gsm7Replacements = map[rune]string{
	'—': "-", '–': "-", '‐': "-", '−': "-", '…': "...", '‘': "'", '’': "'", '‚': ",",
	'“': `"`, '”': `"`, '„': `"`, '«': `"`, '»': `"`, '•': "*", '·': ".", '×': "x",
	'≥': ">=", '≤': "<=", '≠': "!=", '°': "deg", '\t': " ", '\n': " ", '\r': " ",
	// GSM-7 extension characters cost two septets; keep one.
	'[': "(", ']': ")", '{': "(", '}': ")", '|': "/", '\\': "/", '~': "-", '^': "-", '`': "'",
	'€': "EUR",
}

// gsm7 makes s safe for one GSM-7 SMS segment: printable ASCII of the GSM
// basic character set only (so that len(s) is its length in septets);
// typography is replaced, anything else becomes "?".
func gsm7(s string) string {
	var b strings.Builder
	for _, r := range s {
		if rep, ok := gsm7Replacements[r]; ok {
			b.WriteString(rep)
			continue
		}
		if r >= ' ' && r <= '~' {
			b.WriteRune(r)
			continue
		}
		b.WriteByte('?')
	}
	return b.String()
}

// Payload is the JSON that the exec handler writes to the command's stdin
// and the webhook handler POSTs, e.g.
// {"handler":"hook","summary":"1 firing: ...","notifications":[{...}]}.
type Payload struct {
	Handler       string                `json:"handler"`       // the handler's name in the config
	Summary       string                `json:"summary"`       // MessageData.Summary
	Notifications []alerts.Notification `json:"notifications"` // the group, never null
}

// buildPayload renders the JSON payload of d (without HTML escaping, so
// that "> 90" stays readable).
func buildPayload(d MessageData) ([]byte, error) {
	ns := d.Notifications
	if ns == nil {
		ns = []alerts.Notification{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(Payload{Handler: d.Handler, Summary: d.Summary, Notifications: ns}); err != nil {
		return nil, fmt.Errorf("encode notifications: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Sample returns a realistic group of notifications stamped now, for
// `serverstats test-alert HANDLER`: web1's /var firing, web2's / resolved,
// and the disk command failing on db1.
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

// CheckTemplates renders a handler's subject and body templates on a sample
// group, so that a misspelt field ({{.Sumary}}) is refused when the config
// is loaded, not at 3 a.m. when every send fails. It returns the key of the
// bad template and the error.
func CheckTemplates(h *config.Handler) (key string, err error) {
	d := NewMessageData(h.Name, Sample(time.Now()))
	for _, c := range []struct {
		key, text string
		build     func(*template.Template, MessageData) (string, error)
	}{
		{"subject", h.Subject, buildSubject},
		{"body", h.Body, buildTextBody},
	} {
		if c.text == "" || (c.key == "subject" && h.Type != "email") {
			continue
		}
		build := c.build
		if c.key == "body" && h.Type == "sms" {
			build = buildSMS
		}
		t, err := parseTextTemplate(h.Name+"."+c.key, c.text)
		if err == nil {
			_, err = build(t, d)
		}
		if err != nil {
			return c.key, err
		}
	}
	return "", nil
}
