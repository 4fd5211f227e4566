package parse

import (
	"slices"
	"testing"
)

func TestSplitCompound(t *testing.T) {
	for _, tc := range []struct {
		cell   string
		sep    byte
		a, b   string
		fitted bool
	}{
		{"127.0.0.1:22", ':', "127.0.0.1", "22", true},
		{"*:*", ':', "*", "*", true},
		{"*:5355", ':', "*", "5355", true},
		{"[::]:22", ':', "::", "22", true},
		{"[::ffff:1.2.3.4]:443", ':', "::ffff:1.2.3.4", "443", true},
		{"[fe80::9cc5:aeff:fec5:34ae]%eth0:123", ':', "fe80::9cc5:aeff:fec5:34ae%eth0", "123", true},
		{"0.0.0.0%lo:53", ':', "0.0.0.0%lo", "53", true},
		{"*%ens33:ipv6-icmp", ':', "*%ens33", "ipv6-icmp", true},
		{":::22", ':', "::", "22", true},
		{"rtnl:kernel", ':', "rtnl", "kernel", true},
		// UNIX sockets: "path inode", the path may hold a colon.
		{"/run/user/1000/systemd/notify 93066", ':', "/run/user/1000/systemd/notify", "93066", true},
		{"/tmp/.X11-unix/X0:1 4242", ':', "/tmp/.X11-unix/X0:1", "4242", true},
		{"* 0", ':', "*", "0", true},
		{"@/org/kernel/udev:x *", ':', "@/org/kernel/udev:x", "*", true},
		// Does not fit: empty parts, never a wrong split.
		{"*", ':', "", "", false},
		{"-", ':', "", "", false},
		{"", ':', "", "", false},
		{"localhost", ':', "", "", false},
		{"[fe80::1]", ':', "", "", false},
		{"[::1:22", ':', "", "", false},
		{"host:", ':', "", "", false},
		{":22 x", ':', "", "", false},
		{"/tmp/a:b c", ':', "", "", false},
		{"a b c", ':', "", "", false},
		{"1234/sshd: /usr/sbin", '/', "1234", "sshd: /usr/sbin", true},
		{"733/postgres", '/', "733", "postgres", true},
		{"/usr/bin", '/', "", "", false},
		{"1234/", '/', "", "", false},
		{"1234", '/', "", "", false},
	} {
		a, b, ok := splitCompound(tc.cell, tc.sep)
		if a != tc.a || b != tc.b || ok != tc.fitted {
			t.Errorf("splitCompound(%q, %q) = %q, %q, %v; want %q, %q, %v", tc.cell, tc.sep, a, b, ok, tc.a, tc.b, tc.fitted)
		}
	}
}

func TestCompoundLabels(t *testing.T) {
	for _, tc := range []struct {
		name, first, second string
		ok                  bool
	}{
		{"Local Address:Port", "Local Address", "Local Port", true},
		{"Peer Address:Port", "Peer Address", "Peer Port", true},
		{"MAJ:MIN", "MAJ", "MIN", true},
		{"PID/Program name", "PID", "Program name", true},
		{"kB_read/s", "kB_read", "s", true}, // a label; its numbers do not fit (TestCompoundColumns)
		{"12:00:01 AM", "", "", false},
		{"09:09:31", "", "", false},
		{"a:b/c", "", "", false},
		{"Address:", "", "", false},
		{"1K/blocks", "", "", false},
		{"Mounted on", "", "", false},
	} {
		f, s, _, ok := compoundLabels(tc.name)
		if f != tc.first || s != tc.second || ok != tc.ok {
			t.Errorf("compoundLabels(%q) = %q, %q, %v; want %q, %q, %v", tc.name, f, s, ok, tc.first, tc.second, tc.ok)
		}
	}
}

// TestCompoundColumns checks that the part columns follow the printed
// ones, are found by name but not by "#N", and are added only when the
// cells have the header's shape.
func TestCompoundColumns(t *testing.T) {
	ss := "" +
		"Netid State  Local Address:Port Peer Address:Port\n" +
		"tcp   LISTEN       [::1]:8631         [::]:*\n" +
		"udp   UNCONN   0.0.0.0%lo:53       0.0.0.0:*\n" +
		"nl    UNCONN      rtnl:kernel              *\n"
	tab, err := ParseTable(ss, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Netid", "State", "Local Address:Port", "Peer Address:Port", "Local Address", "Local Port", "Peer Address", "Peer Port"}
	if !slices.Equal(tab.Header, want) {
		t.Fatalf("header %q, want %q", tab.Header, want)
	}
	if len(tab.Parts) != 4 || tab.Parts[1] != (Part{Of: 2, Second: true}) {
		t.Errorf("parts %+v", tab.Parts)
	}
	if c, ok := tab.Column("Local Port"); !ok || c != 5 {
		t.Errorf("Column(Local Port) = %d, %v", c, ok)
	}
	if c, ok := tab.Column("#4"); !ok || c != 3 {
		t.Errorf("Column(#4) = %d, %v", c, ok)
	}
	if _, ok := tab.Column("#5"); ok {
		t.Errorf("#5 addresses a part column; it counts only the 4 printed columns")
	}
	if got := tab.Rows[2].Cells[4:]; !slices.Equal(got, []string{"rtnl", "kernel", "", ""}) {
		t.Errorf("netlink row parts %q", got)
	}
	// "kernel" makes the column text; a rule asks for numbers.
	v, err := tab.Value(1, 5, TypeNumber)
	if err != nil || !v.IsInt || v.Int != 53 {
		t.Errorf("Local Port of row 2: %+v, %v", v, err)
	}

	// Numbers under "r/s" are not "r" and "s"; a part name that a printed
	// column has is numbered.
	for _, tc := range []struct{ text, want string }{
		{"Device r/s w/s\nsda 1.0 2.0\nsdb 3.5 0.0\n", "[Device r/s w/s]"},
		{"Port Address:Port\n22   a:22\n80   b:80\n", "[Port Address:Port Address Port 2]"},
	} {
		tab, err := ParseTable(tc.text, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := fmtNames(tab.Header); got != tc.want {
			t.Errorf("%q: header %s, want %s", tc.text, got, tc.want)
		}
	}
}

func fmtNames(h []string) string {
	s := "["
	for i, n := range h {
		if i > 0 {
			s += " "
		}
		s += n
	}
	return s + "]"
}
