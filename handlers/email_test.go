package handlers

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wneessen/go-mail/smtp"

	"serverstats/collectors/testenv"
	"serverstats/config"
	"serverstats/handlers/message"
	"serverstats/handlers/smtptest"
)

// emailConfig is a valid email handler config for s.
func emailConfig(s *smtptest.Server, tlsMode string) *config.Handler {
	return &config.Handler{
		Name: "mail", Type: "email", SMTP: s.Addr, TLS: tlsMode,
		Username: smtptest.User, PasswordEnv: "SMTP_PASSWORD",
		From: "serverstats <serverstats@example.com>", To: []string{"oncall@example.com", "Ops Team <ops@example.com>"},
		CAFile: s.CAFile, Subject: config.DefaultEmailSubject, Timeout: longTimeout,
	}
}

// testEnv is an Env whose environment holds the test secrets.
func testEnv(vars map[string]string) Env {
	return Env{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return vars[k] }}
}

// sampleTime stamps the sample notifications the tests send.
var sampleTime = time.Date(2026, 8, 22, 10, 0, 0, 0, time.UTC)

var smtpEnv = testEnv(map[string]string{"SMTP_PASSWORD": smtptest.Password})

// bodies returns the text and HTML bodies of m, decoded.
func bodies(t *testing.T, m *netmail.Message) (text, html string) {
	t.Helper()
	mediaType, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	if mediaType == "text/plain" {
		b, err := io.ReadAll(decodeQP(m.Header.Get("Content-Transfer-Encoding"), m.Body))
		if err != nil {
			t.Fatal(err)
		}
		return string(b), ""
	}
	if mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type %q", mediaType)
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := r.NextPart() // decodes quoted-printable
		if err == io.EOF {
			return text, html
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch ct {
		case "text/plain":
			text = string(b)
		case "text/html":
			html = string(b)
		default:
			t.Errorf("unexpected part %q", ct)
		}
	}
}

// decodeQP decodes a quoted-printable top-level body.
func decodeQP(cte string, r io.Reader) io.Reader {
	if strings.EqualFold(cte, "quoted-printable") {
		return quotedprintable.NewReader(r)
	}
	return r
}

// crlf turns the line ends of a received body back into "\n".
func crlf(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

func newEmailT(t *testing.T, h *config.Handler, env Env) *Email {
	t.Helper()
	hd, err := New(h, env)
	if err != nil {
		t.Fatal(err)
	}
	return hd.(*Email)
}

func TestEmailSTARTTLS(t *testing.T) {
	t.Parallel()
	s := smtptest.Start(t, "starttls", true)
	e := newEmailT(t, emailConfig(s, "starttls"), smtpEnv)
	ns := message.Sample(sampleTime)
	start := time.Now()
	retry, err := e.Send(context.Background(), ns)
	elapsed := time.Since(start)
	if err != nil || retry {
		t.Fatalf("Send = %v, %v", retry, err)
	}
	t.Logf("one email delivered over STARTTLS with AUTH in %s", elapsed.Round(time.Millisecond))
	msgs := s.Messages(t)
	if len(msgs) != 1 {
		t.Fatalf("server got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	d := message.New("mail", ns)
	subject, _ := (&mime.WordDecoder{}).DecodeHeader(m.Header.Get("Subject"))
	for _, h := range []struct{ name, got, want string }{
		{"From", m.Header.Get("From"), `"serverstats" <serverstats@example.com>`},
		{"To", m.Header.Get("To"), `<oncall@example.com>, "Ops Team" <ops@example.com>`},
		{"Subject", subject, "[serverstats] " + d.Summary},
		{"Auto-Submitted", m.Header.Get("Auto-Submitted"), "auto-generated"},
		{"envelope from", m.Header.Get("X-Test-Mail-From"), "serverstats@example.com"},
		{"envelope to", m.Header.Get("X-Test-Rcpt-To"), "oncall@example.com, ops@example.com"},
		{"authenticated", m.Header.Get("X-Test-Auth"), "yes"},
		{"TLS", m.Header.Get("X-Test-TLS"), "yes"},
	} {
		if h.got != h.want {
			t.Errorf("%s = %q, want %q", h.name, h.got, h.want)
		}
	}
	if _, err := m.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	text, html := bodies(t, m)
	wantText, _ := message.Text(nil, d)
	wantHTML, _ := message.HTML(d)
	if crlf(text) != wantText {
		t.Errorf("text body =\n%s\nwant\n%s", text, wantText)
	}
	if crlf(html) != wantHTML {
		t.Errorf("html body =\n%s\nwant\n%s", html, wantHTML)
	}
}

func TestEmailImplicitTLS(t *testing.T) {
	t.Parallel()
	s := smtptest.Start(t, "tls", true, "--login-only") // AUTH LOGIN then, not PLAIN
	pwFile := filepath.Join(t.TempDir(), "smtp-password")
	if err := os.WriteFile(pwFile, []byte(smtptest.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := emailConfig(s, "tls")
	h.PasswordEnv, h.PasswordFile = "", pwFile
	h.To = []string{"oncall@example.com"}
	h.Subject = "{{.Count}} alerts for {{.Handler}}"
	h.Body = "{{range .Notifications}}{{.Host}}: {{.Status}}\n{{end}}"
	e := newEmailT(t, h, testEnv(nil))
	if retry, err := e.Send(context.Background(), message.Sample(sampleTime)); err != nil || retry {
		t.Fatalf("Send = %v, %v", retry, err)
	}
	msgs := s.Messages(t)
	if len(msgs) != 1 {
		t.Fatalf("server got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if got := m.Header.Get("Subject"); got != "3 alerts for mail" {
		t.Errorf("Subject = %q", got)
	}
	if got := m.Header.Get("X-Test-Auth") + "/" + m.Header.Get("X-Test-TLS"); got != "yes/yes" {
		t.Errorf("auth/tls = %s", got)
	}
	// A custom body goes alone: an HTML alternative would hide it.
	text, html := bodies(t, m)
	if want := "web1: firing\nweb2: resolved\ndb1: unknown\n"; crlf(text) != want || html != "" {
		t.Errorf("bodies = %q, %q; want text %q only", text, html, want)
	}
}

func TestEmailNoTLSToLoopback(t *testing.T) {
	t.Parallel()
	s := smtptest.Start(t, "plain", true)
	h := emailConfig(s, "none")
	h.CAFile = ""
	e := newEmailT(t, h, smtpEnv)
	if retry, err := e.Send(context.Background(), message.Sample(sampleTime)); err != nil || retry {
		t.Fatalf("Send = %v, %v", retry, err)
	}
	msgs := s.Messages(t)
	if len(msgs) != 1 || msgs[0].Header.Get("X-Test-Auth") != "yes" || msgs[0].Header.Get("X-Test-TLS") != "no" {
		t.Fatalf("got %d messages, want 1 sent with AUTH, without TLS", len(msgs))
	}
}

// silentServer accepts connections and never says a word.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				select {
				case <-done:
				case <-time.After(30 * time.Second):
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestEmailFailures(t *testing.T) {
	t.Parallel()
	starttls := smtptest.Start(t, "starttls", true)
	plain := smtptest.Start(t, "plain", false)

	for _, tc := range []struct {
		name  string
		setup func(h *config.Handler)
		env   Env
		retry bool
		want  string // in the error
	}{
		{"server down", func(h *config.Handler) { h.SMTP = closedPort(t) }, smtpEnv, true, "connection refused"},
		{"timeout", func(h *config.Handler) { h.SMTP = silentServer(t); h.Timeout = shortTimeout }, smtpEnv, true, "timed out after 300ms"},
		{"wrong password", nil, testEnv(map[string]string{"SMTP_PASSWORD": "not-" + smtptest.Password}), false, "5.7.8 Authentication failed: bad password " + Redacted},
		{"recipient temporarily refused", func(h *config.Handler) { h.To = []string{"tempfail@example.com"} }, smtpEnv, true, "4.3.0 Mailbox temporarily unavailable"},
		{"recipient refused", func(h *config.Handler) { h.To = []string{"reject@example.com"} }, smtpEnv, false, "5.1.1 No such user here"},
		{"untrusted certificate", func(h *config.Handler) { h.CAFile = "" }, smtpEnv, false, "certificate signed by unknown authority (to trust a private CA, set ca-file)"},
		{"no STARTTLS offered", func(h *config.Handler) { h.SMTP = plain.Addr }, smtpEnv, false, "does not support STARTTLS"},
		{"implicit TLS to a plain server", func(h *config.Handler) { h.SMTP, h.TLS = plain.Addr, "tls" }, smtpEnv, false, "for a STARTTLS port such as 587 use tls: starttls"},
		{"no AUTH offered", func(h *config.Handler) { h.SMTP, h.TLS = plain.Addr, "none" }, smtpEnv, false, "server offers neither AUTH PLAIN nor AUTH LOGIN: it offers no AUTH at all"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := emailConfig(starttls, "starttls")
			if tc.setup != nil {
				tc.setup(h)
			}
			e := newEmailT(t, h, tc.env)
			start := time.Now()
			retry, err := e.Send(context.Background(), message.Sample(sampleTime))
			if elapsed := time.Since(start); h.Timeout == shortTimeout {
				checkTimedOut(t, tc.name, elapsed, h.Timeout)
			} else if elapsed > h.Timeout {
				t.Errorf("Send took %s, more than its timeout %v", elapsed, h.Timeout)
			}
			if err == nil {
				t.Fatal("Send succeeded")
			}
			t.Logf("retry=%v %v", retry, err)
			if retry != tc.retry || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Send = %v, %v\nwant retry=%v and an error containing %q", retry, err, tc.retry, tc.want)
			}
			if strings.Contains(err.Error(), smtptest.Password) {
				t.Errorf("error holds the password: %v", err)
			}
			if !strings.HasPrefix(err.Error(), "email: send via "+h.SMTP+": ") {
				t.Errorf("error %q does not say where it sent", err)
			}
		})
	}
	if n := len(starttls.Messages(t)) + len(plain.Messages(t)); n != 0 {
		t.Errorf("%d messages delivered by failed sends", n)
	}
}

func TestSMTPAuth(t *testing.T) {
	for _, tc := range []struct {
		tls        bool
		allowClear bool
		offered    []string
		want       string // mechanism, or error
	}{
		{true, false, []string{"CRAM-MD5", "LOGIN", "PLAIN"}, "PLAIN"},
		{true, false, []string{"LOGIN"}, "LOGIN"},
		{true, false, []string{"CRAM-MD5"}, "server offers neither AUTH PLAIN nor AUTH LOGIN: it offers CRAM-MD5"},
		{false, false, []string{"PLAIN"}, "refusing to send the SMTP password over a connection without TLS"},
		{false, true, []string{"PLAIN"}, "PLAIN"},
	} {
		a := &smtpAuth{username: "u", password: "p"}
		a.allowClear = tc.allowClear
		mech, _, err := a.Start(&smtp.ServerInfo{Name: "127.0.0.1", TLS: tc.tls, Auth: tc.offered})
		got := mech
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("Start(tls=%v, allowClear=%v, %v) = %q, want %q", tc.tls, tc.allowClear, tc.offered, got, tc.want)
		}
	}
}

func TestEmailTemplateError(t *testing.T) {
	h := &config.Handler{Name: "mail", Type: "email", SMTP: closedPort(t), TLS: "starttls", From: "a@example.com", To: []string{"b@example.com"}, Subject: "{{.Nope}}"}
	e := newEmailT(t, h, testEnv(nil))
	retry, err := e.Send(context.Background(), message.Sample(sampleTime))
	if retry || err == nil || !strings.Contains(err.Error(), "email: subject template:") {
		t.Errorf("Send = %v, %v; want a permanent template error", retry, err)
	}
}

func TestNewEmailErrors(t *testing.T) {
	dir := t.TempDir()
	emptyFile := filepath.Join(dir, "empty")
	notPEM := filepath.Join(dir, "not.pem")
	for _, f := range []string{emptyFile, notPEM} {
		if err := os.WriteFile(f, []byte(map[string]string{emptyFile: "\n", notPEM: "hello"}[f]), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	base := func() *config.Handler {
		return &config.Handler{Name: "mail", Type: "email", SMTP: "smtp.example.com:587", TLS: "starttls",
			From: "serverstats@example.com", To: []string{"oncall@example.com"}}
	}
	for _, tc := range []struct {
		setup func(h *config.Handler)
		want  string
	}{
		{func(h *config.Handler) { h.Username, h.PasswordEnv = "u", "SMTP_PASSWORD" }, `handler "mail": smtp password: environment variable SMTP_PASSWORD is not set`},
		{func(h *config.Handler) { h.Username, h.PasswordFile = "u", filepath.Join(dir, "nope") }, `handler "mail": smtp password: read secret file ` + filepath.Join(dir, "nope") + `: no such file or directory`},
		{func(h *config.Handler) { h.Username, h.PasswordFile = "u", emptyFile }, `handler "mail": smtp password: secret file ` + emptyFile + ` is empty`},
		{func(h *config.Handler) { h.Username, h.PasswordFile, h.TLS = "u", "/dev/null", "none" }, `handler "mail": smtp password: secret file /dev/null is empty`},
		{func(h *config.Handler) { h.Username, h.PasswordEnv, h.TLS = "u", "HOME", "none" }, `handler "mail": tls: none would send the SMTP password in clear to smtp.example.com: use tls: starttls (port 587) or tls: tls (port 465); AUTH without TLS is allowed only to a loopback server`},
		{func(h *config.Handler) { h.CAFile = notPEM }, `handler "mail": ca-file ` + notPEM + `: no PEM certificate found`},
		{func(h *config.Handler) { h.SMTP = "smtp.example.com" }, `handler "mail": smtp "smtp.example.com": address smtp.example.com: missing port in address`},
		{func(h *config.Handler) { h.To = []string{"not an address"} }, `handler "mail": to "not an address": mail: no angle-addr`},
		{func(h *config.Handler) { h.Body = "{{.Count" }, `handler "mail": body template: template: body:1: unclosed action`},
	} {
		h := base()
		tc.setup(h)
		_, err := New(h, testEnv(map[string]string{"HOME": "/root"}))
		if err == nil || err.Error() != tc.want {
			t.Errorf("New = %v\nwant %s", err, tc.want)
		}
	}
	// tls: none with AUTH is fine to a loopback server.
	for _, host := range []string{"127.0.0.1:25", "localhost:25", "[::1]:25"} {
		h := base()
		h.SMTP, h.TLS, h.Username, h.PasswordEnv = host, "none", "u", "SMTP_PASSWORD"
		if _, err := New(h, smtpEnv); err != nil {
			t.Errorf("%s: %v", host, err)
		}
	}
}

func TestEmailIPv6Literal(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	testenv.Need(t, "IPV6", err, "no IPv6 loopback (::1) to listen on: enable IPv6 on lo (sysctl -w net.ipv6.conf.lo.disable_ipv6=0; docker run --sysctl net.ipv6.conf.all.disable_ipv6=0)")
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.WriteString(c, "554 5.3.2 no service here\r\n")
		_, _ = io.Copy(io.Discard, c)
	}()
	h := &config.Handler{Name: "mail", Type: "email", SMTP: ln.Addr().String(), TLS: "starttls", From: "a@example.com", To: []string{"b@example.com"}, Timeout: longTimeout}
	retry, err := newEmailT(t, h, testEnv(nil)).Send(context.Background(), message.Sample(sampleTime))
	want := "email: send via " + ln.Addr().String() + `: dial failed: 554 "5.3.2 no service here"`
	if retry || err == nil || err.Error() != want {
		t.Errorf("Send = %v, %v\nwant  false, %s", retry, err, want)
	}
}
