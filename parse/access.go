package parse

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
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
//   - bytes: the one-letter suffixes (K, M, G) are powers of 1000 in a
//     column that writes a size with an SI-only suffix ("4.1k", "12MB"),
//     or in a table that does and writes none with a binary-only one
//     ("1.9Gi", top's "125.1m") (df -H); else of 1024;
//   - TypeAuto: the column's type is the first of number, percent, bytes,
//     duration, bool that reads every non-null cell of the column (as
//     ParseValue guesses them: bool words only, no time of day as a
//     duration), else string; so a ps START column of "Oct25" or "10:25"
//     is string.
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

// ValueOf reads a text as type typ in the context of column c: sizes in
// the column's base, as Value reads them; TypeAuto guesses the type of
// this text alone (as ParseValue), so that a rule's "> 90" still judges
// the numbers of a column that also holds words ("rt"). The error is not
// positioned. Rules read their cells, or a field taken out of a cell (a
// JSON path), this way.
func (t *Table) ValueOf(raw string, c int, typ Type) (Value, error) {
	if t == nil || c < 0 || c >= len(t.Header) {
		return parseValue(raw, typ, false)
	}
	return parseValue(raw, typ, t.columnSI(c))
}

func (t *Table) columnValue(raw string, c int, typ Type) (Value, error) {
	si := t.columnSI(c)
	if typ == TypeAuto {
		typ = t.columnType(c, si)
	}
	return parseValue(raw, typ, si)
}

// tableCache keeps what Value learns about a table's columns.
type tableCache struct {
	mu    sync.Mutex
	base  []int8 // per column: 1 SI, -1 binary; nil when not known yet
	types []Type // inferred column types, "" when not known yet
}

// Size marks found in a table or a column.
const (
	markSI     = 1 << iota // an SI-only suffix: "4.1k", "12MB"
	markBinary             // a binary-only suffix: "1.9Gi", "125.1m" (top)
)

// sizeMarks reports the base marks of one cell.
func sizeMarks(s string) int {
	_, p, base, ok := sizeSuffix(s)
	if !ok || p == 0 {
		return 0
	}
	switch {
	case base == baseSI:
		return markSI
	case base == baseBinary:
		return markBinary
	}
	// A lower-case one-letter suffix other than k ("125.1m", "1.2g") is
	// top's binary style; SI prints upper case M, G, T.
	if c := s[len(s)-1]; c >= 'a' && c <= 'z' {
		return markBinary
	}
	return 0
}

// columnSI reports whether the one-letter suffixes of column c are powers
// of 1000: the column writes a size with an SI-only suffix, or the table
// does and writes none with a binary-only one (df -H prints "4.1k" in
// Size but only "375G" in Avail; top prints "13k" counts and "125.1m"
// sizes).
func (t *Table) columnSI(c int) bool {
	if tc := t.cache; tc != nil {
		tc.mu.Lock()
		defer tc.mu.Unlock()
		if len(tc.base) != len(t.Header) {
			tc.base = t.scanSI()
		}
		return tc.base[c] > 0
	}
	return t.scanSI()[c] > 0
}

// scanSI finds the base of every column in one pass over the table: 1
// for SI, -1 for binary.
func (t *Table) scanSI() []int8 {
	cols := make([]int, len(t.Header))
	table := 0
	for _, row := range t.Rows {
		for i, cell := range row.Cells {
			m := sizeMarks(strings.TrimSpace(cell))
			table |= m
			if i < len(cols) {
				cols[i] |= m
			}
		}
	}
	base := make([]int8, len(cols))
	for i, m := range cols {
		base[i] = -1
		switch {
		case t.sizeBase == 1000:
			base[i] = 1
		case t.sizeBase == 1024:
		case m&markSI != 0 || table == markSI:
			base[i] = 1
		}
	}
	return base
}

// columnType infers the type of column c from its non-null cells: the
// first of number, percent, bytes, duration, bool that reads them all,
// else string.
func (t *Table) columnType(c int, si bool) Type {
	if tc := t.cache; tc != nil {
		tc.mu.Lock()
		defer tc.mu.Unlock()
		if len(tc.types) != len(t.Header) {
			tc.types = make([]Type, len(t.Header))
		}
		if tc.types[c] == TypeAuto {
			tc.types[c] = t.inferColumn(c, si)
		}
		return tc.types[c]
	}
	return t.inferColumn(c, si)
}

func (t *Table) inferColumn(c int, si bool) Type {
	for _, typ := range []Type{TypeNumber, TypePercent, TypeBytes, TypeDuration, TypeBool} {
		ok, seen := true, false
		for r := range t.Rows {
			s := strings.TrimSpace(t.Cell(r, c))
			if isPlaceholder(s) {
				continue
			}
			seen = true
			if !guessable(s, typ, si) {
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
func guessable(s string, typ Type, si bool) bool {
	switch typ {
	case TypeBool:
		_, ok := parseBoolWord(s)
		return ok
	case TypeDuration:
		if timeOfDay(s) {
			return false
		}
	}
	_, err := parseValue(s, typ, si)
	return err == nil
}
