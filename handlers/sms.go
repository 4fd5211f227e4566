package handlers

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"text/template"
	"time"

	twilio "github.com/twilio/twilio-go/client"
	twilioapi "github.com/twilio/twilio-go/rest/api/v2010"

	"serverstats/alerts"
	"serverstats/config"
	"serverstats/handlers/message"
)

// SMS sends each group as one text message of at most 160 GSM-7
// characters to every To number, through Twilio's Messages API
// (github.com/twilio/twilio-go), from a number (From) or a messaging
// service (MessagingServiceSID).
//
// Retry: timeouts, network errors, HTTP 408, 429 and 5xx are temporary;
// other 4xx replies (invalid number, bad credentials) are permanent and
// reported with Twilio's error code and message.
//
// Several numbers: Twilio has one API call per number. Send tries every
// number, also after one failed, notes one receipt per number (the message
// SID and status, or the error; a 4xx other than 408 and 429 marks the
// number refused for good), and returns retry=true when any failure was
// temporary. The dispatcher keeps the numbers done with (delivered or
// refused) with the message and passes them to the next attempt, which
// skips them: a retry goes only to the numbers that failed temporarily.
// The error names the numbers reached.
type SMS struct {
	name       string
	accountSID string
	authToken  string
	from       string // sender number, or ""
	service    string // messaging service SID, or ""
	to         []string
	api        *url.URL // where requests for api.twilio.com go
	body       *template.Template
	timeout    time.Duration
	transport  http.RoundTripper
	redact     *Redactor
	log        *slog.Logger
}

var _ Handler = (*SMS)(nil)

// twilioHost is the host twilio-go sends Messages API requests to.
const twilioHost = "api.twilio.com"

// twilioCredential is what twilio-go accepts as account SID and auth token.
var twilioCredential = regexp.MustCompile(`^[A-Za-z0-9]+$`)

func newSMS(h *config.Handler, env Env) (Handler, error) {
	fail := func(err error) (Handler, error) { return nil, fmt.Errorf("handler %q: %w", h.Name, err) }
	s := &SMS{
		name: h.Name, from: h.From, service: h.MessagingServiceSID, to: slices.Clone(h.To),
		timeout: attemptTimeout(h.Timeout), log: env.logger(),
		transport: http.DefaultTransport.(*http.Transport).Clone(),
	}
	var err error
	if s.accountSID, err = ReadSecret(env.getenv, h.AccountSIDEnv, h.AccountSIDFile); err != nil {
		return fail(fmt.Errorf("account sid: %w", err))
	}
	if s.authToken, err = ReadSecret(env.getenv, h.AuthTokenEnv, h.AuthTokenFile); err != nil {
		return fail(fmt.Errorf("auth token: %w", err))
	}
	s.redact = NewRedactor(s.authToken, s.accountSID+":"+s.authToken)
	if !twilioCredential.MatchString(s.accountSID) {
		return fail(fmt.Errorf("account sid from %s: must be letters and digits only (e.g. AC0123...)", cmp.Or(h.AccountSIDEnv, h.AccountSIDFile)))
	}
	if !twilioCredential.MatchString(s.authToken) {
		return fail(fmt.Errorf("auth token from %s: must be letters and digits only", cmp.Or(h.AuthTokenEnv, h.AuthTokenFile)))
	}
	if (s.from == "") == (s.service == "") {
		return fail(errors.New("set exactly one of from and messaging-service-sid"))
	}
	if len(s.to) == 0 {
		return fail(errors.New("no to numbers"))
	}
	apiURL := cmp.Or(h.APIURL, config.DefaultTwilioAPI)
	if s.api, err = url.Parse(apiURL); err != nil || (s.api.Scheme != "http" && s.api.Scheme != "https") || s.api.Host == "" {
		return fail(fmt.Errorf("api-url %q: not an http(s) URL", apiURL))
	}
	if s.body, err = parsed(h.BodyTmpl, "body", h.Body); err != nil {
		return fail(err)
	}
	return s, nil
}

// Send implements Handler: one SMS to each To number, all within the
// handler's timeout.
func (s *SMS) Send(ctx context.Context, ns []alerts.Notification) (bool, error) {
	text, err := message.SMS(s.body, message.New(s.name, ns))
	if err != nil {
		return false, s.redact.Error(fmt.Errorf("sms: %w", err))
	}
	ctx, cancel := attemptContext(ctx, s.timeout)
	defer cancel()
	api, rt := s.client(ctx)

	var delivered, failures []string
	retry := false
	for _, to := range s.to {
		if alreadyDone(ctx, to) {
			continue // an earlier attempt delivered it, or Twilio refused the number for good
		}
		if ctx.Err() != nil {
			failures = append(failures, fmt.Sprintf("to %s: not sent: %v", to, context.Cause(ctx)))
			noteReceipt(ctx, Receipt{Recipient: to, Err: fmt.Sprintf("not sent: %v", context.Cause(ctx))})
			retry = true
			continue
		}
		params := (&twilioapi.CreateMessageParams{}).SetTo(to).SetBody(text)
		if s.from != "" {
			params.SetFrom(s.from)
		} else {
			params.SetMessagingServiceSid(s.service)
		}
		rt.status, rt.body = 0, nil
		start := time.Now()
		m, err := api.CreateMessage(params)
		if rt.status >= 200 && rt.status < 300 {
			// Twilio took it; an unreadable reply does not make it undelivered.
			sid, status := "", ""
			if m != nil && m.Sid != nil {
				sid = *m.Sid
			}
			if m != nil && m.Status != nil {
				status = *m.Status
			}
			attrs := []any{"handler", s.name, "to", to, "sid", sid, "status", status, "duration", time.Since(start).Round(time.Millisecond)}
			if err != nil {
				attrs = append(attrs, "reply_error", s.redact.String(err.Error()))
			}
			s.log.Debug("sms delivered", attrs...)
			noteReceipt(ctx, Receipt{Recipient: to, Text: strings.TrimSpace(fmt.Sprintf("HTTP %d sid %s status %s", rt.status, sid, status))})
			delivered = append(delivered, to)
			continue
		}
		r, err := s.classify(ctx, rt, err)
		retry = retry || r
		failures = append(failures, fmt.Sprintf("to %s: %v", to, err))
		noteReceipt(ctx, Receipt{Recipient: to, Err: s.redact.String(err.Error()), Permanent: !r})
	}
	if len(failures) == 0 {
		return false, nil
	}
	msg := "sms: " + strings.Join(failures, "; ")
	if len(delivered) > 0 {
		msg += fmt.Sprintf(" (delivered to %s)", strings.Join(delivered, ", "))
	}
	return retry, s.redact.Error(errors.New(msg))
}

// client returns the Messages API of twilio-go for one attempt: requests
// go through rt, which sends them to s.api within ctx.
func (s *SMS) client(ctx context.Context) (*twilioapi.ApiService, *twilioTransport) {
	rt := &twilioTransport{ctx: ctx, base: s.transport, api: s.api}
	c := &twilio.Client{
		Credentials: twilio.NewCredentials(s.accountSID, s.authToken),
		HTTPClient: &http.Client{
			Transport:     rt,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	c.SetAccountSid(s.accountSID)
	rh := twilio.NewRequestHandler(c)
	// NewRequestHandler reads TWILIO_EDGE and TWILIO_REGION from the
	// environment and would send to e.g. api.sydney.au1.twilio.com: the
	// config's api-url alone decides where requests go.
	rh.Edge, rh.Region = "", ""
	return twilioapi.NewApiService(rh), rt
}

// classify tells whether a failed API call is worth retrying and describes
// the failure: Twilio's error code and message, the HTTP status, or the
// network error.
func (s *SMS) classify(ctx context.Context, rt *twilioTransport, err error) (bool, error) {
	if ctx.Err() != nil {
		return true, context.Cause(ctx)
	}
	status := rt.status
	var restErr *twilio.TwilioRestError
	if errors.As(err, &restErr) {
		status = cmp.Or(status, restErr.Status)
		err = fmt.Errorf("twilio error %d: %s (HTTP %d)", restErr.Code, restErr.Message, status)
	} else if status != 0 {
		err = fmt.Errorf("HTTP %d %s: %s", status, http.StatusText(status), snippet(rt.body))
	} else {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return true, fmt.Errorf("post to %s: %w", redactURL(s.api), err)
	}
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500, err
}

// twilioTransport sends the requests twilio-go makes for api.twilio.com to
// api (scheme, host and path prefix), within ctx (twilio-go makes its
// requests without a context). It records the status of the last response
// and keeps the body of an error response.
type twilioTransport struct {
	ctx    context.Context
	base   http.RoundTripper
	api    *url.URL
	status int
	body   []byte // of the last non-2xx response
}

// RoundTrip implements http.RoundTripper.
func (t *twilioTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != twilioHost {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("refusing request to unexpected host %q", req.URL.Host)
	}
	r := req.Clone(t.ctx)
	r.URL.Scheme, r.URL.Host = t.api.Scheme, t.api.Host
	r.URL.Path = strings.TrimSuffix(t.api.Path, "/") + req.URL.Path
	r.URL.RawPath = ""
	r.Host = ""
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	t.status = resp.StatusCode
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		// twilio-go does not close the body of an error response: read it
		// here, so the connection can be reused, and keep it for the error.
		t.body, _ = io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(t.body))
	}
	return resp, nil
}
