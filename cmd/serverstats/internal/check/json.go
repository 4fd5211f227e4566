package check

import (
	"serverstats/alerts"
	"serverstats/config"
	"serverstats/parse"
)

// JSONCell is one cell in JSON output: the text and its typed value.
type JSONCell struct {
	Raw   string `json:"raw"`
	Value any    `json:"value"`
	Error string `json:"error,omitempty"`
}

// JSONHost is one host of a JSON report.
type JSONHost struct {
	Name       string                `json:"name"`
	Status     HostState             `json:"status"`
	ExitStatus int                   `json:"exit_status"`
	DurationMS int64                 `json:"duration_ms"`
	Error      string                `json:"error,omitempty"`
	Stderr     string                `json:"stderr,omitempty"`
	Stdout     string                `json:"stdout,omitempty"` // only when the output was not parsed
	Header     []string              `json:"header"`
	Rows       []map[string]JSONCell `json:"rows"`
	Plugin     *JSONPlugin           `json:"plugin,omitempty"`  // a Nagios plugin's state
	Note       string                `json:"note,omitempty"`    // e.g. malformed perfdata items, left out
	Unknown    []string              `json:"unknown,omitempty"` // rules that could not be judged (a missing column)
	Actions    []ActionResult        `json:"actions,omitempty"` // remediations run this run
}

// JSONPlugin is a Nagios plugin's verdict.
type JSONPlugin struct {
	State   string `json:"state"`
	Exit    int    `json:"exit"`
	Summary string `json:"summary"`
}

// JSONDelivery is what the run's delivery attempts did.
type JSONDelivery struct {
	Sent          int      `json:"sent"`
	Retrying      int      `json:"retrying"`
	Rerouted      int      `json:"rerouted"`
	Undeliverable int      `json:"undeliverable"`
	Errors        []string `json:"errors"`
}

// JSONReport is a run as `serverstats CMD --json` prints it.
type JSONReport struct {
	Command    string       `json:"command"`
	Status     string       `json:"status"`
	ExitCode   int          `json:"exit_code"`
	Alerts     bool         `json:"alerts_evaluated"`
	DurationMS int64        `json:"duration_ms"`
	Hosts      []JSONHost   `json:"hosts"`
	Queued     []JSONQueued `json:"queued"`
	Delivery   JSONDelivery `json:"delivery"`
	// StateError is set when the state file could not be used: the alerts
	// were delivered directly (exit code 4).
	StateError string `json:"state_error,omitempty"`
}

// JSONQueued is one message queued this run.
type JSONQueued struct {
	Handler       string                `json:"handler"`
	Notifications []alerts.Notification `json:"notifications"`
}

// JSON is rep as a document, with the exit code and status the caller
// decided (they may differ from rep.Status: a state failure is exit 4).
func (r *Report) JSON(code int, status string, evaluated bool) JSONReport {
	res := r.Delivery
	doc := JSONReport{
		Command: r.Command.Name, Status: status, ExitCode: code, Alerts: evaluated,
		DurationMS: r.Duration.Milliseconds(), Hosts: []JSONHost{}, Queued: []JSONQueued{},
		Delivery: JSONDelivery{Sent: res.Sent, Retrying: res.Retrying, Rerouted: res.Rerouted, Undeliverable: res.Undeliverable, Errors: append([]string{}, res.Errors...)},
	}
	types := ColumnTypes(r.Command)
	for _, h := range r.Hosts {
		jh := JSONHost{
			Name: h.Target.Name, Status: h.State, ExitStatus: h.Result.ExitStatus,
			DurationMS: h.Result.Duration.Milliseconds(), Stderr: string(h.Result.Stderr),
			Header: []string{}, Rows: []map[string]JSONCell{}, Unknown: h.Unknown,
		}
		if fail := h.FailureText(); fail != "" {
			jh.Error = fail
			jh.Stdout = string(h.Result.Stdout)
		}
		if h.Table != nil {
			jh.Header, jh.Rows = JSONTable(h.Table, types)
		}
		if h.Plugin != nil {
			c := h.Plugin.Rows[0].Cells
			jh.Plugin = &JSONPlugin{State: c[0], Exit: h.Result.ExitStatus, Summary: c[2]}
		}
		jh.Note, jh.Actions = h.Note, h.Actions
		doc.Hosts = append(doc.Hosts, jh)
	}
	if r.StateErr != nil {
		doc.StateError = r.StateErr.Error()
	}
	for _, e := range r.Queued {
		doc.Queued = append(doc.Queued, JSONQueued{Handler: e.Handler, Notifications: e.Notifications})
	}
	return doc
}

// ColumnTypes is the value type of each column a rule names, so JSON shows
// cells as the rules read them; other columns are guessed.
func ColumnTypes(cmd *config.Command) map[string]parse.Type {
	m := map[string]parse.Type{}
	for _, r := range cmd.Alerts {
		if r.Type != parse.TypeAuto {
			m[r.Column] = r.Type
		}
	}
	return m
}

// JSONTable is the table as `serverstats parse --json` shows it, each
// cell typed in its column as rules read it.
func JSONTable(t *parse.Table, types map[string]parse.Type) ([]string, []map[string]JSONCell) {
	rows := make([]map[string]JSONCell, 0, len(t.Rows))
	for ri, r := range t.Rows {
		m := make(map[string]JSONCell, len(t.Header))
		for i, h := range t.Header {
			raw := ""
			if i < len(r.Cells) {
				raw = r.Cells[i]
			}
			v, err := t.Value(ri, i, types[h])
			c := JSONCell{Raw: raw, Value: v.JSON()}
			if err != nil {
				c.Value, c.Error = nil, err.Error()
			}
			m[h] = c
		}
		rows = append(rows, m)
	}
	return append([]string{}, t.Header...), rows
}
