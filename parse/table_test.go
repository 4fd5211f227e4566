package parse

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// lines joins its arguments as the lines of a command output.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

func TestParseTableShapes(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		opt    Options
		header []string
		rows   [][]string
		short  []bool
	}{
		{
			name:   "unaligned: one token per header word in every row makes each word a column",
			text:   lines("Filesystem Use% Mounted", "overlay 99% /var/a", "overlay 98% /var/lib/docker/b"),
			header: []string{"Filesystem", "Use%", "Mounted"},
			rows:   [][]string{{"overlay", "99%", "/var/a"}, {"overlay", "98%", "/var/lib/docker/b"}},
		},
		{
			name: "right-aligned numbers and multi-word last header",
			text: lines(
				"Filesystem     1K-blocks    Used Available Use% Mounted on",
				"/dev/sda2       20508240 5748028  13695408  30% /",
				"tmpfs               5120       0      5120   0% /run/lock",
			),
			header: []string{"Filesystem", "1K-blocks", "Used", "Available", "Use%", "Mounted on"},
			rows: [][]string{
				{"/dev/sda2", "20508240", "5748028", "13695408", "30%", "/"},
				{"tmpfs", "5120", "0", "5120", "0%", "/run/lock"},
			},
		},
		{
			name: "values with spaces in the first and last columns",
			text: lines(
				"Filesystem               Size  Used Avail Use% Mounted on",
				"/dev/vda                 252G   13G   79G  14% /",
				"tmpfs with spaces         16M     0   16M   0% /mnt/dir with spaces",
			),
			header: []string{"Filesystem", "Size", "Used", "Avail", "Use%", "Mounted on"},
			rows: [][]string{
				{"/dev/vda", "252G", "13G", "79G", "14%", "/"},
				{"tmpfs with spaces", "16M", "0", "16M", "0%", "/mnt/dir with spaces"},
			},
		},
		{
			name: "wrapped row is joined",
			text: lines(
				"Filesystem           1K-blocks      Used Available Use% Mounted on",
				"/dev/vda             264212084  12990572  82510692  14% /",
				"backup_volume_for_tests",
				"                             4         0         4   0% /srv/backup",
				"tmpfs                 24683620         0  24683620   0% /dev/shm",
			),
			header: []string{"Filesystem", "1K-blocks", "Used", "Available", "Use%", "Mounted on"},
			rows: [][]string{
				{"/dev/vda", "264212084", "12990572", "82510692", "14%", "/"},
				{"backup_volume_for_tests", "4", "0", "4", "0%", "/srv/backup"},
				{"tmpfs", "24683620", "0", "24683620", "0%", "/dev/shm"},
			},
		},
		{
			name: "first column without header",
			text: lines(
				"              total        used        free",
				"Mem:        3861332      222820     3364176",
				"Swap:       2097148           0     2097148",
			),
			header: []string{"#1", "total", "used", "free"},
			rows: [][]string{
				{"Mem:", "3861332", "222820", "3364176"},
				{"Swap:", "2097148", "0", "2097148"},
			},
		},
		{
			name: "title line, group line, repeated header, footer",
			text: lines(
				"Kernel statistics",
				"procs ---memory---",
				" r  b   free  cache",
				" 1  0 763388 819640",
				"procs ---memory---",
				" r  b   free  cache",
				" 2  1 763390 819640",
				"",
				"2 samples.",
			),
			header: []string{"r", "b", "free", "cache"},
			rows:   [][]string{{"1", "0", "763388", "819640"}, {"2", "1", "763390", "819640"}},
		},
		{
			name: "short rows",
			text: lines(
				"USER     TTY      WHAT",
				"alice    pts/0    top -d 1",
				"carol",
			),
			header: []string{"USER", "TTY", "WHAT"},
			rows:   [][]string{{"alice", "pts/0", "top -d 1"}, {"carol", "", ""}},
			short:  []bool{false, true},
		},
		{
			name:   "header only, as the command says",
			text:   lines("USER     TTY      FROM             LOGIN@   IDLE WHAT"),
			opt:    Options{HasHeader: new(true)},
			header: []string{"USER", "TTY", "FROM", "LOGIN@", "IDLE", "WHAT"},
		},
		{
			name:   "one line is one value",
			text:   lines(" 07:01:56 up 7 min,  0 user,  load average: 0.50, 0.80, 0.40"),
			header: []string{"value"},
			rows:   [][]string{{"07:01:56 up 7 min,  0 user,  load average: 0.50, 0.80, 0.40"}},
		},
		{
			name:   "no header: one value per line",
			text:   lines("  true", "", "42 items "),
			opt:    Options{NoHeader: true},
			header: []string{"value"},
			rows:   [][]string{{"true"}, {"42 items"}},
		},
		{
			name:   "header line and skip lines",
			text:   lines("junk 1 2", "A  B", "x  1", "C  D", "y  2"),
			opt:    Options{SkipLines: 2, HeaderLine: 2},
			header: []string{"C", "D"},
			rows:   [][]string{{"y", "2"}},
		},
		{
			name:   "given header for output without one",
			text:   lines("kbrazil  pts/0        2020-02-29 18:43 (192.168.71.1)", "kbrazil  ttyS0        2020-02-29 12:14"),
			opt:    Options{Header: "NAME     LINE         TIME             COMMENT"},
			header: []string{"NAME", "LINE", "TIME", "COMMENT"},
			rows: [][]string{
				{"kbrazil", "pts/0", "2020-02-29 18:43", "(192.168.71.1)"},
				{"kbrazil", "ttyS0", "2020-02-29 12:14", ""},
			},
		},
		{
			name:   "tabs, CRLF and tree glyphs",
			text:   "NAME\tSIZE\r\n├─sda1\t1G\r\n└─sda2\t19G\r\n",
			header: []string{"NAME", "SIZE"},
			rows:   [][]string{{"sda1", "1G"}, {"sda2", "19G"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := checkShape(t, tt.text, tt.opt, tt.header, tt.rows)
			for i, s := range tt.short {
				if i < len(tab.Rows) && tab.Rows[i].Short != s {
					t.Errorf("row %d Short = %v, want %v", i, tab.Rows[i].Short, s)
				}
			}
		})
	}
}

// checkShape parses text and checks its header and the cells of its rows.
func checkShape(t *testing.T, text string, opt Options, header []string, rows [][]string) *Table {
	t.Helper()
	tab, err := ParseTable(text, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tab.Header, header) {
		t.Errorf("header %q, want %q", tab.Header, header)
	}
	var got [][]string
	for _, r := range tab.Rows {
		got = append(got, r.Cells)
		if len(r.Cells) != len(tab.Header) {
			t.Errorf("line %d has %d cells for %d columns", r.Line, len(r.Cells), len(tab.Header))
		}
	}
	if !reflect.DeepEqual(got, rows) {
		t.Errorf("rows\n%q\nwant\n%q", got, rows)
	}
	return tab
}

func TestParseTableLines(t *testing.T) {
	tab, err := ParseTable(lines("title", "", "A  B", "1  2", "", "A  B", "3  4"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, r := range tab.Rows {
		got = append(got, r.Line)
	}
	if want := []int{4, 7}; !reflect.DeepEqual(got, want) {
		t.Errorf("row lines %v, want %v", got, want)
	}
}

func TestParseTableErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		opt  Options
		want string
	}{
		{"empty", "", Options{}, "empty"},
		{"blank", "\n  \n", Options{}, "empty"},
		{"numbers only, with a header said", "1 2 3\n4 5 6\n", Options{HasHeader: new(true)}, "no header"},
		{"no such table", "A B\n1 2\n", Options{Table: "3"}, "1 table"},
		{"no table of that name", "A B\n1 2\n", Options{Table: "Device"}, `no table "Device"`},
		{"bad size base", "A B\n1 2\n", Options{SizeBase: 10}, "size base"},
		{"header line past the end", "A B\n1 2\n", Options{HeaderLine: 5}, "past the end"},
		{"blank header line", "A B\n\n1 2\n", Options{HeaderLine: 2}, "blank"},
		{"negative skip", "A B\n", Options{SkipLines: -1}, "negative"},
		{"negative header line", "A B\n", Options{HeaderLine: -2}, "negative"},
		{"blank given header", "1 2\n", Options{Header: "  "}, "blank"},
	}
	for _, tt := range tests {
		_, err := ParseTable(tt.text, tt.opt)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestColumn(t *testing.T) {
	tab := &Table{Header: []string{"#1", "Use%", "Mounted on", "Use%"}}
	tests := []struct {
		name string
		want int
		ok   bool
	}{
		{"Use%", 1, true},
		{"Mounted on", 2, true},
		{"#1", 0, true},
		{"#3", 2, true},
		{"#4", 3, true},
		{"#5", 0, false},
		{"#0", 0, false},
		{"use%", 0, false},
		{"Mounted", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := tab.Column(tt.name)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Column(%q) = %d, %v; want %d, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	var nilTab *Table
	if _, ok := nilTab.Column("x"); ok {
		t.Error("a nil table has a column")
	}
}

func TestTableValue(t *testing.T) {
	tab, err := ParseTable(lines(
		"Filesystem      Size  Used Avail Use% Mounted on",
		"/dev/sda1        20G   15G  5.0G  75% /",
		"/dev/sdb1       1.0T  900G  100G  9x% /data",
	), Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := tab.Column("Use%")
	v, err := tab.Value(0, c, TypePercent)
	if err != nil || v.Num != 75 {
		t.Errorf("Value(0, Use%%) = %+v, %v", v, err)
	}
	_, err = tab.Value(1, c, TypePercent)
	if err == nil || err.Error() != `line 3, column "Use%": cannot parse "9x%" as percent` {
		t.Errorf("error %v", err)
	}
	var ce *CellError
	var ve *ValueError
	if !errors.As(err, &ce) || ce.Line != 3 || !errors.As(err, &ve) {
		t.Errorf("error %#v is not a CellError wrapping a ValueError", err)
	}
	if _, err := tab.Value(5, 0, TypeString); err == nil {
		t.Error("no error for a row out of range")
	}
	// TypeAuto reads the column's type.
	s, _ := tab.Column("Size")
	v, err = tab.Value(1, s, TypeAuto)
	if err != nil || v.Type != TypeBytes || v.Int != 1<<40 {
		t.Errorf("Value(1, Size, auto) = %+v, %v", v, err)
	}
	u, _ := tab.Column("Use%")
	if v, _ := tab.Value(0, u, TypeAuto); v.Type != TypeString {
		t.Errorf("Use%% with a bad cell infers %s, want string", v.Type)
	}
}

func TestTableSizeBase(t *testing.T) {
	tests := []struct {
		name string
		text string
		col  string
		row  int
		want int64
	}{
		{"df -h is binary", lines("Size Avail", " 12G   79G", "4.0K   4.0K"), "Avail", 0, 79 << 30},
		{"df -H is SI in every column", lines("Size Avail", " 13G   85G", "4.1k   4.1M"), "Avail", 0, 85e9},
		{"top: binary m beside SI-looking k counts", lines("RES   nMin", "2.2m   13k", "1.0m    0"), "RES", 0, 2306867},
	}
	for _, tt := range tests {
		tab, err := ParseTable(tt.text, Options{})
		if err != nil {
			t.Fatal(err)
		}
		c, ok := tab.Column(tt.col)
		if !ok {
			t.Fatalf("%s: no column %q in %q", tt.name, tt.col, tab.Header)
		}
		v, err := tab.Value(tt.row, c, TypeBytes)
		if err != nil || v.Int != tt.want {
			t.Errorf("%s: %s = %d, %v; want %d", tt.name, v.Raw, v.Int, err, tt.want)
		}
	}
}

func TestTableJSON(t *testing.T) {
	tab, err := ParseTable(lines("NAME  TIME  USE%  TIME", "a     0:03   93%  x", "b     -     9x%   y"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(tab.JSON(TypeAuto))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"header":["NAME","TIME","USE%","TIME 2"],"rows":[` +
		`{"NAME":{"raw":"a","value":"a"},"TIME":{"raw":"0:03","value":3},"TIME 2":{"raw":"x","value":"x"},"USE%":{"raw":"93%","value":"93%"}},` +
		`{"NAME":{"raw":"b","value":"b"},"TIME":{"raw":"-","value":null},"TIME 2":{"raw":"y","value":"y"},"USE%":{"raw":"9x%","value":"9x%"}}]}`
	if string(b) != want {
		t.Errorf("JSON\n%s\nwant\n%s", b, want)
	}
	b, _ = json.Marshal(tab.JSON(TypePercent)["rows"].([]any)[1].(map[string]any)["USE%"])
	if want := `{"error":"line 3, column \"USE%\": cannot parse \"9x%\" as percent","raw":"9x%","value":null}`; string(b) != want {
		t.Errorf("bad cell JSON %s, want %s", b, want)
	}
}

func TestCellError(t *testing.T) {
	base := errors.New("boom")
	tests := []struct {
		err  *CellError
		want string
	}{
		{&CellError{Line: 3, Column: "Use%", Err: base}, `line 3, column "Use%": boom`},
		{&CellError{Line: 3, Err: base}, `line 3: boom`},
		{&CellError{Column: "a", Err: base}, `column "a": boom`},
		{&CellError{Err: base}, `boom`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%q, want %q", got, tt.want)
		}
		if !errors.Is(tt.err, base) {
			t.Error("does not unwrap")
		}
	}
}

// Sections under the very same header join into one table at once; each
// title still selects its own rows, and a title used twice gives both
// sections' rows.
func TestSectionsSameHeader(t *testing.T) {
	in := `Internet:
Destination        Gateway            Flags        Netif Expire
default            192.168.1.254      UGSc           en0
127                localhost          UCS            lo0

Internet6:
Destination        Gateway            Flags        Netif Expire
default            fe80::1            UGc            en0
localhost          localhost          UHL            lo0

Internet:
Destination        Gateway            Flags        Netif Expire
10.0.0.0/8         10.1.1.1           UGSc           en1
`
	tabs, err := ParseTables(in, Options{})
	if err != nil || len(tabs) != 1 || len(tabs[0].Rows) != 5 {
		t.Fatalf("%d tables (%v), want 1 of 5 rows", len(tabs), err)
	}
	for sel, want := range map[string][]string{
		"Destination": {"default", "127", "default", "localhost", "10.0.0.0/8"},
		"Internet":    {"default", "127", "10.0.0.0/8"},
		"Internet6":   {"default", "localhost"},
	} {
		got, err := ParseTable(in, Options{Table: sel})
		if err != nil {
			t.Errorf("table %q: %v", sel, err)
			continue
		}
		var dests []string
		for _, r := range got.Rows {
			dests = append(dests, r.Cells[0])
		}
		if !slices.Equal(dests, want) {
			t.Errorf("table %q: rows %q, want %q", sel, dests, want)
		}
	}
}

// TestSectionsFewerColumns checks sections of one table where a later one
// leaves columns out (macOS netstat -r: Internet6 routes have no Refs and
// Use): one table with every column, the missing cells blank, found by
// its name; each section's title selects that section's rows.
func TestSectionsFewerColumns(t *testing.T) {
	in := `Routing tables

Internet:
Destination        Gateway            Flags        Refs      Use   Netif Expire
default            192.168.1.254      UGSc           85       24     en0
127                localhost          UCS             0        0     lo0

Internet6:
Destination        Gateway            Flags         Netif Expire
default            fe80::feae:34ff:fe UGc             en0
localhost          localhost          UHL             lo0
`
	tabs, err := ParseTables(in, Options{})
	if err != nil || len(tabs) != 1 {
		t.Fatalf("%d tables (%v), want 1", len(tabs), err)
	}
	tab := tabs[0]
	want := []string{"Destination", "Gateway", "Flags", "Refs", "Use", "Netif", "Expire"}
	if !slices.Equal(tab.Header, want) || tab.Title != "Internet" {
		t.Fatalf("header %q title %q, want %q and Internet", tab.Header, tab.Title, want)
	}
	rows := [][]string{
		{"default", "192.168.1.254", "UGSc", "85", "24", "en0", ""},
		{"127", "localhost", "UCS", "0", "0", "lo0", ""},
		{"default", "fe80::feae:34ff:fe", "UGc", "", "", "en0", ""},
		{"localhost", "localhost", "UHL", "", "", "lo0", ""},
	}
	if len(tab.Rows) != len(rows) {
		t.Fatalf("%d rows, want %d", len(tab.Rows), len(rows))
	}
	for r, w := range rows {
		if !slices.Equal(tab.Rows[r].Cells, w) {
			t.Errorf("row %d: %q, want %q", r+1, tab.Rows[r].Cells, w)
		}
	}
	// The table by its name or number; each section by its title.
	for sel, want := range map[string][][]string{"Destination": rows, "1": rows, "Internet": rows[:2], "Internet6:": rows[2:]} {
		got, err := ParseTable(in, Options{Table: sel})
		if err != nil {
			t.Errorf("table %q: %v", sel, err)
			continue
		}
		if len(got.Rows) != len(want) {
			t.Errorf("table %q: %d rows, want %d", sel, len(got.Rows), len(want))
			continue
		}
		for r, w := range want {
			if !slices.Equal(got.Rows[r].Cells, w) {
				t.Errorf("table %q row %d: %q, want %q", sel, r+1, got.Rows[r].Cells, w)
			}
		}
	}
}
