package parse

import (
	"strings"
	"testing"
)

// TestLocaleNumbers checks the number conventions of columns (numfmt.go):
// the typed value reads through the column's convention, the raw cell is
// kept as printed.
func TestLocaleNumbers(t *testing.T) {
	cases := []struct {
		name, text, col string
		want            []any // float64 per row, or a string for a text column
	}{
		{"decimal comma", "CPU  %user  %idle\nall   0,50  99,25\n  0  12,30   1,00\n", "%user", []any{0.5, 12.3}},
		{"en groups", "NAME  BYTES\na     1,234,567\nb     999\nc     1,234\n", "BYTES", []any{1234567.0, 999.0, 1234.0}},
		{"de groups and decimals", "NAME  BYTES\na     1.234.567,5\nb     12,25\nc     1.234\n", "BYTES", []any{1234567.5, 12.25, 1234.0}},
		{"de groups of integers", "NAME  BYTES\na     1.234.567\nb     1.234\n", "BYTES", []any{1234567.0, 1234.0}},
		{"dots alone are decimals", "NAME  VALUE\na     1.234\nb     5.5\n", "VALUE", []any{1.234, 5.5}},
		{"narrow no-break space groups", "NAME  BYTES\na     1\u202f234\u202f567\nb     12\n", "BYTES", []any{1234567.0, 12.0}},
		{"sizes with a decimal comma", "Size  Used Mounted\n1,5G  512M /\n 20G  1,2G /home\n", "Size", []any{1.5 * (1 << 30), 20.0 * (1 << 30)}},
		{"percent with a decimal comma", "NAME  %CPU  %MEM\na     12,5   0,1\nb      0,3   1,0\n", "%CPU", []any{12.5, 0.3}},
		{"a lone d,d column is text", "COMMAND PID DEVICE NAME\ninit      1  253,0 /\nbash      2    8,1 /home\n", "DEVICE", []any{"253,0", "8,1"}},
		{"addresses are not groups", "NAME  ADDR\na     192.168.100.200\nb     10.100.200.255\n", "ADDR", []any{"192.168.100.200", "10.100.200.255"}},
	}
	for _, c := range cases {
		tab, err := ParseTable(c.text, Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		col, ok := tab.Column(c.col)
		if !ok {
			t.Fatalf("%s: no column %q in %q", c.name, c.col, tab.Header)
		}
		for r, w := range c.want {
			v, err := tab.Value(r, col, TypeAuto)
			if err != nil {
				t.Errorf("%s row %d: %v", c.name, r+1, err)
				continue
			}
			if v.Raw != strings.TrimSpace(tab.Rows[r].Cells[col]) {
				t.Errorf("%s row %d: raw %q, cell %q", c.name, r+1, v.Raw, tab.Rows[r].Cells[col])
			}
			switch w := w.(type) {
			case float64:
				if f, ok := v.Float(); !ok || f != float64(int64(w)) && f != w {
					t.Errorf("%s row %d: %s %v, want %v", c.name, r+1, v.Type, f, w)
				}
			case string:
				if v.Type != TypeString || v.Str != w {
					t.Errorf("%s row %d: %s %q, want text %q", c.name, r+1, v.Type, v.Raw, w)
				}
			}
		}
	}
	// A rule's threshold reads in the column's convention too.
	tab, _ := ParseTable("Size  Used Mounted\n1,5G  512M /\n 20G  1,2G /home\n", Options{})
	if v, err := tab.ValueOf("2,5G", 0, TypeAuto); err != nil || v.Num != 2.5*(1<<30) {
		t.Errorf("ValueOf 2,5G: %v %v", v.Num, err)
	}
	// ParseValue alone reads C only.
	if _, err := ParseValue("1,234", TypeNumber); err == nil {
		t.Errorf("ParseValue read 1,234 as a number")
	}
}

// TestEscapesAndFooters checks terminal escapes, closing rules, notes in
// parentheses and pages of rows.
func TestEscapesAndFooters(t *testing.T) {
	cases := []struct{ name, text, want string }{
		{"colour and a hyperlink", "\x1b[1mNAME    SIZE\x1b[0m\n\x1b[0m\x1b[01;34mdocs\x1b[0m    \x1b]8;;file:///docs\x1b\\12\x1b]8;;\x1b\\\n\x1b(B\x1b[mtmp       3\n", "NAME SIZE|docs 12|tmp 3"},
		{"crlf", "NAME  SIZE \r\na     1 \r\nb     2 \r\n", "NAME SIZE|a 1|b 2"},
		{"closing rule and total", "NAME  SIZE\n----  ----\na        1\nb        2\n----  ----\ntotal    3\n", "NAME SIZE|a 1|b 2"},
		{"rows between rules", "NAME  SIZE\n----  ----\na        1\n----  ----\nb        2\n----  ----\n", "NAME SIZE|a 1|b 2"},
		{"psql note", " name | size\n------+------\n a    |    1\n b    |    2\n(2 rows)\n", "name size|a 1|b 2"},
		{"pages", "NAME   SIZE  STATE\nalpha    10  up\nbeta      2  down\n\ngamma    33  up\ndelta     4  down\n\n2 entries listed.\n", "NAME SIZE STATE|alpha 10 up|beta 2 down|gamma 33 up|delta 4 down"},
	}
	for _, c := range cases {
		tab, err := ParseTable(c.text, Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := []string{strings.Join(tab.Header, " ")}
		for _, r := range tab.Rows {
			got = append(got, strings.Join(r.Cells, " "))
		}
		if g := strings.Join(got, "|"); g != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, g, c.want)
		}
	}
}
