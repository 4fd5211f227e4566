package parse

import "strings"

// Output whose every line holds a tab (/proc/cgroups, /proc/net/route,
// mysql -B, psql -F '\t', cut, paste) separates its fields with tabs: a
// field may be wider than a tab stop, so the columns do not line up once
// the tabs are expanded. Under a header, each tab-separated field of a
// row is the cell of the header's field of the same position; empty
// fields of the header (two tabs to line up the labels) are left out.

// tabTable reads the header line h and the row lines of a table from
// their tab-separated fields, or reports false when they do not fit: the
// header has fewer than two fields, or a row has a non-empty field past
// the header's last.
func tabTable(fields [][]string, h int, rowIdx []int, opt Options) (*Table, bool) {
	if h >= len(fields) || fields[h] == nil {
		return nil, false
	}
	var names []string
	for _, f := range fields[h] {
		if f != "" {
			names = append(names, f)
		}
	}
	k := len(names)
	if k < 2 || k > maxColumns {
		return nil, false
	}
	t := &Table{Header: uniqueNames(names), cache: &tableCache{}, sizeBase: opt.SizeBase}
	t.Name = strings.TrimSuffix(names[0], ":")
	t.Rows = make([]Row, 0, len(rowIdx))
	for _, i := range rowIdx {
		f := fields[i]
		n := len(f)
		for n > k && f[n-1] == "" {
			n--
		}
		if n > k {
			return nil, false
		}
		cells := make([]string, k)
		for c, v := range f[:n] {
			// Tree glyphs ("├─sda1") are not part of the value, as in tokenize.
			cells[c] = strings.TrimLeftFunc(v, func(r rune) bool { return r == ' ' || isDecoration(r) })
		}
		t.Rows = append(t.Rows, Row{Line: i + 1, Cells: cells, Short: n < k || cells[k-1] == ""})
	}
	addParts(t)
	return t, true
}
