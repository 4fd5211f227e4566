// Package childenv builds the environment of the processes serverstats
// starts on this machine (local commands, remediations, exec handlers): an
// allowlist, never the whole environment of serverstats, which holds the
// SMTP password, the Twilio token and SSH_AUTH_SOCK.
package childenv

import (
	"os"
	"strings"
)

// Allowed are the variables a child gets from serverstats's environment,
// when set: what a program needs to find commands, files, its locale and
// time zone, and who it runs as. LC_* (LC_ALL, LC_CTYPE, ...) is allowed too.
var Allowed = []string{"PATH", "HOME", "LANG", "TZ", "USER", "LOGNAME", "TMPDIR", "SERVERSTATS_CONFIG"}

// DefaultPath is the PATH of a child when serverstats has none.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Clean returns the environment of a child: the Allowed variables and LC_*
// of environ (os.Environ() when nil), then the variables named in pass
// (a handler's env:) with their values in environ, then set ("NAME=value",
// what serverstats sets for the child), which win over the others.
func Clean(environ []string, pass []string, set ...string) []string {
	if environ == nil {
		environ = os.Environ()
	}
	want := func(name string) bool {
		if strings.HasPrefix(name, "LC_") {
			return true
		}
		for _, a := range Allowed {
			if name == a {
				return true
			}
		}
		for _, p := range pass {
			if name == p {
				return true
			}
		}
		return false
	}
	var out []string
	hasPath := false
	for _, kv := range environ {
		name, _, ok := strings.Cut(kv, "=")
		if !ok || !want(name) {
			continue
		}
		hasPath = hasPath || name == "PATH"
		out = append(out, kv)
	}
	if !hasPath {
		out = append(out, "PATH="+DefaultPath)
	}
	// exec.Cmd keeps the last of duplicate names, so set wins.
	return append(out, set...)
}
