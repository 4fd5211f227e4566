package handlers

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"serverstats/alerts"
	"serverstats/config"
	"serverstats/handlers/message"
)

// Pushover sends each group as one notification through Pushover's
// Messages API (POST https://api.pushover.net/1/messages.json, a form with
// token, user, title, message, priority, timestamp): the title is the
// subject template or the Summary (at most 250 characters), the message
// the body template or the default text body (at most 1024). Priority: 1
// (high, bypasses quiet hours) for a critical alert, 0 for a warning or an
// unknown, -1 (quiet) when all is resolved.
//
// The application token and the user (or group) key are read from
// token-env/-file and user-key-env/-file and redacted from errors and logs.
//
// Retry: {"status":1} is delivered; 429, 5xx, timeouts and network errors
// are temporary; 4xx ({"status":0,"errors":["user identifier is
// invalid"]}) are permanent, reported with Pushover's errors.
type Pushover struct {
	channel
	token, user string
}

var _ Handler = (*Pushover)(nil)

// Pushover's limits.
const (
	pushoverTitleMax   = 250
	pushoverMessageMax = 1024
)

func newPushover(h *config.Handler, env Env) (Handler, error) {
	c, err := newChannel(h, env, "pushover")
	if err != nil {
		return nil, err
	}
	p := &Pushover{channel: c}
	api := h.APIURL
	if api == "" {
		api = config.DefaultPushoverAPI
	}
	if _, err := httpURL(api, "api-url"); err != nil {
		return nil, fmt.Errorf("handler %q: %w", h.Name, err)
	}
	p.post.target = strings.TrimSuffix(api, "/") + "/1/messages.json"
	if err := readSecrets(env, p.post.redact,
		secretSource{what: "token", env: h.TokenEnv, file: h.TokenFile, dst: &p.token},
		secretSource{what: "user key", env: h.UserKeyEnv, file: h.UserKeyFile, dst: &p.user}); err != nil {
		return nil, fmt.Errorf("handler %q: %w", h.Name, err)
	}
	return p, nil
}

// pushoverPriority is the priority of a group, by level.
var pushoverPriority = map[string]int{levelCritical: 1, levelWarning: 0, levelUnknown: 0, levelResolved: -1}

// Send implements Handler: one notification with the whole group.
func (p *Pushover) Send(ctx context.Context, ns []alerts.Notification) (bool, error) {
	title, text, err := p.tmpl.render(message.New(p.name, ns), pushoverTitleMax, pushoverMessageMax)
	if err != nil {
		return p.fail(err)
	}
	form := url.Values{
		"token": {p.token}, "user": {p.user}, "title": {title}, "message": {text},
		"priority": {strconv.Itoa(pushoverPriority[groupLevel(ns)])},
	}
	var latest time.Time
	for _, n := range ns {
		if n.Time.After(latest) {
			latest = n.Time
		}
	}
	if !latest.IsZero() {
		form.Set("timestamp", strconv.FormatInt(latest.Unix(), 10))
	}
	return p.deliver(ctx, "application/x-www-form-urlencoded", []byte(form.Encode()), nil, func(r apiReply) (string, bool, string) {
		var reply struct {
			Status  int      `json:"status"`
			Request string   `json:"request"`
			Errors  []string `json:"errors"`
		}
		jsonReply(r, &reply)
		if reply.Status == 1 {
			return "request=" + reply.Request, true, ""
		}
		return "", false, strings.Join(reply.Errors, "; ")
	})
}
