package alerts

import (
	"strings"
	"testing"
	"time"

	"serverstats/parse"
)

// lifecycle runs one disk rule over a timeline: each step is a run at
// t0+at with the disk full or not, optionally acknowledging the key first
// (as `serverstats ack` does in the store), and says what each handler was
// told.
type lifeStep struct {
	at   time.Duration
	full bool
	ack  *State // AckedAt/AckUntil/AckReason to set before the run
	want []string
}

func runLifecycle(t *testing.T, rule *Rule, steps []lifeStep) map[Key]State {
	t.Helper()
	out := map[bool]string{
		true:  "Filesystem  Use% Mounted on\n/dev/a       95% /\n",
		false: "Filesystem  Use% Mounted on\n/dev/a       10% /\n",
	}
	t0 := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	k := Key{"disk", rule.Name, "web1", "/"}
	states := map[Key]State{}
	for i, st := range steps {
		if st.ack != nil {
			s := states[k]
			s.AckedAt, s.AckUntil, s.AckReason = st.ack.AckedAt, st.ack.AckUntil, st.ack.AckReason
			states[k] = s
		}
		got := runDecide(t, oneHost(t, []*Rule{rule}, "Mounted on", out[st.full]), states, t0.Add(st.at))
		if strings.Join(got, "\n") != strings.Join(st.want, "\n") {
			t.Errorf("step %d (+%s):\ngot  %q\nwant %q", i, st.at, got, st.want)
		}
	}
	return states
}

var lifeT0 = time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)

// An acknowledged alert reminds no more and does not escalate, even when an
// escalation falls due; its resolve is still told (with the ack); when it
// fires again the ack is gone.
func TestAckStopsRemindersAndEscalation(t *testing.T) {
	rule := mustRule(t, "Use%", parse.TypePercent, "> 90", "", SeverityCritical)
	rule.Handlers, rule.Repeat = []string{"email"}, 10*time.Minute
	rule.Escalate = []Escalation{{After: 30 * time.Minute, Handlers: []string{"sms"}}}
	ack := &State{AckedAt: lifeT0.Add(15 * time.Minute), AckReason: "replacing the disk"}
	runLifecycle(t, rule, []lifeStep{
		{0, true, nil, []string{"email: web1 /: Use% 95% > 90"}},
		{10 * time.Minute, true, nil, []string{"email: web1 /: STILL Use% 95% > 90"}},
		{20 * time.Minute, true, ack, nil},
		{30 * time.Minute, true, nil, nil}, // escalation due, but acked
		{40 * time.Minute, true, nil, nil},
		{50 * time.Minute, false, nil, []string{"email: web1 /: RESOLVED Use% 10% (was > 90) [acked 2026-11-23 03:15 UTC: replacing the disk]"}},
		{60 * time.Minute, true, nil, []string{"email: web1 /: Use% 95% > 90"}}, // a new episode: no ack
		{70 * time.Minute, true, nil, []string{"email: web1 /: STILL Use% 95% > 90"}},
	})
}

// An unacknowledged alert goes to each escalation's handlers when its time
// comes; an ack with an end stops it until then; the resolve goes to
// everyone who was told the firing.
func TestEscalation(t *testing.T) {
	rule := mustRule(t, "Use%", parse.TypePercent, "> 90", "", SeverityCritical)
	rule.Handlers = []string{"email"}
	rule.Escalate = []Escalation{
		{After: 30 * time.Minute, Handlers: []string{"sms-oncall"}},
		{After: 2 * time.Hour, Handlers: []string{"sms-manager"}},
	}
	shortAck := &State{AckedAt: lifeT0.Add(40 * time.Minute), AckUntil: lifeT0.Add(150 * time.Minute), AckReason: "looking"}
	esc := "escalated: firing since 2026-11-23 03:00 UTC without acknowledgement"
	states := runLifecycle(t, rule, []lifeStep{
		{0, true, nil, []string{"email: web1 /: Use% 95% > 90"}},
		{29 * time.Minute, true, nil, nil},
		{30 * time.Minute, true, nil, []string{"sms-oncall: web1 /: Use% 95% > 90 — " + esc}},
		{45 * time.Minute, true, shortAck, nil},
		{2 * time.Hour, true, nil, nil}, // due, but acked until 02:30 later
		{151 * time.Minute, true, nil, []string{"sms-manager: web1 /: Use% 95% > 90 — " + esc}},
		{3 * time.Hour, true, nil, nil}, // every step told
		{4 * time.Hour, false, nil, []string{
			"email: web1 /: RESOLVED Use% 10% (was > 90)",
			"sms-oncall: web1 /: RESOLVED Use% 10% (was > 90)",
			"sms-manager: web1 /: RESOLVED Use% 10% (was > 90)"}},
	})
	if s := states[Key{"disk", rule.Name, "web1", "/"}]; s.Escalated != 0 || !s.AckedAt.IsZero() {
		t.Errorf("after the resolve: escalated %d, acked %v", s.Escalated, s.AckedAt)
	}
}

// monit's "for N cycles": the count of consecutive runs resets on one run
// where the trigger does not hold.
func TestForResetsOnOneGoodRun(t *testing.T) {
	rule := mustRule(t, "Use%", parse.TypePercent, "> 90", "", SeverityCritical)
	rule.Handlers, rule.For = []string{"email"}, 3
	runLifecycle(t, rule, []lifeStep{
		{0, true, nil, nil},
		{time.Minute, true, nil, nil},
		{2 * time.Minute, false, nil, nil}, // resets
		{3 * time.Minute, true, nil, nil},
		{4 * time.Minute, true, nil, nil},
		{5 * time.Minute, true, nil, []string{"email: web1 /: Use% 95% > 90"}},
	})
}

// A mute that ends on resolve: the firing it covers is held; when that
// alert resolves, the run ends the mute.
func TestMuteUntilResolved(t *testing.T) {
	rule := mustRule(t, "Use%", parse.TypePercent, "> 90", "", SeverityCritical)
	rule.Handlers = []string{"email"}
	mutes := []Mute{{ID: 7, Host: "web1", Until: lifeT0.Add(24 * time.Hour), UntilResolved: true}, {ID: 8, Host: "web1", Until: lifeT0.Add(24 * time.Hour)}}
	full := oneHost(t, []*Rule{rule}, "Mounted on", "Filesystem  Use% Mounted on\n/dev/a       95% /\n")
	empty := oneHost(t, []*Rule{rule}, "Mounted on", "Filesystem  Use% Mounted on\n/dev/a       10% /\n")
	states := map[Key]State{}
	apply := func(tr Transition) {
		for _, s := range tr.States {
			states[s.Key] = s
		}
	}
	tr := Decide(full, states, mutes, lifeT0)
	apply(tr)
	if len(tr.Out) != 0 || len(tr.EndMutes) != 0 {
		t.Fatalf("muted firing: out %v, end mutes %v", tr.Out, tr.EndMutes)
	}
	tr = Decide(full, states, mutes, lifeT0.Add(time.Minute))
	apply(tr)
	if len(tr.EndMutes) != 0 {
		t.Errorf("still firing: ended mutes %v", tr.EndMutes)
	}
	tr = Decide(empty, states, mutes, lifeT0.Add(2*time.Minute))
	if len(tr.EndMutes) != 1 || tr.EndMutes[0] != 7 {
		t.Errorf("resolved: ended mutes %v, want [7] (8 does not end on resolve)", tr.EndMutes)
	}
}
