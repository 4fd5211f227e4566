package history

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"serverstats/alerts/store"
)

var t0 = time.Date(2026, 12, 3, 3, 12, 0, 0, time.UTC)

func trail() []store.Attempt {
	web1 := []store.AlertRef{{Host: "web1", Command: "disk", Rule: "Use% > 90", Row: "/", Status: "firing"}}
	db1 := []store.AlertRef{{Host: "db1", Command: "load", Status: "unknown"}}
	return []store.Attempt{
		{At: t0, Message: 7, Handler: "oncall", Outcome: store.OutcomeRetry, Alerts: web1, Receipts: []store.Receipt{
			{Recipient: "+15550001", Text: "HTTP 201 sid SM1 status queued"},
			{Recipient: "+15550002", Err: "twilio error 20500: Internal Server Error (HTTP 500)"},
			{Recipient: "+15550003", Err: "twilio error 21211: not a valid phone number (HTTP 400)", Permanent: true},
		}},
		{At: t0.Add(time.Minute), Message: 8, Handler: "chat", Outcome: store.OutcomeRetry, Error: "webhook: HTTP 503", Alerts: db1},
		{At: t0.Add(2 * time.Minute), Message: 7, Handler: "oncall", Outcome: store.OutcomeUndeliverable, Alerts: web1, Receipts: []store.Receipt{
			{Recipient: "+15550002", Text: "HTTP 201 sid SM2 status queued"},
		}},
	}
}

func TestRows(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    Filter
		want string // message/recipient/outcome of each row
	}{
		{"all", Filter{}, "7 +15550001 sent|7 +15550002 retry|7 +15550003 refused|8  retry|7 +15550002 sent"},
		{"host", Filter{Host: "db1"}, "8  retry"},
		{"command", Filter{Command: "disk"}, "7 +15550001 sent|7 +15550002 retry|7 +15550003 refused|7 +15550002 sent"},
		{"host and command of different alerts", Filter{Host: "db1", Command: "disk"}, ""},
		{"since", Filter{Since: t0.Add(time.Minute)}, "8  retry|7 +15550002 sent"},
	} {
		var got []string
		for _, r := range Rows(trail(), tc.f) {
			got = append(got, strings.Join([]string{itoa(r.Message), r.Recipient, r.Outcome}, " "))
		}
		if g := strings.Join(got, "|"); g != tc.want {
			t.Errorf("%s: %s\nwant %s", tc.name, g, tc.want)
		}
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestParseSince(t *testing.T) {
	now := t0
	for _, tc := range []struct{ in, want string }{
		{"90m", "2026-12-03T01:42:00Z"},
		{"3d", "2026-11-30T03:12:00Z"},
		{"2026-12-03 03:00", "2026-12-03T03:00:00Z"},
		{"2026-12-03", "2026-12-03T00:00:00Z"},
		{"2026-12-03T03:00:00+01:00", "2026-12-03T02:00:00Z"},
		{"yesterday", "error"},
		{"-5m", "error"},
	} {
		got, err := ParseSince(tc.in, now, time.UTC)
		g := got.UTC().Format(time.RFC3339)
		if err != nil {
			g = "error"
		}
		if g != tc.want {
			t.Errorf("ParseSince(%q) = %s (%v), want %s", tc.in, g, err, tc.want)
		}
	}
}

func TestPrint(t *testing.T) {
	var b bytes.Buffer
	if err := Print(&b, Rows(trail()[1:2], Filter{}), false, time.UTC); err != nil {
		t.Fatal(err)
	}
	want := `+---------------------+---------+---------+-----------+---------+-------------------+------------------+
| Time                | Message | Handler | Recipient | Outcome | Receipt or error  | Alerts           |
+---------------------+---------+---------+-----------+---------+-------------------+------------------+
| 2026-12-03 03:13:00 | 8       | chat    |           | retry   | webhook: HTTP 503 | db1 load unknown |
+---------------------+---------+---------+-----------+---------+-------------------+------------------+
`
	if b.String() != want {
		t.Errorf("table:\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := Print(&b, Rows(trail(), Filter{Host: "web1"}), true, time.UTC); err != nil {
		t.Fatal(err)
	}
	var doc struct{ Deliveries []Row }
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil || len(doc.Deliveries) != 4 || doc.Deliveries[0].Receipt != "HTTP 201 sid SM1 status queued" {
		t.Errorf("JSON %v: %s", err, b.String())
	}
}
