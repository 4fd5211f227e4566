package explain

import (
	"fmt"
	"strings"

	"serverstats/alerts"
)

// hold is one thing holding a key's notifications back.
type hold struct{ verdict, text string }

// holds lists what holds s's notifications now: ad-hoc mutes, maintenance
// windows, a parent down, flapping, an acknowledgement, the mute-for window.
func (e explainer) holds(s alerts.State) []hold {
	var out []hold
	k := s.Key
	for _, m := range e.snap.Mutes {
		if !m.Matches(k) || !e.now.Before(m.Until) {
			continue
		}
		until := "until " + e.when(m.Until)
		if m.UntilResolved {
			until += " or until the alert resolves"
		}
		reason := ""
		if m.Reason != "" {
			reason = fmt.Sprintf(" (%q)", m.Reason)
		}
		out = append(out, hold{Muted, fmt.Sprintf("Muted by mute %d%s %s: nothing is sent meanwhile; if it still fires then, it is told once. Undo: serverstats unmute %d.", m.ID, reason, until, m.ID)})
	}
	for _, w := range e.cfg.Maintenance {
		end, open := w.ActiveAt(e.now)
		if !open {
			continue
		}
		for _, m := range w.Mutes(end) {
			if m.Matches(k) {
				out = append(out, hold{Maintenance, fmt.Sprintf("In maintenance window %s until %s: nothing is sent meanwhile; what still fires then is told.", w.Name, e.when(end))})
				break
			}
		}
	}
	if s.Suppressed && strings.HasPrefix(s.HeldBy, "suppressed: parent") {
		out = append(out, hold{Parent, "Held: " + strings.TrimPrefix(s.HeldBy, "suppressed: ") + "; it is told once the parent is back, if it still fires."})
	}
	if s.Flapping {
		out = append(out, hold{Flapping, fmt.Sprintf("Flapping since %s (%d changes in its last runs): its changes are held until it is stable, then its state is told once.", e.when(s.FlapSince), s.Flips.Len())})
	}
	if s.Acked(e.now) {
		until := "until it resolves"
		if !s.AckUntil.IsZero() {
			until += " or " + e.when(s.AckUntil)
		}
		out = append(out, hold{Acked, fmt.Sprintf("Acknowledged %s (%q), %s: no reminders nor escalation.", e.when(s.AckedAt), s.AckReason, until)})
	}
	if s.Suppressed && s.HeldBy == "mute-for window" || !s.Suppressed && s.Phase == alerts.PhaseFiring && e.now.Before(s.MuteUntil) {
		out = append(out, hold{MuteFor, "Within the rule's mute-for window until " + e.when(s.MuteUntil) + ": no repeat notification before then."})
	}
	return out
}
