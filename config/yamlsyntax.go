package config

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// yaml.v3 numbers its syntax errors by the line of the construct it was
// parsing (0-based for parser errors), not the line of the mistake: an
// unclosed "[" is reported one line early or at the end of the file, a list
// item at the wrong indentation at the start of the enclosing mapping. So
// the position is recomputed from the text: a light scan finds unclosed
// flow collections and quotes, tabs in indentation, and the first line
// whose indentation fits no open block. yaml's message picks which of these
// is the mistake, and its line is the lower bound where to look.

// syntaxLine is one line of the scan: its indentation and shape, for lines
// that start in block context (not the inside of a quote, flow collection
// or block scalar).
type syntaxLine struct {
	n       int  // 1-based line number
	ind     int  // leading spaces
	dash    bool // starts with "- " (a list item)
	dashes  int  // how many "- " start it ("- - x" is a list in a list)
	dashCol int  // the column after the first "- "
	itemCol int  // for a dash line with content, the column of that content
	keyOpen bool // ends with "key:" and no value: a block opens below
	bare    bool // a "-" with nothing after it: the item is below
	key     bool // holds "key:"
	text    string
}

type syntaxScan struct {
	lines     []syntaxLine
	unclosed  int    // line of the innermost flow collection or quote never closed
	opener    string // "[", "{", `"` or "'"
	tabLine   []int  // lines with a tab in their indentation
	src       []string
	badIndent int    // first line whose indentation fits no open block
	indentWhy string // what is wrong with it
	indentFix string
	noSpace   int // first line "key:value" with no space after the colon
	slip      int // first line whose value starts with a character YAML reads as syntax
	slipWhy   string
	slipFix   string
}

// opened is an unclosed flow bracket or quote.
type opened struct {
	ch   byte
	line int
	ind  int // indentation of the line it is on
}

func scanSyntax(src []byte) *syntaxScan {
	s := &syntaxScan{src: strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n")}
	var stack []opened // flow brackets and an open quote (always last)
	blockInd := -1     // >= 0: inside a block scalar whose header line has this indentation
	unclosed := func() {
		if len(stack) > 0 && s.unclosed == 0 {
			o := stack[len(stack)-1]
			s.unclosed, s.opener = o.line, string(o.ch)
		}
		stack = stack[:0]
	}
	for i, line := range s.src {
		n := i + 1
		ind := 0
		for ind < len(line) && line[ind] == ' ' {
			ind++
		}
		ws := len(line) - len(strings.TrimLeft(line, " \t"))
		rest := line[ws:]
		if strings.Contains(line[:ws], "\t") && rest != "" && blockInd < 0 {
			s.tabLine = append(s.tabLine, n)
		}
		if rest == "" {
			continue
		}
		if blockInd >= 0 {
			if ind > blockInd {
				continue
			}
			blockInd = -1
		}
		if len(stack) > 0 {
			// A quote or flow collection continues on the next line only
			// when that line is indented deeper than the one it opened on.
			if ind <= stack[0].ind {
				unclosed()
			} else {
				stack = scanFlow(line, ws, n, stack)
				continue
			}
		}
		if rest[0] == '#' {
			continue
		}
		l := syntaxLine{n: n, ind: ind, text: strings.TrimSpace(line)}
		p := ws
		for p < len(line) && line[p] == '-' && (p+1 == len(line) || line[p+1] == ' ' || line[p+1] == '\t') {
			l.dash = true
			l.dashes++
			p++
			for p < len(line) && (line[p] == ' ' || line[p] == '\t') {
				if line[p] == '\t' && !slices.Contains(s.tabLine, n) {
					s.tabLine = append(s.tabLine, n)
				}
				p++
			}
			l.itemCol = p
			if l.dashes == 1 {
				l.dashCol = p
			}
		}
		l.bare = l.dash && p >= len(strings.TrimRight(line, " "))
		stack, l.key, l.keyOpen, blockInd = scanBlockValue(line, p, n, ind, stack)
		if !l.key && s.noSpace == 0 && noSpaceKey.MatchString(line[p:]) {
			s.noSpace = n
		}
		if why, fix := valueSlip(line[p:]); why != "" && s.slip == 0 {
			s.slip, s.slipWhy, s.slipFix = n, why, fix
		}
		s.lines = append(s.lines, l)
	}
	unclosed()
	s.checkIndent()
	return s
}

// scanBlockValue reads a node starting at line[p] in block context: a flow
// collection, a quoted scalar, a block scalar header or a plain scalar,
// and a "key:" before a value. It returns the open brackets and quotes left
// at the end of the line and, for a block scalar, its header's indentation.
func scanBlockValue(line string, p, n, ind int, stack []opened) ([]opened, bool, bool, int) {
	key, keyOpen := false, false
	for {
		for p < len(line) && line[p] == ' ' {
			p++
		}
		// Tags and anchors prefix a node.
		for p < len(line) && (line[p] == '!' || line[p] == '&') {
			for p < len(line) && line[p] != ' ' {
				p++
			}
			for p < len(line) && line[p] == ' ' {
				p++
			}
		}
		if p >= len(line) || line[p] == '#' {
			return stack, key, key && !keyOpen, -1
		}
		switch c := line[p]; c {
		case '[', '{':
			return scanFlow(line, p, n, append(stack, opened{c, n, ind})), key, false, -1
		case '|', '>':
			if strings.TrimRight(strings.Split(line[p+1:], " #")[0], "+-0123456789 ") == "" {
				return stack, key, false, ind
			}
			return stack, key, false, -1
		case '"', '\'':
			end := closeQuote(line, p+1, c)
			if end < 0 {
				return append(stack, opened{c, n, ind}), key, false, -1
			}
			p = end + 1
			for p < len(line) && line[p] == ' ' {
				p++
			}
			if p < len(line) && line[p] == ':' && !key {
				key, p = true, p+1
				keyOpen = false
				continue
			}
			return stack, key, false, -1
		default:
			if key {
				return stack, key, false, -1
			}
			// A plain scalar; "key:" ends at ": " or ":" at the end.
			q := p
			for q < len(line) {
				if line[q] == ':' && (q+1 == len(line) || line[q+1] == ' ') {
					break
				}
				if line[q] == '#' && line[q-1] == ' ' {
					q = len(line)
					break
				}
				q++
			}
			if q >= len(line) {
				return stack, false, false, -1
			}
			key, p = true, q+1
		}
	}
}

// scanFlow reads the inside of flow collections from line[p], where the
// innermost of stack is open; it returns what is still open at the end of
// the line.
func scanFlow(line string, p, n int, stack []opened) []opened {
	if len(stack) == 0 {
		return stack
	}
	ind := stack[0].ind
	if top := stack[len(stack)-1]; top.ch == '"' || top.ch == '\'' {
		end := closeQuote(line, p, top.ch)
		if end < 0 {
			return stack
		}
		stack = stack[:len(stack)-1]
		p = end + 1
	} else if top.line == n {
		p++ // past the bracket itself
	}
	for ; p < len(line) && len(stack) > 0; p++ {
		switch c := line[p]; c {
		case '[', '{':
			stack = append(stack, opened{c, n, ind})
		case ']', '}':
			stack = stack[:len(stack)-1]
		case '"', '\'':
			if prev := strings.TrimRight(line[:p], " "); prev == "" || strings.ContainsAny(prev[len(prev)-1:], "[{,:") {
				end := closeQuote(line, p+1, c)
				if end < 0 {
					return append(stack, opened{c, n, ind})
				}
				p = end
			}
		case '#':
			if p > 0 && line[p-1] == ' ' {
				return stack
			}
		}
	}
	return stack
}

// closeQuote returns the index of the quote closing a scalar opened with q
// before line[p], or -1.
func closeQuote(line string, p int, q byte) int {
	for ; p < len(line); p++ {
		switch {
		case q == '"' && line[p] == '\\':
			p++
		case line[p] == q && q == '\'' && p+1 < len(line) && line[p+1] == '\'':
			p++
		case line[p] == q:
			return p
		}
	}
	return -1
}

// checkIndent walks the block lines with a stack of open indentation
// levels and finds the first line that fits none.
func (s *syntaxScan) checkIndent() {
	type level struct {
		ind     int
		seq     bool // a level of "- " items
		compact bool // a map level whose last key holds "- " items at the same indentation
	}
	var levels []level
	fail := func(l syntaxLine, why, fix string) {
		if s.badIndent == 0 {
			s.badIndent, s.indentWhy, s.indentFix = l.n, why, fix
		}
	}
	push := func(l syntaxLine) {
		levels = append(levels, level{ind: l.ind, seq: l.dash})
		if l.dash && l.key {
			levels = append(levels, level{ind: l.itemCol})
		}
	}
	var prev *syntaxLine
	var popped []level // the levels the line before closed
	for i := range s.lines {
		l := s.lines[i]
		if prev == nil {
			push(l)
			prev = &s.lines[i]
			continue
		}
		top := levels[len(levels)-1]
		switch {
		case l.ind > top.ind:
			opens := prev.keyOpen || prev.bare
			if !opens && !l.key && !l.dash {
				continue // a plain scalar going on over several lines
			}
			switch {
			case !opens && dashGlued.MatchString(prev.text):
				fail(*prev, "no space after '-': YAML reads "+strconv.Quote(strings.Fields(prev.text)[0])+" as a key, not as a list item",
					"write "+strings.Replace(prev.text, "-", "- ", 1))
			case !opens && slices.ContainsFunc(popped, func(lv level) bool { return lv.ind == l.ind }):
				// The line above left a block this line is still in: it is
				// the one that fell out of its block.
				fail(*prev, fallsOut,
					fmt.Sprintf("indent it with %d spaces, as the line below it", l.ind))
			case !opens:
				fail(l, "this line is indented deeper than the line above, which already has a value",
					"line it up with the keys above it, or end the line above with ':' to nest this under it")
			}
			popped = nil
			push(l)
		default:
			popped = nil
			for len(levels) > 0 && levels[len(levels)-1].ind > l.ind {
				popped = append(popped, levels[len(levels)-1])
				levels = levels[:len(levels)-1]
			}
			if prev.dashes > 1 && l.ind == prev.dashCol {
				fail(*prev, "two '- ' on one line start a list inside a list item",
					"remove one '- ': one dash starts one item")
			}
			if len(levels) == 0 || levels[len(levels)-1].ind != l.ind {
				fail(l, "the indentation of this line matches no key above it",
					"indent it with exactly as many spaces as the other keys of the same block")
				push(l)
				break
			}
			lv := &levels[len(levels)-1]
			switch {
			case lv.seq && !l.dash:
				fail(l, "a key where a list item was expected",
					"start the line with '- ' for a new item, or indent it under the item above")
			case !lv.seq && l.dash && !lv.compact && !prev.keyOpen:
				fail(l, "a list item '- ' where a key was expected",
					"put the list under its key, indented deeper than the key above, or write it as key: value")
			case !lv.seq && l.dash:
				lv.compact = true
			case !lv.seq:
				lv.compact = false
			}
			if l.dash && l.key {
				levels = append(levels, level{ind: l.itemCol})
			}
		}
		prev = &s.lines[i]
	}
}

// locateYAMLError returns the line of the mistake behind yaml.v3's error
// message msg (with the "yaml: " prefix removed), what is wrong in plain
// words, and the fix. reported is yaml's own line number (0 when it gave
// none, which means its first line).
func locateYAMLError(src []byte, reported int, msg string) (line int, what, fix string) {
	s := scanSyntax(src)
	lower := max(reported, 1)
	switch {
	case strings.Contains(msg, "UTF-8") || strings.Contains(msg, "control characters"):
		if n, b := firstInvalidUTF8(src); n > 0 {
			return n, fmt.Sprintf("the file is not UTF-8: byte 0x%02X on this line (Latin-1 or Windows-1252 text?)", b),
				"save the file as UTF-8 (iconv -f latin1 -t utf-8)"
		}
	case strings.HasPrefix(msg, "unknown anchor '"):
		name := strings.TrimSuffix(strings.TrimPrefix(msg, "unknown anchor '"), "' referenced")
		if n := aliasLine(src, name); n > 0 {
			return n, fmt.Sprintf("*%s refers to an anchor &%s that is not defined above it", name, name),
				fmt.Sprintf("define &%s on a value above, or quote the value if '*' is part of the text", name)
		}
	case s.slip > 0 && s.unclosed == 0:
		return s.slip, s.slipWhy, s.slipFix
	case s.noSpace > 0 && s.noSpace >= reported-1 && s.noSpace <= reported+1 && s.unclosed == 0:
		l := s.src[s.noSpace-1]
		k := strings.Index(l, ":")
		return s.noSpace, "no space after ':': YAML reads the line as one word, not as key: value",
			"write " + strings.TrimSpace(l[:k+1]+" "+l[k+1:])
	}
	switch {
	case s.unclosed > 0:
		// Whatever yaml says then ("did not find expected ',' or ']'", "end
		// of stream", "expected comment or line break" after the quote
		// closed on a later line), a bracket or quote left open is the
		// mistake.
		{
			switch s.opener {
			case "[":
				return s.unclosed, "the '[' opened on this line is never closed",
					"close the list on the same line, e.g. servers: [web1, web2], or write one '- item' per line"
			case "{":
				return s.unclosed, "the '{' opened on this line is never closed",
					"close the mapping on the same line, e.g. params: {unit: nginx.service}"
			}
			return s.unclosed, "the quote " + s.opener + " opened on this line is never closed",
				"end the value with " + s.opener + " on the same line"
		}
	case strings.Contains(msg, "tab character") || strings.Contains(msg, "cannot start any token"):
		for _, n := range s.tabLine {
			if n >= lower-1 {
				return n, "a tab in the indentation", "indent with spaces only: YAML does not allow tabs"
			}
		}
		if strings.Contains(msg, "cannot start any token") {
			return reported, "a value starts with a character YAML reserves (@ or `)", `quote the value, e.g. cmd: "@reboot"`
		}
	case strings.Contains(msg, "could not find expected ':'"):
		if s.badIndent >= lower-1 && s.badIndent > 0 && s.badIndent <= reported+1 {
			return s.badIndent, s.indentWhy, s.indentFix
		}
		return reported, "a line without ':' inside a mapping", "write key: value, or indent a continued value deeper than its key"
	case strings.Contains(msg, "mapping values are not allowed"):
		if s.badIndent == reported || s.badIndent == reported-1 && (s.indentWhy == fallsOut || strings.HasPrefix(s.indentWhy, "no space after '-'")) {
			return s.badIndent, s.indentWhy, s.indentFix
		}
		return reported, "a value containing ': ' must be quoted", `quote the whole value, e.g. msg: "disk: full"`
	case strings.Contains(msg, "did not find expected") || strings.Contains(msg, "block"):
		if s.badIndent >= lower {
			return s.badIndent, s.indentWhy, s.indentFix
		}
	}
	if reported == 0 {
		reported = 1
	}
	return reported, msg, "check the indentation (spaces, not tabs) and quote values containing ': ' or '#'"
}

// syntaxValue is the text of line n, for the (got ...) of the message.
func syntaxValue(src []byte, n int) string {
	lines := strings.Split(string(src), "\n")
	if n < 1 || n > len(lines) {
		return ""
	}
	v := strings.TrimSpace(lines[n-1])
	if len(v) > 80 {
		v = v[:77] + "..."
	}
	return v
}

// fallsOut is what is wrong with a line indented less than the block it
// is in: the line below it goes on with the block.
const fallsOut = "this line is indented less than the lines of its block around it"

// dashGlued matches a list item written without the space after '-'
// ("-column: Use%").
var dashGlued = regexp.MustCompile(`^-[A-Za-z][A-Za-z0-9_-]*:(\s|$)`)
