package alerts

import (
	"slices"
	"strings"
	"time"
)

// Resend says which of handlers get one more "still firing" message for a
// key this run, and stamps s.Reposted. It is a pure function of its
// arguments.
//
// Some receivers forget an alert that is not told again: Alertmanager
// resolves an alert not re-posted within its resolve_timeout. A handler
// with a re-post interval (every(h) > 0, the alertmanager handler's
// resend:) is told again about a key that still fires, has been told (not
// held by a mute) and was last queued for it at least the shortest such
// interval ago; every re-posting handler of the key then gets it, the
// others (email, SMS) do not. due is the notification Step (or the
// remediation guard) already queued for every handler this run: a firing
// or reminder counts as a post. A key that is not firing forgets the stamp.
func Resend(s *State, due Status, handlers []string, every func(string) time.Duration, now time.Time) []string {
	if s.Phase != PhaseFiring {
		s.Reposted = time.Time{}
		return nil
	}
	var to []string
	shortest := time.Duration(0)
	for _, h := range handlers {
		if every == nil {
			break
		}
		if d := every(h); d > 0 {
			to = append(to, h)
			if shortest == 0 || d < shortest {
				shortest = d
			}
		}
	}
	switch {
	case len(to) == 0:
		return nil
	case due == StatusFiring || due == StatusReminder:
		s.Reposted = now
		return nil
	case !s.Notified || s.Suppressed || now.Before(s.Reposted.Add(shortest)):
		return nil
	}
	s.Reposted = now
	return to
}

// repost adds the re-post of a firing key s of rule r to handlers (see
// Resend): a reminder built from what this run saw of the key, or from its
// state when the run saw nothing (the host is down, the value is between
// trigger and clear). Its delivery stamps nothing (KeyMute.Repost).
func (g *grouper) repost(handlers []string, s State, o *Observation, r *Rule, now time.Time) {
	if len(handlers) == 0 {
		return
	}
	var n Notification
	if o != nil && o.Holds && !o.Unknown && o.Finding.Rule != "" {
		n = FromFinding(o.Finding, now)
	} else {
		n = Notification{Command: s.Command, Rule: s.Rule, Host: s.Host, Key: s.Row, Column: r.label(),
			Value: s.LastValue, Severity: r.Severity, Runbook: r.Runbook, Time: now}
		if r.Trigger != nil {
			n.Trigger = r.Trigger.String()
		}
	}
	n.Status, n.Since = StatusReminder, s.Since
	g.add(handlers, n, KeyMute{Key: s.Key, Repost: true})
}

// repostHeld re-posts the firing keys of a host whose command failed this
// run: they are neither judged nor resolved, and a receiver that forgets
// alerts must not forget them either.
func (g *grouper) repostHeld(states map[Key]State, rules map[string]*Rule, command, host string, now time.Time, save func(State)) {
	var keys []Key
	for k, st := range states {
		if k.Command == command && k.Host == host && k.Rule != "" && rules[k.Rule] != nil && st.Phase == PhaseFiring {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b Key) int { return strings.Compare(a.String(), b.String()) })
	for _, k := range keys {
		st, r := states[k], rules[k.Rule]
		if to := Resend(&st, "", r.Handlers, g.resend, now); len(to) > 0 {
			save(st)
			g.repost(to, st, nil, r, now)
		}
	}
}
