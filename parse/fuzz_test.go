package parse

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// Fuzz targets: FuzzParseTable and one per value parser (FuzzParseNumber,
// FuzzParsePercent, FuzzParseBytes, FuzzParseDuration, FuzzParseBool,
// FuzzParseAuto). Crashers land in testdata/fuzz/<target>/ and run as
// regression cases with every `go test`.

// valueSeeds are cell texts seen in real outputs and edge cases.
var valueSeeds = []string{
	"", "-", "?", "n/a", "0", "42", "-5", "+1.5", ".5", "1e3", "1e999",
	"9223372036854775807", "9223372036854775808", "-9223372036854775809",
	"18446744073709551616", "93%", "0.5%", "9x%", "1.9G", "1.9Gi", "23Gi",
	"4.1k", "0B", "0Bi", "1014M", "125.1m", "16E", "12MB", "1.5 kB", "3.5Ti",
	"1:08", "0:03", "7:53.61", "00:00:03", "2-03:04:05", "3:04m",
	"3 days, 2:03", "up 1:08", "1h30m", "2.66s", "500ms", "10days",
	"true", "no", "ON", "1", "Oct25", "/dev/sda1", "12:10PM", "1.2.3",
	"0.00000000000000000000000000001", "99999999999999999999999999999G",
}

func checkValue(t *testing.T, in string, typ Type) {
	t.Helper()
	v, err := ParseValue(in, typ)
	if v.Raw != strings.TrimSpace(in) {
		t.Fatalf("Raw %q for %q", v.Raw, in)
	}
	if (err != nil) != v.Invalid {
		t.Fatalf("error %v but Invalid %v for %q", err, v.Invalid, in)
	}
	if err != nil {
		want := "cannot parse " + quote(v.Raw) + " as " + string(typ)
		if typ != TypeAuto && err.Error() != want {
			t.Fatalf("error %q, want %q", err, want)
		}
		if _, ok := v.Float(); ok {
			t.Fatalf("invalid %q has a number", in)
		}
	}
	if v.Null && (err != nil || !isPlaceholder(v.Raw)) {
		t.Fatalf("null %q: %v", in, err)
	}
	if f, ok := v.Float(); ok {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			t.Fatalf("%q reads as %v", in, f)
		}
		if v.IsInt && float64(v.Int) != f {
			t.Fatalf("%q: Int %d but Num %v", in, v.Int, f)
		}
		if v.Type == TypeBytes && f < 0 {
			t.Fatalf("%q: negative size %v", in, f)
		}
	}
	if typ != TypeAuto && v.Type != typ {
		t.Fatalf("%q read as %s, asked %s", in, v.Type, typ)
	}
	if _, err := json.Marshal(v.JSON()); err != nil {
		t.Fatalf("%q: JSON: %v", in, err)
	}
	if utf8.ValidString(in) && !utf8.ValidString(v.String()) {
		t.Fatalf("%q: String() %q is not UTF-8", in, v.String())
	}
}

func quote(s string) string { return strconv.Quote(s) }

func fuzzValue(f *testing.F, typ Type) {
	for _, s := range valueSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkValue(t, s, typ) })
}

func FuzzParseNumber(f *testing.F)   { fuzzValue(f, TypeNumber) }
func FuzzParsePercent(f *testing.F)  { fuzzValue(f, TypePercent) }
func FuzzParseBytes(f *testing.F)    { fuzzValue(f, TypeBytes) }
func FuzzParseDuration(f *testing.F) { fuzzValue(f, TypeDuration) }
func FuzzParseBool(f *testing.F)     { fuzzValue(f, TypeBool) }
func FuzzParseAuto(f *testing.F)     { fuzzValue(f, TypeAuto) }

// FuzzParseTable parses any text with any options, without ParseTable's
// recover, so that a panic is a crash, and checks the table's shape.
func FuzzParseTable(f *testing.F) {
	inputs, _ := filepath.Glob(filepath.Join(goldenDir, "*", "input.txt"))
	for _, in := range inputs {
		b, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b), false, uint8(0), uint8(0), "")
	}
	f.Add("A B\n1 2\n", true, uint8(0), uint8(0), "")
	f.Add("x\ny  z\n", false, uint8(1), uint8(1), "")
	f.Add("kbrazil  pts/0   2020-02-29 18:43\n", false, uint8(0), uint8(0), "NAME     LINE    TIME")
	f.Add("├─a\t1\n└─│ b\n", false, uint8(0), uint8(0), "")
	f.Fuzz(func(t *testing.T, text string, noHeader bool, headerLine, skip uint8, header string) {
		opt := Options{NoHeader: noHeader, HeaderLine: int(headerLine % 8), SkipLines: int(skip % 8), Header: header}
		// The high bits of skip choose whether the output says it has a
		// header.
		switch skip / 8 % 3 {
		case 1:
			opt.HasHeader = new(true)
		case 2:
			opt.HasHeader = new(false)
		}
		tabs, err := parseTables(text, opt)
		if err != nil {
			return
		}
		if len(tabs) == 0 {
			t.Fatal("no table and no error")
		}
		for _, tab := range tabs {
			checkFuzzTable(t, text, tab)
		}
		if _, err := pickTable(tabs, strconv.Itoa(int(headerLine%4))); err != nil && int(headerLine%4) >= 1 && int(headerLine%4) <= len(tabs) {
			t.Fatalf("table %d of %d: %v", headerLine%4, len(tabs), err)
		}
	})
}

func checkFuzzTable(t *testing.T, text string, tab *Table) {
	{
		nlines := len(splitLines(text))
		last := 0
		for _, r := range tab.Rows {
			if len(r.Cells) != len(tab.Header) {
				t.Fatalf("line %d: %d cells, %d columns", r.Line, len(r.Cells), len(tab.Header))
			}
			if r.Line <= last || r.Line > nlines {
				t.Fatalf("row line %d after %d (of %d lines)", r.Line, last, nlines)
			}
			last = r.Line
			for _, c := range r.Cells {
				if strings.ContainsAny(c, "\n\r") {
					t.Fatalf("cell %q holds a line end", c)
				}
				if c != "" && (c[0] == ' ' || c[len(c)-1] == ' ') {
					t.Fatalf("cell %q is not trimmed", c)
				}
			}
		}
		for i, h := range tab.Header {
			if c, ok := tab.Column(h); !ok || c != i {
				t.Fatalf("Column(%q) = %d, %v: names must be unique (%q)", h, c, ok, tab.Header)
			}
		}
		if _, err := json.Marshal(tab.JSON(TypeAuto)); err != nil {
			t.Fatalf("JSON: %v", err)
		}
		for _, typ := range Types {
			for c := range tab.Header {
				for r := range tab.Rows {
					tab.Value(r, c, typ)
				}
			}
		}
	}
}

// A JSON path compiles or fails; a compiled one looks up any text without
// panicking.
func FuzzCompileJSONPath(f *testing.F) {
	for _, s := range []string{".", ".a", ".a[0].b", `.["x y"]`, ".a.[\"]\"]"} {
		f.Add(s, `{"a":[{"b":1}],"x y":2}`)
	}
	f.Fuzz(func(t *testing.T, path, doc string) {
		p, err := CompileJSONPath(path)
		if err != nil {
			return
		}
		_, _ = p.Lookup(doc)
	})
}

// builtinSeeds are outputs the built-in commands print, in the tagged form
// of their own shell lines and in the plain forms they also read.
var builtinSeeds = []string{
	"loadavg: 0.52 0.58 0.59 1/389 12345\ncpus: 4\n",
	"uptime:  10:00:00 up 20 days, 19:45,  2 users,  load average: 0,50, 0,40, 0,30\ncpus: 8\n",
	"uptime: 10:00  up 5 mins, 1 user, load averages: 1.92 1.70 1.62\ncpus: \n",
	"proc: 1801234.56 3502468.11\n",
	"boottime: { sec = 1724300000, usec = 0 } Thu Aug 22 06:13:20 2024\nnow: 1724320000\n",
	"count: 3\n",
	"count:       0\n",
	"unit: nginx.service\nstate: active\n",
	"unit: x\nstate: \n",
	"unit: x\nstate: no-systemctl\n",
	"hw.memsize: 17179869184\nMach Virtual Memory Statistics: (page size of 16384 bytes)\nPages free:  1234.\nPages speculative: 10.\nPages inactive: 300.\nPages purgeable: 7.\n",
	"hw.physmem: 8535027712\nv_page_size: 4096\nv_free_count: 1234\nv_inactive_count: 567\n",
	"MemTotal: 100 kB\nMemFree: 50 kB\nBuffers: 1 kB\nCached: 2 kB\n",
	"Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 1000 500 500 50% /\n",
	"Filesystem Size Used Avail Use% Mounted on\n/dev/sda1 1.9G 1.0G 900M 53% /var/lib/docker data\n",
	"Filesystem 512-blocks Used Available Capacity iused ifree %iused Mounted on\nmap auto_home 0 0 0 100% 0 0 100% /home\n",
	"Filesystem 1K-blocks Used Available Use% Mounted on\n/dev/mapper/very-long-volume-name\n 1000 500 500 50% /\n",
	// Numbers strconv reads but no built-in output has, and sizes that
	// overflowed (regression cases: they gave NaN loads, negative uptimes
	// and wrapped byte counts).
	"loadavg: NaN Inf -1 1/2 3\n", "loadavg: 0x1p3 1e3 .5\n", "proc: 1e300\n", "proc: NaN 0\n", "proc: Inf\n",
	"MemTotal: 18446744073709551615 kB\nMemFree: 1 kB\n", "MemTotal: 100 kB\nMemFree: 18446744073709551615 kB\n",
	"hw.physmem: 100\nv_page_size: 4294967296\nv_free_count: 4294967296\n",
	"Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/x 18014398509481984 1 1 1% /\n",
	"Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/x 1 1 1 1%\n",
}

// FuzzBuiltinNormalize runs each built-in's normalizer on any text: it
// fails or returns a table with exactly the built-in's columns, whose
// number columns hold non-negative numbers (or a placeholder where the
// built-in documents one), percentages in 0..100 and a non-empty key.
func FuzzBuiltinNormalize(f *testing.F) {
	names := BuiltinNames()
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "builtin", "*.out"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for i := range names {
			f.Add(uint8(i), string(b))
		}
	}
	for _, s := range builtinSeeds {
		for i := range names {
			f.Add(uint8(i), s)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, out string) {
		b, _ := LookupBuiltin(names[int(which)%len(names)])
		tab, err := b.Normalize(out)
		if err != nil {
			if tab != nil {
				t.Fatalf("%s: a table and an error %v", b.Name, err)
			}
			return
		}
		checkBuiltinTable(t, b, tab)
	})
}

// builtinCells says what the cells of each built-in column hold.
var builtinCells = map[string]struct {
	kind        string // "int", "float", "percent", "bool", "text"
	placeholder string // a cell the normalizer writes for "not known"
}{
	"mount": {"text", ""}, "filesystem": {"text", ""}, "unit": {"text", ""}, "state": {"text", ""},
	"size": {"int", "-"}, "used": {"int", "-"}, "avail": {"int", "-"}, "use%": {"percent", "-"},
	"total": {"int", ""}, "free": {"int", ""}, "available": {"int", ""}, "used%": {"percent", ""},
	"load1": {"float", ""}, "load5": {"float", ""}, "load15": {"float", ""}, "cpus": {"int", ""},
	"count": {"int", ""}, "seconds": {"int", ""}, "active": {"bool", ""},
}

func checkBuiltinTable(t *testing.T, b Builtin, tab *Table) {
	t.Helper()
	if tab == nil {
		t.Fatalf("%s: no table and no error", b.Name)
	}
	if !slices.Equal(tab.Header, b.Columns) {
		t.Fatalf("%s: header %q, want %q", b.Name, tab.Header, b.Columns)
	}
	if b.Key == "" && len(tab.Rows) != 1 {
		t.Fatalf("%s: %d rows, want one", b.Name, len(tab.Rows))
	}
	for _, r := range tab.Rows {
		if len(r.Cells) != len(tab.Header) {
			t.Fatalf("%s: row %q for header %q", b.Name, r.Cells, tab.Header)
		}
		for c, h := range tab.Header {
			cell := r.Cells[c]
			want, ok := builtinCells[h]
			if !ok {
				t.Fatalf("%s: column %q not described in builtinCells", b.Name, h)
			}
			if h == b.Key && strings.TrimSpace(cell) == "" {
				t.Fatalf("%s: row %q has an empty key %q", b.Name, r.Cells, h)
			}
			if !utf8.ValidString(cell) && want.kind != "text" {
				t.Fatalf("%s: %s cell %q is not UTF-8", b.Name, h, cell)
			}
			if want.kind == "text" || (cell == want.placeholder && (cell == "" || isPlaceholder(cell))) {
				continue
			}
			switch want.kind {
			case "int":
				if n, err := strconv.ParseInt(cell, 10, 64); err != nil || n < 0 || cell[0] == '+' {
					t.Fatalf("%s: %s cell %q is not a non-negative integer", b.Name, h, cell)
				}
			case "float":
				v, err := ParseValue(cell, TypeNumber)
				n, ok := v.Float()
				if err != nil || !ok || n < 0 || math.IsNaN(n) || math.IsInf(n, 0) {
					t.Fatalf("%s: %s cell %q is not a non-negative number (%v)", b.Name, h, cell, err)
				}
			case "percent":
				v, err := ParseValue(cell, TypePercent)
				n, ok := v.Float()
				if err != nil || !ok || !strings.HasSuffix(cell, "%") || math.IsNaN(n) || math.IsInf(n, 0) {
					t.Fatalf("%s: %s cell %q is not a percentage (%v)", b.Name, h, cell, err)
				}
				if b.Name == "memory" && (n < 0 || n > 100) {
					t.Fatalf("%s: %s cell %q is out of 0..100", b.Name, h, cell)
				}
			case "bool":
				if cell != "true" && cell != "false" {
					t.Fatalf("%s: %s cell %q is not true or false", b.Name, h, cell)
				}
			}
		}
	}
	if b.Name == "memory" {
		n := func(c int) uint64 { v, _ := strconv.ParseUint(tab.Rows[0].Cells[c], 10, 64); return v }
		if total, used, avail := n(0), n(1), n(3); used > total || avail > total || used+avail != total {
			t.Fatalf("memory: total %d, used %d, available %d", total, used, avail)
		}
	}
}
