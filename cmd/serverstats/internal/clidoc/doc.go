// Package clidoc turns the command line's own tables (switches, built-in
// commands) into what documents and completes it outside the binary: the
// version page, shell completion scripts for bash, zsh and fish, and the
// serverstats(1) and serverstats.yaml(5) man pages. The usage page, the
// completions and the man pages are made from the same tables, so they
// cannot drift apart.
package clidoc

import "io"

// Switch is one switch of the command line.
type Switch struct {
	Short, Long, Arg, Doc string
	Value                 bool // takes a value
}

// Command is one built-in command.
type Command struct{ Name, Doc string }

// Switches converts the command line's switch table, whose rows have
// Switch's fields.
func Switches[S ~struct {
	Short, Long, Arg, Doc string
	Value                 bool
}](rows []S) []Switch {
	out := make([]Switch, len(rows))
	for i, r := range rows {
		out[i] = Switch(r)
	}
	return out
}

// Note is a paragraph of the usage page after the tables; the man page has
// each as a section.
type Note struct {
	Title   string // as the usage page starts it, e.g. "Exit codes"
	Section string // the man page's section name, e.g. "EXIT STATUS"
	Text    string // wrapped for the usage page; the man page refills it
}

// Notes are the usage page's closing paragraphs.
var Notes = []Note{
	{"Config", "FILES", `-c FILE, else $SERVERSTATS_CONFIG, else the first of ./serverstats.yaml,
~/.config/serverstats/config.yaml, /etc/serverstats/config.yaml.
State (with --alerts): --state FILE, else state-file: in the config, else
/var/lib/serverstats/state.db for root, $XDG_STATE_HOME/serverstats/state.db for others.`},
	{"Exit codes", "EXIT STATUS", `0 OK; 1 WARNING (a warning rule fired); 2 CRITICAL (a critical rule fired, or a bad
command line or config); 3 UNKNOWN (a host could not be checked: unreachable, timed out, auth
failed, or an exit status not in ok-exit-codes; or a cell could not be read). When several
apply, CRITICAL wins over UNKNOWN, which wins over WARNING. Rules are evaluated only with --alerts.
4 STATE UNAVAILABLE (with --alerts: the state file could not be read or written; the alerts were
delivered directly, without debounce, mutes or reminders; stderr says why and how to fix it).`},
}

// Print writes b to w and returns the exit code: 0, or 1 if it could not.
func Print(w io.Writer, b []byte) int {
	if _, err := w.Write(b); err != nil {
		return 1
	}
	return 0
}
