package alerts

import (
	"fmt"
	"time"
)

// Key identifies one alert: one rule on one row of one host's output. A
// host's command failure has the key {Command, "", Host, ""}.
type Key struct {
	Command string `json:"command"`
	Rule    string `json:"rule"`
	Host    string `json:"host"`
	Row     string `json:"row"`
}

func (k Key) String() string {
	if k.Rule == "" {
		return fmt.Sprintf("%s@%s", k.Command, k.Host)
	}
	if k.Row == "" {
		return fmt.Sprintf("%s/%s@%s", k.Command, k.Rule, k.Host)
	}
	return fmt.Sprintf("%s/%s@%s[%s]", k.Command, k.Rule, k.Host, k.Row)
}

// Phase is where an alert key is in its life.
type Phase string

// Phases of an alert key.
const (
	PhaseOK      Phase = "ok"
	PhasePending Phase = "pending" // the trigger holds, fewer than `for` runs so far
	PhaseFiring  Phase = "firing"
)

// State is everything remembered about one alert key between runs.
type State struct {
	Key
	Phase        Phase
	Count        int       // consecutive runs in which the trigger held
	Since        time.Time // when Phase began
	LastValue    string    // the last observed value, display form
	LastQueued   time.Time // when a notification was last queued for this key
	LastNotified time.Time // when one was last delivered (stamped by the outbox)
	MuteUntil    time.Time // mute-for window: LastNotified + mute-for
	Suppressed   bool      // a firing or reminder was held back by a mute; sent when the mute ends
	HeldBy       string    // what holds it back while Suppressed: a mute, a maintenance window, a parent down
	Notified     bool      // a firing notification of this episode was queued (so a resolve is worth telling)

	// Remediation guard, for rules with an action (all zero otherwise); see Remedy.
	Runs       int       // judged runs of the key: observations evaluated and not unknown
	Acted      RunSet    // the runs at which an action was requested, within the guard's window
	GraceUntil time.Time // after an action, the key is not evaluated before this
	GaveUp     bool      // the guard was reached (and told): no more actions until the key resolves

	// Flap detection (see Flap).
	Judged    int       // judged runs of the key
	Flips     RunSet    // the judged runs at which it went into or out of firing, within the window
	Flapping  bool      // told as flapping; changes are held until it is stable
	FlapSince time.Time // when it started flapping

	// Acknowledgement (serverstats ack): no reminders nor escalation while
	// acked; forgotten when the key resolves.
	AckedAt   time.Time // zero: not acked
	AckUntil  time.Time // zero: until it resolves
	AckReason string
	Escalated int // escalation levels told in this firing episode

	// Reposted is when the firing key was last queued for its re-posting
	// handlers (alertmanager; see Resend); zero when not firing.
	Reposted time.Time
}

// Acked reports whether the key is acknowledged at now.
func (s State) Acked(now time.Time) bool {
	return !s.AckedAt.IsZero() && (s.AckUntil.IsZero() || now.Before(s.AckUntil))
}

// AckText is the acknowledgement as messages show it, "" when none.
func (s State) AckText(now time.Time) string {
	if !s.Acked(now) {
		return ""
	}
	t := "acked " + s.AckedAt.UTC().Format("2006-01-02 15:04 MST") + ": " + s.AckReason
	if !s.AckUntil.IsZero() {
		t += " (until " + s.AckUntil.UTC().Format("2006-01-02 15:04 MST") + ")"
	}
	return t
}

// Observation is what one run saw for one key.
type Observation struct {
	Key     Key
	Holds   bool // the trigger holds
	Clears  bool // the clear condition holds (without `clear:`, the trigger does not hold)
	Unknown bool // the key could not be judged: host unreachable, cell unreadable
	// ColumnMissing marks the one observation of a rule whose column is not
	// in the output: none of the rule's rows on that host can be judged.
	ColumnMissing bool
	Value         string
	// Num is the value as a number, when it reads as one (HasNum): what the
	// status page plots.
	Num     float64
	HasNum  bool
	Finding Finding // the row's finding when Holds or Unknown, for messages
}

// Policy is the timing of one rule.
type Policy struct {
	For     int           // consecutive runs before firing (≥ 1)
	MuteFor time.Duration // after a delivered notification, nothing more within this window
	Repeat  time.Duration // reminder interval while firing; 0 for none
}

// Step advances one key's state by one run and says which notification, if
// any, is due. It is a pure function of its arguments.
//
//   - An unknown observation changes nothing: a host that cannot be reached
//     neither fires nor resolves its alerts.
//   - The trigger must hold on p.For consecutive runs before the key fires.
//   - While firing, the key resolves only when the clear condition holds
//     (hysteresis); until then it stays firing and reminds every p.Repeat,
//     unless acknowledged. Resolving ends the acknowledgement.
//   - A mute-for window (from the last delivery) holds back firings and
//     reminders; an ad-hoc mute (muted) holds back every notification. A
//     held-back firing or reminder is sent once when the mute ends if the
//     key still fires. A resolve is sent only when the firing was, and a
//     mute-for window does not hold it back: on-call must learn it is over.
func Step(s State, o Observation, p Policy, muted bool, now time.Time) (State, Status) {
	if o.Unknown {
		return s, ""
	}
	if s.Phase == "" {
		s.Phase, s.Since = PhaseOK, now
	}
	s.Key = o.Key
	s.LastValue = Clip(o.Value, MaxValueLen)
	var due Status
	switch {
	case s.Phase == PhaseFiring && (o.Holds || !o.Clears):
		if o.Holds {
			s.Count++
		}
		switch {
		case s.Suppressed:
			due = StatusFiring
			if s.Notified {
				due = StatusReminder
			}
		case p.Repeat > 0 && !s.Acked(now) && !now.Before(latest(s.LastQueued, s.LastNotified).Add(p.Repeat)):
			due = StatusReminder
		}
	case o.Holds:
		s.Count++
		if s.Count >= max(p.For, 1) {
			s.Phase, s.Since, s.Notified = PhaseFiring, now, false
			due = StatusFiring
		} else if s.Phase != PhasePending {
			s.Phase, s.Since = PhasePending, now
		}
	default:
		s.Count = 0
		if s.Phase == PhaseFiring && s.Notified {
			due = StatusResolved
		}
		if s.Phase == PhaseFiring {
			// The episode is over: its acknowledgement and escalation too.
			s.AckedAt, s.AckUntil, s.AckReason, s.Escalated = time.Time{}, time.Time{}, "", 0
		}
		if s.Phase != PhaseOK {
			s.Phase, s.Since = PhaseOK, now
		}
		s.Suppressed = false
	}
	if due == "" {
		return s, ""
	}
	if muted || (due != StatusResolved && now.Before(s.MuteUntil)) {
		if due == StatusResolved {
			s.Notified = false // an ad-hoc mute swallows the resolve
		} else {
			s.Suppressed = true
		}
		return s, ""
	}
	s.LastQueued, s.Suppressed = now, false
	switch due {
	case StatusFiring:
		s.Notified = true
	case StatusResolved:
		s.Notified = false
	}
	return s, due
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Delivered stamps a key's state after one of its notifications was
// accepted by a handler at time at: the mute-for window starts now.
func Delivered(s State, at time.Time, muteFor time.Duration) State {
	if at.After(s.LastNotified) {
		s.LastNotified = at
	}
	if muteFor > 0 && at.Add(muteFor).After(s.MuteUntil) {
		s.MuteUntil = at.Add(muteFor)
	}
	return s
}
