package parse

import (
	"reflect"
	"testing"
)

// TestOtherSystemsRules checks, on small synthetic inputs, the rules added
// for outputs of other systems and versions (issue 12, held-out shapes):
// each case is the shape of a real output, with none of its names. Every
// table of the output is checked, in order.
func TestOtherSystemsRules(t *testing.T) {
	type table struct {
		header []string
		rows   [][]string
	}
	tests := []struct {
		name   string
		text   string
		tables []table
	}{
		{
			name: "a short table, then a title and a header of labels in the same block with more rows",
			text: lines(
				"Open things (brief)",
				"Kind Size Where         State",
				"aa      0 here:1        UP",
				"Open others (brief)",
				"Kind Count Mode   Path",
				"bb   2     [ x ]  /a/b",
				"bb   3     [ ]    /a/c",
				"bb   2     [ x ]  /a/d",
				"bb   1     [ ]    /a/e",
			),
			tables: []table{
				{[]string{"Kind", "Size", "Where", "State"}, [][]string{{"aa", "0", "here:1", "UP"}}},
				{[]string{"Kind", "Count", "Mode", "Path"}, [][]string{
					{"bb", "2", "[ x ]", "/a/b"}, {"bb", "3", "[ ]", "/a/c"}, {"bb", "2", "[ x ]", "/a/d"}, {"bb", "1", "[ ]", "/a/e"},
				}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tabs, err := ParseTables(tt.text, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(tabs) != len(tt.tables) {
				for _, tb := range tabs {
					t.Logf("table %q: %d rows", tb.Header, len(tb.Rows))
				}
				t.Fatalf("%d tables, want %d", len(tabs), len(tt.tables))
			}
			for i, want := range tt.tables {
				var got [][]string
				for _, r := range tabs[i].Rows {
					got = append(got, r.Cells)
				}
				if !reflect.DeepEqual(tabs[i].Header, want.header) || !reflect.DeepEqual(got, want.rows) {
					t.Errorf("table %d: header %q rows %q, want %q %q", i+1, tabs[i].Header, got, want.header, want.rows)
				}
			}
		})
	}
}
