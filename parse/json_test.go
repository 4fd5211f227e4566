package parse

import "strconv"

// Table.JSON is a test helper: the golden files and the fuzz target write
// tables in the form of `serverstats parse --json` (which cmd/serverstats
// builds itself).

// JSON returns the table in the form of `serverstats parse --json`:
//
//	{"header": ["Filesystem", ...],
//	 "rows": [{"Filesystem": {"raw": "/dev/vda", "value": "/dev/vda"}, ...}]}
//
// Each cell is read as typ (TypeAuto: each column's inferred type, see
// Value). A cell that does not parse as its type has "value": null and an
// "error" string. A header that repeats an earlier one is keyed "#N" (its
// 1-based position) in the rows (ParseTable makes names unique; a
// hand-built Table may repeat them). The result holds only slices, maps,
// strings, numbers, bools and nils, ready for encoding/json.
func (t *Table) JSON(typ Type) map[string]any {
	if t == nil {
		return map[string]any{"header": []string{}, "rows": []any{}}
	}
	keys := t.rowKeys()
	rows := make([]any, len(t.Rows))
	for r := range t.Rows {
		row := make(map[string]any, len(keys))
		for c, k := range keys {
			row[k] = cellJSON(t, r, c, typ)
		}
		rows[r] = row
	}
	header := append([]string{}, t.Header...)
	return map[string]any{"header": header, "rows": rows}
}

// rowKeys names the columns in JSON rows: the header text, or "#N" for a
// repeated one.
func (t *Table) rowKeys() []string {
	keys := make([]string, len(t.Header))
	seen := make(map[string]bool, len(t.Header))
	for i, h := range t.Header {
		if seen[h] {
			h = "#" + strconv.Itoa(i+1)
		}
		seen[h] = true
		keys[i] = h
	}
	return keys
}

// cellJSON is one cell of Table.JSON: {"raw", "value"[, "error"]}.
func cellJSON(t *Table, r, c int, typ Type) map[string]any {
	v, err := t.Value(r, c, typ)
	cell := map[string]any{"raw": v.Raw, "value": v.JSON()}
	if err != nil {
		cell["error"] = err.Error()
	}
	return cell
}
