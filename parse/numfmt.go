package parse

import "strings"

// Numbers printed in a locale's convention.
//
// Under a locale other than C, tools print decimal commas (sysstat under
// de_DE or fr_FR: "0,50", "12,3"; GNU df -h: "1,5G") and some group
// thousands ("1,234,567" en_US, "1.234.567" de_DE, "1 234 567" fr_FR with
// a narrow no-break space, "1'234'567" de_CH). A single cell cannot say
// which: "1,234" is 1234 in en_US and 1.234 in de_DE, "1.234" the other
// way round. A command prints a column in one convention, so the
// convention is read from the whole column, never cell by cell:
//
//   - the first of the conventions below that reads every non-null cell
//     of the column as a number, maybe with a sign and a unit or "%"
//     ("-1,5G", "12,5%"), is the column's: C (no grouping, "." decimal),
//     then "," groups with "." decimals, "." groups with "," decimals,
//     narrow no-break, no-break and thin space groups with ",", "'"
//     groups with ".", and last "," decimals with no grouping;
//   - a grouped whole part is one to three digits (not starting with 0),
//     then groups of exactly three; under a grouping convention a whole
//     part printed without groups has at most three digits (the tool
//     would have grouped it); decimals are one digit or more;
//   - a column of four dot-separated parts in every cell ("10.160.168.175")
//     is addresses, not "." groups;
//   - a column whose only sign of a convention is one comma between
//     digits, with no group and no unit ("253,0"), reads so only when
//     another column of the table is in a convention other than C too
//     (top's %CPU and %MEM, sysstat's columns): alone, it is as likely a
//     pair of numbers (lsof's major,minor DEVICE "253,0") and stays text.
//
// So a column holding "1.234.567" reads its "1.234" as 1234, one holding
// "0,50" reads its "1,234" as 1.234, and a column of "1.234" alone stays
// decimal (C first). The raw cell text is always kept as printed
// (Value.Raw, Row.Cells); only the typed value (number, percent, bytes)
// reads through the convention (Table.Value, Table.ValueOf). ParseValue,
// which sees one text alone, reads the C convention only.

// numFormat is a column's number convention; the zero value is C.
type numFormat struct {
	group string // thousands separator, "" for none
	dec   byte   // decimal mark; 0 for C
}

// localFormats are the conventions tried after C, in order.
var localFormats = []numFormat{
	{",", '.'},
	{".", ','},
	{"\u202f", ','},
	{"\u00a0", ','},
	{"\u2009", ','},
	{"'", '.'},
	{"", ','},
}

// mayBeLocal reports whether a cell holds a byte a convention other than C
// prints: a comma, an apostrophe, a non-ASCII byte, or a second dot.
func mayBeLocal(s string) bool {
	dots := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ',' || c == '\'' || c >= 0x80:
			return true
		case c == '.':
			dots++
		}
	}
	return dots > 1
}

// localNumber rewrites s, printed in convention f, as C prints it
// ("1.234,5G" in {".", ','} gives "1234.5G"); ok is false when s is not a
// number in f, maybe with a sign and a unit.
func localNumber(s string, f numFormat) (string, bool) {
	dec := f.dec
	if dec == 0 {
		dec = '.'
	}
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	j := len(s)
	for j > i && !isDigit(s[j-1]) {
		j--
	}
	unit := s[j:]
	if j == i || !unitText(unit) {
		return "", false
	}
	m := s[i:j]
	whole, frac, hasDec := m, "", false
	if k := strings.IndexByte(m, dec); k >= 0 {
		whole, frac, hasDec = m[:k], m[k+1:], true
		if frac == "" || !allDigits(frac) {
			return "", false
		}
	}
	if whole == "" {
		return "", false
	}
	if f.group == "" || !strings.Contains(whole, f.group) {
		if !allDigits(whole) || f.group != "" && len(whole) > 3 {
			return "", false
		}
	} else {
		parts := strings.Split(whole, f.group)
		if len(parts[0]) < 1 || len(parts[0]) > 3 || parts[0][0] == '0' || !allDigits(parts[0]) {
			return "", false
		}
		for _, p := range parts[1:] {
			if len(p) != 3 || !allDigits(p) {
				return "", false
			}
		}
		whole = strings.Join(parts, "")
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	b.WriteString(whole)
	if hasDec {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	b.WriteString(unit)
	return b.String(), true
}

// unitText reports whether the text after a number's digits is a unit
// the number types read: none, "%", or up to three letters ("G", "KiB").
func unitText(u string) bool {
	if u == "" || u == "%" {
		return true
	}
	if len(u) > 3 {
		return false
	}
	for i := 0; i < len(u); i++ {
		if !isLower(u[i]) && !isUpper(u[i]) {
			return false
		}
	}
	return true
}

// columnFormat infers the number convention of column c (see above).
func (t *Table) columnFormat(c int) numFormat {
	local := false
	for r := range t.Rows {
		if s := t.Cell(r, c); mayBeLocal(s) {
			local = true
			break
		}
	}
	if !local {
		return numFormat{}
	}
	for _, f := range append([]numFormat{{}}, localFormats...) {
		ok, seen, quads := true, 0, 0
		for r := range t.Rows {
			s := strings.TrimSpace(t.Cell(r, c))
			if isPlaceholder(s) {
				continue
			}
			seen++
			if strings.Count(s, ".") == 3 {
				quads++
			}
			if _, ok1 := localNumber(s, f); !ok1 {
				ok = false
				break
			}
		}
		if !ok || seen == 0 || f.group == "." && quads == seen {
			continue
		}
		return f
	}
	return numFormat{}
}

// bareCommas reports whether column c, of convention f, shows f by a
// decimal comma only: no cell holds f's group separator or a unit.
func (t *Table) bareCommas(c int, f numFormat) bool {
	for r := range t.Rows {
		s := strings.TrimSpace(t.Cell(r, c))
		if isPlaceholder(s) {
			continue
		}
		if f.group != "" && strings.Contains(s, f.group) || s != "" && !isDigit(s[len(s)-1]) {
			return false
		}
	}
	return true
}

// cellText is the text column format f gives the typed reading of cell s:
// s as C prints it for the number types, else s.
func cellText(s string, typ Type, f numFormat) string {
	if f == (numFormat{}) {
		return s
	}
	switch typ {
	case TypeNumber, TypePercent, TypeBytes:
		if n, ok := localNumber(strings.TrimSpace(s), f); ok {
			return n
		}
	}
	return s
}

// parseCell reads cell s of a column of number convention f as typ, the
// raw text kept as printed.
func parseCell(s string, typ Type, base int, f numFormat) (Value, error) {
	n := cellText(s, typ, f)
	if n == s {
		return parseValue(s, typ, base)
	}
	v, err := parseValue(n, typ, base)
	v.Raw = strings.TrimSpace(s)
	if ve, ok := err.(*ValueError); ok {
		ve.Raw = v.Raw
	}
	return v, err
}
