package check

import "serverstats/config"

// builtinKind is a portable built-in check (builtin: disk, ...): a shell
// line that config generated for it, run like any shell line, whose output
// the built-in normalizes into fixed columns, the same on GNU, busybox and
// BSD tools.
type builtinKind struct{ shellKind }

func (builtinKind) read(cmd *config.Command, h *Host) {
	h.Table, h.ParseErr = cmd.Builtin.Normalize(string(h.Result.Stdout))
}
