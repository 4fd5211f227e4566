package config

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// keyHome says where key belongs when it is unknown at path but valid one
// level or more below or above it: a nested key that fell out of its block
// into the parent (value-type: under a command instead of its alert), or
// a key indented into a child. It reads the JSON Schema, so it knows every
// key the decoder does. "" when key is nowhere near.
func keyHome(path, key string) string {
	homes := schemaHomes()[key]
	// A name matches without dots first: commands.disk.alerts is the
	// alerts of commands.disk, not a command called "disk.alerts".
	for _, dots := range []bool{false, true} {
		best, bestRel := "", ""
		for _, h := range homes {
			// h is a generic path of the key's parent: commands.*.alerts[]
			for _, a := range ancestors(h) {
				if !genericMatch(a, path, dots) {
					continue
				}
				rel := strings.TrimPrefix(strings.TrimPrefix(h, a), ".")
				if best == "" || len(rel) < len(bestRel) {
					best, bestRel = h, rel
				}
			}
		}
		if best != "" {
			where := strings.NewReplacer("*", "NAME", "[]", "[N]").Replace(bestRel)
			if path != "" && where != "" && !strings.HasPrefix(where, "[") {
				where = "." + where
			}
			return key + " belongs deeper, under " + path + where + ": indent it with the other keys of that block"
		}
		// Higher: the key's home is an ancestor of path.
		for _, a := range ancestors(path)[1:] {
			for _, h := range homes {
				if genericMatch(h, a, dots) {
					return key + " is a key of " + orTop(a) + ", not of " + path + ": indent it as " + orTop(a) + "'s other keys"
				}
			}
		}
	}
	return ""
}

func orTop(p string) string {
	if p == "" {
		return "the top level"
	}
	return p
}

// ancestors are p and each path above it, down to "" (the top level).
func ancestors(p string) []string {
	out := []string{p}
	for p != "" {
		i := max(strings.LastIndexByte(p, '.'), strings.LastIndex(p, "["))
		if i < 0 {
			p = ""
		} else {
			p = p[:i]
		}
		out = append(out, p)
	}
	return out
}

// genericMatch says whether the concrete path p is an instance of the
// generic path g ("*" a name, which may hold dots when dots is set; "[]"
// an index).
func genericMatch(g, p string, dots bool) bool {
	name := `[^.\[\]]+`
	if dots {
		name = `[^\[\]]+`
	}
	var b strings.Builder
	b.WriteString("^")
	for i, part := range strings.Split(g, "*") {
		if i > 0 {
			b.WriteString(name)
		}
		b.WriteString(strings.ReplaceAll(regexp.QuoteMeta(part), `\[\]`, `\[[0-9]+\]`))
	}
	b.WriteString("$")
	ok, _ := regexp.MatchString(b.String(), p)
	return ok
}

var (
	homesOnce sync.Once
	homes     map[string][]string
)

// schemaHomes maps each key of the schema to the generic paths of the
// mappings that hold it.
func schemaHomes() map[string][]string {
	homesOnce.Do(func() {
		homes = map[string][]string{}
		var root map[string]any
		if json.Unmarshal(Schema, &root) != nil {
			return
		}
		defs, _ := root["$defs"].(map[string]any)
		var walk func(s any, at string, depth int)
		walk = func(s any, at string, depth int) {
			m, ok := s.(map[string]any)
			if !ok || depth > 12 {
				return
			}
			if ref, ok := m["$ref"].(string); ok {
				walk(defs[strings.TrimPrefix(ref, "#/$defs/")], at, depth+1)
			}
			if props, ok := m["properties"].(map[string]any); ok {
				for k, v := range props {
					if !contains(homes[k], at) {
						homes[k] = append(homes[k], at)
					}
					walk(v, join(at, k), depth+1)
				}
			}
			if ap, ok := m["additionalProperties"].(map[string]any); ok {
				walk(ap, join(at, "*"), depth+1)
			}
			if it, ok := m["items"]; ok {
				walk(it, at+"[]", depth+1)
			}
			for _, k := range []string{"oneOf", "anyOf", "allOf"} {
				if l, ok := m[k].([]any); ok {
					for _, v := range l {
						walk(v, at, depth+1)
					}
				}
			}
		}
		walk(root, "", 0)
		for _, v := range homes {
			sort.Strings(v)
		}
	})
	return homes
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
