package check

import (
	"slices"

	"serverstats/alerts"
	"serverstats/collectors"
	"serverstats/config"
	"serverstats/parse"
)

// shellKind is a shell line (cmd:) run on each server, or here for a local
// one; its output is read as a table.
type shellKind struct{}

func (shellKind) collector(c *Checker, _ *config.Command, t collectors.Target) collectors.Collector {
	return c.shellCollector(t, false)
}

// accepts the statuses of ok-exit-codes (default 0).
func (shellKind) accepts(cmd *config.Command, status int) bool {
	return slices.Contains(cmd.OKExitCodes, status)
}

func (shellKind) read(cmd *config.Command, h *Host) {
	h.Table, h.ParseErr = parse.ParseTable(string(h.Result.Stdout), tableOptions(cmd))
}

func (shellKind) observe(cmd *config.Command, h *Host) []alerts.Observation {
	return observeTable(cmd, h)
}

// tableOptions are how cmd's output is read as a table.
func tableOptions(cmd *config.Command) parse.Options {
	return parse.Options{
		NoHeader: cmd.NoHeader, HeaderLine: cmd.HeaderLine, SkipLines: cmd.SkipLines,
		HasHeader: cmd.HasHeader, Table: cmd.Table, SizeBase: cmd.SizeBase,
	}
}
