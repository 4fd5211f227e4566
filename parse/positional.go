package parse

import (
	"strconv"
	"strings"
)

// Output with no header line (du, wc -l *, md5sum, ls -1s, who, awk
// results) reads as positional columns "#1".."#N":
//
//   - when every line holds a tab (du), the fields are the tab-separated
//     parts of the line;
//   - else the columns are the runs of display columns that hold text in
//     the rows, split where every row (but an eighth of them at most, as
//     ls -s's "total 92") has a blank; a one-space split is a column
//     boundary only when the values before it end, or two or more after it
//     start, at the same place in every row (fixed-width or aligned
//     columns), else it is a space inside a value;
//   - a date and a time printed as one value ("2020-02-29 12:13",
//     "Feb  7 23:32", "Mon Nov 23 07:01:56 2026") is one cell;
//   - when the rows are not aligned (single-space-separated words of
//     varying width) but most of them have the same number of words, each
//     word is a column, the last one taking the rest of the line.

// tabSeparated returns the tab-separated fields of the lines from first
// on when every non-blank line holds a tab, else nil.
func tabSeparated(lines []string, first int) [][]string {
	n := 0
	for i := first; i < len(lines); i++ {
		if isBlank(lines[i]) {
			continue
		}
		if strings.IndexByte(lines[i], '\t') < 0 {
			return nil
		}
		n++
	}
	if n == 0 {
		return nil
	}
	fields := make([][]string, len(lines))
	for i := first; i < len(lines); i++ {
		if isBlank(lines[i]) {
			continue
		}
		parts := strings.Split(lines[i], "\t")
		for k, p := range parts {
			parts[k] = strings.TrimSpace(expandTabs(p))
		}
		fields[i] = parts
	}
	return fields
}

// positionalTable reads the lines from first on as rows of positional
// columns. fields holds the tab-separated fields of each line, or is nil.
func positionalTable(lines []string, first int, fields [][]string, opt Options) *Table {
	t := &Table{cache: &tableCache{}, sizeBase: opt.SizeBase}
	var rowIdx []int
	for i := first; i < len(lines); i++ {
		if !isBlank(lines[i]) && !isRuleText(lines[i]) && hasToken(lines[i]) {
			rowIdx = append(rowIdx, i)
		}
	}
	if fields != nil {
		k := 0
		for _, i := range rowIdx {
			k = max(k, len(fields[i]))
		}
		k = min(k, maxColumns)
		for _, i := range rowIdx {
			cells := make([]string, k)
			f := fields[i]
			if len(f) > k {
				f[k-1] = strings.Join(f[k-1:], " ")
				f = f[:k]
			}
			copy(cells, f)
			t.Rows = append(t.Rows, Row{Line: i + 1, Cells: cells, Short: len(f) < k})
		}
		t.Header = positionalNames(k)
		return t
	}

	units := make([][]token, len(rowIdx))
	width := 0
	for r, i := range rowIdx {
		units[r] = dateUnits(lines[i], tokenize(lines[i], nil))
		if u := units[r]; len(u) > 0 {
			width = max(width, u[len(u)-1].ce)
		}
	}
	segs := segments(units, width)
	if n, ok := wordCount(units); ok && n > len(segs) {
		// Not aligned: each word is a column, the last takes the rest.
		n = min(n, maxColumns)
		t.Header = positionalNames(n)
		for r, i := range rowIdx {
			t.Rows = append(t.Rows, wordRow(lines[i], i, units[r], n))
		}
		return t
	}
	k := len(segs)
	t.Header = positionalNames(k)
	eachK := allCount(units, k)
	for r, i := range rowIdx {
		cells := make([]string, k)
		first, last := make([]int, k), make([]int, k)
		for c := range first {
			first[c] = -1
		}
		c := 0
		for m, u := range units[r] {
			if m > 0 && c < k-1 && u.cs >= segs[c][1] && u.ce <= segs[c+1][0] && u.cs-units[r][m-1].ce == 1 {
				// A word wholly in a gap no column covers, one space
				// after the word before: a value with a space in it
				// ("Mailing List Manager" among one-word names). A word
				// that runs into the next column is that column's
				// (ls -l's right-aligned "88" among one-digit counts).
				last[c] = m
				continue
			}
			for c < k-1 && u.cs >= segs[c][1] {
				c++
			}
			if first[c] < 0 {
				first[c] = m
			}
			last[c] = m
		}
		if eachK && !onePerColumn(first, last) {
			// Every row has one word per column: a row whose wide values
			// push the others off the columns the other rows agree on
			// (/proc/diskstats's busy disk among idle ones) still reads
			// one word per column.
			t.Rows = append(t.Rows, wordRow(lines[i], i, units[r], k))
			continue
		}
		if u := units[r]; k > 1 && len(u) > 1 && last[0] == len(u)-1 && otherShape(u) {
			// A line of another shape whose words all fall in the first
			// column (ls -l's "total 768" over its file modes): its words
			// fill the columns in order, as an unaligned row's do.
			t.Rows = append(t.Rows, wordRow(lines[i], i, u, k))
			continue
		}
		for c := range cells {
			if first[c] >= 0 {
				cells[c] = lines[i][units[r][first[c]].bs:units[r][last[c]].be]
			}
		}
		t.Rows = append(t.Rows, Row{Line: i + 1, Cells: cells, Short: cells[k-1] == ""})
	}
	return t
}

// wordRow is the row of line i (text line, words u) read one word per
// column of n, the last taking the rest of the line.
func wordRow(line string, i int, u []token, n int) Row {
	cells := make([]string, n)
	for c := range min(n, len(u)) {
		end := u[c].be
		if c == n-1 {
			end = u[len(u)-1].be
		}
		cells[c] = line[u[c].bs:end]
	}
	return Row{Line: i + 1, Cells: cells, Short: len(u) < n}
}

// allCount reports whether every row has exactly k words.
func allCount(units [][]token, k int) bool {
	for _, u := range units {
		if len(u) != k {
			return false
		}
	}
	return true
}

// onePerColumn reports whether a row's fit put exactly one word in each
// column.
func onePerColumn(first, last []int) bool {
	for c := range first {
		if first[c] < 0 || first[c] != last[c] {
			return false
		}
	}
	return true
}

// otherShape reports whether a row's words are separated by single
// spaces ("total 768"): not the padded value of an aligned column.
func otherShape(u []token) bool {
	for m := 1; m < len(u); m++ {
		if u[m].cs-u[m-1].ce != 1 {
			return false
		}
	}
	return true
}

func positionalNames(k int) []string {
	names := make([]string, k)
	for i := range names {
		names[i] = "#" + strconv.Itoa(i+1)
	}
	return names
}

// segments returns the column spans [s, e) of aligned rows: runs of
// display columns that hold text, split where at most an eighth of the
// rows have text, and joined again across a one-column split that
// alignment does not confirm.
func segments(units [][]token, width int) [][2]int {
	if width == 0 {
		return [][2]int{{0, 1}}
	}
	cover := make([]int, width+1)
	for _, row := range units {
		for _, u := range row {
			for x := u.cs; x < u.ce; x++ {
				cover[x]++
			}
		}
	}
	allow := len(units) / 8
	var segs [][2]int
	for x := 0; x < width; {
		if cover[x] <= allow {
			x++
			continue
		}
		s := x
		for x < width && cover[x] > allow {
			x++
		}
		segs = append(segs, [2]int{s, x})
	}
	if len(segs) == 0 {
		return [][2]int{{0, width}}
	}
	out := segs[:1]
	for _, sg := range segs[1:] {
		prev := &out[len(out)-1]
		if sg[0]-prev[1] == 1 && !aligned(units, *prev, sg) {
			prev[1] = sg[1]
			continue
		}
		out = append(out, sg)
	}
	if len(out) > maxColumns {
		out[maxColumns-1][1] = out[len(out)-1][1]
		out = out[:maxColumns]
	}
	return out
}

// aligned reports whether a one-column split between spans a and b is a
// column boundary: the values in a end at the same place in every row, or
// those in b start at the same place in two rows or more and all rows.
func aligned(units [][]token, a, b [2]int) bool {
	aEnd, bStart := -1, -1
	aSame, bSame := true, true
	nb := 0
	for _, row := range units {
		end, start := -1, -1
		for _, u := range row {
			if u.cs >= a[0] && u.cs < a[1] {
				end = u.ce
			}
			if start < 0 && u.cs >= b[0] && u.cs < b[1] {
				start = u.cs
			}
		}
		if end >= 0 {
			if aEnd >= 0 && end != aEnd {
				aSame = false
			}
			aEnd = end
		}
		if start >= 0 {
			nb++
			if bStart >= 0 && start != bStart {
				bSame = false
			}
			bStart = start
		}
	}
	return (aSame && aEnd >= 0) || (bSame && nb >= 2)
}

// wordCount returns the number of words most rows have, and whether nine
// rows in ten have it.
func wordCount(units [][]token) (int, bool) {
	counts := map[int]int{}
	for _, u := range units {
		counts[len(u)]++
	}
	n, c := mode(counts)
	return n, n > 1 && 10*c >= 9*len(units)
}

// dateUnits merges the tokens of a date and time printed as one value
// ("2020-02-29 12:13", "Feb  7 23:32", "Mon Nov 23 07:01:56 2026") into
// one token.
func dateUnits(line string, toks []token) []token {
	return headedDateUnits(line, toks, nil)
}

// headedDateUnits is dateUnits under a header: a date and time stay two
// tokens when two header words or more sit over them ("DATE       TIME"
// names two columns), so only a value under one header word ("TIME",
// "STARTED") is merged. With no header (hdr nil) every date is merged.
func headedDateUnits(line string, toks, hdr []token) []token {
	// Most rows hold no date: find the first token that may start one.
	i := 0
	for i < len(toks) && !dateStart(line, toks[i]) {
		i++
	}
	if i == len(toks) {
		return toks
	}
	out := toks[:i]
	for i < len(toks) {
		j := i + 1
		if dateStart(line, toks[i]) {
			j = dateEnd(line, toks, i)
		}
		if j > i+1 && hdr != nil && wordsOver(hdr, toks[i].cs, toks[j-1].ce) > 1 {
			j = i + 1
		}
		t := toks[i]
		if j > i+1 {
			t.be, t.ce = toks[j-1].be, toks[j-1].ce
			t.ph = false
		}
		out = append(out, t)
		i = j
	}
	return out
}

// dateStart reports whether token t may start a date: ten bytes with a
// "-" at the fifth (2026-12-02), or three bytes, the first upper case
// (Feb, Mon).
func dateStart(line string, t token) bool {
	switch t.be - t.bs {
	case 10:
		return line[t.bs+4] == '-'
	case 3:
		return isUpper(line[t.bs])
	}
	return false
}

// wordsOver counts the header words that overlap display columns [s, e).
func wordsOver(hdr []token, s, e int) int {
	n := 0
	for _, h := range hdr {
		if h.cs < e && h.ce > s {
			n++
		}
	}
	return n
}

// dateEnd returns the end (exclusive) of the date-time value that starts
// at token i, or i+1 when none does.
func dateEnd(line string, toks []token, i int) int {
	text := func(k int) string {
		if k >= len(toks) || toks[k].cs-toks[k-1].ce > 2 {
			return ""
		}
		return line[toks[k].bs:toks[k].be]
	}
	w := line[toks[i].bs:toks[i].be]
	j := i + 1
	switch {
	case isISODate(w):
		// One space apart: two spaces or more set a date column apart
		// from a time column.
		if isClock(text(j)) && toks[j].cs-toks[i].ce == 1 {
			j++
		}
	case weekday(w) && month(text(i+1)):
		j = monthDayEnd(toks, i+1, text)
	case month(w):
		j = monthDayEnd(toks, i, text)
	}
	return j
}

// monthDayEnd reads "Mon DD [HH:MM[:SS]] [YYYY]" from token i.
func monthDayEnd(toks []token, i int, text func(int) string) int {
	d := text(i + 1)
	if len(d) == 0 || len(d) > 2 || !allDigits(d) {
		return i + 1
	}
	j := i + 2
	if isClock(text(j)) {
		j++
	}
	if y := text(j); len(y) == 4 && allDigits(y) {
		j++
	}
	return j
}

func isISODate(s string) bool {
	return len(s) == 10 && s[4] == '-' && s[7] == '-' && allDigits(s[:4]) && allDigits(s[5:7]) && allDigits(s[8:])
}

// isClock reads H:MM, HH:MM or HH:MM:SS, and a 12-hour time with " AM"
// or " PM" after it.
func isClock(s string) bool {
	if len(s) > 3 && s[len(s)-3] == ' ' && meridiem(s[len(s)-2:]) {
		s = s[:len(s)-3]
	}
	h, rest, ok := strings.Cut(s, ":")
	if !ok || len(h) == 0 || len(h) > 2 || !allDigits(h) {
		return false
	}
	m, sec, hasSec := strings.Cut(rest, ":")
	if len(m) != 2 || !allDigits(m) {
		return false
	}
	return !hasSec || (len(sec) == 2 && allDigits(sec))
}

func month(s string) bool {
	switch s {
	case "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec":
		return true
	}
	return false
}

func weekday(s string) bool {
	switch s {
	case "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun":
		return true
	}
	return false
}
