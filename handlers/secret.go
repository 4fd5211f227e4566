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
