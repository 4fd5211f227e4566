package check

import (
	"fmt"
	"strings"

	"serverstats/alerts"
	"serverstats/config"
	"serverstats/parse"
)

// nagiosKind is a Nagios plugin (cmd: with nagios: true): its exit status is
// its state, its output a summary and perfdata. Its rows are the perfdata
// items, keyed by label; its state columns (parse.PluginStateHeader) are
// read by the implicit "plugin warning" and "plugin critical" rules.
type nagiosKind struct{ shellKind } // runs like a shell line

// accepts 0-3; 3 (UNKNOWN) is judged from the output.
func (nagiosKind) accepts(_ *config.Command, status int) bool { return status >= 0 && status <= 3 }

// pluginStates are a Nagios plugin's exit statuses by name.
var pluginStates = []string{"OK", "WARNING", "CRITICAL", "UNKNOWN"}

func (nagiosKind) read(_ *config.Command, h *Host) {
	r := h.Result
	summary, perf, err := parse.ParsePlugin(string(r.Stdout))
	if summary == "" {
		line, _, _ := strings.Cut(string(r.Stderr), "\n")
		summary = strings.TrimSpace(line)
	}
	h.Table = perf
	if err != nil {
		h.Note = err.Error() // the good items are kept: the plugin's state still counts
	}
	h.Plugin = &parse.Table{Header: append([]string(nil), parse.PluginStateHeader...),
		Rows: []parse.Row{{Line: 1, Cells: []string{pluginStates[r.ExitStatus], fmt.Sprint(r.ExitStatus), summary}}}}
	if r.ExitStatus == 3 {
		h.Problem = "plugin says UNKNOWN: " + summary
	}
}

// observe reads the rules on the state columns from h.Plugin, the rest from
// the perfdata.
func (nagiosKind) observe(cmd *config.Command, h *Host) []alerts.Observation {
	var onState, onPerf []*alerts.Rule
	for _, r := range cmd.Alerts {
		if _, ok := h.Plugin.Column(r.Column); ok {
			onState = append(onState, r)
		} else {
			onPerf = append(onPerf, r)
		}
	}
	return append(alerts.Observe(cmd.Name, h.Target.Name, "", onState, h.Plugin),
		alerts.Observe(cmd.Name, h.Target.Name, cmd.Key, onPerf, h.Table)...)
}
