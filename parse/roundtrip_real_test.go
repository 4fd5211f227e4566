package parse

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The variations of real outputs (see roundTripVariations): the generated
// tables of aligned-2sp, single-space, multiword-labels and
// free-text-last, changed as real systems change them.

// rtRealBases are the variations the real-output ones start from.
var rtRealBases = []string{"aligned-2sp", "single-space", "multiword-labels", "free-text-last"}

// rtStrip removes the ANSI escape sequences of s (see rtColours).
func rtStrip(s string) string {
	for {
		i := strings.IndexByte(s, 0x1b)
		if i < 0 {
			return s
		}
		j := i + 2
		for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
			j++
		}
		s = s[:i] + s[min(j+1, len(s)):]
	}
}

// rtWidth is the display width of a generated cell: its runes, without
// escape sequences.
func rtWidth(s string) int {
	return utf8.RuneCountInString(rtStrip(s))
}

// rtColours are the colour escapes real tools print around a cell:
// ls --color (a reset first, then bold blue), grep --color (red with an
// erase to the end of line), ip -c (green, yellow), systemctl (bold red).
var rtColours = [][2]string{
	{"\x1b[0m\x1b[01;34m", "\x1b[0m"},
	{"\x1b[01;31m\x1b[K", "\x1b[m\x1b[K"},
	{"\x1b[32m", "\x1b[0m"},
	{"\x1b[33m", "\x1b[0m"},
	{"\x1b[0;1;31m", "\x1b[0m"},
}

// colour wraps the cells of one or two columns in colour escapes (every
// cell, or one in two: grep colours its matches only), or a part of
// each cell (grep's match inside a word).
func (g *rtGen) colour(t *rtTable) {
	r := g.r
	for range 1 + r.Intn(2) {
		c := r.Intn(len(t.cols))
		col := &t.cols[c]
		if strings.ContainsRune(strings.Join(col.cells, ""), 0x1b) {
			continue // coloured already
		}
		esc := rtColours[r.Intn(len(rtColours))]
		some := r.Intn(2) == 0
		part := r.Intn(3) == 0
		for row, s := range col.cells {
			if isPlaceholder(s) || some && row%2 == 1 {
				continue
			}
			if part && len(s) > 1 {
				k := 1 + r.Intn(len(s)-1)
				col.cells[row] = esc[0] + s[:k] + esc[1] + s[k:]
				continue
			}
			col.cells[row] = esc[0] + s + esc[1]
		}
	}
}

// The number conventions of locales (see localise).
const (
	convDecComma = iota // sysstat under de_DE: "12,34", "1,5G", "12,5%"; no grouping
	convEnGroups        // en_US: "1,234,567", "1,234.56"
	convDeGroups        // de_DE: "1.234.567", "1.234,56", "1,5G"
	convFrGroups        // fr_FR: "1 234 567" with U+202F, "1 234,56"
	nConventions
)

// group writes the whole part of a plain number in groups of three digits
// set apart by sep.
func group(whole, sep string) string {
	neg := strings.HasPrefix(whole, "-")
	whole = strings.TrimPrefix(whole, "-")
	var b strings.Builder
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteByte(whole[i])
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// localise prints the number columns of a table in one locale's
// convention, and records the typed value each cell must read as: the
// value of the same cell printed in the C locale, read in the context of
// its column (the whole table printed plain, Table.Value with TypeAuto).
func (g *rtGen) localise(t *rtTable) {
	r := g.r
	conv := r.Intn(nConventions)
	plain := &Table{}
	for _, col := range t.cols {
		plain.Header = append(plain.Header, col.name)
	}
	for row := range t.cols[0].cells {
		cells := make([]string, len(t.cols))
		for c, col := range t.cols {
			cells[c] = col.cells[row]
		}
		plain.Rows = append(plain.Rows, Row{Line: row + 1, Cells: cells})
	}
	for c := range t.cols {
		col := &t.cols[c]
		if col.kind > kSize {
			continue
		}
		if col.kind == kInt && conv == convDeGroups {
			// A column of "1.234" alone reads as decimals: one cell of
			// seven digits or more says the dots group.
			grouped := false
			for _, s := range col.cells {
				grouped = grouped || len(s) >= 4
			}
			if grouped {
				row := r.Intn(len(col.cells))
				col.cells[row] = strconv.Itoa(1000000 + r.Intn(99000000))
				plain.Rows[row].Cells[c] = col.cells[row]
			}
		}
		for row := range col.cells {
			v, _ := plain.Value(row, c, TypeAuto)
			t.typed = append(t.typed, rtTyped{row, c, v})
		}
		for row, s := range col.cells {
			if isPlaceholder(s) {
				continue
			}
			num, unit := s, ""
			for len(num) > 0 && !isDigit(num[len(num)-1]) {
				num, unit = num[:len(num)-1], num[len(num)-1:]+unit
			}
			whole, frac, dot := strings.Cut(num, ".")
			gs, ds := "", "."
			switch conv {
			case convDecComma:
				ds = ","
			case convEnGroups:
				gs = ","
			case convDeGroups:
				gs, ds = ".", ","
			case convFrGroups:
				gs, ds = "\u202f", ","
			}
			if gs != "" && unit == "" {
				whole = group(whole, gs)
			}
			out := whole
			if dot {
				out += ds + frac
			}
			col.cells[row] = out + unit
		}
	}
	// A lone column of "d,d" with no group and no unit reads as text
	// (see numfmt.go: lsof's "253,0" is a pair of numbers).
	var changed []int
	bare := true
	for c, col := range t.cols {
		for row, s := range col.cells {
			if s != plain.Rows[row].Cells[c] {
				changed = append(changed, c)
				break
			}
		}
	}
	if len(changed) == 1 && conv != convEnGroups {
		for _, s := range t.cols[changed[0]].cells {
			if !isPlaceholder(s) && (!isDigit(s[len(s)-1]) || strings.Contains(s, ".") || strings.Contains(s, "\u202f")) {
				bare = false
			}
		}
		for i, tv := range t.typed {
			if bare && tv.c == changed[0] && strings.Contains(t.cols[tv.c].cells[tv.r], ",") {
				t.typed[i].v, _ = ParseValue(t.cols[tv.c].cells[tv.r], TypeString)
			}
		}
	}
}

// genReal makes a case of a real-output variation: a table of one of
// rtRealBases, changed as that variation says.
func (g *rtGen) genReal(v string) rtCase {
	r := g.r
	base := rtRealBases[r.Intn(len(rtRealBases))]
	switch v {
	case "ansi-colour":
		g.dress = g.colour
	case "locale-numbers":
		g.dress = g.localise
	case "paginated":
		g.rows = 6 + r.Intn(20)
	}
	c := g.gen(base)
	g.dress, g.rows = nil, 0
	c.variation = v
	lines := strings.Split(strings.TrimSuffix(c.text, "\n"), "\n")
	nl := "\n"
	switch v {
	case "crlf-trailing":
		nl = "\r\n"
		for i := range lines {
			lines[i] += strings.Repeat(" ", 1+r.Intn(2))
		}
	case "ansi-colour":
		if r.Intn(2) == 0 {
			// A bold header, as systemctl prints it.
			lines[0] = "\x1b[1m" + lines[0] + "\x1b[0m"
		}
		if r.Intn(3) == 0 {
			// A whole row in red (a failed unit).
			i := 1 + r.Intn(len(lines)-1)
			lines[i] = "\x1b[0;1;31m" + lines[i] + "\x1b[0m"
		}
	case "footers-rules":
		lines = g.rules(lines)
	case "paginated":
		p := 2 + r.Intn(4)
		repeat := r.Intn(2) == 0
		out := []string{lines[0]}
		for i, l := range lines[1:] {
			if i > 0 && i%p == 0 {
				out = append(out, "")
				if repeat {
					out = append(out, lines[0])
				}
			}
			out = append(out, l)
		}
		lines = out
	case "indented":
		ind := []string{"  ", "   ", "    ", "\t"}[r.Intn(4)]
		for i := range lines {
			lines[i] = ind + lines[i]
		}
	}
	c.text = strings.Join(lines, nl) + nl
	return c
}

// rules adds separator rules and a footer to a rendered table (see
// footers-rules): lines[0] is its header.
func (g *rtGen) rules(lines []string) []string {
	r := g.r
	width := 0
	for _, l := range lines {
		width = max(width, len(l))
	}
	// The rule's dashes under each header word (as zpool, psql), one
	// rule the width of the table, or one drawn with "+" at the words'
	// ends.
	var rule string
	switch r.Intn(3) {
	case 0:
		b := []byte(lines[0])
		for i := range b {
			if b[i] != ' ' {
				b[i] = '-'
			}
		}
		// A label of two words ("CPU %") has one rule.
		for i := 1; i+1 < len(b); i++ {
			if b[i] == ' ' && b[i-1] == '-' && b[i+1] != ' ' {
				b[i] = '-'
			}
		}
		rule = string(b)
	case 1:
		rule = strings.Repeat([]string{"-", "="}[r.Intn(2)], width)
	case 2:
		rule = "+" + strings.Repeat("-", width) + "+"
	}
	out := []string{lines[0]}
	under, end := r.Intn(3) != 0, r.Intn(3) == 0
	if !under && !end {
		end = r.Intn(2) == 0
	}
	if under {
		out = append(out, rule)
	}
	out = append(out, lines[1:]...)
	n := len(lines) - 1
	total := fmt.Sprint(1 + r.Intn(100000))
	footers := []string{"total " + total, "Total: " + fmt.Sprint(n) + " items", fmt.Sprintf("(%d rows)", n), fmt.Sprintf("%d entries listed.", n)}
	f := r.Intn(len(footers) + 1)
	switch {
	case end:
		out = append(out, rule)
	case f < len(footers) && footers[f][0] != '(':
		// A footer that is not in parentheses follows a rule or a
		// blank line.
		out = append(out, "")
	}
	if f < len(footers) {
		out = append(out, footers[f])
	}
	return out
}

// scoreTyped counts the typed values of c that the table gives right.
func (c rtCase) scoreTyped() (ok, all int, miss string) {
	tabs, err := ParseTables(c.text, Options{})
	for ti, w := range c.want {
		for _, tv := range w.typed {
			all++
			if err != nil || ti >= len(tabs) {
				continue
			}
			got, gerr := tabs[ti].Value(tv.r, tv.c, TypeAuto)
			want := tv.v
			gf, gok := got.Float()
			wf, wok := want.Float()
			if gerr == nil && got.Type == want.Type && got.Null == want.Null && gok == wok && (!wok || math.Abs(gf-wf) <= 1e-9*math.Max(1, math.Abs(wf))) {
				ok++
			} else if miss == "" {
				miss = fmt.Sprintf("table %d row %d column %d %q: %s %v (%v), want %s %v", ti+1, tv.r+1, tv.c+1, got.Raw, got.Type, gf, gerr, want.Type, wf)
			}
		}
	}
	return ok, all, miss
}
