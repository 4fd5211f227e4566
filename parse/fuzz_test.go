package parse

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
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
