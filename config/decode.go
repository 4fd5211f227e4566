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
			fix := "valid keys here: " + strings.Join(sorted(names), ", ")
			if s := suggest(k.Value, names); s != "" {
				fix = fmt.Sprintf("did you mean %q? %s", s, fix)
			}
			d.fail(k, p, "", fmt.Sprintf("unknown key %q", k.Value), fix)
			continue
		}
		if prev, dup := seen[k.Value]; dup {
			d.fail(k, p, "", fmt.Sprintf("duplicate key %q (first on line %d)", k.Value, prev.Line), "keep one of them")
			continue
		}
		seen[k.Value] = k
		f.set(p, v)
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
		return nil
	}
	var out [][2]*yaml.Node
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if line, dup := seen[k.Value]; dup {
			d.fail(k, join(path, k.Value), "", fmt.Sprintf("duplicate name %q (first on line %d)", k.Value, line), "rename or merge one of them")
			continue
		}
		seen[k.Value] = k.Line
		out = append(out, [2]*yaml.Node{k, n.Content[i+1]})
	}
	return out
}

func (d *decoder) scalar(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, short(n), "expected a single value", "write a plain value, e.g. "+lastKey(path)+": value")
		return "", false
	}
	if n.Tag == "!!null" {
		return "", true
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
			items = n.Content
		}
		for i, it := range items {
			p := path
			if n.Kind == yaml.SequenceNode {
				p = fmt.Sprintf("%s[%d]", path, i)
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
		v, err := strconv.ParseBool(s)
		if err != nil {
			d.fail(n, path, s, "expected true or false", "write "+lastKey(path)+": true")
			return
		}
		*dst = v
	}
}

// duration reads a Go duration ("30s", "4h"). With millis, a bare integer is
// milliseconds, as ServerStats' mute-for was.
func (d *decoder) duration(dst *time.Duration, millis bool) func(string, *yaml.Node) {
	return func(path string, n *yaml.Node) {
		s, ok := d.scalar(n, path)
		if !ok {
			return
		}
		if millis {
			if ms, err := strconv.ParseInt(s, 10, 64); err == nil && ms >= 0 {
				*dst = time.Duration(ms) * time.Millisecond
				return
			}
		}
		v, err := time.ParseDuration(s)
		if err != nil || v < 0 {
			fix := `write a duration with a unit, e.g. "30s", "5m", "4h"`
			if millis {
				fix += ", or whole milliseconds as ServerStats did (300000)"
			}
			d.fail(n, path, s, "not a duration", fix)
			return
		}
		*dst = v
	}
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
		for i := 0; i+1 < len(n.Content); i += 2 {
			if s, ok := d.scalar(n.Content[i+1], join(path, n.Content[i].Value)); ok {
				(*dst)[n.Content[i].Value] = s
			}
		}
	}
}
