package parse

import (
	"iter"
	"strings"
	"unicode/utf8"
)

// tabWidth is the tab stop used to expand tabs, as terminals do.
const tabWidth = 8

// splitLines splits text into lines without their line ends ("\n" or
// "\r\n"). A final line end does not start an empty line. Terminal
// escape sequences are dropped (see stripEscapes).
func splitLines(text string) []string {
	text = strings.TrimSuffix(text, "\n")
	if text == "" {
		return nil
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if strings.IndexByte(l, '\r') >= 0 {
			l = strings.TrimSuffix(l, "\r")
			lines[i] = l
		}
		if strings.IndexByte(l, 0x1b) >= 0 {
			lines[i] = stripEscapes(l)
		}
	}
	return lines
}

// stripEscapes drops the terminal escape sequences of a line: colours
// and other CSI sequences ("\x1b[01;34m", "\x1b[K" of ls --color, grep
// --color, ip -c, forced colour in systemctl), OSC sequences up to BEL or
// ESC \ (ls --hyperlink's "\x1b]8;;file://...\x1b\\") and two- or
// three-byte escapes ("\x1b(B" of tput sgr0). They take no width on a
// terminal, so the columns line up without them, and they are not part of
// any cell.
func stripEscapes(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != 0x1b {
			b.WriteByte(c)
			i++
			continue
		}
		i++
		if i == len(s) {
			break
		}
		switch c = s[i]; {
		case c == '[':
			// CSI: parameter and intermediate bytes, then one final
			// byte in @..~.
			i++
			for i < len(s) && (s[i] < 0x40 || s[i] > 0x7e) && s[i] >= 0x20 {
				i++
			}
			if i < len(s) {
				i++
			}
		case c == ']':
			// OSC: up to BEL or ST (ESC \).
			i++
			for i < len(s) && s[i] != 0x07 && s[i] != 0x1b {
				i++
			}
			if i < len(s) && s[i] == 0x1b {
				i++
			}
			if i < len(s) {
				i++
			}
		case c >= 0x20 && c <= 0x2f:
			// A charset or other escape with an intermediate byte:
			// "\x1b(B".
			i += 2
		default:
			i++
		}
	}
	return b.String()
}

// expandTabs replaces tabs with spaces up to the next tab stop and other
// control characters with spaces; display columns count wide characters
// twice (runeWidth).
func expandTabs(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	col := 0
	for _, r := range s {
		switch {
		case r == '\t':
			n := tabWidth - col%tabWidth
			b.WriteString(strings.Repeat(" ", n))
			col += n
			continue
		case r < ' ' || r == 0x7f:
			r = ' '
		}
		b.WriteRune(r)
		col += runeWidth(r)
	}
	return b.String()
}

// isBlank reports whether a line holds only spaces.
func isBlank(s string) bool {
	return strings.TrimSpace(s) == ""
}

// token is a run of non-space characters in a line.
type token struct {
	bs, be int  // byte offsets in the line, [bs, be)
	cs, ce int  // display columns (see runeWidth), [cs, ce)
	ph     bool // a placeholder ("-", "?"), which tools align loosely
	num    bool // reads as a number, maybe with a unit ("42", "-1.5", "21%", "1.9G", "0:03"; see numberLike)
	mark   bool // one symbol, neither letter nor digit ("+", "-", "?")
}

// tokenize appends the tokens of line s to buf. Tree-drawing and bullet
// characters that start a token (lsblk's "├─", systemctl's "●") are not
// part of its text, but the token still starts where they do, so that the
// column lines up; a token made only of them is dropped.
func tokenize(s string, buf []token) []token {
	first := len(buf)
	col := 0
	i := 0
	for i < len(s) {
		c := s[i]
		if c == ' ' {
			i++
			col++
			continue
		}
		// Start of a token.
		t := token{bs: i, cs: col}
		decor := true
		for i < len(s) && s[i] != ' ' {
			if s[i] < utf8.RuneSelf {
				if decor {
					decor = false
					t.bs = i
				}
				i++
				col++
				continue
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			if decor && !isDecoration(r) {
				decor = false
				t.bs = i
			}
			i += size
			col += runeWidth(r)
		}
		if !decor {
			t.be, t.ce = i, col
			if n := len(buf); n > first && t.be-t.bs == 2 && t.cs == buf[n-1].ce+1 && meridiem(s[t.bs:t.be]) && isClock(s[buf[n-1].bs:buf[n-1].be]) {
				// A 12-hour time ("10:16:24 AM") is one value.
				buf[n-1].be, buf[n-1].ce = t.be, t.ce
				continue
			}
			t.ph = t.be-t.bs <= 3 && isPlaceholder(s[t.bs:t.be])
			t.num = numberLike(s[t.bs:t.be])
			t.mark = t.be-t.bs == 1 && !isDigit(s[t.bs]) && !isLower(s[t.bs]) && !isUpper(s[t.bs])
			buf = append(buf, t)
		}
	}
	return buf
}

// numberLike reports, in one pass over the bytes, whether a token has the
// shape of a number: a sign, digits with at most one decimal point (and
// commas between digits, as locales print "0,50" and "1,234") or
// groups of digits joined by ":" (a time or a duration, "7:53.61"), then
// at most three letters or a "%" (a unit: "1.9G", "4Ki", "21%", "90s").
// Addresses ("192.168.1.1", "0.0.0.0:22"), versions and names are not.
func numberLike(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	if i == len(s) || !isDigit(s[i]) {
		return false
	}
	dot := false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
		case c == '.' && !dot && i+1 < len(s) && isDigit(s[i+1]):
			dot = true
		case c == ':' && !dot && i+1 < len(s) && isDigit(s[i+1]):
		case c == ',' && i+1 < len(s) && isDigit(s[i+1]):
			// A decimal comma or a group ("0,50", "1,234"; numfmt.go).
		case c >= 0xc2 && i > 0 && isDigit(s[i-1]) && spaceGroup(s[i:]) > 0:
			// A group set apart by a no-break, narrow or thin space
			// ("1 234 567").
			i += spaceGroup(s[i:]) - 1
		default:
			return unitText(s[i:])
		}
	}
	return true
}

// spaceGroup returns the length of the no-break (U+00A0), narrow
// no-break (U+202F) or thin (U+2009) space that starts s when a digit
// follows it, else 0.
func spaceGroup(s string) int {
	for _, sp := range [...]string{"\u202f", "\u00a0", "\u2009"} {
		if strings.HasPrefix(s, sp) && len(s) > len(sp) && isDigit(s[len(sp)]) {
			return len(sp)
		}
	}
	return 0
}

// meridiem reports whether s is AM or PM (in either case), which follows
// a 12-hour time.
func meridiem(s string) bool {
	switch s {
	case "AM", "PM", "am", "pm":
		return true
	}
	return false
}

// isDecoration reports whether r is a box-drawing, block or geometric
// shape character, used by tools to draw trees and status bullets.
func isDecoration(r rune) bool {
	return r >= 0x2500 && r <= 0x25FF
}

// isRule reports whether a token is a separator made of '-', '=', '_',
// '+' or '~' only ("-----", "=====").
func isRule(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '-', '=', '_', '+', '~':
		default:
			return false
		}
	}
	return len(s) >= 2
}

// sameWords reports whether two lines hold the same words, however
// spaced.
func sameWords(a, b string) bool {
	i, j := 0, 0
	for {
		for i < len(a) && a[i] == ' ' {
			i++
		}
		for j < len(b) && b[j] == ' ' {
			j++
		}
		if i == len(a) || j == len(b) {
			return i == len(a) && j == len(b)
		}
		// Compare one word.
		for i < len(a) && j < len(b) && a[i] != ' ' && b[j] != ' ' {
			if a[i] != b[j] {
				return false
			}
			i++
			j++
		}
		if (i < len(a) && a[i] != ' ') || (j < len(b) && b[j] != ' ') {
			return false
		}
	}
}

// isRuleText reports whether a line is made of rules ("----- -----").
func isRuleText(s string) bool {
	words := 0
	for i := 0; i < len(s); {
		if s[i] == ' ' {
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] != ' ' {
			j++
		}
		if !isRule(s[i:j]) {
			return false
		}
		words++
		i = j
	}
	return words > 0
}

// hasToken reports whether a line has a token once decorations ("│",
// "●") are dropped.
func hasToken(s string) bool {
	for _, r := range s {
		if r != ' ' && !isDecoration(r) {
			return true
		}
	}
	return false
}

// countWords counts the runs of non-spaces in a line: at least the
// number of its tokens.
func countWords(s string) int {
	n := 0
	in := false
	for i := 0; i < len(s); i++ {
		sp := s[i] == ' '
		if !sp && !in {
			n++
		}
		in = !sp
	}
	return n
}

// blocks yields the blocks of non-blank lines of lines[first:], in order,
// as line ranges [b0, b1).
func blocks(lines []string, first int) iter.Seq2[int, int] {
	return func(yield func(int, int) bool) {
		for b0 := first; b0 < len(lines); {
			if isBlank(lines[b0]) {
				b0++
				continue
			}
			b1 := b0
			for b1 < len(lines) && !isBlank(lines[b1]) {
				b1++
			}
			if !yield(b0, b1) {
				return
			}
			b0 = b1
		}
	}
}
