package alerts

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"serverstats/parse"
)

// What one run of the "disk" command on web1 prints for the key /var, under
// the rule Use% > 90 with clear: < 80.
var remedyOutputs = map[string]string{
	"holds":   "95%",
	"band":    "85%", // below the trigger, above clear: still firing, but the trigger does not hold
	"clear":   "10%",
	"unknown": "9x%", // unreadable: the key cannot be judged
	"gone":    "",    // the row is not in the output
}

func remedyTable(obs string) string {
	out := "Filesystem  Use% Mounted on\n/dev/b       10% /data\n"
	if v := remedyOutputs[obs]; v != "" {
		out += fmt.Sprintf("/dev/a      %3s /var\n", v)
	}
	return out
}

type remedyRun struct {
	min     int    // minutes after t0
	obs     string // a key of remedyOutputs
	muted   bool   // an ad-hoc mute covers web1
	want    []string
	actions int   // actions requested in this run
	runs    int   // State.Runs after the run
	phase   Phase // "" when the key is forgotten
}

// runRemedy feeds runs to Decide, carrying the state as the store would and
// delivering every notification at once (which starts mute-for windows).
func runRemedy(t *testing.T, rule *Rule, runs []remedyRun) {
	t.Helper()
	t0 := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	key := Key{"disk", rule.Name, "web1", "/var"}
	states := map[Key]State{}
	for i, r := range runs {
		now := t0.Add(time.Duration(r.min) * time.Minute)
		out := remedyTable(r.obs)
		var mutes []Mute
		if r.muted {
			mutes = []Mute{{Host: "web1", Until: now.Add(time.Hour)}}
		}
		tr := Decide(oneHost(t, []*Rule{rule}, "Mounted on", out), states, mutes, now)
		for _, k := range tr.Removed {
			delete(states, k)
		}
		for _, s := range tr.States {
			states[s.Key] = s
		}
		var got []string
		for _, e := range tr.Out {
			for j, n := range e.Notifications {
				got = append(got, e.Handler+": "+n.Line())
				km := e.Keys[j]
				if st, ok := states[km.Key]; ok {
					states[km.Key] = Delivered(st, now, km.MuteFor)
				}
			}
		}
		if strings.Join(got, "\n") != strings.Join(r.want, "\n") {
			t.Errorf("run %d (+%dm %s): notifications\n%s\nwant\n%s", i, r.min, r.obs, strings.Join(got, "\n"), strings.Join(r.want, "\n"))
		}
		if len(tr.Actions) != r.actions {
			t.Errorf("run %d (+%dm %s): %d actions %+v, want %d", i, r.min, r.obs, len(tr.Actions), tr.Actions, r.actions)
		}
		for _, a := range tr.Actions {
			want := ActionRequest{Key: key, Cmd: rule.Action.Cmd, Handlers: rule.Handlers, Severity: rule.Severity, Row: "/var"}
			if a.Key != want.Key || a.Cmd != want.Cmd || strings.Join(a.Handlers, ",") != strings.Join(want.Handlers, ",") ||
				a.Severity != want.Severity || a.Row != want.Row {
				t.Errorf("run %d: action %+v, want %+v", i, a, want)
			}
		}
		st, ok := states[key]
		switch {
		case r.phase == "" && ok:
			t.Errorf("run %d (+%dm %s): state kept: %+v", i, r.min, r.obs, st)
		case r.phase != "" && (st.Phase != r.phase || st.Runs != r.runs):
			t.Errorf("run %d (+%dm %s): phase %q runs %d (kept %v), want %q runs %d; state %+v",
				i, r.min, r.obs, st.Phase, st.Runs, ok, r.phase, r.runs, st)
		}
	}
}

func remedyRule(t *testing.T, max, within int, grace time.Duration) *Rule {
	t.Helper()
	r := mustRule(t, "Use%", parse.TypePercent, "> 90", "", SeverityCritical)
	clr, err := ParseTrigger("< 80", parse.TypePercent)
	if err != nil {
		t.Fatal(err)
	}
	r.Clear = clr
	r.Flap = &FlapPolicy{} // these runs alternate on purpose: flap detection would hold them
	r.Handlers = []string{"email"}
	r.Action = &Action{Cmd: "cleanup /var", Max: max, Within: within, Grace: grace}
	return r
}

const (
	fired    = "email: web1 /var: Use% 95% > 90"
	still    = "email: web1 /var: STILL Use% 95% > 90"
	running  = " [action running: cleanup /var]"
	resolved = "email: web1 /var: RESOLVED Use% 10% (was > 90)"
)

func stopped(n, within int) string {
	return " [action " + GiveUpMessage(Action{Cmd: "cleanup /var", Within: within}, n) + "]"
}

func TestRemedy(t *testing.T) {
	cases := []struct {
		name   string
		rule   func(*Rule)
		max    int
		within int
		grace  time.Duration
		runs   []remedyRun
	}{
		{name: "guard: two actions, one give-up, then silence while it fires", max: 2, within: 5, runs: []remedyRun{
			{0, "holds", false, []string{fired + running}, 1, 1, PhaseFiring},
			{1, "holds", false, nil, 1, 2, PhaseFiring},
			{2, "band", false, nil, 0, 3, PhaseFiring}, // firing, but the trigger does not hold: no action
			{3, "holds", false, []string{still + stopped(2, 5)}, 0, 4, PhaseFiring},
			{4, "unknown", false, nil, 0, 4, PhaseFiring}, // not judged: Runs unchanged
			{5, "holds", false, nil, 0, 5, PhaseFiring},
			{6, "holds", false, nil, 0, 6, PhaseFiring}, // the first action left the window: still given up
			{7, "holds", false, nil, 0, 7, PhaseFiring},
			{20, "holds", false, nil, 0, 8, PhaseFiring},
		}},
		{name: "grace: not judged, not resolved, until it passes", max: 3, within: 10, grace: 5 * time.Minute, runs: []remedyRun{
			{0, "holds", false, []string{fired + running}, 1, 1, PhaseFiring},
			{1, "holds", false, nil, 0, 1, PhaseFiring},
			{2, "clear", false, nil, 0, 1, PhaseFiring},   // no resolve mid-restart
			{3, "gone", false, nil, 0, 1, PhaseFiring},    // nor when the row is gone
			{4, "unknown", false, nil, 0, 1, PhaseFiring}, // 4m59 would still be grace
			{5, "holds", false, nil, 1, 2, PhaseFiring},   // grace over: judged, acted again
			{10, "clear", false, []string{resolved}, 0, 3, PhaseOK},
		}},
		{name: "a refire inside the window still counts", max: 2, within: 5, runs: []remedyRun{
			{0, "holds", false, []string{fired + running}, 1, 1, PhaseFiring},
			{1, "clear", false, []string{resolved}, 0, 2, PhaseOK}, // kept: the action is in the window
			{2, "holds", false, []string{fired + running}, 1, 3, PhaseFiring},
			{3, "clear", false, []string{resolved}, 0, 4, PhaseOK},
			{4, "holds", false, []string{fired + stopped(2, 5)}, 0, 5, PhaseFiring}, // actions at runs 1 and 3 of 1-5
			{5, "clear", false, []string{resolved}, 0, 6, PhaseOK},
			{6, "holds", false, []string{fired + running}, 1, 7, PhaseFiring}, // run 1 left the window; the give-up was reset
		}},
		{name: "outside the window the history is forgotten and actions resume", max: 1, within: 3, runs: []remedyRun{
			{0, "holds", false, []string{fired + running}, 1, 1, PhaseFiring},
			{1, "clear", false, []string{resolved}, 0, 2, PhaseOK},
			{2, "clear", false, nil, 0, 3, PhaseOK},
			{3, "clear", false, nil, 0, 0, ""}, // run 1 is out of the last 3: nothing left to remember
			{4, "holds", false, []string{fired + running}, 1, 1, PhaseFiring},
			{5, "holds", false, []string{still + stopped(1, 3)}, 0, 2, PhaseFiring},
		}},
		{name: "ad-hoc mute: no action, no give-up", max: 1, within: 10, runs: []remedyRun{
			{0, "holds", true, nil, 0, 1, PhaseFiring},
			{1, "holds", true, nil, 0, 2, PhaseFiring},
			{2, "holds", false, []string{fired + running}, 1, 3, PhaseFiring}, // the held-back firing, and the first action
			{3, "holds", true, nil, 0, 4, PhaseFiring},                        // guard reached, but muted: no give-up
			{4, "holds", false, []string{still + stopped(1, 10)}, 0, 5, PhaseFiring},
		}},
		{name: "for: 2 delays the first action until firing", rule: func(r *Rule) { r.For = 2 }, max: 3, within: 10, runs: []remedyRun{
			{0, "holds", false, nil, 0, 1, PhasePending},
			{1, "holds", false, []string{fired + running}, 1, 2, PhaseFiring},
		}},
		{name: "mute-for holds back notifications, not actions nor the give-up", rule: func(r *Rule) { r.MuteFor = time.Hour },
			max: 2, within: 10, runs: []remedyRun{
				{0, "holds", false, []string{fired + running}, 1, 1, PhaseFiring}, // delivered: mute-for until +60
				{1, "holds", false, nil, 1, 2, PhaseFiring},
				{2, "holds", false, []string{still + stopped(2, 10)}, 0, 3, PhaseFiring},
				{3, "holds", false, nil, 0, 4, PhaseFiring},
				{61, "clear", false, []string{resolved}, 0, 5, PhaseOK},
			}},
		{name: "give-up inside mute-for tells a firing that was held back", rule: func(r *Rule) { r.MuteFor = time.Hour },
			max: 1, within: 10, runs: []remedyRun{
				{0, "holds", false, []string{fired + running}, 1, 1, PhaseFiring},
				{1, "clear", false, []string{resolved}, 0, 2, PhaseOK},                   // a resolve is told within mute-for; mute until +61
				{2, "holds", false, []string{fired + stopped(1, 10)}, 0, 3, PhaseFiring}, // refire held back by mute-for, guard reached: told as the firing
				{3, "holds", false, nil, 0, 4, PhaseFiring},
				{62, "holds", false, nil, 0, 5, PhaseFiring}, // mute-for over: no held-back firing left to tell
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := remedyRule(t, c.max, c.within, c.grace)
			if c.rule != nil {
				c.rule(r)
			}
			runRemedy(t, r, c.runs)
		})
	}
}

// A rule without an action decides exactly as Step alone: no actions, no
// remediation fields, the same states.
func TestRemedyNoActionIsStep(t *testing.T) {
	rule := remedyRule(t, 1, 1, time.Minute)
	rule.Action = nil
	rule.For, rule.Repeat = 2, 3*time.Minute
	p := Policy{For: rule.For, Repeat: rule.Repeat}
	key := Key{"disk", rule.Name, "web1", "/var"}
	t0 := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	states := map[Key]State{}
	var want State
	for i, obs := range []string{"holds", "holds", "holds", "band", "unknown", "holds", "holds", "clear", "holds", "gone", "clear"} {
		now := t0.Add(time.Duration(i) * time.Minute)
		out := remedyTable(obs)
		o := Observation{Key: key, Value: remedyOutputs[obs]}
		switch obs {
		case "holds":
			o.Holds = true
		case "clear", "gone":
			o.Clears = true
		case "unknown":
			o.Unknown = true
		}
		if obs == "gone" {
			o.Value = want.LastValue
		}
		want, _ = Step(want, o, p, false, now)
		tr := Decide(oneHost(t, []*Rule{rule}, "Mounted on", out), states, nil, now)
		if len(tr.Actions) != 0 {
			t.Errorf("run %d: actions %+v", i, tr.Actions)
		}
		for _, k := range tr.Removed {
			delete(states, k)
		}
		for _, s := range tr.States {
			states[s.Key] = s
		}
		got, ok := states[key]
		if want.Phase == PhaseOK && want.Count == 0 && !want.Notified {
			if ok {
				t.Errorf("run %d (%s): state kept %+v", i, obs, got)
			}
			want = State{}
			continue
		}
		if got != want {
			t.Errorf("run %d (%s): state\n%+v\nwant\n%+v", i, obs, got, want)
		}
		for _, e := range tr.Out {
			for _, n := range e.Notifications {
				if n.Action != "" {
					t.Errorf("run %d: notification with an action: %+v", i, n)
				}
			}
		}
	}
}

// Remedy alone: the window counts the last Within judged runs, this one
// included.
func TestRemedyWindow(t *testing.T) {
	a := Action{Cmd: "x", Max: 2, Within: 3}
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	firing := Observation{Holds: true}
	s := State{Phase: PhaseFiring, Runs: 4, Acted: NewRunSet(2, 4)}
	s, due := Remedy(s, firing, "", a, false, now) // run 5: runs 3-5 hold one action (4)
	if due != RemedyRun || s.Acted != NewRunSet(4, 5) || s.Runs != 5 {
		t.Errorf("run 5: %q, %+v", due, s)
	}
	s, due = Remedy(s, firing, "", a, false, now) // run 6: 4 and 5 in 4-6
	if due != RemedyStop || !s.GaveUp || s.Acted != NewRunSet(4, 5) {
		t.Errorf("run 6: %q, %+v", due, s)
	}
	if got := NewRunSet(5, 1, 5, 3); got.String() != "[1 3 5]" || got.Len() != 3 || got.after(3) != NewRunSet(5) {
		t.Errorf("NewRunSet(5, 1, 5, 3) = %v, len %d", got, got.Len())
	}
}
