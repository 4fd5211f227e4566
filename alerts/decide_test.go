package alerts

import (
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
