package parse

import (
	"math"
	"strconv"
	"strings"
)

// Columns are found from the header's words and the data under them.
//
//   - A header word glued to the next one ("Address:PortProcess", as wide
//     ss prints it) is cut where a lower-case letter meets an upper-case
//     one, if the data has a gap there in most rows.
//   - Two words one space apart are one header when, in half of the rows,
//     a value runs across both from the first word's start ("Local
//     Address", "UNIT FILE"; a value merely shifted from its column, as
//     vmstat's, does not count).
//   - Two words are two columns when, in half of the rows (two at
//     least), a value ends at the first word's end and the next starts at
//     the second's start ("Send-Q Local:Port" over "18% 10.0.0.1:80").
//   - In a header whose columns are two spaces or more apart (spacedHeader),
//     two words one space apart are one label when one of them has no
//     data of its own and the other has, in half of the rows ("Foreign
//     Address", "CPU %" over right-aligned numbers, "CONTAINER ID" over
//     left-aligned names); empty columns stay columns.
//   - Else they are two columns when, in a quarter of the rows or more,
//     each word has data of its own: a token ending in the first word (or
//     the space after it), and one starting in the space or the second
//     word ("Used Avail", "%CPU %MEM", macOS "Capacity iused"). A
//     lower-case second word after a capitalised one needs that in half of
//     the rows, and two rows at least.
//   - Else they are one header when the first word has no data and the
//     values under the second run into it or do not line up with either
//     of its edges (ss "Peer Address:Port"), or when the second word is
//     lower case after a capitalised one ("Mounted on", "PID/Program
//     name"). Else they are two columns: an empty column, as lsblk's WWN,
//     is still a column. Without rows, only the case rule applies.
//   - Data that sits left of the first header word, with a gap, in half of
//     the rows or more is a column with no header (free's "Mem:").
//   - Alignment and the cost of an empty cell: see alignAll and calibrate.
//
// The layout is learned from at most layoutSample rows, evenly spread.

// column is one column of the layout.
type column struct {
	name  string
	s, e  int  // header span in display columns, [s, e)
	align byte // 'L', 'R' or 0 when no row lines up with the header
	ax    int  // where cells start ('L') or end ('R'), usually s or e
	empty float64
	prevE int // right edge of the previous column's header, 0 for the first
	nextS int // left edge of the next column's header, s for the last
	// kind is what most of the column's one-token cells are: 'N'
	// numbers (numberLike), 'W' other words, 0 not known (calibrate).
	kind byte
}

// word is a header word before grouping.
type word struct {
	bs, be int // byte offsets in the header line
	s, e   int // display columns
}

// buildColumns makes the columns of a table from its header line and the
// tokens of its rows.
func buildColumns(hdr string, htoks []token, rows [][]token) []column {
	rows = sampleRows(rows, layoutSample)
	words := make([]word, 0, len(htoks)+2)
	// Rows of one token per header word already name the columns: no
	// word is cut in two ("InHdrErrors" over one number of
	// /proc/net/snmp's single-spaced rows).
	glued := len(rows) == 0
	for _, r := range rows {
		if len(r) != len(htoks) {
			glued = true
			break
		}
	}
	for _, t := range htoks {
		if !glued {
			words = append(words, word{t.bs, t.be, t.cs, t.ce})
			continue
		}
		words = append(words, splitGlued(hdr, word{t.bs, t.be, t.cs, t.ce}, rows)...)
	}
	// When every row has exactly one token per header word, the words are
	// the columns: joining two would leave a row with more values than
	// columns (awk output under "Filesystem Use% Mounted").
	exact := len(rows) > 0 && len(words) > 1
	for _, r := range rows {
		if len(r) != len(words) {
			exact = false
			break
		}
	}
	// So too when the rows are one token short of the words and shifted
	// past them by a first value that overruns its label (see
	// shiftedRows): the words are the columns, filled in order.
	exact = exact || len(words) > 2 && shiftedRows(rows, len(words)-1, wordSpans(words))
	padded := paddedHeader(words, rows)
	spaced := spacedHeader(words, rows)
	cols := make([]column, 0, len(words)+1)
	if len(words) > 0 && leadingColumn(words[0].s, rows) {
		cols = append(cols, column{s: 0, e: words[0].s - 1})
	}
	for i := 0; i < len(words); {
		j := i + 1
		prevE := -1
		if i > 0 {
			prevE = words[i-1].e
		}
		for !exact && j < len(words) && words[j].s-words[j-1].e == 1 && joinWords(hdr, words[j-1], words[j], prevE, j == len(words)-1, padded, spaced, rows) {
			j++
		}
		cols = append(cols, column{
			name: hdr[words[i].bs:words[j-1].be],
			s:    words[i].s,
			e:    words[j-1].e,
		})
		i = j
	}
	if n := len(cols); n > 0 {
		if s, ok := trailingColumn(cols[n-1].e, rows); ok {
			cols = append(cols, column{s: s, e: s + 1})
		} else if s, ok := trailingText(cols[n-1].s, cols[n-1].e, rows); ok {
			cols = append(cols, column{s: s, e: s + 1})
		}
	}
	cols = flagColumns(cols, rows)
	for i := range cols {
		if i > 0 {
			cols[i].prevE = cols[i-1].e
		}
		cols[i].nextS = cols[i].s
		if i+1 < len(cols) {
			cols[i].nextS = cols[i+1].s
		}
	}
	alignAll(cols, rows)
	calibrate(cols, rows)
	return cols
}

// flagColumns adds a column with no header where a one-character mark
// (a symbol, not a letter or digit) stands alone at the same place between
// two header words in a quarter of the rows (two at least), and no longer
// value covers that place:
// who -aH prints each user's message status ("+", "-", "?") there, under
// no label, between NAME and LINE.
func flagColumns(cols []column, rows [][]token) []column {
	if len(rows) < 2 || len(cols) < 2 {
		return cols
	}
	var out []column
	for i := range cols {
		out = append(out, cols[i])
		if i+1 == len(cols) {
			break
		}
		lo, hi := cols[i].e+1, cols[i+1].s-1 // room for a value with a space on each side
		if hi <= lo {
			continue
		}
		counts := map[int]int{}
		for _, r := range rows {
			for k, t := range r {
				// Apart from the value before it ("[ ACC ]" is one value).
				if t.mark && t.cs >= lo && t.ce <= hi && (k == 0 || t.cs-r[k-1].ce >= 2) {
					counts[t.cs]++
				}
			}
		}
		p, n := mode(counts)
		if n < 2 || 4*n < len(rows) {
			continue
		}
		covered := false
		for _, r := range rows {
			for _, t := range r {
				if t.cs <= p && p < t.ce && t.ce-t.cs > 1 {
					covered = true
				}
			}
		}
		if !covered {
			out = append(out, column{s: p, e: p + 1})
		}
	}
	return out
}

// splitGlued cuts a header word where a lower-case letter meets an
// upper-case one followed by lower case ("PortProcess"), when in half of
// the rows the data on the left ends in the left part and data starts
// right of the cut, and almost no row has a token across the cut.
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
		both, across := 0, 0
		for _, r := range rows {
			l, rt := false, false
			for _, t := range r {
				if t.cs > w.e+tabWidth {
					break
				}
				if t.ce > w.s && t.ce <= cut {
					l = true
				}
				if t.cs >= cut && t.cs < w.e {
					rt = true // data starts under the right part
				}
				if t.cs < cut && t.ce > cut {
					across++
				}
			}
			if l && rt {
				both++
			}
		}
		if 2*both >= len(rows) && 10*across < len(rows) {
			left := word{w.bs, w.bs + q, w.s, cut}
			right := word{w.bs + q, w.be, cut, w.e}
			return append([]word{left}, splitGlued(hdr, right, rows)...)
		}
	}
	return []word{w}
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// joinWords decides whether two header words one space apart name one
// column.
//
// prevE is the end of the header word before w1 (-1 for none): a value
// that starts there or before overflows from the previous column (a long
// LVM name under Filesystem) and says nothing about w1 and w2.
//
// last says w2 is the last header word: when no row has data right of the
// first word and its values run past its end, the two words are one
// header (systemctl's "VENDOR PRESET" over "enabled").
//
// padded says the header separates its columns by three spaces or more
// (see paddedHeader): one space is then inside a label, and the two words
// are one header unless a value starts under the second ("NOMINATED
// NODE" over "<none>", "MEM USAGE / LIMIT" over "8.9MiB / 7.667GiB").
//
// spaced says the header's columns are two spaces or more apart (see
// spacedHeader): one space is then inside a label when one of the two
// words has no data of its own and the other has, in half of the rows:
// nothing ends under the first and values end at the second's end
// ("Foreign Address", "CPU %" over right-aligned numbers), or nothing
// starts under the second and values start at the first's start, more
// often than they end at its end ("CONTAINER ID" over left-aligned
// names; "PID COMMENT" over right-aligned PIDs stays two). Empty
// columns stay columns (lsof's "TID TASKCMD", lsblk's "WWN STATE").
func joinWords(hdr string, w1, w2 word, prevE int, last, padded, spaced bool, rows [][]token) bool {
	lexical := hasUpper(hdr[w1.bs:w1.be]) && allLower(hdr[w2.bs:w2.be])
	if len(rows) == 0 {
		return lexical
	}
	cross, weak, a1, a2, edge2, spill, right, start2 := 0, 0, 0, 0, 0, 0, 0, 0
	left1, right1 := 0, 0 // rows with a value starting at w1's start, ending at its end
	end2, under := 0, 0   // rows with a value ending at w2's end, with a value under w1 or w2
	split := 0            // rows with a value ending at w1's end and another starting at w2's start
	for _, r := range rows {
		for _, t := range r {
			if t.cs >= w1.e {
				right++
			}
			if t.cs >= w1.s && t.cs < w1.e && t.ce > w1.e {
				spill++
			}
		}
		if overflows(r, prevE, w1.s) {
			// A value from the column before runs past the first
			// word's start: the row is shifted, its values under the
			// words are not theirs.
			continue
		}
		c, wk, f1, f2, e2, u := false, false, false, false, false, false
		endsAt1 := false
		for _, t := range r {
			if t.cs >= w2.e {
				break
			}
			if t.cs < w1.e && t.ce > w2.s {
				wk = true
			}
			if t.cs == w2.s || t.ce == w2.e {
				e2 = true
			}
			if t.cs == w2.s {
				start2++
			}
			if t.cs == w1.s {
				left1++
			}
			if t.ce == w1.e {
				right1++
				endsAt1 = true
			}
			if t.cs == w2.s && endsAt1 {
				split++
			}
			if t.ce == w2.e {
				end2++
			}
			if t.ce > w1.s && !u {
				u = true
				under++
			}
			// A value across the space from the first word's start (a
			// value merely shifted from its column is not across).
			if t.cs <= w1.s && t.cs > prevE && t.ce > w2.s {
				c = true
			}
			if t.ce > w1.s && t.ce <= w2.s {
				f1 = true
			}
			if t.cs >= w1.e && t.cs < w2.e {
				f2 = true
			}
		}
		if c {
			cross++
		}
		if wk {
			weak++
		}
		if e2 {
			edge2++
		}
		if f1 {
			a1++
		}
		if f2 {
			a2++
		}
	}
	need := max(1, (len(rows)+3)/4)
	if lexical {
		// A lower-case second word needs more to stand alone: data of
		// its own in half of the rows, and in two rows at least.
		need = max(2, (len(rows)+1)/2)
	}
	switch {
	case 2*cross >= len(rows):
		return true // values run across both words: "Local Address"
	case split >= 2 && 2*split >= len(rows):
		// In half of the rows a value ends at the first word's end and
		// the next starts at the second's start: two columns, whatever
		// the words say ("Send-Q Local:Port" over "18% 10.0.0.1:80").
		return false
	case spaced && a1 == 0 && 2*under >= len(rows) && 2*end2 >= len(rows):
		// In half of the rows a value ends at the second word's end,
		// and none under the first word: one label over right-aligned
		// values ("Foreign Address", "CPU %" over numbers).
		return true
	case spaced && a2 == 0 && left1 > right1 && 2*left1 >= len(rows):
		// Nothing starts under the second word, and the values under
		// the first are left-aligned with it: "CONTAINER ID".
		return true
	case a2 == 0 && edge2 == 0 && cross > 0:
		// No value starts or ends under the second word, and some run
		// into it from under the first: one label ("Next Hop" over
		// "::" and "fe80::20c:29ff:fe3e:1").
		return true
	case start2 == 0 && cross > 0 && innerColon(hdr[w2.bs:w2.be]):
		// The second word names the parts of a value, no value starts
		// under it and some run into it from under the first: old ss's
		// "Local Address:Port" over "rtnl:kernel" and "* 22373".
		return true
	case padded && start2 == 0 && (a2 == 0 || !last):
		// A label of words in a padded header, where no value starts
		// under the second word: "READINESS GATES", "MEM USAGE / LIMIT".
		// Values that start right of the last word belong to it (w's
		// "PCPU WHAT" over "0.01s -bash").
		return true
	case (a1 > 0 || a2 > 0) && innerColon(hdr[w2.bs:w2.be]) && !strings.Contains(hdr[w1.bs:w1.be], ":") && !twoValuesUnder(w1, w2, prevE, rows):
		// The second word names the parts of a value and no row holds
		// two values under the pair, however far its values drift from
		// the words: old ss's "Peer Address:Port" over "* 0" and "* 22464".
		return true
	case a1 >= need && a2 >= need:
		return false // each word has data of its own: "Used Avail"
	case a1 == 0 && a2 > 0 && (weak > 0 || 2*edge2 < a2):
		// The first word has no data, the values under the second run
		// into it or do not line up with it: ss "Peer Address:Port".
		return true
	case last && right == 0 && spill > 0:
		return true // "VENDOR PRESET" over "enabled", nothing right of it
	case a1 == 0 && (a2 > 0 || weak > 0) && innerColon(hdr[w2.bs:w2.be]):
		// The first word has no data and the second names the parts
		// of a value: ss "Peer Address:Port".
		return true
	}
	return lexical // "Mounted on"
}

// overflows reports whether a row holds a value that starts at or before
// prevE, the end of the header word before a column (-1 for none), and
// runs past s, the column's start.
func overflows(r []token, prevE, s int) bool {
	if prevE < 0 {
		return false
	}
	for _, t := range r {
		if t.cs > prevE {
			return false
		}
		if t.ce > s {
			return true
		}
	}
	return false
}

// paddedHeader reports whether the header and rows are laid out as
// tabwriter pads left-aligned columns (docker, kubectl, helm): every gap
// between header words is one space (inside a label, "CONTAINER ID") or
// three and more (two at least), in most rows no value ends under the end
// of a word after one space unless it starts before it, and in every row each word
// after a wide gap has a value starting
// under it or nothing under it. (lsof also puts one space between some
// labels, but its numbers end under their labels' right edges.)
func paddedHeader(words []word, rows [][]token) bool {
	one, wide := 0, 0
	for i := 1; i < len(words); i++ {
		switch g := words[i].s - words[i-1].e; {
		case g == 1:
			one++
		case g >= 3:
			wide++
		default:
			return false
		}
	}
	if wide < 2 || len(rows) == 0 {
		return false
	}
	for i, w := range words {
		if i > 0 && w.s-words[i-1].e == 1 {
			// Inside a label: no value is right-aligned under the word
			// (netstat's "Proto Recv-Q" over "tcp        0").
			right := 0
			for _, r := range rows {
				for _, t := range r {
					if t.ce == w.e && t.cs > w.s {
						right++
						break
					}
				}
			}
			if 2*right > len(rows) {
				return false
			}
			continue
		}
		end := w.e
		if i+1 < len(words) {
			end = words[i+1].s
		}
		// The label's column runs to the next word after a wide gap; a
		// value in it holds single spaces only (route -6's "Flag Met Ref
		// Use If" over "!n   1024 0" is five columns, not one label).
		group := -1 // a last label of one word takes the rest of the line
		if i+1 < len(words) {
			group = math.MaxInt
		}
		for k := i + 1; k < len(words); k++ {
			if words[k].s-words[k-1].e >= 3 {
				group = words[k].s
				break
			}
		}
		for _, r := range rows {
			for x, t := range r {
				if t.cs >= end {
					break
				}
				if t.cs > w.s || (t.cs < w.s && t.ce > w.s) {
					return false // a value starts inside the column, or runs into it
				}
				if t.cs == w.s {
					for y := x + 1; group >= 0 && y < len(r) && r[y].cs < group; y++ {
						if r[y].cs-r[y-1].ce > 1 {
							return false // two values in one label's column
						}
					}
					break
				}
			}
		}
	}
	return true
}

// spacedHeader reports whether the columns of a header are set apart by
// two spaces or more, so that a single space between its words is more
// likely inside a label (see joinWords): it has a gap that wide, and
// either most of its gaps (more than half, two at least) are, or no row
// holds two values one space apart.
func spacedHeader(words []word, rows [][]token) bool {
	wide := 0
	for i := 1; i < len(words); i++ {
		if words[i].s-words[i-1].e >= 2 {
			wide++
		}
	}
	if wide == 0 {
		return false
	}
	if wide >= 2 && 2*wide > len(words)-1 {
		return true
	}
	if len(rows) == 0 {
		return false
	}
	for _, r := range rows {
		for k := 1; k < len(r); k++ {
			if r[k].cs-r[k-1].ce == 1 {
				return false
			}
		}
	}
	return true
}

// twoValuesUnder reports whether a row holds two values (runs of tokens
// one space apart) that start after prevE and before the end of w2, the
// first ending before w2 starts: the words then have data of their own.
// A value that starts at or before prevE overflows from the column before.
func twoValuesUnder(w1, w2 word, prevE int, rows [][]token) bool {
	for _, r := range rows {
		end := -1 // end of the last value starting after prevE, -1 for none
		for i, t := range r {
			if t.cs >= w2.e {
				break
			}
			if i > 0 && t.cs-r[i-1].ce <= 1 {
				if end >= 0 {
					end = t.ce
				}
				continue
			}
			if t.cs <= prevE {
				end = -1
				continue
			}
			if end >= 0 && end <= w2.s {
				return true
			}
			end = t.ce
		}
	}
	return false
}

// innerColon reports whether a word joins two names with a colon
// ("Address:Port"), as a header naming the parts of one value does.
func innerColon(s string) bool {
	i := strings.IndexByte(s, ':')
	return i > 0 && i < len(s)-1 && !isDigit(s[i-1]) && !isDigit(s[i+1])
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

// trailingColumn reports whether the rows hold a column with no header
// after the last header word, which ends at display column last, and
// where it starts: in nine rows in ten a number ends at that word's end
// (a right-aligned column of counts, which cannot take the rest of the
// line), and in half of them text follows it after a gap
// (/proc/interrupts' chip and device names after its CPU counts).
func trailingColumn(last int, rows [][]token) (int, bool) {
	if len(rows) == 0 {
		return 0, false
	}
	ended, more, start := 0, 0, -1
	for _, r := range rows {
		for k, t := range r {
			if t.ce < last {
				continue
			}
			if t.ce == last && t.num && (k == 0 || r[k-1].ce < t.cs) {
				ended++
				if k+1 < len(r) {
					more++
					if start < 0 || r[k+1].cs < start {
						start = r[k+1].cs
					}
				}
			}
			break
		}
	}
	return start, 10*ended >= 9*len(rows) && 2*more >= len(rows) && start > last
}

// trailingText reports whether the rows hold a column of text with no
// header after the last header word, which spans display columns [s, e),
// that only some rows fill, and where it starts: in two rows or more the
// row ends in a value (tokens one space apart) that starts past e, two
// spaces or more after a value that starts at s or ends at e (lined up
// with the last word: not a row shifted right by a value that overflowed
// its field), and most of those values start at the same place; other
// rows end in one value under the last word (iptables -L's rule options
// after destination, "ctstate RELATED,ESTABLISHED", on some rules only).
// Half of the rows at least are one or the other. A last column of free
// text with two spaces inside its values, at no place in common, is not
// such a column.
func trailingText(s, e int, rows [][]token) (int, bool) {
	if len(rows) < 3 {
		return 0, false
	}
	extra, plain := 0, 0
	starts := map[int]int{}
	for _, r := range rows {
		n := len(r)
		if n == 0 {
			continue
		}
		k := valueStart(r, n-1) // the first token of the last value
		last := r[k]
		if last.cs < e && r[n-1].ce > s {
			plain++
			continue
		}
		if last.cs <= e || k == 0 || last.cs-r[k-1].ce < 2 {
			continue
		}
		j := valueStart(r, k-1) // the first token of the value before it
		if r[j].cs == s || r[k-1].ce == e {
			extra++
			starts[last.cs]++
		}
	}
	p, n := mode(starts)
	if extra < 2 || plain < 1 || 2*(extra+plain) < len(rows) || 2*n < extra || n < 2 {
		return 0, false
	}
	return p, true
}

// valueStart returns the first token of the value r[k] ends: tokens one
// space apart are one value.
func valueStart(r []token, k int) int {
	for k > 0 && r[k].cs-r[k-1].ce == 1 {
		k--
	}
	return k
}

// alignAll sets the alignment of every column from the header edges: a
// column is right-aligned when more rows end a token at its header's right
// edge than start one at its left edge, left-aligned when fewer, and
// unaligned (align 0) when less than a third of the rows with data under
// the header line up either way. calibrate then refines the columns from a first fit of the rows.
func alignAll(cols []column, rows [][]token) {
	var strict [2]int // columns whose rows line up left, right (not both)
	var lost []int    // columns with data under them and no alignment
	for i := range cols {
		c := &cols[i]
		c.ax = c.s
		c.empty = 1 + emptyWeight/2
		if len(rows) == 0 {
			c.align = 'L'
			continue
		}
		left, right, under := 0, 0, 0
		for _, r := range rows {
			l, rt, u := false, false, false
			for _, t := range r {
				if t.cs >= c.e {
					break
				}
				l = l || t.cs == c.s
				rt = rt || t.ce == c.e
				u = u || t.ce > c.s
			}
			if l {
				left++
			}
			if rt {
				right++
			}
			if u {
				under++
			}
		}
		need := max(1, (under+2)/3)
		switch {
		case right > left && right >= need:
			c.align, c.ax = 'R', c.e
			strict[1]++
		case left > right && left >= need:
			c.align, c.ax = 'L', c.s
			strict[0]++
		case left == right && left >= need:
			c.align, c.ax = 'L', c.s
		case under > 0:
			lost = append(lost, i)
		}
	}
	// In a table of right-aligned columns (two or more whose rows end at
	// the header's right edge, none whose rows only start at its left
	// edge), a column where no row lines up is right-aligned too: its
	// values overflow the header's span and shift the rest of the row
	// (vmstat -a's 8-digit free), which the fit pays once per row. Left-
	// aligned text columns are anchored where their cells are (calibrate).
	if strict[0] == 0 && strict[1] >= 2 {
		for _, i := range lost {
			cols[i].align, cols[i].ax = 'R', cols[i].e
		}
	}
}

// layoutSample is the number of rows the layout is learned from.
const layoutSample = 256

// sampleRows returns at most n rows, evenly spread.
func sampleRows(rows [][]token, n int) [][]token {
	if len(rows) <= n {
		return rows
	}
	out := make([][]token, n)
	for i := range out {
		out[i] = rows[i*len(rows)/n]
	}
	return out
}

// calibrate fits the (sampled) rows to the columns, then sets each
// column's empty-cell cost from the share of rows that gave it a cell,
// and anchors each unaligned column where most of its cells end or start
// (a header wider than its data, as busybox `df -P` prints).
func calibrate(cols []column, rows [][]token) {
	if len(rows) == 0 || len(cols) == 0 {
		return
	}
	a := &assigner{cols: cols}
	spans := make([]cellSpan, len(cols))
	filled := make([]int, len(cols))
	starts := make([]map[int]int, len(cols))
	ends := make([]map[int]int, len(cols))
	n := 0
	nums := make([]int, len(cols))
	ones := make([]int, len(cols))
	for _, toks := range rows {
		a.assign(toks, spans)
		n++
		for i, sp := range spans {
			if sp.b == sp.a {
				continue
			}
			filled[i]++
			if sp.b == sp.a+1 && !toks[sp.a].ph {
				ones[i]++
				if toks[sp.a].num {
					nums[i]++
				}
			}
			if cols[i].align == 0 {
				if starts[i] == nil {
					starts[i], ends[i] = map[int]int{}, map[int]int{}
				}
				starts[i][toks[sp.a].cs]++
				ends[i][toks[sp.b-1].ce]++
			}
		}
	}
	need := max(1, (n+2)/3)
	for i := range cols {
		c := &cols[i]
		c.empty = 1 + emptyWeight*float64(filled[i])/float64(n)
		switch {
		case ones[i] < 2:
		case 2*nums[i] > ones[i]:
			c.kind = 'N'
		case 2*nums[i] < ones[i]:
			c.kind = 'W'
		}
		if c.align != 0 {
			continue
		}
		sPos, sN := mode(starts[i])
		ePos, eN := mode(ends[i])
		switch {
		case eN > sN && eN >= need:
			c.align, c.ax = 'R', ePos
		case sN >= eN && sN >= need:
			c.align, c.ax = 'L', sPos
		}
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

// nameColumns gives each column its name: its header text; for a column
// with none (or a time of day as its header), the group above it (vmstat -d's "disk-" names the disk
// column "disk"), else "#N", its position. A name that repeats an
// earlier one is qualified by its group ("reads total", "writes total")
// or, with no group to tell them apart, numbered ("total 2"), so that no
// column is lost to another of the same name.
func nameColumns(cols []column, group string, rows [][]token) []string {
	groups := columnGroups(cols, group, rows)
	names := make([]string, len(cols))
	count := make(map[string]int, len(cols))
	for i, c := range cols {
		names[i] = c.name
		if isClock(strings.Fields(c.name + " x")[0]) {
			// sar and mpstat print the time of the report where a name
			// would be ("09:09:31", "12:00:01 AM"): it names nothing
			// that lasts.
			names[i] = ""
		}
		if names[i] == "" {
			if g := groups[i]; g != "" {
				names[i] = g
			} else {
				names[i] = "#" + strconv.Itoa(i+1)
			}
		}
		count[names[i]]++
	}
	for i, c := range cols {
		if count[names[i]] < 2 {
			continue
		}
		if g := groups[i]; g != "" && c.name != "" {
			names[i] = g + " " + names[i]
		}
	}
	return uniqueNames(names)
}

// groupSpan is one group of a group line: its name and where it lies.
type groupSpan struct {
	s, e int // display columns, [s, e)
	name string
}

// groupSpans reads the groups of a group line. Groups set apart by "|"
// ("Inter-|   Receive   |  Transmit") are the segments between the bars;
// otherwise each word is a group ("---reads---", or "reads" centred over
// its columns), its rules ("-", "=") trimmed from its name.
func groupSpans(group string) []groupSpan {
	var out []groupSpan
	if strings.IndexByte(group, '|') >= 0 {
		a := 0
		for a <= len(group) {
			b := strings.IndexByte(group[a:], '|')
			end := len(group)
			if b >= 0 {
				end = a + b
			}
			if name := strings.Trim(group[a:end], " -="); name != "" {
				if b < 0 {
					end = math.MaxInt32 // the last segment runs on
				}
				out = append(out, groupSpan{s: a, e: end, name: name})
			}
			if b < 0 {
				break
			}
			a = end + 1
		}
		return out
	}
	for _, t := range tokenize(group, nil) {
		if name := strings.Trim(group[t.bs:t.be], "-="); name != "" {
			out = append(out, groupSpan{s: t.cs, e: t.ce, name: name})
		}
	}
	return out
}

// columnGroups gives each column the name of its group in the group line
// above the header, or "" (no group line, or a column outside every
// group). Each group holds a run of one column or more, in order, the
// runs next to each other; a column whose header lies under exactly one
// group's span is in that group, and columns under none may be left out
// before the first run or after the last. Of the partitions that respect
// that, the one whose runs are centred best under their group words wins
// (ruled groups span their runs exactly; a centred word sits over the
// middle of its run: "reads" over "total merged sectors ms").
//
// A run reaches as far as its columns' cells do (a number wider than its
// label reaches left of it): each column's extent is its label's and
// that of the row tokens under the label (a sample of rows).
func columnGroups(cols []column, group string, rows [][]token) []string {
	out := make([]string, len(cols))
	if group == "" {
		return out
	}
	gs := groupSpans(group)
	k, m := len(cols), len(gs)
	if m == 0 || m > k {
		return out
	}
	must := make([]int, k) // the one group a column lies under, -1 none, -2 several
	for c, col := range cols {
		must[c] = -1
		for g, sp := range gs {
			if col.s < sp.e && sp.s < max(col.e, col.s+1) {
				if must[c] == -1 {
					must[c] = g
				} else {
					must[c] = -2
				}
			}
		}
	}
	ext := make([][2]int, k)
	for c, col := range cols {
		ext[c] = [2]int{col.s, col.e}
	}
	for _, r := range rows[:min(len(rows), scoreSample)] {
		for c, col := range cols {
			for _, t := range r {
				if t.cs < col.e && col.s < t.ce {
					ext[c][0], ext[c][1] = min(ext[c][0], t.cs), max(ext[c][1], t.ce)
				}
			}
		}
	}
	const inf = math.MaxFloat64
	centre := func(a, b int) float64 { return float64(a+b) / 2 }
	runCost := func(g, p, q int) float64 {
		for c := p; c < q; c++ {
			if must[c] >= 0 && must[c] != g {
				return inf
			}
		}
		ge := gs[g].e
		if ge == math.MaxInt32 {
			ge = max(ext[q-1][1], gs[g].s+1)
		}
		d := centre(ext[p][0], ext[q-1][1]) - centre(gs[g].s, ge)
		if d < 0 {
			d = -d
		}
		return d
	}
	// dp[g][j]: the best cost of runs for groups < g ending at column j.
	dp := make([][]float64, m+1)
	from := make([][]int, m+1)
	for g := range dp {
		dp[g] = make([]float64, k+1)
		from[g] = make([]int, k+1)
		for j := range dp[g] {
			dp[g][j] = inf
		}
	}
	lead := 0.0
	for j := 0; j <= k; j++ {
		// Columns before the first run are in no group.
		dp[0][j] = lead
		if j < k {
			if must[j] >= 0 {
				lead = inf
			} else if lead < inf {
				lead += 0.5
			}
		}
	}
	for g := range m {
		for p := 0; p < k; p++ {
			if dp[g][p] == inf {
				continue
			}
			for q := p + 1; q <= k; q++ {
				c := runCost(g, p, q)
				if c == inf {
					if must[q-1] >= 0 && must[q-1] != g {
						break
					}
					continue
				}
				if v := dp[g][p] + c; v < dp[g+1][q] {
					dp[g+1][q], from[g+1][q] = v, p
				}
			}
		}
	}
	best, bestJ := inf, -1
	trail := 0.0
	for j := k; j >= 0; j-- {
		if dp[m][j] < inf && dp[m][j]+trail < best {
			best, bestJ = dp[m][j]+trail, j
		}
		if j > 0 {
			if must[j-1] >= 0 {
				break
			}
			trail += 0.5
		}
	}
	if bestJ < 0 {
		return out
	}
	for g, j := m, bestJ; g > 0; g-- {
		p := from[g][j]
		for c := p; c < j; c++ {
			out[c] = gs[g-1].name
		}
		j = p
	}
	return out
}

// uniqueNames numbers the names that repeat an earlier one, in place: the
// first keeps its name, the second of "Use" is "Use 2", the third "Use 3",
// skipping a number the header already uses ("Use Use Use 2" gives "Use",
// "Use 3", "Use 2"). Every name of a table is unique, so a column is never
// lost to another of the same name (in JSON rows keyed by name, or to a
// rule): a rule naming "Use" reads the first, "Use 2" the second.
func uniqueNames(names []string) []string {
	taken := make(map[string]bool, len(names))
	for _, n := range names {
		taken[n] = true
	}
	seen := make(map[string]bool, len(names))
	next := make(map[string]int, len(names))
	for i, n := range names {
		if !seen[n] {
			seen[n] = true
			continue
		}
		k := max(next[n], 2)
		for taken[n+" "+strconv.Itoa(k)] {
			k++
		}
		next[n] = k + 1
		names[i] = n + " " + strconv.Itoa(k)
		taken[names[i]], seen[names[i]] = true, true
	}
	return names
}

// shiftedRows reports whether rows are n tokens each, laid out alike (two
// rows or more; the m-th tokens of all rows start, or end, at the same
// place) and pushed right by their first value, which runs past second,
// the start of the second label in every row: every value after it is
// then away from its label ("000000005d718e36:" under /proc/net/unix's
// "Num", 17 characters under a 9-character field). A person reads such
// rows by order: the values fill the columns from the first, and the
// last, of which no row has a token, is blank.
func shiftedRows(rows [][]token, n int, labels [][2]int) bool {
	if len(rows) < 2 || n < 2 || len(labels) < 2 {
		return false
	}
	for _, r := range rows {
		if len(r) != n || r[0].cs >= labels[0][1] || r[0].ce <= labels[1][0] {
			return false
		}
	}
	lined := 0
	for _, t := range rows[0][1:] {
		for _, l := range labels {
			if t.cs == l[0] || t.ce == l[1] {
				lined++
				break
			}
		}
	}
	if 2*lined >= n-1 {
		return false
	}
	return lineUp(rows, n)
}

// lineUp reports whether each of the first k tokens of every row starts
// where the first row's does, or ends where it does.
func lineUp(rows [][]token, k int) bool {
	for m := range k {
		cs, ce := rows[0][m].cs, rows[0][m].ce
		sameS, sameE := true, true
		for _, r := range rows[1:] {
			sameS = sameS && r[m].cs == cs
			sameE = sameE && r[m].ce == ce
		}
		if !sameS && !sameE {
			return false
		}
	}
	return true
}

// wordSpans lists the spans of header words.
func wordSpans(words []word) [][2]int {
	out := make([][2]int, len(words))
	for i, w := range words {
		out[i] = [2]int{w.s, w.e}
	}
	return out
}
