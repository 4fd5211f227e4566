package parse

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseTable reads a command's output into a Table. It never panics: an
// internal failure is returned as an error.
func ParseTable(text string, opt Options) (t *Table, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, fmt.Errorf("parse: internal error: %v", r)
		}
	}()
	return parseTable(text, opt)
}

func parseTable(text string, opt Options) (*Table, error) {
	lines := splitLines(text)
	if opt.SkipLines < 0 || opt.HeaderLine < 0 {
		return nil, fmt.Errorf("skip-lines and header-line must not be negative")
	}
	first := min(opt.SkipLines, len(lines))
	if opt.NoHeader {
		t := &Table{Header: []string{"value"}}
		for n := first; n < len(lines); n++ {
			s := strings.TrimSpace(lines[n])
			if s != "" {
				t.Rows = append(t.Rows, Row{Line: n + 1, Cells: []string{s}})
			}
		}
		return t, nil
	}
	h := -1
	if opt.HeaderLine > 0 {
		h = first + opt.HeaderLine - 1
		if h >= len(lines) {
			return nil, fmt.Errorf("header line %d is past the end of the output (%d lines)", opt.HeaderLine, len(lines)-first)
		}
	} else {
		for n := first; n < len(lines); n++ {
			if strings.TrimSpace(lines[n]) != "" {
				h = n
				break
			}
		}
	}
	if h < 0 {
		return nil, fmt.Errorf("no header line: the output is empty")
	}
	t := &Table{Header: strings.Fields(lines[h])}
	for n := h + 1; n < len(lines); n++ {
		if strings.TrimSpace(lines[n]) == "" {
			continue
		}
		cells := splitN(lines[n], len(t.Header))
		row := Row{Line: n + 1, Cells: cells}
		if strings.Count(strings.Join(cells, "\x00"), "\x00") >= 0 && len(strings.Fields(lines[n])) < len(t.Header) {
			row.Short = true
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

// splitLines splits text into lines without their line ends.
func splitLines(text string) []string {
	text = strings.TrimRight(text, "\r\n")
	if text == "" {
		return nil
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, "\r")
	}
	return lines
}

// splitN splits a line on whitespace into n cells, the last taking the
// rest of the line.
func splitN(line string, n int) []string {
	cells := make([]string, n)
	rest := strings.TrimSpace(line)
	for i := 0; i < n && rest != ""; i++ {
		if i == n-1 {
			cells[i] = rest
			break
		}
		j := strings.IndexAny(rest, " \t")
		if j < 0 {
			cells[i] = rest
			rest = ""
			break
		}
		cells[i] = rest[:j]
		rest = strings.TrimLeft(rest[j:], " \t")
	}
	return cells
}

// Column finds a column by its exact header text, else by its 1-based
// position written "#N". ok is false when there is no such column.
func (t *Table) Column(name string) (int, bool) {
	if t == nil {
		return 0, false
	}
	for i, h := range t.Header {
		if h == name {
			return i, true
		}
	}
	if rest, ok := strings.CutPrefix(name, "#"); ok {
		if n, err := strconv.Atoi(rest); err == nil && n >= 1 && n <= len(t.Header) {
			return n - 1, true
		}
	}
	return 0, false
}

// Value reads the cell of row r (0-based index in Rows) and column c
// (0-based) as type typ. Errors are positioned:
// `line 3, column "Use%": cannot parse "9x%" as percent`.
func (t *Table) Value(r, c int, typ Type) (Value, error) {
	if t == nil || r < 0 || r >= len(t.Rows) || c < 0 || c >= len(t.Header) {
		return Value{Type: typ}, fmt.Errorf("no cell at row %d, column %d", r+1, c+1)
	}
	row := t.Rows[r]
	raw := ""
	if c < len(row.Cells) {
		raw = row.Cells[c]
	}
	v, err := ParseValue(raw, typ)
	if err != nil {
		return v, &CellError{Line: row.Line, Column: t.Header[c], Err: err}
	}
	return v, nil
}
