package handlers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// httpAPI is what the HTTP handlers (webhook, slack, teams, pagerduty,
// ntfy, telegram, pushover) share: one client that follows no redirect,
// one POST per call, and one retry classification (retryStatus,
// classifyHTTPError). Errors show the endpoint as scheme://host only: its
// path may hold a secret (a Slack webhook's, a Telegram bot token).
type httpAPI struct {
	kind   string // "slack": the first word of its errors
	client *http.Client
}

func newHTTPAPI(kind string) httpAPI {
	return httpAPI{kind: kind, client: &http.Client{
		Transport:     http.DefaultTransport.(*http.Transport).Clone(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// apiReply is an HTTP answer: its status and the start of its body.
type apiReply struct {
	status int
	proto  string // "HTTP/1.1"
	text   string // "202 Accepted"
	body   []byte // at most 64 KiB
}

func (r apiReply) ok() bool { return r.status >= 200 && r.status < 300 }

// post sends body to target with the given headers (User-Agent serverstats
// unless set) within ctx. An error is a request that got no answer: retry
// tells whether a later attempt may get one. The error names target as
// scheme://host only.
func (a httpAPI) post(ctx context.Context, target, contentType string, body []byte, headers map[string]string) (apiReply, bool, error) {
	shown := target
	if u, err := url.Parse(target); err == nil {
		shown = redactURL(u)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return apiReply{}, false, fmt.Errorf("%s: POST %s: bad request", a.kind, shown)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", userAgent)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		retry, err := classifyHTTPError(ctx, err)
		return apiReply{}, retry, fmt.Errorf("%s: POST %s: %w", a.kind, shown, err)
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return apiReply{status: resp.StatusCode, proto: resp.Proto, text: resp.Status, body: b}, false, nil
}

// failure describes a non-2xx reply: "KIND: POST scheme://host: HTTP 400
// Bad Request: DETAIL", DETAIL being what the provider said (or the start
// of the body), and whether to retry it (retryStatus).
func (a httpAPI) failure(target string, r apiReply, detail string) (bool, error) {
	shown := target
	if u, err := url.Parse(target); err == nil {
		shown = redactURL(u)
	}
	err := fmt.Errorf("%s: POST %s: HTTP %s", a.kind, shown, r.text)
	if detail == "" {
		detail = snippet(r.body)
	}
	if detail != "" {
		err = fmt.Errorf("%w: %s", err, detail)
	}
	if r.status >= 300 && r.status < 400 {
		err = fmt.Errorf("%w (redirects are not followed: set url to the final address)", err)
	}
	return retryStatus(r.status), err
}
