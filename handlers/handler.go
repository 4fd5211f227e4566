// Package handlers delivers notifications: print, and (later) email, SMS,
// exec and webhook. A handler makes one delivery attempt per call; the
// dispatcher owns retries.
package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"

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
	Getenv         func(string) string
}

// constructors maps a handler type to its constructor: adding a handler type
// means one new file and one line here.
var constructors = map[string]func(*config.Handler, Env) (Handler, error){
	"print": newPrint,
}

// New builds the handler a config entry describes.
func New(h *config.Handler, env Env) (Handler, error) {
	mk, ok := constructors[h.Type]
	if !ok {
		return nil, fmt.Errorf("handler %q: unknown type %q", h.Name, h.Type)
	}
	return mk(h, env)
}

// Delivery is the outcome of sending one group to one handler.
type Delivery struct {
	Handler string
	Count   int
	Retry   bool
	Err     error
}

// Dispatch sends each handler its group of notifications, one call per
// handler. A failing handler does not stop the others; every outcome is
// returned, in the order of names.
func Dispatch(ctx context.Context, hs map[string]Handler, names []string, groups map[string][]alerts.Notification) []Delivery {
	var out []Delivery
	for _, name := range names {
		ns := groups[name]
		if len(ns) == 0 {
			continue
		}
		d := Delivery{Handler: name, Count: len(ns)}
		h, ok := hs[name]
		if !ok {
			d.Err = errors.New("no such handler")
		} else {
			d.Retry, d.Err = safeSend(ctx, h, ns)
		}
		out = append(out, d)
	}
	return out
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
