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
	hdr := lines[h]
	idx := collectRows(lines, 0, h)
	if x := os.Getenv("DBGHDR"); x != "" {
		hdr = x
		idx = nil
		for i := range lines {
			idx = append(idx, i)
		}
	}
	var rows [][]token
	for _, i := range idx {
		rows = append(rows, tokenize(lines[i], nil))
	}
	cols := buildColumns(hdr, tokenize(hdr, nil), rows)
	for _, c := range cols {
		fmt.Printf("%q s=%d e=%d align=%c empty=%.1f prevE=%d\n", c.name, c.s, c.e, c.align, c.empty, c.prevE)
	}
}

func TestDebugRows(t *testing.T) {
	f := os.Getenv("DBG")
	if f == "" {
		t.Skip()
	}
	b, _ := os.ReadFile(f)
	text := string(b)
	opt := Options{Header: os.Getenv("DBGHDR")}
	tab, err := ParseTable(text, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range tab.Rows {
		fmt.Printf("%d %q\n", r.Line, r.Cells)
	}
}
