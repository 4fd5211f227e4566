// Package explain answers "why was I (not) paged?": for each alert key of
// one host and command, from the config and a snapshot of the state file,
// it says in plain sentences whether the last runs notified, and if not,
// what held the notification: the trigger not holding, `for` not reached,
// a mute, a maintenance window, an acknowledgement, flapping, a parent
// down, the mute-for window, a message waiting in the outbox or refused
// for good. Explain is a pure function of its arguments; Read gathers the
// snapshot from the store.
package explain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"serverstats/alerts"
	"serverstats/alerts/store"
	"serverstats/cmd/serverstats/internal/textout"
	"serverstats/config"
)

// Snapshot is what the state file knows of one host and command.
type Snapshot struct {
	States map[alerts.Key]alerts.State
	Mutes  []alerts.Mute // the ad-hoc mutes in force
	// Outbox are the messages not delivered yet or refused for good (see
	// readOutbox: the delivery trail adds the delivered ones later).
	Outbox []store.Entry
	// Last is the last observed numeric value of each key (the history),
	// for keys the state has forgotten since they are OK.
	Last map[alerts.Key]store.Point
	Run  *store.RunMark // the command's last run; nil if it never ran with --alerts
}

// Query says which keys to explain.
type Query struct {
	Host, Command string
	Rule          string // "" for every rule of the command
}

// Verdicts, the one-word answer of a Reason: what decided the last runs.
const (
	NotChecked    = "host not checked"
	NotFiring     = "not firing"
	Waiting       = "waiting for for"
	Muted         = "muted"
	Maintenance   = "maintenance"
	Parent        = "suppressed by parent"
	Flapping      = "flapping"
	Acked         = "acked"
	MuteFor       = "mute-for window"
	Queued        = "queued"
	Undeliverable = "undeliverable"
	Told          = "told"
	NotTold       = "not told" // firing, and nothing queued: no handler wants it
)

// Reason explains one alert key.
type Reason struct {
	Key     alerts.Key `json:"key"`
	Verdict string     `json:"verdict"`
	// Notified says whether a person was told of this key's current
	// episode (a notification was delivered).
	Notified bool     `json:"notified"`
	Why      []string `json:"why"` // plain sentences, the most telling first
	Handlers []string `json:"handlers"`
	// Recipients are who the handlers reach (addresses, numbers, URL hosts).
	Recipients []string `json:"recipients"`
}

// Explain explains each alert key of q's host and command (and rule). It
// fails when the config has no such command, host or rule.
func Explain(cfg *config.Config, snap Snapshot, q Query, now time.Time) ([]Reason, error) {
	cmd := cfg.Command(q.Command)
	if cmd == nil {
		return nil, fmt.Errorf("--command %q: no such command in %s", q.Command, cfg.File)
	}
	if !slices.Contains(cmd.Hosts, q.Host) {
		return nil, fmt.Errorf("--host %q: command %s does not run on it (its hosts: %s)", q.Host, cmd.Name, strings.Join(cmd.Hosts, ", "))
	}
	var rules []*alerts.Rule
	for _, r := range cmd.Alerts {
		if q.Rule == "" || r.Name == q.Rule {
			rules = append(rules, r)
		}
	}
	if q.Rule != "" && len(rules) == 0 {
		names := make([]string, len(cmd.Alerts))
		for i, r := range cmd.Alerts {
			names[i] = fmt.Sprintf("%q", r.Name)
		}
		return nil, fmt.Errorf("--rule %q: command %s has no such rule (its rules: %s)", q.Rule, cmd.Name, strings.Join(names, ", "))
	}
	e := explainer{cfg: cfg, cmd: cmd, snap: snap, now: now}
	var out []Reason
	hk := alerts.Key{Command: cmd.Name, Host: q.Host}
	hostDown := false
	if s, ok := snap.States[hk]; ok && s.Phase == alerts.PhaseFiring {
		hostDown = true
		out = append(out, e.hostFailure(s))
	}
	for _, r := range rules {
		var keys []alerts.Key
		for k := range snap.States {
			if k.Command == cmd.Name && k.Host == q.Host && k.Rule == r.Name {
				keys = append(keys, k)
			}
		}
		slices.SortFunc(keys, func(a, b alerts.Key) int { return strings.Compare(a.Row, b.Row) })
		if mk := alerts.MissingColumnKey(cmd.Name, q.Host, r.Name); snap.States[mk].Phase == alerts.PhaseFiring {
			out = append(out, e.missingColumn(r, snap.States[mk]))
			continue
		}
		if len(keys) == 0 {
			out = append(out, e.quiet(r, q.Host, hostDown))
			continue
		}
		for _, k := range keys {
			out = append(out, e.key(r, snap.States[k], hostDown))
		}
	}
	return out, nil
}

// explainer holds what every key's explanation reads.
type explainer struct {
	cfg  *config.Config
	cmd  *config.Command
	snap Snapshot
	now  time.Time
}

// hostFailure explains the host's own key: it could not be checked.
func (e explainer) hostFailure(s alerts.State) Reason {
	r := Reason{Key: s.Key, Verdict: NotChecked}
	why := "The command could not run on " + s.Host + " since " + e.when(s.Since)
	if e.snap.Run != nil && e.snap.Run.Why != "" {
		why += " (last run " + e.when(e.snap.Run.LastRun) + ": " + e.snap.Run.Why + ")"
	}
	r.Why = append(r.Why, why+": its rules are not judged (no false alarm, no false resolve) until it runs again.")
	e.tell(&r, s, nil, e.cfg.OnCommandFailure.Handlers)
	return r
}

// missingColumn explains a rule whose column is not in the output.
func (e explainer) missingColumn(rule *alerts.Rule, s alerts.State) Reason {
	r := Reason{Key: alerts.Key{Command: s.Command, Rule: rule.Name, Host: s.Host}, Verdict: NotChecked}
	r.Why = append(r.Why, fmt.Sprintf("Rule %q cannot be judged on %s since %s: its column %q is missing from the output; this is told to on-command-failure, and the rule's alerts are left as they were.",
		rule.Name, s.Host, e.when(s.Since), rule.Column))
	e.tell(&r, s, nil, e.cfg.OnCommandFailure.Handlers)
	return r
}

// quiet explains a rule with no state on the host: it has not held lately.
func (e explainer) quiet(rule *alerts.Rule, host string, hostDown bool) Reason {
	k := alerts.Key{Command: e.cmd.Name, Rule: rule.Name, Host: host}
	r := Reason{Key: k, Verdict: NotFiring}
	if hostDown {
		r.Verdict = NotChecked
		r.Why = append(r.Why, "Not judged: the host could not be checked (above).")
	}
	var last *store.Point
	for pk, p := range e.snap.Last {
		if pk.Command == k.Command && pk.Rule == k.Rule && pk.Host == host && (last == nil || p.At.After(last.At)) {
			last = &p
		}
	}
	switch {
	case last != nil:
		row := ""
		if last.Key.Row != "" {
			row = " on " + last.Key.Row
		}
		r.Why = append(r.Why, fmt.Sprintf("Not firing: %s was %s%s at %s; the trigger is %s, and it did not hold.",
			rule.Column, num(last.Value), row, e.when(last.At), rule.Trigger))
	case e.snap.Run != nil:
		r.Why = append(r.Why, fmt.Sprintf("Not firing: the trigger %s %s has not held on any row (last run %s).", rule.Column, rule.Trigger, e.when(e.snap.Run.LastRun)))
	default:
		r.Why = append(r.Why, "Nothing recorded: the command has not run with --alerts (cron or the daemon) against this state file.")
	}
	e.tell(&r, alerts.State{}, rule, rule.Handlers)
	return r
}

// key explains one alert key the state file remembers.
func (e explainer) key(rule *alerts.Rule, s alerts.State, hostDown bool) Reason {
	r := Reason{Key: s.Key}
	value := fmt.Sprintf("%s is %s (trigger %s)", rule.Column, orDash(s.LastValue), rule.Trigger)
	switch s.Phase {
	case alerts.PhaseOK:
		r.Verdict = NotFiring
		r.Why = append(r.Why, fmt.Sprintf("Not firing: %s, since %s.", value, e.when(s.Since)))
	case alerts.PhasePending:
		r.Verdict = Waiting
		left := max(rule.For, 1) - s.Count
		why := fmt.Sprintf("Waiting for `for: %d`: the trigger %s %s held on %d of %d consecutive runs since %s (%s is %s); it fires after %d more run(s) in which it holds",
			rule.For, rule.Column, rule.Trigger, s.Count, rule.For, e.when(s.Since), rule.Column, orDash(s.LastValue), left)
		if e.cmd.Cron != nil {
			at := e.now
			for range left {
				at = e.cmd.Cron.Next(at)
			}
			why += ", at the earliest " + e.when(at)
		}
		r.Why = append(r.Why, why+".")
	default:
		r.Why = append(r.Why, fmt.Sprintf("Firing since %s: %s.", e.when(s.Since), value))
	}
	if hostDown {
		r.Why = append(r.Why, "Not judged lately: the host could not be checked (above); the alert stays as it was.")
	}
	e.tell(&r, s, rule, rule.Handlers)
	return r
}

// tell adds what holds s's notifications, what was told and what waits in
// the outbox, and the handlers; it sets the verdict of a firing key.
func (e explainer) tell(r *Reason, s alerts.State, rule *alerts.Rule, handlers []string) {
	firing := s.Phase == alerts.PhaseFiring
	holds := e.holds(s)
	if len(holds) > 0 && !firing {
		for i := range holds {
			holds[i].text = "When it fires, it will be held: " + holds[i].text
		}
	}
	verdict := ""
	for _, h := range holds {
		r.Why = append(r.Why, h.text)
		if verdict == "" && firing {
			verdict = h.verdict
		}
	}
	if !s.LastNotified.IsZero() && s.Notified {
		r.Notified = true
		told := "Told: the last notification was delivered " + e.when(s.LastNotified) + "."
		if rule != nil && firing {
			told += " " + e.reminder(s, rule)
		}
		r.Why = append(r.Why, told)
		if verdict == "" && firing {
			verdict = Told
		}
	}
	for _, m := range e.outbox(s.Key) {
		r.Why = append(r.Why, m.text)
		// What waits in the outbox is the delivery's truth: a mute or an
		// ack does not take back a message queued before it.
		if firing && verdict != Undeliverable {
			verdict = m.verdict
		}
	}
	if firing && verdict == "" {
		verdict = NotTold
		r.Why = append(r.Why, "Nothing is queued nor was delivered for this episode.")
	}
	if r.Verdict == "" {
		r.Verdict = verdict
	}
	r.Handlers = append([]string{}, handlers...)
	if rule != nil {
		for _, esc := range rule.Escalate {
			for _, h := range esc.Handlers {
				if !slices.Contains(r.Handlers, h) {
					r.Handlers = append(r.Handlers, h)
				}
			}
		}
		if len(rule.Escalate) > 0 {
			r.Why = append(r.Why, fmt.Sprintf("Escalation: %d of %d step(s) told.", s.Escalated, len(rule.Escalate)))
		}
	}
	r.Recipients = recipients(e.cfg, r.Handlers)
	if len(r.Handlers) > 0 {
		r.Why = append(r.Why, "Handlers: "+strings.Join(describe(e.cfg, r.Handlers), "; ")+".")
	} else {
		r.Why = append(r.Why, "No handler: nobody is told of this (set handlers: on the rule or on-command-failure:).")
	}
}

// reminder says when the next reminder of a told, firing key is due.
func (e explainer) reminder(s alerts.State, rule *alerts.Rule) string {
	switch {
	case rule.Repeat <= 0:
		return "No reminders (the rule sets no repeat:)."
	case s.Acked(e.now):
		return "No reminders while acknowledged."
	}
	next := latest(s.LastQueued, s.LastNotified).Add(rule.Repeat)
	if s.MuteUntil.After(next) {
		next = s.MuteUntil
	}
	return "Next reminder at the first run from " + e.when(next) + " (repeat: " + rule.Repeat.String() + ")."
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// when shows a time in UTC with how far it is from now.
func (e explainer) when(t time.Time) string {
	return textout.When(t.UTC(), e.now, "2006-01-02 15:04:05 MST", "never")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func num(v float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
}
