package handlers

import (
	"context"
	"fmt"
	"slices"
	"time"

	"serverstats/alerts"
	"serverstats/config"
)

// HealthCommand is the Command of the notifications that say a handler
// fails or delivers again; their Key is the handler's name.
const HealthCommand = "delivery"

// health tells, on a change only, that handler name started failing (an
// on-command-failure-style alert: "handler sms-oncall failing: <error>") or
// delivers again (its resolution). The notice is queued for the handler's
// fallback, else the on-command-failure handlers, and is sent in the same
// Flush. It cannot loop: the failing handler is never told about itself,
// and a handler is told about at most once per change of its health, so a
// notice that fails in turn makes at most one more notice, about the
// handler that failed to carry it.
func (d *Dispatcher) health(ctx context.Context, name string, hc *config.Handler, failing bool, why string, now time.Time) {
	if hc == nil {
		return // not configured any more: nothing to route to
	}
	changed, err := d.Queue.MarkHandler(ctx, name, failing, why)
	if err != nil || !changed {
		if err != nil {
			d.Log.Warn("handler health not recorded", "handler", name, "error", err)
		}
		return
	}
	to := healthTargets(name, hc.Fallback, d.FailureHandlers)
	if len(to) == 0 {
		if failing {
			d.Log.Error("handler failing, and no fallback or on-command-failure handler to tell", "handler", name, "error", why)
		}
		return
	}
	n := alerts.Notification{Status: alerts.StatusUnknown, Command: HealthCommand, Host: "serverstats", Key: name,
		Severity: alerts.SeverityCritical, Error: fmt.Sprintf("handler %s failing: %s", name, why), Time: now}
	if !failing {
		n = alerts.Notification{Status: alerts.StatusResolved, Command: HealthCommand, Host: "serverstats", Key: name,
			Severity: alerts.SeverityCritical, Message: fmt.Sprintf("handler %s delivers again", name), Time: now}
	}
	for _, h := range to {
		if err := d.Queue.Enqueue(ctx, alerts.Envelope{Handler: h, Notifications: []alerts.Notification{n}}, now); err != nil {
			d.Log.Warn("handler health notice not queued", "handler", name, "to", h, "error", err)
		}
	}
}

// healthTargets are the handlers told about handler failing: its fallback,
// else the on-command-failure handlers; never failing itself.
func healthTargets(failing, fallback string, onFailure []string) []string {
	if fallback != "" && fallback != failing {
		return []string{fallback}
	}
	var out []string
	for _, h := range onFailure {
		if h != failing && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}
