package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Any text, valid YAML or not, loads or fails with Errors; never a panic,
// and every error names the file.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../testdata/config/*.yaml")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("commands: {x: {url: 'http://{host}:1/', servers: [a.b], alerts: [{column: body, json: '.[\"a\"][0]', trigger: '!= x', action: {cmd: y, within: '2 runs'}}]}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("f.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		for _, cmd := range c.Commands {
			_ = cmd.Describe()
			if len(cmd.Hosts) == 0 {
				t.Fatalf("command %s loaded with no hosts", cmd.Name)
			}
		}
	})
}
