// Package handlers delivers notifications: print, email, SMS (Twilio),
// exec, webhook, Slack, Teams, PagerDuty, ntfy, Telegram and Pushover, and drains the durable outbox (outbox.go). A handler makes one delivery attempt per call; the
// dispatcher owns retries.
package handlers

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"serverstats/alerts"
	"serverstats/config"
)

// Handler delivers a group of notifications as one message.
//
// Send returns retry=true when the failure is temporary (dial error,
// timeout, 5xx) and a later attempt may succeed; false when it is permanent
// (bad address, 4xx, template error).
type Handler interface {
	Send(ctx context.Context, ns []alerts.Notification) (retry bool, err error)
}

// Env is what constructors may use from the outside world.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string // nil: os.Getenv
	Logger         *slog.Logger        // debug lines of deliveries; nil: discarded
	// Redact holds every secret of the config (ConfigSecrets): what a
	// handler shows of another program's output (the exec handler's
	// stderr) goes through it. nil redacts nothing.
	Redact *Redactor
	// StatusURL is the status page, when the daemon listens: where the
	// alertmanager handler's generatorURL points. "" for none.
	StatusURL string
}

// constructors maps a handler type to its constructor: adding a handler type
// means one new file and one line here.
var constructors = map[string]func(*config.Handler, Env) (Handler, error){
	"print":        newPrint,
	"email":        newEmail,
	"sms":          newSMS,
	"exec":         newExec,
	"webhook":      newWebhook,
	"slack":        newSlack,
	"teams":        newTeams,
	"pagerduty":    newPagerDuty,
	"ntfy":         newNtfy,
	"telegram":     newTelegram,
	"pushover":     newPushover,
	"alertmanager": newAlertmanager,
}

// New builds the handler a config entry describes.
func New(h *config.Handler, env Env) (Handler, error) {
	mk, ok := constructors[h.Type]
	if !ok {
		return nil, fmt.Errorf("handler %q: unknown type %q", h.Name, h.Type)
	}
	return mk(h, env)
}

// safeSend turns a handler panic into an error so one bad handler cannot
// take the run down.
func safeSend(ctx context.Context, h Handler, ns []alerts.Notification) (retry bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			retry, err = false, fmt.Errorf("handler panicked: %v", r)
		}
	}()
	return h.Send(ctx, ns)
}
