package config

import (
	"errors"
	"strings"
	"testing"
)

// A handler template that parses but fails on a sample message is refused
// by Load, at the line of its key, as the binary would refuse it.
func TestLoadHandlerTemplateFailsOnSample(t *testing.T) {
	_, err := Load("../testdata/config/bad-handler-body.yaml")
	var es Errors
	if !errors.As(err, &es) || len(es) != 1 {
		t.Fatalf("Load: err = %v, want one config error", err)
	}
	want := `../testdata/config/bad-handler-body.yaml:7: handlers.oncall.body: template fails on a sample message: ` +
		`executing "body" at <.Nope>: can't evaluate field Nope in type message.Data (got "{{.Summary}} on {{.Nope}}"); ` +
		`fix: see the README for the fields of a message (.Summary, .Count, .Notifications, ...)`
	if got := es[0].Error(); got != want {
		t.Errorf("error =\n%s\nwant\n%s", got, want)
	}
}

// handlerConfig is a config with one handler, whose keys are the given
// flow-mapping entries (on line 2).
func handlerConfig(typ, keys string) string {
	return "handlers:\n  h: {type: " + typ + ", " + keys + "}\n" +
		"commands:\n  disk: {servers: [localhost], cmd: df -hP, alerts: [{column: Use%, trigger: '> 90', handlers: [h]}]}\n"
}

const (
	emailKeys = "smtp: 'smtp.example.com:587', from: a@example.com, to: [b@example.com]"
	smsKeys   = "account-sid-env: SID, auth-token-env: TOKEN, from: '+15550001111', to: ['+15552223333']"
)

func TestHandlerTemplates(t *testing.T) {
	for _, tc := range []struct {
		name, typ, keys string
		want            string // the error; "" loads
	}{
		{"email subject field", "email", emailKeys + ", subject: '{{.Sumary}}'",
			`f.yaml:2: handlers.h.subject: template fails on a sample message: executing "subject" at <.Sumary>: can't evaluate field Sumary in type message.Data (got "{{.Sumary}}")`},
		{"email body index", "email", emailKeys + ", body: '{{index .Notifications 5}}'",
			`f.yaml:2: handlers.h.body: template fails on a sample message: executing "body" at <index .Notifications 5>: error calling index: index out of range: 5 (got "{{index .Notifications 5}}")`},
		{"sms body field", "sms", smsKeys + ", body: '{{range .Notifications}}{{.Hots}}{{end}}'",
			`f.yaml:2: handlers.h.body: template fails on a sample message: executing "body" at <.Hots>: can't evaluate field Hots in type alerts.Notification (got "{{range .Notifications}}{{.Hots}}{{end}}")`},
		{"parse error", "email", emailKeys + ", body: '{{.Summary'",
			`f.yaml:2: handlers.h.body: bad template: unclosed action (got "{{.Summary")`},
		{"good", "email", emailKeys + ", subject: '{{.Count}} on {{len .Hosts}} hosts', body: '{{range .Notifications}}{{.Line}}{{end}}'", ""},
		{"good sms", "sms", smsKeys + ", body: '{{.Summary}}'", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("f.yaml", []byte(handlerConfig(tc.typ, tc.keys)))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				h := c.Handler("h")
				if h.BodyTmpl == nil || (h.Type == "email") != (h.SubjectTmpl != nil) {
					t.Errorf("parsed templates: subject %v, body %v", h.SubjectTmpl, h.BodyTmpl)
				}
				return
			}
			var es Errors
			if !errors.As(err, &es) || len(es) != 1 {
				t.Fatalf("Parse: err = %v, want one config error", err)
			}
			if got, _, _ := strings.Cut(es[0].Error(), "; fix: "); got != tc.want {
				t.Errorf("error =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// The default subject is parsed too, and no body means the default body.
func TestHandlerDefaultTemplates(t *testing.T) {
	c, err := Parse("f.yaml", []byte(handlerConfig("email", emailKeys)))
	if err != nil {
		t.Fatal(err)
	}
	h := c.Handler("h")
	if h.Subject != DefaultEmailSubject || h.SubjectTmpl == nil || h.BodyTmpl != nil {
		t.Errorf("subject %q (parsed: %v), body parsed: %v", h.Subject, h.SubjectTmpl != nil, h.BodyTmpl != nil)
	}
}

// The exec handler's env: and the webhook's header-env:/header-file: load;
// a header under two of headers:, header-env: and header-file: is refused.
func TestHandlerSecretKeys(t *testing.T) {
	cfg, err := Parse("c.yaml", []byte(handlerConfig("exec", "command: [/bin/notify], env: [PAGER_URL, LC_ALL]")))
	if err != nil {
		t.Fatal(err)
	}
	if h := cfg.Handler("h"); strings.Join(h.Env, ",") != "PAGER_URL,LC_ALL" {
		t.Errorf("env = %q", h.Env)
	}
	cfg, err = Parse("c.yaml", []byte(handlerConfig("webhook", "url: 'https://h.example.com/x', header-env: {Authorization: HOOK_TOKEN}, header-file: {X-Sig: /etc/serverstats/sig}")))
	if err != nil {
		t.Fatal(err)
	}
	if h := cfg.Handler("h"); h.HeaderEnv["Authorization"] != "HOOK_TOKEN" || h.HeaderFile["X-Sig"] != "/etc/serverstats/sig" {
		t.Errorf("header-env = %v, header-file = %v", h.HeaderEnv, h.HeaderFile)
	}
	_, err = Parse("c.yaml", []byte(handlerConfig("webhook", "url: 'https://h.example.com/x', headers: {X-Sig: a}, header-file: {X-Sig: /etc/serverstats/sig}")))
	if err == nil || !strings.Contains(err.Error(), "c.yaml:2: handlers.h.header-file.X-Sig: the header X-Sig is also under headers:") {
		t.Errorf("duplicate header: %v", err)
	}
	_, err = Parse("c.yaml", []byte(handlerConfig("email", emailKeys+", env: [X]")))
	if err == nil || !strings.Contains(err.Error(), `unknown key "env"`) {
		t.Errorf("env: on email: %v", err)
	}
}
