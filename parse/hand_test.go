package parse

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestHandParses compares the tables of each ../testdata/parse/<case>
// that has an expected.tsv, written by hand from its input.txt, with the
// parse: every table ("# table NAME" starts one; without it the file is
// the default table), its header, and every cell's text, tab-separated.
func TestHandParses(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(goldenDir, "*", "expected.tsv"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no expected.tsv: %v", err)
	}
	for _, f := range files {
		dir := filepath.Dir(f)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join(dir, "input.txt"))
			if err != nil {
				t.Fatal(err)
			}
			exp, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			type want struct {
				table  string
				header []string
				rows   [][]string
			}
			var wants []*want
			for _, l := range strings.Split(strings.TrimSuffix(string(exp), "\n"), "\n") {
				if name, ok := strings.CutPrefix(l, "# table "); ok {
					wants = append(wants, &want{table: name})
					continue
				}
				if len(wants) == 0 {
					wants = append(wants, &want{})
				}
				w := wants[len(wants)-1]
				if w.header == nil {
					w.header = strings.Split(l, "\t")
				} else {
					w.rows = append(w.rows, strings.Split(l, "\t"))
				}
			}
			for _, w := range wants {
				tab, err := ParseTable(string(in), Options{Table: w.table})
				if err != nil {
					t.Fatalf("table %q: %v", w.table, err)
				}
				if !slices.Equal(tab.Header, w.header) {
					t.Errorf("table %q: header %q, want %q", w.table, tab.Header, w.header)
					continue
				}
				if len(tab.Rows) != len(w.rows) {
					t.Errorf("table %q: %d rows, want %d", w.table, len(tab.Rows), len(w.rows))
				}
				for r := range min(len(tab.Rows), len(w.rows)) {
					if !slices.Equal(tab.Rows[r].Cells, w.rows[r]) {
						t.Errorf("table %q line %d: %q, want %q", w.table, tab.Rows[r].Line, tab.Rows[r].Cells, w.rows[r])
					}
				}
			}
		})
	}
}
