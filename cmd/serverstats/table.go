package main

import (
	"io"
	"slices"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"serverstats/config"
)

// table is a tablewriter table in serverstats' style: ASCII borders, headers
// as written (tablewriter would upper-case "Use%" into "USE %").
type table struct {
	t *tablewriter.Table
}

func newTable(w io.Writer, header []string) *table {
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
	return &table{t: t}
}

func (t *table) row(cells ...string) {
	r := make([]string, len(cells))
	for i, c := range cells {
		r[i] = cellText(c)
	}
	_ = t.t.Append(r)
}

func (t *table) render() { _ = t.t.Render() }

// cellText keeps a cell on one line and visible when empty.
func cellText(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if s == "" {
		return " "
	}
	return s
}

func sortedCommands(cfg *config.Config) []*config.Command {
	cmds := slices.Clone(cfg.Commands)
	slices.SortFunc(cmds, func(a, b *config.Command) int { return strings.Compare(a.Name, b.Name) })
	return cmds
}
