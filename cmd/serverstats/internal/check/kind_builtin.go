package check

import (
	"serverstats/alerts"
	"serverstats/collectors"
	"serverstats/config"
)

// builtinKind is a portable built-in check (builtin: disk, ...): a shell
// line that config generated for it, whose output the built-in normalizes
// into fixed columns, the same on GNU, busybox and BSD tools.
type builtinKind struct{}

func (builtinKind) collector(c *Checker, _ *config.Command, t collectors.Target) collectors.Collector {
	return c.shellCollector(t, false)
}

func (builtinKind) accepts(cmd *config.Command, status int) bool {
	return shellKind{}.accepts(cmd, status)
}

func (builtinKind) read(cmd *config.Command, h *Host) {
	h.Table, h.ParseErr = cmd.Builtin.Normalize(string(h.Result.Stdout))
}

func (builtinKind) observe(cmd *config.Command, h *Host) []alerts.Observation {
	return observeTable(cmd, h)
}
