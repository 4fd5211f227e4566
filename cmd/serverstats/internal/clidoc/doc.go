// Package clidoc turns the command line's own tables (switches, built-in
// commands) into what documents and completes it outside the binary: the
// version page, shell completion scripts for bash, zsh and fish, and the
// serverstats(1) and serverstats.yaml(5) man pages. The usage page, the
// completions and the man pages are made from the same tables, so they
// cannot drift apart.
package clidoc

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
