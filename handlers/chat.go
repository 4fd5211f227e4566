package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"text/template"
	"time"

	"serverstats/alerts"
	"serverstats/config"
	"serverstats/handlers/message"
)

// What the chat and paging handlers (slack, teams, ntfy, telegram,
// pushover; pagerduty in part) share: the message as a title and a text cut
// to the provider's limits, the group's level, their secrets, and one POST
// that notes its receipt.

// chatTemplates are a handler's subject and body templates (nil: default).
type chatTemplates struct {
	subject, body *template.Template
}

func newChatTemplates(h *config.Handler) (chatTemplates, error) {
	var c chatTemplates
	var err error
	if c.subject, err = parsed(h.SubjectTmpl, "subject", h.Subject); err != nil {
		return c, err
	}
	c.body, err = parsed(h.BodyTmpl, "body", h.Body)
	return c, err
}

// render returns the group's title (the subject template, or the Summary)
// and text (the body template, or message.Text's default), cut to
// titleMax and textMax bytes.
func (c chatTemplates) render(d message.Data, titleMax, textMax int) (title, text string, err error) {
	title = d.Summary
	if c.subject != nil {
		if title, err = message.Subject(c.subject, d); err != nil {
			return "", "", err
		}
	}
	if text, err = message.Text(c.body, d); err != nil {
		return "", "", err
	}
	if strings.TrimSpace(title) == "" { // providers refuse an empty title
		title = "serverstats"
	}
	return message.Truncate(title, titleMax, "..."), message.Truncate(text, textMax, "\n..."), nil
}

// Levels of a group, most urgent first: what priorities and colours map from.
const (
	levelCritical = "critical" // a critical rule fires
	levelWarning  = "warning"  // a warning rule fires
	levelUnknown  = "unknown"  // a command failed or a value could not be judged
	levelResolved = "resolved" // everything told is over
)

// groupLevel is the most urgent level of the notifications of ns.
func groupLevel(ns []alerts.Notification) string {
	rank := map[string]int{levelCritical: 0, levelWarning: 1, levelUnknown: 2, levelResolved: 3}
	best := levelResolved
	for _, n := range ns {
		l := notificationLevel(n)
		if rank[l] < rank[best] {
			best = l
		}
	}
	return best
}

// notificationLevel is the level of one notification.
func notificationLevel(n alerts.Notification) string {
	switch n.Status {
	case alerts.StatusResolved:
		return levelResolved
	case alerts.StatusUnknown:
		return levelUnknown
	case alerts.StatusSummary:
		if n.Omitted[alerts.StatusFiring]+n.Omitted[alerts.StatusReminder] == 0 {
			return levelUnknown
		}
	}
	if n.Severity == alerts.SeverityCritical {
		return levelCritical
	}
	return levelWarning
}

// readSecrets reads a handler's secrets (pairs of an environment variable
// and a file, as the config names them), adding each to redact. Errors
// name the secret and where it was looked for, never a value.
func readSecrets(env Env, redact *Redactor, pairs ...secretSource) error {
	for _, p := range pairs {
		if p.env == "" && p.file == "" && p.optional {
			continue
		}
		v, err := ReadSecret(env.getenv, p.env, p.file)
		if err != nil {
			return fmt.Errorf("%s: %w", p.what, err)
		}
		*p.dst = v
		redact.Add(v)
	}
	return nil
}

// secretSource is one secret of a handler: where it is and where it goes.
type secretSource struct {
	what      string // "url", "routing key"
	env, file string
	dst       *string
	optional  bool
}

// httpURL checks that s is an http(s) URL; what names it in the error.
func httpURL(s, what string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s: not an http(s) URL", what)
	}
	return u, nil
}

// chatPost is one POST of a chat handler within its attempt timeout, with
// its receipt noted: the HTTP status and what the provider said (receipt
// returns the id or word of a success, and explains a failure). Errors and
// receipts go through redact.
type chatPost struct {
	api       httpAPI
	target    string
	recipient string // for the receipt: a chat id, a topic; "" for the channel
	redact    *Redactor
}

// send POSTs body; receipt reads the reply: the provider's id of the
// message (or "") when it is a success, else the provider's explanation.
func (c chatPost) send(ctx context.Context, contentType string, body []byte, headers map[string]string,
	receipt func(apiReply) (id string, ok bool, detail string)) (bool, error) {
	if c.recipient != "" && alreadyDone(ctx, c.recipient) {
		return false, nil // an earlier attempt delivered it, or it was refused for good
	}
	r, retry, err := c.api.post(ctx, c.target, contentType, body, headers)
	if err != nil {
		err = c.redact.Error(err)
		noteReceipt(ctx, Receipt{Recipient: c.recipient, Err: err.Error(), Permanent: !retry})
		return retry, err
	}
	id, ok, detail := receipt(r)
	if r.ok() && ok {
		text := "HTTP " + r.text
		if id != "" {
			text += " " + id
		}
		noteReceipt(ctx, Receipt{Recipient: c.recipient, Text: c.redact.String(text)})
		return false, nil
	}
	if r.ok() { // 200 with a refusal inside (Telegram's "ok": false)
		r.status = 400
	}
	retry, err = c.api.failure(c.target, r, detail)
	err = c.redact.Error(err)
	noteReceipt(ctx, Receipt{Recipient: c.recipient, Text: c.redact.String("HTTP " + r.text), Err: err.Error(), Permanent: !retry})
	return retry, err
}

// jsonReply decodes a reply's body into v, ignoring what does not fit.
func jsonReply(r apiReply, v any) { _ = json.Unmarshal(r.body, v) }

// marshal encodes v without HTML escaping ("> 90" stays readable).
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// since is a duration for a debug line.
func since(start time.Time) time.Duration { return time.Since(start).Round(time.Millisecond) }

// channel is what each chat and paging handler has: its name, templates,
// attempt timeout, endpoint (with the redactor of its secrets) and logger.
type channel struct {
	name    string
	tmpl    chatTemplates
	timeout time.Duration
	post    chatPost
	log     *slog.Logger
}

// newChannel starts a handler of kind ("slack") from its config; the
// caller sets post.target and reads its secrets into post.redact.
func newChannel(h *config.Handler, env Env, kind string) (channel, error) {
	c := channel{name: h.Name, timeout: attemptTimeout(h.Timeout), log: env.logger(),
		post: chatPost{api: newHTTPAPI(kind), redact: NewRedactor()}}
	tmpl, err := newChatTemplates(h)
	if err != nil {
		return c, fmt.Errorf("handler %q: %w", h.Name, err)
	}
	c.tmpl = tmpl
	return c, nil
}

// deliver is one POST within the attempt timeout, logged when delivered.
func (c channel) deliver(ctx context.Context, contentType string, body []byte, headers map[string]string,
	receipt func(apiReply) (string, bool, string)) (bool, error) {
	ctx, cancel := attemptContext(ctx, c.timeout)
	defer cancel()
	start := time.Now()
	retry, err := c.post.send(ctx, contentType, body, headers, receipt)
	if err == nil {
		c.log.Debug(c.post.api.kind+" delivered", "handler", c.name, "duration", since(start))
	}
	return retry, err
}

// fail wraps an error of rendering or encoding a message: permanent.
func (c channel) fail(err error) (bool, error) {
	return false, c.post.redact.Error(fmt.Errorf("%s: %w", c.post.api.kind, err))
}
