// Package textout is serverstats' terminal output: tables in its style,
// text from servers made harmless to the terminal, and a progress line.
package textout

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Table is a tablewriter table in serverstats' style: ASCII borders, headers
// as written (tablewriter would upper-case "Use%" into "USE %").
type Table struct {
	t *tablewriter.Table
}

// NewTable starts a table with header on w.
func NewTable(w io.Writer, header []string) *Table {
	t := tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
	)
	h := make([]string, len(header))
	for i, s := range header {
		h[i] = cellText(s)
	}
	t.Header(h)
	return &Table{t: t}
}

// Row adds a row.
func (t *Table) Row(cells ...string) {
	r := make([]string, len(cells))
	for i, c := range cells {
		r[i] = cellText(c)
	}
	_ = t.t.Append(r)
}

// Render writes the table.
func (t *Table) Render() { _ = t.t.Render() }

// cellText keeps a cell on one line, visible when empty, and harmless to
// the terminal (see visible).
func cellText(s string) string {
	s = Visible(strings.ReplaceAll(s, "\n", " "), "")
	if s == "" {
		return " "
	}
	return s
}

// Visible makes text from a server safe to print on a terminal: control
// characters other than those in keep (an escape sequence could retitle
// the window, move the cursor or hide lines) are shown escaped, e.g.
// "\x1b", and invalid UTF-8 as U+FFFD.
func Visible(s, keep string) string {
	clean := true
	for _, r := range s {
		if isControl(r) && !strings.ContainsRune(keep, r) || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if isControl(r) && !strings.ContainsRune(keep, r) {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isControl reports C0 and C1 control characters and DEL.
func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }
