package handlers

import (
	"context"
	"strings"

	"serverstats/alerts"
	"serverstats/config"
	"serverstats/handlers/message"
)

// Teams POSTs each group to a Microsoft Teams workflow webhook (Power
// Automate's "When a Teams webhook request is received") as a message with
// one Adaptive Card: the title (subject template or Summary) in bold,
// coloured by the group's level, then the text (body template or the
// default text body).
//
// The webhook URL, whose query holds the workflow's signature, is the
// credential: it is read from url-env or url-file and errors show it as
// scheme://host only.
//
// Retry (as webhook): 2xx (the workflow answers 202 Accepted) is
// delivered; 408, 429, 5xx, timeouts and network errors are temporary;
// other 4xx are permanent, reported with the workflow's error message.
type Teams struct{ channel }

var _ Handler = (*Teams)(nil)

// teamsTextMax bounds the card's text: a Teams message holds about 28 KB.
const teamsTextMax = 20 << 10

func newTeams(h *config.Handler, env Env) (Handler, error) {
	c, err := webhookChannel(h, env, "teams")
	if err != nil {
		return nil, err
	}
	return &Teams{c}, nil
}

// teamsMessage is what a workflow webhook takes.
type teamsMessage struct {
	Type        string            `json:"type"`
	Attachments []teamsAttachment `json:"attachments"`
}

type teamsAttachment struct {
	ContentType string    `json:"contentType"`
	ContentURL  *string   `json:"contentUrl"`
	Content     teamsCard `json:"content"`
}

type teamsCard struct {
	Schema  string           `json:"$schema"`
	Type    string           `json:"type"`
	Version string           `json:"version"`
	Body    []teamsTextBlock `json:"body"`
}

type teamsTextBlock struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	Wrap     bool   `json:"wrap"`
	Weight   string `json:"weight,omitempty"`
	Size     string `json:"size,omitempty"`
	Color    string `json:"color,omitempty"`
	FontType string `json:"fontType,omitempty"`
}

// teamsColor is the colour of a group's title, by level.
var teamsColor = map[string]string{levelCritical: "Attention", levelWarning: "Warning", levelUnknown: "Accent", levelResolved: "Good"}

// Send implements Handler: one POST with the whole group.
func (t *Teams) Send(ctx context.Context, ns []alerts.Notification) (bool, error) {
	title, text, err := t.tmpl.render(message.New(t.name, ns), 250, teamsTextMax)
	if err != nil {
		return t.fail(err)
	}
	body, err := marshal(teamsMessage{Type: "message", Attachments: []teamsAttachment{{
		ContentType: "application/vnd.microsoft.card.adaptive",
		Content: teamsCard{
			Schema: "http://adaptivecards.io/schemas/adaptive-card.json", Type: "AdaptiveCard", Version: "1.4",
			Body: []teamsTextBlock{
				{Type: "TextBlock", Text: title, Wrap: true, Weight: "Bolder", Size: "Medium", Color: teamsColor[groupLevel(ns)]},
				// Adaptive Cards read text as Markdown: a line break needs an empty line.
				{Type: "TextBlock", Text: strings.ReplaceAll(strings.TrimRight(text, "\n"), "\n", "\n\n"), Wrap: true, FontType: "Monospace"},
			},
		},
	}}})
	if err != nil {
		return t.fail(err)
	}
	return t.deliver(ctx, "application/json", body, nil, func(r apiReply) (string, bool, string) {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		jsonReply(r, &e)
		if e.Error.Message != "" {
			return "", true, strings.TrimSpace(e.Error.Code + " " + e.Error.Message)
		}
		return "", true, ""
	})
}
