package parse

import (
	"reflect"
	"testing"
)

// TestOtherSystemsRules checks, on small synthetic inputs, the rules added
// for outputs of other systems and versions (issue 12, held-out shapes):
// each case is the shape of a real output, with none of its names. Every
// table of the output is checked, in order.
func TestOtherSystemsRules(t *testing.T) {
	type table struct {
		header []string
		rows   [][]string
	}
	tests := []struct {
		name   string
		text   string
		tables []table
	}{
		{
			name: "a short table, then a title and a header of labels in the same block with more rows",
			text: lines(
				"Open things (brief)",
				"Kind Size Where         State",
				"aa      0 here:1        UP",
				"Open others (brief)",
				"Kind Count Mode   Path",
				"bb   2     [ x ]  /a/b",
				"bb   3     [ ]    /a/c",
				"bb   2     [ x ]  /a/d",
				"bb   1     [ ]    /a/e",
			),
			tables: []table{
				{[]string{"Kind", "Size", "Where", "State"}, [][]string{{"aa", "0", "here:1", "UP"}}},
				{[]string{"Kind", "Count", "Mode", "Path"}, [][]string{
					{"bb", "2", "[ x ]", "/a/b"}, {"bb", "3", "[ ]", "/a/c"}, {"bb", "2", "[ x ]", "/a/d"}, {"bb", "1", "[ ]", "/a/e"},
				}},
			},
		},
		{
			name: "an overflowing first cell with few rows: the word goes to the column of words, not among the numbers",
			text: lines(
				"Name          Kind 1024-blocks      Used Available Capacity Where",
				"/a/very-long-name-of-a-volume00 ext3     6030784   1147932   4571556      21% /",
				"aa              aa           0         0         0       -  /x",
				"bbb            bbb           0         0         0       -  /y",
			),
			tables: []table{{[]string{"Name", "Kind", "1024-blocks", "Used", "Available", "Capacity", "Where"}, [][]string{
				{"/a/very-long-name-of-a-volume00", "ext3", "6030784", "1147932", "4571556", "21%", "/"},
				{"aa", "aa", "0", "0", "0", "-", "/x"},
				{"bbb", "bbb", "0", "0", "0", "-", "/y"},
			}}},
		},
		{
			name: "addresses are not numbers: one starting with a digit stays in a column of names",
			text: lines(
				"Name  Mtu   Network       Address            Ipkts Ierrs",
				"lo0   16384 <Link#1>                              5     0",
				"en0   1500  <Link#4>    a0:99:9b:00:00:01        9     0",
				"en0   1500  fe80::1     fe80::aa:1                3     -",
				"vm1   1500  10.1.101      10.1.101.1              0     -",
				"vm2   1500  <Link#20>   00:50:56:c0:00:08        1     0",
			),
			tables: []table{{[]string{"Name", "Mtu", "Network", "Address", "Ipkts", "Ierrs"}, [][]string{
				{"lo0", "16384", "<Link#1>", "", "5", "0"},
				{"en0", "1500", "<Link#4>", "a0:99:9b:00:00:01", "9", "0"},
				{"en0", "1500", "fe80::1", "fe80::aa:1", "3", "-"},
				{"vm1", "1500", "10.1.101", "10.1.101.1", "0", "-"},
				{"vm2", "1500", "<Link#20>", "00:50:56:c0:00:08", "1", "0"},
			}}},
		},
		{
			name: "a header word naming parts with a colon joins the word before it when values under that one run into it",
			text: lines(
				"Kind  State      Recv-Q Send-Q Local Address:Port                 Other",
				"nl    UNCONN     768    0      rtnl:some-daemon/1220       x",
				"nl    UNCONN     0      0      rtnl:kernel                 x",
				"us    ESTAB      0      0       * 22658                    y",
				"tcp   LISTEN     0      128    *:ssh                       z",
				"us    ESTAB      0      0       * 22659                    y",
				"us    ESTAB      0      0       * 22660                    y",
			),
			tables: []table{{[]string{"Kind", "State", "Recv-Q", "Send-Q", "Local Address:Port", "Other", "Local Address", "Local Port"}, [][]string{
				{"nl", "UNCONN", "768", "0", "rtnl:some-daemon/1220", "x", "rtnl", "some-daemon/1220"},
				{"nl", "UNCONN", "0", "0", "rtnl:kernel", "x", "rtnl", "kernel"},
				{"us", "ESTAB", "0", "0", "* 22658", "y", "*", "22658"},
				{"tcp", "LISTEN", "0", "128", "*:ssh", "z", "*", "ssh"},
				{"us", "ESTAB", "0", "0", "* 22659", "y", "*", "22659"},
				{"us", "ESTAB", "0", "0", "* 22660", "y", "*", "22660"},
			}}},
		},
		{
			name: "a value filling its field to one space before the next header stays whole when that column is mostly empty",
			text: lines(
				"NAME   RA MODEL            SERIAL               STATE",
				"aaa  4096 Maker Virtual S                      running",
				"aa1  4096                                      ",
				"aa2  4096                                      ",
				"bbb  4096 Maker IDE CD                         running",
			),
			tables: []table{{[]string{"NAME", "RA", "MODEL", "SERIAL", "STATE"}, [][]string{
				{"aaa", "4096", "Maker Virtual S", "", "running"},
				{"aa1", "4096", "", "", ""},
				{"aa2", "4096", "", "", ""},
				{"bbb", "4096", "Maker IDE CD", "", "running"},
			}}},
		},
		{
			name: "two label words over one value: nothing starts or ends under the second, some values run into it",
			text: lines(
				"Destination          Next Hop                   Flag  Iface Met",
				"::1/96               ::                         !n    lo     10",
				"::/96                ::                         !n    lo      8",
				"::1/128              ::                         Un    lo    256",
				"fe80::/64            ::                         U     en0     1",
				"::/0                 fe80::20c:29ff:fe3e:1      UG    en0   100",
			),
			tables: []table{{[]string{"Destination", "Next Hop", "Flag", "Iface", "Met"}, [][]string{
				{"::1/96", "::", "!n", "lo", "10"},
				{"::/96", "::", "!n", "lo", "8"},
				{"::1/128", "::", "Un", "lo", "256"},
				{"fe80::/64", "::", "U", "en0", "1"},
				{"::/0", "fe80::20c:29ff:fe3e:1", "UG", "en0", "100"},
			}}},
		},
		{
			name: "blank fields over whole header spans stay blank: the text after them is the last column's",
			text: lines(
				"PROG       PID    OWNER  FD      KIND DEVICE  SIZE/OFF     NODE NAME",
				"prog1        1    root  cwd   unknown                           /p/1/cwd (readlink: Permission denied)",
				"prog1        1    root  txt       REG  253,0    964600 50332501 /usr/bin/prog1",
				"prog2       22    root  cwd   unknown                           /p/22/cwd (readlink: Permission denied)",
				"prog2       22    root NOFD                                     /p/22/fd (opendir: Permission denied)",
				"prog3      333    user  mem       REG  253,0     61624   503058 /usr/lib/x.so",
			),
			tables: []table{{[]string{"PROG", "PID", "OWNER", "FD", "KIND", "DEVICE", "SIZE/OFF", "NODE", "NAME"}, [][]string{
				{"prog1", "1", "root", "cwd", "unknown", "", "", "", "/p/1/cwd (readlink: Permission denied)"},
				{"prog1", "1", "root", "txt", "REG", "253,0", "964600", "50332501", "/usr/bin/prog1"},
				{"prog2", "22", "root", "cwd", "unknown", "", "", "", "/p/22/cwd (readlink: Permission denied)"},
				{"prog2", "22", "root", "NOFD", "", "", "", "", "/p/22/fd (opendir: Permission denied)"},
				{"prog3", "333", "user", "mem", "REG", "253,0", "61624", "503058", "/usr/lib/x.so"},
			}}},
		},
		{
			name: "the same header again with wider columns reads its block with its own layout, into the same table",
			text: lines(
				"Routes:",
				"",
				"Inet:",
				"Destination        Gateway            Flags   Netif",
				"default            10.0.0.1           UGSc      en0",
				"127                127.0.0.1          UCS       lo0",
				"",
				"Inet6:",
				"Destination                             Gateway                         Flags   Netif",
				"default                                 fe80::feae:34ff:fea1:3a80%en0   UGc       en0",
				"2600:1700:bab0:d40:1874:4566:6499:f3d1  a4:83:e7:2d:62:8f               UHL       lo0",
			),
			tables: []table{{[]string{"Destination", "Gateway", "Flags", "Netif"}, [][]string{
				{"default", "10.0.0.1", "UGSc", "en0"},
				{"127", "127.0.0.1", "UCS", "lo0"},
				{"default", "fe80::feae:34ff:fea1:3a80%en0", "UGc", "en0"},
				{"2600:1700:bab0:d40:1874:4566:6499:f3d1", "a4:83:e7:2d:62:8f", "UHL", "lo0"},
			}}},
		},
		{
			name: "one-space header words over values several spaces apart are columns, not one padded label",
			text: lines(
				"Destination                    Next Hop                   Flag Met Ref Use If",
				"::/96                          ::                         !n   1024 0      0 lo",
				"0.0.0.0/96                     ::                         !n   1024 0      0 lo",
				"::/0                           fe80::1                    UG   100 1      4 en0",
			),
			tables: []table{{[]string{"Destination", "Next Hop", "Flag", "Met", "Ref", "Use", "If"}, [][]string{
				{"::/96", "::", "!n", "1024", "0", "0", "lo"},
				{"0.0.0.0/96", "::", "!n", "1024", "0", "0", "lo"},
				{"::/0", "fe80::1", "UG", "100", "1", "4", "en0"},
			}}},
		},
		{
			name: "a one-symbol mark between two header words, apart from the values, is a column of its own",
			text: lines(
				"NAME       LINE         TIME",
				"           system boot  2026-12-01 08:14",
				"LOGIN      tty1         2026-12-01 08:14",
				"carol    + pts/0        2026-12-03 09:02",
				"dave     - pts/1        2026-12-03 07:45",
			),
			tables: []table{{[]string{"NAME", "#2", "LINE", "TIME"}, [][]string{
				{"", "", "system boot", "2026-12-01 08:14"},
				{"LOGIN", "", "tty1", "2026-12-01 08:14"},
				{"carol", "+", "pts/0", "2026-12-03 09:02"},
				{"dave", "-", "pts/1", "2026-12-03 07:45"},
			}}},
		},
		{
			name: "a symbol next to a value by one space is part of it",
			text: lines(
				"Proto RefCnt Flags       Type       State",
				"unix  2      [ ACC ]     STREAM     LISTENING",
				"unix  3      [ ]         DGRAM      ",
				"unix  2      [ ACC ]     STREAM     LISTENING",
			),
			tables: []table{{[]string{"Proto", "RefCnt", "Flags", "Type", "State"}, [][]string{
				{"unix", "2", "[ ACC ]", "STREAM", "LISTENING"},
				{"unix", "3", "[ ]", "DGRAM", ""},
				{"unix", "2", "[ ACC ]", "STREAM", "LISTENING"},
			}}},
		},
		{
			name: "a boxed table drawn with | and +---+ reads by its separators, borders left out",
			text: lines(
				"+----+------+-----------+---------+",
				"| Id | User | Host      | Info    |",
				"+----+------+-----------+---------+",
				"|  5 | root | localhost | show x  |",
				"| 12 | app  | 10.0.0.7:51234 | NULL    |",
				"+----+------+-----------+---------+",
			),
			tables: []table{{[]string{"Id", "User", "Host", "Info"}, [][]string{
				{"5", "root", "localhost", "show x"},
				{"12", "app", "10.0.0.7:51234", "NULL"},
			}}},
		},
		{
			name: "columns split by | under a rule of -+-, a footer with no | left out",
			text: lines(
				"  name  | count | hits ",
				"--------+-------+------",
				" a      |     1 |  340",
				" a-very-long-name |    14 | 88112233",
				"(2 rows)",
			),
			tables: []table{{[]string{"name", "count", "hits"}, [][]string{
				{"a", "1", "340"},
				{"a-very-long-name", "14", "88112233"},
			}}},
		},
		{
			name: "comma-separated values under a comma-separated header",
			text: lines(
				"index, name, utilization.gpu [%], memory.used [MiB]",
				"0, Maker X1 40GB, 0 %, 0 MiB",
				"1, Maker X1 40GB, 87 %, 30011 MiB",
			),
			tables: []table{{[]string{"index", "name", "utilization.gpu [%]", "memory.used [MiB]"}, [][]string{
				{"0", "Maker X1 40GB", "0 %", "0 MiB"},
				{"1", "Maker X1 40GB", "87 %", "30011 MiB"},
			}}},
		},
		{
			name: "a long hex digest is a value: a line whose other words have no digits is no header",
			text: lines(
				"0f1e2d3c4b5a69788796a5b4c3d2e1f0  one.bin",
				"00112233445566778899aabbccddeeff  two.dat",
				"a1b2c3d4e5f60718293a4b5c6d7e8f90  name with several spaces in it",
				"ffeeddccbbaa99887766554433221100  four",
			),
			tables: []table{{[]string{"#1", "#2"}, [][]string{
				{"0f1e2d3c4b5a69788796a5b4c3d2e1f0", "one.bin"},
				{"00112233445566778899aabbccddeeff", "two.dat"},
				{"a1b2c3d4e5f60718293a4b5c6d7e8f90", "name with several spaces in it"},
				{"ffeeddccbbaa99887766554433221100", "four"},
			}}},
		},
		{
			name: "a phrase of labels over a lower-case header that names every column is a title",
			text: lines(
				"Group ONE (mode OPEN)",
				"name     kind opt from                 to        port",
				"ALPHA    all  --  anywhere             anywhere    22",
				"BETA     tcp  --  10.0.0.0/8           anywhere   443",
				"",
				"Group TWO (mode SHUT)",
				"name     kind opt from                 to        port",
				"GAMMA    udp  --  anywhere             10.1.1.1    53",
			),
			tables: []table{{[]string{"name", "kind", "opt", "from", "to", "port"}, [][]string{
				{"ALPHA", "all", "--", "anywhere", "anywhere", "22"},
				{"BETA", "tcp", "--", "10.0.0.0/8", "anywhere", "443"},
				{"GAMMA", "udp", "--", "anywhere", "10.1.1.1", "53"},
			}}},
		},
		{
			name: "labels of rates per numbered item (\"0/s\") are labels, not values",
			text: lines(
				"10:00:01 AM  UNIT       0/s       1/s      12/s     NMI/s",
				"10:00:01 AM     0      0.02      0.00      1.25      0.00",
				"10:00:01 AM     1      0.10      0.00      0.00      0.00",
			),
			tables: []table{{[]string{"#1", "UNIT", "0/s", "1/s", "12/s", "NMI/s"}, [][]string{
				{"10:00:01 AM", "0", "0.02", "0.00", "1.25", "0.00"},
				{"10:00:01 AM", "1", "0.10", "0.00", "0.00", "0.00"},
			}}},
		},
		{
			name: "a two-word label stays one when a row shifted by an overflowing value puts a value under its second word",
			text: lines(
				"Target                 Next Hop               Flag Met If",
				"aa::/96                [::]                   !n   1024 lo",
				"a-very-long-target-name/128 [::]              U    100 e0",
				"bb::/64                gateway                UG   100 e0",
				"cc::/64                [::]                   U    256 e0",
			),
			tables: []table{{[]string{"Target", "Next Hop", "Flag", "Met", "If"}, [][]string{
				{"aa::/96", "[::]", "!n", "1024", "lo"},
				{"a-very-long-target-name/128", "[::]", "U", "100", "e0"},
				{"bb::/64", "gateway", "UG", "100", "e0"},
				{"cc::/64", "[::]", "U", "256", "e0"},
			}}},
		},
		{
			name: "text after the last header word in some rows only, lined up after a gap, is a column of its own",
			text: lines(
				"name     kind opt from                 to",
				"ALPHA    all  --  anywhere             anywhere             state OLD,NEW",
				"BETA     all  --  anywhere             anywhere",
				"GAMMA    tcp  --  10.0.0.0/8           anywhere             tcp port:22 state NEW",
				"DELTA    all  --  anywhere             10.1.1.1",
				"EPSILON  udp  --  anywhere             anywhere",
			),
			tables: []table{{[]string{"name", "kind", "opt", "from", "to", "#6"}, [][]string{
				{"ALPHA", "all", "--", "anywhere", "anywhere", "state OLD,NEW"},
				{"BETA", "all", "--", "anywhere", "anywhere", ""},
				{"GAMMA", "tcp", "--", "10.0.0.0/8", "anywhere", "tcp port:22 state NEW"},
				{"DELTA", "all", "--", "anywhere", "10.1.1.1", ""},
				{"EPSILON", "udp", "--", "anywhere", "anywhere", ""},
			}}},
		},
		{
			name: "a line ending in a note in parentheses over a header of more words is a title, empty sections too",
			text: lines(
				"Group ONE (mode OPEN)",
				"name     kind opt from                 to",
				"ALPHA    all  --  anywhere             anywhere",
				"DROP     all  --  anywhere             10.0.0.1",
				"",
				"Group TWO (1 uses)",
				"name     kind opt from                 to",
				"",
				"Group THREE (3 uses)",
				"name     kind opt from                 to",
				"BETA_LONG_NAME  all  --  anywhere             anywhere",
				"GAMMA    tcp  --  10.0.0.0/8           anywhere",
			),
			tables: []table{{[]string{"name", "kind", "opt", "from", "to"}, [][]string{
				{"ALPHA", "all", "--", "anywhere", "anywhere"},
				{"DROP", "all", "--", "anywhere", "10.0.0.1"},
				{"BETA_LONG_NAME", "all", "--", "anywhere", "anywhere"},
				{"GAMMA", "tcp", "--", "10.0.0.0/8", "anywhere"},
			}}},
		},
		{
			name: "a block of Key: value lines above a table is no table of its own",
			text: lines(
				"Store /dev/xda: 32 GiB, 34359738368 bytes, 67108864 sectors",
				"Store model: MAKER HARDDISK",
				"Units: sectors of 1 * 512 = 512 bytes",
				"Sector size (logical/physical): 512 bytes / 512 bytes",
				"I/O size (minimum/optimal): 512 bytes / 512 bytes",
				"Storelabel type: dos",
				"Store identifier: 0x4f1ce2bf",
				"",
				"Part       Flag    Start      End  Sectors  Size Id Type",
				"/dev/xda1  *        2048 13260799 13258752  6.3G 83 Linux",
				"/dev/xda2       13262846 67106815 53843970 25.7G  5 Extended",
				"/dev/xda5       13262848 18331647  5068800  2.4G 83 Linux",
				"/dev/xda6       18333696 20332543  1998848  976M 82 Linux swap / Other",
				"/dev/xda7       20334592 21352447  1017856  497M 83 Linux",
				"/dev/xda8       21354496 67106815 45752320 21.8G 83 Linux",
			),
			tables: []table{{[]string{"Part", "Flag", "Start", "End", "Sectors", "Size", "Id", "Type"}, [][]string{
				{"/dev/xda1", "*", "2048", "13260799", "13258752", "6.3G", "83", "Linux"},
				{"/dev/xda2", "", "13262846", "67106815", "53843970", "25.7G", "5", "Extended"},
				{"/dev/xda5", "", "13262848", "18331647", "5068800", "2.4G", "83", "Linux"},
				{"/dev/xda6", "", "18333696", "20332543", "1998848", "976M", "82", "Linux swap / Other"},
				{"/dev/xda7", "", "20334592", "21352447", "1017856", "497M", "83", "Linux"},
				{"/dev/xda8", "", "21354496", "67106815", "45752320", "21.8G", "83", "Linux"},
			}}},
		},
		{
			name: "a header ending in a colon over values is a table, before another table",
			text: lines(
				"avg-use:  %one   %two  %idle",
				"           0.50   0.10  99.40",
				"",
				"Unit     r/s     w/s",
				"xa      1.00    2.00",
				"xb      0.00    0.50",
			),
			tables: []table{
				{[]string{"avg-use:", "%one", "%two", "%idle"}, [][]string{{"", "0.50", "0.10", "99.40"}}},
				{[]string{"Unit", "r/s", "w/s"}, [][]string{{"xa", "1.00", "2.00"}, {"xb", "0.00", "0.50"}}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tabs, err := ParseTables(tt.text, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(tabs) != len(tt.tables) {
				for _, tb := range tabs {
					t.Logf("table %q: %d rows", tb.Header, len(tb.Rows))
				}
				t.Fatalf("%d tables, want %d", len(tabs), len(tt.tables))
			}
			for i, want := range tt.tables {
				var got [][]string
				for _, r := range tabs[i].Rows {
					got = append(got, r.Cells)
				}
				if !reflect.DeepEqual(tabs[i].Header, want.header) || !reflect.DeepEqual(got, want.rows) {
					t.Errorf("table %d: header %q rows %q, want %q %q", i+1, tabs[i].Header, got, want.header, want.rows)
				}
			}
		})
	}
}

func TestNumberLike(t *testing.T) {
	for s, want := range map[string]bool{
		"42": true, "-1.5": true, "+3": true, "21%": true, "1.9G": true, "4Ki": true, "90s": true,
		"0:03": true, "7:53.61": true, "8:0": true, "1KiB": true,
		"ext3": false, "192.168.1.1": false, "0.0.0.0:22": false, "10.1.101": false, "1.2.3": false,
		"00:50:56:c0:00:08": false, "fe80::1": false, "1/1": false, "3d4h": false, "-": false, "": false,
		"5.": false, "12abcd": false, "[::]:*": false,
	} {
		if got := numberLike(s); got != want {
			t.Errorf("numberLike(%q) = %v, want %v", s, got, want)
		}
	}
}
