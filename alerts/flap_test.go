package alerts

import (
	"strings"
	"testing"
	"time"

	"serverstats/parse"
)

// A disk that goes over and under 90% run after run is told four times,
// then once as FLAPPING; its further changes are held; once it has been
// stable for the window, one notification gives its state.
func TestFlapping(t *testing.T) {
	rule := mustRule(t, "Use%", parse.TypePercent, "> 90", "", SeverityCritical)
	rule.Handlers = []string{"email"}
	rule.Flap = &FlapPolicy{Changes: 5, Within: 10}
	out := map[bool]string{
		true:  "Filesystem  Use% Mounted on\n/dev/a       95% /\n",
		false: "Filesystem  Use% Mounted on\n/dev/a       10% /\n",
	}
	states := map[Key]State{}
	t0 := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	run := 0
	step := func(full bool) []string {
		run++
		return runDecide(t, oneHost(t, []*Rule{rule}, "Mounted on", out[full]), states, t0.Add(time.Duration(run)*time.Minute))
	}
	var told []string
	for i := 0; i < 5; i++ { // changes 1..5: fire, resolve, fire, resolve, fire
		told = append(told, step(i%2 == 0)...)
	}
	want := []string{
		"email: web1 /: Use% 95% > 90",
		"email: web1 /: RESOLVED Use% 10% (was > 90)",
		"email: web1 /: Use% 95% > 90",
		"email: web1 /: RESOLVED Use% 10% (was > 90)",
		"email: web1 /: FLAPPING Use% 95% > 90 — changed state 5 times in 10 runs; further changes are held until it is stable for 10 runs",
	}
	if strings.Join(told, "\n") != strings.Join(want, "\n") {
		t.Fatalf("told:\n%s\nwant:\n%s", strings.Join(told, "\n"), strings.Join(want, "\n"))
	}
	k := Key{"disk", rule.Name, "web1", "/"}
	if !states[k].Flapping {
		t.Fatalf("state %+v, want flapping", states[k])
	}
	// Still changing: held.
	for i := 0; i < 4; i++ {
		if got := step(i%2 == 1); len(got) != 0 {
			t.Errorf("change while flapping told: %q", got)
		}
	}
	// Ends OK: the run going OK is a change, then 10 runs without one.
	var after []string
	for i := 0; i < 11; i++ {
		after = append(after, step(false)...)
	}
	if strings.Join(after, "\n") != "email: web1 /: RESOLVED Use% 10% (was > 90)" {
		t.Errorf("after the flapping: %q, want one resolve", after)
	}
	if states[k].Flapping {
		t.Errorf("still flapping: %+v", states[k])
	}
	// A key that stays OK long enough is forgotten again.
	for i := 0; i < 10; i++ {
		step(false)
	}
	if _, ok := states[k]; ok {
		t.Errorf("an OK key with no history kept: %+v", states[k])
	}
}

// A flap that ends while firing tells the firing once; changes outside the
// window do not count.
func TestFlapEndsFiringAndWindow(t *testing.T) {
	p := FlapPolicy{Changes: 3, Within: 4}
	k := Key{"disk", "r", "h", "/"}
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	var s State
	var got []Status
	// changes at runs 1, 3 (outside the window of 4 by run 6), 6, 7: no flap
	for _, holds := range []bool{true, true, false, false, false, true, false} {
		prev := s
		next, due := Step(s, Observation{Key: k, Holds: holds, Clears: !holds}, Policy{For: 1}, false, now)
		s, due = Flap(prev, next, due, p, true, false, now)
		got = append(got, due)
	}
	for _, d := range got {
		if d == StatusFlapping {
			t.Fatalf("flapping with changes spread beyond the window: %v", got)
		}
	}
	// Three changes in a row (runs 8, 9, 10): flapping; then firing and
	// stable for 4 runs: one firing.
	var tail []Status
	for _, holds := range []bool{true, false, true, true, true, true, true, true} {
		prev := s
		next, due := Step(s, Observation{Key: k, Holds: holds, Clears: !holds}, Policy{For: 1}, false, now)
		s, due = Flap(prev, next, due, p, true, false, now)
		if due != "" {
			tail = append(tail, due)
		}
	}
	if len(tail) != 2 || tail[0] != StatusFlapping || tail[1] != StatusFiring || s.Flapping || !s.Notified {
		t.Errorf("told %v, state %+v; want flapping then one firing", tail, s)
	}
	// Unknown runs change nothing.
	before := s
	if s2, d := Flap(before, before, "", p, false, false, now); s2 != before || d != "" {
		t.Errorf("an unknown run changed the flap state")
	}
}

// A flap that ends inside a maintenance window (a mute): nothing is told
// in the window; the state it ended in is told when the window is over.
func TestFlapEndsInsideMaintenance(t *testing.T) {
	p := FlapPolicy{Changes: 3, Within: 4}
	k := Key{"disk", "r", "h", "/"}
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	var s State
	step := func(holds, muted bool) Status {
		now = now.Add(time.Minute)
		prev := s
		next, due := Step(s, Observation{Key: k, Holds: holds, Clears: !holds}, Policy{For: 1}, muted, now)
		s, due = Flap(prev, next, due, p, true, muted, now)
		return due
	}
	var told []Status
	for _, h := range []bool{true, false, true} { // three changes: flapping
		if d := step(h, false); d != "" {
			told = append(told, d)
		}
	}
	if len(told) != 3 || told[2] != StatusFlapping {
		t.Fatalf("told %v, want firing, resolved, flapping", told)
	}
	for range 5 { // the window opens; it fires, stable: flapping ends inside it
		if d := step(true, true); d != "" {
			t.Fatalf("told %s inside the window", d)
		}
	}
	if s.Flapping || !s.Suppressed {
		t.Fatalf("state at the window's end %+v: want not flapping, held", s)
	}
	if d := step(true, false); d != StatusReminder && d != StatusFiring {
		t.Errorf("after the window: told %q, want the firing", d)
	}
}
