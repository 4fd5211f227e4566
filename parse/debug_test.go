package parse

import (
	"fmt"
	"os"
	"testing"
)

func TestDebugColumns(t *testing.T) {
	f := os.Getenv("DBG")
	if f == "" {
		t.Skip()
	}
	b, _ := os.ReadFile(f)
	lines := splitLines(string(b))
	h, _ := findHeader(lines, 0)
	idx := collectRows(lines, 0, h)
	var rows [][]token
	for _, i := range idx {
		rows = append(rows, tokenize(lines[i], nil))
	}
	cols := buildColumns(lines[h], tokenize(lines[h], nil), rows)
	for _, c := range cols {
		fmt.Printf("%q s=%d e=%d align=%c empty=%.1f prevE=%d\n", c.name, c.s, c.e, c.align, c.empty, c.prevE)
	}
}
