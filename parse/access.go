package parse

import (
	"fmt"
	"strconv"
	"strings"
)

// Column finds a column by its exact header text, else by its 1-based
// position written "#N". ok is false when there is no such column. With
// two columns of the same name, the first is found.
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

// Cell returns the raw text of row r (0-based index in Rows) and column c
// (0-based), "" when out of range.
func (t *Table) Cell(r, c int) string {
	if t == nil || r < 0 || r >= len(t.Rows) || c < 0 || c >= len(t.Rows[r].Cells) {
		return ""
	}
	return t.Rows[r].Cells[c]
}

// Value reads the cell of row r (0-based index in Rows) and column c
// (0-based) as type typ, in the context of its column:
//
//   - bytes: the one-letter suffixes of a column that also holds an
//     SI-only suffix ("4.1k", "12MB") are powers of 1000 (df -H);
//   - TypeAuto: the column's type is the first of number, percent, bytes,
//     duration, bool that reads every non-null cell of the column, else
//     string; so a ps START column mixing "Oct25" and "10:25" is string.
//
// Errors are positioned:
// `line 3, column "Use%": cannot parse "9x%" as percent`.
func (t *Table) Value(r, c int, typ Type) (Value, error) {
	if t == nil || r < 0 || r >= len(t.Rows) || c < 0 || c >= len(t.Header) {
		return Value{Type: typ}, fmt.Errorf("no cell at row %d, column %d", r+1, c+1)
	}
	row := t.Rows[r]
	v, err := t.columnValue(t.Cell(r, c), c, typ)
	if err != nil {
		return v, &CellError{Line: row.Line, Column: t.Header[c], Err: err}
	}
	return v, nil
}

// Values reads a whole column as Value does. The errors are those of the
// cells that did not parse, in row order.
func (t *Table) Values(c int, typ Type) ([]Value, []error) {
	if t == nil || c < 0 || c >= len(t.Header) {
		return nil, []error{fmt.Errorf("no column %d", c+1)}
	}
	si := t.columnSI(c)
	if typ == TypeAuto {
		typ = t.columnType(c, si)
	}
	vals := make([]Value, len(t.Rows))
	var errs []error
	for r, row := range t.Rows {
		v, err := parseValue(t.Cell(r, c), typ, si)
		if err != nil {
			errs = append(errs, &CellError{Line: row.Line, Column: t.Header[c], Err: err})
		}
		vals[r] = v
	}
	return vals, errs
}

func (t *Table) columnValue(raw string, c int, typ Type) (Value, error) {
	si := t.columnSI(c)
	if typ == TypeAuto {
		typ = t.columnType(c, si)
	}
	return parseValue(raw, typ, si)
}

// columnSI reports whether column c writes sizes with an SI-only suffix.
func (t *Table) columnSI(c int) bool {
	for r := range t.Rows {
		if siOnly(t.Cell(r, c)) {
			return true
		}
	}
	return false
}

// columnType infers the type of column c from its non-null cells.
func (t *Table) columnType(c int, si bool) Type {
	for _, typ := range []Type{TypeNumber, TypePercent, TypeBytes, TypeDuration, TypeBool} {
		ok, seen := true, false
		for r := range t.Rows {
			s := strings.TrimSpace(t.Cell(r, c))
			if isPlaceholder(s) {
				continue
			}
			seen = true
			if typ == TypeBool {
				if _, good := parseBoolWord(s); !good {
					ok = false
					break
				}
				continue
			}
			if _, err := parseValue(s, typ, si); err != nil {
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
