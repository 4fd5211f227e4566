package alerts

import (
	"strings"
	"testing"
	"time"

	"serverstats/parse"
)

// TestResendAcrossRuns feeds Decide runs at an injected clock, carrying the
// state as the store would: a firing key is re-posted to the alertmanager
// handler (resend 1m) and to it only, not to email (which has its own
// repeat), and not while a run already told it; a host that cannot be
// reached keeps its alerts alive there; a resolve ends the re-posts.
func TestResendAcrossRuns(t *testing.T) {
	rule := mustRule(t, "Use%", parse.TypePercent, "> 90", "", SeverityCritical)
	rule.Handlers = []string{"email", "am"}
	rule.Repeat = 10 * time.Minute
	rule.Runbook = "https://wiki.example.com/disk"
	tbl := func(rows ...string) *parse.Table {
		tb, err := parse.ParseTable("Filesystem  Use% Mounted on\n"+strings.Join(rows, "\n")+"\n", parse.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return tb
	}
	full, ok := tbl("/dev/a      95% /"), tbl("/dev/a      10% /")
	run := func(t *parse.Table, down bool) Run {
		r := Run{Command: "disk", Rules: []*Rule{rule}, FailureHandlers: []string{"am"},
			SendResolved: func(string) bool { return true },
			Resend: func(h string) time.Duration {
				if h == "am" {
					return time.Minute
				}
				return 0
			}}
		h := HostRun{Host: "web1", Observations: Observe("disk", "web1", "Mounted on", r.Rules, t)}
		if down {
			h.Failure = &Notification{Status: StatusUnknown, Command: "disk", Host: "web1", Severity: SeverityCritical, Error: "connect failed"}
		}
		r.Hosts = []HostRun{h}
		return r
	}
	start := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	steps := []struct {
		at   time.Duration // since start
		tbl  *parse.Table
		down bool
		want []string // "handler: status host row (repost)"
	}{
		{0, full, false, []string{"email: firing web1 /", "am: firing web1 /"}},
		{30 * time.Second, full, false, nil},                                             // within resend
		{60 * time.Second, full, false, []string{"am: reminder web1 / repost since=0s"}}, // due: am only
		{90 * time.Second, full, false, nil},
		{150 * time.Second, full, true, []string{ // host down: the outage is told, the held alert re-posted
			"am: unknown web1 ", "am: reminder web1 / repost since=0s"}},
		{180 * time.Second, full, true, nil},
		{210 * time.Second, full, true, []string{ // both still firing at am
			"am: reminder web1  repost since=2m30s", "am: reminder web1 / repost since=0s"}},
		{600 * time.Second, full, false, []string{ // email's repeat (10m) is due: a reminder to both, no extra re-post
			"am: resolved web1 ", "am: reminder web1 /", "email: reminder web1 /"}},
		{630 * time.Second, ok, false, []string{"email: resolved web1 /", "am: resolved web1 /"}},
		{720 * time.Second, ok, false, nil}, // resolved: no more re-posts
	}
	states := map[Key]State{}
	for i, st := range steps {
		now := start.Add(st.at)
		tr := Decide(run(st.tbl, st.down), states, nil, now)
		var got []string
		for _, e := range tr.Out {
			for j, n := range e.Notifications {
				if (n.Rule != "") != (n.Runbook == rule.Runbook) {
					t.Errorf("run %d: %s has runbook %q", i, n.Line(), n.Runbook)
				}
				line := e.Handler + ": " + string(n.Status) + " " + n.Host + " " + n.Key
				if e.Keys[j].Repost {
					line += " repost since=" + n.Since.Sub(start).String()
				}
				got = append(got, line)
			}
		}
		if strings.Join(got, "\n") != strings.Join(st.want, "\n") {
			t.Errorf("run %d (+%s):\n%s\nwant:\n%s", i, st.at, strings.Join(got, "\n"), strings.Join(st.want, "\n"))
		}
		for _, k := range tr.Removed {
			delete(states, k)
		}
		for _, s := range tr.States {
			states[s.Key] = s
		}
	}
}

func TestResendPure(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	every := func(h string) time.Duration {
		return map[string]time.Duration{"am1": 2 * time.Minute, "am2": time.Minute}[h]
	}
	firing := State{Phase: PhaseFiring, Notified: true, Reposted: now.Add(-time.Minute)}
	for _, c := range []struct {
		name     string
		s        State
		due      Status
		handlers []string
		want     string
		stamped  bool
	}{
		{"shortest interval elapsed: every re-posting handler", firing, "", []string{"email", "am1", "am2"}, "am1,am2", true},
		{"not yet", firing, "", []string{"am1"}, "", false},
		{"told this run already", firing, StatusReminder, []string{"am2"}, "", true},
		{"no re-posting handler", firing, "", []string{"email"}, "", false},
		{"never told (a mute held the firing)", State{Phase: PhaseFiring, Suppressed: true, Notified: false}, "", []string{"am2"}, "", false},
		{"not firing forgets the stamp", State{Phase: PhaseOK, Reposted: now.Add(-time.Hour)}, "", []string{"am2"}, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := c.s
			got := strings.Join(Resend(&s, c.due, c.handlers, every, now), ",")
			if got != c.want || s.Reposted.Equal(now) != c.stamped {
				t.Errorf("Resend = %q, Reposted=%v; want %q, stamped=%v", got, s.Reposted, c.want, c.stamped)
			}
			if c.s.Phase != PhaseFiring && !s.Reposted.IsZero() {
				t.Errorf("a key not firing keeps Reposted %v", s.Reposted)
			}
		})
	}
}
