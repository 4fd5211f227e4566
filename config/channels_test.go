package config

import (
	"errors"
	"strings"
	"testing"
)

// Each service loads with its minimal keys and gets its defaults.
func TestChannelsLoad(t *testing.T) {
	for _, tc := range []struct {
		typ, keys string
		check     func(h *Handler) bool
	}{
		{"slack", "url-env: SLACK_URL", func(h *Handler) bool { return h.URLEnv == "SLACK_URL" && h.SubjectTmpl == nil }},
		{"teams", "url-file: /etc/serverstats/teams-url, subject: '{{.Count}} alerts'", func(h *Handler) bool {
			return h.URLFile == "/etc/serverstats/teams-url" && h.SubjectTmpl != nil
		}},
		{"pagerduty", "routing-key-env: PD_KEY", func(h *Handler) bool { return h.URL == DefaultPagerDutyURL && h.RoutingKeyEnv == "PD_KEY" }},
		{"pagerduty", "routing-key-file: /k, url: 'https://events.eu.pagerduty.com/v2/enqueue'", func(h *Handler) bool {
			return h.URL == "https://events.eu.pagerduty.com/v2/enqueue"
		}},
		{"ntfy", "topic: ops-alerts", func(h *Handler) bool { return h.URL == DefaultNtfyURL && h.Topic == "ops-alerts" && h.TokenEnv == "" }},
		{"telegram", "token-env: TG, chat-id: ['-1001234567890', '@opschannel']", func(h *Handler) bool {
			return h.APIURL == DefaultTelegramAPI && strings.Join(h.ChatID, ",") == "-1001234567890,@opschannel"
		}},
		{"telegram", "token-env: TG, chat-id: '42'", func(h *Handler) bool { return strings.Join(h.ChatID, ",") == "42" }},
		{"pushover", "token-env: PO_APP, user-key-file: /etc/serverstats/po-user, body: '{{.Summary}}'", func(h *Handler) bool {
			return h.APIURL == DefaultPushoverAPI && h.UserKeyFile == "/etc/serverstats/po-user" && h.BodyTmpl != nil
		}},
	} {
		c, err := Parse("f.yaml", []byte(handlerConfig(tc.typ, tc.keys)))
		if err != nil {
			t.Errorf("%s {%s}: %v", tc.typ, tc.keys, err)
			continue
		}
		if h := c.Handler("h"); !tc.check(h) {
			t.Errorf("%s {%s}: loaded %+v", tc.typ, tc.keys, h)
		}
	}
}

// Bad keys are refused at their line with the key, the value (never a
// secret's) and the fix.
func TestChannelsErrors(t *testing.T) {
	for _, tc := range []struct {
		typ, keys, want string
	}{
		{"slack", "subject: x", `f.yaml:2: handlers.h.url-env: missing url-env or url-file; fix: add url-env: SLACK_WEBHOOK_URL (the variable holding the Slack incoming webhook URL) or url-file: /etc/serverstats/url`},
		{"slack", "url: 'https://hooks.slack.com/services/T0/B0/x'", `f.yaml:2: handlers.h.url: unknown key`},
		{"teams", "url-env: 'https://x.example.com/workflows/abc?sig=SeCrEt'", `f.yaml:2: handlers.h.url-env: not the name of an environment variable; fix: write url-env: TEAMS_WEBHOOK_URL and set TEAMS_WEBHOOK_URL to the Teams workflow webhook URL in serverstats's environment (the value stays out of the file)`},
		{"pagerduty", "routing-key-env: K, routing-key-file: /k", `f.yaml:2: handlers.h.routing-key-file: set only one of routing-key-env and routing-key-file (got "/k"); fix: remove one`},
		{"pagerduty", "routing-key-env: K, url: 'events.pagerduty.com'", `f.yaml:2: handlers.h.url: not an http(s) URL (got "events.pagerduty.com")`},
		{"pagerduty", "routing-key-env: K, body: x", `f.yaml:2: handlers.h.body: unknown key`},
		{"pagerduty", "routing-key-env: K, send-resolved: false", `f.yaml:2: handlers.h.send-resolved: the incidents serverstats triggers would never be resolved (got "false"); fix: remove send-resolved: false`},
		{"ntfy", "url: 'https://ntfy.example.com'", `f.yaml:2: handlers.h.topic: missing topic; fix: add topic: serverstats-alerts`},
		{"ntfy", "topic: 'ops/alerts'", `f.yaml:2: handlers.h.topic: not an ntfy topic name (got "ops/alerts")`},
		{"telegram", "token-env: TG", `f.yaml:2: handlers.h.chat-id: missing chat-id`},
		{"telegram", "token-env: TG, chat-id: [ops]", `f.yaml:2: handlers.h.chat-id[0]: not a Telegram chat id (got "ops")`},
		{"telegram", "token-env: TG, chat-id: [1], subject: x", `f.yaml:2: handlers.h.subject: unknown key`},
		{"pushover", "token-env: PO", `f.yaml:2: handlers.h.user-key-env: missing user-key-env or user-key-file`},
		{"pushover", "token-env: PO, user-key-env: U, subject: '{{.Nope}}'", `f.yaml:2: handlers.h.subject: template fails on a sample message`},
	} {
		_, err := Parse("f.yaml", []byte(handlerConfig(tc.typ, tc.keys)))
		var es Errors
		if !errors.As(err, &es) || len(es) == 0 {
			t.Errorf("%s {%s}: err = %v, want a config error", tc.typ, tc.keys, err)
			continue
		}
		if got := es[0].Error(); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s {%s}: error\n%s\nwant it to start with\n%s", tc.typ, tc.keys, got, tc.want)
		}
		if strings.Contains(err.Error(), "SeCrEt") || strings.Contains(err.Error(), "B0/x") {
			t.Errorf("the error repeats a pasted secret: %s", err)
		}
	}
}
