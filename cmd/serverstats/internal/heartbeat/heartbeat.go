// Package heartbeat pings a dead man's switch for serverstats itself, in
// the Healthchecks.io API: POST <url>/start when a scheduled run starts,
// <url> when it ends having checked everything, <url>/<code> when it did
// not (3: a host or rule could not be checked; 4: the state file could not
// be used). A rule that fires is the monitor working: a success ping. The
// start and end pings of one run carry the same ?rid= so that the service
// pairs them.
//
// A ping has a short timeout; one that fails is logged (redacted: the URL
// is the check's credential) and never fails nor blocks the run.
package heartbeat

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"serverstats/config"
	"serverstats/handlers"
)

// Pinger pings one heartbeat URL. A nil *Pinger pings nothing.
type Pinger struct {
	base    string
	timeout time.Duration
	client  *http.Client
	log     *slog.Logger
	redact  *handlers.Redactor
}

// New returns the Pinger of cfg's heartbeat: nil, nil when none is
// configured; nil and an error (without the URL) when its URL cannot be
// read from the environment or the file.
func New(cfg *config.Config, getenv func(string) string, log *slog.Logger) (*Pinger, error) {
	hb := cfg.Heartbeat
	if !hb.Enabled() {
		return nil, nil
	}
	base := hb.URL
	if base == "" {
		var err error
		if base, err = handlers.ReadSecret(getenv, hb.URLEnv, hb.URLFile); err != nil {
			return nil, fmt.Errorf("heartbeat: %w; no heartbeat is sent", err)
		}
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("heartbeat: the URL read from " + hb.URLEnv + hb.URLFile + " is not an http(s) URL; no heartbeat is sent")
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Pinger{
		base: base, timeout: hb.Timeout, log: log,
		redact: handlers.NewRedactor(handlers.ConfigSecrets(cfg, getenv)...),
		// No redirects: a ping answered by a redirect is a wrong URL, not a
		// reason to send the token elsewhere.
		client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}, nil
}

// URL is the ping URL of kind "start", or of an outcome (code 0: success,
// else "/<code>"), with the run id rid.
func URL(base, kind string, code int, rid string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	suffix := ""
	switch {
	case kind == "start":
		suffix = "/start"
	case code != 0:
		suffix = fmt.Sprintf("/%d", code)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + suffix
	if u.RawPath != "" {
		u.RawPath = strings.TrimSuffix(u.RawPath, "/") + suffix
	}
	if rid != "" {
		q := u.Query()
		q.Set("rid", rid)
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Start pings <url>/start for the run rid.
func (p *Pinger) Start(ctx context.Context, rid string) {
	if p == nil {
		return
	}
	p.send(ctx, URL(p.base, "start", 0, rid), "")
}

// Finish pings the outcome of the run rid: code 0 is success, else
// <url>/<code>; body says what happened (the service shows it).
func (p *Pinger) Finish(ctx context.Context, rid string, code int, body string) {
	if p == nil {
		return
	}
	p.send(ctx, URL(p.base, "", code, rid), body)
}

// send makes one POST within the timeout; a failure is logged.
func (p *Pinger) send(ctx context.Context, u, body string) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(p.redact.String(body)))
	if err != nil {
		p.log.Warn("heartbeat ping not sent", "error", p.redact.String(err.Error()))
		return
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	resp, err := p.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL
		}
		p.log.Warn("heartbeat ping failed; the run goes on", "error", p.redact.String(err.Error()))
		return
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		p.log.Warn("heartbeat ping refused; the run goes on", "status", resp.Status, "reply", p.redact.String(string(bytes.TrimSpace(reply))))
	}
}

// NewRID is a random run id (a version 4 UUID, as Healthchecks wants).
func NewRID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
