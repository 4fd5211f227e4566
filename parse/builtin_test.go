package parse_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"serverstats/collectors"
	"serverstats/collectors/sshdtest"
	"serverstats/collectors/testenv"
	"serverstats/parse"
)

func builtinData(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "builtin", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func normalize(t *testing.T, check, out string) *parse.Table {
	t.Helper()
	b, ok := parse.LookupBuiltin(check)
	if !ok {
		t.Fatalf("no builtin %q", check)
	}
	tab, err := b.Normalize(out)
	if err != nil {
		t.Fatalf("%s: Normalize: %v\n%s", check, err, out)
	}
	for _, r := range tab.Rows {
		if len(r.Cells) != len(tab.Header) {
			t.Fatalf("%s: row %q for header %q", check, r.Cells, tab.Header)
		}
	}
	if b.Key != "" {
		if _, ok := tab.Column(b.Key); !ok {
			t.Fatalf("%s: key %q not in %q", check, b.Key, tab.Header)
		}
	}
	return tab
}

// row returns the cells of the row whose key column is key, by column name.
func row(t *testing.T, tab *parse.Table, keyCol, key string) map[string]string {
	t.Helper()
	k, _ := tab.Column(keyCol)
	for i, r := range tab.Rows {
		if r.Cells[k] == key {
			m := map[string]string{}
			for c, h := range tab.Header {
				m[h] = tab.Cell(i, c)
			}
			return m
		}
	}
	t.Fatalf("no row with %s %q in %v", keyCol, key, tab.Rows)
	return nil
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return f
}

func TestBuiltinDiskRecorded(t *testing.T) {
	tests := []struct {
		file, mount, fs, size, used, avail, use string
		rows                                    int
	}{
		{"corpus_df_centos-7.7_df.out", "/", "/dev/mapper/centos-root", strconv.Itoa(17811456 * 1024), strconv.Itoa(1805580 * 1024), strconv.Itoa(16005876 * 1024), "11%", 0},
		{"corpus_df_ubuntu-18.04_df.out", "/", "/dev/sda2", strconv.Itoa(20508240 * 1024), strconv.Itoa(5748028 * 1024), strconv.Itoa(13695408 * 1024), "30%", 0},
		{"corpus_df_osx-10.14.6_df-h.out", "/", "/dev/disk1s1", strconv.Itoa(466 << 30), strconv.Itoa(144 << 30), strconv.Itoa(315 << 30), "32%", 0},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			tab := normalize(t, "disk", builtinData(t, tc.file))
			r := row(t, tab, "mount", tc.mount)
			if r["filesystem"] != tc.fs || r["size"] != tc.size || r["used"] != tc.used || r["avail"] != tc.avail || r["use%"] != tc.use {
				t.Errorf("row %v", r)
			}
			v, err := tab.Value(0, 2, parse.TypeBytes)
			if err != nil || v.Invalid {
				t.Errorf("size as bytes: %v", err)
			}
		})
	}
	// The osx df -h inode columns are dropped from the mount point.
	tab := normalize(t, "disk", builtinData(t, "corpus_df_osx-10.14.6_df-h.out"))
	row(t, tab, "mount", "/private/var/vm")
	for _, f := range []string{"corpus_df_osx-10.11.6_df-h.out", "debian12-gnu_df-Pk.out", "debian12-busybox_df-Pk.out", "debian12-busybox_df.out"} {
		tab := normalize(t, "disk", builtinData(t, f))
		r := row(t, tab, "mount", "/")
		if num(t, r["size"]) <= 0 || num(t, r["avail"]) > num(t, r["size"]) {
			t.Errorf("%s: / %v", f, r)
		}
	}
	// GNU df -P and busybox df -P agree on the bytes.
	gnu := row(t, normalize(t, "disk", builtinData(t, "debian12-gnu_df-Pk.out")), "mount", "/")
	bb := row(t, normalize(t, "disk", builtinData(t, "debian12-busybox_df-Pk.out")), "mount", "/")
	if gnu["size"] != bb["size"] {
		t.Errorf("gnu %v busybox %v", gnu, bb)
	}
	// A df line wrapped after a long device name (df without -P).
	tab = normalize(t, "disk", "Filesystem 1K-blocks Used Available Use% Mounted on\n/dev/mapper/very-long-volume-name\n  1000 10 990 1% /data dir\n")
	if r := row(t, tab, "mount", "/data dir"); r["size"] != "1024000" || r["filesystem"] != "/dev/mapper/very-long-volume-name" || tab.Rows[0].Line != 2 {
		t.Errorf("wrapped: %v", r)
	}
	if _, err := parse.LookupBuiltin("disk"); !err {
		t.Fatal("no disk")
	}
	d, _ := parse.LookupBuiltin("disk")
	if _, err := d.Normalize("df: not found\n"); err == nil {
		t.Error("garbage accepted")
	}
}

// Synthetic samples (no real recording at hand) in the documented formats of
// macOS vm_stat/sysctl and FreeBSD sysctl, as the memory command tags them.
const (
	macMemory = `hw.memsize: 17179869184
Mach Virtual Memory Statistics: (page size of 4096 bytes)
Pages free:                               100000.
Pages active:                            1500000.
Pages inactive:                           400000.
Pages speculative:                         50000.
Pages throttled:                               0.
Pages wired down:                         600000.
Pages purgeable:                           25000.
`
	freebsdMemory = "hw.physmem: 8589934592\nv_page_size: 4096\nv_free_count: 500000\nv_inactive_count: 250000\n"
)

func TestBuiltinMemoryRecorded(t *testing.T) {
	tests := []struct {
		name, out                     string
		total, used, free, avail, pct string
	}{
		{"centos free", builtinData(t, "corpus_free_centos-7.7_free.out"), "3954003968", strconv.Itoa((3861332 - 3389588) * 1024), strconv.Itoa(3364176 * 1024), strconv.Itoa(3389588 * 1024), "12.2%"},
		{"macOS", macMemory, "17179869184", strconv.Itoa(17179869184 - 575000*4096), strconv.Itoa(150000 * 4096), strconv.Itoa(575000 * 4096), "86.3%"},
		{"FreeBSD", freebsdMemory, "8589934592", strconv.Itoa(8589934592 - 750000*4096), strconv.Itoa(500000 * 4096), strconv.Itoa(750000 * 4096), "64.2%"},
		{"old meminfo", "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\n", "1024000", "614400", "102400", "409600", "60.0%"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab := normalize(t, "memory", tc.out)
			got := tab.Rows[0].Cells
			want := []string{tc.total, tc.used, tc.free, tc.avail, tc.pct}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("got %q\nwant %q", got, want)
			}
		})
	}
	for _, f := range []string{"debian12_meminfo.out", "corpus_free_ubuntu-18.04_free.out", "debian12-busybox_free.out", "debian12-procps_free.out"} {
		checkMemory(t, normalize(t, "memory", builtinData(t, f)))
	}
}

func checkMemory(t *testing.T, tab *parse.Table) {
	t.Helper()
	c := tab.Rows[0].Cells
	total, used, free, avail := num(t, c[0]), num(t, c[1]), num(t, c[2]), num(t, c[3])
	if total <= 0 || used+avail != total || free > total || num(t, c[4]) < 0 || num(t, c[4]) > 100 {
		t.Errorf("memory %q", c)
	}
}

func TestBuiltinLoadUptimeRecorded(t *testing.T) {
	tests := []struct {
		file  string
		loads string
		secs  string
	}{
		{"corpus_uptime_centos-7.7_uptime.out", "0.00 0.01 0.05", strconv.Itoa(16*3600 + 3*60)},
		{"corpus_uptime_osx-10.14.6_uptime.out", "1.63 0.65 0.44", strconv.Itoa(20*86400 + 19*3600 + 45*60)},
		{"debian12-busybox_uptime.out", "", ""},
		{"debian12-procps_uptime.out", "", ""},
	}
	for _, tc := range tests {
		out := builtinData(t, tc.file)
		l := normalize(t, "load", out).Rows[0].Cells
		if tc.loads != "" && strings.Join(l[:3], " ") != tc.loads {
			t.Errorf("%s: load %q", tc.file, l)
		}
		u := normalize(t, "uptime", out).Rows[0].Cells
		if tc.secs != "" && u[0] != tc.secs {
			t.Errorf("%s: uptime %q, want %s", tc.file, u, tc.secs)
		}
		if num(t, u[0]) <= 0 {
			t.Errorf("%s: uptime %q", tc.file, u)
		}
	}
	for in, want := range map[string]string{
		"10:00  up 5 mins, 2 users, load averages: 1 2 3":                        "300",
		"10:00 up 1 day, 3 min,  1 user,  load average: 0.1, 0.2, 0.3":           "86580",
		"10:00:00 up 2 days, 1:02, load average: 0.00, 0.00, 0.00":               "176520",
		"proc: 12345.67 99999.00":                                                "12345",
		"boottime: { sec = 1700000000, usec = 5 } Tue Nov 14\nnow: 1700000100\n": "100",
	} {
		if got := normalize(t, "uptime", in).Rows[0].Cells[0]; got != want {
			t.Errorf("uptime(%q) = %s, want %s", in, got, want)
		}
	}
	l := normalize(t, "load", "loadavg: 0.50 0.25 0.10 1/123 4567\ncpus: 8\n").Rows[0].Cells
	if strings.Join(l, " ") != "0.50 0.25 0.10 8" {
		t.Errorf("load %q", l)
	}
}

func TestBuiltinParams(t *testing.T) {
	for _, name := range parse.BuiltinNames() {
		b, _ := parse.LookupBuiltin(name)
		if b.Name != name || b.Doc == "" || b.Command == nil || b.Normalize == nil {
			t.Errorf("%s incomplete", name)
		}
	}
	pc, _ := parse.LookupBuiltin("process-count")
	if _, err := pc.Command(nil); err == nil {
		t.Error("process-count without pattern")
	}
	if _, err := pc.Command(map[string]string{"pattern": "a(", "x": "y"}); err == nil {
		t.Error("unknown param accepted")
	}
	for _, perl := range []string{`nginx\d`, `\bnginx`, `(?i)nginx`} {
		if _, err := pc.Command(map[string]string{"pattern": perl}); err == nil || !strings.Contains(err.Error(), "POSIX") {
			t.Errorf("Perl-only pattern %q: %v (pgrep would read it differently)", perl, err)
		}
	}
	if _, err := pc.Command(map[string]string{"pattern": "^nginx: master [[:digit:]]+"}); err != nil {
		t.Errorf("POSIX pattern refused: %v", err)
	}
	cmd, err := pc.Command(map[string]string{"pattern": "sleep 12345"})
	if err != nil || strings.Contains(cmd, "sleep") {
		t.Errorf("command %q (%v) holds the pattern", cmd, err)
	}
	d, _ := parse.LookupBuiltin("disk")
	if _, err := d.Command(map[string]string{"x": "1"}); err == nil {
		t.Error("disk with a param")
	}
	if _, ok := parse.LookupBuiltin("nope"); ok {
		t.Error("nope found")
	}
	s, _ := parse.LookupBuiltin("service")
	tab, err := s.Normalize("unit: it's.service\nstate: active\n")
	if err != nil || strings.Join(tab.Rows[0].Cells, "|") != "it's.service|true|active" {
		t.Errorf("service: %v %v", tab, err)
	}
}

// runner runs a shell line somewhere and returns stdout.
type runner func(t *testing.T, cmd string) string

func localRunner(t *testing.T, cmd string) string {
	t.Helper()
	out, err := exec.Command("sh", "-c", cmd).Output()
	if err != nil {
		t.Fatalf("sh -c %q: %v\n%s", cmd, err, out)
	}
	return string(out)
}

// checkBuiltinsLive runs every builtin through run and checks its table.
func checkBuiltinsLive(t *testing.T, run runner) {
	cmdOf := func(name string, params map[string]string) string {
		b, _ := parse.LookupBuiltin(name)
		c, err := b.Command(params)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	disk := normalize(t, "disk", run(t, cmdOf("disk", nil)))
	r := row(t, disk, "mount", "/")
	if num(t, r["size"]) <= 0 || num(t, r["used"]) < 0 || !strings.HasSuffix(r["use%"], "%") {
		t.Errorf("disk /: %v", r)
	}
	checkMemory(t, normalize(t, "memory", run(t, cmdOf("memory", nil))))
	l := normalize(t, "load", run(t, cmdOf("load", nil))).Rows[0].Cells
	if num(t, l[0]) < 0 || num(t, l[3]) < 1 {
		t.Errorf("load %q", l)
	}
	u := normalize(t, "uptime", run(t, cmdOf("uptime", nil))).Rows[0].Cells
	if num(t, u[0]) <= 0 {
		t.Errorf("uptime %q", u)
	}

	// Three sleeps with a marker argument; the check's shell is not counted.
	marker := strconv.FormatInt(time.Now().UnixNano()%1e9+1e9, 10)
	var procs []*exec.Cmd
	for range 3 {
		c := exec.Command("sleep", marker)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, c)
	}
	defer func() {
		for _, c := range procs {
			c.Process.Kill()
			c.Wait()
		}
	}()
	for pat, want := range map[string]string{"sleep " + marker: "3", "^sleep " + marker + "$": "3", "no-such-process-" + marker: "0"} {
		got := normalize(t, "process-count", run(t, cmdOf("process-count", map[string]string{"pattern": pat}))).Rows[0].Cells[0]
		if got != want {
			t.Errorf("process-count %q = %s, want %s; processes:\n%s", pat, got, want, run(t, "ps -A -o pid,args"))
		}
	}
	svc := normalize(t, "service", run(t, cmdOf("service", map[string]string{"unit": "ssh.service"}))).Rows[0].Cells
	if svc[0] != "ssh.service" || (svc[1] == "true") != (svc[2] == "active") || svc[2] == "" {
		t.Errorf("service %q", svc)
	}
	t.Logf("disk / %v; memory %v; load %v; uptime %v; service %v", r, normalize(t, "memory", run(t, cmdOf("memory", nil))).Rows[0].Cells, l, u, svc)
}

func TestBuiltinsLocal(t *testing.T) {
	checkBuiltinsLive(t, localRunner)
}

// TestBuiltinsBusybox runs the commands with busybox's sh and applets only
// (df, ps, awk, uptime, ... linked into a directory that is the whole PATH),
// once with a pgrep (busybox's, or procps' where busybox has none, as in
// Debian) and once without any, for the ps+awk fallback. Each case checks
// that its PATH has, or lacks, pgrep as it claims.
func TestBuiltinsBusybox(t *testing.T) {
	bb, err := exec.LookPath("busybox")
	testenv.Need(t, "BUSYBOX", err, "busybox not installed: apt-get install -y busybox")
	list, err := exec.Command(bb, "--list").Output()
	if err != nil {
		t.Fatal(err)
	}
	applets := strings.Fields(string(list))
	for _, withPgrep := range []bool{true, false} {
		t.Run("pgrep="+strconv.FormatBool(withPgrep), func(t *testing.T) {
			dir := t.TempDir()
			link := func(name, target string) {
				if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
					t.Fatal(err)
				}
			}
			for _, applet := range []string{"sh", "df", "cat", "uname", "uptime", "nproc", "printf", "wc", "ps", "awk", "head", "date"} {
				if slices.Contains(applets, applet) {
					link(applet, bb)
				}
			}
			if withPgrep {
				if slices.Contains(applets, "pgrep") {
					link("pgrep", bb)
				} else {
					// Debian's busybox has no pgrep: use procps'.
					p, err := exec.LookPath("pgrep")
					testenv.Need(t, "PROCPS", err, "busybox has no pgrep applet and procps' pgrep is not installed: apt-get install -y procps")
					link("pgrep", p)
				}
			}
			if p, err := exec.LookPath("systemctl"); err == nil {
				link("systemctl", p)
			}
			sh := func(cmd string) ([]byte, error) {
				c := exec.Command(filepath.Join(dir, "sh"), "-c", cmd)
				c.Env = []string{"PATH=" + dir}
				return c.Output()
			}
			if _, err := sh("command -v pgrep"); (err == nil) != withPgrep {
				t.Fatalf("command -v pgrep with PATH=%s: %v; this case is meant to run with pgrep=%v", dir, err, withPgrep)
			}
			checkBuiltinsLive(t, func(t *testing.T, cmd string) string {
				t.Helper()
				out, err := sh(cmd)
				if err != nil {
					t.Fatalf("busybox sh -c %q: %v", cmd, err)
				}
				return string(out)
			})
		})
	}
}

func TestBuiltinsOverSSH(t *testing.T) {
	f := sshdtest.Start(t, 1)
	s := f.Servers[0]
	c, err := collectors.NewSSH(collectors.SSHOptions{User: f.User, KnownHosts: f.KnownHostsPath, IdentityFiles: []string{f.UserKeyPath}, ConnectTimeout: 10 * time.Second, CommandTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	tgt := collectors.Target{Name: s.Name, Host: s.Host, Port: s.Port, User: f.User}
	checkBuiltinsLive(t, func(t *testing.T, cmd string) string {
		t.Helper()
		res := c.Run(context.Background(), tgt, cmd)
		if res.Err != nil || res.ExitStatus != 0 {
			t.Fatalf("ssh %q: %v exit %d: %s", cmd, res.Err, res.ExitStatus, res.Stderr)
		}
		return string(res.Stdout)
	})
}

// Every built-in declares the header its normalizer returns, so config can
// check alert columns at load time.
func TestBuiltinColumnsMatchNormalize(t *testing.T) {
	outs := map[string]string{
		"disk":          "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 100 50 50 50% /\n",
		"memory":        "MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 500 kB\n",
		"load":          "loadavg: 0.10 0.20 0.30 1/100 1234\ncpus: 2\n",
		"process-count": "count: 3\n",
		"service":       "unit: nginx\nstate: active\n",
		"uptime":        "proc: 123.45 100.0\n",
	}
	for _, name := range parse.BuiltinNames() {
		b, _ := parse.LookupBuiltin(name)
		out, ok := outs[name]
		if !ok {
			t.Fatalf("no sample output for %s", name)
		}
		tbl, err := b.Normalize(out)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if strings.Join(tbl.Header, ",") != strings.Join(b.Columns, ",") {
			t.Errorf("%s: header %v, Columns %v", name, tbl.Header, b.Columns)
		}
		if b.Key != "" && !slices.Contains(b.Columns, b.Key) {
			t.Errorf("%s: key %q not a column", name, b.Key)
		}
	}
}
