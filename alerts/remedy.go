package alerts

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// RemedyDue is what a key's remediation guard decided in one run.
type RemedyDue string

// Remediation outcomes of one run.
const (
	RemedyRun  RemedyDue = "run"  // run the rule's action on the host
	RemedyStop RemedyDue = "stop" // the guard was reached: tell the rule's handlers, once
)

// Remedy advances a key's remediation guard by one judged run, as monit's
// "if N restarts within M cycles". s is the state Step returned for the
// run's observation o, and due the notification Step said was due. It is a
// pure function of its arguments.
//
// A key inside its grace period (now before s.GraceUntil) is not evaluated
// at all: neither Step nor Remedy is applied to it. Otherwise:
//
//   - An unknown observation changes nothing; any other is a judged run
//     (s.Runs counts them) and the guard's window is the last a.Within of
//     them, this one included.
//   - While the key fires and the trigger holds (not in the band between
//     trigger and clear), the action is due (RemedyRun) unless it was
//     requested a.Max times within the window; then the guard is reached:
//     RemedyStop, once, and no action again until the key resolves.
//   - An ad-hoc mute (muted: an operator is on it) means no action and no
//     give-up; a rule's mute-for window does not stop actions, nor the
//     give-up notice, which goes out as the key's firing (or reminder, when
//     the firing was told) if Step had none due.
//   - Resolving resets the give-up but not the history: a service that
//     fails again right after each restart still reaches the guard.
func Remedy(s State, o Observation, due Status, a Action, muted bool, now time.Time) (State, RemedyDue) {
	if o.Unknown {
		return s, ""
	}
	s.Runs++
	s.Acted = s.Acted.after(s.Runs - a.Within)
	if s.Phase != PhaseFiring {
		s.GaveUp = false
		return s, ""
	}
	if !o.Holds || muted || s.GaveUp {
		return s, ""
	}
	if s.Acted.Len() < a.Max {
		s.Acted = s.Acted.with(s.Runs)
		s.GraceUntil = now.Add(a.Grace)
		return s, RemedyRun
	}
	s.GaveUp = true
	if due == "" { // the give-up notice is this run's firing or reminder
		s.LastQueued, s.Suppressed, s.Notified = now, false, true
	}
	return s, RemedyStop
}

// GiveUpMessage is a notification's Action when the guard of a's command
// is reached after acted actions.
func GiveUpMessage(a Action, acted int) string {
	times := "times"
	if acted == 1 {
		times = "time"
	}
	return fmt.Sprintf("stopped: %q ran %d %s within %d runs and the alert still fires; serverstats will not act again until it resolves",
		a.Cmd, acted, times, a.Within)
}

// RunSet is a set of run numbers of one key, in ascending order. It is a
// comparable value, so that State can still be compared with ==; the zero
// value is the empty set. In JSON it is an array of numbers.
type RunSet struct {
	enc string // the numbers in decimal, comma-separated
}

// NewRunSet returns the set of runs.
func NewRunSet(runs ...int) RunSet {
	rs := slices.Clone(runs)
	slices.Sort(rs)
	rs = slices.Compact(rs)
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = strconv.Itoa(r)
	}
	return RunSet{enc: strings.Join(parts, ",")}
}

// Runs returns the runs in ascending order (nil when empty).
func (s RunSet) Runs() []int {
	if s.enc == "" {
		return nil
	}
	parts := strings.Split(s.enc, ",")
	out := make([]int, len(parts))
	for i, p := range parts {
		out[i], _ = strconv.Atoi(p) // enc is only ever made by NewRunSet
	}
	return out
}

// Len is the number of runs in the set.
func (s RunSet) Len() int {
	if s.enc == "" {
		return 0
	}
	return strings.Count(s.enc, ",") + 1
}

func (s RunSet) String() string { return "[" + strings.ReplaceAll(s.enc, ",", " ") + "]" }

// with returns the set with run added.
func (s RunSet) with(run int) RunSet { return NewRunSet(append(s.Runs(), run)...) }

// after returns the runs of s greater than run.
func (s RunSet) after(run int) RunSet {
	rs := s.Runs()
	i := 0
	for i < len(rs) && rs[i] <= run {
		i++
	}
	if i == 0 {
		return s
	}
	return NewRunSet(rs[i:]...)
}

// MarshalJSON writes the set as an array of numbers.
func (s RunSet) MarshalJSON() ([]byte, error) {
	rs := s.Runs()
	if rs == nil {
		rs = []int{}
	}
	return json.Marshal(rs)
}

// UnmarshalJSON reads an array of numbers.
func (s *RunSet) UnmarshalJSON(b []byte) error {
	var rs []int
	if err := json.Unmarshal(b, &rs); err != nil {
		return err
	}
	*s = NewRunSet(rs...)
	return nil
}
