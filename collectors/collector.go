// Package collectors runs a command on a target (over SSH or on the local
// machine) and returns what happened. It knows nothing about parsing or alerts.
package collectors

import (
	"context"
	"errors"
	"time"
)

// Target is one host a command runs on.
type Target struct {
	Name  string // as written in the config: "web1", "deploy@web2:2222", "localhost"
	Host  string // host to dial, after ~/.ssh/config HostName resolution if any
	Port  int    // 0 means the default (22 or ~/.ssh/config Port)
	User  string // "" means the default (ssh.user, ~/.ssh/config User, $USER)
	Local bool   // run on the monitoring host itself, no SSH
}

// Result is the outcome of one command on one target. A command that ran and
// exited non-zero is a result (Err == nil, ExitStatus != 0); a transport
// failure (connect, host key, auth, command timeout) sets Err and makes the
// target UNKNOWN.
type Result struct {
	Target     Target
	Stdout     []byte
	Stderr     []byte
	ExitStatus int
	Duration   time.Duration
	Err        error

	// Truncated is set when stdout or stderr exceeded MaxOutput and was cut;
	// a note saying which is appended to Stderr.
	Truncated bool

	// Fields is set by probes (HTTPProbe, TCPProbe): a one-row table of
	// named raw values instead of Stdout.
	Fields []Field
}

// Field is one named raw value of a probe's Result.
type Field struct{ Name, Value string }

// Transport failures; Result.Err wraps exactly one of these (test with errors.Is).
var (
	ErrConnect        = errors.New("connect failed")
	ErrHostKeyUnknown = errors.New("host key not in known_hosts")
	ErrHostKeyChanged = errors.New("host key changed")
	ErrAuth           = errors.New("authentication failed")
	ErrTimeout        = errors.New("command timed out")
)

// Collector runs one command on one target. Run never blocks past its
// command timeout (plus a small grace) and never panics.
type Collector interface {
	Run(ctx context.Context, t Target, cmd string) Result
}
