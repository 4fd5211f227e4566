package config

import (
	"errors"
	"strings"
	"testing"
)

// Each class of YAML mistake is reported at the line of the mistake, not
// where yaml.v3's parser was when it noticed.
func TestYAMLSyntaxLine(t *testing.T) {
	for _, c := range []struct {
		name, src string
		line      int
		what      string
	}{
		{"unclosed [ then more keys", "commands:\n  disk:\n    servers: [localhost\n    cmd: df -hP\n", 3, "'[' opened"},
		{"unclosed [ on the first line", "groups: [a, b\ncommands:\n  x: {cmd: y}\n", 1, "'[' opened"},
		{"unclosed [ at the end", "commands:\n  disk:\n    cmd: df\n    servers: [localhost\n", 4, "'[' opened"},
		{"unclosed [ in a list item", "commands:\n  d:\n    cmd: df\n    alerts:\n      - column: a\n        handlers: [x, y\n        trigger: \"> 1\"\n", 6, "'[' opened"},
		{"unclosed {", "commands:\n  p:\n    builtin: service\n    params: {unit: nginx\n    local: true\n", 4, "'{' opened"},
		{"unclosed double quote", "commands:\n  d:\n    cmd: \"df -hP\n    local: true\n", 3, `quote " opened`},
		{"unclosed single quote", "commands:\n  d:\n    local: true\n    cmd: 'df -hP\n", 4, `quote ' opened`},
		{"tab indentation", "commands:\n  d:\n    cmd: df\n\tlocal: true\n", 4, "tab"},
		{"tab as the only indentation", "commands:\n\td:\n    cmd: df\n", 2, "tab"},
		{"key without a colon", "commands:\n  d:\n    cmd: df\n    local\n    servers: [a.b]\n", 4, "without ':'"},
		{"list item at the wrong indentation", "commands:\n  d:\n    cmd: df\n    local: true\n    alerts:\n      - column: a\n        trigger: \"> 1\"\n     - column: b\n", 8, "matches no key"},
		{"dash missing", "commands:\n  d:\n    cmd: df\n    local: true\n    alerts:\n      - column: a\n      trigger: \"> 1\"\n", 7, "a key where a list item"},
		{"dedent to no level", "commands:\n  d:\n      cmd: df\n    local: true\n", 4, "matches no key"},
		{"over-indented key", "commands:\n  d:\n    cmd: df\n      local: true\n", 4, "deeper than the line above"},
		{"list item among keys", "commands:\n  d:\n    cmd: df\n    - local\n", 4, "list item '- ' where a key"},
		{"value with colon", "commands:\n  d:\n    cmd: df\n    doc: disk: usage\n", 4, "': ' must be quoted"},
		{"error on line 1 with no line number", "a: \"x\" y\n", 1, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(c.src))
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("err %v", err)
			}
			if es[0].Line != c.line || !strings.Contains(es[0].Msg, c.what) {
				t.Errorf("got %v, want line %d and %q", es[0], c.line, c.what)
			}
		})
	}
}
