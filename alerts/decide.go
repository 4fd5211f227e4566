package alerts

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// HostRun is one host's part of a run of one command.
type HostRun struct {
	Host string
	// Failure is set when the command could not be checked on the host
	// (unreachable, timed out, auth, bad exit status): the notification for
	// on-command-failure. Observations are then ignored.
	Failure      *Notification
	Observations []Observation
}

// Run is everything Decide needs about one run of one command.
type Run struct {
	Command         string
	Rules           []*Rule
	Hosts           []HostRun
	FailureHandlers []string                  // on-command-failure
	SendResolved    func(handler string) bool // whether a handler wants resolved notifications
	// Resend is a handler's re-post interval while an alert fires (the
	// alertmanager handler's resend:); 0 for handlers that are told once.
	// Nil: no handler re-posts.
	Resend func(handler string) time.Duration
}

// Decide advances the state of every key a run touched and returns the new
// states and one envelope per handler with all the run's notifications for
// it. It is a pure function of its arguments.
//
// Keys of a host whose command failed are left alone (neither fired nor
// resolved); the failure itself is a key of its own, told once per outage to
// on-command-failure and resolved when the command runs again. A row that
// has vanished from a good host's output resolves. Keys of rules that no
// longer exist are forgotten, and so is any key with nothing left to
// remember.
//
// For a rule with an action, Remedy guards the remediation: the due actions
// are in Transition.Actions (and a notification of the key in the same run
// says "running: CMD"), and a key inside the grace period after an action
// is not judged at all, not even resolved when its row is gone.
func Decide(run Run, states map[Key]State, mutes []Mute, now time.Time) Transition {
	rules := map[string]*Rule{}
	for _, r := range run.Rules {
		rules[r.Name] = r
	}
	var tr Transition
	g := grouper{byHandler: map[string]*Envelope{}, sendResolved: run.SendResolved, resend: run.Resend}
	heldBy := func(k Key) string {
		for _, m := range mutes {
			if m.Matches(k) && now.Before(m.Until) {
				if m.ID != 0 {
					return fmt.Sprintf("mute %d: %s", m.ID, m.Reason)
				}
				return m.Reason
			}
		}
		return "mute-for window"
	}
	save := func(s State) {
		if s.Phase == "" {
			return // never seen, and not judged this run
		}
		s.HeldBy = ""
		if s.Suppressed {
			s.HeldBy = heldBy(s.Key)
		}
		if states[s.Key].Phase == PhaseFiring && s.Phase != PhaseFiring {
			for _, m := range mutes {
				if m.UntilResolved && m.Matches(s.Key) && !slices.Contains(tr.EndMutes, m.ID) {
					tr.EndMutes = append(tr.EndMutes, m.ID)
				}
			}
		}
		// An OK key is forgotten once nothing is left to remember: no mute-for
		// window, and no remediation history (Remedy keeps Acted to the
		// guard's window) nor grace period.
		if s.Phase == PhaseOK && s.Count == 0 && !s.Notified && !s.Suppressed && !now.Before(s.MuteUntil) &&
			s.Acted.Len() == 0 && !now.Before(s.GraceUntil) && s.Flips.Len() == 0 && !s.Flapping {
			if _, existed := states[s.Key]; existed {
				tr.Removed = append(tr.Removed, s.Key)
			}
			return
		}
		tr.States = append(tr.States, s)
	}
	isMuted := func(k Key) bool {
		for _, m := range mutes {
			if m.Matches(k) && now.Before(m.Until) {
				return true
			}
		}
		return false
	}
	for _, h := range run.Hosts {
		hk := Key{Command: run.Command, Host: h.Host}
		failed := h.Failure != nil
		s, due := Step(states[hk], Observation{Key: hk, Holds: failed, Clears: !failed}, Policy{For: 1}, isMuted(hk), now)
		again := Resend(&s, due, run.FailureHandlers, g.resend, now)
		save(s)
		switch due {
		case StatusFiring:
			n := *h.Failure
			n.Time = now
			g.add(run.FailureHandlers, n, KeyMute{Key: hk})
		case StatusResolved:
			g.add(run.FailureHandlers, Notification{Status: StatusResolved, Command: run.Command, Host: h.Host,
				Severity: SeverityCritical, Message: "the command runs again", Time: now}, KeyMute{Key: hk})
		}
		if failed {
			if len(again) > 0 {
				n := *h.Failure
				n.Status, n.Time, n.Since = StatusReminder, now, s.Since
				g.add(again, n, KeyMute{Key: hk, Repost: true})
			}
			g.repostHeld(states, rules, run.Command, h.Host, now, save)
			continue
		}
		seen := map[Key]bool{}
		frozen := map[string]bool{} // rules whose column is missing on this host
		holds := map[string]int{}   // findings per rule on this host
		for _, o := range h.Observations {
			if o.ColumnMissing {
				// The rule cannot be judged on this host: its keys are left
				// as they are, and the rule is UNKNOWN, a key of its own told
				// once to on-command-failure (as a host failure is) and
				// resolved when the column is back.
				frozen[o.Key.Rule] = true
				mk := MissingColumnKey(run.Command, h.Host, o.Key.Rule)
				s, due := Step(states[mk], Observation{Key: mk, Holds: true}, Policy{For: 1}, isMuted(mk), now)
				save(s)
				if due == StatusFiring {
					f := o.Finding
					g.add(run.FailureHandlers, Notification{Status: StatusUnknown, Command: run.Command, Rule: o.Key.Rule, Host: h.Host,
						Severity: SeverityCritical, Column: f.Column, Trigger: f.Trigger, Error: fmt.Sprintf("rule %q cannot be judged: %s", o.Key.Rule, f.Message), Time: now}, KeyMute{Key: mk})
				}
				continue
			}
			r := rules[o.Key.Rule]
			if r == nil {
				continue
			}
			seen[o.Key] = true
			if o.Holds && !o.Unknown {
				if holds[r.Name]++; holds[r.Name] > MaxFindingsPerHost {
					o.Unknown = true // past the bound: left as it was
				}
			}
			g.step(states[o.Key], o, r, isMuted(o.Key), now, save)
		}
		for rule, n := range holds {
			if n > MaxFindingsPerHost {
				tr.Notes = append(tr.Notes, fmt.Sprintf("%s on %s: %d rows hold for rule %q; only the first %d are judged, the rest are left as they were",
					run.Command, h.Host, n, rule, MaxFindingsPerHost))
			}
		}
		// Rows gone from the output resolve; rules gone from the config are
		// forgotten; a rule whose column is back is judged again.
		for k, st := range states {
			if k.Command != run.Command || k.Host != h.Host || seen[k] {
				continue
			}
			if k.Rule == "" {
				if rule, ok := missingColumnRule(k); ok && !frozen[rule] {
					s, due := Step(st, Observation{Key: k, Clears: true}, Policy{For: 1}, isMuted(k), now)
					save(s)
					if due == StatusResolved {
						g.add(run.FailureHandlers, Notification{Status: StatusResolved, Command: run.Command, Rule: rule, Host: h.Host,
							Severity: SeverityCritical, Message: "the rule's column is in the output again", Time: now}, KeyMute{Key: k})
					}
				}
				continue
			}
			if frozen[k.Rule] {
				continue
			}
			r := rules[k.Rule]
			if r == nil {
				tr.Removed = append(tr.Removed, k)
				g.dropped(st, "the rule is no longer in the config", run.FailureHandlers, now)
				continue
			}
			o := Observation{Key: k, Clears: true, Value: st.LastValue, Finding: Finding{
				Command: k.Command, Rule: k.Rule, Host: k.Host, Key: k.Row, Column: r.Column,
				Trigger: r.Trigger.String(), Severity: r.Severity, Message: "no longer in the output", Runbook: r.Runbook,
			}}
			g.step(st, o, r, isMuted(k), now, save)
		}
	}
	// Hosts gone from the command are forgotten, and a firing alert of theirs resolved.
	hosts := map[string]bool{}
	for _, h := range run.Hosts {
		hosts[h.Host] = true
	}
	for k, st := range states {
		if k.Command == run.Command && !hosts[k.Host] {
			tr.Removed = append(tr.Removed, k)
			g.dropped(st, "the host is no longer in the command's servers", run.FailureHandlers, now)
		}
	}
	tr.Out = g.envelopes()
	tr.Actions = g.actions
	return tr
}

// grouper collects a run's notifications into one envelope per handler,
// and its remediations.
type grouper struct {
	byHandler    map[string]*Envelope
	order        []string
	sendResolved func(string) bool
	resend       func(string) time.Duration
	actions      []ActionRequest
}

// step judges one key of a rule: Step, then the rule's remediation guard.
// A key of a rule with an action, inside its grace period, is left alone.
func (g *grouper) step(s State, o Observation, r *Rule, muted bool, now time.Time, save func(State)) {
	if r.Action != nil && now.Before(s.GraceUntil) {
		save(s)
		return
	}
	next, due := Step(s, o, Policy{For: r.For, MuteFor: r.MuteFor, Repeat: r.Repeat}, muted, now)
	flap := DefaultFlap
	if r.Flap != nil {
		flap = *r.Flap
	}
	next, due = Flap(s, next, due, flap, !o.Unknown, muted, now)
	var rd RemedyDue
	stopStatus := StatusFiring
	if next.Notified {
		stopStatus = StatusReminder
	}
	if r.Action != nil {
		next, rd = Remedy(next, o, due, *r.Action, muted, now)
	} else {
		next.Runs, next.Acted, next.GraceUntil, next.GaveUp = 0, RunSet{}, time.Time{}, false
	}
	if !o.Unknown {
		g.escalate(&next, o, r, muted, now)
	}
	told := due
	if rd == RemedyStop && due == "" {
		told = stopStatus
	}
	again := Resend(&next, told, r.Handlers, g.resend, now)
	save(next)
	g.repost(again, next, &o, r, now)
	if rd == RemedyRun {
		g.actions = append(g.actions, ActionRequest{Key: o.Key, Cmd: r.Action.Cmd, Handlers: r.Handlers, Severity: r.Severity, Row: o.Key.Row})
	}
	if rd == RemedyStop && due == "" {
		due = stopStatus
	}
	if due == "" {
		return
	}
	f := o.Finding
	f.Status = due
	if due == StatusResolved {
		f.Value.Raw = o.Value
	}
	n := FromFinding(f, now)
	if due == StatusResolved {
		n.Value = o.Value
	}
	if due == StatusFlapping {
		n.Message = flapMessage(flap)
	}
	n.Ack = s.AckText(now)
	if a := next.AckText(now); a != "" {
		n.Ack = a
	}
	switch rd {
	case RemedyRun:
		n.Action = "running: " + r.Action.Cmd
	case RemedyStop:
		n.Action = GiveUpMessage(*r.Action, next.Acted.Len())
	}
	handlers := r.Handlers
	if due == StatusResolved && s.Escalated > 0 {
		// Everyone told the firing is told it is over.
		handlers = slices.Clone(handlers)
		for _, e := range r.Escalate[:min(s.Escalated, len(r.Escalate))] {
			for _, h := range e.Handlers {
				if !slices.Contains(handlers, h) {
					handlers = append(handlers, h)
				}
			}
		}
	}
	g.add(handlers, n, KeyMute{Key: o.Key, MuteFor: r.MuteFor})
}

// escalate tells the next escalation steps of a firing, told and
// unacknowledged key whose time has come, and counts them in s.
func (g *grouper) escalate(s *State, o Observation, r *Rule, muted bool, now time.Time) {
	if len(r.Escalate) == 0 || s.Phase != PhaseFiring || !s.Notified || s.Acked(now) || muted || s.Flapping {
		return
	}
	for s.Escalated < len(r.Escalate) && !now.Before(s.Since.Add(r.Escalate[s.Escalated].After)) {
		e := r.Escalate[s.Escalated]
		f := o.Finding
		f.Status = StatusFiring
		n := FromFinding(f, now)
		n.Message = fmt.Sprintf("escalated: firing since %s without acknowledgement", s.Since.UTC().Format("2006-01-02 15:04 MST"))
		if f.Message != "" {
			n.Message = f.Message + " — " + n.Message
		}
		g.add(e.Handlers, n, KeyMute{Key: o.Key})
		s.Escalated++
	}
}

// dropped tells handlers that a key told as firing is being forgotten.
func (g *grouper) dropped(st State, why string, handlers []string, now time.Time) {
	if st.Phase != PhaseFiring || !st.Notified {
		return
	}
	g.add(handlers, Notification{Status: StatusResolved, Command: st.Command, Rule: st.Rule, Host: st.Host, Key: st.Row,
		Value: st.LastValue, Severity: SeverityCritical, Message: why, Time: now}, KeyMute{Key: st.Key})
}

func (g *grouper) add(handlers []string, n Notification, km KeyMute) {
	for _, h := range handlers {
		if n.Status == StatusResolved && g.sendResolved != nil && !g.sendResolved(h) {
			continue
		}
		e := g.byHandler[h]
		if e == nil {
			e = &Envelope{Handler: h}
			g.byHandler[h] = e
			g.order = append(g.order, h)
		}
		e.Notifications = append(e.Notifications, n)
		e.Keys = append(e.Keys, km)
	}
}

// missingColumnRow marks the key of a rule that could not be judged on a
// host because its column is missing from the output.
const missingColumnRow = "column missing: "

// MissingColumnKey is the key under which a rule whose column is missing
// on a host is UNKNOWN: a key of the command and host (no rule, so that
// it survives the rule's keys being frozen) whose row names the rule.
func MissingColumnKey(command, host, rule string) Key {
	return Key{Command: command, Host: host, Row: missingColumnRow + rule}
}

// missingColumnRule is the rule of a MissingColumnKey.
func missingColumnRule(k Key) (string, bool) {
	if k.Rule != "" {
		return "", false
	}
	return strings.CutPrefix(k.Row, missingColumnRow)
}

// Addressed is a notification and the handlers it is for.
type Addressed struct {
	Handlers     []string
	Notification Notification
}

// Group puts notifications into one envelope per handler, in the order the
// handlers are first named: the grouping Decide does for a run, for
// notifications made outside it (failed remediations).
func Group(ns []Addressed) []Envelope {
	g := grouper{byHandler: map[string]*Envelope{}}
	for _, a := range ns {
		g.add(a.Handlers, a.Notification, KeyMute{})
	}
	out := g.envelopes()
	for i := range out {
		out[i].Keys = nil // no alert state stands behind them
	}
	return out
}

func (g *grouper) envelopes() []Envelope {
	out := make([]Envelope, 0, len(g.order))
	for _, h := range g.order {
		out = append(out, *g.byHandler[h])
	}
	return out
}
