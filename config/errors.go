package config

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Error is one problem in a config file: where it is, which key, the bad
// value, what is wrong and how to fix it.
type Error struct {
	File  string
	Line  int
	Key   string // dotted path, e.g. commands.disk.alerts[0].trigger
	Value string // the offending value as written ("" when the key is missing)
	Msg   string
	Fix   string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	if e.Value != "" {
		fmt.Fprintf(&b, " (got %q)", e.Value)
	}
	if e.Fix != "" {
		b.WriteString("; fix: " + e.Fix)
	}
	return b.String()
}

// Errors is every problem found in one file, in line order.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find each *Error.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

func (es Errors) sorted() Errors {
	sort.SliceStable(es, func(i, j int) bool { return es[i].Line < es[j].Line })
	return es
}

// ErrNotFound is returned when no config file exists on the lookup path.
var ErrNotFound = errors.New("no config file found")

// suggest returns the candidate closest to s when it is a plausible typo.
func suggest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := distance(strings.ToLower(s), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Public is err's message for what others than the file's editor read:
// the daemon's log and its /api/status after a refused reload. A config
// Error shows as "file:line: key: message", without the value it quotes
// (got "..."), the fix (which may repeat it) and any other quoted text of
// the message: a secret pasted under the wrong key must not travel.
// Other errors (the file cannot be read) hold no config value and are
// shown whole. `serverstats check-config` shows everything.
func Public(err error) string {
	if err == nil {
		return ""
	}
	var es Errors
	if !errors.As(err, &es) {
		var e *Error
		if !errors.As(err, &e) {
			return err.Error()
		}
		es = Errors{e}
	}
	lines := make([]string, len(es))
	for i, e := range es {
		msg := e.Msg
		if e.Value != "" {
			msg = strings.ReplaceAll(msg, e.Value, "…")
		}
		msg = quoted.ReplaceAllString(msg, `"…"`)
		lines[i] = fmt.Sprintf("%s:%d: ", e.File, e.Line)
		if e.Key != "" {
			lines[i] += e.Key + ": "
		}
		lines[i] += msg
	}
	return strings.Join(lines, "\n") + " (values left out: serverstats check-config shows them and the fix)"
}

// quoted matches a double-quoted string, as %q writes it.
var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
