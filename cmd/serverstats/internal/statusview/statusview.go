// Package statusview renders `serverstats status`: the alert states that
// are not OK, the last run of each command, the maintenance windows, the
// mutes in force and the undelivered messages, as text or one JSON
// document.
package statusview

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"serverstats/alerts"
	"serverstats/alerts/store"
	"serverstats/cmd/serverstats/internal/textout"
	"serverstats/config"
)

// View is what status shows, read from the state file (and the config,
// when it loads).
type View struct {
	Path   string
	Info   store.Info
	States map[alerts.Key]alerts.State
	Mutes  []alerts.Mute
	Outbox []store.Entry
	Runs   map[string]store.RunMark // per command
	Config *config.Config           // nil when it does not load
	Now    time.Time
}

// notOK are the states not OK or flapping, sorted.
func (v View) notOK() []alerts.State {
	var list []alerts.State
	for _, s := range v.States {
		if s.Phase != alerts.PhaseOK || s.Flapping {
			list = append(list, s)
		}
	}
	slices.SortFunc(list, func(x, y alerts.State) int { return strings.Compare(x.Key.String(), y.Key.String()) })
	return list
}

// runs are the run marks sorted by command.
func (v View) runs() []store.RunMark {
	out := []store.RunMark{}
	for _, m := range v.Runs {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b store.RunMark) int { return strings.Compare(a.Command, b.Command) })
	return out
}

// JSON writes the view as one JSON document.
func JSON(w io.Writer, v View) {
	list := v.notOK()
	type jsonState struct {
		alerts.Key
		Phase        alerts.Phase `json:"phase"`
		Count        int          `json:"count"`
		Since        time.Time    `json:"since"`
		Value        string       `json:"value"`
		LastNotified *time.Time   `json:"last_notified,omitempty"`
		MuteUntil    *time.Time   `json:"mute_until,omitempty"`
		Actions      int          `json:"actions,omitempty"`        // remediations within the guard's window
		ActingStops  bool         `json:"acting_stopped,omitempty"` // the guard tripped; no action until it resolves
		Flapping     *time.Time   `json:"flapping_since,omitempty"`
		Ack          string       `json:"ack,omitempty"`
		AckUntil     *time.Time   `json:"ack_until,omitempty"`
		Escalated    int          `json:"escalated,omitempty"` // escalation steps told
		HeldBy       string       `json:"held_by,omitempty"`   // what holds its notification back
	}
	doc := struct {
		StateFile string        `json:"state_file"`
		State     store.Info    `json:"state"`
		Alerts    []jsonState   `json:"alerts"`
		Mutes     []alerts.Mute `json:"mutes"`
		// Maintenance are the mutes of the maintenance windows open now.
		Maintenance []alerts.Mute `json:"maintenance"`
		Outbox      []store.Entry `json:"outbox"`
		// Runs are each command's last run and last OK run (every host
		// and rule checked), by command name.
		Runs []store.RunMark `json:"runs"`
		// Shard is this instance's part of the hosts (K/N, when sharded)
		// and Hosts the number of its hosts.
		Shard string `json:"shard,omitempty"`
		Hosts int    `json:"shard_hosts,omitempty"`
	}{v.Path, v.Info, []jsonState{}, append([]alerts.Mute{}, v.Mutes...), []alerts.Mute{}, append([]store.Entry{}, v.Outbox...), v.runs(), "", 0}
	if v.Config != nil {
		doc.Maintenance = append(doc.Maintenance, v.Config.MaintenanceMutes(v.Now)...)
		if v.Config.Shard.N > 0 {
			doc.Shard, doc.Hosts = v.Config.Shard.String(), v.Config.Shard.Hosts(v.Config)
		}
	}
	for _, s := range list {
		doc.Alerts = append(doc.Alerts, jsonState{Key: s.Key, Phase: s.Phase, Count: s.Count, Since: s.Since,
			Value: s.LastValue, LastNotified: timePtr(s.LastNotified), MuteUntil: timePtr(s.MuteUntil),
			Actions: s.Acted.Len(), ActingStops: s.GaveUp, Ack: s.AckText(v.Now), AckUntil: timePtr(s.AckUntil), Escalated: s.Escalated, HeldBy: s.HeldBy})
		if s.Flapping {
			doc.Alerts[len(doc.Alerts)-1].Flapping = timePtr(s.FlapSince)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(doc)
}

// Text writes the view as tables.
func Text(w io.Writer, v View) {
	list := v.notOK()
	fmt.Fprintf(w, "State file: %s (%s; %d states, %d messages queued, %d undeliverable)\n", v.Path, humanBytes(v.Info.SizeBytes), v.Info.States, v.Info.Messages, v.Info.Dead)
	fmt.Fprintf(w, "Retention: %s for undeliverable messages, ended mutes and the states of commands or hosts no longer run; last pruned %s (%d rows pruned so far)\n",
		v.Info.Retention, when(v.Info.LastPrune, v.Now), v.Info.PrunedTotal)
	fmt.Fprintf(w, "History: %d points for the status page's plots (at most %d per alert key)\n", v.Info.HistoryPoints, store.HistoryPoints)
	if v.Config != nil && v.Config.Shard.N > 0 {
		fmt.Fprintf(w, "Shard: %s (%d hosts; the others are other instances')\n", v.Config.Shard, v.Config.Shard.Hosts(v.Config))
	}
	fmt.Fprintf(w, "\nAlerts (%d not OK):\n", len(list))
	if len(list) > 0 {
		t := textout.NewTable(w, []string{"command", "rule", "host", "row", "phase", "since", "value", "last notified", "muted until"})
		for _, s := range list {
			phase := string(s.Phase)
			if s.GaveUp {
				phase += " (stopped acting)"
			}
			if s.Flapping {
				phase += " (flapping since " + when(s.FlapSince, v.Now) + ")"
			}
			if a := s.AckText(v.Now); a != "" {
				phase += " (" + a + ")"
			}
			if s.Suppressed {
				phase += " (held: " + s.HeldBy + ")"
			}
			t.Row(s.Command, s.Rule, s.Host, s.Row, phase, when(s.Since, v.Now), s.LastValue, when(s.LastNotified, v.Now), when(s.MuteUntil, v.Now))
		}
		t.Render()
	}
	if runs := v.runs(); len(runs) > 0 {
		fmt.Fprintf(w, "\nLast runs (OK: every host and rule checked):\n")
		t := textout.NewTable(w, []string{"command", "last run", "result", "last OK run"})
		for _, r := range runs {
			result := "OK"
			if r.Health != 0 {
				result = fmt.Sprintf("NOT OK (%d): %s", r.Health, r.Why)
			}
			t.Row(r.Command, when(r.LastRun, v.Now), result, when(r.LastOK, v.Now))
		}
		t.Render()
	}
	if v.Config != nil && len(v.Config.Maintenance) > 0 {
		fmt.Fprintf(w, "\nMaintenance windows (%d):\n", len(v.Config.Maintenance))
		t := textout.NewTable(w, []string{"name", "schedule", "duration", "hosts", "commands", "now"})
		for _, win := range v.Config.Maintenance {
			state := "closed; next opens " + when(win.Cron.Next(v.Now), v.Now)
			if end, ok := win.ActiveAt(v.Now); ok {
				state = "OPEN until " + when(end, v.Now)
			}
			t.Row(win.Name, strings.TrimSpace(win.Timezone+" "+win.Schedule), win.Duration.String(), orAny(strings.Join(win.Hosts, ", ")), orAny(strings.Join(win.Commands, ", ")), state)
		}
		t.Render()
	}
	fmt.Fprintf(w, "\nMutes (%d in force):\n", len(v.Mutes))
	if len(v.Mutes) > 0 {
		t := textout.NewTable(w, []string{"id", "host", "command", "rule", "until", "reason"})
		for _, m := range v.Mutes {
			until := when(m.Until, v.Now)
			if m.UntilResolved {
				until += " or on resolve"
			}
			t.Row(fmt.Sprint(m.ID), orAny(m.Host), orAny(m.Command), orAny(m.Rule), until, m.Reason)
		}
		t.Render()
	}
	fmt.Fprintf(w, "\nOutbox (%d undelivered):\n", len(v.Outbox))
	if len(v.Outbox) > 0 {
		t := textout.NewTable(w, []string{"id", "handler", "notifications", "queued", "attempts", "next attempt", "last error"})
		for _, e := range v.Outbox {
			next := when(e.NextAttempt, v.Now)
			if e.Dead {
				next = "never (undeliverable)"
			}
			t.Row(fmt.Sprint(e.ID), e.Handler, fmt.Sprint(len(e.Notifications)), when(e.Created, v.Now), fmt.Sprint(e.Attempts), next, e.LastError)
		}
		t.Render()
	}
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// when shows a time with how far it is from now.
func when(t, now time.Time) string {
	return textout.When(t.Local(), now, "2006-01-02 15:04:05", "-")
}

func orAny(s string) string {
	if s == "" {
		return "(any)"
	}
	return s
}

// humanBytes is n as e.g. "1.5 MB".
func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
