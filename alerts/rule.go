package alerts

import (
	"text/template"
	"time"

	"serverstats/parse"
)

// Severity says how bad a fired rule is; it decides the exit code.
type Severity string

// Severities, mildest first.
const (
	SeverityWarning  Severity = "warning"
	SeverityCritical Severity = "critical"
)

// ValueColumn is the column of a command read without a header.
const ValueColumn = "value"

// Rule is one alert of a command: a trigger on one column, checked on every
// row of every target's output.
type Rule struct {
	Name     string     // unique within its command; defaults to "<column> <trigger>"
	Column   string     // header text or "#N"; ValueColumn for header-less output
	Type     parse.Type // how the cell is read; TypeAuto guesses
	Trigger  *Trigger
	Clear    *Trigger // hysteresis: resolves only when this holds (nil: when Trigger no longer holds)
	For      int      // consecutive failing runs before firing (needs persisted state)
	Msg      *template.Template
	Handlers []string
	MuteFor  time.Duration
	Repeat   time.Duration
	Severity Severity
	JSON     *parse.JSONPath // when set, the rule judges this field of the cell's JSON (".status")
	Action   *Action         // remediation run on the host while the alert fires; nil for none
	Flap     *FlapPolicy     // flap detection; nil means DefaultFlap
	// Escalate are the handlers told, in turn, when the alert has fired
	// for After without being acknowledged.
	Escalate []Escalation
	// Runbook is the URL of what to do when the rule fires ("" for none):
	// in its notifications, and the alertmanager handler's runbook_url.
	Runbook string
}

// Escalation is one step of a rule's escalation.
type Escalation struct {
	After    time.Duration
	Handlers []string
}

// Action is a rule's remediation, as in monit's "then restart": a command
// run on the affected host on every run in which the rule's alert fires,
// guarded so that a fix that does not work is not repeated forever.
type Action struct {
	Cmd string
	// Max actions within the last Within judged runs of the key; when the
	// guard is reached, serverstats stops acting and tells the rule's
	// handlers once, until the alert resolves.
	Max    int
	Within int
	// Grace: after an action, the key is not evaluated for this long, so a
	// restarting service is not judged (nor acted on) mid-restart.
	Grace time.Duration
}

// Default remediation guard: at most DefaultActionMax actions within
// DefaultActionWithin runs.
const (
	DefaultActionMax    = 3
	DefaultActionWithin = 10
)

// label is the rule's column as messages show it: "body .status" for a
// rule on a JSON field.
func (r *Rule) label() string {
	if r.JSON != nil {
		return r.Column + " " + r.JSON.String()
	}
	return r.Column
}

// MsgFuncs are the functions available in message templates.
var MsgFuncs = template.FuncMap{}

// MsgData is what a rule's `msg` template sees.
type MsgData struct {
	Command  string // command name, e.g. "disk"
	Host     string // target name as written in the config
	Key      string // the row's key cell (the command's `key` column), "" if none
	Column   string
	Value    string // display form of the observed value, e.g. "93%"
	Raw      string // the cell text
	Trigger  string // the rule, e.g. "> 90"
	Severity Severity
	Row      RowData
}

// RowData gives a template the whole row: {{.Row.Key}}, {{.Row.Get "Avail"}}.
type RowData struct {
	Key    string
	header []string
	cells  []string
}

// Get returns the raw cell of the named column in this row, "" if absent.
func (r RowData) Get(column string) string {
	for i, h := range r.header {
		if h == column && i < len(r.cells) {
			return r.cells[i]
		}
	}
	return ""
}
