package check

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"serverstats/alerts"
	"serverstats/alerts/store"
	"serverstats/collectors"
	"serverstats/config"
)

// fakeRemote is an in-memory SSH collector: each host answers with its
// canned result, and every command line it is sent is recorded.
type fakeRemote struct {
	mu   sync.Mutex
	out  map[string]collectors.Result // by target name
	sent []string                     // "host: cmd"
}

func (f *fakeRemote) Run(_ context.Context, t collectors.Target, cmd string) collectors.Result {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, t.Name+": "+cmd)
	r, ok := f.out[t.Name]
	if !ok {
		r = collectors.Result{Err: fmt.Errorf("%w: no such host", collectors.ErrConnect)}
	}
	r.Target = t
	return r
}

func parseConfig(t *testing.T, yaml string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("test.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// df is df -kP output with one row per "device use% mount".
func df(rows ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "%-15s %10s %9s %9s %8s %s\n", "Filesystem", "1024-blocks", "Used", "Available", "Capacity", "Mounted on")
	for _, r := range rows {
		f := strings.Fields(r)
		fmt.Fprintf(&b, "%-15s %10d %9d %9d %8s %s\n", f[0], 1000000, 900000, 100000, f[1], f[2])
	}
	return []byte(b.String())
}

const diskConfig = `
groups:
  web: [web1.example.com, web2.example.com]
on-command-failure:
  handlers: [print]
commands:
  disk:
    cmd: df -kP
    servers: [web]
    key: Mounted on
    alerts:
      - column: Capacity
        trigger: "> 90"
      - column: Inodes
        trigger: "> 80"
        severity: warning
    handlers: [print]
`

// env is a Checker's world in memory: print handlers write to out.
func testEnv(remote collectors.Collector, out *bytes.Buffer) Env {
	return Env{Remote: remote, Stdout: out, Getenv: func(string) string { return "" }}
}

func openState(t *testing.T) func(context.Context) (*store.Store, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	var st *store.Store
	t.Cleanup(func() {
		if st != nil {
			st.Close()
		}
	})
	return func(ctx context.Context) (*store.Store, error) {
		if st != nil {
			return st, nil
		}
		var err error
		st, err = store.Open(ctx, path, store.Options{})
		return st, err
	}
}

func TestJudge(t *testing.T) {
	cfg := parseConfig(t, diskConfig+`
  plugin:
    cmd: /usr/lib/nagios/plugins/check_load
    nagios: true
    servers: [web]
  port:
    tcp: "{host}:22"
    servers: [web]
`)
	disk, plugin, port := cfg.Command("disk"), cfg.Command("plugin"), cfg.Command("port")
	target := disk.Targets[0]
	cases := []struct {
		name      string
		cmd       *config.Command
		res       collectors.Result
		state     HostState
		failure   string // FailureText
		unknown   int    // rules that cannot be judged
		findings  int
		tableRows int
	}{
		{"good output", disk, collectors.Result{Stdout: df("/dev/a 95% /")}, HostOK, "", 1, 2, 1},
		{"exit status not accepted", disk, collectors.Result{ExitStatus: 1, Stdout: []byte("df: /x: No such file\n")}, HostFailed, "ERROR: exit status 1", 0, 0, 0},
		{"timed out", disk, collectors.Result{Err: fmt.Errorf("%w after 5s", collectors.ErrTimeout)}, HostTimeout, "TIMED OUT: command timed out after 5s", 0, 0, 0},
		{"unreachable", disk, collectors.Result{Err: fmt.Errorf("%w: refused", collectors.ErrConnect)}, HostUnknown, "UNKNOWN: connect failed: refused", 0, 0, 0},
		// Inodes is not a column of df -kP: that rule is UNKNOWN, Capacity
		// is still judged (and fires), the host itself is checked.
		{"plugin OK with perfdata", plugin, collectors.Result{Stdout: []byte("LOAD OK - load 0.1|load1=0.1;5;10\n")}, HostOK, "", 0, 0, 1},
		{"plugin CRITICAL", plugin, collectors.Result{ExitStatus: 2, Stdout: []byte("LOAD CRITICAL - load 20|load1=20;5;10\n")}, HostOK, "", 0, 1, 1},
		{"plugin UNKNOWN", plugin, collectors.Result{ExitStatus: 3, Stdout: []byte("LOAD UNKNOWN - no uptime\n")}, HostOK, "UNKNOWN: plugin says UNKNOWN: LOAD UNKNOWN - no uptime", 0, 0, 0},
		{"plugin exit 4", plugin, collectors.Result{ExitStatus: 4}, HostFailed, "ERROR: exit status 4", 0, 0, 0},
		{"port refused fires its implicit rule", port, collectors.Result{Fields: []collectors.Field{{Name: "connected", Value: "false"}, {Name: "error", Value: "refused"}}}, HostOK, "", 0, 1, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.res.Target = target
			h := Judge(c.cmd, c.res, true)
			if h.State != c.state || h.FailureText() != c.failure {
				t.Errorf("state %q, failure %q; want %q, %q", h.State, h.FailureText(), c.state, c.failure)
			}
			if len(h.Unknown) != c.unknown {
				t.Errorf("unknown rules %q, want %d", h.Unknown, c.unknown)
			}
			if len(h.Findings) != c.findings {
				t.Errorf("findings %+v, want %d", h.Findings, c.findings)
			}
			rows := 0
			if h.Table != nil {
				rows = len(h.Table.Rows)
			}
			if rows != c.tableRows {
				t.Errorf("table rows %d, want %d", rows, c.tableRows)
			}
		})
	}
}

// Output cut at the collector's limit: the line cut in the middle is not
// read as a row, and the host's note says what was dropped.
func TestJudgeTruncatedOutput(t *testing.T) {
	cmd := parseConfig(t, diskConfig).Command("disk")
	out := append(df("/dev/a 95% /", "/dev/b 10% /b"), "/dev/c 9"...)
	h := Judge(cmd, collectors.Result{Target: cmd.Targets[0], Stdout: out, Truncated: true,
		Stderr: []byte("\n[serverstats: stdout truncated: kept 80 bytes, dropped 1000]\n")}, true)
	if h.Table == nil || len(h.Table.Rows) != 2 {
		t.Fatalf("table %+v, want the 2 whole rows", h.Table)
	}
	if h.Note != "stdout truncated: kept 80 bytes, dropped 1000" {
		t.Errorf("note %q", h.Note)
	}
}

// Without --alerts the rules are not judged at all.
func TestJudgeWithoutAlerts(t *testing.T) {
	cmd := parseConfig(t, diskConfig).Command("disk")
	h := Judge(cmd, collectors.Result{Target: cmd.Targets[0], Stdout: df("/dev/a 95% /")}, false)
	if len(h.Findings) != 0 || len(h.Unknown) != 0 || h.Table == nil {
		t.Errorf("findings %v, unknown %v, table %v", h.Findings, h.Unknown, h.Table)
	}
}

func TestStatus(t *testing.T) {
	crit := alerts.Finding{Status: alerts.StatusFiring, Severity: alerts.SeverityCritical}
	warn := alerts.Finding{Status: alerts.StatusFiring, Severity: alerts.SeverityWarning}
	unk := alerts.Finding{Status: alerts.StatusUnknown}
	down := &Host{State: HostUnknown, Result: collectors.Result{Err: errors.New("x")}}
	for _, c := range []struct {
		hosts []*Host
		want  Status
	}{
		{nil, OK},
		{[]*Host{{Findings: []alerts.Finding{warn}}}, Warning},
		{[]*Host{{Findings: []alerts.Finding{warn}}, down}, Unknown},
		{[]*Host{{Findings: []alerts.Finding{warn, unk}}}, Unknown},
		{[]*Host{{Findings: []alerts.Finding{warn}}, down, {Findings: []alerts.Finding{crit}}}, Critical},
	} {
		if got := (&Report{Hosts: c.hosts}).Status(); got != c.want {
			t.Errorf("%d hosts: %s, want %s", len(c.hosts), got, c.want)
		}
	}
}

// One run end to end in memory: collect through the remote collector (which
// receives exactly the command line of the config), judge, record, queue and
// deliver; the second run tells nothing new; the rule that cannot be judged
// on a host is told once to on-command-failure.
func TestRunRecordsQueuesAndDelivers(t *testing.T) {
	cfg := parseConfig(t, diskConfig)
	cmd := cfg.Command("disk")
	remote := &fakeRemote{out: map[string]collectors.Result{
		"web1.example.com": {Stdout: df("/dev/a 95% /", "/dev/b 10% /data")},
	}}
	var out bytes.Buffer
	c := New(cfg, testEnv(remote, &out))
	state := openState(t)
	var collected *Report
	rep := c.Run(context.Background(), cmd, Options{Alerts: true, Flush: true, State: state,
		Collected: func(r *Report) { collected = r; fmt.Fprintln(&out, "--- tables ---") }})
	if collected != rep {
		t.Error("Collected was not called with the report")
	}
	for _, s := range remote.sent {
		if !strings.HasSuffix(s, ": df -kP") {
			t.Errorf("remote was sent %q, want exactly the config's line", s)
		}
	}
	if rep.Status() != Critical || rep.StateErr != nil {
		t.Fatalf("status %s, state error %v", rep.Status(), rep.StateErr)
	}
	text := out.String()
	tables := strings.Index(text, "--- tables ---")
	for _, want := range []string{"/: Capacity 95% > 90", "web2.example.com", "Inodes"} {
		i := strings.Index(text, want)
		if i < 0 {
			t.Errorf("delivered output lacks %q:\n%s", want, text)
		} else if i < tables {
			t.Errorf("%q delivered before the tables were printed", want)
		}
	}
	if rep.Delivery.Sent != 1 || len(rep.Queued) != 1 {
		t.Errorf("sent %d, queued %d; want one message to print", rep.Delivery.Sent, len(rep.Queued))
	}

	out.Reset()
	rep = c.Run(context.Background(), cmd, Options{Alerts: true, Flush: true, State: state})
	if len(rep.Queued) != 0 || out.Len() != 0 {
		t.Errorf("second run queued %d, printed %q; want nothing new", len(rep.Queued), out.String())
	}
}

// When the state file cannot be opened, the run still tells, directly,
// and says so.
func TestRunStateUnavailableGoesDirect(t *testing.T) {
	cfg := parseConfig(t, diskConfig)
	remote := &fakeRemote{out: map[string]collectors.Result{
		"web1.example.com": {Stdout: df("/dev/a 95% /")},
		"web2.example.com": {Stdout: df("/dev/a 5% /")},
	}}
	var out bytes.Buffer
	broken := &store.Error{Op: "open", Kind: store.KindCorrupt, Err: errors.New("file is not a database")}
	rep := New(cfg, testEnv(remote, &out)).Run(context.Background(), cfg.Command("disk"), Options{Alerts: true, Flush: true,
		State: func(context.Context) (*store.Store, error) { return nil, broken }})
	if !errors.Is(rep.StateErr, broken) || rep.StateOp != "open" {
		t.Errorf("state error %v (%s)", rep.StateErr, rep.StateOp)
	}
	if rep.Delivery.Sent != 1 || !strings.Contains(out.String(), "Capacity 95% > 90") || !strings.Contains(strings.ToLower(out.String()), "state unavailable") {
		t.Errorf("sent %d:\n%s", rep.Delivery.Sent, out.String())
	}
}

// A run cut short by its caller (shutdown, ^C) is not recorded: its hosts
// are not down, the caller is stopping.
func TestRunCancelledIsNotRecorded(t *testing.T) {
	cfg := parseConfig(t, diskConfig)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	opened := false
	rep := New(cfg, testEnv(&fakeRemote{}, &bytes.Buffer{})).Run(ctx, cfg.Command("disk"), Options{Alerts: true, Flush: true,
		State: func(context.Context) (*store.Store, error) { opened = true; return nil, errors.New("unused") }})
	if !rep.Cancelled || opened || len(rep.Queued) != 0 {
		t.Errorf("cancelled %v, state opened %v, queued %d", rep.Cancelled, opened, len(rep.Queued))
	}
}

// A run that ends by its deadline (the daemon cuts runs before the next
// is due) is still recorded, within SettleTimeout.
func TestRunPastDeadlineIsRecorded(t *testing.T) {
	cfg := parseConfig(t, diskConfig)
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	remote := &fakeRemote{out: map[string]collectors.Result{"web1.example.com": {Stdout: df("/dev/a 95% /")}}}
	rep := New(cfg, testEnv(remote, &bytes.Buffer{})).Run(ctx, cfg.Command("disk"), Options{Alerts: true, State: openState(t), SettleTimeout: 5 * time.Second})
	if rep.Cancelled || rep.StateErr != nil || len(rep.Queued) == 0 {
		t.Errorf("cancelled %v, state error %v, queued %d", rep.Cancelled, rep.StateErr, len(rep.Queued))
	}
}

// Failed remediations go through the grouper: one message per handler,
// however many actions failed; the same line runs once per host per run.
func TestFailedActionsOneMessagePerHandler(t *testing.T) {
	cfg := parseConfig(t, `
groups:
  web: [web1.example.com]
handlers:
  ops: {type: print}
commands:
  disk:
    cmd: df -kP
    servers: [web]
    key: Mounted on
    handlers: [print, ops]
    alerts:
      - column: Capacity
        trigger: "> 90"
        action: {cmd: "cleanup-tmp", max: 3, within: 5}
      - name: second
        column: Capacity
        trigger: "> 80"
        action: {cmd: "rotate-logs", max: 3, within: 5}
`)
	remote := &fakeRemote{out: map[string]collectors.Result{"web1.example.com": {Stdout: df("/dev/a 95% /", "/dev/b 96% /var")}}}
	failingActions := collectorFunc(func(t collectors.Target, cmd string) collectors.Result {
		if cmd == "df -kP" {
			return remote.Run(context.Background(), t, cmd)
		}
		return collectors.Result{Target: t, ExitStatus: 1, Stderr: []byte(cmd + ": permission denied\n")}
	})
	var out bytes.Buffer
	c := New(cfg, testEnv(failingActions, &out))
	state := openState(t)
	rep := c.Run(context.Background(), cfg.Command("disk"), Options{Alerts: true, State: state})
	if n := len(rep.Hosts[0].Actions); n != 2 {
		t.Fatalf("actions run: %+v, want 2 (each line once per host, though two rows ask)", rep.Hosts[0].Actions)
	}
	st, _ := state(context.Background())
	entries, err := st.Outbox(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	failed := map[string]int{}
	for _, e := range entries {
		for _, n := range e.Notifications {
			if strings.HasPrefix(n.Action, "failed: ") {
				failed[e.Handler]++
			}
		}
	}
	perHandler := map[string]int{}
	for _, e := range entries {
		if strings.HasPrefix(e.Notifications[0].Action, "failed: ") {
			perHandler[e.Handler]++
		}
	}
	if failed["print"] != 2 || failed["ops"] != 2 || perHandler["print"] != 1 || perHandler["ops"] != 1 {
		t.Errorf("failed-action notifications by handler %v in messages %v; want 2 each in one message each", failed, perHandler)
	}
}

type collectorFunc func(t collectors.Target, cmd string) collectors.Result

func (f collectorFunc) Run(_ context.Context, t collectors.Target, cmd string) collectors.Result {
	return f(t, cmd)
}

// A kind builds each target's collector once per Checker, not per run.
func TestCollectorsBuiltOncePerChecker(t *testing.T) {
	cfg := parseConfig(t, `
commands:
  web:
    url: http://127.0.0.1:1/
`)
	c := New(cfg, testEnv(nil, &bytes.Buffer{}))
	cmd := cfg.Command("web")
	a, b := c.pick(cmd)(cmd.Targets[0]), c.pick(cmd)(cmd.Targets[0])
	if a == nil || a != b {
		t.Errorf("collectors %p and %p, want the same one", a, b)
	}
	if p, ok := a.(*collectors.HTTPProbe); !ok || p.URL != "http://127.0.0.1:1/" {
		t.Errorf("collector %#v", a)
	}
}

// Every kind named in the config has a home in the registry.
func TestEveryKindRegistered(t *testing.T) {
	for _, k := range []config.Kind{config.KindShell, config.KindURL, config.KindTCP, config.KindBuiltin} {
		if _, ok := kinds[string(k)]; !ok {
			t.Errorf("kind %q not registered", k)
		}
	}
	if kindOf(&config.Command{Kind: config.KindShell, Nagios: true}) != kinds[kindNagios] {
		t.Error("a Nagios plugin is not the nagios kind")
	}
}

// Host keys not checked: every run over SSH says so, in every mode.
func TestInsecureHostKeysWarnEveryRun(t *testing.T) {
	cfg := parseConfig(t, diskConfig+`
ssh:
  host-key-policy: insecure-ignore
`)
	var logs bytes.Buffer
	env := testEnv(&fakeRemote{}, &bytes.Buffer{})
	env.Log = slog.New(slog.NewTextHandler(&logs, nil))
	c := New(cfg, env)
	for range 2 {
		c.Run(context.Background(), cfg.Command("disk"), Options{})
	}
	if n := strings.Count(logs.String(), "insecure-ignore"); n != 2 {
		t.Errorf("%d warnings in two runs:\n%s", n, logs.String())
	}
}

// size-base reaches the parser: 14G is 14000M in SI (df -H), 14336M in
// binary (df -h), and a threshold is read in the column's base.
func TestSizeBaseReachesRules(t *testing.T) {
	out := []byte("Filesystem      Size  Used Avail Use% Mounted on\n/dev/vda1        14G   13G  1.0G  93% /\n")
	for base, fires := range map[string]bool{"si": false, "binary": true} {
		cfg := parseConfig(t, `
commands:
  disk:
    cmd: df -H
    servers: [localhost]
    size-base: `+base+`
    alerts:
      - {column: Size, trigger: "> 14000M"}
`)
		cmd := cfg.Command("disk")
		h := Judge(cmd, collectors.Result{Target: cmd.Targets[0], Stdout: out}, true)
		if got := len(h.Findings) == 1 && h.Findings[0].Status == alerts.StatusFiring; got != fires {
			t.Errorf("size-base %s: findings %+v, want firing %v", base, h.Findings, fires)
		}
	}
}

// A maintenance window holds a firing alert (and a host that cannot be
// reached); monitoring goes on; what still fires when it ends is told then.
func TestMaintenanceWindowHoldsThenTells(t *testing.T) {
	cfg := parseConfig(t, diskConfig+`
maintenance:
  - {name: patching, schedule: "0 2 * * *", duration: 1h, timezone: UTC, groups: [web]}
`)
	remote := &fakeRemote{out: map[string]collectors.Result{"web1.example.com": {Stdout: df("/dev/a 95% /")}}}
	var out bytes.Buffer
	env := testEnv(remote, &out)
	now := time.Date(2026, 12, 3, 2, 30, 0, 0, time.UTC)
	env.Now = func() time.Time { return now }
	c := New(cfg, env)
	state := openState(t)
	rep := c.Run(context.Background(), cfg.Command("disk"), Options{Alerts: true, Flush: true, State: state})
	if rep.Status() != Critical || len(rep.Queued) != 0 || out.Len() != 0 {
		t.Fatalf("inside the window: status %s, queued %v, printed %q; want judged but nothing told", rep.Status(), rep.Queued, out.String())
	}
	now = now.Add(time.Hour) // 03:30: the window is over
	c.Run(context.Background(), cfg.Command("disk"), Options{Alerts: true, Flush: true, State: state})
	for _, want := range []string{"/: Capacity 95% > 90", "web2.example.com"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("after the window, %q not told:\n%s", want, out.String())
		}
	}
}

// While a parent host is down, its children's alerts are held (monitoring
// goes on), the parent's failure says how many are held, and once the
// parent is back what still fires is told.
func TestParentDownHoldsChildren(t *testing.T) {
	cfg := parseConfig(t, `
groups:
  dc: [jump.example.com, db1.example.com, db2.example.com]
hosts:
  db1.example.com: {depends-on: [jump.example.com]}
  db2.example.com: {depends-on: [jump.example.com]}
on-command-failure: {handlers: [print]}
commands:
  disk:
    cmd: df -kP
    servers: [dc]
    key: Mounted on
    alerts: [{column: Capacity, trigger: "> 90"}]
`)
	full := collectors.Result{Stdout: df("/dev/a 95% /")}
	remote := &fakeRemote{out: map[string]collectors.Result{"db1.example.com": full, "db2.example.com": full}} // jump unreachable
	var out bytes.Buffer
	c := New(cfg, testEnv(remote, &out))
	state := openState(t)
	rep := c.Run(context.Background(), cfg.Command("disk"), Options{Alerts: true, Flush: true, State: state})
	if rep.Status() != Critical {
		t.Errorf("status %s: the children are still judged", rep.Status())
	}
	text := out.String()
	if strings.Contains(text, "db1.example.com /") || strings.Contains(text, "db2.example.com /") {
		t.Errorf("children told while the parent is down:\n%s", text)
	}
	if !strings.Contains(text, "2 dependent host(s) held while it is down: db1.example.com, db2.example.com") {
		t.Errorf("the parent's failure does not say what it holds:\n%s", text)
	}
	st, _ := state(context.Background())
	states, _ := st.States(context.Background())
	held := 0
	for k, s := range states {
		if k.Host == "db1.example.com" && strings.HasPrefix(s.HeldBy, "suppressed: parent jump.example.com down") {
			held++
		}
	}
	if held != 1 {
		t.Errorf("db1's alert not shown as held by its parent: %+v", states)
	}
	out.Reset()
	remote.out["jump.example.com"] = collectors.Result{Stdout: df("/dev/j 10% /")}
	c.Run(context.Background(), cfg.Command("disk"), Options{Alerts: true, Flush: true, State: state})
	for _, want := range []string{"db1.example.com /: Capacity 95% > 90", "db2.example.com /: Capacity 95% > 90", "RESOLVED disk"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("parent back: %q not told:\n%s", want, out.String())
		}
	}
}

// jumpRemote is a fakeRemote whose hosts are reached through ProxyJump
// hosts, as collectors.SSH.JumpHosts tells them from ssh_config.
type jumpRemote struct {
	*fakeRemote
	jumps map[string][]string // by target host
}

func (j jumpRemote) JumpHosts(t collectors.Target) []string { return j.jumps[t.Host] }

// Hosts reached through a ProxyJump depend on their jump host by default:
// while it is down their alerts are held. A host whose hosts: entry names
// its parents (here none) is not given the default.
func TestJumpHostDownHoldsHostsBehindIt(t *testing.T) {
	cfg := parseConfig(t, `
groups:
  dc: [jump.example.com, db1.example.com, db2.example.com, db3.example.com]
hosts:
  db3.example.com: {depends-on: []}
on-command-failure: {handlers: [print]}
commands:
  disk:
    cmd: df -kP
    servers: [dc]
    key: Mounted on
    alerts: [{column: Capacity, trigger: "> 90"}]
`)
	full := collectors.Result{Stdout: df("/dev/a 95% /")}
	remote := jumpRemote{
		fakeRemote: &fakeRemote{out: map[string]collectors.Result{"db1.example.com": full, "db2.example.com": full, "db3.example.com": full}}, // jump unreachable
		jumps: map[string][]string{
			"db1.example.com": {"jump.example.com"},
			"db2.example.com": {"gw.example.com", "jump.example.com"}, // gw is not checked: no dependency on it
			"db3.example.com": {"jump.example.com"},
		},
	}
	var out bytes.Buffer
	c := New(cfg, testEnv(remote, &out))
	c.Run(context.Background(), cfg.Command("disk"), Options{Alerts: true, Flush: true, State: openState(t)})
	text := out.String()
	if strings.Contains(text, "db1.example.com /") || strings.Contains(text, "db2.example.com /") {
		t.Errorf("hosts behind the jump host told while it is down:\n%s", text)
	}
	if !strings.Contains(text, "db3.example.com /: Capacity 95% > 90") {
		t.Errorf("db3 names no parents (depends-on: []) but its alert was held:\n%s", text)
	}
	if !strings.Contains(text, "2 dependent host(s) held while it is down: db1.example.com, db2.example.com") {
		t.Errorf("the jump host's failure does not say what it holds:\n%s", text)
	}
}
