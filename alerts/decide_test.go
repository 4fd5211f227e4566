package alerts

import (
	"slices"
	"strings"
	"testing"
	"time"

	"serverstats/parse"
)

// Decide is fed a sequence of runs, carrying the state from one to
// the next as the store would, and returns per run "handler: line" strings.
func TestDecideAcrossRuns(t *testing.T) {
	rule := mustRule(t, "Use%", parse.TypePercent, "> 90", "", SeverityCritical)
	rule.Handlers = []string{"email", "sms"}
	tbl := func(rows ...string) *parse.Table {
		tb, err := parse.ParseTable("Filesystem  Use% Mounted on\n"+strings.Join(rows, "\n")+"\n", parse.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return tb
	}
	run := func(web1 *parse.Table, web2Fails bool) Run {
		r := Run{Command: "disk", Rules: []*Rule{rule}, FailureHandlers: []string{"sms"},
			SendResolved: func(h string) bool { return h == "email" }}
		r.Hosts = append(r.Hosts, HostRun{Host: "web1", Observations: Observe("disk", "web1", "Mounted on", r.Rules, web1)})
		web2 := HostRun{Host: "web2", Observations: Observe("disk", "web2", "Mounted on", r.Rules, tbl("/dev/b      95% /"))}
		if web2Fails {
			web2.Failure = &Notification{Status: StatusUnknown, Command: "disk", Host: "web2", Error: "connect failed"}
		}
		r.Hosts = append(r.Hosts, web2)
		return r
	}
	steps := []struct {
		web1      *parse.Table
		web2Fails bool
		want      []string
	}{
		{tbl("/dev/a      95% /", "/dev/c      10% /data"), false, []string{
			"email: web1 /: Use% 95% > 90", "email: web2 /: Use% 95% > 90",
			"sms: web1 /: Use% 95% > 90", "sms: web2 /: Use% 95% > 90"}},
		{tbl("/dev/a      95% /", "/dev/c      10% /data"), true, []string{ // web2 unreachable: told once to on-command-failure only
			"sms: web2: UNKNOWN disk: connect failed"}},
		{tbl("/dev/a      95% /"), true, nil}, // still unreachable: nothing new; web2's alert neither fires nor resolves
		{tbl("/dev/c      10% /data"), false, []string{ // "/" vanished from web1: resolves (email only: sms has no send-resolved)
			"email: web1 /: RESOLVED Use% 95% (was > 90) — no longer in the output"}},
	}
	states := map[Key]State{}
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	for i, st := range steps {
		tr := Decide(run(st.web1, st.web2Fails), states, nil, now)
		var got []string
		for _, e := range tr.Out {
			if len(e.Keys) != len(e.Notifications) {
				t.Errorf("run %d: %d keys for %d notifications", i, len(e.Keys), len(e.Notifications))
			}
			for _, n := range e.Notifications {
				got = append(got, e.Handler+": "+n.Line())
			}
		}
		if strings.Join(got, "\n") != strings.Join(st.want, "\n") {
			t.Errorf("run %d:\n%s\nwant:\n%s", i, strings.Join(got, "\n"), strings.Join(st.want, "\n"))
		}
		for _, k := range tr.Removed {
			delete(states, k)
		}
		for _, s := range tr.States {
			states[s.Key] = s
		}
		now = now.Add(time.Minute)
	}
	// web2's firing alert survived its outage.
	if s := states[Key{"disk", rule.Name, "web2", "/"}]; s.Phase != PhaseFiring {
		t.Errorf("web2 / after the outage: %+v", s)
	}
	// web2 came back in the last run: its outage resolved (sms has no send-resolved, so silently).
	if s, ok := states[Key{Command: "disk", Host: "web2"}]; ok {
		t.Errorf("web2 outage key kept after recovery: %+v", s)
	}
}

// runDecide applies one run to states as the store would and returns the
// notification lines.
func runDecide(t *testing.T, r Run, states map[Key]State, now time.Time) []string {
	t.Helper()
	tr := Decide(r, states, nil, now)
	for _, k := range tr.Removed {
		delete(states, k)
	}
	for _, s := range tr.States {
		states[s.Key] = s
	}
	var got []string
	for _, e := range tr.Out {
		for _, n := range e.Notifications {
			got = append(got, e.Handler+": "+n.Line())
		}
	}
	return got
}

func oneHost(t *testing.T, rules []*Rule, key, out string) Run {
	t.Helper()
	tb, err := parse.ParseTable(out, parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return Run{Command: "disk", Rules: rules, FailureHandlers: []string{"ops"}, Hosts: []HostRun{
		{Host: "web1", Observations: Observe("disk", "web1", key, rules, tb)}}}
}

// Rows without a key column, or sharing a key, are told apart: a full and
// an empty disk do not make the alert flap run after run.
func TestDecideRowsSharingAKey(t *testing.T) {
	rule := mustRule(t, "Use%", parse.TypePercent, "> 90", "", SeverityCritical)
	rule.Handlers = []string{"email"}
	out := "Filesystem  Use% Mounted on\n/dev/a       95% /\n/dev/c       10% /data\n"
	states := map[Key]State{}
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	var all [][]string
	for i := 0; i < 4; i++ {
		all = append(all, runDecide(t, oneHost(t, []*Rule{rule}, "", out), states, now.Add(time.Duration(i)*time.Minute)))
	}
	if len(all[0]) != 1 || all[0][0] != "email: web1 #1: Use% 95% > 90" {
		t.Errorf("first run: %q", all[0])
	}
	for i, got := range all[1:] {
		if len(got) != 0 {
			t.Errorf("run %d: %q, want nothing (no flapping)", i+2, got)
		}
	}
	keys := RowKeys("Filesystem", &parse.Table{Header: []string{"Filesystem"}, Rows: []parse.Row{{Cells: []string{"tmpfs"}}, {Cells: []string{"tmpfs"}}, {Cells: []string{"/dev/a"}}}})
	if strings.Join(keys, ",") != "tmpfs,tmpfs#2,/dev/a" {
		t.Errorf("RowKeys = %q", keys)
	}
}

// A rule whose column vanished from the output (an error message on stdout,
// a changed df, a plugin omitting one perfdata label) cannot judge its
// rows: they stay firing, not resolved; the rule is UNKNOWN on that host,
// told once to on-command-failure and resolved when the column is back;
// the host's other rules are still judged.
func TestDecideMissingColumnIsUnknownPerRule(t *testing.T) {
	use := mustRule(t, "Use%", parse.TypePercent, "> 90", "", SeverityCritical)
	use.Handlers = []string{"email"}
	inodes := mustRule(t, "IUse%", parse.TypePercent, "> 80", "", SeverityCritical)
	inodes.Handlers = []string{"email"}
	rules := []*Rule{use, inodes}
	states := map[Key]State{}
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	both := "Filesystem  Use% IUse% Mounted on\n/dev/a       95%   10% /\n"
	noUse := "Filesystem  IUse% Mounted on\n/dev/a        85% /\n"
	steps := []struct {
		out  string
		want []string
	}{
		{both, []string{"email: web1 /: Use% 95% > 90"}},
		{noUse, []string{ // Use% is UNKNOWN (told once); IUse% still judged and fires
			"email: web1 /: IUse% 85% > 80",
			`ops: web1: UNKNOWN disk: rule "Use% > 90" cannot be judged: column "Use%" is not in the output (columns: Filesystem, IUse%, Mounted on)`}},
		{noUse, nil}, // told already
		{both, []string{ // the column is back: the UNKNOWN resolves, IUse% resolves too
			"email: web1 /: RESOLVED IUse% 10% (was > 80)",
			"ops: web1: RESOLVED disk Use% > 90 — the rule's column is in the output again"}},
	}
	for i, st := range steps {
		got := runDecide(t, oneHost(t, rules, "Mounted on", st.out), states, now.Add(time.Duration(i)*time.Minute))
		slices.Sort(got)
		if strings.Join(got, "\n") != strings.Join(st.want, "\n") {
			t.Errorf("run %d:\ngot  %q\nwant %q", i+1, got, st.want)
		}
		if s := states[Key{"disk", use.Name, "web1", "/"}]; s.Phase != PhaseFiring {
			t.Errorf("run %d: Use%% on / is %+v, want still firing (frozen, not resolved)", i+1, s)
		}
	}
	if _, ok := states[MissingColumnKey("disk", "web1", use.Name)]; ok {
		if s := states[MissingColumnKey("disk", "web1", use.Name)]; s.Phase == PhaseFiring {
			t.Errorf("missing-column key still firing after the column came back: %+v", s)
		}
	}
}

// A firing alert whose rule was removed or renamed (a default name is
// "<column> <trigger>") is resolved to on-command-failure's handlers, not
// forgotten silently.
func TestDecideRemovedRuleResolves(t *testing.T) {
	old := mustRule(t, "Use%", parse.TypePercent, "> 90", "", SeverityCritical)
	old.Handlers = []string{"email"}
	states := map[Key]State{}
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	out := "Filesystem  Use% Mounted on\n/dev/a       95% /\n"
	runDecide(t, oneHost(t, []*Rule{old}, "Mounted on", out), states, now)
	renamed := mustRule(t, "Use%", parse.TypePercent, "> 95", "", SeverityCritical)
	renamed.Handlers = []string{"email"}
	got := runDecide(t, oneHost(t, []*Rule{renamed}, "Mounted on", out), states, now.Add(time.Minute))
	want := "ops: web1 /: RESOLVED disk Use% > 90 — the rule is no longer in the config"
	if len(got) != 1 || got[0] != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
