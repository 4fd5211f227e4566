package alerts

import (
	"fmt"
	"strings"

	"serverstats/parse"
)

// Status is what a finding or notification says about one alert key.
type Status string

// Statuses of findings and notifications.
const (
	StatusFiring   Status = "firing"
	StatusUnknown  Status = "unknown"
	StatusResolved Status = "resolved"
	StatusReminder Status = "reminder"
)

// Finding is the verdict of one rule on one row of one target's output: the
// rule's trigger holds (StatusFiring), or the cell could not be judged
// (StatusUnknown: missing column, cell not of the rule's type).
type Finding struct {
	Status   Status
	Command  string
	Rule     string
	Host     string
	Key      string // row key
	Column   string
	Value    parse.Value
	Trigger  string
	Severity Severity
	Message  string
	Line     int // input line of the row, 0 when not about a row
}

// Evaluate applies rules to one target's parsed output and returns what
// fired or could not be judged, in rule order then row order. keyColumn names
// the column whose cell identifies a row ("" for none). It is a pure function.
func Evaluate(command, host, keyColumn string, rules []*Rule, t *parse.Table) []Finding {
	var out []Finding
	keyIdx := -1
	if keyColumn != "" {
		if i, ok := t.Column(keyColumn); ok {
			keyIdx = i
		}
	}
	for _, r := range rules {
		col, ok := t.Column(r.Column)
		if !ok {
			out = append(out, Finding{
				Status: StatusUnknown, Command: command, Rule: r.Name, Host: host,
				Column: r.Column, Trigger: r.Trigger.String(), Severity: r.Severity,
				Message: fmt.Sprintf("column %q is not in the output (columns: %s)", r.Column, strings.Join(t.Header, ", ")),
			})
			continue
		}
		for _, row := range t.Rows {
			key := ""
			if keyIdx >= 0 && keyIdx < len(row.Cells) {
				key = row.Cells[keyIdx]
			}
			f := Finding{
				Command: command, Rule: r.Name, Host: host, Key: key, Column: r.Column,
				Trigger: r.Trigger.String(), Severity: r.Severity, Line: row.Line,
			}
			raw := ""
			if col < len(row.Cells) {
				raw = row.Cells[col]
			}
			v, err := parse.ParseValue(raw, r.Type)
			if err != nil {
				f.Status, f.Value = StatusUnknown, v
				f.Message = fmt.Sprintf("line %d, column %q: %v", row.Line, r.Column, err)
				out = append(out, f)
				continue
			}
			if !r.Trigger.Match(v) {
				continue
			}
			f.Status, f.Value = StatusFiring, v
			f.Message = render(r, f, t.Header, row.Cells)
			out = append(out, f)
		}
	}
	return out
}

// render executes the rule's message template ("" when the rule has none);
// a template that fails at run time yields the error text, so nothing is lost.
func render(r *Rule, f Finding, header, cells []string) string {
	data := MsgData{
		Command: f.Command, Host: f.Host, Key: f.Key, Column: f.Column,
		Value: f.Value.String(), Raw: f.Value.Raw, Trigger: f.Trigger, Severity: f.Severity,
		Row: RowData{Key: f.Key, header: header, cells: cells},
	}
	if r.Msg == nil {
		return ""
	}
	var b strings.Builder
	if err := r.Msg.Execute(&b, data); err != nil {
		return fmt.Sprintf("(msg template failed: %v)", err)
	}
	return strings.TrimSpace(b.String())
}
