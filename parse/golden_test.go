package parse

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the expected.golden files of ../testdata/parse")

const goldenDir = "../testdata/parse"

// goldenRow is a row of a golden file: its position, and its cells in the
// form of `serverstats parse --json`.
type goldenRow struct {
	Line  int            `json:"line"`
	Short bool           `json:"short,omitempty"`
	Cells map[string]any `json:"cells"`
}

// golden is the content of an expected.golden file.
type golden struct {
	Options Options         `json:"options"`
	Types   map[string]Type `json:"types,omitempty"`
	Header  []string        `json:"header"`
	Rows    []goldenRow     `json:"rows"`
	Error   string          `json:"error,omitempty"`
}

// TestGolden parses each ../testdata/parse/<case>/input.txt with the
// options of its options.json (if any) and compares the table and its
// typed cells with expected.golden. Cells are read with their column's
// inferred type, or the type types.json gives their header. Run with
// -update to rewrite them.
func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(goldenDir, "*", "input.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no golden cases")
	}
	for _, in := range dirs {
		dir := filepath.Dir(in)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			got := runGolden(t, dir)
			file := filepath.Join(dir, "expected.golden")
			if *update {
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the parse (run go test -run TestGolden -update and review the diff):\n%s", file, got)
			}
		})
	}
}

func runGolden(t *testing.T, dir string) []byte {
	t.Helper()
	input, err := os.ReadFile(filepath.Join(dir, "input.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if opts, err := os.ReadFile(filepath.Join(dir, "options.json")); err == nil {
		if err := json.Unmarshal(opts, &g.Options); err != nil {
			t.Fatalf("options.json: %v", err)
		}
	}
	if types, err := os.ReadFile(filepath.Join(dir, "types.json")); err == nil {
		if err := json.Unmarshal(types, &g.Types); err != nil {
			t.Fatalf("types.json: %v", err)
		}
	}
	tab, err := ParseTable(string(input), g.Options)
	if err != nil {
		g.Error = err.Error()
	} else {
		g.Header = tab.Header
		rows := tab.JSON(TypeAuto)["rows"].([]any)
		for i, r := range rows {
			cells := r.(map[string]any)
			for h, typ := range g.Types {
				c, ok := tab.Column(h)
				if !ok {
					t.Fatalf("types.json: no column %q", h)
				}
				cells[tab.rowKeys()[c]] = cellJSON(tab, i, c, typ)
			}
			g.Rows = append(g.Rows, goldenRow{Line: tab.Rows[i].Line, Short: tab.Rows[i].Short, Cells: cells})
		}
	}
	out, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}
