package explain

import (
	"context"
	"fmt"
	"time"

	"serverstats/alerts"
	"serverstats/alerts/store"
	"serverstats/config"
)

// Read gathers the snapshot of host and command from the state file.
func Read(ctx context.Context, st *store.Store, host, command string, now time.Time) (Snapshot, error) {
	snap := Snapshot{States: map[alerts.Key]alerts.State{}, Last: map[alerts.Key]store.Point{}}
	states, err := st.States(ctx)
	if err != nil {
		return snap, err
	}
	for k, s := range states {
		if k.Command == command && k.Host == host {
			snap.States[k] = s
		}
	}
	if snap.Mutes, err = st.Mutes(ctx, now); err != nil {
		return snap, err
	}
	if snap.Outbox, err = readOutbox(ctx, st, host, command); err != nil {
		return snap, err
	}
	hist, err := st.History(ctx, command, host, now.Add(-7*24*time.Hour))
	if err != nil {
		return snap, err
	}
	for k, pts := range hist {
		if len(pts) > 0 {
			snap.Last[k] = pts[len(pts)-1]
		}
	}
	marks, err := st.RunMarks(ctx)
	if err != nil {
		return snap, err
	}
	if m, ok := marks[command]; ok {
		snap.Run = &m
	}
	return snap, nil
}

// readOutbox is the one reading of deliveries: the messages of host and
// command still in the outbox (waiting, or refused for good). The delivery
// trail (per-attempt receipts) plugs in here.
func readOutbox(ctx context.Context, st *store.Store, host, command string) ([]store.Entry, error) {
	all, err := st.Outbox(ctx)
	if err != nil {
		return nil, err
	}
	var out []store.Entry
	for _, e := range all {
		for _, n := range e.Notifications {
			if n.Host == host && n.Command == command {
				out = append(out, e)
				break
			}
		}
	}
	return out, nil
}

// outbox says what of key waits in the outbox, or was refused for good.
func (e explainer) outbox(k alerts.Key) []hold {
	var out []hold
	for _, m := range e.snap.Outbox {
		if !mentions(m, k) {
			continue
		}
		if m.Dead {
			fallback := "it has no fallback"
			if hc := e.cfg.Handler(m.Handler); hc != nil && hc.Fallback != "" {
				fallback = "its fallback " + hc.Fallback + " did not take it either"
			}
			out = append(out, hold{Undeliverable, fmt.Sprintf("UNDELIVERABLE: message %d to %s (queued %s) was refused for good after %d attempt(s): %s; %s. It is kept for you to see in serverstats status.",
				m.ID, m.Handler, e.when(m.Created), m.Attempts, orDash(m.LastError), fallback)})
			continue
		}
		via := ""
		if m.Origin != "" && m.Origin != m.Handler {
			via = " (handed over from " + m.Origin + ")"
		}
		last := ""
		if m.LastError != "" {
			last = "; last error: " + m.LastError
		}
		out = append(out, hold{Queued, fmt.Sprintf("Queued: message %d to %s%s since %s, %d attempt(s), next attempt %s%s.",
			m.ID, m.Handler, via, e.when(m.Created), m.Attempts, e.when(m.NextAttempt), last)})
	}
	return out
}

// mentions reports whether an outbox message holds a notification of k
// (a row-less key matches each row's).
func mentions(m store.Entry, k alerts.Key) bool {
	for _, n := range m.Notifications {
		if n.Command == k.Command && n.Host == k.Host && n.Rule == k.Rule && (k.Row == "" || n.Key == k.Row) {
			return true
		}
	}
	return false
}

// recipients are who the handlers reach: email addresses and numbers, the
// host of a webhook (its path may be a token), the program of exec.
func recipients(cfg *config.Config, names []string) []string {
	out := []string{}
	for _, name := range names {
		h := cfg.Handler(name)
		if h == nil {
			continue
		}
		out = append(out, reach(h)...)
	}
	return out
}

func reach(h *config.Handler) []string {
	switch h.Type {
	case "email", "sms":
		return h.To
	case "exec":
		if len(h.Command) > 0 {
			return []string{h.Command[0]}
		}
	case "webhook":
		if u := hostOf(h.URL); u != "" {
			return []string{u}
		}
	case "alertmanager":
		var out []string
		for _, raw := range h.URLs {
			if u := hostOf(raw); u != "" {
				out = append(out, u)
			}
		}
		return out
	case "print":
		if h.Stream == "" {
			return []string{"stdout"}
		}
		return []string{h.Stream}
	}
	return nil
}

// describe is each handler with its type and recipients, e.g.
// "oncall (sms: +15552223333)".
func describe(cfg *config.Config, names []string) []string {
	out := make([]string, len(names))
	for i, name := range names {
		h := cfg.Handler(name)
		if h == nil {
			out[i] = name + " (not in the config)"
			continue
		}
		to := reach(h)
		desc := h.Type
		if len(to) > 0 {
			desc += ": " + joinComma(to)
		}
		if h.Fallback != "" {
			desc += ", fallback " + h.Fallback
		}
		out[i] = name + " (" + desc + ")"
	}
	return out
}
