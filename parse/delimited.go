package parse

import "strings"

// Output that draws its columns with "|" (mysql's boxed tables, psql's
// aligned output) or separates them with "," (CSV, as `nvidia-smi
// --format=csv` prints it) is read by its separators, not by the
// alignment: a cell may be wider than its column (psql pads none of a
// long value's neighbours), and a "|" between two columns is no value.
// The header is found as for any table (header.go); its separators must
// be the rows' too.

// delimTable reads the header line h and the rows of a table from the
// fields between its separators, or reports false: the header holds no
// separator (a "|" as a border only counts when it has cells between),
// or fewer than three quarters of the rows ("|") or not every row (",",
// which a value may also hold) have as many separators as the header.
// Rows with no separator at all (psql's "(3 rows)", a rule of "+---+")
// are left out.
func delimTable(lines []string, h int, rowIdx []int, opt Options) (*Table, bool) {
	for _, sep := range []byte{'|', ','} {
		if t, ok := sepTable(lines, h, rowIdx, sep, opt); ok {
			return t, true
		}
	}
	return nil, false
}

func sepTable(lines []string, h int, rowIdx []int, sep byte, opt Options) (*Table, bool) {
	names := splitSep(lines[h], sep)
	if len(names) < 2 || len(names) > maxColumns {
		return nil, false
	}
	for _, n := range names {
		if n == "" {
			return nil, false
		}
	}
	want := strings.Count(lines[h], string(sep))
	var rows []int
	fit := 0
	for _, i := range rowIdx {
		c := strings.Count(lines[i], string(sep))
		if c == 0 {
			continue
		}
		rows = append(rows, i)
		if c == want && len(splitSep(lines[i], sep)) == len(names) {
			fit++
		}
	}
	if len(rows) == 0 || (sep == ',' && fit < len(rows)) || 4*fit < 3*len(rows) {
		return nil, false
	}
	k := len(names)
	t := &Table{Header: uniqueNames(names), cache: &tableCache{}, sizeBase: opt.SizeBase}
	t.Name = names[0]
	t.Rows = make([]Row, 0, len(rows))
	for _, i := range rows {
		f := splitSep(lines[i], sep)
		cells := make([]string, k)
		if len(f) > k {
			f[k-1] = strings.Join(f[k-1:], string(sep))
			f = f[:k]
		}
		copy(cells, f)
		t.Rows = append(t.Rows, Row{Line: i + 1, Cells: cells, Short: len(f) < k || cells[k-1] == ""})
	}
	addParts(t)
	return t, true
}

// splitSep splits a line at sep into trimmed fields, leaving out the
// border before the first field and after the last ("| a | b |").
func splitSep(line string, sep byte) []string {
	s := strings.TrimSpace(line)
	if sep == '|' {
		s = strings.TrimPrefix(s, "|")
		s = strings.TrimSuffix(s, "|")
	}
	if strings.IndexByte(s, sep) < 0 {
		return nil
	}
	parts := strings.Split(s, string(sep))
	for k, p := range parts {
		parts[k] = strings.TrimSpace(p)
	}
	return parts
}
