package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"serverstats/alerts"
	"serverstats/config"
	"serverstats/handlers/message"
)

// PagerDuty sends each notification of a group as one event of the Events
// API v2 (https://events.pagerduty.com/v2/enqueue): a firing, reminder,
// flapping or unknown notification triggers, a resolved one resolves, and
// a still firing one whose alert is acked (serverstats ack) acknowledges.
// The dedup_key is stable per alert (command, host, rule, row), so that
// the resolve closes the incident the trigger opened and a retried trigger
// opens no second one.
//
// The routing key (the integration key of a service) is read from
// routing-key-env or routing-key-file; it is in the request body only, and
// redacted from errors and logs.
//
// Retry: 202 is delivered; 429, 5xx, timeouts and network errors are
// temporary; 400 ("invalid event") and other 4xx are permanent, reported
// with PagerDuty's errors. Every event of a group is tried; the group is
// retried when one failed for a temporary reason, which re-sends the events
// that went through: PagerDuty folds them by dedup_key.
type PagerDuty struct {
	channel
	key string // the routing key
}

var _ Handler = (*PagerDuty)(nil)

func newPagerDuty(h *config.Handler, env Env) (Handler, error) {
	c, err := newChannel(h, env, "pagerduty")
	if err != nil {
		return nil, err
	}
	p := &PagerDuty{channel: c}
	p.post.target = h.URL
	if p.post.target == "" {
		p.post.target = config.DefaultPagerDutyURL
	}
	if _, err := httpURL(p.post.target, "url"); err != nil {
		return nil, fmt.Errorf("handler %q: %w", h.Name, err)
	}
	if err := readSecrets(env, p.post.redact, secretSource{what: "routing key", env: h.RoutingKeyEnv, file: h.RoutingKeyFile, dst: &p.key}); err != nil {
		return nil, fmt.Errorf("handler %q: %w", h.Name, err)
	}
	return p, nil
}

// pdEvent is one event of the Events API v2.
type pdEvent struct {
	RoutingKey  string     `json:"routing_key"`
	EventAction string     `json:"event_action"` // trigger, acknowledge, resolve
	DedupKey    string     `json:"dedup_key"`
	Payload     *pdPayload `json:"payload,omitempty"` // trigger only
	Client      string     `json:"client,omitempty"`
}

type pdPayload struct {
	Summary       string              `json:"summary"` // at most 1024 characters
	Source        string              `json:"source"`
	Severity      string              `json:"severity"` // critical, error, warning, info
	Timestamp     string              `json:"timestamp,omitempty"`
	Component     string              `json:"component,omitempty"`
	Class         string              `json:"class,omitempty"`
	CustomDetails alerts.Notification `json:"custom_details"`
}

// pdSeverity maps a notification to PagerDuty's severities: a critical
// rule is critical, a warning rule warning, a failed command (unknown)
// error, anything else info.
func pdSeverity(n alerts.Notification) string {
	switch {
	case n.Status == alerts.StatusUnknown:
		return "error"
	case n.Severity == alerts.SeverityCritical:
		return "critical"
	case n.Severity == alerts.SeverityWarning:
		return "warning"
	}
	return "info"
}

// pdAction is the event a notification makes.
func pdAction(n alerts.Notification) string {
	switch {
	case n.Status == alerts.StatusResolved:
		return "resolve"
	case n.Ack != "" && (n.Status == alerts.StatusReminder || n.Status == alerts.StatusFiring):
		return "acknowledge"
	}
	return "trigger"
}

// PagerDutyDedupKey is the dedup_key of an alert: "serverstats/" and its
// command, host, rule and row, or their SHA-256 when that passes
// PagerDuty's 255 characters. The summary of a cut message (one per
// handler) has its own.
func PagerDutyDedupKey(handler string, n alerts.Notification) string {
	k := "serverstats/" + strings.Join([]string{n.Command, n.Host, n.Rule, n.Key}, "/")
	if n.Status == alerts.StatusSummary {
		k = "serverstats/" + handler + "/more alerts"
	}
	if len(k) > 255 {
		sum := sha256.Sum256([]byte(k))
		k = "serverstats/" + hex.EncodeToString(sum[:])
	}
	return k
}

// event is the event of one notification.
func (p *PagerDuty) event(n alerts.Notification) pdEvent {
	e := pdEvent{RoutingKey: p.key, EventAction: pdAction(n), DedupKey: PagerDutyDedupKey(p.name, n), Client: "serverstats"}
	if e.EventAction != "trigger" {
		return e
	}
	summary := n.Line()
	if n.Status == alerts.StatusSummary {
		summary = message.New(p.name, []alerts.Notification{n}).Summary
	}
	e.Payload = &pdPayload{
		Summary: message.Truncate(summary, 1024, "..."), Source: n.Host, Severity: pdSeverity(n),
		Component: n.Command, Class: n.Rule, CustomDetails: n,
	}
	if e.Payload.Source == "" {
		e.Payload.Source = "serverstats"
	}
	if !n.Time.IsZero() {
		e.Payload.Timestamp = n.Time.UTC().Format(time.RFC3339)
	}
	return e
}

// Send implements Handler: one event per notification.
func (p *PagerDuty) Send(ctx context.Context, ns []alerts.Notification) (bool, error) {
	ctx, cancel := attemptContext(ctx, p.timeout)
	defer cancel()
	var failures []string
	retry := false
	for _, n := range ns {
		e := p.event(n)
		body, err := marshal(e)
		if err != nil {
			return p.fail(err)
		}
		post := p.post
		post.recipient = e.DedupKey
		start := time.Now()
		r, err := post.send(ctx, "application/json", body, nil, func(r apiReply) (string, bool, string) {
			var reply struct {
				Status   string   `json:"status"`
				DedupKey string   `json:"dedup_key"`
				Errors   []string `json:"errors"`
			}
			jsonReply(r, &reply)
			if r.ok() {
				return strings.TrimSpace(reply.Status + " dedup_key=" + reply.DedupKey), true, ""
			}
			if reply.Status == "" {
				return "", false, ""
			}
			return "", false, strings.TrimSuffix(reply.Status+": "+strings.Join(reply.Errors, "; "), ": ")
		})
		if err != nil {
			retry = retry || r
			failures = append(failures, fmt.Sprintf("%s %s: %v", e.EventAction, e.DedupKey, strings.TrimPrefix(err.Error(), "pagerduty: ")))
			continue
		}
		p.log.Debug("pagerduty event sent", "handler", p.name, "action", e.EventAction, "dedup_key", e.DedupKey, "duration", since(start))
	}
	if len(failures) == 0 {
		return false, nil
	}
	return retry, p.post.redact.Error(errors.New("pagerduty: " + strings.Join(failures, "; ")))
}
