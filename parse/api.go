// Package parse turns the text output of a command into a Table of typed
// cells. It never panics on any input and knows nothing about where the text
// came from.
//
// ParseTables finds the tables and their headers (header.go), lays out the
// columns from the header words and the data alignment (columns.go), and
// fits each row's tokens to the columns (assign.go): values may hold
// spaces, the last column takes the rest of the line, wrapped rows are
// joined, placeholders ("-", "?") are cells. Output with no header reads as
// positional columns #1..#N (positional.go). ParseTable picks one table.
// ParseValue reads a cell as a Type (value.go, number.go, bytes.go,
// duration.go); Table.Value and Table.ValueOf do it in the context of the
// column (access.go): its inferred type and its size base (base.go,
// Table.SizeBase), with positioned errors (errors.go). They are the one
// typing path of rules, `--json` and `serverstats parse`.
//
// This file is the contract the rest of serverstats codes against
// (config/, alerts/, cmd/). Keep these names and signatures stable.
package parse

// Type names how a cell's raw text is read.
type Type string

// The value types a rule may name with `value-type:`.
const (
	TypeAuto     Type = ""         // guess from the text (serverstats parse without --type)
	TypeString   Type = "string"   // the text itself, trimmed
	TypeNumber   Type = "number"   // signed integer or decimal: -5, 1.5, 9223372036854775807
	TypePercent  Type = "percent"  // 93%, 93, 0.5%; Num holds 93 for "93%"
	TypeBytes    Type = "bytes"    // 1.9G, 1.9Gi, 23Gi, 4.1k, 0B, 1024 (plain = bytes); Num holds bytes
	TypeBool     Type = "bool"     // true/false, yes/no, on/off, 1/0 (case-insensitive)
	TypeDuration Type = "duration" // 1:08, 3 days, 2:03, 01:02:03, 1h30m, 90s; Num holds seconds
)

// Types lists the named types in the order shown to users.
var Types = []Type{TypeString, TypeNumber, TypePercent, TypeBytes, TypeBool, TypeDuration}

// Value is one typed cell.
//
// Exactly one of the payload fields is meaningful, chosen by Type:
// Num (number, percent, bytes, duration in seconds), Str (string), Bool (bool).
// Integers that fit in int64 are also held exactly in Int with IsInt set, so
// 64-bit counters near 2^63 round-trip without loss.
type Value struct {
	Type Type
	Raw  string // the cell text as it appeared (trimmed)
	Null bool   // a placeholder cell: "", "-", "?", "--", "n/a"
	// Invalid is set when Raw did not parse as Type (ParseValue also
	// returned an error): there is no payload, Float reports false and
	// JSON gives nil.
	Invalid bool
	Num     float64
	Int     int64
	IsInt   bool
	Str     string
	Bool    bool
}

// Options says how to find the table in a command's output. The zero value
// guesses well.
type Options struct {
	// NoHeader reads the whole output as values with no header: the table
	// has one column named "value" and one row per non-blank line (the line,
	// trimmed, with tabs and control characters made spaces).
	NoHeader bool
	// HeaderLine is the 1-based line holding the header, counted after
	// SkipLines; 0 means guess.
	HeaderLine int
	// SkipLines drops this many leading lines before anything else.
	SkipLines int
	// Header is a header line to use for output that prints none (who,
	// du): its words name the columns and their positions should line up
	// with the data as the command would print a header ("NAME     LINE
	// TIME"). Every non-blank line after SkipLines is then a row.
	// HeaderLine, when set, wins.
	Header string
	// HasHeader says whether the output prints a header line; nil
	// guesses. False reads every non-blank line as a row of positional
	// columns "#1".."#N"; true makes the first line of a one-line output
	// a header (a one-line output is otherwise one value).
	HasHeader *bool `json:",omitempty"`
	// Table picks one of several tables in the output: "" the first with
	// rows, "N" the N-th (1-based), else the table whose name is that text
	// (its first header word without ":", as "Device" or "avg-cpu"), else
	// the table whose title is that text (the line above its header, or
	// alone above it after a blank line, without ":", as "Internet6").
	Table string `json:",omitempty"`
	// SizeBase is the base of one-letter size suffixes (K, M, G) when the
	// caller knows it (1000 for `df -H` or `free --si -h`, 1024 for `df -h`),
	// from a command's `size-base:` (config.Command.SizeBase); 0 decides
	// per column from the output (see Table.SizeBase).
	SizeBase int `json:",omitempty"`
}

// Table is a parsed command output. A column is addressed by its header text
// (exact, e.g. "Mounted on", "Use%") or by its 1-based position "#N" among
// the printed columns. A column with no header text (the first column of
// `free`) gets the name "#N".
//
// A compound column ("Local Address:Port") is kept as printed and its two
// parts follow the printed columns as columns of their own ("Local
// Address", "Local Port"; see compound.go), listed in Parts.
type Table struct {
	// Name is the table's first header word without a trailing ":"
	// ("Device", "avg-cpu"); "" for positional columns.
	Name string
	// Title is the line above the header that names the table
	// ("Internet6:" of macOS netstat -r, without ":"), or "". A table
	// joined from titled sections has the first one's; Options.Table by
	// title gives a section's rows (see mergeTables).
	Title  string `json:",omitempty"`
	Header []string
	Rows   []Row
	// Parts describes the last len(Parts) columns of Header: the parts of
	// compound columns, which "#N" does not count.
	Parts []Part `json:",omitempty"`

	cache    *tableCache // set by ParseTable; Value works without it
	sections []section   // the titled sections merged into this table (see mergeTables)
	sizeBase int         // Options.SizeBase
}

// section is the rows Rows[from:to] of a table, printed under title.
type section struct {
	title    string
	from, to int
}

// Row is one logical row; a wrapped row (df's long device names) is rejoined.
type Row struct {
	Line  int      // 1-based input line where the row starts
	Cells []string // raw cell text, trimmed; len(Cells) == len(Header); missing cells are ""
	Short bool     // the row had fewer cells than the header
}
