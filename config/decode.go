package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// decoder walks YAML nodes by hand so that every error carries the line, the
// full key path and the value as written, and unknown keys are rejected.
type decoder struct {
	file string
	errs Errors
	// nodes maps the path of each entry of a user-named mapping (params:,
	// headers:) and each list item to its node, so that a check made
	// later reports the entry's own line, not its parent's.
	nodes map[string]*yaml.Node
	// brokenHandlers are handlers defined with an error of their own:
	// names of them are not also "undefined".
	brokenHandlers map[string]bool
	// brokenSections are the sections (handlers, groups) that could not
	// be read at all: references to them are not also "undefined".
	brokenSections map[string]bool
	// inlineSecrets are the keys where a secret was written in the file
	// (password: instead of password-env:), already reported: the key is
	// not also "missing".
	inlineSecrets map[string]bool
	src           []string // the file's lines, to show a value as written
	envKeys       []envKey // the *-env keys read, checked by checkEnvNames
}

// at returns the node recorded for path, or fallback.
func (d *decoder) at(path string, fallback *yaml.Node) *yaml.Node {
	if n := d.nodes[path]; n != nil {
		return n
	}
	return fallback
}

func (d *decoder) brokenHandler(name string) {
	if d.brokenHandlers == nil {
		d.brokenHandlers = map[string]bool{}
	}
	d.brokenHandlers[name] = true
}

func (d *decoder) record(path string, n *yaml.Node) {
	if d.nodes == nil {
		d.nodes = map[string]*yaml.Node{}
	}
	d.nodes[path] = n
}

func (d *decoder) fail(n *yaml.Node, key, value, msg, fix string) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Key: key, Value: value, Msg: msg, Fix: fix})
}

// field is one known key of a mapping and what to do with its value.
type field struct {
	name string
	set  func(path string, n *yaml.Node)
}

// mapping applies fields to the keys of mapping node n, rejecting unknown and
// duplicate keys. It returns the keys present.
func (d *decoder) mapping(n *yaml.Node, path string, fields []field) map[string]*yaml.Node {
	seen := map[string]*yaml.Node{}
	if n == nil || n.Kind == 0 || n.Tag == "!!null" {
		return seen
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, short(n), "expected a mapping of keys to values", "indent the keys under "+lastKey(path)+":")
		return seen
	}
	byName := map[string]field{}
	names := make([]string, 0, len(fields))
	for _, f := range fields {
		byName[f.name] = f
		names = append(names, f.name)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		p := join(path, k.Value)
		f, ok := byName[k.Value]
		if !ok {
			s := d.unknownKey(k, path, names)
			if s == "" || !strings.EqualFold(s, k.Value) || seen[s] != nil || mappingNode(n, s) != nil {
				continue
			}
			// Only the case is wrong (Handlers:): read it as meant, so
			// that what refers to it is not reported as well.
			f, p = byName[s], join(path, s)
			k = &yaml.Node{Kind: yaml.ScalarNode, Value: s, Line: k.Line}
		}
		if prev, dup := seen[k.Value]; dup {
			d.fail(k, p, "", fmt.Sprintf("duplicate key %q (first on line %d)", k.Value, prev.Line), "keep one of them")
			continue
		}
		seen[k.Value] = k
		f.set(p, v)
		if strings.HasSuffix(k.Value, "-env") {
			d.envKeys = append(d.envKeys, envKey{v, p})
		}
	}
	return seen
}

// entries returns the key/value pairs of a mapping whose keys are names the
// user chooses (groups, handlers, commands), in file order.
func (d *decoder) entries(n *yaml.Node, path string) [][2]*yaml.Node {
	if n == nil || n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, short(n), "expected a mapping of names to definitions", "write one `name:` per entry under "+path+":")
		if d.brokenSections == nil {
			d.brokenSections = map[string]bool{}
		}
		d.brokenSections[path] = true
		return nil
	}
	return d.unique(n, path, "duplicate name %q (first on line %d)", "rename or merge one of them")
}

// unique returns the key/value pairs of mapping n, in file order, and
// reports each key written again (msg has the key and the first line).
func (d *decoder) unique(n *yaml.Node, path, msg, fix string) [][2]*yaml.Node {
	var out [][2]*yaml.Node
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if line, dup := seen[k.Value]; dup {
			d.fail(k, join(path, k.Value), "", fmt.Sprintf(msg, k.Value, line), fix)
			continue
		}
		seen[k.Value] = k.Line
		out = append(out, [2]*yaml.Node{k, n.Content[i+1]})
	}
	return out
}

func (d *decoder) scalar(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		if written := d.flowWritten(n); written != "" {
			d.fail(n, path, written, fmt.Sprintf("YAML reads a value starting with %q as %s, not as text", written[:1], short(n)),
				"quote the value: "+lastKey(path)+": "+strconv.Quote(written))
			return written, true // what was meant, so that nothing else fails on it
		}
		d.fail(n, path, short(n), "expected a single value", "write a plain value, e.g. "+lastKey(path)+": value")
		return "", false
	}
	if n.Tag == "!!null" {
		if c := d.swallowedComment(n); c != "" {
			d.fail(n, path, c, "YAML reads ' #' as the start of a comment, so "+lastKey(path)+": has no value",
				"quote the value: "+lastKey(path)+": "+strconv.Quote(c))
			return c, true
		}
		return "", true
	}
	if c := d.cutComment(n); c != "" {
		d.fail(n, path, n.Value+" "+c, "YAML reads ' #' as the start of a comment, so the value ends before "+c,
			"quote the value if # is part of it: "+lastKey(path)+": "+strconv.Quote(n.Value+" "+c)+"; a comment has a space after #")
	}
	return n.Value, true
}

func (d *decoder) str(dst *string) func(string, *yaml.Node) {
	return func(path string, n *yaml.Node) {
		if s, ok := d.scalar(n, path); ok {
			*dst = s
		}
	}
}

// list reads a sequence of plain values; a single value is a list of one.
func (d *decoder) list(dst *[]string, lines *[]int) func(string, *yaml.Node) {
	return func(path string, n *yaml.Node) {
		items := []*yaml.Node{n}
		if n.Kind == yaml.SequenceNode {
			items = flatten(n.Content)
		}
		for i, it := range items {
			p := path
			if n.Kind == yaml.SequenceNode {
				p = fmt.Sprintf("%s[%d]", path, i)
			}
			d.record(p, it)
			if it.Kind == yaml.ScalarNode && it.Style == 0 && n.Kind != yaml.SequenceNode && strings.Contains(it.Value, ", ") {
				d.fail(it, path, it.Value, "several values written as one: a list needs brackets",
					"write "+lastKey(path)+": ["+it.Value+"]")
				for _, v := range strings.Split(it.Value, ",") { // as meant
					if v = strings.TrimSpace(v); v != "" {
						*dst = append(*dst, v)
						if lines != nil {
							*lines = append(*lines, it.Line)
						}
					}
				}
				continue
			}
			if s, ok := d.scalar(it, p); ok && s != "" {
				*dst = append(*dst, s)
				if lines != nil {
					*lines = append(*lines, it.Line)
				}
			}
		}
	}
}

func (d *decoder) integer(dst *int, min int, example string) func(string, *yaml.Node) {
	return func(path string, n *yaml.Node) {
		s, ok := d.scalar(n, path)
		if !ok {
			return
		}
		v, err := strconv.Atoi(s)
		if err != nil || v < min {
			d.fail(n, path, s, fmt.Sprintf("expected a whole number ≥ %d", min), "write e.g. "+lastKey(path)+": "+example)
			return
		}
		*dst = v
	}
}

func (d *decoder) boolean(dst *bool) func(string, *yaml.Node) {
	return func(path string, n *yaml.Node) {
		s, ok := d.scalar(n, path)
		if !ok {
			return
		}
		v, err := parseBool(s)
		if err != nil {
			d.fail(n, path, s, "expected true or false", "write "+lastKey(path)+": true")
			return
		}
		*dst = v
	}
}

// parseBool reads true and false as strconv does, and YAML 1.1's yes, no,
// on and off.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "yes", "on":
		return true, nil
	case "no", "off":
		return false, nil
	}
	return strconv.ParseBool(s)
}

func isBool(s string) bool {
	_, err := parseBool(s)
	return err == nil
}

// MaxDuration is the longest duration a config may hold: longer is a typo
// (or, in milliseconds, would overflow time.Duration and wrap negative).
const MaxDuration = 365 * 24 * time.Hour

// duration reads a Go duration ("30s", "4h"). With millis, a bare integer is
// milliseconds, as ServerStats' mute-for was. A negative value "must be
// positive" where zero is refused too (see zeroDurationAllowed), else "must
// be zero or more"; one above MaxDuration is "too large".
func (d *decoder) duration(dst *time.Duration, millis bool) func(string, *yaml.Node) {
	return func(path string, n *yaml.Node) {
		s, ok := d.scalar(n, path)
		if !ok {
			return
		}
		v, err := parseDuration(s, millis)
		switch {
		case err == errTooLarge || err == nil && v > MaxDuration:
			max := "8760h (365 days)"
			if millis {
				max += fmt.Sprintf(", or %d milliseconds", MaxDuration.Milliseconds())
			}
			d.fail(n, path, s, "duration too large", "write at most "+max)
		case err == nil && v < 0 && zeroDurationAllowed(path):
			d.fail(n, path, s, "the duration must be zero or more", "remove the '-', e.g. "+lastKey(path)+": "+strings.TrimPrefix(s, "-"))
		case err == nil && v < 0:
			d.fail(n, path, s, "the duration must be positive", "remove the '-', e.g. "+lastKey(path)+": "+strings.TrimPrefix(s, "-"))
		case err != nil:
			fix := `write a duration with a unit, e.g. "30s", "5m", "4h"`
			if h := inHours(s); h != "" {
				fix = "Go durations stop at hours (h): write " + lastKey(path) + ": " + h
			}
			if millis {
				fix += ", or whole milliseconds as ServerStats did (300000)"
			}
			d.fail(n, path, s, "not a duration", fix)
		default:
			*dst = v
		}
	}
}

var errTooLarge = fmt.Errorf("duration too large")

// parseDuration reads s as a Go duration or, with millis, whole
// milliseconds; a number too large for time.Duration is errTooLarge, not a
// wrapped value.
func parseDuration(s string, millis bool) (time.Duration, error) {
	if millis {
		if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
			if ms > int64(MaxDuration/time.Millisecond) || ms < -int64(MaxDuration/time.Millisecond) {
				return 0, errTooLarge
			}
			return time.Duration(ms) * time.Millisecond, nil
		} else if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, errTooLarge
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		// time.ParseDuration refuses an overflow as "invalid duration":
		// tell it from a typo by reading the number and unit by hand.
		num := strings.TrimLeft(strings.TrimLeft(s, "+-"), "0123456789.")
		if num != s && num != "" && strings.Trim(s, "+-0123456789.") == num {
			if _, uerr := time.ParseDuration("1" + num); uerr == nil {
				return 0, errTooLarge
			}
		}
	}
	return v, err
}

// zeroDurationAllowed says whether the duration at path may be zero (mute
// for nothing, no repeat, no grace, the default timeout); timeouts and
// retry waits may not.
func zeroDurationAllowed(path string) bool {
	switch lastKey(path) {
	case "connect-timeout", "command-timeout", "retry-initial", "retry-max", "max-age":
		return false
	case "timeout":
		return !strings.HasPrefix(path, "handlers.")
	}
	return true
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func lastKey(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

func short(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return n.Value
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// stringMap reads a mapping of plain keys to plain values.
func (d *decoder) stringMap(dst *map[string]string) func(string, *yaml.Node) {
	return func(path string, n *yaml.Node) {
		if n.Kind != yaml.MappingNode {
			d.fail(n, path, short(n), "expected a mapping of names to values", "write e.g. "+lastKey(path)+": {X-Token: abc}")
			return
		}
		*dst = map[string]string{}
		for _, e := range d.unique(n, path, "duplicate key %q (first on line %d): YAML would keep only the last", "keep one of them") {
			d.record(join(path, e[0].Value), e[0])
			if s, ok := d.scalar(e[1], join(path, e[0].Value)); ok {
				(*dst)[e[0].Value] = s
			}
		}
	}
}

// localTags reports every node YAML read with a local tag: an unquoted
// value starting with '!' (trigger: !~ x, trigger: != 3) is a tag in YAML,
// and the value loses it. The node is given back the text as written, so
// the rest of the file is checked for what the user meant.
func (d *decoder) localTags(n *yaml.Node, path string) {
	if n == nil {
		return
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") && n.Tag != "!" {
		written := n.Tag
		if n.Kind == yaml.ScalarNode && n.Value != "" {
			written += " " + n.Value
		}
		fix := "quote the value"
		if n.Kind == yaml.ScalarNode {
			fix += ": " + lastKey(path) + ": " + strconv.Quote(written)
		}
		d.fail(n, path, written, fmt.Sprintf("YAML read %q as a tag, so the value became %q", n.Tag, n.Value), fix)
		if n.Kind == yaml.ScalarNode {
			n.Value, n.Style = written, yaml.DoubleQuotedStyle
		}
		n.Tag = "!!str"
		if n.Kind != yaml.ScalarNode {
			n.Tag = ""
		}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			d.localTags(c, path)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			d.localTags(c, fmt.Sprintf("%s[%d]", path, i))
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			d.localTags(n.Content[i], path)
			d.localTags(n.Content[i+1], join(path, n.Content[i].Value))
		}
	}
}
