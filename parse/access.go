package parse

import (
	"fmt"
	"strconv"
	"strings"
)

// Column finds a column by its exact header text, else by its 1-based
// position written "#N" among the printed columns (the parts of compound
// columns, which come after them, are found by name only). ok is false
// when there is no such column. A
// parsed table's names are unique: a header that repeats a name ("Use Use")
// has its later columns numbered ("Use", "Use 2"), so "Use" is the first
// (see uniqueNames); in a hand-built Table that repeats a name, the first
// is found too.
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
		if n, err := strconv.Atoi(rest); err == nil && n >= 1 && n <= len(t.Header)-len(t.Parts) {
			return n - 1, true
		}
	}
	return 0, false
}

// Cell returns the raw text of row r (0-based index in Rows) and column c
// (0-based), "" when out of range.
func (t *Table) Cell(r, c int) string {
	if t == nil || r < 0 || r >= len(t.Rows) || c < 0 || c >= len(t.Rows[r].Cells) {
		return ""
	}
	return t.Rows[r].Cells[c]
}

// Value reads the cell of row r (0-based index in Rows) and column c
// (0-based) as type typ, in the context of its column. It is the one
// typing path of cells: rules (alerts.Observe), `serverstats CMD --json`
// and `serverstats parse` all call it.
//
//   - sizes: one-letter suffixes (K, M, G) are read in the column's base,
//     Table.SizeBase (base.go): 1000 for `df -H`, 1024 for `df -h`;
//   - TypeAuto: the column's type, the first of number, percent, bytes,
//     duration, bool that reads every non-null cell of the column (as
//     ParseValue guesses them: bool words only, no time of day as a
//     duration), else string; so a ps START column of "Oct25" or "10:25"
//     is string, and so is a USER column holding "4242".
//
// Errors are positioned:
// `line 3, column "Use%": cannot parse "9x%" as percent`.
func (t *Table) Value(r, c int, typ Type) (Value, error) {
	if t == nil || r < 0 || r >= len(t.Rows) || c < 0 || c >= len(t.Header) {
		return Value{Type: typ}, fmt.Errorf("no cell at row %d, column %d", r+1, c+1)
	}
	base := t.SizeBase(c)
	if typ == TypeAuto {
		typ = t.columnType(c, base)
	}
	v, err := parseCell(t.Cell(r, c), typ, base, t.numFormat(c))
	if err != nil {
		return v, &CellError{Line: t.Rows[r].Line, Column: t.Header[c], Err: err}
	}
	return v, nil
}

// ValueOf reads a text that is not a cell as column c reads its cells: a
// field taken out of a cell (a rule's JSON path), or a rule's threshold
// ("< 10G" on an SI column is 10×10⁹). Sizes are read in the column's base
// (Table.SizeBase); TypeAuto is the column's inferred type when that is
// not string and reads the text, else the text's own guess (ParseValue),
// so that a number inside a JSON body is a number. The error is not
// positioned. Out of range, the text is read as ParseValue reads it.
func (t *Table) ValueOf(raw string, c int, typ Type) (Value, error) {
	if t == nil || c < 0 || c >= len(t.Header) {
		return parseValue(raw, typ, 1024)
	}
	base := t.SizeBase(c)
	f := t.numFormat(c)
	if typ == TypeAuto {
		if ct := t.columnType(c, base); ct != TypeString {
			if v, err := parseCell(raw, ct, base, f); err == nil {
				return v, nil
			}
			if v, err := parseValue(raw, ct, base); err == nil {
				return v, nil
			}
		}
	}
	if v, err := parseCell(raw, typ, base, f); err == nil {
		return v, nil
	}
	return parseValue(raw, typ, base)
}

// Select returns a table of the columns cols (0-based) of t, which reads
// them as t does: same size base and inferred type, though the other
// columns are gone (`serverstats parse --column Used` of `df -H`).
func (t *Table) Select(cols ...int) *Table {
	out := &Table{Name: t.Name, cache: &tableCache{}}
	for _, c := range cols {
		if c < 0 || c >= len(t.Header) {
			continue
		}
		out.Header = append(out.Header, t.Header[c])
		out.cache.base = append(out.cache.base, t.SizeBase(c))
		out.cache.types = append(out.cache.types, t.columnType(c, t.SizeBase(c)))
	}
	for r, row := range t.Rows {
		cells := make([]string, len(out.Header))
		i := 0
		for _, c := range cols {
			if c >= 0 && c < len(t.Header) {
				cells[i] = t.Cell(r, c)
				i++
			}
		}
		out.Rows = append(out.Rows, Row{Line: row.Line, Cells: cells, Short: row.Short})
	}
	return out
}

// columnType infers the type of column c from its non-null cells: the
// first of number, percent, bytes, duration, bool that reads them all,
// else string.
func (t *Table) columnType(c int, base int) Type {
	if tc := t.cache; tc != nil {
		tc.mu.Lock()
		defer tc.mu.Unlock()
		if len(tc.types) != len(t.Header) {
			tc.types = make([]Type, len(t.Header))
		}
		if tc.types[c] == TypeAuto {
			tc.types[c] = t.inferColumn(c, base, tc.numFormats(t)[c])
		}
		return tc.types[c]
	}
	return t.inferColumn(c, base, t.scanFormats()[c])
}

// inferColumn is columnType with the column's number convention f.
func (t *Table) inferColumn(c int, base int, f numFormat) Type {
	for _, typ := range []Type{TypeNumber, TypePercent, TypeBytes, TypeDuration, TypeBool} {
		ok, seen := true, false
		for r := range t.Rows {
			s := strings.TrimSpace(t.Cell(r, c))
			if isPlaceholder(s) {
				continue
			}
			seen = true
			if !guessable(cellText(s, typ, f), typ, base) {
				ok = false
				break
			}
		}
		if ok && seen {
			return typ
		}
	}
	return TypeString
}

// guessable reports whether a cell reads as typ when types are guessed:
// only bool words are bools, and a time of day is not a duration.
func guessable(s string, typ Type, base int) bool {
	switch typ {
	case TypeBool:
		_, ok := parseBoolWord(s)
		return ok
	case TypeDuration:
		if timeOfDay(s) {
			return false
		}
	}
	_, err := parseValue(s, typ, base)
	return err == nil
}
