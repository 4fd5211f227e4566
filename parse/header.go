package parse

import (
	"slices"
	"strconv"
	"strings"
)

// Finding the header line when Options.HeaderLine is 0.
//
// The output is cut into blocks of non-blank lines. In each block, the
// lines near its top that look like a header (no token is a number, a
// percent or a size, not only "----" rules) are candidates: titles
// ("Kernel IP routing table"), group lines (vmstat's "procs ---memory---")
// and the real header. A candidate is scored by how many of its words line
// up, by their left or right edge, with the tokens of the lines under it
// (anchorScore), and by how close its word count is to the number of cells
// the rows fill (countScore: a title or a group line has fewer words than
// the table has columns). A later candidate wins when it lines up clearly
// better, or about as well and scores clearly better in all; but not
// when its words line up with three quarters of a good header found before
// it, holding the same kinds of values as the rows: then it is a data row
// made only of words (systemctl list-sockets, dpkg -l). A one-word line is
// a header only when no longer line is.
//
// The header is the best candidate of the first block where it has rows
// under it; failing that (a header with no rows, as `w` with nobody logged
// in), of the first block with a candidate.

const (
	maxTitleLines = 10  // a header is among the first lines of its block
	scoreSample   = 200 // rows used to score a candidate
	maxColumns    = 128 // a line with more words is not a header
)

// tableSpec is one table found in the output.
type tableSpec struct {
	anchor float64 // anchorScore of the header with its rows
	hdr    int     // index of the header line
	group  string  // the group line above the header ("---reads--- ---writes---"), or ""
	title  string  // the title line above the header ("Internet:"), or ""
	rows   []int   // indexes of the row lines
	// sections are the titled blocks joined into this one because their
	// headers are the same (see appendSpec); nil when none was joined.
	sections []lineSection
}

// lineSection is a titled block's rows, by input line: lines[lo..hi].
type lineSection struct {
	title  string
	lo, hi int
}

// ownSection is spec's own rows as a section under its title.
func (spec tableSpec) ownSection() lineSection {
	return lineSection{spec.title, slices.Min(spec.rows), slices.Max(spec.rows)}
}

// findTables finds the tables of the output from index first on. Each
// block of non-blank lines holds at most one header among its first lines
// (the best candidate, see bestHeader); its rows run to the end of the
// block, or to a line where another table starts inside the block (a
// title or header of labels after rows, as netstat prints its UNIX
// sockets under its TCP ones). A table whose header repeats an earlier
// one's adds its rows to it (iostat's intervals). A header with no rows
// is a table only when no header has rows (`w` with nobody logged in),
// or when it ends its block and the next block has no header and as many
// words as it on every line: those lines are its rows (/proc/partitions
// prints a blank line under its header).
func findTables(lines []string, first int) []tableSpec {
	var specs []tableSpec
	var empty []tableSpec
	lone := false // the last block ended with a header with no rows
	// cont is the header of the table whose rows ran to the end of the
	// last block, specs[contIdx]; its line is -1 for none.
	cont, contIdx := candidate{line: -1}, -1
	for b0, b1 := range blocks(lines, first) {
		if n := len(empty); lone && n > 0 {
			lone = false
			if rows := loneRows(lines, b0, b1, lines[empty[n-1].hdr]); rows != nil {
				spec := empty[n-1]
				spec.rows, spec.anchor = rows, 1
				empty = empty[:n-1]
				specs = append(specs, spec)
				continue
			}
		}
		if cont.line >= 0 {
			// A page of rows of the table above, after a blank line.
			if rows := pageRows(lines, b0, b1, &cont); rows != nil {
				specs[contIdx].rows = append(specs[contIdx].rows, rows...)
				continue
			}
			cont.line = -1
		}
		titled := -1 // the header line under a title found by startsTable
		for s := b0; s < b1; {
			if end := pairRows(lines, s, b1); end > s+1 {
				// A header and its rows under the same label
				// (/proc/net/snmp's "Tcp: RtoMin" over "Tcp: 200").
				spec := tableSpec{hdr: s, rows: collectRows(lines, s, s, end), anchor: 1}
				specs = appendSpec(lines, specs, spec)
				s = end
				continue
			}
			var best candidate
			if titled == s+1 {
				best = headerAt(lines, titled, b1)
			} else {
				best = bestHeader(lines, s, b1)
			}
			if best.line < 0 {
				break
			}
			end := b1
			var buf []token
			for i := best.line + 2; i < b1; i++ {
				if !upperStart(lines[i]) && (i+1 == b1 || !upperStart(lines[i+1])) || manyDigitWords(lines[i]) {
					// Quick tests: a header of labels starts with a
					// capital, and no header has many words with digits.
					continue
				}
				buf = tokenize(lines[i], buf[:0])
				if starts, t := startsTable(lines, i, b1, buf, &best); starts {
					end = i
					if t {
						titled = i + 1
					}
					break
				}
			}
			if end < b1 {
				// Another table starts inside the block: score the
				// header with its own rows only.
				rows, _, _ := tokenizeRows(lines[best.line+1:end], nil, scoreSample)
				best.anchor = anchorScore(best.words, rows)
			}
			spec := tableSpec{hdr: best.line, rows: collectRows(lines, s, best.line, end), anchor: best.anchor}
			if best.line > s && (groupLine(lines[best.line-1]) || spacedGroups(lines[best.line-1], lines[best.line])) {
				spec.group = lines[best.line-1]
			} else {
				spec.title = titleAbove(lines, first, s, best.line)
			}
			n := len(specs)
			cont.line = -1
			if r := len(spec.rows); r > 0 && end == b1 && spec.rows[r-1] == b1-1 {
				cont = best
				contIdx = slices.IndexFunc(specs, func(o tableSpec) bool {
					return sameHeader(lines[o.hdr], lines[spec.hdr]) && sameSpans(lines[o.hdr], lines[spec.hdr])
				})
				if contIdx < 0 {
					contIdx = n
				}
			}
			switch specs = appendSpec(lines, specs, spec); {
			case len(specs) > n || len(spec.rows) > 0:
			default:
				empty = append(empty, spec)
				lone = spec.hdr == b1-1
			}
			s = end
		}
	}
	if len(specs) == 0 {
		if len(empty) > 0 {
			return empty[:1]
		}
		return nil
	}
	// Of several tables, one whose rows hardly line up with its header
	// is prose (systemctl's legend "LOAD   = Reflects whether ...").
	kept := specs[:0]
	for _, s := range specs {
		if s.anchor >= 0.5 || len(specs) == 1 || numericRows(lines, s.rows) {
			kept = append(kept, s)
		}
	}
	if len(kept) == 0 {
		return specs[:1]
	}
	return kept
}

// pageRows returns the lines of block [b0, b1) as more rows of the table
// of header h, whose rows ran to the end of the block above, or nil: no
// line repeats the header, and every line is a data row of h (see
// dataRow) or lines up with the rows above (see pageRow). A long table
// paged with blank lines (ps through a pager) goes on so; a footer, a
// legend or the title of another table does not line up so.
func pageRows(lines []string, b0, b1 int, h *candidate) []int {
	var rows []int
	var buf []token
	for i := b0; i < b1; i++ {
		if sameHeader(lines[i], lines[h.line]) {
			return nil
		}
		buf = tokenize(lines[i], buf[:0])
		if !h.dataRow(lines[i], buf) && !pageRow(lines[i], buf, h.rows, h.texts) {
			return nil
		}
		rows = append(rows, i)
	}
	return rows
}

// pageRow reports whether a line of tokens toks lines up with the rows
// of a table (texts are their lines): it has as many tokens as some row,
// at least two, and three in four of its tokens start where a token of
// the rows starts or end where one ends, holding the same kind of value
// (a number, or a word) as that token, or a placeholder ("-").
func pageRow(line string, toks []token, rows [][]token, texts []string) bool {
	if len(toks) < 2 || len(rows) == 0 {
		return false
	}
	lo, hi := len(rows[0]), len(rows[0])
	for _, r := range rows {
		lo, hi = min(lo, len(r)), max(hi, len(r))
	}
	if len(toks) < lo || len(toks) > hi {
		return false
	}
	lined := 0
	for _, t := range toks {
		num := numeric(line[t.bs:t.be])
	rows:
		for r, row := range rows {
			for _, u := range row {
				if (u.cs == t.cs || u.ce == t.ce) && (t.ph || u.ph || numeric(texts[r][u.bs:u.be]) == num) {
					lined++
					break rows
				}
				if u.cs > t.ce {
					break
				}
			}
		}
	}
	return 4*lined >= 3*len(toks)
}

// titleAbove returns the title of the table whose header is line h, its
// block's lines starting at s: the line right above the header in the
// block, or, for a header that starts its block, the one line of the
// block before it ("Internet:", a blank line, then the header), without
// a trailing ":"; or "".
func titleAbove(lines []string, first, s, h int) string {
	t := ""
	switch {
	case h > s:
		t = lines[h-1]
	case h-2 >= first && isBlank(lines[h-1]) && !isBlank(lines[h-2]) && (h-3 < first || isBlank(lines[h-3])):
		t = lines[h-2]
	}
	return strings.TrimSuffix(strings.TrimSpace(t), ":")
}

// appendSpec adds a table found to specs, or its rows to an earlier
// table whose header it repeats (see sameHeader and sameSpans). A table
// with no rows is not added.
func appendSpec(lines []string, specs []tableSpec, spec tableSpec) []tableSpec {
	for k := range specs {
		if sameHeader(lines[specs[k].hdr], lines[spec.hdr]) && sameSpans(lines[specs[k].hdr], lines[spec.hdr]) {
			// Titled blocks stay selectable by their titles (Options.Table).
			if spec.title != "" && len(spec.rows) > 0 {
				if specs[k].sections == nil && specs[k].title != "" && len(specs[k].rows) > 0 {
					specs[k].sections = []lineSection{specs[k].ownSection()}
				}
				specs[k].sections = append(specs[k].sections, spec.ownSection())
			}
			specs[k].rows = append(specs[k].rows, spec.rows...)
			return specs
		}
	}
	if len(spec.rows) > 0 {
		specs = append(specs, spec)
	}
	return specs
}

// pairRows returns the end of the rows of a header at line s that pairs
// with them by a first word ending in ":" ("Tcp: RtoAlgorithm RtoMin"
// over "Tcp: 1 200"), or s: after that label, the line holds words and
// no number, and the next line starts with the same label and holds
// numbers only, as many. The rows are the lines after it that start with
// that label and hold numbers only; the next pair, or any other line,
// ends them.
func pairRows(lines []string, s, b1 int) int {
	if s+1 >= b1 {
		return s
	}
	w, rest := firstWord(lines[s])
	if !labelColon(w) {
		return s
	}
	labels := strings.Fields(rest)
	if len(labels) == 0 || slices.ContainsFunc(labels, numeric) {
		return s
	}
	end := s + 1
	for end < b1 {
		wi, ri := firstWord(lines[end])
		vals := strings.Fields(ri)
		if wi != w || len(vals) == 0 || !allNumbers(vals) || end == s+1 && len(vals) != len(labels) {
			break
		}
		end++
	}
	if end == s+1 {
		return s
	}
	return end
}

// allNumbers reports whether every word reads as a number.
func allNumbers(words []string) bool {
	for _, v := range words {
		if _, _, _, ok := parseNumber(v); !ok {
			return false
		}
	}
	return true
}

// loneRows returns the lines of block [b0, b1) as the rows of a header
// printed alone above it, or nil: no line of the block looks like a
// header, and every line has as many words as the header.
func loneRows(lines []string, b0, b1 int, hdr string) []int {
	n := countWords(hdr)
	var rows []int
	var buf []token
	for i := b0; i < b1; i++ {
		buf = tokenize(lines[i], buf[:0])
		if len(buf) != n || headerLike(lines[i], buf) {
			return nil
		}
		rows = append(rows, i)
	}
	return rows
}

// sameHeader reports whether two header lines name the same columns: the
// same words, or the same words after a first one that is the time of
// the report or a label ending in ":" (sar prints its header again for
// each interval, "13:07:58  IFACE  rxpck/s", and for the averages,
// "Average:  IFACE  rxpck/s").
func sameHeader(a, b string) bool {
	if sameWords(a, b) {
		return true
	}
	fa, ra := firstWord(a)
	fb, rb := firstWord(b)
	stamp := func(w string) bool { return isClock(w) || (len(w) > 1 && strings.HasSuffix(w, ":")) }
	return ra != "" && stamp(fa) && stamp(fb) && sameWords(stripMeridiem(ra), stripMeridiem(rb))
}

// sameSpans reports whether two header lines put their words (after the
// first, which may be the time of the report) at the same places. The
// same words elsewhere head another block of the same table, laid out
// for its own rows (macOS netstat -r's Internet6 routes, wider than its
// Internet ones): it is read alone, then its rows join the table (see
// mergeTables).
func sameSpans(a, b string) bool {
	ta, tb := tokenize(a, nil), tokenize(b, nil)
	if len(ta) != len(tb) {
		return false
	}
	for i := 1; i < len(ta); i++ {
		if ta[i].cs != tb[i].cs || ta[i].ce != tb[i].ce {
			return false
		}
	}
	return true
}

// firstWord splits a line into its first word and the rest.
func firstWord(s string) (string, string) {
	s = strings.TrimLeft(s, " ")
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// stripMeridiem drops the AM or PM of a 12-hour time that started the
// line ("10:16:24 AM  CPU" leaves "  CPU" after firstWord).
func stripMeridiem(rest string) string {
	w, r := firstWord(rest)
	if meridiem(w) {
		return r
	}
	return rest
}

// sameShape reports whether a header candidate that is not a line of
// labels has the shape of nine rows in ten under it: as
// many words, none a number but a leading time of day where the
// candidate has one too. Such a line is data of a
// headerless output (mount's "sysfs on /sys type sysfs (rw)").
func sameShape(line string, words []token, rows [][]token, texts []string) bool {
	if len(rows) == 0 {
		return false
	}
	// A time of day leading the line (sar's report time) is left out on
	// both sides: "19:45:25 running static" over "4:31 enabled static"
	// is data all the same.
	clock := isClock(line[words[0].bs:words[0].be])
	same := 0
	for r, row := range rows {
		if len(row) != len(words) {
			continue
		}
		ok := true
		for k, t := range row {
			if k == 0 && clock && isClock(texts[r][t.bs:t.be]) {
				continue
			}
			if numeric(texts[r][t.bs:t.be]) {
				ok = false
				break
			}
		}
		if ok {
			same++
		}
	}
	return 10*same >= 9*len(rows)
}

// bestHeader returns the best header candidate among the first lines of
// the block [b0, b1); line is -1 when no line looks like a header.
func bestHeader(lines []string, b0, b1 int) candidate {
	var hbuf []token
	best := candidate{line: -1}
	dataShape := -1    // the word count of a line found to be data
	dataAfter := false // a data line follows the best candidate
	noted := -1        // the header under a title with a note (notedTitle)
	for c := b0; c < b1 && c < b0+maxTitleLines; c++ {
		hbuf = tokenize(lines[c], hbuf[:0])
		if !headerLike(lines[c], hbuf) {
			dataAfter = dataAfter || (best.line >= 0 && !isRuleLine(lines[c], hbuf))
			continue
		}
		if c+2 < b1 && groupsOver(lines, c, b1, hbuf) {
			continue // a group line: the header is under it
		}
		if c+1 < b1 && notedTitle(lines[c], hbuf, lines[c+1]) {
			noted = c + 1
			continue // a title with a note: the header is under it
		}
		// A one-word line fits any table: it is a header only when
		// no longer line is.
		if best.line >= 0 && len(hbuf) == 1 && len(best.words) > 1 {
			continue
		}
		if best.line >= 0 && dataAfter && best.anchor >= 0.5 && labelHeader(lines[c], hbuf) && !sameWords(lines[c], lines[best.line]) {
			break // rows, then a header of labels: another table
		}
		cand := newCandidate(lines, c, b1, hbuf)
		if cand.label < labelMin && c != noted && (len(hbuf) == dataShape || sameShape(lines[c], cand.words, cand.rows, cand.texts)) {
			dataShape = len(hbuf)
			continue // a line of data like the rows under it (mount)
		}
		switch {
		case best.line < 0, len(best.words) == 1 && len(cand.words) > 1:
		case best.label < labelMin && cand.label >= labelMin && cand.anchor >= best.anchor-anchorMargin:
			// A line of labels under a line of lower-case words: the
			// first line was a data row (or a title) after all.
		case cand.label < labelMin && best.label >= labelMin && best.anchor < 1 && otherShape(best.words) &&
			cand.anchor == 1 && cand.count == 1 && len(cand.words) > len(best.words):
			// A phrase of labels one space apart that lines up with the
			// rows only in part, over a line of lower-case words that
			// names every column of the rows: the phrase is a title
			// ("Chain INPUT (policy ACCEPT)" over "target prot opt").
		case cand.label < labelMin && best.label >= labelMin:
			continue // data under a header of labels
		case best.dataRow(lines[c], hbuf):
			continue
		case !cand.better(&best):
			continue
		}
		best = cand
	}
	return best
}

// notedTitle reports whether a header-like line of tokens toks is a
// title over the header next: it ends in a note in parentheses of two
// words or more after a word or more ("Chain DOCKER (2 references)"),
// and next is a line of three words or more, more than the title's, with
// no digit and no such note, that looks like a header. A header word in
// parentheses ("(ms)") is one word. That header is taken even over rows
// of words shaped like it (no number in them, which sameShape reads as
// data).
func notedTitle(line string, toks []token, next string) bool {
	n := len(toks)
	if n < 3 || !strings.HasSuffix(line[toks[n-1].bs:toks[n-1].be], ")") {
		return false
	}
	k := n - 1
	for k > 0 && !strings.HasPrefix(line[toks[k].bs:toks[k].be], "(") {
		k--
	}
	if k < 1 || k == n-1 || strings.ContainsAny(line[toks[k].bs+1:toks[n-1].be-1], "()") {
		return false
	}
	if digits(next) > 0 || strings.ContainsAny(next, "()") {
		return false
	}
	nt := tokenize(next, nil)
	return len(nt) >= 3 && len(nt) > n && headerLike(next, nt)
}

// newCandidate scores line c, of tokens toks, as the header of the rows
// below it up to b1.
func newCandidate(lines []string, c, b1 int, toks []token) candidate {
	cand := candidate{line: c, words: append([]token(nil), toks...), label: labelShare(lines[c], toks)}
	cand.rows, cand.texts, _ = tokenizeRows(lines[c+1:b1], nil, scoreSample)
	cand.anchor = anchorScore(cand.words, cand.rows)
	cand.count = countScore(cand.words, cand.rows)
	return cand
}

// headerAt is the candidate of line c, known to be a header.
func headerAt(lines []string, c, b1 int) candidate {
	return newCandidate(lines, c, b1, tokenize(lines[c], nil))
}

// startsTable reports whether line i of a table's block starts another
// table: it looks like a header, is not a data row of the current header
// h, and it or the next line is a line of labels that does not repeat h.
//
// titled says line i is a title and the next line the header (see
// titledHeader).
func startsTable(lines []string, i, b1 int, toks []token, h *candidate) (starts, titled bool) {
	if !headerLike(lines[i], toks) || sameWords(lines[i], lines[h.line]) || h.dataRow(lines[i], toks) {
		return false, false
	}
	for j := i; j < min(i+2, b1); j++ {
		tj := toks
		if j != i {
			tj = tokenize(lines[j], nil)
			if !headerLike(lines[j], tj) {
				return false, false
			}
		}
		if len(tj) > 2 && labelShare(lines[j], tj) >= labelMin && !sameWords(lines[j], lines[h.line]) {
			return true, false
		}
	}
	t := titledHeader(lines, i, b1, h)
	return t, t
}

// numericRows reports whether most words of a table's rows (a sample of
// them) read as numbers: such rows are data, however loosely they line up
// with their header (macOS netstat's kernel control modules print
// right-aligned numbers under left-aligned labels); prose is words.
func numericRows(lines []string, rows []int) bool {
	nums, words := 0, 0
	for _, i := range rows[:min(len(rows), scoreSample)] {
		for _, w := range strings.Fields(lines[i]) {
			if numeric(w) {
				nums++
			} else {
				words++
			}
		}
	}
	return nums > words
}

// titledHeader reports whether line i, which looks like a header and is
// not a data row of the good header h, is a title over a header of words
// of any case over data: the next line looks like a header of three words
// or more, is not a data row of h and does not repeat it, and the line
// after it does not look like a header (macOS netstat's "Active kernel
// event sockets" over "pcb Proto Recv-Q Send-Q vendor class subcla").
func titledHeader(lines []string, i, b1 int, h *candidate) bool {
	if i+2 >= b1 || !upperStart(lines[i]) {
		return false
	}
	next := tokenize(lines[i+1], nil)
	if len(next) < 3 || !headerLike(lines[i+1], next) || sameWords(lines[i+1], lines[h.line]) || h.dataRow(lines[i+1], next) {
		return false
	}
	return !headerLike(lines[i+2], tokenize(lines[i+2], nil))
}

// labelHeader reports whether a header-like line is a line of labels
// wide enough to head a table of its own: three words or more, three in
// four of them labels.
func labelHeader(line string, toks []token) bool {
	return len(toks) > 2 && labelShare(line, toks) >= labelMin
}

// upperStart reports whether the first non-space byte of s is an
// upper-case letter.
func upperStart(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' {
			return isUpper(s[i])
		}
	}
	return false
}

// manyDigitWords reports, in one pass over the bytes, whether more than a
// quarter of a line's words hold a digit, which no header line has.
func manyDigitWords(s string) bool {
	words, withDigits := 0, 0
	in, dig := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' {
			if in && dig {
				withDigits++
			}
			in, dig = false, false
			continue
		}
		if !in {
			words++
			in = true
		}
		dig = dig || isDigit(c)
	}
	if in && dig {
		withDigits++
	}
	return 4*withDigits > words
}

// hexDigest reports whether a word is a long run of hex digits with a
// digit among them (a checksum, a container or commit ID): a value, which
// no header word is.
func hexDigest(s string) bool {
	if len(s) < 16 || digits(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; !isDigit(s[i]) && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// labelMin is the share of label words that makes a line of labels.
const labelMin = 0.75

// labelShare is the share of a line's words that read as labels: they
// start with an upper-case letter or a symbol that headers use ("%CPU",
// "#", "-") and hold no digit, or are a size unit's block header
// ("1K-blocks").
func labelShare(line string, toks []token) float64 {
	if len(toks) == 0 {
		return 0
	}
	n := 0
	for _, t := range toks {
		if labelWord(line[t.bs:t.be]) {
			n++
		}
	}
	return float64(n) / float64(len(toks))
}

func labelWord(w string) bool {
	if w == "" {
		return false
	}
	if digits(w) > 0 {
		return strings.HasSuffix(w, "-blocks")
	}
	c := w[0]
	if isUpper(c) {
		return true
	}
	return c == '%' || c == '#'
}

func digits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			n++
		}
	}
	return n
}

// groupLine reports whether a line names groups of columns with rules
// around the names ("procs ---memory--- ---swap--", "disk- ---reads---").
func groupLine(line string) bool {
	toks := tokenize(line, nil)
	if len(toks) < 2 {
		return false
	}
	ruled := 0
	for _, t := range toks {
		w := line[t.bs:t.be]
		if strings.HasPrefix(w, "--") || strings.HasSuffix(w, "--") || strings.HasSuffix(w, "-") {
			ruled++
		}
	}
	return 2*ruled >= len(toks)
}

// spacedGroups reports whether a line of words two spaces or more apart
// could name groups of the columns of the header under it: two words or
// more, none with a digit, at most half as many as the header has
// ("reads      writes" centred over "total merged ms total merged ms").
// A title is a phrase, its words one space apart.
func spacedGroups(line, hdr string) bool {
	toks := tokenize(line, nil)
	if len(toks) < 2 || 2*len(toks) > countWords(hdr) {
		return false
	}
	for k, t := range toks {
		if digits(line[t.bs:t.be]) > 0 || k > 0 && t.cs-toks[k-1].ce < 2 {
			return false
		}
	}
	return true
}

// groupsOver reports whether line c, of tokens toks, names groups of the
// columns of the next line rather than being the header (see
// spacedGroups): the next line looks like a header and lines up with the
// rows under it, half of its words or more, better than line c does.
func groupsOver(lines []string, c, b1 int, toks []token) bool {
	if len(toks) < 2 || !spacedGroups(lines[c], lines[c+1]) {
		return false
	}
	next := tokenize(lines[c+1], nil)
	if !headerLike(lines[c+1], next) {
		return false
	}
	h := newCandidate(lines, c+1, b1, next)
	if h.anchor < 0.5 {
		return false
	}
	g := newCandidate(lines, c, b1, toks)
	return h.anchor > g.anchor || h.anchor+h.count > g.anchor+g.count
}

// tokenizeRows tokenizes up to max lines, leaving out rules ("-----"),
// and keeps the rows that do not look like a header (a group line's rows
// hold the real header), unless that leaves none. It stops at a header of
// labels after a data row: the rows of another table. The rows share buf.
func tokenizeRows(lines []string, buf []token, max int) ([][]token, []string, []token) {
	type span struct {
		a, b int
		hdr  bool
		line string
	}
	spans := make([]span, 0, min(len(lines), max))
	data := 0
	for _, l := range lines {
		if len(spans) == max {
			break
		}
		a := len(buf)
		buf = tokenize(l, buf)
		if isRuleLine(l, buf[a:]) {
			buf = buf[:a]
			continue
		}
		h := headerLike(l, buf[a:])
		if h && data > 0 && labelHeader(l, buf[a:]) {
			// A header of labels after rows starts another table
			// (netstat's UNIX sockets under its TCP ones).
			buf = buf[:a]
			break
		}
		if !h {
			data++
		}
		spans = append(spans, span{a, len(buf), h, l})
	}
	rows := make([][]token, 0, len(spans))
	texts := make([]string, 0, len(spans))
	for _, s := range spans {
		if data == 0 || !s.hdr {
			rows = append(rows, buf[s.a:s.b:s.b])
			texts = append(texts, s.line)
		}
	}
	return rows, texts, buf
}

// headerLike reports whether a line could be a header: it has a token (at
// most maxColumns), no token is a number, a percent or a size with a unit
// ("1G"), and it is not a rule line.
func headerLike(line string, toks []token) bool {
	if len(toks) == 0 || len(toks) > maxColumns || isRuleLine(line, toks) {
		return false
	}
	// Words with digits are data ("ttyS0", a checksum, a date): at most
	// a quarter of the words. A unit ("1K-blocks"), a numbered label
	// ("ldavg-15") and a leading time (sar, mpstat and pidstat print the
	// time of the report where the first label would be) do not count.
	withDigits := 0
	series := numberedSeries(line, toks)
	for k, t := range toks {
		s := line[t.bs:t.be]
		if series || digits(s) == 0 || strings.HasSuffix(s, "-blocks") || numberedLabel(s) || rateLabel(s) || (k == 0 && isClock(s)) {
			continue
		}
		if isClock(s) {
			return false // a time of day after the first word is a value
		}
		if hexDigest(s) {
			return false // a checksum or an ID is a value
		}
		withDigits++
	}
	if 4*withDigits > len(toks) {
		return false
	}
	// "KEY = meaning" lines (a legend) are not headers, nor lines with
	// a placeholder after a time of day ("13:23:00  -  /dev/sda1").
	for k, t := range toks {
		if line[t.bs:t.be] == "=" || (k == 1 && t.ph && isClock(line[toks[0].bs:toks[0].be])) {
			return false
		}
	}
	for _, t := range toks {
		s := line[t.bs:t.be]
		if _, _, _, ok := parseNumber(s); ok {
			return false
		}
		if _, _, _, ok := parsePercent(s); ok {
			return false
		}
		if _, _, base, ok := sizeSuffix(s); ok && base != baseNone {
			if _, _, _, ok := parseBytes(s, 1024); ok {
				return false
			}
		}
	}
	return true
}

// numberedSeries reports whether the words of a line are one label
// numbered in order, two of them or more ("CPU0 CPU1 CPU2" over
// /proc/interrupts' counts): the same letters, then 0, 1, 2... or 1, 2,
// 3... Data words that carry digits do not count up one by one across a
// line.
func numberedSeries(line string, toks []token) bool {
	if len(toks) < 2 {
		return false
	}
	var prefix string
	first := 0
	for k, t := range toks {
		s := line[t.bs:t.be]
		i := len(s)
		for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
			i--
		}
		if i == 0 || i == len(s) || len(s)-i > 4 || (!isLower(s[i-1]) && !isUpper(s[i-1])) {
			return false
		}
		n, _ := strconv.Atoi(s[i:])
		if k == 0 {
			prefix, first = s[:i], n
			if n > 1 {
				return false
			}
		}
		if s[:i] != prefix || n != first+k {
			return false
		}
	}
	return true
}

// numberedLabel reports whether a word is a label with a number after a
// dash ("ldavg-15", "ldavg-1"): two letters or more, a "-", then digits
// only. A data word holds its digits elsewhere ("ttyS0", "sda1",
// "5-edge").
func numberedLabel(s string) bool {
	i := strings.LastIndexByte(s, '-')
	if i < 2 || i == len(s)-1 || !allDigits(s[i+1:]) {
		return false
	}
	for j := 0; j < i; j++ {
		if !isLower(s[j]) && !isUpper(s[j]) && s[j] != '_' {
			return false
		}
	}
	return true
}

// rateLabel reports whether a word with digits is a label of a rate:
// a number (an interrupt's, a device's) per a unit of letters, as mpstat
// names its per-interrupt columns "0/s", "12/s". A value with a unit
// has a fraction or a letter before the "/" ("1.5MB/s").
func rateLabel(s string) bool {
	i := strings.IndexByte(s, '/')
	if i < 1 || i == len(s)-1 || !allDigits(s[:i]) {
		return false
	}
	for j := i + 1; j < len(s); j++ {
		if !isLower(s[j]) && !isUpper(s[j]) {
			return false
		}
	}
	return true
}

// isRuleLine reports whether every token of a line is a rule ("-----").
func isRuleLine(line string, toks []token) bool {
	if len(toks) == 0 {
		return false
	}
	for _, t := range toks {
		if !isRule(line[t.bs:t.be]) {
			return false
		}
	}
	return true
}

// anchorScore is the share of header tokens that a third of the rows (at
// least one) line up with: a row token starts where the header token
// starts or ends where it ends.
func anchorScore(hdr []token, rows [][]token) float64 {
	if len(hdr) == 0 || len(rows) == 0 {
		return 0
	}
	anchored := 0
	for _, w := range hdr {
		n := 0
		for _, r := range rows {
			for _, t := range r {
				if t.cs == w.cs || t.ce == w.ce {
					n++
					break
				}
				if t.cs > w.ce {
					break
				}
			}
		}
		if n > 0 && 3*n >= len(rows) {
			anchored++
		}
	}
	return float64(anchored) / float64(len(hdr))
}

// countScore compares the number of header words with the number of
// columns the rows fill: their tokens that start before the last header
// word, plus one for the rest of the line (the last column takes it). It
// is 1 when equal, less the further apart, and 0.5 for a one-word line,
// which fits any row.
func countScore(words []token, rows [][]token) float64 {
	if len(words) == 0 || len(rows) == 0 {
		return 0
	}
	if len(words) == 1 {
		return 0.5
	}
	last := words[len(words)-1].cs
	counts := make([]int, len(rows))
	for i, r := range rows {
		n := 0
		for _, t := range r {
			if t.cs < last {
				n++
			} else {
				n++ // the last column
				break
			}
		}
		counts[i] = n
	}
	slices.Sort(counts)
	m := counts[len(counts)/2]
	w := len(words)
	return float64(min(w, m)) / float64(max(w, m))
}

// candidate is a line that could be the header of its block.
type candidate struct {
	line  int // index in lines, -1 for none
	words []token
	rows  [][]token // the data rows under it (a sample)
	texts []string  // the lines of rows

	anchor float64 // anchorScore
	count  float64 // countScore
	label  float64 // labelShare
}

const (
	anchorMargin = 0.3 // a later candidate must line up this much better,
	scoreMargin  = 0.3 // or about as well and score this much better in all
)

// better reports whether a later candidate c beats h: it lines up
// clearly better, or not clearly worse and scores clearly better in all,
// or it fits the rows perfectly with more words than h.
func (c *candidate) better(h *candidate) bool {
	if c.anchor == 1 && c.count == 1 && len(c.words) > len(h.words) && (h.anchor+h.count < 2 || otherShape(h.words)) {
		// Every word of c lines up with the rows and names one of
		// their columns, and h has fewer words and does not, or is a
		// phrase of words one space apart: h is a title whose words
		// line up with some values by chance ("Active Internet
		// connections (servers)").
		return true
	}
	switch d := c.anchor - h.anchor; {
	case d > anchorMargin:
		return true
	case d < -anchorMargin:
		return false
	}
	return c.anchor+c.count > h.anchor+h.count+scoreMargin
}

// dataRow reports whether a later line of the block is a data row of
// candidate h rather than a header: h is a good header (half of its words
// line up with its rows), three quarters of its words line up with the
// line, and there the line holds the same kind of value (a number, or a
// word) as most rows do. A vmstat header under its group line lines up
// too, but holds words where the rows hold numbers.
func (h *candidate) dataRow(line string, toks []token) bool {
	if h.line < 0 || len(h.words) == 0 || h.anchor < 0.5 {
		return false
	}
	lined, kinds, same := 0, 0, 0
	for _, w := range h.words {
		t, ok := anchoredTo(w, toks)
		if !ok {
			continue
		}
		lined++
		nums, words := 0, 0
		for r, row := range h.rows {
			if rt, ok := anchoredTo(w, row); ok {
				if numeric(h.texts[r][rt.bs:rt.be]) {
					nums++
				} else {
					words++
				}
			}
		}
		if nums+words == 0 {
			continue
		}
		kinds++
		if numeric(line[t.bs:t.be]) == (nums > words) {
			same++
		}
	}
	return 4*lined >= 3*len(h.words) && 4*same >= 3*kinds
}

// anchoredTo finds the token of a row that starts or ends with word w.
func anchoredTo(w token, row []token) (token, bool) {
	for _, t := range row {
		if t.cs == w.cs || t.ce == w.ce {
			return t, true
		}
		if t.cs > w.ce {
			break
		}
	}
	return token{}, false
}

// numeric reports whether a cell text reads as a number, a percent, a
// size or a duration, in C or in another locale's convention ("0,50",
// "1.234.567", "1,5G"; see numfmt.go), four dot-separated parts aside
// (an address).
func numeric(s string) bool {
	if cNumeric(s) {
		return true
	}
	if !mayBeLocal(s) || strings.Count(s, ".") == 3 {
		return false
	}
	for _, f := range localFormats {
		if _, ok := localNumber(s, f); ok {
			return true
		}
	}
	return false
}

// cNumeric is numeric in the C convention.
func cNumeric(s string) bool {
	if _, _, _, ok := parseNumber(s); ok {
		return true
	}
	if _, _, _, ok := parsePercent(s); ok {
		return true
	}
	if _, _, _, ok := parseBytes(s, 1024); ok {
		return true
	}
	_, ok := parseDuration(s)
	return ok
}
