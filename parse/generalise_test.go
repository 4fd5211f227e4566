package parse

import "testing"

// TestGeneralRules checks, on small synthetic inputs, the rules that make
// parse read outputs it has not seen (issue 12): each case is the shape
// of a real output, with none of its names.
func TestGeneralRules(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		header []string
		rows   [][]string
	}{
		{
			name: "a leading time and numbered labels still make a header",
			text: lines(
				"10:00:01      runq-sz  plist-sz   ldavg-1   ldavg-5  ldavg-15",
				"10:00:02            1       100      0.50      0.40      0.30",
				"Average:            2       110      0.55      0.45      0.35",
			),
			header: []string{"#1", "runq-sz", "plist-sz", "ldavg-1", "ldavg-5", "ldavg-15"},
			rows: [][]string{
				{"10:00:02", "1", "100", "0.50", "0.40", "0.30"},
				{"Average:", "2", "110", "0.55", "0.45", "0.35"},
			},
		},
		{
			name: "a header repeated with another time or a label ending in colon is the same table",
			text: lines(
				"10:00:01   IFACE   rxpck/s",
				"10:00:02      lo      1.00",
				"",
				"10:00:02   IFACE   rxpck/s",
				"10:00:03      lo      2.00",
				"",
				"Average:   IFACE   rxpck/s",
				"Average:      lo      1.50",
			),
			header: []string{"#1", "IFACE", "rxpck/s"},
			rows:   [][]string{{"10:00:02", "lo", "1.00"}, {"10:00:03", "lo", "2.00"}, {"Average:", "lo", "1.50"}},
		},
		{
			name: "a 12-hour time before a repeated header",
			text: lines(
				"10:00:01 AM   IFACE   rxpck/s",
				"10:00:02 AM      lo      1.00",
				"",
				"Average:      IFACE   rxpck/s",
				"Average:         lo      1.50",
			),
			header: []string{"#1", "IFACE", "rxpck/s"},
			rows:   [][]string{{"10:00:02 AM", "lo", "1.00"}, {"Average:", "lo", "1.50"}},
		},
		{
			name:   "a header alone above a blank line takes the next block of as many words",
			text:   lines("major minor  #blocks  name", "", "   8        0   1000 sda", "   8        1    500 sda1"),
			header: []string{"major", "minor", "#blocks", "name"},
			rows:   [][]string{{"8", "0", "1000", "sda"}, {"8", "1", "500", "sda1"}},
		},
		{
			name:   "a header alone stays empty when the next block has other shapes",
			text:   lines("USER     TTY      FROM", "", "nobody is logged in right now"),
			header: []string{"USER", "TTY", "FROM"},
		},
		{
			name: "one space inside labels of a header padded by three spaces",
			text: lines(
				"NAME    READY   NOMINATED NODE   READINESS GATES",
				"a-1     1/1     <none>           <none>",
				"b-2     0/1     <none>           <none>",
			),
			header: []string{"NAME", "READY", "NOMINATED NODE", "READINESS GATES"},
			rows:   [][]string{{"a-1", "1/1", "<none>", "<none>"}, {"b-2", "0/1", "<none>", "<none>"}},
		},
		{
			name: "a padded header keeps a label of four words over values with spaces",
			text: lines(
				"ID    CPU %    MEM USAGE / LIMIT     PIDS",
				"a1    0.53%    112.4MiB / 7.667GiB   14",
				"b2    12.07%   8.9MiB / 7.667GiB     5",
				"c3    1.00%    1GiB / 2GiB           7",
			),
			header: []string{"ID", "CPU %", "MEM USAGE / LIMIT", "PIDS"},
			rows: [][]string{
				{"a1", "0.53%", "112.4MiB / 7.667GiB", "14"},
				{"b2", "12.07%", "8.9MiB / 7.667GiB", "5"},
				{"c3", "1.00%", "1GiB / 2GiB", "7"},
			},
		},
		{
			name: "right-aligned numbers under one-space labels are columns, not a padded header",
			text: lines(
				"Proto Recv-Q Send-Q Local Address           State",
				"tcp        0      0 0.0.0.0:22              LISTEN",
				"tcp        0     36 10.0.0.1:22             ESTABLISHED",
			),
			header: []string{"Proto", "Recv-Q", "Send-Q", "Local Address", "State"},
			rows: [][]string{
				{"tcp", "0", "0", "0.0.0.0:22", "LISTEN"},
				{"tcp", "0", "36", "10.0.0.1:22", "ESTABLISHED"},
			},
		},
		{
			name:   "tab-separated cells under a header, wider than a tab stop",
			text:   "#subsys_name\thierarchy\tenabled\ncpuset\t3\t1\nperf_event_long\t0\t1\n",
			header: []string{"#subsys_name", "hierarchy", "enabled"},
			rows:   [][]string{{"cpuset", "3", "1"}, {"perf_event_long", "0", "1"}},
		},
		{
			name:   "tab-separated: an empty header field is alignment, an empty row field a blank cell",
			text:   "Iface\tMask\t\tMTU\neth0\t00FFFFFF\t1500\nlo\t\t0\n",
			header: []string{"Iface", "Mask", "MTU"},
			rows:   [][]string{{"eth0", "00FFFFFF", "1500"}, {"lo", "", "0"}},
		},
		{
			name: "a headerless summary line in the first column fills the columns in order",
			text: lines(
				"total 12",
				"-rw-r--r-- 1 root root  100 Jan  1  2026 a",
				"drwxr-xr-x 2 root root 4096 Jan  1  2026 b",
			),
			header: []string{"#1", "#2", "#3", "#4", "#5", "#6", "#7"},
			rows: [][]string{
				{"total", "12", "", "", "", "", ""},
				{"-rw-r--r--", "1", "root", "root", "100", "Jan  1  2026", "a"},
				{"drwxr-xr-x", "2", "root", "root", "4096", "Jan  1  2026", "b"},
			},
		},
		{
			name: "numbers that line up row by row, one per column, keep their columns after an overflow",
			text: lines(
				" r  b   swpd   free  inact active   si   so    bi    bo   in   cs us sy id",
				" 5  0      0 19801964 1985224 1819356    0    0   891   864 2106 6165 34 10 55",
				" 4  0      0 19801964 1985224 1819356    0    0   148 16672 1924 3888 94  6  0",
			),
			header: []string{"r", "b", "swpd", "free", "inact", "active", "si", "so", "bi", "bo", "in", "cs", "us", "sy", "id"},
			rows: [][]string{
				{"5", "0", "0", "19801964", "1985224", "1819356", "0", "0", "891", "864", "2106", "6165", "34", "10", "55"},
				{"4", "0", "0", "19801964", "1985224", "1819356", "0", "0", "148", "16672", "1924", "3888", "94", "6", "0"},
			},
		},
		{
			name: "a word before a header naming the parts of a value is one label when no row has two values under them",
			text: lines(
				"Kind  Near Host:Slot        Far Host:Slot",
				"a     /very/long/name/here 11      * 0",
				"b     /x 12                   * 13",
				"c      * 14                      * 15",
				"d     h:1                      * 16",
			),
			// The last four columns are the parts of the two values.
			header: []string{"Kind", "Near Host:Slot", "Far Host:Slot", "Near Host", "Near Slot", "Far Host", "Far Slot"},
			rows: [][]string{
				{"a", "/very/long/name/here 11", "* 0", "/very/long/name/here", "11", "*", "0"},
				{"b", "/x 12", "* 13", "/x", "12", "*", "13"},
				{"c", "* 14", "* 15", "*", "14", "*", "15"},
				{"d", "h:1", "* 16", "h", "1", "*", "16"},
			},
		},
		{
			name: "a word before a header naming the parts of a value keeps its column when a row has a value under each",
			text: lines(
				"Kind  Tag Host:Slot",
				"a     x   h:1",
				"b     y   h:2",
				"c         h:3",
			),
			header: []string{"Kind", "Tag", "Host:Slot", "Host", "Slot"},
			rows:   [][]string{{"a", "x", "h:1", "h", "1"}, {"b", "y", "h:2", "h", "2"}, {"c", "", "h:3", "h", "3"}},
		},
		{
			name:   "wide characters take two columns, as column -t pads them",
			text:   lines("NAME          SIZE  USED  OWNER", "日本語データ  10G   3G    山田", "résumé        512M  100M  josé", "plain         1T    900G  bob"),
			header: []string{"NAME", "SIZE", "USED", "OWNER"},
			rows:   [][]string{{"日本語データ", "10G", "3G", "山田"}, {"résumé", "512M", "100M", "josé"}, {"plain", "1T", "900G", "bob"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkShape(t, tt.text, Options{}, tt.header, tt.rows)
		})
	}
}

// TestSummaryLine: a last line of "Label: value" pairs, when no row holds
// a word ending in ":", is a summary, not a row; a row that starts with
// one such word (a report's "Average:") stays a row.
func TestSummaryLine(t *testing.T) {
	checkShape(t, lines(
		"Host      Kind   Iface",
		"a.b       x      e0",
		"c.d       y      e1",
		"Seen: 2\tLeft: 0\tKept: 2",
	), Options{}, []string{"Host", "Kind", "Iface"}, [][]string{{"a.b", "x", "e0"}, {"c.d", "y", "e1"}})
	checkShape(t, lines(
		"Time      Dev   load",
		"10:00:01  d0    1.0",
		"10:00:02  d0    2.0",
		"Average:  d0    1.5",
	), Options{}, []string{"Time", "Dev", "load"}, [][]string{{"10:00:01", "d0", "1.0"}, {"10:00:02", "d0", "2.0"}, {"Average:", "d0", "1.5"}})
	// Rows that hold labels with colons themselves keep their last one.
	checkShape(t, lines(
		"Name    Note",
		"a       In: 1 Out: 2",
		"b       In: 3 Out: 4",
	), Options{}, []string{"Name", "Note"}, [][]string{{"a", "In: 1 Out: 2"}, {"b", "In: 3 Out: 4"}})
}

// TestCommentMark: a header line commented out with a lone "#" over no
// value names no column; a "#" column that holds values stays.
func TestCommentMark(t *testing.T) {
	tab := checkShape(t, lines(
		"#      Time   Id   load  Name",
		" 1000000001    0   0.50  alpha",
		" 1000000001    7   1.25  beta",
	), Options{}, []string{"Time", "Id", "load", "Name"}, [][]string{{"1000000001", "0", "0.50", "alpha"}, {"1000000001", "7", "1.25", "beta"}})
	if tab.Name != "Time" {
		t.Errorf("name %q, want Time", tab.Name)
	}
	checkShape(t, lines(
		"#   Name   Size",
		"1   a      10",
		"2   b      20",
	), Options{}, []string{"#", "Name", "Size"}, [][]string{{"1", "a", "10"}, {"2", "b", "20"}})
}

// TestTitledHeader: a title line over a header of lower-case words, over
// rows of numbers, starts another table inside a block, as a header of
// capitalised labels does.
func TestTitledHeader(t *testing.T) {
	text := lines(
		"Open things",
		"Addr     Kind   Recv-Q Send-Q Name",
		"a1       x           0      0 n1",
		"a2       y           1      0 n2",
		"Other things here",
		"ref  id  unit  flags",
		" 10   1    -1      9",
		" 20   2    -1      1",
	)
	checkShape(t, text, Options{Table: "1"}, []string{"Addr", "Kind", "Recv-Q", "Send-Q", "Name"},
		[][]string{{"a1", "x", "0", "0", "n1"}, {"a2", "y", "1", "0", "n2"}})
	checkShape(t, text, Options{Table: "2"}, []string{"ref", "id", "unit", "flags"},
		[][]string{{"10", "1", "-1", "9"}, {"20", "2", "-1", "1"}})
	// Numbers right-aligned under left-aligned labels line up badly
	// with them: still a table, under the header below its title, and a
	// title below it still starts another.
	loose := lines(
		"Open things",
		"Addr     Kind   Recv-Q Send-Q Name",
		"a1       x           0      0 n1",
		"Listed parts",
		"ref       id    size   name",
		"      10001  1     131072 p.one",
		"      20002  2      16384 p.two",
		"More things",
		"pcb Proto Recv-Q",
		"  x1 kevt      0",
		"  x2 kevt      1",
	)
	checkShape(t, loose, Options{Table: "2"}, []string{"ref", "id", "size", "name"},
		[][]string{{"10001", "1", "131072", "p.one"}, {"20002", "2", "16384", "p.two"}})
	checkShape(t, loose, Options{Table: "3"}, []string{"pcb", "Proto", "Recv-Q"},
		[][]string{{"x1", "kevt", "0"}, {"x2", "kevt", "1"}})
	// Two lines of words over more words are rows, not a title and a
	// header: the line after them must be data.
	words := lines(
		"Name     Kind   State",
		"a1       x      on",
		"a2       y      off",
		"Some odd line",
		"b1 z on",
		"b2 w off",
	)
	tabs, err := ParseTables(words, Options{})
	if err != nil || len(tabs) != 1 {
		t.Fatalf("%d tables, %v; want 1", len(tabs), err)
	}
}

func TestRuneWidth(t *testing.T) {
	for _, c := range []struct {
		r rune
		w int
	}{{'a', 1}, {'é', 1}, {'\u0301', 0}, {'日', 2}, {'ｆ', 2}, {'한', 2}, {'─', 1}, {'😀', 2}} {
		if got := runeWidth(c.r); got != c.w {
			t.Errorf("runeWidth(%q) = %d, want %d", c.r, got, c.w)
		}
	}
}
