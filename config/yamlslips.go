package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The single lines that YAML rejects, or reads otherwise than meant, and
// what to write instead: found by scanSyntax, told by locateYAMLError.

// noSpaceKey matches "key:value" written without the space YAML needs
// after the colon (a URL's "://" is not one).
var noSpaceKey = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*:[^\s/:]`)

// slipKey splits "key: value" (after any "- ") into the key and the value.
var slipKey = regexp.MustCompile(`^([^\s'"#{\[][^:#]*?):[ \t]+(.*)$`)

// valueSlip says what is wrong when the value of a "key: value" line starts
// with a character YAML reads as syntax rather than text: '>' and '|' start
// a block of text on the lines below (trigger: > 90), '*' an alias
// (schedule: */5 * * * *), '@' and '`' are reserved, and a '{' or '['
// that closes before the end of the line is a whole mapping or list
// (msg: {{.Host}} is down). Each of these lines is a YAML error.
func valueSlip(text string) (why, fix string) {
	m := slipKey.FindStringSubmatch(strings.TrimRight(text, " \t"))
	if m == nil || m[2] == "" {
		return "", ""
	}
	key, v := m[1], m[2]
	quote := fmt.Sprintf("quote the value: %s: %s", key, strconv.Quote(stripComment(v)))
	switch c := v[0]; {
	case c == '"' || c == '\'':
		if end := closeQuote(v, 1, c); end > 0 {
			if rest := strings.TrimSpace(v[end+1:]); rest != "" && rest[0] != '#' {
				return fmt.Sprintf("a %s inside the value closes its quote early, after %s", string(c), v[:end+1]), requote(key, stripComment(v), c)
			}
		}
	case (c == '>' || c == '|') && strings.Trim(stripComment(v[1:]), "+-0123456789 \t") != "":
		return fmt.Sprintf("YAML reads %q at the start of a value as the start of a block of text on the lines below, not as part of the value", string(c)), quote
	case c == '*' && (len(v) == 1 || !isAnchorChar(v[1])):
		return "YAML reads '*' at the start of a value as an alias (a reference to an &anchor), not as text", quote
	case c == '@' || c == '`':
		return fmt.Sprintf("YAML reserves %q at the start of a value", string(c)), quote
	case c == '{' || c == '[':
		end := flowEnd(v)
		if end < 0 {
			return "", ""
		}
		if rest := strings.TrimSpace(v[end+1:]); rest != "" && rest[0] != '#' {
			kind := "a mapping"
			if c == '[' {
				kind = "a list"
			}
			return fmt.Sprintf("YAML reads %q at the start of a value as %s, and text follows it", v[:end+1], kind), quote
		}
	}
	return "", ""
}

// requote is the fix of a value quoted with c that holds c itself: quote
// it with the other kind, or double the inner single quotes as YAML does.
func requote(key, v string, c byte) string {
	inner := strings.TrimSuffix(v[1:], string(c))
	switch {
	case c == '"' && !strings.Contains(inner, "'"):
		return fmt.Sprintf("quote it with single quotes: %s: '%s'", key, inner)
	case c == '\'' && !strings.ContainsAny(inner, `"\`):
		return fmt.Sprintf(`quote it with double quotes: %s: "%s"`, key, inner)
	}
	return fmt.Sprintf("double each ' inside single quotes: %s: '%s'", key, strings.ReplaceAll(inner, "'", "''"))
}

func isAnchorChar(c byte) bool {
	return c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// stripComment removes a trailing " # comment".
func stripComment(v string) string {
	if i := strings.Index(v, " #"); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}

// flowEnd returns the index in v of the bracket closing the flow
// collection v starts with, or -1 when it does not close on this line.
func flowEnd(v string) int {
	depth := 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '[', '{':
			depth++
		case ']', '}':
			depth--
			if depth == 0 {
				return i
			}
		case '"', '\'':
			end := closeQuote(v, i+1, c)
			if end < 0 {
				return -1
			}
			i = end
		}
	}
	return -1
}

// firstInvalidUTF8 is the 1-based line of the first byte that is not
// UTF-8, and that byte.
func firstInvalidUTF8(src []byte) (int, byte) {
	line := 1
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && size <= 1 {
			return line, src[i]
		}
		if src[i] == '\n' {
			line++
		}
		i += size
	}
	return 0, 0
}

// aliasLine is the first line that refers to *name.
func aliasLine(src []byte, name string) int {
	re := regexp.MustCompile(`(^|[\s\[{,])\*` + regexp.QuoteMeta(name) + `($|[\s\]},])`)
	for i, l := range strings.Split(string(src), "\n") {
		if re.MatchString(l) {
			return i + 1
		}
	}
	return 0
}
