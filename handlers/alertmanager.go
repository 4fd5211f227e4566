package handlers

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"serverstats/alerts"
	"serverstats/config"
)

// Alertmanager posts each group to Prometheus Alertmanager's API v2
// (POST /api/v2/alerts) on every peer of a cluster, as Prometheus does: the
// cluster deduplicates, and a peer that is down learns the alerts at the
// next re-post (resend:, see alerts.Resend).
//
// An alert's labels are alertname (the rule's name; "command failure" for
// a host whose command could not run), command, host, row (the row key,
// when there is one), severity and the config's labels:; nothing that
// differs between two replicas watching the same hosts, so that their
// alerts are one alert to Alertmanager. Annotations carry the message, the
// observed value, the rule, the rule's runbook_url and a summary line. A firing alert has startsAt;
// a resolved one has endsAt, which ends it.
//
// Messages may be delivered out of order (a retried one after a newer
// one): a notification older than one already posted for the same alert
// is not posted, so that a stale "still firing" cannot reopen an alert
// whose resolve went first. The handler remembers what it posted for
// max-age.
//
// Delivery: the message is delivered when at least one peer accepted it
// (2xx); the peers that failed are logged. When every peer failed it is
// temporary (retried through the outbox), unless every peer refused it
// with a 4xx other than 408 and 429 (a malformed alert, refused for good).
type Alertmanager struct {
	name      string
	urls      []string // each peer's /api/v2/alerts
	shown     []string // each peer as errors show it
	labels    map[string]string
	generator string // the status page, "" when none listens
	timeout   time.Duration
	api       httpAPI // POSTs as the other HTTP handlers do: no redirects, one retry rule
	log       *slog.Logger
	maxAge    time.Duration
	auth      string // the Authorization header, "" for none (a secret)
	redact    *Redactor

	mu     sync.Mutex
	posted map[string]time.Time // alert (labels) -> time of the newest notification posted
}

var _ Handler = (*Alertmanager)(nil)

// AlertmanagerFailure is the alertname of a host whose command failed (its
// notification names no rule).
const AlertmanagerFailure = "command failure"

func newAlertmanager(h *config.Handler, env Env) (Handler, error) {
	a := &Alertmanager{name: h.Name, labels: maps.Clone(h.Labels), generator: env.StatusURL,
		timeout: attemptTimeout(h.Timeout), log: env.logger(), maxAge: cmp.Or(h.MaxAge, config.DefaultMaxAge),
		posted: map[string]time.Time{}, api: newHTTPAPI("alertmanager")}
	if len(h.URLs) == 0 {
		return nil, fmt.Errorf("handler %q: no urls", h.Name)
	}
	a.redact = NewRedactor()
	if h.AuthTokenEnv != "" || h.AuthTokenFile != "" {
		tok, err := ReadSecret(env.getenv, h.AuthTokenEnv, h.AuthTokenFile)
		if err != nil {
			return nil, fmt.Errorf("handler %q: auth token: %w", h.Name, err)
		}
		a.auth = "Bearer " + tok
		if h.Username != "" {
			a.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(h.Username+":"+tok))
			a.redact.Add(h.Username + ":" + tok)
		}
		a.redact.Add(tok, a.auth)
	}
	for _, raw := range h.URLs {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("handler %q: urls: not an http(s) URL", h.Name)
		}
		a.urls = append(a.urls, strings.TrimSuffix(u.String(), "/")+"/api/v2/alerts")
		a.shown = append(a.shown, redactURL(u))
	}
	return a, nil
}

// amAlert is one alert as Alertmanager's API v2 takes it (postableAlert).
type amAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"startsAt,omitzero"`
	EndsAt       time.Time         `json:"endsAt,omitzero"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// AlertmanagerBody is the JSON array POSTed for ns: one alert per
// notification (summaries of a bounded message, which stand for no alert
// of their own, are left out), with the extra labels and the generator URL
// (the status page; "" for none).
func AlertmanagerBody(ns []alerts.Notification, labels map[string]string, generator string) ([]byte, error) {
	out := make([]amAlert, 0, len(ns))
	for _, n := range ns {
		if n.Status == alerts.StatusSummary {
			continue
		}
		l := maps.Clone(labels)
		if l == nil {
			l = map[string]string{}
		}
		l["alertname"] = cmp.Or(n.Rule, AlertmanagerFailure)
		l["command"], l["host"], l["severity"] = n.Command, n.Host, string(cmp.Or(n.Severity, alerts.SeverityCritical))
		if n.Key != "" {
			l["row"] = n.Key
		}
		ann := map[string]string{"summary": n.Line()}
		for k, v := range map[string]string{"message": n.Message, "value": n.Value, "error": n.Error,
			"rule": strings.TrimSpace(n.Column + " " + n.Trigger), "runbook_url": n.Runbook} {
			if v != "" {
				ann[k] = v
			}
		}
		a := amAlert{Labels: l, Annotations: ann, GeneratorURL: generator}
		if n.Status == alerts.StatusResolved {
			a.EndsAt = n.Time.UTC()
		} else {
			a.StartsAt = cmp.Or(n.Since, n.Time).UTC()
		}
		out = append(out, a)
	}
	return json.Marshal(out)
}

// Send implements Handler: one POST per peer, all at once.
func (a *Alertmanager) Send(ctx context.Context, ns []alerts.Notification) (bool, error) {
	ns = a.fresh(ns)
	body, err := AlertmanagerBody(ns, a.labels, a.generator)
	if err != nil {
		return false, a.redact.Error(fmt.Errorf("alertmanager: %w", err))
	}
	if string(body) == "[]" {
		return false, nil
	}
	ctx, cancel := attemptContext(ctx, a.timeout)
	defer cancel()
	type result struct {
		retry bool
		err   error
	}
	results := make([]result, len(a.urls))
	var wg sync.WaitGroup
	for i := range a.urls {
		wg.Go(func() {
			r, err := a.post(ctx, i, body)
			results[i] = result{r, err}
		})
	}
	wg.Wait()
	var errs []error
	retry := false
	for i, r := range results {
		// The trail (serverstats history) shows each peer's answer; a peer
		// that failed is never "done": the others may have taken the alert.
		if r.err == nil {
			noteReceipt(ctx, Receipt{Recipient: a.shown[i], Text: "accepted"})
			continue
		}
		noteReceipt(ctx, Receipt{Recipient: a.shown[i], Err: a.redact.String(r.err.Error())})
		errs = append(errs, r.err)
		retry = retry || r.retry
		a.log.Debug("alertmanager peer failed", "handler", a.name, "peer", a.shown[i], "error", a.redact.Error(r.err))
	}
	if len(errs) < len(a.urls) {
		if len(errs) > 0 {
			a.log.Warn("alertmanager: delivered to some peers only; the others get the alerts at the next re-post",
				"handler", a.name, "failed", len(errs), "peers", len(a.urls), "error", a.redact.Error(errors.Join(errs...)))
		}
		a.mark(ns)
		return false, nil
	}
	return retry, a.redact.Error(fmt.Errorf("every peer failed: %w", errors.Join(errs...)))
}

// post sends body to peer i.
func (a *Alertmanager) post(ctx context.Context, i int, body []byte) (bool, error) {
	var headers map[string]string
	if a.auth != "" {
		headers = map[string]string{"Authorization": a.auth}
	}
	r, retry, err := a.api.post(ctx, a.urls[i], "application/json", body, headers)
	if err != nil {
		return retry, err
	}
	if r.ok() {
		return false, nil
	}
	return a.api.failure(a.urls[i], r, "")
}

// alertID names the alert of n as Alertmanager tells alerts apart: by the
// labels the handler derives from n.
func alertID(n alerts.Notification) string {
	return strings.Join([]string{cmp.Or(n.Rule, AlertmanagerFailure), n.Command, n.Host, n.Key}, "\x00")
}

// fresh drops the notifications older than one already posted for the
// same alert.
func (a *Alertmanager) fresh(ns []alerts.Notification) []alerts.Notification {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]alerts.Notification, 0, len(ns))
	for _, n := range ns {
		if last, ok := a.posted[alertID(n)]; ok && n.Time.Before(last) {
			a.log.Debug("alertmanager: not posting a notification older than one already posted", "handler", a.name, "alert", n.Line())
			continue
		}
		out = append(out, n)
	}
	return out
}

// mark remembers the newest notification posted for each alert, and
// forgets what is older than max-age (no message that old is delivered).
func (a *Alertmanager) mark(ns []alerts.Notification) {
	a.mu.Lock()
	defer a.mu.Unlock()
	newest := time.Time{}
	for _, n := range ns {
		if id := alertID(n); n.Time.After(a.posted[id]) {
			a.posted[id] = n.Time
		}
		if n.Time.After(newest) {
			newest = n.Time
		}
	}
	for id, t := range a.posted {
		if t.Add(a.maxAge).Before(newest) {
			delete(a.posted, id)
		}
	}
}

// Probe implements Prober: GET /api/v2/status on every peer with the
// handler's credentials; no alert is posted. Every peer must answer.
func (a *Alertmanager) Probe(ctx context.Context) error {
	ctx, cancel := attemptContext(ctx, a.timeout)
	defer cancel()
	var errs []error
	for i, u := range a.urls {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(u, "/alerts")+"/status", nil)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		req.Header.Set("User-Agent", userAgent)
		if a.auth != "" {
			req.Header.Set("Authorization", a.auth)
		}
		resp, err := a.api.client.Do(req)
		if err != nil {
			_, err = classifyHTTPError(ctx, err)
			errs = append(errs, fmt.Errorf("GET %s: %w", a.shown[i], err))
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			errs = append(errs, fmt.Errorf("GET %s: HTTP %s", a.shown[i], resp.Status))
		}
	}
	if len(errs) > 0 {
		return a.redact.Error(fmt.Errorf("alertmanager: %w", errors.Join(errs...)))
	}
	return nil
}
