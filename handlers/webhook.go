package handlers

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"serverstats/alerts"
	"serverstats/config"
	"serverstats/handlers/message"
)

// Webhook POSTs each group as JSON (message.Payload) to a URL, with the config's
// extra headers (headers:, and header-env:/header-file: read from the
// environment or a file, e.g. Authorization), Content-Type application/json
// and User-Agent serverstats.
//
// Retry: 2xx is delivered; timeouts, network errors, 408, 429 and 5xx are
// temporary; certificate errors, redirects (3xx, not followed) and other
// 4xx are permanent.
//
// Header values (e.g. "Authorization: Bearer ...") and the URL's path,
// query and password may be secrets: errors show the URL as scheme://host
// only and never a header value, also when the server echoes them back
// (see sensitiveHeader).
type Webhook struct {
	name    string
	url     string
	shown   string // the URL as errors show it
	headers map[string]string
	timeout time.Duration
	api     httpAPI
	redact  *Redactor
	log     *slog.Logger
}

var _ Handler = (*Webhook)(nil)

// userAgent is the User-Agent of webhook requests.
const userAgent = "serverstats"

// sensitiveHeader matches the names of headers whose values are redacted
// however short; other values are redacted from 6 characters on (shorter
// ones, e.g. "X-Team: ops", would garble error messages and are no secret).
var sensitiveHeader = regexp.MustCompile(`(?i)auth|token|key|secret|pass|cookie|sign|session|credential`)

func newWebhook(h *config.Handler, env Env) (Handler, error) {
	u, err := url.Parse(h.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("handler %q: url: not an http(s) URL", h.Name)
	}
	w := &Webhook{
		name: h.Name, url: h.URL, shown: redactURL(u), headers: maps.Clone(h.Headers),
		timeout: attemptTimeout(h.Timeout), log: env.logger(), redact: NewRedactor(),
		api: newHTTPAPI("webhook"),
	}
	for k, v := range h.Headers {
		if len(v) >= 6 || sensitiveHeader.MatchString(k) {
			w.redact.Add(v)
		}
	}
	if w.headers == nil {
		w.headers = map[string]string{}
	}
	for _, src := range []struct {
		m      map[string]string
		secret func(string) (string, error)
	}{
		{h.HeaderEnv, func(v string) (string, error) { return ReadSecret(env.getenv, v, "") }},
		{h.HeaderFile, func(v string) (string, error) { return ReadSecret(env.getenv, "", v) }},
	} {
		for name, from := range src.m {
			v, err := src.secret(from)
			if err != nil {
				return nil, fmt.Errorf("handler %q: header %s: %w", h.Name, name, err)
			}
			w.headers[name] = v
			w.redact.Add(v)
		}
	}
	w.redact.Add(urlSecrets(h.URL)...)
	w.redact.Add(h.URL)
	return w, nil
}

// Send implements Handler: one POST with the whole group.
func (w *Webhook) Send(ctx context.Context, ns []alerts.Notification) (bool, error) {
	payload, err := message.JSON(message.New(w.name, ns))
	if err != nil {
		return false, w.redact.Error(fmt.Errorf("webhook: %w", err))
	}
	ctx, cancel := attemptContext(ctx, w.timeout)
	defer cancel()
	start := time.Now()
	r, retry, err := w.api.post(ctx, w.url, "application/json", payload, w.headers)
	if err != nil {
		return retry, w.redact.Error(err)
	}
	if r.ok() {
		w.log.Debug("webhook delivered", "handler", w.name, "url", w.shown, "status", r.status,
			"duration", time.Since(start).Round(time.Millisecond))
		noteReceipt(ctx, Receipt{Text: r.proto + " " + r.text})
		return false, nil
	}
	retry, err = w.api.failure(w.url, r, "")
	return retry, w.redact.Error(err)
}

// retryStatus tells whether an HTTP status is worth retrying: 408, 429
// and 5xx.
func retryStatus(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
}

// classifyHTTPError tells whether an error of http.Client.Do is worth
// retrying (all are, but certificate errors) and strips the URL from it.
func classifyHTTPError(ctx context.Context, err error) (bool, error) {
	if ctx.Err() != nil {
		return true, context.Cause(ctx)
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	var (
		certErr *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		badName x509.HostnameError
	)
	if errors.As(err, &certErr) || errors.As(err, &unknown) || errors.As(err, &badName) {
		return false, err
	}
	return true, err
}

// Helpers shared by the handlers.

// attemptTimeout is the handler's timeout, or the default when unset.
func attemptTimeout(d time.Duration) time.Duration {
	if d <= 0 {
		return config.DefaultHandlerTimeout
	}
	return d
}

// attemptContext bounds one delivery attempt; at the deadline its cause is
// "timed out after D", which is a context.DeadlineExceeded.
func attemptContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, timeout, timeoutError{timeout})
}

// timeoutError is the cause of an attempt's end at its timeout.
type timeoutError struct{ after time.Duration }

func (e timeoutError) Error() string        { return fmt.Sprintf("timed out after %s", e.after) }
func (e timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// logger returns env's logger, or one that discards.
func (env Env) logger() *slog.Logger {
	if env.Logger != nil {
		return env.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// getenv looks up an environment variable with env's Getenv, or the
// process environment.
func (env Env) getenv(name string) string {
	if env.Getenv != nil {
		return env.Getenv(name)
	}
	return os.Getenv(name)
}

// redactURL shows u as scheme://host, without the user, path and query
// that may hold a secret.
func redactURL(u *url.URL) string {
	return u.Scheme + "://" + u.Host
}

// snippet is the start of an HTTP response body for an error message: one
// line of valid UTF-8, at most 300 bytes.
func snippet(b []byte) string {
	return message.Truncate(strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "?")), " "), 300, "...")
}
