package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

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
	t, err := parse.ParseTable(string(in), parse.Options{
		NoHeader: o.parseOpt.noHeader, HeaderLine: o.parseOpt.headerLine, SkipLines: o.parseOpt.skipLines,
	})
	if err != nil {
		fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
		return exitUnknown
	}
	if o.parseOpt.column != "" {
		i, ok := t.Column(o.parseOpt.column)
		if !ok {
			fmt.Fprintf(a.stderr, "serverstats: no column %q; the columns are %q (or #1..#%d)\n", o.parseOpt.column, t.Header, len(t.Header))
			return exitUsage
		}
		t = project(t, i)
	}
	types := map[string]parse.Type{}
	if typ != parse.TypeAuto {
		for _, h := range t.Header {
			types[h] = typ
		}
	}
	if o.json {
		header, rows := jsonTable(t, types)
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		_ = enc.Encode(struct {
			Header []string              `json:"header"`
			Rows   []map[string]jsonCell `json:"rows"`
		}{header, rows})
		return exitOK
	}
	// One table row per cell: where it is, its text, and how it is read.
	tb := newTable(a.stdout, []string{"line", "column", "raw", "type", "value"})
	for _, r := range t.Rows {
		for i, h := range t.Header {
			v, err := parse.ParseValue(r.Cells[i], types[h])
			shown := v.String()
			switch {
			case err != nil:
				shown = "ERROR: " + err.Error()
			case v.Null:
				shown = "(null)"
			}
			tb.row(fmt.Sprint(r.Line), h, r.Cells[i], string(v.Type), shown)
		}
	}
	tb.render()
	return exitOK
}

// project keeps only column i of t.
func project(t *parse.Table, i int) *parse.Table {
	out := &parse.Table{Header: []string{t.Header[i]}}
	for _, r := range t.Rows {
		out.Rows = append(out.Rows, parse.Row{Line: r.Line, Cells: []string{r.Cells[i]}, Short: r.Short})
	}
	return out
}
