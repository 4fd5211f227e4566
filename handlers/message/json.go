package message

import (
	"bytes"
	"encoding/json"
	"fmt"

	"serverstats/alerts"
)

// Payload is the JSON that the exec handler writes to the command's stdin
// and the webhook handler POSTs, e.g.
// {"handler":"hook","summary":"1 firing: ...","notifications":[{...}]}.
type Payload struct {
	Handler       string                `json:"handler"`       // the handler's name in the config
	Summary       string                `json:"summary"`       // Data.Summary
	Notifications []alerts.Notification `json:"notifications"` // the group, never null
}

// JSON renders the JSON payload of d (without HTML escaping, so
// that "> 90" stays readable).
func JSON(d Data) ([]byte, error) {
	ns := d.Notifications
	if ns == nil {
		ns = []alerts.Notification{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(Payload{Handler: d.Handler, Summary: d.Summary, Notifications: ns}); err != nil {
		return nil, fmt.Errorf("encode notifications: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
