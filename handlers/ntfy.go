package handlers

import (
	"context"
	"fmt"
	"mime"
	"strings"

	"serverstats/alerts"
	"serverstats/config"
	"serverstats/handlers/message"
)

// Ntfy publishes each group to a topic of an ntfy server (https://ntfy.sh
// or your own): a POST to URL/TOPIC whose body is the text (body template
// or the default text body, at most 4096 bytes: ntfy makes a longer one an
// attachment) with the headers Title (subject template or Summary),
// Priority (urgent for a critical alert, high for a warning, default for
// an unknown, low when all is resolved) and Tags (an emoji by level).
//
// An access token (token-env or token-file, optional on a public server)
// goes in Authorization: Bearer and is redacted from errors and logs.
//
// Retry (as webhook): 2xx is delivered; 408, 429, 5xx, timeouts and
// network errors are temporary; other 4xx are permanent, reported with
// ntfy's error.
type Ntfy struct {
	channel
	token string
}

var _ Handler = (*Ntfy)(nil)

// ntfyMessageMax is the largest message ntfy shows as text.
const ntfyMessageMax = 4096

func newNtfy(h *config.Handler, env Env) (Handler, error) {
	c, err := newChannel(h, env, "ntfy")
	if err != nil {
		return nil, err
	}
	n := &Ntfy{channel: c}
	n.post.recipient = h.Topic
	base := h.URL
	if base == "" {
		base = config.DefaultNtfyURL
	}
	if _, err := httpURL(base, "url"); err != nil {
		return nil, fmt.Errorf("handler %q: %w", h.Name, err)
	}
	if h.Topic == "" {
		return nil, fmt.Errorf("handler %q: no topic", h.Name)
	}
	n.post.target = strings.TrimSuffix(base, "/") + "/" + h.Topic
	if err := readSecrets(env, n.post.redact, secretSource{what: "token", env: h.TokenEnv, file: h.TokenFile, dst: &n.token, optional: true}); err != nil {
		return nil, fmt.Errorf("handler %q: %w", h.Name, err)
	}
	return n, nil
}

// ntfy's priority and tags (emoji shortcodes) of a group, by level.
var (
	ntfyPriority = map[string]string{levelCritical: "urgent", levelWarning: "high", levelUnknown: "default", levelResolved: "low"}
	ntfyTags     = map[string]string{levelCritical: "rotating_light", levelWarning: "warning", levelUnknown: "question", levelResolved: "white_check_mark"}
)

// Send implements Handler: one message with the whole group.
func (n *Ntfy) Send(ctx context.Context, ns []alerts.Notification) (bool, error) {
	title, text, err := n.tmpl.render(message.New(n.name, ns), 250, ntfyMessageMax)
	if err != nil {
		return n.fail(err)
	}
	level := groupLevel(ns)
	headers := map[string]string{
		// A header is ASCII: ntfy decodes RFC 2047 encoded words.
		"Title":    mime.BEncoding.Encode("UTF-8", title),
		"Priority": ntfyPriority[level],
		"Tags":     ntfyTags[level],
	}
	if n.token != "" {
		headers["Authorization"] = "Bearer " + n.token
	}
	return n.deliver(ctx, "text/plain; charset=utf-8", []byte(text), headers, func(r apiReply) (string, bool, string) {
		var reply struct {
			ID    string `json:"id"`
			Error string `json:"error"`
			Code  int    `json:"code"`
		}
		jsonReply(r, &reply)
		if r.ok() {
			return "id=" + reply.ID, true, ""
		}
		if reply.Error == "" {
			return "", false, ""
		}
		return "", false, fmt.Sprintf("%s (code %d)", reply.Error, reply.Code)
	})
}
