package parse

import (
	"fmt"
	"slices"
	"strings"
)

// ParseTable reads a command's output into a Table.
//
// The header line is Options.HeaderLine, else Options.Header (given text,
// for output that prints none), else the line findHeader guesses (see
// header.go). The rows are the non-blank lines under the header up to the
// first blank line; lines equal to the header or to the title lines above
// it (vmstat and iostat repeat them) are left out, and after a blank line
// the rows resume only where the header is repeated, so legends, footers
// ("334 loaded units listed.") and other tables are not rows. Rule lines
// ("-----") are left out too.
//
// Columns come from the header words and the data alignment (columns.go),
// cells from a per-row fit (assign.go): values may hold spaces, the last
// column takes the rest of the line, and a row wrapped over two lines
// (busybox df's long device names) is joined back.
//
// It never panics: an internal failure is returned as an error.
func ParseTable(text string, opt Options) (t *Table, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, fmt.Errorf("internal error parsing table: %v", r)
		}
	}()
	return parseTable(text, opt)
}

func parseTable(text string, opt Options) (*Table, error) {
	if opt.SkipLines < 0 {
		return nil, fmt.Errorf("skip-lines must not be negative, got %d", opt.SkipLines)
	}
	if opt.HeaderLine < 0 {
		return nil, fmt.Errorf("header-line must not be negative, got %d", opt.HeaderLine)
	}
	lines := splitLines(text)
	first := min(opt.SkipLines, len(lines))
	if opt.NoHeader {
		return valueTable(lines, first), nil
	}
	for i := first; i < len(lines); i++ {
		lines[i] = expandTabs(lines[i])
	}

	var hdr string
	var rowIdx []int
	switch {
	case opt.HeaderLine > 0:
		h := first + opt.HeaderLine - 1
		if h >= len(lines) {
			return nil, fmt.Errorf("header-line %d is past the end of the output (%d lines)", opt.HeaderLine, len(lines)-first)
		}
		if isBlank(lines[h]) {
			return nil, fmt.Errorf("header-line %d is blank", opt.HeaderLine)
		}
		hdr = lines[h]
		rowIdx = collectRows(lines, first, h)
	case opt.Header != "":
		hdr = expandTabs(strings.TrimRight(opt.Header, "\r\n"))
		if isBlank(hdr) {
			return nil, fmt.Errorf("header text is blank")
		}
		for i := first; i < len(lines); i++ {
			if !isBlank(lines[i]) && !sameWords(lines[i], hdr) {
				rowIdx = append(rowIdx, i)
			}
		}
	default:
		h, ok := findHeader(lines, first)
		if !ok {
			if len(lines) == first {
				return nil, fmt.Errorf("no header line: the output is empty")
			}
			return nil, fmt.Errorf("no header line found (every line holds numbers); set header-line, or no-header for single values")
		}
		hdr = lines[h]
		rowIdx = collectRows(lines, first, h)
	}
	if n := countWords(hdr); n > maxColumns {
		return nil, fmt.Errorf("the header has %d words; at most %d columns are read", n, maxColumns)
	}
	return buildTable(lines, hdr, rowIdx), nil
}

// valueTable is the no-header table: one column "value", one row per
// non-blank line (trimmed, tabs and control characters made spaces).
func valueTable(lines []string, first int) *Table {
	t := &Table{Header: []string{"value"}, cache: &tableCache{}}
	for n := first; n < len(lines); n++ {
		if s := strings.TrimSpace(expandTabs(lines[n])); s != "" {
			t.Rows = append(t.Rows, Row{Line: n + 1, Cells: []string{s}})
		}
	}
	return t
}

// collectRows lists the indexes of the row lines of header line h.
func collectRows(lines []string, first, h int) []int {
	// The lines above the header in its block (titles, group lines) are
	// left out when repeated, as is the header itself.
	skip := []string{lines[h]}
	for i := h - 1; i >= first && !isBlank(lines[i]); i-- {
		skip = append(skip, lines[i])
	}
	var rows []int
	in := true
	for i := h + 1; i < len(lines); i++ {
		l := lines[i]
		if isBlank(l) {
			in = false
			continue
		}
		if !in {
			in = sameWords(l, lines[h])
			continue
		}
		if slices.ContainsFunc(skip, func(s string) bool { return sameWords(l, s) }) {
			continue
		}
		if isRuleText(l) || !hasToken(l) {
			continue
		}
		rows = append(rows, i)
	}
	return rows
}

// buildTable lays out the columns and fills the rows.
func buildTable(lines []string, hdr string, rowIdx []int) *Table {
	htoks := tokenize(hdr, nil)
	ntok := 0
	for _, i := range rowIdx {
		ntok += countWords(lines[i])
	}
	all := make([]token, 0, ntok)
	offs := make([]int, 0, len(rowIdx)+1)
	for _, i := range rowIdx {
		offs = append(offs, len(all))
		all = tokenize(lines[i], all)
	}
	offs = append(offs, len(all))
	rows := make([][]token, len(rowIdx))
	for r := range rowIdx {
		rows[r] = all[offs[r]:offs[r+1]:offs[r+1]]
	}

	cols := buildColumns(hdr, htoks, rows)
	t := &Table{Header: make([]string, len(cols)), cache: &tableCache{}}
	for i, c := range cols {
		t.Header[i] = c.name
		if c.name == "" {
			t.Header[i] = fmt.Sprintf("#%d", i+1)
		}
	}
	if len(cols) == 0 {
		return t
	}
	k := len(cols)
	a := &assigner{cols: cols}
	spans := make([]cellSpan, k)
	slab := make([]string, len(rows)*k)
	t.Rows = make([]Row, 0, len(rows))
	filled := make([][2]int, 0, len(rows)) // first and last non-empty column
	for r, toks := range rows {
		line := lines[rowIdx[r]]
		a.assign(toks, spans)
		cells := slab[r*k : (r+1)*k : (r+1)*k]
		lo, hi := -1, -1
		for i, sp := range spans {
			if sp.b > sp.a {
				cells[i] = line[toks[sp.a].bs:toks[sp.b-1].be]
				if lo < 0 {
					lo = i
				}
				hi = i
			}
		}
		// A row wrapped over two lines: this line continues the previous
		// one, which stopped before this one's first cell.
		if n := len(t.Rows); n > 0 && lo > 0 {
			prev := &t.Rows[n-1]
			pf := filled[n-1]
			if pf[1] < lo && rowIdx[r] == rowIdx[r-1]+1 && prev.Line == rowIdx[r-1]+1 {
				copy(prev.Cells[lo:], cells[lo:])
				filled[n-1][1] = hi
				prev.Short = cells[k-1] == ""
				continue
			}
		}
		t.Rows = append(t.Rows, Row{Line: rowIdx[r] + 1, Cells: cells, Short: cells[k-1] == ""})
		filled = append(filled, [2]int{lo, hi})
	}
	return t
}
