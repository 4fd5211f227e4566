package handlers

import (
	"text/template"
	"time"

	"serverstats/config"
	"serverstats/handlers/message"
)

// CheckTemplates renders a handler's subject and body templates on a sample
// group, so that a misspelt field ({{.Sumary}}) is refused when the config
// is loaded, not at 3 a.m. when every send fails. It returns the key of the
// bad template and the error.
func CheckTemplates(h *config.Handler) (key string, err error) {
	d := message.New(h.Name, message.Sample(time.Now()))
	for _, c := range []struct {
		key, text string
		build     func(*template.Template, message.Data) (string, error)
	}{
		{"subject", h.Subject, message.Subject},
		{"body", h.Body, message.Text},
	} {
		if c.text == "" || (c.key == "subject" && h.Type != "email") {
			continue
		}
		build := c.build
		if c.key == "body" && h.Type == "sms" {
			build = message.SMS
		}
		t, err := message.ParseTemplate(h.Name+"."+c.key, c.text)
		if err == nil {
			_, err = build(t, d)
		}
		if err != nil {
			return c.key, err
		}
	}
	return "", nil
}
