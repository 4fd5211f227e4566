package parse

import "slices"

// Finding the header line when Options.HeaderLine is 0.
//
// The output is cut into blocks of non-blank lines. In each block, the
// lines near its top that look like a header (no token is a number, a
// percent or a size, not only "----" rules) are candidates: titles ("Kernel IP
// routing table"), group lines (vmstat's "procs ---memory---") and the
// real header. A candidate is scored by how many of its words line up,
// by their left or right edge, with the tokens of the lines under it, and
// by how close its word count is to the number of cells the rows fill (a
// title has fewer words than the table has columns); a
// later candidate wins only with a clearly better score, so a header
// keeps its place over data rows made only of words (systemctl
// list-sockets). The header is the best candidate of the first block where
// it has rows under it; failing that (a header with no rows, as `w` with
// nobody logged in), of the first block with a candidate.

const (
	maxTitleLines = 10  // a header is among the first lines of its block
	scoreSample   = 200 // rows used to score a candidate
	laterMargin   = 0.3 // how much better a later candidate must score
)

// findHeader returns the index in lines of the header line, searching from
// index first. ok is false when no line looks like a header.
func findHeader(lines []string, first int) (h int, ok bool) {
	fallback := -1
	var hbuf, rbuf []token
	for b0 := first; b0 < len(lines); {
		if isBlank(lines[b0]) {
			b0++
			continue
		}
		b1 := b0
		for b1 < len(lines) && !isBlank(lines[b1]) {
			b1++
		}
		best, bestScore := -1, 0.0
		for c := b0; c < b1 && c < b0+maxTitleLines; c++ {
			hbuf = tokenize(lines[c], hbuf[:0])
			if !headerLike(lines[c], hbuf) {
				continue
			}
			var rows [][]token
			rows, rbuf = tokenizeRows(lines[c+1:b1], rbuf[:0], scoreSample)
			score := anchorScore(hbuf, rows) + countScore(hbuf, rows)
			if best < 0 || score > bestScore+laterMargin {
				best, bestScore = c, score
			}
		}
		if best >= 0 {
			if best+1 < b1 {
				return best, true
			}
			if fallback < 0 {
				fallback = best
			}
		}
		b0 = b1
	}
	return fallback, fallback >= 0
}

// tokenizeRows tokenizes up to max lines, leaving out rules ("-----"),
// and keeps the rows that do not look like a header (a group line's rows
// hold the real header), unless that leaves none. The rows share buf.
func tokenizeRows(lines []string, buf []token, max int) ([][]token, []token) {
	type span struct {
		a, b int
		hdr  bool
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
		if !h {
			data++
		}
		spans = append(spans, span{a, len(buf), h})
	}
	rows := make([][]token, 0, len(spans))
	for _, s := range spans {
		if data == 0 || !s.hdr {
			rows = append(rows, buf[s.a:s.b:s.b])
		}
	}
	return rows, buf
}

// headerLike reports whether a line could be a header: it has a token, no
// token is a number, a percent or a size with a unit ("1G"), and it is not
// a rule line.
func headerLike(line string, toks []token) bool {
	if len(toks) == 0 || isRuleLine(line, toks) {
		return false
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
			if _, _, _, ok := parseBytes(s, false); ok {
				return false
			}
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
