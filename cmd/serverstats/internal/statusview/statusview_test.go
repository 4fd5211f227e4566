package statusview

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"serverstats/alerts/store"
)

// status shows each command's last run, whether it checked everything,
// and its last OK run, in the text and in --json.
func TestRuns(t *testing.T) {
	now := time.Date(2026, 12, 3, 3, 12, 0, 0, time.UTC)
	v := View{Path: "state.db", Now: now, Runs: map[string]store.RunMark{
		"load": {Command: "load", LastRun: now.Add(-time.Minute), LastOK: now.Add(-time.Minute)},
		"disk": {Command: "disk", LastRun: now.Add(-2 * time.Minute), Health: 3, Why: "web2: UNKNOWN: connection refused", LastOK: now.Add(-time.Hour)},
	}}
	var b bytes.Buffer
	Text(&b, v)
	text := b.String()
	i, j := strings.Index(text, "| disk "), strings.Index(text, "| load ")
	if i < 0 || j < i || !strings.Contains(text, "NOT OK (3): web2: UNKNOWN: connection refused") || !strings.Contains(text, "(1h0m0s ago)") {
		t.Errorf("text:\n%s", text)
	}
	b.Reset()
	JSON(&b, v)
	var doc struct{ Runs []store.RunMark }
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil || len(doc.Runs) != 2 || doc.Runs[0].Command != "disk" || doc.Runs[0].Health != 3 || !doc.Runs[1].LastOK.Equal(now.Add(-time.Minute)) {
		t.Errorf("json: %v %+v", err, doc.Runs)
	}
}
