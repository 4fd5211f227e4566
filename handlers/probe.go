package handlers

import (
	"context"
	"errors"
	"fmt"
)

// Prober is a handler that can check its credentials and its way to the
// provider without sending anything (check-config --probe).
type Prober interface {
	Probe(ctx context.Context) error
}

// ErrNoProbe is Probe's answer for a handler type that has nothing to
// check without sending.
var ErrNoProbe = errors.New("nothing to check without sending")

// Probe checks h without sending (see Prober).
func Probe(ctx context.Context, h Handler) error {
	p, ok := h.(Prober)
	if !ok {
		return ErrNoProbe
	}
	return p.Probe(ctx)
}

// Probe implements Prober: connect, EHLO, STARTTLS (or implicit TLS) and
// AUTH, then QUIT, within the handler's timeout; no MAIL is sent.
func (e *Email) Probe(ctx context.Context) error {
	ctx, cancel := attemptContext(ctx, e.timeout)
	defer cancel()
	client, err := e.client(ctx)
	if err != nil {
		return e.redact.Error(fmt.Errorf("email: %w", err))
	}
	sc, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		_, err = e.classify(ctx, err)
		return e.redact.Error(fmt.Errorf("email: %s: %w", e.addr, err))
	}
	_ = client.CloseWithSMTPClient(sc)
	return nil
}

// Probe implements Prober: it fetches the Account resource
// (GET /2010-04-01/Accounts/{AccountSid}.json) with the handler's
// credentials; no message is created.
func (s *SMS) Probe(ctx context.Context) error {
	ctx, cancel := attemptContext(ctx, s.timeout)
	defer cancel()
	api, rt := s.client(ctx)
	acct, err := api.FetchAccount(s.accountSID)
	if rt.status >= 200 && rt.status < 300 {
		if acct != nil && acct.Status != nil && *acct.Status != "active" {
			return fmt.Errorf("sms: the Twilio account is %s, not active", *acct.Status)
		}
		return nil
	}
	_, err = s.classify(ctx, rt, err)
	return s.redact.Error(fmt.Errorf("sms: %w", err))
}
