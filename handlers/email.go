package handlers

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"net/textproto"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"serverstats/alerts"
	"serverstats/config"
	"serverstats/handlers/message"
)

// Email sends each group as one email over SMTP (github.com/wneessen/go-mail):
// a text body and, unless the config gives its own body template, an HTML
// alternative with a table of the notifications.
//
// TLS modes (config key tls): "starttls" requires STARTTLS before anything
// else, so AUTH never goes in clear; "tls" is implicit TLS (port 465);
// "none" sends in clear, and then AUTH is refused (by the constructor)
// unless the server is on a loopback address. AUTH uses PLAIN or LOGIN,
// whichever the server offers. The certificate is checked against the
// system roots, or against ca-file when given.
//
// Retry: connection refused, timeouts, a dropped connection and 4xx SMTP
// replies are temporary; 5xx replies (bad recipient, authentication
// failed), certificate and TLS set-up errors, a server without STARTTLS and
// template errors are permanent. Recipients are judged one by one: one
// refused at RCPT does not stop the others, each gets a receipt (the
// server's reply to DATA, with its queue id, or the refusal), and a retry
// goes only to those refused with 4xx (see Send).
type Email struct {
	name      string
	addr      string // host:port, for messages
	host      string
	port      int
	tlsMode   string // starttls, tls or none
	username  string // "": no AUTH
	password  string
	from      string
	to        []string
	tlsConfig *tls.Config
	subject   *template.Template
	body      *template.Template // nil: the default text body plus the HTML table
	timeout   time.Duration
	redact    *Redactor
	log       *slog.Logger
}

var _ Handler = (*Email)(nil)

// Errors of SMTP AUTH set-up; both are permanent.
var (
	errAuthInClear     = errors.New("refusing to send the SMTP password over a connection without TLS")
	errNoAuthMechanism = errors.New("server offers neither AUTH PLAIN nor AUTH LOGIN")
)

func newEmail(h *config.Handler, env Env) (Handler, error) {
	fail := func(err error) (Handler, error) { return nil, fmt.Errorf("handler %q: %w", h.Name, err) }
	host, portText, err := net.SplitHostPort(h.SMTP)
	if err != nil {
		return fail(fmt.Errorf("smtp %q: %w", h.SMTP, err))
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 {
		return fail(fmt.Errorf("smtp %q: bad port %q", h.SMTP, portText))
	}
	e := &Email{
		name: h.Name, addr: h.SMTP, host: host, port: port, tlsMode: cmp.Or(h.TLS, "starttls"),
		username: h.Username, timeout: attemptTimeout(h.Timeout), log: env.logger(),
		tlsConfig: &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12},
	}
	switch e.tlsMode {
	case "starttls", "tls", "none":
	default:
		return fail(fmt.Errorf("unknown tls mode %q: use starttls, tls or none", e.tlsMode))
	}
	if h.Username != "" {
		if e.password, err = ReadSecret(env.getenv, h.PasswordEnv, h.PasswordFile); err != nil {
			return fail(fmt.Errorf("smtp password: %w", err))
		}
		if e.tlsMode == "none" && !isLoopback(host) {
			return fail(fmt.Errorf("tls: none would send the SMTP password in clear to %s: use tls: starttls (port 587) or tls: tls (port 465); AUTH without TLS is allowed only to a loopback server", host))
		}
	}
	e.redact = NewRedactor(e.password)
	if e.password != "" {
		e.redact.Add("\x00" + e.username + "\x00" + e.password) // AUTH PLAIN, base64-encoded on the wire
	}
	if _, err := netmail.ParseAddress(h.From); err != nil {
		return fail(fmt.Errorf("from %q: %w", h.From, err))
	}
	e.from = h.From
	if len(h.To) == 0 {
		return fail(errors.New("no to addresses"))
	}
	for _, to := range h.To {
		if _, err := netmail.ParseAddress(to); err != nil {
			return fail(fmt.Errorf("to %q: %w", to, err))
		}
	}
	e.to = slices.Clone(h.To)
	if h.CAFile != "" {
		pem, err := os.ReadFile(h.CAFile)
		if err != nil {
			return fail(fmt.Errorf("ca-file: %w", err))
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fail(fmt.Errorf("ca-file %s: no PEM certificate found", h.CAFile))
		}
		e.tlsConfig.RootCAs = pool
	}
	if e.subject, err = parsed(h.SubjectTmpl, "subject", cmp.Or(h.Subject, config.DefaultEmailSubject)); err != nil {
		return fail(err)
	}
	if e.body, err = parsed(h.BodyTmpl, "body", h.Body); err != nil {
		return fail(err)
	}
	return e, nil
}

// isLoopback reports whether host names this machine: "localhost" or a
// loopback IP address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Send implements Handler: one email with the whole group, in one SMTP
// session bounded by the handler's timeout, to every To address that an
// earlier attempt at the same message is not done with (see transaction).
func (e *Email) Send(ctx context.Context, ns []alerts.Notification) (bool, error) {
	msg, err := e.message(message.New(e.name, ns))
	if err != nil {
		return false, e.redact.Error(fmt.Errorf("email: %w", err))
	}
	var pending []string
	for _, to := range e.to {
		if !alreadyDone(ctx, to) {
			pending = append(pending, to)
		}
	}
	if len(pending) == 0 {
		return false, nil
	}
	ctx, cancel := attemptContext(ctx, e.timeout)
	defer cancel()
	client, err := e.client(ctx)
	if err != nil {
		return false, e.redact.Error(fmt.Errorf("email: %w", err))
	}
	start := time.Now()
	failed := func(err error) (bool, error) {
		retry, err := e.classify(ctx, err)
		err = e.redact.Error(fmt.Errorf("email: send via %s: %w", e.addr, err))
		for _, to := range pending {
			noteReceipt(ctx, Receipt{Recipient: to, Err: err.Error(), Permanent: !retry})
		}
		return retry, err
	}
	sc, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return failed(fmt.Errorf("dial failed: %w", err))
	}
	defer func() {
		// An error after the server took the message (QUIT) must not make
		// the dispatcher send it again.
		if err := client.CloseWithSMTPClient(sc); err != nil {
			e.log.Debug("email: closing the session", "handler", e.name, "error", e.redact.String(err.Error()))
		}
	}()
	reply, refused, err := e.transaction(sc, msg, pending)
	if err != nil {
		return failed(err)
	}
	var failures []string
	retry := false
	for _, to := range pending {
		rerr, ok := refused[to]
		if !ok {
			noteReceipt(ctx, Receipt{Recipient: to, Text: e.redact.String(reply)})
			continue
		}
		r, rerr := e.classify(ctx, rerr)
		retry = retry || r
		failures = append(failures, e.redact.String(fmt.Sprintf("to %s: %v", to, rerr)))
		noteReceipt(ctx, Receipt{Recipient: to, Err: e.redact.String(rerr.Error()), Permanent: !r})
	}
	e.log.Debug("email delivered", "handler", e.name, "smtp", e.addr, "to", pending, "reply", e.redact.String(reply), "refused", len(refused), "duration", time.Since(start).Round(time.Millisecond))
	if len(failures) == 0 {
		return false, nil
	}
	text := fmt.Sprintf("email: send via %s: %s", e.addr, strings.Join(failures, "; "))
	if len(refused) < len(pending) {
		text += " (delivered to the others: " + reply + ")"
	}
	return retry, e.redact.Error(errors.New(text))
}

// transaction sends msg to the addresses in to in one SMTP mail
// transaction: one RCPT per address, and DATA when the server accepted at
// least one. It returns the server's reply to DATA ("250 2.0.0 Ok: queued
// as 4F2A...", go-mail's DataCloser.ServerResponse, which holds the reply
// without its code) and the addresses the server refused at RCPT with its
// reply; err is a failure of the whole transaction.
func (e *Email) transaction(sc *smtp.Client, msg *mail.Msg, to []string) (reply string, refused map[string]error, err error) {
	from, err := netmail.ParseAddress(e.from)
	if err != nil {
		return "", nil, fmt.Errorf("from %q: %w", e.from, err)
	}
	if err := sc.Mail(from.Address); err != nil {
		return "", nil, err
	}
	refused = map[string]error{}
	for _, addr := range to {
		a, err := netmail.ParseAddress(addr)
		if err == nil {
			err = sc.Rcpt(a.Address)
		}
		if err != nil {
			refused[addr] = err
		}
	}
	if len(refused) == len(to) {
		_ = sc.Reset()
		return "", refused, nil
	}
	w, err := sc.Data()
	if err != nil {
		return "", nil, err
	}
	if _, err := msg.WriteTo(w); err != nil {
		w.Close()
		return "", nil, err
	}
	if err := w.Close(); err != nil {
		return "", nil, err
	}
	if dc, ok := w.(*smtp.DataCloser); ok {
		reply = "250 " + dc.ServerResponse()
	}
	return reply, refused, nil
}

// message builds the email of d.
func (e *Email) message(d message.Data) (*mail.Msg, error) {
	subject, err := message.Subject(e.subject, d)
	if err != nil {
		return nil, err
	}
	text, err := message.Text(e.body, d)
	if err != nil {
		return nil, err
	}
	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := m.From(e.from); err != nil {
		return nil, fmt.Errorf("from %q: %w", e.from, err)
	}
	if err := m.To(e.to...); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	m.Subject(subject)
	m.SetDate()
	m.SetMessageID()
	m.SetUserAgent("serverstats")
	m.SetGenHeader("Auto-Submitted", "auto-generated")
	m.SetGenHeader(mail.HeaderXAutoResponseSuppress, "All")
	m.SetBodyString(mail.TypeTextPlain, text)
	if e.body == nil {
		html, err := message.HTML(d)
		if err != nil {
			return nil, err
		}
		m.AddAlternativeString(mail.TypeTextHTML, html)
	}
	return m, nil
}

// client returns a go-mail client for one attempt bounded by ctx.
func (e *Email) client(ctx context.Context) (*mail.Client, error) {
	opts := []mail.Option{
		mail.WithPort(e.port),
		mail.WithTimeout(e.timeout),
		mail.WithTLSConfig(e.tlsConfig),
		mail.WithDialContextFunc(e.dialer(ctx)),
		mail.WithTLSPolicy(mail.NoTLS), // tls: the dialer does it; none: none
	}
	if e.tlsMode == "starttls" {
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if e.username != "" {
		opts = append(opts, mail.WithSMTPAuthCustom(&smtpAuth{
			username: e.username, password: e.password, allowClear: e.tlsMode == "none" && isLoopback(e.host),
		}))
	}
	return mail.NewClient(e.host, opts...)
}

// dialer connects to the server (with TLS in tls mode) and closes the
// connection when the attempt's ctx ends, so that a server that stops
// answering mid-session cannot hold the attempt past its timeout. It dials
// host:port itself: go-mail's address is not bracketed for IPv6 literals.
func (e *Email) dialer(attempt context.Context) mail.DialContextFunc {
	addr := net.JoinHostPort(e.host, strconv.Itoa(e.port))
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		raw, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		context.AfterFunc(attempt, func() { raw.Close() })
		if e.tlsMode != "tls" {
			return raw, nil
		}
		conn := tls.Client(raw, e.tlsConfig)
		if err := conn.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, err
		}
		return conn, nil
	}
}

// classify tells whether a failed attempt is worth retrying, and returns
// the error to report, with a hint where the fix is in the config.
func (e *Email) classify(ctx context.Context, err error) (bool, error) {
	if ctx.Err() != nil {
		return true, context.Cause(ctx)
	}
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		return true, fmt.Errorf("timed out after %s: %w", e.timeout, err)
	}
	var (
		reply   *textproto.Error
		sendErr *mail.SendError
		certErr *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		badName x509.HostnameError
		invalid x509.CertificateInvalidError
		alert   tls.AlertError
		record  tls.RecordHeaderError
	)
	switch {
	case errors.Is(err, errAuthInClear), errors.Is(err, errNoAuthMechanism):
		return false, err
	case errors.As(err, &certErr), errors.As(err, &unknown), errors.As(err, &badName), errors.As(err, &invalid):
		return false, fmt.Errorf("%w (to trust a private CA, set ca-file)", err)
	case errors.As(err, &record):
		return false, fmt.Errorf("%w (with tls: tls the server must speak TLS at once; for a STARTTLS port such as 587 use tls: starttls)", err)
	case errors.As(err, &alert):
		return false, err
	case strings.Contains(err.Error(), "does not support STARTTLS"):
		return false, fmt.Errorf("%w (the server offers no STARTTLS: for implicit TLS on port 465 use tls: tls)", err)
	case errors.As(err, &reply):
		return reply.Code < 500, err
	case errors.As(err, &sendErr):
		code := sendErr.ErrorCode()
		return sendErr.IsTemp() || code < 500, err
	}
	return true, err // connection refused, reset, unexpected EOF...
}

// smtpAuth is SMTP AUTH with PLAIN, or LOGIN when the server offers only
// that. It refuses to send the password over a connection without TLS
// unless allowClear (tls: none to a loopback server).
type smtpAuth struct {
	username, password string
	allowClear         bool
	mech               smtp.Auth
}

// Start implements smtp.Auth.
func (a *smtpAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && !a.allowClear {
		return "", nil, errAuthInClear
	}
	switch {
	case slices.Contains(server.Auth, "PLAIN"):
		a.mech = smtp.PlainAuth("", a.username, a.password, server.Name, true)
	case slices.Contains(server.Auth, "LOGIN"):
		a.mech = smtp.LoginAuth(a.username, a.password, server.Name, true)
	case len(server.Auth) == 0:
		return "", nil, fmt.Errorf("%w: it offers no AUTH at all", errNoAuthMechanism)
	default:
		return "", nil, fmt.Errorf("%w: it offers %s", errNoAuthMechanism, strings.Join(server.Auth, " "))
	}
	return a.mech.Start(server)
}

// Next implements smtp.Auth.
func (a *smtpAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	return a.mech.Next(fromServer, more)
}
