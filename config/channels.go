package config

import (
	"fmt"
	"net/url"
	"regexp"
	"text/template"

	"go.yaml.in/yaml/v3"

	"serverstats/handlers/message"
)

// The chat and paging services (handler types slack, teams, pagerduty,
// ntfy, telegram, pushover): their keys, defaults and checks. Their
// credentials (a webhook URL, a routing key, a token) are secrets, read
// from the environment or a file: the config holds only where.

// Defaults of the services' endpoints.
const (
	DefaultPagerDutyURL = "https://events.pagerduty.com/v2/enqueue"
	DefaultNtfyURL      = "https://ntfy.sh"
	DefaultTelegramAPI  = "https://api.telegram.org"
	DefaultPushoverAPI  = "https://api.pushover.net"
)

// secretPair is a secret's two keys, e.g. url-env and url-file.
type secretPair struct {
	env, file   *string
	key         string // "url": the keys are url-env and url-file
	example     string // an environment variable's name, e.g. SLACK_WEBHOOK_URL
	optional    bool   // ntfy's token
	description string // "the Slack webhook URL"
}

// secrets are the secret pairs of h's type.
func (h *Handler) secrets() []secretPair {
	switch h.Type {
	case "slack":
		return []secretPair{{&h.URLEnv, &h.URLFile, "url", "SLACK_WEBHOOK_URL", false, "the Slack incoming webhook URL"}}
	case "teams":
		return []secretPair{{&h.URLEnv, &h.URLFile, "url", "TEAMS_WEBHOOK_URL", false, "the Teams workflow webhook URL"}}
	case "pagerduty":
		return []secretPair{{&h.RoutingKeyEnv, &h.RoutingKeyFile, "routing-key", "PAGERDUTY_ROUTING_KEY", false, "the integration's routing key"}}
	case "ntfy":
		return []secretPair{{&h.TokenEnv, &h.TokenFile, "token", "NTFY_TOKEN", true, "the ntfy access token"}}
	case "telegram":
		return []secretPair{{&h.TokenEnv, &h.TokenFile, "token", "TELEGRAM_BOT_TOKEN", false, "the bot token"}}
	case "pushover":
		return []secretPair{
			{&h.TokenEnv, &h.TokenFile, "token", "PUSHOVER_APP_TOKEN", false, "the application's API token"},
			{&h.UserKeyEnv, &h.UserKeyFile, "user-key", "PUSHOVER_USER_KEY", false, "the user or group key"},
		}
	}
	return nil
}

// channelFields are the keys of h's type besides those of every type.
func (h *Handler) channelFields(d *decoder) []field {
	var fs []field
	for _, s := range h.secrets() {
		fs = append(fs, field{s.key + "-env", d.str(s.env)}, field{s.key + "-file", d.str(s.file)})
	}
	switch h.Type {
	case "pagerduty":
		fs = append(fs, field{"url", d.str(&h.URL)})
	case "ntfy":
		fs = append(fs, field{"url", d.str(&h.URL)}, field{"topic", d.str(&h.Topic)})
	case "telegram":
		fs = append(fs, field{"chat-id", d.list(&h.ChatID, nil)}, field{"api-url", d.str(&h.APIURL)})
	case "pushover":
		fs = append(fs, field{"api-url", d.str(&h.APIURL)})
	}
	if h.Type != "pagerduty" { // PagerDuty gets one event per alert, no message
		if h.Type != "telegram" {
			fs = append(fs, field{"subject", d.str(&h.Subject)})
		}
		fs = append(fs, field{"body", d.str(&h.Body)})
	}
	return fs
}

// ntfyTopic is what ntfy accepts as a topic name.
var ntfyTopic = regexp.MustCompile(`^[-_A-Za-z0-9]{1,64}$`)

// telegramChat is a chat id (a group's is negative) or a public channel's @name.
var telegramChat = regexp.MustCompile(`^(-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$`)

// validateChannel checks the keys of a chat or paging service and sets
// the defaults; tmpl checks a template as validate does.
func (h *Handler) validateChannel(d *decoder, p string, at *yaml.Node, seen map[string]*yaml.Node,
	tmpl func(key, text string, render func(*template.Template, message.Data) (string, error)) *template.Template) {
	for _, s := range h.secrets() {
		envKey, fileKey := s.key+"-env", s.key+"-file"
		switch {
		case *s.env == "" && *s.file == "" && !s.optional:
			d.fail(at, p+"."+envKey, "", "missing "+envKey+" or "+fileKey,
				fmt.Sprintf("add %s: %s (the variable holding %s) or %s: /etc/serverstats/%s", envKey, s.example, s.description, fileKey, s.key))
		case *s.env != "" && *s.file != "":
			d.fail(seen[fileKey], p+"."+fileKey, *s.file, "set only one of "+envKey+" and "+fileKey, "remove one")
		}
		if *s.env != "" && !envName.MatchString(*s.env) {
			// Likely the secret itself, pasted: it is not repeated.
			d.fail(seen[envKey], p+"."+envKey, "", "not the name of an environment variable",
				fmt.Sprintf("write %s: %s and set %s to %s in serverstats's environment (the value stays out of the file)", envKey, s.example, s.example, s.description))
		}
	}
	httpURL := func(key string, dst *string, def, example string) {
		if *dst == "" {
			*dst = def
			return
		}
		if u, err := url.Parse(*dst); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			d.fail(seen[key], p+"."+key, *dst, "not an http(s) URL", "write e.g. "+key+": "+example)
		}
	}
	switch h.Type {
	case "pagerduty":
		httpURL("url", &h.URL, DefaultPagerDutyURL, DefaultPagerDutyURL+" (or https://events.eu.pagerduty.com/v2/enqueue)")
		if !h.SendResolved {
			d.fail(seen["send-resolved"], p+".send-resolved", "false", "the incidents serverstats triggers would never be resolved",
				"remove send-resolved: false (a resolved alert resolves its PagerDuty incident)")
		}
	case "ntfy":
		httpURL("url", &h.URL, DefaultNtfyURL, "https://ntfy.example.com")
		switch {
		case h.Topic == "":
			d.fail(at, p+".topic", "", "missing topic", "add topic: serverstats-alerts (letters, digits, '-' and '_')")
		case !ntfyTopic.MatchString(h.Topic):
			d.fail(seen["topic"], p+".topic", h.Topic, "not an ntfy topic name", "use 1 to 64 letters, digits, '-' and '_', e.g. topic: serverstats-alerts")
		}
	case "telegram":
		httpURL("api-url", &h.APIURL, DefaultTelegramAPI, DefaultTelegramAPI)
		if len(h.ChatID) == 0 {
			d.fail(at, p+".chat-id", "", "missing chat-id", `add chat-id: "-1001234567890" (a group's id) or "@mychannel"`)
		}
		for i, c := range h.ChatID {
			if !telegramChat.MatchString(c) {
				k := fmt.Sprintf("%s.chat-id[%d]", p, i)
				d.fail(d.at(k, seen["chat-id"]), k, c, "not a Telegram chat id", `write a number such as "-1001234567890" or a channel's "@name"`)
			}
		}
	case "pushover":
		httpURL("api-url", &h.APIURL, DefaultPushoverAPI, DefaultPushoverAPI)
	}
	if h.Type != "pagerduty" && h.Type != "telegram" {
		h.SubjectTmpl = tmpl("subject", h.Subject, message.Subject)
	}
	if h.Type != "pagerduty" {
		h.BodyTmpl = tmpl("body", h.Body, message.Text)
	}
}
