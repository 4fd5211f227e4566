package alerts

import (
	"errors"
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
	Line     int    // input line of the row, 0 when not about a row
	Runbook  string // the rule's runbook URL
}

// Findings keeps the findings of observations that fired or could not be
// read (not placeholder cells, not rows that are fine).
func Findings(obs []Observation) []Finding {
	var out []Finding
	for _, o := range obs {
		if o.Finding.Status != "" {
			out = append(out, o.Finding)
		}
	}
	return out
}

// Observe judges every row of one target's output under every rule: whether
// the trigger holds, whether the clear condition holds, or whether the cell
// cannot be judged. A missing column is one unknown observation with an
// empty row key.
func Observe(command, host, keyColumn string, rules []*Rule, t *parse.Table) []Observation {
	out := make([]Observation, 0, len(rules)*max(len(t.Rows), 1)) // one per rule and row: no regrowth of a large slice
	keys := RowKeys(keyColumn, t)
	for _, r := range rules {
		col, ok := t.Column(r.Column)
		if !ok {
			f := Finding{
				Status: StatusUnknown, Command: command, Rule: r.Name, Host: host,
				Column: r.Column, Trigger: r.Trigger.String(), Severity: r.Severity, Runbook: r.Runbook,
				Message: fmt.Sprintf("column %q is not in the output (columns: %s)", r.Column, strings.Join(t.Header, ", ")),
			}
			out = append(out, Observation{Key: Key{command, r.Name, host, ""}, Unknown: true, ColumnMissing: true, Finding: f})
			continue
		}
		// Thresholds with a unit are read in the column's size base, as
		// its cells are ("< 10G" on `df -H` output is 10×10⁹).
		trig, clear := r.Trigger.inColumn(t, col), r.Clear.inColumn(t, col)
		for i, row := range t.Rows {
			key := keys[i]
			f := Finding{
				Command: command, Rule: r.Name, Host: host, Key: key, Column: r.label(),
				Trigger: r.Trigger.String(), Severity: r.Severity, Line: row.Line, Runbook: r.Runbook,
			}
			o := Observation{Key: Key{command, r.Name, host, key}}
			raw := ""
			if col < len(row.Cells) {
				raw = row.Cells[col]
			}
			var v parse.Value
			var err error
			jsonNote := ""
			if r.JSON != nil {
				var jerr error
				if raw, jerr = r.JSON.Lookup(raw); jerr != nil {
					if r.Trigger.textual() {
						// No such field (an error page, no answer at all) is
						// an empty value: "!= up" holds, as for a dead service.
						raw, jsonNote = "", "JSON "+jerr.Error()
					} else {
						err = fmt.Errorf("JSON %w", jerr)
					}
				}
			}
			switch {
			case err != nil:
			case r.JSON != nil:
				v, err = t.ValueOf(raw, col, r.Type) // a field of the cell, read as its column reads
			default:
				// The one typing path of cells, as `--json` and
				// `serverstats parse` show them.
				v, err = t.Value(i, col, r.Type)
				var ce *parse.CellError
				if errors.As(err, &ce) {
					err = ce.Err // the message says the line and column itself
				}
				if err == nil && r.Type == parse.TypeAuto && !v.Null && v.Type == parse.TypeString && trig.ordered() {
					err = fmt.Errorf("the column reads as text, not numbers (%q), so %s cannot judge it; set value-type (number, percent, bytes, duration)", v.Raw, trig.String())
				}
			}
			f.Value = v
			o.Value = v.String()
			if err == nil {
				o.Num, o.HasNum = v.Float()
			}
			switch {
			case err != nil:
				f.Status = StatusUnknown
				f.Message = fmt.Sprintf("line %d, column %q: %v", row.Line, r.Column, err)
				o.Unknown = true
			case trig.Match(v):
				f.Status = StatusFiring
				if f.Message = render(r, f, t.Header, row.Cells); f.Message == "" {
					f.Message = jsonNote // why the field is empty
				}
				o.Holds = true
			case clear != nil:
				o.Clears = clear.Match(v)
			case v.Null && !r.Trigger.textual():
				o.Unknown = true // a placeholder cell ("-") neither fires nor resolves a numeric rule
			default:
				o.Clears = true
			}
			o.Finding = f
			out = append(out, o)
		}
	}
	return out
}

// RowKeys names each row of t for alert state: its cell in the key column,
// made unique by a "#N" suffix when several rows share it, or "#N" (the
// row's position) when there is no key column and more than one row. A
// single header-less value has the key "".
func RowKeys(keyColumn string, t *parse.Table) []string {
	keyIdx := -1
	if keyColumn != "" {
		if i, ok := t.Column(keyColumn); ok {
			keyIdx = i
		}
	}
	keys := make([]string, len(t.Rows))
	seen := map[string]int{}
	for i, row := range t.Rows {
		key := ""
		switch {
		case keyIdx >= 0 && keyIdx < len(row.Cells):
			key = row.Cells[keyIdx]
		case len(t.Rows) > 1:
			key = fmt.Sprintf("#%d", i+1)
		}
		seen[key]++
		if n := seen[key]; n > 1 {
			key = fmt.Sprintf("%s#%d", key, n)
		}
		keys[i] = key
	}
	return keys
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
