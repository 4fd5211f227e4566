package handlers

import (
	"strings"
	"text/template"
	"unicode/utf8"

	"serverstats/handlers/message"
)

// parsed returns a subject or body template: the one config.Load parsed
// (and checked on a sample message), or for a config.Handler built by hand,
// text parsed now; nil when text is empty (the default message).
func parsed(t *template.Template, name, text string) (*template.Template, error) {
	if t != nil || text == "" {
		return t, nil
	}
	return message.ParseTemplate(name, text)
}

// oneLine joins the lines of s with " | ".
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(strings.TrimSpace(s), "\n", " | ")), " ")
}

// truncate cuts s to at most max bytes, ending in ellipsis when cut, at a
// rune boundary.
func truncate(s string, max int, ellipsis string) string {
	if len(s) <= max {
		return s
	}
	cut := max - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimRight(s[:cut], " ;") + ellipsis
}
