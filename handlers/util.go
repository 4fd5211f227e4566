package handlers

import (
	"text/template"

	"serverstats/handlers/message"
)

// parsed returns a subject or body template: the one config.Load parsed
// (and checked on a sample message), or for a config.Handler built by hand,
// text parsed now; nil when text is empty (the default message).
func parsed(t *template.Template, name, text string) (*template.Template, error) {
	if t != nil || text == "" {
		return t, nil
	}
	return message.ParseTemplate(name, text)
}
