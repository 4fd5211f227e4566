package parse

// Columns are found from the header's words and the data under them.
//
//   - A header word glued to the next one ("Address:PortProcess", as wide
//     ss prints it) is cut where a lower-case letter meets an upper-case
//     one, if the data ends exactly there in most rows.
//   - Two words one space apart are one header ("Mounted on", "Local
//     Address") unless the data lines up with each word on its own in a
//     quarter of the rows or more ("Used Avail", "%CPU %MEM"). Without rows,
//     or when the data does not line up with half of the header words
//     (busybox `df -P`), a lower-case word after a capitalised one joins it
//     ("Mounted on") and other words stay apart.
//   - Data that sits left of the first header word, with a gap, in half of
//     the rows or more is a column with no header (free's "Mem:").
//   - A column is right-aligned when more rows end a token at its header's
//     right edge than start one at its left edge, left-aligned when fewer.
//     When less than a third of the rows line up either way (a header wider
//     than its data), the column is anchored where most tokens nearest to
//     its header end or start, and is unaligned when there is no such
//     place. Its density is the share of rows with a token nearest to it.

// column is one column of the layout.
type column struct {
	name  string
	s, e  int  // header span in display columns, [s, e)
	align byte // 'L', 'R' or 0 when no row lines up with the header
	ax    int  // where cells start ('L') or end ('R'), usually s or e
	empty float64
	prevE int // right edge of the previous column's header, 0 for the first
}

// word is a header word before grouping.
type word struct {
	bs, be int // byte offsets in the header line
	s, e   int // display columns
}

// buildColumns makes the columns of a table from its header line and the
// tokens of its rows.
func buildColumns(hdr string, htoks []token, rows [][]token) []column {
	words := make([]word, 0, len(htoks)+2)
	for _, t := range htoks {
		words = append(words, splitGlued(hdr, word{t.bs, t.be, t.cs, t.ce}, rows)...)
	}
	cols := make([]column, 0, len(words)+1)
	if len(words) > 0 && leadingColumn(words[0].s, rows) {
		cols = append(cols, column{s: 0, e: words[0].s - 1})
	}
	aligned := alignedHeader(words, rows)
	for i := 0; i < len(words); {
		j := i + 1
		for j < len(words) && words[j].s-words[j-1].e == 1 && joinWords(hdr, words[j-1], words[j], rows, aligned) {
			j++
		}
		cols = append(cols, column{
			name: hdr[words[i].bs:words[j-1].be],
			s:    words[i].s,
			e:    words[j-1].e,
		})
		i = j
	}
	measureAll(cols, rows)
	for i := range cols {
		if i > 0 {
			cols[i].prevE = cols[i-1].e
		}
	}
	return cols
}

// splitGlued cuts a header word at a lower-to-upper case change where the
// data ends in most rows and no row has a token across the cut.
func splitGlued(hdr string, w word, rows [][]token) []word {
	if len(rows) == 0 || w.be-w.bs != w.e-w.s { // only ASCII words
		return []word{w}
	}
	text := hdr[w.bs:w.be]
	for q := 2; q < len(text)-1; q++ {
		if !(isLower(text[q-1]) && isUpper(text[q]) && isLower(text[q+1])) {
			continue
		}
		cut := w.s + q
		ends, across := 0, 0
		for _, r := range rows {
			for _, t := range r {
				if t.ce == cut {
					ends++
				}
				if t.cs < cut && t.ce > cut {
					across++
				}
			}
		}
		if 2*ends >= len(rows) && 10*across < len(rows) {
			left := word{w.bs, w.bs + q, w.s, cut}
			right := word{w.bs + q, w.be, cut, w.e}
			return append([]word{left}, splitGlued(hdr, right, rows)...)
		}
	}
	return []word{w}
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// alignedHeader reports whether the data lines up with at least half of
// the header words (busybox `df -P` prints a header wider than its data).
func alignedHeader(words []word, rows [][]token) bool {
	htoks := make([]token, len(words))
	for i, w := range words {
		htoks[i] = token{cs: w.s, ce: w.e}
	}
	return anchorScore(htoks, rows) >= 0.5
}

// joinWords decides whether two header words one space apart name one
// column: by the data when the header lines up with it, else by case.
func joinWords(hdr string, w1, w2 word, rows [][]token, aligned bool) bool {
	if len(rows) == 0 || !aligned {
		return hasUpper(hdr[w1.bs:w1.be]) && allLower(hdr[w2.bs:w2.be])
	}
	a1, a2 := 0, 0
	for _, r := range rows {
		f1, f2 := false, false
		for _, t := range r {
			if (t.cs == w1.s || t.ce == w1.e) && t.ce <= w1.e {
				f1 = true
			}
			if (t.cs == w2.s || t.ce == w2.e) && t.cs >= w2.s {
				f2 = true
			}
		}
		if f1 {
			a1++
		}
		if f2 {
			a2++
		}
	}
	need := max(1, (len(rows)+3)/4)
	return a1 < need || a2 < need
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if isUpper(s[i]) {
			return true
		}
	}
	return false
}

func allLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isLower(s[i]) {
			return false
		}
	}
	return s != ""
}

// leadingColumn reports whether half of the rows (at least one) have data
// left of the first header word, with a gap before it.
func leadingColumn(first int, rows [][]token) bool {
	if first < 2 || len(rows) == 0 {
		return false
	}
	n := 0
	for _, r := range rows {
		if len(r) > 0 && r[0].ce < first {
			n++
		}
	}
	return 2*n >= len(rows)
}

// measureAll sets the alignment, anchor and empty-cell cost of every
// column. Each token counts for the column nearest to it (both on a tie):
// under its header, or the least number of blanks away.
func measureAll(cols []column, rows [][]token) {
	type tally struct {
		left, right, dense int
		starts, ends       map[int]int
		seen               int // last row counted in dense, left, right
		l, r               bool
	}
	ts := make([]tally, len(cols))
	for i := range ts {
		ts[i].starts, ts[i].ends, ts[i].seen = map[int]int{}, map[int]int{}, -1
	}
	for ri, r := range rows {
		for _, t := range r {
			i1, i2 := nearest(cols, t)
			for _, i := range [2]int{i1, i2} {
				if i < 0 {
					continue
				}
				c, tl := &cols[i], &ts[i]
				if tl.seen != ri {
					tl.seen, tl.l, tl.r = ri, false, false
					tl.dense++
				}
				if t.cs == c.s && !tl.l {
					tl.l = true
					tl.left++
				}
				if t.ce == c.e && !tl.r {
					tl.r = true
					tl.right++
				}
				tl.starts[t.cs]++
				tl.ends[t.ce]++
			}
		}
	}
	for i := range cols {
		setAlign(&cols[i], ts[i].left, ts[i].right, ts[i].dense, ts[i].starts, ts[i].ends, len(rows))
	}
}

// nearest returns the column nearest to a token, and a second one when
// two are as near (-1 if not).
func nearest(cols []column, t token) (int, int) {
	best, second, bd := -1, -1, 1<<30
	for i := range cols {
		c := &cols[i]
		d := 0
		switch {
		case t.ce <= c.s:
			d = c.s - t.ce + 1
		case t.cs >= c.e:
			d = t.cs - c.e + 1
		}
		switch {
		case d < bd:
			best, second, bd = i, -1, d
		case d == bd:
			second = i
		}
		if c.s > t.ce+bd {
			break
		}
	}
	return best, second
}

// setAlign decides a column's alignment and anchor from its tallies.
func setAlign(c *column, left, right, dense int, starts, ends map[int]int, rows int) {
	if rows == 0 {
		c.align, c.ax = 'L', c.s
		c.empty = 1
		return
	}
	c.empty = 1 + emptyWeight*float64(dense)/float64(rows)
	need := max(1, (rows+2)/3)
	switch {
	case right > left && right >= need:
		c.align, c.ax = 'R', c.e
		return
	case left >= right && left >= need:
		c.align, c.ax = 'L', c.s
		return
	}
	// The header does not line up with the data: anchor the column where
	// most of the tokens near its header start or end.
	sPos, sN := mode(starts)
	ePos, eN := mode(ends)
	switch {
	case eN > sN && eN >= need:
		c.align, c.ax = 'R', ePos
	case sN >= eN && sN >= need:
		c.align, c.ax = 'L', sPos
	}
}

// mode returns the most frequent key of m (the smallest on ties).
func mode(m map[int]int) (key, n int) {
	for k, v := range m {
		if v > n || (v == n && k < key) {
			key, n = k, v
		}
	}
	return key, n
}
