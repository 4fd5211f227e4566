package alerts

import (
	"testing"
	"time"
)

// A 21-run timeline of one key under for: 2, mute-for: 30m, repeat: 1h,
// with hysteresis (a "band" run: the trigger no longer holds but the clear
// condition does not hold yet), an unreachable host in the middle and an
// ad-hoc mute. Every notification is delivered at once, which starts the
// mute-for window.
func TestStepTimeline(t *testing.T) {
	const (
		clear   = "clear"
		holds   = "holds"
		band    = "band"
		unknown = "unknown"
	)
	p := Policy{For: 2, MuteFor: 30 * time.Minute, Repeat: time.Hour}
	t0 := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	runs := []struct {
		min   int    // minutes after t0
		obs   string // what the run saw
		muted bool   // an ad-hoc mute covers the key
		want  Status // notification due
		phase Phase
	}{
		{0, clear, false, "", PhaseOK},
		{10, holds, false, "", PhasePending},          // 1 of 2 runs
		{20, unknown, false, "", PhasePending},        // host unreachable: no change, count kept
		{30, holds, false, StatusFiring, PhaseFiring}, // 2 of 2: fires; mute-for until 60
		{40, holds, false, "", PhaseFiring},
		{50, band, false, "", PhaseFiring},            // below the trigger, above clear: still firing
		{60, clear, false, StatusResolved, PhaseOK},   // mute-for ended at 60: resolve is told; mute until 90
		{70, holds, false, "", PhasePending},          // a new episode starts over: 1 of 2
		{80, holds, false, "", PhaseFiring},           // fires inside mute-for: held back
		{90, holds, false, StatusFiring, PhaseFiring}, // mute-for over, still firing: told once; mute until 120
		{100, holds, false, "", PhaseFiring},
		{120, unknown, false, "", PhaseFiring}, // unknown neither resolves nor reminds
		{130, holds, false, "", PhaseFiring},
		{140, band, false, "", PhaseFiring},
		{150, holds, false, StatusReminder, PhaseFiring}, // an hour after the last delivery (90)
		{160, holds, true, "", PhaseFiring},              // ad-hoc mute from 160
		{200, holds, true, "", PhaseFiring},
		{210, holds, true, "", PhaseFiring},              // reminder due (150+60) but muted: held back
		{220, holds, false, StatusReminder, PhaseFiring}, // the mute expired on a firing alert: told once
		{230, holds, false, "", PhaseFiring},             // no second reminder before 280
		{240, clear, false, StatusResolved, PhaseOK},
	}
	var s State
	key := Key{"disk", "Use% > 90", "web1", "/var"}
	for i, r := range runs {
		now := t0.Add(time.Duration(r.min) * time.Minute)
		o := Observation{Key: key, Value: "93%"}
		switch r.obs {
		case holds:
			o.Holds = true
		case clear:
			o.Clears = true
		case unknown:
			o.Unknown = true
		}
		var due Status
		s, due = Step(s, o, p, r.muted, now)
		if due != r.want || s.Phase != r.phase {
			t.Errorf("run %d (+%dm, %s, muted=%v): notification %q phase %q; want %q phase %q",
				i, r.min, r.obs, r.muted, due, s.Phase, r.want, r.phase)
		}
		if due != "" {
			s = Delivered(s, now, p.MuteFor)
		}
	}
}

// A notification that is queued but not yet delivered (SMTP down) starts
// no mute, and queues no duplicate: the key is already firing.
func TestStepUndeliveredQueuesNoDuplicate(t *testing.T) {
	p := Policy{For: 1, MuteFor: time.Hour, Repeat: 4 * time.Hour}
	t0 := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	o := Observation{Key: Key{"disk", "r", "h", "/"}, Holds: true}
	s, due := Step(State{}, o, p, false, t0)
	if due != StatusFiring {
		t.Fatalf("first run: %q", due)
	}
	for m := 1; m < 240; m++ { // every minute for just under 4h, nothing delivered
		var d Status
		s, d = Step(s, o, p, false, t0.Add(time.Duration(m)*time.Minute))
		if d != "" {
			t.Fatalf("minute %d: queued %q again", m, d)
		}
	}
	if s.MuteUntil != (time.Time{}) {
		t.Errorf("mute started without a delivery: %v", s.MuteUntil)
	}
	// Four hours after it was queued, a reminder is due even if never delivered.
	if _, d := Step(s, o, p, false, t0.Add(4*time.Hour)); d != StatusReminder {
		t.Errorf("after repeat: %q, want reminder", d)
	}
}

// Flapping: a resolve inside the mute-for window is told, but the re-fire
// right after it is held back until the window ends, then told once.
func TestStepFlapping(t *testing.T) {
	p := Policy{For: 1, MuteFor: 30 * time.Minute}
	t0 := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	k := Key{"disk", "r", "h", "/"}
	var s State
	var got []Status
	for i, obs := range []bool{true, false, true, false, true, true, true, true} { // every 5 minutes
		now := t0.Add(time.Duration(i*5) * time.Minute)
		var d Status
		s, d = Step(s, Observation{Key: k, Holds: obs, Clears: !obs}, p, false, now)
		got = append(got, d)
		if d != "" {
			s = Delivered(s, now, p.MuteFor)
		}
	}
	// +0 fire (mute to 30), +5 resolve (told; mute to 35), +10 fire held, +15 clear
	// (never told: no resolve), +20 fire held, +25, +30 held, +35 mute over: told.
	want := []Status{StatusFiring, StatusResolved, "", "", "", "", "", StatusFiring}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("notifications %q, want %q", got, want)
		}
	}
}

// A firing held back by a mute and cleared before the mute ends is never
// told, and neither is its resolve.
func TestStepMutedEpisodeStaysSilent(t *testing.T) {
	p := Policy{For: 1}
	t0 := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	k := Key{"disk", "r", "h", "/"}
	s, d1 := Step(State{}, Observation{Key: k, Holds: true}, p, true, t0)
	s, d2 := Step(s, Observation{Key: k, Clears: true}, p, false, t0.Add(time.Minute))
	if d1 != "" || d2 != "" || s.Phase != PhaseOK || s.Suppressed {
		t.Errorf("got %q, %q, state %+v", d1, d2, s)
	}
}
