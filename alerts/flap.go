package alerts

import (
	"fmt"
	"time"
)

// StatusFlapping says a key changes state too often to be told each time.
const StatusFlapping Status = "flapping"

// FlapPolicy is when a key is flapping: at least Changes changes between
// firing and not firing within its last Within judged runs (Checkmk and
// Icinga's flap detection, counted in runs). Changes 0 turns it off.
type FlapPolicy struct {
	Changes int
	Within  int
}

// DefaultFlap is the flap detection of a rule that does not set its own.
var DefaultFlap = FlapPolicy{Changes: 5, Within: 20}

// Flap watches one key for flapping, after Step has judged it (prev is the
// state before Step, s and due what Step returned; judged is false for an
// observation that could not be judged, which changes nothing).
//
//   - Each judged run is counted; a run whose phase goes into or out of
//     firing is a change. Changes older than the window are forgotten.
//   - When the changes in the window reach p.Changes, the key is FLAPPING:
//     one notification says so (StatusFlapping), and every firing, reminder
//     and resolve after it is held.
//   - When the window holds no change any more (stable for p.Within runs),
//     flapping ends with one notification of the current state: firing, or
//     resolved.
//
// A muted key still flaps and stops flapping; only the notifications are
// held (the mute's own rules apply to the state told afterwards).
func Flap(prev, s State, due Status, p FlapPolicy, judged, muted bool, now time.Time) (State, Status) {
	if p.Changes <= 0 {
		s.Judged, s.Flips, s.Flapping, s.FlapSince = 0, RunSet{}, false, time.Time{}
		return s, due
	}
	if !judged {
		return s, due
	}
	s.Judged++
	if (prev.Phase == PhaseFiring) != (s.Phase == PhaseFiring) {
		s.Flips = s.Flips.with(s.Judged)
	}
	if p.Within > 0 {
		s.Flips = s.Flips.after(s.Judged - p.Within)
	}
	switch {
	case !s.Flapping && s.Flips.Len() >= p.Changes:
		s.Flapping, s.FlapSince = true, now
		if muted {
			return s, ""
		}
		s.Notified, s.LastQueued = true, now // told: its end is worth telling
		return s, StatusFlapping
	case s.Flapping && s.Flips.Len() == 0:
		s.Flapping = false
		if muted {
			// Told when the mute (a maintenance window, say) ends, if it
			// still fires then.
			s.Suppressed = s.Phase == PhaseFiring
			return s, ""
		}
		s.LastQueued = now
		if s.Phase == PhaseFiring {
			s.Notified = true
			return s, StatusFiring
		}
		s.Notified = false
		return s, StatusResolved
	case s.Flapping:
		return s, ""
	}
	return s, due
}

// flapMessage is what a flapping notification says.
func flapMessage(p FlapPolicy) string {
	return fmt.Sprintf("changed state %d times in %d runs; further changes are held until it is stable for %d runs", p.Changes, p.Within, p.Within)
}
