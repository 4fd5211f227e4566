package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"serverstats/alerts"
	"serverstats/alerts/store"
	"serverstats/config"
)

// Queue is the outbox a Dispatcher drains: the state file (store.Store),
// or a Memory queue when the state file cannot be used.
type Queue interface {
	Claim(ctx context.Context, now time.Time, lease time.Duration, handlers []string) (store.Entry, bool, error)
	Renew(ctx context.Context, id int64, until time.Time) (bool, error)
	Done(ctx context.Context, id int64, at time.Time) error
	Retry(ctx context.Context, id int64, lastErr string, next time.Time, done []Receipt) error
	Reroute(ctx context.Context, id int64, handler, lastErr string, now time.Time) error
	Bury(ctx context.Context, id int64, lastErr string) error
	// AddAttempt writes one attempt to the delivery trail, pruned to lim.
	AddAttempt(ctx context.Context, a store.Attempt, lim store.TrailLimits) error
	// MarkHandler records a handler's health and reports a change.
	MarkHandler(ctx context.Context, handler string, failing bool, why string) (bool, error)
	// Enqueue queues a message (a handler health notice).
	Enqueue(ctx context.Context, e alerts.Envelope, now time.Time) error
}

var _ Queue = (*store.Store)(nil)

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
	// Broken are the configured handlers that could not be built here (a
	// secret missing from the environment): their messages are attempted
	// and fail with the reason, so that retry, max-age and fallback apply.
	Broken  map[string]error
	Config  func(name string) *config.Handler
	Backoff Backoff
	Log     *slog.Logger
	Now     func() time.Time
	// Observe, if set, is told each attempt's outcome: "sent", "retry",
	// "rerouted" or "undeliverable".
	Observe func(handler, outcome string)
	// Redact, if set, removes the config's secrets (ConfigSecrets) from
	// every error before it is logged, returned for --json or kept in the
	// outbox: the handlers redact their own, this catches the rest.
	Redact *Redactor
	// Trail bounds the delivery trail every attempt is written to.
	Trail store.TrailLimits
	// FailureHandlers (on-command-failure) are told that a handler without
	// a fallback fails, and when it delivers again (health.go).
	FailureHandlers []string
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
		for name := range d.Broken {
			if !skip[name] {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		now := d.Now()
		e, ok, err := d.Queue.Claim(ctx, now, lease, names)
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

// lease is how long a claimed message is ours before another process may
// take it over; the sender renews it every lease/3 while a handler is slow.
const lease = time.Minute

// opTimeout bounds each outbox call that records an outcome after ctx has
// ended (shutdown): a message cut short stays queued with its error, and a
// stuck state file cannot hold the process past it.
const opTimeout = 5 * time.Second

// renew keeps the lease on message id while it is being sent, until the
// returned stop is called.
func (d *Dispatcher) renew(ctx context.Context, id int64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(lease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := d.Queue.Renew(ctx, id, d.Now().Add(lease)); err != nil {
					d.Log.Warn("could not renew the lease on a message being sent", "message", id, "error", err)
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}

func (d *Dispatcher) attempt(ctx context.Context, e store.Entry, out *Outcome) error {
	hc := d.Config(e.Handler)
	h, ok := d.Handlers[e.Handler]
	var retry bool
	var err error
	var rcpts []Receipt
	start := d.Now()
	switch {
	case hc == nil:
		err = fmt.Errorf("handler %q is not configured any more", e.Handler)
	case d.Broken[e.Handler] != nil:
		retry, err = true, fmt.Errorf("handler cannot be built here: %w", d.Broken[e.Handler])
	case !ok:
		err = fmt.Errorf("handler %q is not configured any more", e.Handler)
	default:
		actx, cancel := context.WithTimeout(ctx, hc.Timeout)
		actx, got := withReceipts(withDone(actx, e.Done))
		stopRenew := d.renew(actx, e.ID)
		retry, err = safeSend(actx, h, e.Notifications)
		stopRenew()
		cancel()
		rcpts = d.redactReceipts(got())
		if err == nil {
			// The recipients left got it; one refused in an earlier
			// attempt still makes the message undelivered for good.
			err = refusedEarlier(e.Done)
		}
	}
	now := d.Now()
	// A Send cut short by shutdown says nothing of the handler's health.
	interrupted := ctx.Err() != nil
	// The outcome is recorded even when ctx has ended (shutdown): a message
	// cut short must stay queued with its error, not be lost or left leased;
	// opTimeout bounds it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opTimeout)
	defer cancel()
	log := d.Log.With("handler", e.Handler, "message", e.ID, "notifications", len(e.Notifications), "attempt", e.Attempts+1, "duration", now.Sub(start).Round(time.Millisecond))
	trail := func(outcome, msg string) {
		a := store.Attempt{At: now, Message: e.ID, Handler: e.Handler, Outcome: outcome, Error: msg, Receipts: rcpts, Alerts: store.Refs(e.Notifications)}
		if err := d.Queue.AddAttempt(ctx, a, d.Trail); err != nil {
			log.Warn("delivery attempt not written to the trail", "error", err)
		}
	}
	configured := hc != nil && d.Broken[e.Handler] == nil && ok
	if err == nil {
		d.health(ctx, e.Handler, hc, false, "", now)
		log.Info("delivered")
		d.observe(e.Handler, store.OutcomeSent)
		out.Sent++
		trail(store.OutcomeSent, "")
		return d.Queue.Done(ctx, e.ID, now)
	}
	msg := d.Redact.String(err.Error())
	if (configured || d.Broken[e.Handler] != nil) && !interrupted {
		d.health(ctx, e.Handler, hc, true, msg, now)
	}
	out.Errors = append(out.Errors, fmt.Sprintf("handler %s: message %d (%d notifications): %s", e.Handler, e.ID, len(e.Notifications), msg))
	expired := hc != nil && hc.MaxAge > 0 && now.Sub(e.Created) >= hc.MaxAge
	if retry && !expired {
		next := now.Add(d.Backoff.Delay(e.Attempts + 1))
		log.Warn("delivery failed; will retry", "error", msg, "next_attempt", next.Format(time.RFC3339))
		d.observe(e.Handler, store.OutcomeRetry)
		out.Retrying++
		trail(store.OutcomeRetry, msg)
		return d.Queue.Retry(ctx, e.ID, msg, next, mergeDone(e.Done, rcpts))
	}
	why := "refused for good"
	if expired {
		why = fmt.Sprintf("undelivered after %s (max-age)", hc.MaxAge)
	}
	if hc != nil && hc.Fallback != "" && e.Handler != hc.Fallback && e.Origin != hc.Fallback {
		log.Error("delivery failed; handing to fallback", "error", msg, "why", why, "fallback", hc.Fallback)
		d.observe(e.Handler, store.OutcomeRerouted)
		out.Rerouted++
		trail(store.OutcomeRerouted, fmt.Sprintf("%s: %s (to %s)", why, msg, hc.Fallback))
		return d.Queue.Reroute(ctx, e.ID, hc.Fallback, fmt.Sprintf("%s: %s: %s", e.Handler, why, msg), now)
	}
	log.Error("delivery failed; kept as undeliverable", "error", msg, "why", why)
	d.observe(e.Handler, store.OutcomeUndeliverable)
	out.Undeliverable++
	trail(store.OutcomeUndeliverable, fmt.Sprintf("%s: %s", why, msg))
	return d.Queue.Bury(ctx, e.ID, fmt.Sprintf("%s: %s", why, msg))
}

// redactReceipts removes the config's secrets from what providers answered.
func (d *Dispatcher) redactReceipts(rs []Receipt) []Receipt {
	for i := range rs {
		rs[i].Recipient, rs[i].Text, rs[i].Err = d.Redact.String(rs[i].Recipient), d.Redact.String(rs[i].Text), d.Redact.String(rs[i].Err)
	}
	return rs
}

// refusedEarlier is the error of the recipients earlier attempts found
// refused for good, or nil.
func refusedEarlier(done []Receipt) error {
	var refused []string
	for _, r := range done {
		if r.Err != "" {
			refused = append(refused, fmt.Sprintf("to %s: %s", r.Recipient, r.Err))
		}
	}
	if len(refused) == 0 {
		return nil
	}
	return fmt.Errorf("refused in an earlier attempt: %s", strings.Join(refused, "; "))
}
