package parse

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func readCase(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../testdata/parse", name, "input.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The size base of each column of real outputs, decided from the text
// alone (no SizeBase option): df -H's "4.1k" makes the whole table SI,
// df -h's "4.0K" and plain "12G" are binary, procps 4 free -h writes "Gi";
// df -H and free --si -h with no kilo-range value show nothing, so they
// read binary unless the command says size-base: si.
func TestSizeBaseOnRealOutputs(t *testing.T) {
	tests := []struct {
		dir    string
		col    string
		base   int // from the text alone
		withSI int // with Options.SizeBase 1000
	}{
		{"df-H", "Size", 1000, 1000},
		{"df-H", "Used", 1000, 1000}, // no "k" in Used: the table's evidence
		{"df-h", "Avail", 1024, 1000},
		{"local-df-H-big", "Avail", 1024, 1000}, // no evidence in the text
		{"local-df-h-big", "Avail", 1024, 1000},
		{"free-h", "total", 1024, 1000}, // "Gi" is always binary, but one-letter suffixes follow the option
		{"local-free-si-h", "total", 1024, 1000},
		{"debian12-du-h", "#1", 1024, 1000},
		{"debian12-busybox-df-h", "Size", 1024, 1000},
	}
	for _, tt := range tests {
		text := readCase(t, tt.dir)
		for _, opt := range []Options{{}, {SizeBase: 1000}} {
			tab, err := ParseTable(text, opt)
			if err != nil {
				t.Fatal(err)
			}
			c, ok := tab.Column(tt.col)
			if !ok {
				t.Fatalf("%s: no column %q in %q", tt.dir, tt.col, tab.Header)
			}
			want := tt.base
			if opt.SizeBase != 0 {
				want = tt.withSI
			}
			if got := tab.SizeBase(c); got != want {
				t.Errorf("%s %s (SizeBase option %d): base %d, want %d", tt.dir, tt.col, opt.SizeBase, got, want)
			}
		}
	}
}

// 13G is 13×10⁹ in df -H output and 13×2³⁰ in df -h output: the same cell
// text, read in its column's base.
func TestValue13G(t *testing.T) {
	dfH := readCase(t, "df-H") // devtmpfs 13G ... and a 4.1k row
	dfh := "Filesystem      Size  Used Avail Use% Mounted on\n" +
		"devtmpfs         13G     0   13G   0% /dev\n" +
		"none            4.0K     0  4.0K   0% /run/x\n"
	for _, tt := range []struct {
		name, text string
		want       int64
	}{
		{"df -H", dfH, 13e9},
		{"df -h", dfh, 13 << 30},
	} {
		tab, err := ParseTable(tt.text, Options{})
		if err != nil {
			t.Fatal(err)
		}
		c, _ := tab.Column("Avail")
		if tab.Rows[0].Cells[c] != "13G" {
			t.Fatalf("%s: row 1 Avail is %q", tt.name, tab.Rows[0].Cells[c])
		}
		for _, typ := range []Type{TypeBytes, TypeAuto} {
			v, err := tab.Value(0, c, typ)
			if err != nil || v.Int != tt.want {
				t.Errorf("%s: Value(13G, %s) = %d, %v; want %d", tt.name, typ, v.Int, err, tt.want)
			}
			// A text read in the column (a threshold) gets the same base.
			if v, _ := tab.ValueOf("13G", c, typ); v.Int != tt.want {
				t.Errorf("%s: ValueOf(13G, %s) = %d; want %d", tt.name, typ, v.Int, tt.want)
			}
		}
	}
}

// The evidence of one cell and of a header word.
func TestSizeMarks(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want int
	}{
		{"4.1k", markSI}, {"12MB", markSI}, {"3kB", markSI},
		{"1.9Gi", markBinary}, {"23KiB", markBinary}, {"125.1m", markBinary}, {"1020K", markBinary},
		{"13G", 0}, {"4.0K", 0}, {"999M", 0}, {"0B", 0}, {"1024", 0}, {"abc", 0}, {"", 0},
	} {
		if got := sizeMarks(tt.s); got != tt.want {
			t.Errorf("sizeMarks(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
	for _, tt := range []struct {
		h    string
		want int
	}{
		{"1K-blocks", markBinary}, {"1024-blocks", markBinary}, {"512-blocks", markBinary}, {"1M-blocks", markBinary},
		{"1kB-blocks", markSI}, {"1000-blocks", markSI}, {"1MB-blocks", markSI},
		{"Size", 0}, {"-blocks", 0}, {"Used", 0},
	} {
		if got := headerMarks(tt.h); got != tt.want {
			t.Errorf("headerMarks(%q) = %d, want %d", tt.h, got, tt.want)
		}
	}
	// A table-wide SI header makes its one-letter suffixes SI.
	tab, err := ParseTable("Filesystem 1kB-blocks Avail\n/dev/a 12 13G\n", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := tab.Column("Avail"); tab.SizeBase(c) != 1000 {
		t.Errorf("Avail under a 1kB-blocks header: base %d, want 1000", tab.SizeBase(c))
	}
}

// Repeated header names keep every column, with unique names; a rule or
// --column naming "Use" gets the first.
func TestRepeatedHeaderKeepsColumns(t *testing.T) {
	tab, err := ParseTable(lines(
		"Name  Use  Use  Mounted on",
		"a     1    2    /a",
		"b     4    5    /b"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Header) != 4 {
		t.Fatalf("header %q: a column was lost", tab.Header)
	}
	seen := map[string]bool{}
	for _, h := range tab.Header {
		if seen[h] {
			t.Errorf("header %q repeats %q", tab.Header, h)
		}
		seen[h] = true
	}
	var got []string
	for c := range tab.Header {
		got = append(got, tab.Rows[0].Cells[c])
	}
	if !slices.Equal(got, []string{"a", "1", "2", "/a"}) {
		t.Errorf("row 1 %q under %q", got, tab.Header)
	}
	if c, _ := tab.Column("Use"); tab.Rows[0].Cells[c] != "1" {
		t.Errorf("Use is column %d, want the first", c)
	}
	for _, tt := range []struct{ in, want []string }{
		{[]string{"Use", "Use"}, []string{"Use", "Use 2"}},
		{[]string{"Use", "Use", "Use 2"}, []string{"Use", "Use 3", "Use 2"}},
		{[]string{"A", "A", "A 2", "A 2", "A"}, []string{"A", "A 3", "A 2", "A 2 2", "A 4"}},
	} {
		if got := uniqueNames(slices.Clone(tt.in)); !slices.Equal(got, tt.want) {
			t.Errorf("uniqueNames(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A selected column reads as in its table: df -H's Used has no "k" of its
// own, but the table's makes it SI.
func TestSelectKeepsReading(t *testing.T) {
	tab, err := ParseTable(readCase(t, "df-H"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := tab.Column("Used")
	one := tab.Select(c)
	for r := range tab.Rows {
		for _, typ := range []Type{TypeAuto, TypeBytes} {
			a, _ := tab.Value(r, c, typ)
			b, _ := one.Value(r, 0, typ)
			if a != b {
				t.Errorf("row %d %s: table %+v, selected %+v", r, typ, a, b)
			}
		}
	}
	if v, _ := one.Value(2, 0, TypeBytes); v.Int != 14e9 {
		t.Errorf("selected Used 14G = %d, want 14e9", v.Int)
	}
}
