package parse

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ParseTable reads a command's output into a Table: the one Options.Table
// names, else the first with rows (see ParseTables).
//
// It never panics: an internal failure is returned as an error.
func ParseTable(text string, opt Options) (t *Table, err error) {
	tabs, err := ParseTables(text, opt)
	if err != nil {
		return nil, err
	}
	return pickTable(tabs, opt.Table)
}

// ParseTables reads every table of a command's output.
//
// The header line is Options.HeaderLine, else Options.Header (given text,
// for output that prints none), else each table's header is guessed (see
// header.go and findTables). The rows of a table are the non-blank lines
// under its header up to a blank line or the title and header of another
// table; lines equal to the header or to the title lines above it (vmstat
// and iostat repeat them) are left out, a later block under the same
// header adds rows to the same table (iostat's intervals), and blocks with
// no header (legends, footers such as "334 loaded units listed.") are
// not rows. Rule lines ("-----") are left out too; a rule under the rows
// closes the table (what follows it, "total 1234", is a footer), and so
// does a last line that is one note in parentheses ("(3 rows)"). A block
// after a blank line that has no header and lines up with the rows above
// is more rows of the same table (a long table paged with blank lines).
// Line ends may be CRLF; terminal escape sequences (colours, hyperlinks)
// are dropped, they take no width (stripEscapes).
//
// Output with no header line reads as positional columns "#1".."#N"
// (positional.go); a single line of output is one value (column "value")
// unless Options.HasHeader says it is a header.
//
// Columns come from the header words and the data alignment (columns.go),
// cells from a per-row fit (assign.go): values may hold spaces, the last
// column takes the rest of the line, and a row wrapped over two lines
// (busybox df's long device names) is joined back.
//
// It never panics: an internal failure is returned as an error.
func ParseTables(text string, opt Options) (ts []*Table, err error) {
	defer func() {
		if r := recover(); r != nil {
			ts, err = nil, fmt.Errorf("internal error parsing table: %v", r)
		}
	}()
	return parseTables(text, opt)
}

// pickTable returns the table that name selects (see Options.Table).
func pickTable(tabs []*Table, name string) (*Table, error) {
	if name == "" {
		for _, t := range tabs {
			if len(t.Rows) > 0 {
				return t, nil
			}
		}
		return tabs[0], nil
	}
	if n, err := strconv.Atoi(name); err == nil {
		if n >= 1 && n <= len(tabs) {
			return tabs[n-1], nil
		}
		return nil, fmt.Errorf("table %d: the output has %d table(s)", n, len(tabs))
	}
	want := strings.TrimSuffix(strings.TrimSpace(name), ":")
	names := make([]string, len(tabs))
	for i, t := range tabs {
		if t.Name == want {
			return t, nil
		}
		names[i] = strconv.Quote(t.Name)
	}
	for _, t := range tabs {
		var rows []Row
		found := false
		for _, sec := range t.sections {
			if sec.title == want {
				found = true
				rows = append(rows, t.Rows[sec.from:sec.to]...)
			}
		}
		if !found {
			continue
		}
		if len(rows) == len(t.Rows) {
			return t, nil
		}
		// The sections of a table merged from several that bear this
		// title: their rows only.
		part := *t
		part.Title, part.Rows, part.sections = want, rows, []section{{want, 0, len(rows)}}
		part.cache = &tableCache{} // its types and bases are its own rows', never the whole table's
		return &part, nil
	}
	return nil, fmt.Errorf("no table %q: the tables are %s (or 1..%d)", name, strings.Join(names, ", "), len(tabs))
}

func parseTables(text string, opt Options) ([]*Table, error) {
	if opt.SkipLines < 0 {
		return nil, fmt.Errorf("skip-lines must not be negative, got %d", opt.SkipLines)
	}
	if opt.HeaderLine < 0 {
		return nil, fmt.Errorf("header-line must not be negative, got %d", opt.HeaderLine)
	}
	if opt.SizeBase != 0 && opt.SizeBase != 1000 && opt.SizeBase != 1024 {
		return nil, fmt.Errorf("size base must be 1000 or 1024, got %d", opt.SizeBase)
	}
	lines := splitLines(text)
	first := min(opt.SkipLines, len(lines))
	if opt.NoHeader {
		return []*Table{valueTable(lines, first, opt)}, nil
	}
	tabbed := tabSeparated(lines, first)
	for i := first; i < len(lines); i++ {
		lines[i] = expandTabs(lines[i])
	}
	bars := barLabels(lines, first)

	var hdr string
	var rowIdx []int
	switch {
	case opt.HeaderLine > 0:
		h := first + opt.HeaderLine - 1
		if h >= len(lines) {
			return nil, fmt.Errorf("header-line %d is past the end of the output (%d lines)", opt.HeaderLine, len(lines)-first)
		}
		if isBlank(lines[h]) {
			return nil, fmt.Errorf("header-line %d is blank", opt.HeaderLine)
		}
		hdr = lines[h]
		rowIdx = collectRows(lines, first, h, len(lines))
	case opt.Header != "":
		hdr = expandTabs(stripEscapes(strings.TrimRight(opt.Header, "\r\n")))
		if isBlank(hdr) {
			return nil, fmt.Errorf("header text is blank")
		}
		for i := first; i < len(lines); i++ {
			if !isBlank(lines[i]) && !sameWords(lines[i], hdr) {
				rowIdx = append(rowIdx, i)
			}
		}
	default:
		nonBlank := 0
		for i := first; i < len(lines) && nonBlank < 2; i++ {
			if !isBlank(lines[i]) {
				nonBlank++
			}
		}
		headed := opt.HasHeader == nil || *opt.HasHeader
		switch {
		case nonBlank == 0:
			return nil, fmt.Errorf("no table: the output is empty")
		case nonBlank == 1 && opt.HasHeader == nil:
			return []*Table{valueTable(lines, first, opt)}, nil
		case !headed:
			return []*Table{positionalTable(lines, first, tabbed, opt)}, nil
		}
		specs := dropKeyBlocks(lines, findTables(lines, first))
		for k, s := range specs {
			if g, ok := bars[s.hdr-1]; ok && s.hdr > first {
				specs[k].group = g
			}
		}
		if len(specs) == 0 {
			if opt.HasHeader != nil {
				return nil, fmt.Errorf("no header line found (every line holds numbers); set header-line, or header: false for positional columns #1..#N")
			}
			return []*Table{positionalTable(lines, first, tabbed, opt)}, nil
		}
		if h := specs[0].hdr; len(specs) == 1 && countWords(lines[h]) == 1 && columnRows(lines, specs[0].rows) {
			// One word over rows of aligned columns is a title
			// ("#kernel" above nstat's counters): the rows have no
			// header.
			return []*Table{positionalTable(lines, h+1, tabbed, opt)}, nil
		}
		tabs := make([]*Table, len(specs))
		for i, s := range specs {
			if n := countWords(lines[s.hdr]); n > maxColumns {
				return nil, fmt.Errorf("the header has %d words; at most %d columns are read", n, maxColumns)
			}
			if tt, ok := tabTable(tabbed, s.hdr, s.rows, opt); ok {
				tabs[i] = tt
				continue
			}
			if tt, ok := delimTable(lines, s.hdr, s.rows, opt); ok {
				tabs[i] = tt
				continue
			}
			tabs[i] = buildTable(lines, lines[s.hdr], s.group, s.rows, opt)
		}
		for i, s := range specs {
			tabs[i].Title = s.title
			switch {
			case s.sections != nil:
				tabs[i].sections = rowSections(tabs[i].Rows, s.sections)
			case s.title != "":
				tabs[i].sections = []section{{s.title, 0, len(tabs[i].Rows)}}
			}
		}
		return mergeTables(tabs), nil
	}
	if n := countWords(hdr); n > maxColumns {
		return nil, fmt.Errorf("the header has %d words; at most %d columns are read", n, maxColumns)
	}
	return []*Table{buildTable(lines, hdr, "", rowIdx, opt)}, nil
}

// dropKeyBlocks leaves out the tables read from a block of "Key: value"
// lines, their header too, when a table that is not one follows: such a
// block describes what the table lists (sfdisk -l's "Disk model: ...",
// "Units: sectors of 1 * 512 = 512 bytes" above its partitions), its
// words are not columns. A header ending in a colon over rows of values
// ("avg-cpu:  %user  %nice" over iostat's numbers) is a table.
func dropKeyBlocks(lines []string, specs []tableSpec) []tableSpec {
	if len(specs) < 2 {
		return specs
	}
	keyed := make([]bool, len(specs))
	last := -1 // the last table that is not a block of keys
	for k, spec := range specs {
		keyed[k] = len(spec.rows) > 0 && keyLine(lines[spec.hdr])
		for _, i := range spec.rows {
			keyed[k] = keyed[k] && keyLine(lines[i])
		}
		if !keyed[k] && len(spec.rows) > 0 {
			last = k
		}
	}
	out := specs[:0]
	for k, spec := range specs {
		if !keyed[k] || k > last {
			out = append(out, spec)
		}
	}
	return out
}

// keyLine reports whether a line is "Key: value": one of its first three
// words ends in ":" and is a label, not a time or an address ("Disk
// model:", "Sector size (logical/physical):", "Disk /dev/sda:"), and a
// value follows it.
func keyLine(line string) bool {
	f := strings.Fields(line)
	for k := 0; k < min(3, len(f)-1); k++ {
		w := f[k]
		if len(w) > 1 && strings.HasSuffix(w, ":") && !strings.HasSuffix(w, "::") && !isClock(strings.TrimSuffix(w, ":")) && letters(w) {
			return true
		}
	}
	return false
}

// letters reports whether s holds a letter.
func letters(s string) bool {
	for i := 0; i < len(s); i++ {
		if isLetter(s[i]) {
			return true
		}
	}
	return false
}

// barLabels blanks the "|" of the lines of labels at the top of a block
// whose other lines hold none (/proc/net/dev's "Inter-|   Receive   |
// Transmit" over " face |bytes    packets|bytes"): there a "|" sets
// groups and labels apart as a space would. It returns those lines as
// they were, by index, so that a group line keeps its segments (see
// groupSpans). Tables drawn with "|" hold it in their rows too
// (delimited.go).
func barLabels(lines []string, first int) map[int]string {
	var out map[int]string
	for b0, b1 := range blocks(lines, first) {
		top := b0
		for top < b1 && top < b0+2 && strings.IndexByte(lines[top], '|') >= 0 && digits(lines[top]) == 0 {
			top++
		}
		rest := top > b0 && top < b1
		for i := top; rest && i < b1; i++ {
			rest = strings.IndexByte(lines[i], '|') < 0
		}
		if rest {
			if out == nil {
				out = map[int]string{}
			}
			for i := b0; i < top; i++ {
				out[i] = lines[i]
				lines[i] = strings.ReplaceAll(lines[i], "|", " ")
			}
		}
	}
	return out
}

// columnRows reports whether nine rows in ten hold two words or more
// set apart by two spaces or more somewhere: values in aligned columns, not
// one value with spaces in it.
func columnRows(lines []string, rows []int) bool {
	if len(rows) == 0 {
		return false
	}
	n := 0
	var buf []token
	for _, i := range rows {
		buf = tokenize(lines[i], buf[:0])
		for m := 1; m < len(buf); m++ {
			if buf[m].cs-buf[m-1].ce >= 2 {
				n++
				break
			}
		}
	}
	return 10*n >= 9*len(rows)
}

// mergeTables adds the rows of a table to an earlier one with the same
// name and column names: the same table printed again with its own
// layout (see sameSpans). The same goes for a table printed again with
// some columns left out, as a section of the output that has no use for
// them (macOS netstat -r's Internet6 routes have no Refs and Use): its
// column names are three or more, half of the other's or more, and all
// the other's in the same order; the table has all the columns and
// leaves the missing cells blank.
func mergeTables(tabs []*Table) []*Table {
	out := tabs[:0]
	for _, t := range tabs {
		merged := false
		for _, o := range out {
			if o.Name != t.Name || len(o.Parts) != len(t.Parts) {
				continue
			}
			if slices.Equal(o.Header, t.Header) {
				o.appendRows(t, t.Rows)
				merged = true
				break
			}
			if len(o.Parts) > 0 {
				continue
			}
			if fewerColumns(t.Header, o.Header) {
				o.appendRows(t, widenRows(t.Rows, t.Header, o.Header))
				merged = true
				break
			}
			if fewerColumns(o.Header, t.Header) {
				o.Rows = widenRows(o.Rows, o.Header, t.Header)
				o.Header = t.Header
				o.cache = t.cache
				o.appendRows(t, t.Rows)
				merged = true
				break
			}
		}
		if !merged {
			out = append(out, t)
		}
	}
	return out
}

// rowSections turns sections by input line into sections by row: the
// rows that start within each one's lines.
func rowSections(rows []Row, secs []lineSection) []section {
	out := make([]section, 0, len(secs))
	for _, ls := range secs {
		from := 0
		for from < len(rows) && rows[from].Line-1 < ls.lo {
			from++
		}
		to := from
		for to < len(rows) && rows[to].Line-1 <= ls.hi {
			to++
		}
		out = append(out, section{ls.title, from, to})
	}
	return out
}

// appendRows appends rows, t's read in o's columns, to o, keeping t's
// titled sections selectable (Options.Table by title gives a section's
// rows only).
func (o *Table) appendRows(t *Table, rows []Row) {
	at := len(o.Rows)
	o.Rows = append(o.Rows, rows...)
	for _, sec := range t.sections {
		o.sections = append(o.sections, section{sec.title, at + sec.from, at + sec.to})
	}
}

// fewerColumns reports whether header a is header b with some columns
// left out (see mergeTables).
func fewerColumns(a, b []string) bool {
	if len(a) < 3 || len(a) >= len(b) || 2*len(a) < len(b) {
		return false
	}
	i := 0
	for _, w := range b {
		if i < len(a) && a[i] == w {
			i++
		}
	}
	return i == len(a)
}

// widenRows lays rows of header a out under header b, which holds a's
// names in the same order: the cells of b's other columns are blank.
func widenRows(rows []Row, a, b []string) []Row {
	idx := make([]int, len(a))
	j := 0
	for i, w := range a {
		for b[j] != w {
			j++
		}
		idx[i] = j
		j++
	}
	out := make([]Row, len(rows))
	for r, row := range rows {
		cells := make([]string, len(b))
		for i, c := range row.Cells {
			cells[idx[i]] = c
		}
		out[r] = Row{Line: row.Line, Cells: cells, Short: cells[len(b)-1] == ""}
	}
	return out
}

// valueTable is the no-header table: one column "value", one row per
// non-blank line (trimmed, tabs and control characters made spaces).
func valueTable(lines []string, first int, opt Options) *Table {
	t := &Table{Header: []string{"value"}, cache: &tableCache{}, sizeBase: opt.SizeBase}
	for n := first; n < len(lines); n++ {
		if s := strings.TrimSpace(expandTabs(lines[n])); s != "" {
			t.Rows = append(t.Rows, Row{Line: n + 1, Cells: []string{s}})
		}
	}
	return t
}

// collectRows lists the indexes of the row lines of header line h, up to
// line end.
func collectRows(lines []string, first, h, end int) []int {
	// The lines above the header in its block (titles, group lines) are
	// left out when repeated, as is the header itself.
	skip := []string{lines[h]}
	for i := h - 1; i >= first && !isBlank(lines[i]); i-- {
		skip = append(skip, lines[i])
	}
	var rows []int
	in := true
	ruled := -1      // the number of rows above the last rule that follows rows
	underHdr := true // no row since the header (or its repeat)
	for i := h + 1; i < end; i++ {
		l := lines[i]
		if isBlank(l) {
			in = false
			continue
		}
		if !in {
			in = sameWords(l, lines[h])
			underHdr = underHdr || in
			continue
		}
		if slices.ContainsFunc(skip, func(s string) bool { return sameWords(l, s) }) {
			underHdr = true
			continue
		}
		if isRuleText(l) {
			if !underHdr {
				ruled = len(rows)
			}
			continue
		}
		if !hasToken(l) {
			continue
		}
		rows = append(rows, i)
		underHdr = false
	}
	if ruled > 0 && ruled < len(rows) {
		// A rule under the rows closes the table: what follows it
		// ("total 1234", "3 entries listed.") is a footer.
		rows = rows[:ruled]
	}
	if n := len(rows); n > 1 && (summaryLine(lines[rows[n-1]], lines, rows[:n-1]) || parenFooter(lines[rows[n-1]], lines, rows[:n-1])) {
		rows = rows[:n-1]
	}
	return rows
}

// parenFooter reports whether the last line of a table is a note in
// parentheses rather than a row: the whole line is "(...)" with a space
// inside, and no row before it starts with "(" (psql's "(3 rows)").
func parenFooter(last string, lines []string, rows []int) bool {
	s := strings.TrimSpace(last)
	if len(s) < 3 || s[0] != '(' || s[len(s)-1] != ')' || strings.IndexByte(s, ' ') < 0 || strings.IndexByte(s[1:], '(') >= 0 {
		return false
	}
	for _, i := range rows {
		if strings.HasPrefix(strings.TrimSpace(lines[i]), "(") {
			return false
		}
	}
	return true
}

// summaryLine reports whether the last line of a table is a summary of
// it rather than a row: it holds two "Label: value" pairs or more, and no
// row before it holds a word ending in ":" (arp -v's "Entries: 2
// Skipped: 0 Found: 2"). sar's "Average:" row holds one such word.
func summaryLine(last string, lines []string, rows []int) bool {
	f := strings.Fields(last)
	pairs := 0
	for k := 0; k+1 < len(f); k++ {
		if labelColon(f[k]) && !strings.HasSuffix(f[k+1], ":") {
			pairs++
			k++
		}
	}
	if pairs < 2 {
		return false
	}
	for _, i := range rows {
		for _, w := range strings.Fields(lines[i]) {
			if strings.HasSuffix(w, ":") {
				return false
			}
		}
	}
	return true
}

// labelColon reports whether a word is a label ending in ":" ("Entries:"),
// not a time or an address ("10:", "fe80::").
func labelColon(w string) bool {
	return len(w) > 1 && strings.HasSuffix(w, ":") && digits(w) == 0 && isLetter(w[0])
}

// buildTable lays out the columns and fills the rows.
func buildTable(lines []string, hdr, group string, rowIdx []int, opt Options) *Table {
	htoks := tokenize(hdr, nil)
	ntok := 0
	for _, i := range rowIdx {
		ntok += countWords(lines[i])
	}
	all := make([]token, 0, ntok)
	offs := make([]int, 0, len(rowIdx)+1)
	for _, i := range rowIdx {
		offs = append(offs, len(all))
		all = tokenize(lines[i], all)
	}
	offs = append(offs, len(all))
	rows := make([][]token, len(rowIdx))
	for r, i := range rowIdx {
		// A date and time printed as one value ("2026-12-02 07:54" under
		// who's TIME) is one token, so that a blank column after it in a
		// sparse row does not take its time.
		rows[r] = headedDateUnits(lines[i], all[offs[r]:offs[r+1]:offs[r+1]], htoks)
	}

	cols := buildColumns(hdr, htoks, rows)
	names := nameColumns(cols, group, rows)
	t := fillTable(lines, rowIdx, rows, cols, names, opt)
	if dropCommentMark(t) {
		htoks = htoks[1:]
	}
	addParts(t)
	if len(htoks) > 0 {
		t.Name = strings.TrimSuffix(hdr[htoks[0].bs:htoks[0].be], ":")
	}
	return t
}

// dropCommentMark drops a first column headed "#" that holds nothing in
// any row: the mark comments the header line out ("#      Time   UID" of
// pidstat -h), it names no column.
func dropCommentMark(t *Table) bool {
	if len(t.Header) < 2 || t.Header[0] != "#" || len(t.Rows) == 0 {
		return false
	}
	for _, r := range t.Rows {
		if r.Cells[0] != "" {
			return false
		}
	}
	t.Header = t.Header[1:]
	for i := range t.Rows {
		t.Rows[i].Cells = t.Rows[i].Cells[1:]
	}
	return true
}

// fillTable fits each row's tokens to the columns.
func fillTable(lines []string, rowIdx []int, rows [][]token, cols []column, names []string, opt Options) *Table {
	t := &Table{Header: names, cache: &tableCache{}, sizeBase: opt.SizeBase}
	if len(cols) == 0 {
		return t
	}
	k := len(cols)
	a := &assigner{cols: cols, overflow: true}
	spans := make([]cellSpan, k)
	slab := make([]string, len(rows)*k)
	t.Rows = make([]Row, 0, len(rows))
	filled := make([][2]int, 0, len(rows)) // first and last non-empty column
	byCount := oneTokenEach(a, rows, spans) || alignedTokens(lines, rowIdx, rows, k) || exactTokens(rows, cols)
	short := !byCount && k > 2 && shiftedRows(sampleRows(rows, layoutSample), k-1, columnSpans(cols))
	for r, toks := range rows {
		line := lines[rowIdx[r]]
		switch {
		case short && len(toks) == k-1:
			// Values in order, the last column blank (shiftedRows).
			for i := range spans {
				spans[i] = cellSpan{min(i, k-1), min(i+1, k-1)}
			}
		case byCount:
			a.simple(toks, spans)
		default:
			a.assign(toks, spans)
		}
		cells := slab[r*k : (r+1)*k : (r+1)*k]
		lo, hi := -1, -1
		for i, sp := range spans {
			if sp.b > sp.a {
				cells[i] = line[toks[sp.a].bs:toks[sp.b-1].be]
				if lo < 0 {
					lo = i
				}
				hi = i
			}
		}
		// A row wrapped over two lines: this line continues the previous
		// one, which stopped before this one's first cell.
		if n := len(t.Rows); n > 0 && lo > 0 {
			prev := &t.Rows[n-1]
			pf := filled[n-1]
			if pf[1] < lo && rowIdx[r] == rowIdx[r-1]+1 && prev.Line == rowIdx[r-1]+1 {
				copy(prev.Cells[lo:], cells[lo:])
				filled[n-1][1] = hi
				prev.Short = cells[k-1] == ""
				continue
			}
		}
		t.Rows = append(t.Rows, Row{Line: rowIdx[r] + 1, Cells: cells, Short: cells[k-1] == ""})
		filled = append(filled, [2]int{lo, hi})
	}
	return t
}

// oneTokenEach reports whether the rows are to be read one token per
// column, whatever the character spans say: every row has exactly one
// whitespace token per column, separated by gaps of one width (no padding:
// nothing is aligned), and the fit by spans puts two tokens in one column
// (so leaves another empty) in some row. That is the shape of unaligned
// output (awk, printf "%s %s"), whose values are shorter or longer than
// the header words above them. An aligned table whose cells hold spaces
// ("Mounted on" paths, lsblk's "VMware Virtual S", netstat's
// "442/avahi-daemon: r" after a blank State) pads its columns, so its
// gaps differ.
func oneTokenEach(a *assigner, rows [][]token, spans []cellSpan) bool {
	k := len(a.cols)
	if k < 2 || len(rows) == 0 {
		return false
	}
	for _, toks := range rows {
		if len(toks) != k || !evenGaps(toks) {
			return false
		}
	}
	for _, toks := range rows {
		a.assign(toks, spans)
		for _, sp := range spans {
			if sp.b-sp.a != 1 {
				return true
			}
		}
	}
	return false
}

// alignedTokens reports whether the rows are to be read one token per
// column because they line up with each other token by token: two rows or
// more, each with exactly one number per column, and the N-th tokens of
// all rows end (or start) at the same place. (Text may hold a space and
// sit next to a blank column: netstat's "442/avahi-daemon: r".) The rows then agree on where the
// columns are even where the header does not: a value wider than its
// field pushes every later one right by the same amount in every row
// (vmstat -a's 8-digit free, whose shift the header cannot show).
func alignedTokens(lines []string, rowIdx []int, rows [][]token, k int) bool {
	if len(rows) < 2 || k < 2 {
		return false
	}
	for _, toks := range rows {
		if len(toks) != k {
			return false
		}
	}
	for r, toks := range rows {
		for _, t := range toks {
			if !numeric(lines[rowIdx[r]][t.bs:t.be]) {
				return false
			}
		}
	}
	return lineUp(rows, k)
}

// exactTokens reports whether the rows are to be read one token per
// column because every row has exactly one token per column, none is a
// lone symbol but a placeholder ("-"), and no token starts right of its column's header unless
// the token before it runs up to that column (it overflowed its field and
// pushed the rest of the row right: df -PT's long LVM names, in many rows
// of a short table). A person reads such rows so whatever the spans say.
// A symbol may be half of a value with a space ("[ ]" of netstat's unix
// sockets), and a token right of its column after a gap is a later
// column's, beside a blank cell (netstat's "442/avahi-daemon: r" after a
// blank State): those rows are left to the fit.
func exactTokens(rows [][]token, cols []column) bool {
	k := len(cols)
	if k < 2 || len(rows) == 0 {
		return false
	}
	for _, toks := range rows {
		if len(toks) != k {
			return false
		}
		for m, t := range toks {
			if t.mark && !t.ph {
				return false
			}
			if m > 0 && t.cs > cols[m].e && toks[m-1].ce < cols[m].s-1 {
				return false
			}
		}
	}
	return true
}

// evenGaps reports whether the tokens are separated by gaps of one width.
func evenGaps(toks []token) bool {
	for m := 2; m < len(toks); m++ {
		if toks[m].cs-toks[m-1].ce != toks[1].cs-toks[0].ce {
			return false
		}
	}
	return true
}

// columnSpans lists the header spans of columns.
func columnSpans(cols []column) [][2]int {
	out := make([][2]int, len(cols))
	for i, c := range cols {
		out[i] = [2]int{c.s, c.e}
	}
	return out
}
