package parse

import "math"

// Each row's tokens are given to the columns in order by a small dynamic
// program that minimises a cost:
//
//   - a cell starts at its left-aligned column's anchor (usually the
//     header's left edge), or ends at its right-aligned column's anchor
//     (the header's right edge). Each column of difference from the shift
//     of the previous non-empty cell costs 1 to the right and 2 to the
//     left, up to posCap (twice that to the left): a value wider than its
//     column pushes the rest of the row right (vmstat, busybox df after a
//     long name) and only the cell where the shift starts pays;
//   - a cell that the token before it would run into at its place was
//     pushed right by it (a value wider than its field, df -PT's long LVM
//     names): half that shift costs, capped at posCap/2, plus any shift
//     beyond it and a separator of three spaces (placeAligned);
//   - a right-aligned cell that starts left of the end of the previous
//     column's header costs the overlap too, up to posCap: numbers do not
//     run over their neighbours, while a long name in a left-aligned
//     column may (a wrapped df name stays in Filesystem);
//   - a lone placeholder ("-", "?") may sit anywhere in its column's
//     field (top prints "-" at the left of right-aligned fields);
//   - spaces inside a cell beyond one per gap cost gapWeight each, so a
//     value with spaces ("tmpfs with spaces", "Mon Nov 23 07:01:56 2026")
//     stays whole but two columns are not glued;
//   - a cell of an unaligned column costs its distance to the nearer
//     header edge, and passes no shift on;
//   - an empty cell costs 1 + emptyWeight × the share of rows that fill
//     the column (see calibrate);
//   - the last column takes the rest of the line.
//
// A row too wide to fit (columns × tokens > maxFitCells) is split on
// blanks, the rest of the line to the last column.

const (
	posCap      = 10.0
	gapWeight   = 1.5
	emptyWeight = 12.0
	kindWeight  = 6.0
	maxCellToks = 16      // tokens in one cell, last column excepted
	maxFitCells = 1 << 14 // columns × tokens of a row beyond which it is not fitted
)

// cellSpan is the tokens [a, b) of a row given to one column.
type cellSpan struct{ a, b int }

// assigner holds the buffers of the dynamic program, reused across rows.
type assigner struct {
	cols  []column
	cost  []float64 // (len(cols)+1) × (n+1)
	from  []int32
	shift []int32   // shift of the last non-empty cell on the best path
	gaps  []float64 // gaps[m]: cost of the gaps between tokens 0..m
	// overflow makes a shift that the value before a cell forces cheap
	// (see placeAligned). The first fit of calibrate goes without: the
	// layout is learned from cells where they are printed.
	overflow bool
}

// assign fills spans (len(cols)) with the tokens each column gets.
func (a *assigner) assign(toks []token, spans []cellSpan) {
	// Most rows give one token to each column and the rest to the last:
	// when that costs nothing it is the best fit, else its cost bounds
	// the search.
	bound := a.simple(toks, spans)
	if bound == 0 {
		return
	}
	k, n := len(a.cols), len(toks)
	if k*(n+1) > maxFitCells {
		// Too wide to fit: split on blanks, the rest to the last column.
		if n < k {
			for i := range spans {
				spans[i] = cellSpan{min(i, n), min(i+1, n)}
			}
		}
		return
	}
	w := n + 1
	size := (k + 1) * w
	if cap(a.cost) < size {
		a.cost = make([]float64, size)
		a.from = make([]int32, size)
		a.shift = make([]int32, size)
	}
	cost, from, shift := a.cost[:size], a.from[:size], a.shift[:size]
	if cap(a.gaps) < w {
		a.gaps = make([]float64, w)
	}
	gaps := a.gaps[:w]
	gaps[0] = 0
	for m := 1; m < n; m++ {
		g := float64(toks[m].cs-toks[m-1].ce-1) * gapWeight
		gaps[m] = gaps[m-1] + g
	}
	const inf = 1e18
	for j := range w {
		cost[j] = inf
	}
	cost[0], shift[0] = 0, 0
	for i := range a.cols {
		c := &a.cols[i]
		row, next := cost[i*w:(i+1)*w], cost[(i+1)*w:(i+2)*w]
		nfrom := from[(i+1)*w : (i+2)*w]
		rshift, nshift := shift[i*w:(i+1)*w], shift[(i+1)*w:(i+2)*w]
		for j := range next {
			next[j] = inf
		}
		last := i == k-1
		for j := 0; j <= n; j++ {
			base := row[j]
			if base > bound {
				continue
			}
			// Empty cell.
			if !last || j == n {
				if v := base + c.empty; v < next[j] {
					next[j], nfrom[j], nshift[j] = v, int32(j), rshift[j]
				}
			}
			if j == n {
				continue
			}
			lo, hi := j+1, min(n, j+maxCellToks)
			if last {
				lo, hi = n, n
			}
			for b := lo; b <= hi; b++ {
				var p float64
				d := int(rshift[j])
				if b == j+1 && toks[j].ph {
					p = c.placeholder(toks[j].cs, toks[j].ce)
				} else {
					p, d = c.place(toks[j].cs, toks[b-1].ce, d, a.prevEnd(toks, j))
					p += c.kindCost(toks[j], b-j) + a.skipCost(i, toks, j)
				}
				v := base + p + gaps[b-1] - gaps[j]
				if v < next[b] {
					next[b], nfrom[b], nshift[b] = v, int32(j), int32(d)
				}
			}
		}
	}
	if cost[k*w+n] > bound {
		// The program keeps one shift per cell, so it can miss a fit
		// where one overflowing value shifts all that follows (a long
		// LVM name in df -PT): then the one-token-per-column fit, which
		// cost less, stands.
		a.simple(toks, spans)
		return
	}
	// Walk back from (k, n).
	j := n
	for i := k; i > 0; i-- {
		f := int(from[i*w+j])
		spans[i-1] = cellSpan{f, j}
		j = f
	}
}

// simple gives one token to each column and the rest to the last one,
// and returns the cost of that fit (+Inf when there are too few tokens).
func (a *assigner) simple(toks []token, spans []cellSpan) float64 {
	k, n := len(a.cols), len(toks)
	if n < k {
		return math.Inf(1)
	}
	total := 0.0
	prev := 0
	for i := range a.cols {
		c := &a.cols[i]
		b := i + 1
		if i == k-1 {
			b = n
		}
		spans[i] = cellSpan{i, b}
		if b == i+1 && toks[i].ph {
			total += c.placeholder(toks[i].cs, toks[i].ce)
		} else {
			p, d := c.place(toks[i].cs, toks[b-1].ce, prev, a.prevEnd(toks, i))
			p += c.kindCost(toks[i], b-i) + a.skipCost(i, toks, i)
			total += p
			prev = d
		}
		for m := i + 1; m < b; m++ {
			total += float64(toks[m].cs-toks[m-1].ce-1) * gapWeight
		}
	}
	return total
}

// prevEnd is the end of the token before token j, -1 for none or when
// the assigner does not reconcile overflows (see assigner.overflow).
func (a *assigner) prevEnd(toks []token, j int) int {
	if j == 0 || !a.overflow {
		return -1
	}
	return toks[j-1].ce
}

// place is the cost of a cell spanning display columns [s, e) when the
// previous cells of the row are shifted by prev and the previous token
// ends at pe (-1 for none); it also returns this cell's shift.
func (c *column) place(s, e, prev, pe int) (float64, int) {
	p, d := c.placeAligned(s, e, prev, pe)
	if e <= c.s && c.s > 0 {
		// No column's cells end before its header starts: the text is
		// the end of the cell before it ("VMware Virtual S" under lsblk's
		// MODEL, one space before SERIAL).
		p += kindWeight
	}
	return p, d
}

func (c *column) placeAligned(s, e, prev, pe int) (float64, int) {
	var d, ns int // the cell's shift, and where it would start unshifted
	switch c.align {
	case 'L':
		d, ns = s-c.ax, c.ax+prev
	case 'R':
		d, ns = e-c.ax, c.ax+prev-(e-s)
	default:
		// Unaligned (before calibrate): the nearer header edge, with no
		// shift to pass on.
		return min(float64(min(abs(s-c.s), abs(e-c.e))), posCap), prev
	}
	// Cells move right when a value before them overflows; moving left
	// of the column is rarer and costs twice.
	delta := d - prev
	if pe >= ns && delta > 0 {
		// The value before would run into this cell at its place: it
		// overflowed its field and pushed this cell, and the rest of the
		// row, right (df -PT's long LVM names), by at least f: half the
		// shift costs (capped at posCap/2), and in full what goes beyond
		// f and a separator of up to three spaces. Only the final fit
		// reads rows so (assigner.overflow).
		f := pe + 1 - ns
		return min(float64(delta)/2, posCap/2) + min(float64(max(0, delta-f-2)), posCap), d
	}
	p := min(float64(abs(delta)), posCap)
	if delta < 0 {
		p *= 2
	}
	if c.align == 'R' && s < c.prevE {
		p += min(float64(c.prevE-s), posCap)
	}
	return p, d
}

// placeholder is the cost of a lone placeholder cell ("-"), which tools
// print at either edge of a column's field: nothing inside the field (from
// the previous column's header end to the end of a right-aligned column,
// or from a left-aligned column's start to the next column), else the
// distance to it. It does not shift the row.
func (c *column) placeholder(s, e int) float64 {
	lo, hi := c.prevE, c.e
	if c.align == 'L' {
		lo, hi = c.ax, max(c.nextS, c.e)
	}
	switch {
	case s < lo:
		return min(float64(lo-s), posCap)
	case e > hi:
		return min(float64(e-hi), posCap)
	}
	return 0
}

// kindCost is the cost of a cell of n tokens starting with t whose kind
// is not the kind of most of its column's one-token cells (see
// column.kind): a word among numbers, or a number among words, is a sign
// that a value before it overflowed its column; a number holds no space,
// so a cell of several tokens in a column of numbers costs the same.
func (c *column) kindCost(t token, n int) float64 {
	switch {
	case c.kind == 0:
		return 0
	case n > 1:
		if c.kind == 'N' {
			return kindWeight
		}
		return 0
	case t.num != (c.kind == 'N'):
		return kindWeight
	}
	return 0
}

// skipCost is the cost of giving token j to column i when the header
// spans of column i and of the columns after it lie blank before the
// token, in the gap after the previous token: those blank fields are
// the row's empty cells, and the token is a later column's (lsof's NAME
// after a blank DEVICE, SIZE/OFF and NODE). Each such column costs
// kindWeight. A gap of about one field's width is a shifted row's
// (vmstat's overflowing numbers), not a blank field.
func (a *assigner) skipCost(i int, toks []token, j int) float64 {
	prevE := 0
	if j > 0 {
		prevE = toks[j-1].ce
	}
	t := toks[j]
	p := 0.0
	for k := i; k < len(a.cols); k++ {
		c := &a.cols[k]
		if c.e >= t.cs || c.s <= prevE || t.cs-prevE <= 2*(c.e-c.s)+2 {
			break
		}
		p += kindWeight
	}
	return p
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
