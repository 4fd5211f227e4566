package config

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"text/template"
	"time"

	"go.yaml.in/yaml/v3"

	"serverstats/handlers/message"
)

// Handler is a named delivery target. Which fields apply depends on Type;
// keys of another type are rejected. Secrets are never in the config itself:
// only the names of the environment variables or files that hold them.
type Handler struct {
	Name string
	Type string
	Line int

	// print
	Stream string // stdout (default) or stderr

	// email
	SMTP         string   // host:port of the SMTP server
	TLS          string   // starttls (default), tls (implicit TLS, usually port 465), none
	Username     string   // AUTH user; empty: no AUTH
	PasswordEnv  string   // env var holding the SMTP password
	PasswordFile string   // file holding the SMTP password
	From         string   // email sender, or SMS sender number
	To           []string // email addresses, or SMS numbers
	CAFile       string   // PEM CA bundle to trust instead of the system roots
	Subject      string   // Go template over a message.Data (package handlers/message)
	Body         string   // Go template of the text body (email) or of the SMS text (sms)

	// SubjectTmpl and BodyTmpl are Subject and Body parsed by Load (nil
	// when empty, and in a Handler built by hand), already rendered once on
	// message.Sample so that they do not fail on the fields of a message.
	SubjectTmpl *template.Template
	BodyTmpl    *template.Template

	// sms (Twilio)
	AccountSIDEnv       string
	AccountSIDFile      string
	AuthTokenEnv        string
	AuthTokenFile       string
	MessagingServiceSID string
	APIURL              string // Twilio API base URL; default https://api.twilio.com

	// exec
	Command []string // argv; the notification JSON is on stdin
	Env     []string // names of variables of serverstats's environment the command gets

	// webhook
	URL        string
	Headers    map[string]string
	HeaderEnv  map[string]string // header name -> environment variable holding its value (a secret)
	HeaderFile map[string]string // header name -> file holding its value (a secret)

	// slack, teams, pagerduty, ntfy, telegram, pushover (config/channels.go)
	URLEnv         string   // slack, teams: env var holding the webhook URL (a secret)
	URLFile        string   // slack, teams: file holding the webhook URL
	RoutingKeyEnv  string   // pagerduty: env var holding the integration's routing key
	RoutingKeyFile string   // pagerduty: file holding it
	Topic          string   // ntfy
	TokenEnv       string   // ntfy access token, Telegram bot token, Pushover app token
	TokenFile      string   // the same, in a file
	ChatID         []string // telegram: chat ids (-100123...) or @channelname
	UserKeyEnv     string   // pushover: env var holding the user (or group) key
	UserKeyFile    string   // pushover: file holding it

	// alertmanager
	URLs   []string          // the peers of an Alertmanager cluster; each gets every alert
	Labels map[string]string // extra labels, the same on every replica
	Resend time.Duration     // re-post interval while an alert fires

	// every type
	SendResolved bool          // send resolved notifications (default: on, except sms)
	Timeout      time.Duration // one delivery attempt
	MaxAge       time.Duration // older undelivered messages go to Fallback
	Fallback     string        // handler for messages past MaxAge or refused for good
}

// HandlerTypes are the handler types this build delivers to.
var HandlerTypes = []string{"print", "email", "sms", "exec", "webhook", "slack", "teams", "pagerduty", "ntfy", "telegram", "pushover", "alertmanager"}

// Handler defaults.
const (
	DefaultHandlerTimeout = 30 * time.Second
	DefaultMaxAge         = 24 * time.Hour
	DefaultTwilioAPI      = "https://api.twilio.com"
	DefaultEmailSubject   = `[serverstats] {{.Summary}}`
	// DefaultResend is the alertmanager handler's re-post interval: well
	// under Alertmanager's default resolve_timeout (5m).
	DefaultResend = time.Minute
)

// AlertmanagerLabels are the labels the alertmanager handler sets itself;
// labels: may not redefine them.
var AlertmanagerLabels = []string{"alertname", "command", "host", "row", "severity"}

func (c *Config) decodeHandlers(d *decoder, path string, n *yaml.Node) {
	for _, e := range d.entries(n, path) {
		h := &Handler{Name: e[0].Value, Line: e[0].Line, Timeout: DefaultHandlerTimeout, MaxAge: DefaultMaxAge, Resend: DefaultResend}
		p := join(path, h.Name)
		if !validName.MatchString(h.Name) {
			d.fail(e[0], p, h.Name, "bad handler name", "use letters, digits, '.', '_' and '-'")
		}
		h.Type = mappingValue(e[1], "type")
		if e[1].Kind == yaml.MappingNode && !slices.Contains(HandlerTypes, h.Type) {
			// Which keys belong depends on the type: without a known one,
			// report the type alone. The handler is still defined, so the
			// alerts naming it are not "undefined" as well.
			d.brokenHandler(h.Name)
			if t := entryAt(e[1], "type", nil); t == nil {
				d.missingType(e[0], e[1], p)
			} else {
				d.fail(t, p+".type", short(mappingNode(e[1], "type")), "unknown handler type", didYouMean(h.Type, HandlerTypes)+"use one of "+strings.Join(HandlerTypes, ", "))
			}
			continue
		}
		var sendResolved *bool
		fields := []field{
			{"type", d.str(&h.Type)},
			{"send-resolved", func(p string, v *yaml.Node) { b := false; d.boolean(&b)(p, v); sendResolved = &b }},
			{"timeout", d.duration(&h.Timeout, false)},
			{"max-age", d.duration(&h.MaxAge, false)},
			{"fallback", d.str(&h.Fallback)},
		}
		switch h.Type {
		case "print":
			fields = append(fields, field{"stream", d.str(&h.Stream)})
		case "email":
			fields = append(fields,
				field{"smtp", d.str(&h.SMTP)}, field{"tls", d.str(&h.TLS)},
				field{"username", d.str(&h.Username)}, field{"password-env", d.str(&h.PasswordEnv)},
				field{"password-file", d.str(&h.PasswordFile)}, field{"from", d.str(&h.From)},
				field{"to", d.list(&h.To, nil)}, field{"ca-file", d.str(&h.CAFile)},
				field{"subject", d.str(&h.Subject)}, field{"body", d.str(&h.Body)})
		case "sms":
			fields = append(fields,
				field{"account-sid-env", d.str(&h.AccountSIDEnv)}, field{"account-sid-file", d.str(&h.AccountSIDFile)},
				field{"auth-token-env", d.str(&h.AuthTokenEnv)}, field{"auth-token-file", d.str(&h.AuthTokenFile)},
				field{"from", d.str(&h.From)}, field{"messaging-service-sid", d.str(&h.MessagingServiceSID)},
				field{"to", d.list(&h.To, nil)}, field{"api-url", d.str(&h.APIURL)}, field{"body", d.str(&h.Body)})
		case "exec":
			fields = append(fields, field{"command", d.list(&h.Command, nil)}, field{"env", d.list(&h.Env, nil)})
		case "webhook":
			fields = append(fields, field{"url", d.str(&h.URL)}, field{"headers", d.stringMap(&h.Headers)},
				field{"header-env", d.stringMap(&h.HeaderEnv)}, field{"header-file", d.stringMap(&h.HeaderFile)})
		case "alertmanager":
			fields = append(fields, field{"urls", d.list(&h.URLs, nil)}, field{"labels", d.stringMap(&h.Labels)},
				field{"resend", d.duration(&h.Resend, false)}, field{"auth-user", d.str(&h.Username)},
				field{"auth-token-env", d.str(&h.AuthTokenEnv)}, field{"auth-token-file", d.str(&h.AuthTokenFile)})
		default:
			fields = append(fields, h.channelFields(d)...)
		}
		seen := d.mapping(e[1], p, fields)
		switch {
		case seen["type"] == nil:
			d.fail(e[0], p+".type", "", "missing handler type", "add type: one of "+strings.Join(HandlerTypes, ", "))
			continue
		case !slices.Contains(HandlerTypes, h.Type):
			d.fail(seen["type"], p+".type", h.Type, "unknown handler type", "use one of "+strings.Join(HandlerTypes, ", "))
			continue
		}
		h.SendResolved = h.Type != "sms"
		if sendResolved != nil {
			h.SendResolved = *sendResolved
		}
		h.validate(d, p, e[0], seen)
		c.Handlers = append(c.Handlers, h)
	}
}

// validate checks the fields a handler type needs.
func (h *Handler) validate(d *decoder, p string, at *yaml.Node, seen map[string]*yaml.Node) {
	need := func(key, value, fix string) {
		if value == "" {
			d.fail(at, p+"."+key, "", "missing "+key, fix)
		}
	}
	oneOf := func(a, b, fix string) {
		if (seen[a] == nil) == (seen[b] == nil) && !d.inlineSecrets[p+"."+strings.TrimSuffix(a, "-env")] {
			d.fail(at, p+"."+a, "", fmt.Sprintf("set exactly one of %s and %s", a, b), fix)
		}
	}
	// tmpl parses the template of key and renders it with render on a
	// sample message, as the handler will on each message it sends: a
	// template that parses but names a field a message does not have
	// ({{.Sumary}}) is refused now, not at 3 a.m. when every send fails.
	tmpl := func(key, text string, render func(*template.Template, message.Data) (string, error)) *template.Template {
		if text == "" {
			return nil
		}
		t, err := message.ParseTemplate(key, text)
		if err != nil {
			d.fail(orAt(seen[key], at), p+"."+key, text, "bad template: "+templateErr(cmp.Or(errors.Unwrap(err), err)), templateFix)
			return nil
		}
		if _, err := render(t, message.New(h.Name, message.Sample(sampleTime))); err != nil {
			d.fail(orAt(seen[key], at), p+"."+key, text, "template fails on a sample message: "+templateErr(cmp.Or(errors.Unwrap(err), err)), templateFix)
			return nil
		}
		return t
	}
	if h.Timeout <= 0 {
		d.fail(seen["timeout"], p+".timeout", "0s", "a timeout of zero would wait forever", `write e.g. "30s"`)
	}
	switch h.Type {
	case "print":
		if k := seen["stream"]; k != nil && h.Stream != "stdout" && h.Stream != "stderr" {
			d.fail(k, p+".stream", h.Stream, "unknown stream", didYouMean(h.Stream, []string{"stdout", "stderr"})+"use stdout or stderr")
		}
		if h.Stream == "" {
			h.Stream = "stdout"
		}
	case "email":
		need("smtp", h.SMTP, "add smtp: host:port, e.g. smtp.example.com:587")
		need("from", h.From, "add from: serverstats@example.com")
		if len(h.To) == 0 {
			d.fail(orAt(seen["to"], at), p+".to", "", "missing to", "add to: [oncall@example.com]")
		}
		if h.SMTP != "" && !strings.Contains(h.SMTP, ":") {
			d.fail(seen["smtp"], p+".smtp", h.SMTP, "missing port", "write host:port, e.g. "+h.SMTP+":587")
		} else if h.SMTP != "" {
			d.checkPort(seen["smtp"], p+".smtp", h.SMTP, "smtp.example.com:587")
		}
		if h.From != "" {
			d.checkEmail(seen["from"], p+".from", h.From)
		}
		for i, a := range h.To {
			k := fmt.Sprintf("%s.to[%d]", p, i)
			d.checkEmail(d.at(k, seen["to"]), k, a)
		}
		switch h.TLS {
		case "":
			h.TLS = "starttls"
		case "starttls", "tls", "none":
		default:
			d.fail(seen["tls"], p+".tls", h.TLS, "unknown TLS mode", didYouMean(h.TLS, []string{"starttls", "tls", "none"})+"use starttls (port 587), tls (implicit, port 465) or none")
		}
		if h.Username != "" && h.PasswordEnv == "" && h.PasswordFile == "" && !d.inlineSecrets[p+".password"] {
			d.fail(seen["username"], p+".username", h.Username, "AUTH needs a password", "add password-env: SMTP_PASSWORD or password-file: /etc/serverstats/smtp-password (never the password itself)")
		}
		if h.PasswordEnv != "" && h.PasswordFile != "" {
			d.fail(seen["password-file"], p+".password-file", h.PasswordFile, "set only one of password-env and password-file", "remove one")
		}
		if h.Subject == "" {
			h.Subject = DefaultEmailSubject
		}
		h.SubjectTmpl = tmpl("subject", h.Subject, message.Subject)
		h.BodyTmpl = tmpl("body", h.Body, message.Text)
	case "sms":
		oneOf("account-sid-env", "account-sid-file", "add account-sid-env: TWILIO_ACCOUNT_SID")
		oneOf("auth-token-env", "auth-token-file", "add auth-token-env: TWILIO_AUTH_TOKEN")
		oneOf("from", "messaging-service-sid", `add from: "+15550001111" or messaging-service-sid: MG...`)
		if len(h.To) == 0 {
			d.fail(at, p+".to", "", "missing to", `add to: ["+15552223333"]`)
		}
		for i, n := range h.To {
			if !e164(n) {
				d.fail(d.at(fmt.Sprintf("%s.to[%d]", p, i), seen["to"]), fmt.Sprintf("%s.to[%d]", p, i), n, "not a phone number in E.164 form", `write it as "+15552223333" (quoted, with the country code)`)
			}
		}
		if h.From != "" && !e164(h.From) {
			d.fail(seen["from"], p+".from", h.From, "not a phone number in E.164 form", `write it as "+15550001111" (quoted)`)
		}
		if h.APIURL == "" {
			h.APIURL = DefaultTwilioAPI
		} else if u, err := url.Parse(h.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			d.fail(seen["api-url"], p+".api-url", h.APIURL, "not an http(s) URL", "write e.g. https://api.twilio.com")
		}
		h.BodyTmpl = tmpl("body", h.Body, message.SMS)
	case "exec":
		if len(h.Command) == 0 {
			d.fail(at, p+".command", "", "missing command", `add command: [/usr/local/bin/notify, --urgent] (the notification JSON arrives on stdin)`)
		} else if c := d.nodes[p+".command"]; c != nil && c.Kind == yaml.ScalarNode && strings.ContainsAny(h.Command[0], " \t") {
			d.fail(seen["command"], p+".command", h.Command[0], "one string with spaces would run a program of that whole name", execWords(h.Command[0]))
		}
		for i, name := range h.Env {
			k := fmt.Sprintf("%s.env[%d]", p, i)
			switch before, _, isPair := strings.Cut(name, "="); {
			case isPair && envName.MatchString(before):
				// The value may be a secret: it is not repeated.
				d.fail(d.at(k, seen["env"]), k, "", "env: takes names, not NAME=value", "write env: ["+before+"] and set "+before+" in serverstats's environment (the value stays out of the file)")
			case !envName.MatchString(name):
				d.fail(d.at(k, seen["env"]), k, name, "not the name of an environment variable", "write names only, e.g. env: [PAGER_API_KEY] (the command gets that variable of serverstats's environment)")
			}
		}
	case "alertmanager":
		h.validateAlertmanager(d, p, at, seen)
	case "webhook":
		if u, err := url.Parse(h.URL); h.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			d.fail(orAt(seen["url"], at), p+".url", h.URL, "missing or not an http(s) URL", "add url: https://hooks.example.com/serverstats")
		}
		for name, v := range h.Headers {
			if name == "" || strings.ContainsAny(name, " :\t\r\n") || strings.ContainsAny(v, "\r\n") {
				d.fail(d.at(p+".headers."+name, seen["headers"]), p+".headers."+name, "", "bad HTTP header", "write headers: {X-Source: serverstats}")
			}
		}
		for _, key := range []string{"header-env", "header-file"} {
			m, example := h.HeaderEnv, "HOOK_TOKEN"
			if key == "header-file" {
				m, example = h.HeaderFile, "/etc/serverstats/hook-token"
			}
			for name, v := range m {
				k := p + "." + key + "." + name
				if name == "" || strings.ContainsAny(name, " :\t\r\n") || strings.TrimSpace(v) == "" || strings.ContainsAny(v, "\r\n") {
					d.fail(d.at(k, seen[key]), k, v, "bad secret header", "write "+key+": {Authorization: "+example+"} (the header's value is read from there)")
				}
				if key == "header-env" && v != "" && !envName.MatchString(v) {
					d.fail(d.at(k, seen[key]), k, "", "not the name of an environment variable", "write "+key+": {"+name+": "+example+"}: the name of the variable holding the value, never the value itself")
				}
				if _, dup := h.Headers[name]; dup {
					d.fail(d.at(k, seen[key]), k, v, "the header "+name+" is also under headers:", "keep one")
				}
				if _, dup := h.HeaderFile[name]; dup && key == "header-env" {
					d.fail(d.at(k, seen[key]), k, v, "the header "+name+" is also under header-file:", "keep one")
				}
			}
		}
	default:
		h.validateChannel(d, p, at, seen, tmpl)
	}
}

// envName matches the name of an environment variable.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// templateFix is the fix of a bad subject or body template.
const templateFix = "see the README for the fields of a message (.Summary, .Count, .Notifications, ...)"

// sampleTime stamps the sample message that templates are checked on: a
// fixed time, so that whether a config loads does not depend on the clock.
var sampleTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func orAt(n, at *yaml.Node) *yaml.Node {
	if n != nil {
		return n
	}
	return at
}

// e164 reports whether s looks like an E.164 phone number: + and 8-15 digits.
func e164(s string) bool {
	if len(s) < 9 || len(s) > 16 || s[0] != '+' {
		return false
	}
	for _, r := range s[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// mappingValue returns the scalar value of key in mapping n, or "".
func mappingValue(n *yaml.Node, key string) string {
	if n == nil || n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key && n.Content[i+1].Kind == yaml.ScalarNode {
			return n.Content[i+1].Value
		}
	}
	return ""
}

// mappingNode returns the value node of key in mapping n, or nil.
func mappingNode(n *yaml.Node, key string) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
