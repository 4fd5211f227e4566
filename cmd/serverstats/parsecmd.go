package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"serverstats/cmd/serverstats/internal/check"
	"serverstats/cmd/serverstats/internal/textout"
	"serverstats/parse"
)

// parse reads a command's output on stdin and shows how it is typed: the
// table with each cell's typed value, or JSON.
func (a *app) parse(_ context.Context, o *opts) int {
	if len(o.args) > 0 {
		fmt.Fprintf(a.stderr, "serverstats: parse reads stdin; unexpected argument %q (try: df -h | serverstats parse)\n", o.args[0])
		return exitUsage
	}
	typ, err := parse.TypeAuto, error(nil)
	if o.parseOpt.typ != "" {
		if typ, err = parse.ParseType(o.parseOpt.typ); err != nil {
			fmt.Fprintf(a.stderr, "serverstats: --type: %v\n", err)
			return exitUsage
		}
	}
	in, err := io.ReadAll(a.stdin)
	if err != nil {
		fmt.Fprintf(a.stderr, "serverstats: read stdin: %v\n", err)
		return exitUnknown
	}
	popt := parse.Options{
		NoHeader: o.parseOpt.noHeader, HeaderLine: o.parseOpt.headerLine, SkipLines: o.parseOpt.skipLines,
		SizeBase: o.parseOpt.sizeBase,
	}
	tabs, err := parse.ParseTables(string(in), popt)
	if err != nil {
		fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
		return exitUnknown
	}
	if o.parseOpt.column != "" {
		t, _ := parse.ParseTable(string(in), popt)
		i, ok := t.Column(o.parseOpt.column)
		if !ok {
			fmt.Fprintf(a.stderr, "serverstats: no column %q; the columns are %q (or #1..#%d)\n", o.parseOpt.column, t.Header, len(t.Header)-len(t.Parts))
			return exitUsage
		}
		tabs = []*parse.Table{t.Select(i)} // read as in the whole table: same size base and type
	}
	if o.json {
		type jsonTab struct {
			Table  string                      `json:"table,omitempty"`
			Header []string                    `json:"header"`
			Rows   []map[string]check.JSONCell `json:"rows"`
		}
		out := make([]jsonTab, len(tabs))
		for i, t := range tabs {
			types := map[string]parse.Type{}
			for _, h := range t.Header {
				types[h] = typ
			}
			out[i].Header, out[i].Rows = check.JSONTable(t, types)
			if len(tabs) > 1 {
				out[i].Table = t.Name
			}
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if len(out) == 1 {
			_ = enc.Encode(out[0])
		} else {
			_ = enc.Encode(out) // several tables: an array, each with its name
		}
		return exitOK
	}
	// One table row per cell: where it is, its text, and how its column
	// reads it; with several tables, which table it is in (N: name).
	cols := []string{"line", "column", "raw", "type", "value"}
	if len(tabs) > 1 {
		cols = append([]string{"table"}, cols...)
	}
	tb := textout.NewTable(a.stdout, cols)
	for n, t := range tabs {
		for r, row := range t.Rows {
			for i, h := range t.Header {
				v, err := t.Value(r, i, typ)
				shown := v.String()
				switch {
				case err != nil:
					shown = "ERROR: " + err.Error()
				case v.Null:
					shown = "(null)"
				}
				cells := []string{fmt.Sprint(row.Line), h, row.Cells[i], string(v.Type), shown}
				if len(tabs) > 1 {
					cells = append([]string{fmt.Sprintf("%d: %s", n+1, t.Name)}, cells...)
				}
				tb.Row(cells...)
			}
		}
	}
	tb.Render()
	return exitOK
}
