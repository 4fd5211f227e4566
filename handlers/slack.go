package handlers

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"serverstats/alerts"
	"serverstats/config"
	"serverstats/handlers/message"
)

// Slack POSTs each group to a Slack incoming webhook
// (https://api.slack.com/messaging/webhooks) as
// {"text": TITLE, "blocks": [header TITLE, section TEXT]}: the title is the
// subject template or the Summary (what the notification shows), the text
// the body template or the default text body, in a code block.
//
// The webhook URL is the credential: it is read from url-env or url-file,
// and errors show it as https://hooks.slack.com only.
//
// Retry (as webhook): 200 "ok" is delivered; 429, 5xx, timeouts and network
// errors are temporary; other 4xx ("invalid_payload", "no_service",
// "channel_is_archived") are permanent, reported with Slack's word.
type Slack struct{ channel }

var _ Handler = (*Slack)(nil)

// Slack's limits: a header block's text, a section block's text.
const (
	slackHeaderMax  = 150
	slackSectionMax = 3000
)

func newSlack(h *config.Handler, env Env) (Handler, error) {
	c, err := webhookChannel(h, env, "slack")
	if err != nil {
		return nil, err
	}
	return &Slack{c}, nil
}

// webhookChannel starts a slack or teams handler: its secret webhook URL.
func webhookChannel(h *config.Handler, env Env, kind string) (channel, error) {
	c, err := newChannel(h, env, kind)
	if err != nil {
		return c, err
	}
	if err := readSecrets(env, c.post.redact, secretSource{what: "url", env: h.URLEnv, file: h.URLFile, dst: &c.post.target}); err != nil {
		return c, fmt.Errorf("handler %q: %w", h.Name, err)
	}
	u, err := httpURL(c.post.target, "url from "+h.URLEnv+h.URLFile)
	if err != nil {
		return c, fmt.Errorf("handler %q: %w", h.Name, err)
	}
	c.post.redact.Add(secretURLParts(u)...)
	return c, nil
}

// secretURLParts are the parts of a secret webhook URL that errors must not
// show: its path (Slack's /services/T../B../TOKEN) and its query values
// that look like credentials (a Teams workflow's sig=), not the short ones
// such as api-version=1, whose redaction would garble every number.
func secretURLParts(u *url.URL) []string {
	out := []string{u.String()}
	if len(u.Path) > 1 {
		out = append(out, u.Path, u.EscapedPath())
	}
	for k, vs := range u.Query() {
		for _, v := range vs {
			if len(v) >= 16 || k == "sig" || sensitiveHeader.MatchString(k) {
				out = append(out, v)
			}
		}
	}
	return out
}

// slackPayload is what an incoming webhook takes.
type slackPayload struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

type slackBlock struct {
	Type string    `json:"type"`
	Text slackText `json:"text"`
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// Send implements Handler: one POST with the whole group.
func (s *Slack) Send(ctx context.Context, ns []alerts.Notification) (bool, error) {
	title, text, err := s.tmpl.render(message.New(s.name, ns), slackHeaderMax, 64<<10)
	if err != nil {
		return s.fail(err)
	}
	body, err := marshal(slackPayload{
		Text: slackEscape(title),
		Blocks: []slackBlock{
			{Type: "header", Text: slackText{Type: "plain_text", Text: title}},
			{Type: "section", Text: slackText{Type: "mrkdwn", Text: "```" + slackCut(slackEscape(strings.TrimRight(text, "\n")), slackSectionMax-6) + "```"}},
		},
	})
	if err != nil {
		return s.fail(err)
	}
	return s.deliver(ctx, "application/json", body, nil, func(r apiReply) (string, bool, string) {
		return strings.TrimSpace(string(r.body)), true, ""
	})
}

// slackEscape escapes what Slack's mrkdwn reads as markup: &, < and >.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// slackCut cuts escaped text to max bytes without splitting an entity.
func slackCut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	s = message.Truncate(s, max-4, "")
	if amp := strings.LastIndexByte(s, '&'); amp >= 0 && !strings.Contains(s[amp:], ";") {
		s = s[:amp]
	}
	return s + "\n..."
}
