package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"serverstats/alerts"
	"serverstats/config"
)

// Queue is the durable outbox a Dispatcher drains; alerts.Store implements it.
type Queue interface {
	Claim(ctx context.Context, now time.Time, lease time.Duration, handlers []string) (alerts.OutboxEntry, bool, error)
	Done(ctx context.Context, e alerts.OutboxEntry, at time.Time) error
	Retry(ctx context.Context, id int64, lastErr string, next time.Time) error
	Reroute(ctx context.Context, id int64, handler, lastErr string, now time.Time) error
	Bury(ctx context.Context, id int64, lastErr string) error
}

var _ Queue = (*alerts.Store)(nil)

// Backoff is the retry schedule: Initial after the first failure, doubling
// up to Max.
type Backoff struct {
	Initial, Max time.Duration
}

// Delay is the wait after the n-th failed attempt (n ≥ 1).
func (b Backoff) Delay(n int) time.Duration {
	d := b.Initial
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// Dispatcher drains the outbox: it sends each due message through its
// handler, deletes it once accepted, and otherwise schedules a retry, hands
// it to the handler's fallback, or keeps it as undeliverable. Nothing is
// dropped, and every attempt is logged.
type Dispatcher struct {
	Queue    Queue
	Handlers map[string]Handler
	Config   func(name string) *config.Handler
	Backoff  Backoff
	Log      *slog.Logger
	Now      func() time.Time
	// Observe, if set, is told each attempt's outcome: "sent", "retry",
	// "rerouted" or "undeliverable".
	Observe func(handler, outcome string)
}

func (d *Dispatcher) observe(handler, outcome string) {
	if d.Observe != nil {
		d.Observe(handler, outcome)
	}
}

// Outcome counts what one Flush did.
type Outcome struct {
	Sent, Retrying, Rerouted, Undeliverable int
	Errors                                  []string // one line per failed attempt, for the CLI
}

// flushLimit bounds one Flush; anything left waits for the next.
const flushLimit = 100

// Flush makes one attempt at every due message, claiming each just before
// sending it (so no lease runs out while it waits its turn). A handler that
// fails temporarily is not tried again in the same Flush, so one stuck SMTP
// server does not hold up a page to another handler behind it.
func (d *Dispatcher) Flush(ctx context.Context) (Outcome, error) {
	var out Outcome
	skip := map[string]bool{}
	for i := 0; i < flushLimit; i++ {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		var names []string
		for name := range d.Handlers {
			if !skip[name] {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		now := d.Now()
		e, ok, err := d.Queue.Claim(ctx, now, d.lease(), names)
		if err != nil || !ok {
			return out, err
		}
		retrying := out.Retrying
		if err := d.attempt(ctx, e, &out); err != nil {
			return out, err
		}
		if out.Retrying > retrying {
			skip[e.Handler] = true
		}
	}
	return out, nil
}

// lease is how long a claimed message is ours: twice the longest handler
// timeout, at least two minutes.
func (d *Dispatcher) lease() time.Duration {
	lease := 2 * time.Minute
	for name := range d.Handlers {
		if h := d.Config(name); h != nil && 2*h.Timeout > lease {
			lease = 2 * h.Timeout
		}
	}
	return lease
}

func (d *Dispatcher) attempt(ctx context.Context, e alerts.OutboxEntry, out *Outcome) error {
	hc := d.Config(e.Handler)
	h, ok := d.Handlers[e.Handler]
	var retry bool
	var err error
	start := d.Now()
	if hc == nil || !ok {
		err = fmt.Errorf("handler %q is not configured any more", e.Handler)
	} else {
		actx, cancel := context.WithTimeout(ctx, hc.Timeout)
		retry, err = safeSend(actx, h, e.Notifications)
		cancel()
	}
	now := d.Now()
	// The outcome is recorded even when ctx has ended (shutdown): a message
	// cut short must stay queued with its error, not be lost or left leased.
	ctx = context.WithoutCancel(ctx)
	log := d.Log.With("handler", e.Handler, "message", e.ID, "notifications", len(e.Notifications), "attempt", e.Attempts+1, "duration", now.Sub(start).Round(time.Millisecond))
	if err == nil {
		log.Info("delivered")
		d.observe(e.Handler, "sent")
		out.Sent++
		return d.Queue.Done(ctx, e, now)
	}
	msg := err.Error()
	out.Errors = append(out.Errors, fmt.Sprintf("handler %s: message %d (%d notifications): %s", e.Handler, e.ID, len(e.Notifications), msg))
	expired := hc != nil && hc.MaxAge > 0 && now.Sub(e.Created) >= hc.MaxAge
	if retry && !expired {
		next := now.Add(d.Backoff.Delay(e.Attempts + 1))
		log.Warn("delivery failed; will retry", "error", msg, "next_attempt", next.Format(time.RFC3339))
		d.observe(e.Handler, "retry")
		out.Retrying++
		return d.Queue.Retry(ctx, e.ID, msg, next)
	}
	why := "refused for good"
	if expired {
		why = fmt.Sprintf("undelivered after %s (max-age)", hc.MaxAge)
	}
	if hc != nil && hc.Fallback != "" && e.Handler != hc.Fallback && e.Origin != hc.Fallback {
		log.Error("delivery failed; handing to fallback", "error", msg, "why", why, "fallback", hc.Fallback)
		d.observe(e.Handler, "rerouted")
		out.Rerouted++
		return d.Queue.Reroute(ctx, e.ID, hc.Fallback, fmt.Sprintf("%s: %s: %s", e.Handler, why, msg), now)
	}
	log.Error("delivery failed; kept as undeliverable", "error", msg, "why", why)
	out.Undeliverable++
	return d.Queue.Bury(ctx, e.ID, fmt.Sprintf("%s: %s", why, msg))
}
