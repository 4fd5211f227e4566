// Package configcheck is what `serverstats check-config` says beyond the
// config's validity: the secrets this environment cannot read, and, with
// --probe, whether each handler can reach its provider and log in.
package configcheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"serverstats/cmd/serverstats/internal/check"
	"serverstats/cmd/serverstats/internal/heartbeat"
	"serverstats/config"
	"serverstats/handlers"
)

// SecretWarnings lists the secrets (handler credentials, probe headers)
// that cannot be read in this environment. They are read when used, so the
// config is valid; but where serverstats runs like this, those handlers
// cannot send and those probes are UNKNOWN.
func SecretWarnings(cfg *config.Config, getenv func(string) string) []string {
	var out []string
	for _, hc := range cfg.Handlers {
		if _, err := handlers.New(hc, handlers.Env{Stdout: io.Discard, Stderr: io.Discard, Getenv: getenv}); err != nil {
			out = append(out, fmt.Sprintf("%v (its messages would wait in the outbox)", err))
		}
	}
	for _, c := range cfg.Commands {
		if c.HTTP == nil {
			continue
		}
		check.SecretHeaders(c.HTTP, getenv, func(key, name, _ string, err error) {
			if err != nil {
				out = append(out, fmt.Sprintf("commands.%s.%s.%s: %v here (the probe would be UNKNOWN)", c.Name, key, name, err))
			}
		})
	}
	if _, err := heartbeat.New(cfg, getenv, nil); err != nil {
		out = append(out, err.Error())
	}
	slices.Sort(out)
	return out
}

// Probe checks every handler of cfg without sending (handlers.Probe: SMTP
// connect, STARTTLS and login; Twilio credentials) and prints one line per
// handler to w: "OK", "FAIL: reason", or "-" with why there is nothing to
// check. It reports whether none failed. Errors hold no secret (the
// handlers redact their own, redact the rest).
func Probe(ctx context.Context, cfg *config.Config, getenv func(string) string, w io.Writer) bool {
	redact := handlers.NewRedactor(handlers.ConfigSecrets(cfg, getenv)...)
	ok := true
	for _, hc := range cfg.Handlers {
		h, err := handlers.New(hc, handlers.Env{Stdout: io.Discard, Stderr: io.Discard, Getenv: getenv, Redact: redact})
		if err == nil {
			err = handlers.Probe(ctx, h)
		}
		switch {
		case errors.Is(err, handlers.ErrNoProbe):
			fmt.Fprintf(w, "probe %s (%s): - %v\n", hc.Name, hc.Type, err)
		case err != nil:
			ok = false
			fmt.Fprintf(w, "probe %s (%s): FAIL: %s\n", hc.Name, hc.Type, redact.String(err.Error()))
		default:
			fmt.Fprintf(w, "probe %s (%s): OK\n", hc.Name, hc.Type)
		}
	}
	return ok
}
