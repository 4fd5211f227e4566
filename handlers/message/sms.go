package message

import (
	"strconv"
	"strings"
	"text/template"

	"serverstats/alerts"
)

// smsMaxLen is the length of one GSM-7 SMS; the SMS text is cut to fit.
const smsMaxLen = 160

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
		return words(tag, n.Host, n.Key, n.Command+":", OneLine(n.Error))
	case n.Status == alerts.StatusUnknown:
		return words(tag, n.Host, n.Key, n.Column)
	case n.Status == alerts.StatusResolved:
		return words(tag, n.Host, n.Key, n.Column, n.Value)
	}
	return words(tag, n.Host, n.Key, n.Column, n.Value+strings.ReplaceAll(n.Trigger, " ", ""))
}

// SMS renders the text of one SMS of at most 160 GSM-7 characters:
// the template t over d (made GSM-7 safe and cut at 160), or when t is nil
// the notifications, most urgent first, separated by "; ", as many as fit,
// then "+N more" for the rest, e.g.
// "CRIT web1 /var Use% 93%>90; RESOLVED web2 / Use% 71% +3 more".
func SMS(t *template.Template, d Data) (string, error) {
	if t != nil {
		s, err := execTemplate(t, d)
		if err != nil {
			return "", err
		}
		return Truncate(gsm7(strings.Join(strings.Fields(s), " ")), smsMaxLen, "..."), nil
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
	return Truncate(items[0], smsMaxLen-len(more), "...") + more, nil
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
