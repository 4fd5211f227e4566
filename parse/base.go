package parse

import (
	"strings"
	"sync"
)

// The base of a size column: in which base its one-letter suffixes
// (K, M, G, T, P, E) are read.
//
// A single cell cannot tell `df -H`'s "13G" (13×10⁹) from `df -h`'s "13G"
// (13×2³⁰): both programs print the same header and the same one-letter
// suffix. What does differ in real outputs, and is read as evidence:
//
//   - SI-only suffixes: a lower-case "k" (GNU, busybox and macOS `df -H`,
//     `du --si`, `ls --si` print "4.1k" where `-h` prints "4.0K"), and
//     kB, MB, GB ... (`df -BKB`, `free --si` with kB units);
//   - binary-only suffixes: Ki, Mi, Gi ..., KiB, MiB ... (procps 4
//     `free -h`, macOS `df -h`), a lower-case one-letter suffix other than
//     k (top's "125.1m"), and a number of 1000 or more before a one-letter
//     suffix ("1020K": SI would have printed "1.0M");
//   - a block-size header word, which names the unit of the whole table:
//     "1K-blocks", "1M-blocks", "1024-blocks", "512-blocks" (df, df -P,
//     macOS df; coreutils block sizes with one letter are powers of 1024)
//     are binary; "1kB-blocks", "1000-blocks" are SI.
//
// The rule, per column, for the one-letter suffixes:
//
//  1. Options.SizeBase (the command's `size-base:` key) when set: the
//     caller knows the command (`free --si -h` prints "25G" and "453M"
//     with no SI-only mark at all);
//  2. else the column's own evidence when it points one way;
//  3. else the table's (cells and header) when it points one way: a
//     command prints its sizes in one base, so `df -H`'s "4.1k" in Size
//     makes Avail's "13G" SI too;
//  4. else binary, as `df -h`, `du -h`, `ls -h`, `free -h` (procps 3) and
//     busybox print them.
//
// Suffixes that name their base (Ki, kB, MiB ...) always read in that base.
// Table.SizeBase gives the result; Table.Value and Table.ValueOf read every
// size through it, and so do rules for their thresholds (`Avail < 10G` on
// an SI column is 10×10⁹).

// Size base marks found in a cell, a header or a table.
const (
	markSI     = 1 << iota // an SI-only suffix: "4.1k", "12MB"
	markBinary             // a binary-only suffix: "1.9Gi", "125.1m" (top), "1020K"
)

// sizeMarks reports the base marks of one cell.
func sizeMarks(s string) int {
	num, p, base, ok := sizeSuffix(s)
	if !ok || p == 0 || !isDecimal(num) {
		return 0
	}
	switch base {
	case baseSI:
		return markSI
	case baseBinary:
		return markBinary
	}
	// A lower-case one-letter suffix other than k ("125.1m", "1.2g") is
	// top's binary style; SI prints upper case M, G, T.
	if c := s[len(s)-1]; c >= 'a' && c <= 'z' {
		return markBinary
	}
	// 1000 or more of a unit: base 1000 would have gone up a unit.
	if whole, _, _ := strings.Cut(strings.TrimLeft(num, "+0"), "."); len(whole) >= 4 {
		return markBinary
	}
	return 0
}

// headerMarks reports the base marks of a block-size header word:
// "1K-blocks" binary, "1kB-blocks" SI, "1024-blocks" binary, "1000-blocks"
// SI. Other words give none.
func headerMarks(h string) int {
	m := 0
	for _, w := range strings.Fields(h) {
		size, ok := strings.CutSuffix(w, "-blocks")
		if !ok || size == "" {
			continue
		}
		if allDigits(size) {
			switch {
			case size == "1000" || size == "1000000":
				m |= markSI
			case size == "512" || size == "1024" || size == "1048576":
				m |= markBinary
			}
			continue
		}
		num, p, base, ok := sizeSuffix(size)
		if !ok || p == 0 || !allDigits(num) {
			continue
		}
		if base == baseSI {
			m |= markSI
		} else {
			m |= markBinary // "1K-blocks", "1M-blocks": coreutils block sizes
		}
	}
	return m
}

// baseOf turns marks into a base: 1000 or 1024 when they point one way,
// else 0.
func baseOf(m int) int {
	switch m {
	case markSI:
		return 1000
	case markBinary:
		return 1024
	}
	return 0
}

// SizeBase returns the base (1000 or 1024) in which column c (0-based)
// reads one-letter size suffixes ("13G"), by the rule above: the command's
// size-base option, else the column's evidence, else the table's, else
// 1024. It is 1024 for a column out of range.
func (t *Table) SizeBase(c int) int {
	if t == nil || c < 0 || c >= len(t.Header) {
		return 1024
	}
	if tc := t.cache; tc != nil {
		tc.mu.Lock()
		defer tc.mu.Unlock()
		if len(tc.base) != len(t.Header) {
			tc.base = t.scanBases(tc.numFormats(t))
		}
		return tc.base[c]
	}
	return t.scanBases(t.scanFormats())[c]
}

// scanBases finds the base of every column in one pass over the table,
// its cells read in their column's number convention (numfmt.go).
func (t *Table) scanBases(fmts []numFormat) []int {
	cols := make([]int, len(t.Header))
	table := 0
	for _, h := range t.Header {
		table |= headerMarks(h)
	}
	for _, row := range t.Rows {
		for i, cell := range row.Cells {
			cell = strings.TrimSpace(cell)
			if i < len(fmts) {
				cell = cellText(cell, TypeBytes, fmts[i])
			}
			m := sizeMarks(cell)
			table |= m
			if i < len(cols) {
				cols[i] |= m
			}
		}
	}
	bases := make([]int, len(cols))
	for i, m := range cols {
		switch {
		case t.sizeBase != 0:
			bases[i] = t.sizeBase
		case baseOf(m) != 0:
			bases[i] = baseOf(m)
		case m == 0 && baseOf(table) != 0:
			bases[i] = baseOf(table)
		default:
			bases[i] = 1024
		}
	}
	return bases
}

// tableCache keeps what Value learns about a table's columns.
type tableCache struct {
	mu    sync.Mutex
	base  []int  // per column: 1000 or 1024; nil when not known yet
	types []Type // inferred column types, "" when not known yet
	// formats are the number conventions of the columns (numfmt.go);
	// nil when not known yet.
	formats []numFormat
}

// numFormats returns the number conventions of t's columns, found once;
// the caller holds tc.mu.
func (tc *tableCache) numFormats(t *Table) []numFormat {
	if len(tc.formats) != len(t.Header) {
		tc.formats = t.scanFormats()
	}
	return tc.formats
}

// scanFormats finds the number convention of every column (numfmt.go).
func (t *Table) scanFormats() []numFormat {
	out := make([]numFormat, len(t.Header))
	local := 0
	for c := range out {
		out[c] = t.columnFormat(c)
		if out[c] != (numFormat{}) {
			local++
		}
	}
	for c, f := range out {
		if f.dec == ',' && local == 1 && t.bareCommas(c, f) {
			out[c] = numFormat{}
		}
	}
	return out
}

// numFormat returns the number convention of column c.
func (t *Table) numFormat(c int) numFormat {
	if tc := t.cache; tc != nil {
		tc.mu.Lock()
		defer tc.mu.Unlock()
		return tc.numFormats(t)[c]
	}
	return t.scanFormats()[c]
}
