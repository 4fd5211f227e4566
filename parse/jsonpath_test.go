package parse

import (
	"strings"
	"testing"
)

func TestJSONPathLookup(t *testing.T) {
	doc := `{"status":"ok","code":200,"up":true,"none":null,"ratio":0.25,
		"checks":[{"name":"db","state":"down"},{"name":"cache","state":"up"}],
		"my key":{"a]b":"odd"},"nested":{"x":[1,2]}}`
	cases := []struct{ path, want, err string }{
		{".status", "ok", ""},
		{".code", "200", ""},
		{".up", "true", ""},
		{".none", "", ""},
		{".ratio", "0.25", ""},
		{".checks[0].state", "down", ""},
		{".checks[1].name", "cache", ""},
		{`.["my key"]["a]b"]`, "odd", ""},
		{`.["my key"].["a]b"]`, "odd", ""},
		{".nested", `{"x":[1,2]}`, ""},
		{".nested.x", `[1,2]`, ""},
		{".", "", "not JSON"}, // checked below against a non-JSON doc
		{".missing", "", ".missing: no such member"},
		{".checks[5]", "", ".checks[5]: the array has 2 elements"},
		{".status.x", "", ".status.x: not an object"},
		{".code[0]", "", ".code[0]: not an array"},
	}
	for _, c := range cases {
		p, err := CompileJSONPath(c.path)
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		d := doc
		if c.path == "." {
			d = "pong"
		}
		got, err := p.Lookup(d)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: err %v, want %q", c.path, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s = %q, %v; want %q", c.path, got, err, c.want)
		}
	}
	whole, _ := CompileJSONPath(".")
	if got, err := whole.Lookup(`"pong"`); err != nil || got != "pong" {
		t.Errorf(". of a JSON string = %q, %v", got, err)
	}
}

func TestCompileJSONPathErrors(t *testing.T) {
	for _, p := range []string{"status", "", ".a..b", ".a[", ".a[x]", ".a[-1]", `.["x]`, ".a b"} {
		if _, err := CompileJSONPath(p); err == nil {
			t.Errorf("%q compiled", p)
		}
	}
}
