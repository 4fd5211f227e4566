package handlers

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"

	"serverstats/config"
)

// ReadSecret returns the secret held in the environment variable envVar
// (looked up with getenv) or in the file path: exactly one of them should
// be set. A file loses its trailing newline ("\n" or "\r\n"). Errors name
// the variable or the file, never the value: an unset or empty variable, a
// missing, unreadable or empty file.
func ReadSecret(getenv func(string) string, envVar, path string) (string, error) {
	switch {
	case envVar != "" && path != "":
		return "", fmt.Errorf("both environment variable %s and file %s are given: use one", envVar, path)
	case envVar != "":
		if getenv == nil {
			getenv = os.Getenv
		}
		v := getenv(envVar)
		if v == "" {
			return "", fmt.Errorf("environment variable %s is not set", envVar)
		}
		return v, nil
	case path != "":
		b, err := os.ReadFile(path)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				return "", fmt.Errorf("read secret file %s: %w", path, pe.Err)
			}
			return "", fmt.Errorf("read secret file %s: %w", path, err)
		}
		s := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
		if s == "" {
			return "", fmt.Errorf("secret file %s is empty", path)
		}
		return s, nil
	}
	return "", errors.New("no environment variable or file given")
}

// Redacted replaces each secret in redacted text.
const Redacted = "[REDACTED]"

// Redactor removes secret values from text: every error a handler returns
// and every line it logs goes through one, and so do errors of libraries
// that may echo credentials (an SMTP server's reply, an HTTP error body).
// Besides the values themselves it removes their base64, URL-query and
// URL-path encodings, which is how credentials travel in SMTP AUTH and
// HTTP basic auth. The zero Redactor and a nil one redact nothing.
type Redactor struct {
	secrets []string // longest first, so that a secret containing another goes whole
}

// NewRedactor returns a Redactor for the given secrets; empty ones are
// ignored.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add adds secrets, with their encodings.
func (r *Redactor) Add(secrets ...string) {
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, v := range []string{
			s,
			base64.StdEncoding.EncodeToString([]byte(s)),
			strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(s)), "="),
			base64.URLEncoding.EncodeToString([]byte(s)),
			url.QueryEscape(s),
			url.PathEscape(s),
		} {
			if v != "" && !slices.Contains(r.secrets, v) {
				r.secrets = append(r.secrets, v)
			}
		}
	}
	slices.SortStableFunc(r.secrets, func(a, b string) int { return len(b) - len(a) })
}

// String returns s with every secret replaced by Redacted.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	for _, v := range r.secrets {
		s = strings.ReplaceAll(s, v, Redacted)
	}
	return s
}

// Error returns err with its message redacted, or nil for nil. The result
// does not unwrap to err (whose message may hold a secret): it unwraps only
// to context.Canceled and context.DeadlineExceeded, when err does, so that
// callers can still tell a cancelled attempt.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	re := &redactedError{msg: r.String(err.Error())}
	for _, sentinel := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, sentinel) {
			re.causes = append(re.causes, sentinel)
		}
	}
	return re
}

// redactedError is an error whose message has been redacted.
type redactedError struct {
	msg    string
	causes []error
}

func (e *redactedError) Error() string   { return e.msg }
func (e *redactedError) Unwrap() []error { return e.causes }

// ConfigSecrets reads every secret cfg names, as the handlers and probes
// will (getenv nil means os.Getenv): the SMTP passwords, the Twilio
// account SIDs and tokens, the webhooks' secret headers and URL
// credentials, the Slack and Teams webhook URLs, the PagerDuty routing keys,
// the ntfy, Telegram and Pushover tokens and Pushover user keys, the url: probes' secret headers. A secret that cannot be
// read is skipped (its handler or probe fails with the reason). What the
// result redacts is what must never reach a log, --json or the outbox,
// also when another program echoes it (an exec handler's stderr).
func ConfigSecrets(cfg *config.Config, getenv func(string) string) []string {
	var out []string
	read := func(envVar, path string) string {
		if envVar == "" && path == "" {
			return ""
		}
		v, err := ReadSecret(getenv, envVar, path)
		if err != nil {
			return ""
		}
		out = append(out, v)
		return v
	}
	readAll := func(envs, files map[string]string) {
		for _, e := range envs {
			read(e, "")
		}
		for _, f := range files {
			read("", f)
		}
	}
	for _, h := range cfg.Handlers {
		switch h.Type {
		case "email":
			if pw := read(h.PasswordEnv, h.PasswordFile); pw != "" && h.Username != "" {
				out = append(out, "\x00"+h.Username+"\x00"+pw)
			}
		case "sms":
			sid, tok := read(h.AccountSIDEnv, h.AccountSIDFile), read(h.AuthTokenEnv, h.AuthTokenFile)
			if sid != "" && tok != "" {
				out = append(out, sid+":"+tok)
			}
		case "alertmanager":
			if tok := read(h.AuthTokenEnv, h.AuthTokenFile); tok != "" && h.Username != "" {
				out = append(out, h.Username+":"+tok)
			}
		case "webhook":
			readAll(h.HeaderEnv, h.HeaderFile)
			for k, v := range h.Headers {
				if len(v) >= 6 || sensitiveHeader.MatchString(k) {
					out = append(out, v)
				}
			}
			out = append(out, urlSecrets(h.URL)...)
		case "slack", "teams":
			if u, err := url.Parse(read(h.URLEnv, h.URLFile)); err == nil && u.Host != "" {
				out = append(out, secretURLParts(u)...)
			}
		case "pagerduty":
			read(h.RoutingKeyEnv, h.RoutingKeyFile)
		case "ntfy", "pushover":
			read(h.TokenEnv, h.TokenFile)
			read(h.UserKeyEnv, h.UserKeyFile)
		case "telegram":
			if tok := read(h.TokenEnv, h.TokenFile); tok != "" {
				out = append(out, "bot"+tok)
			}
		}
	}
	for _, c := range cfg.Commands {
		if c.HTTP != nil {
			readAll(c.HTTP.HeaderEnv, c.HTTP.HeaderFile)
		}
	}
	if hb := cfg.Heartbeat; hb.Enabled() {
		// The ping URL is the check's credential: anyone holding it can
		// silence the dead man's switch.
		u := hb.URL
		if u == "" {
			u = read(hb.URLEnv, hb.URLFile)
		} else {
			out = append(out, u)
		}
		out = append(out, urlSecrets(u)...)
	}
	return out
}

// urlSecrets are the parts of a URL that carry credentials: its password,
// its path (a ping or webhook token, as written and escaped), its query
// and the query's values.
func urlSecrets(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		return nil
	}
	var out []string
	if p, ok := u.User.Password(); ok {
		out = append(out, p)
	}
	if len(u.Path) > 1 {
		out = append(out, u.Path, u.EscapedPath())
	}
	if u.RawQuery != "" {
		out = append(out, u.RawQuery)
	}
	for _, vs := range u.Query() {
		out = append(out, vs...)
	}
	return out
}
