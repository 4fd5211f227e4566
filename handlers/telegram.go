package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"serverstats/alerts"
	"serverstats/config"
	"serverstats/handlers/message"
)

// Telegram sends each group as one message to every chat of chat-id
// through the Bot API's sendMessage (POST API/bot<TOKEN>/sendMessage,
// JSON {"chat_id", "text"}): the text is the body template or the default
// text body, plain (no parse mode, so that nothing needs escaping), at
// most 4096 bytes.
//
// The bot token is read from token-env or token-file. It is in the URL's
// path, and Go's HTTP errors quote the URL: errors show the API as
// scheme://host only, and the token is redacted from all they say.
//
// Retry: {"ok": true} is delivered; 429 ("Too Many Requests: retry after
// N"), 5xx, timeouts and network errors are temporary; other errors
// ("Bad Request: chat not found", "Forbidden: bot was blocked by the user",
// "Unauthorized") are permanent, reported with Telegram's description.
// Every chat is tried; the group is retried when one failed for a
// temporary reason, which sends to the others again.
type Telegram struct {
	channel
	chats []string
}

var _ Handler = (*Telegram)(nil)

// telegramTextMax is the longest text of one message.
const telegramTextMax = 4096

func newTelegram(h *config.Handler, env Env) (Handler, error) {
	c, err := newChannel(h, env, "telegram")
	if err != nil {
		return nil, err
	}
	t := &Telegram{channel: c, chats: slices.Clone(h.ChatID)}
	api := h.APIURL
	if api == "" {
		api = config.DefaultTelegramAPI
	}
	if _, err := httpURL(api, "api-url"); err != nil {
		return nil, fmt.Errorf("handler %q: %w", h.Name, err)
	}
	if len(t.chats) == 0 {
		return nil, fmt.Errorf("handler %q: no chat-id", h.Name)
	}
	var token string
	if err := readSecrets(env, t.post.redact, secretSource{what: "bot token", env: h.TokenEnv, file: h.TokenFile, dst: &token}); err != nil {
		return nil, fmt.Errorf("handler %q: %w", h.Name, err)
	}
	t.post.redact.Add("bot" + token)
	t.post.target = strings.TrimSuffix(api, "/") + "/bot" + token + "/sendMessage"
	return t, nil
}

// telegramMessage is what sendMessage takes.
type telegramMessage struct {
	ChatID                string `json:"chat_id"`
	Text                  string `json:"text"`
	DisableWebPagePreview bool   `json:"disable_web_page_preview"`
}

// Send implements Handler: one message to each chat, all within the
// handler's timeout.
func (t *Telegram) Send(ctx context.Context, ns []alerts.Notification) (bool, error) {
	_, text, err := t.tmpl.render(message.New(t.name, ns), 250, telegramTextMax)
	if err != nil {
		return t.fail(err)
	}
	ctx, cancel := attemptContext(ctx, t.timeout)
	defer cancel()
	var delivered, failures []string
	retry := false
	for _, chat := range t.chats {
		body, err := marshal(telegramMessage{ChatID: chat, Text: text, DisableWebPagePreview: true})
		if err != nil {
			return t.fail(err)
		}
		post := t.post
		post.recipient = chat
		start := time.Now()
		r, err := post.send(ctx, "application/json", body, nil, telegramReceipt)
		if err != nil {
			retry = retry || r
			failures = append(failures, fmt.Sprintf("chat %s: %v", chat, strings.TrimPrefix(err.Error(), "telegram: ")))
			continue
		}
		delivered = append(delivered, chat)
		t.log.Debug("telegram delivered", "handler", t.name, "chat", chat, "duration", since(start))
	}
	if len(failures) == 0 {
		return false, nil
	}
	msg := "telegram: " + strings.Join(failures, "; ")
	if len(delivered) > 0 {
		msg += " (delivered to " + strings.Join(delivered, ", ") + ")"
	}
	return retry, t.post.redact.Error(errors.New(msg))
}

// telegramReceipt reads a Bot API reply: {"ok":true,"result":{"message_id":N}}
// or {"ok":false,"error_code":400,"description":"Bad Request: chat not found"}.
func telegramReceipt(r apiReply) (string, bool, string) {
	var reply struct {
		OK     bool `json:"ok"`
		Result struct {
			MessageID int64 `json:"message_id"`
		} `json:"result"`
		Description string `json:"description"`
	}
	jsonReply(r, &reply)
	if reply.OK {
		return "message_id=" + strconv.FormatInt(reply.Result.MessageID, 10), true, ""
	}
	return "", false, reply.Description
}
