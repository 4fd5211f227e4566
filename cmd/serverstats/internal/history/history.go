// Package history is `serverstats history`: the delivery trail of the
// state file (every attempt at every message, with the provider's
// receipts), one line per recipient, filtered by host, command and time.
package history

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"serverstats/alerts/store"
	"serverstats/cmd/serverstats/internal/textout"
)

// Filter selects attempts: those carrying an alert of Host and Command
// ("" matches any), made at Since or later.
type Filter struct {
	Host, Command string
	Since         time.Time
}

// Row is one recipient's part of one attempt (or the attempt itself, when
// the handler named no recipient).
type Row struct {
	Time      time.Time        `json:"time"`
	Message   int64            `json:"message"`
	Handler   string           `json:"handler"`
	Recipient string           `json:"recipient,omitempty"`
	Outcome   string           `json:"outcome"`           // sent, refused, or the attempt's: retry, rerouted, undeliverable
	Receipt   string           `json:"receipt,omitempty"` // the provider's answer
	Error     string           `json:"error,omitempty"`
	Alerts    []store.AlertRef `json:"alerts"`
}

// Rows turns the attempts f selects into rows, oldest first.
func Rows(attempts []store.Attempt, f Filter) []Row {
	out := []Row{}
	for _, a := range attempts {
		if a.At.Before(f.Since) || !carries(a.Alerts, f) {
			continue
		}
		base := Row{Time: a.At, Message: a.Message, Handler: a.Handler, Outcome: a.Outcome, Alerts: a.Alerts}
		if len(a.Receipts) == 0 {
			base.Error = a.Error
			out = append(out, base)
			continue
		}
		for _, r := range a.Receipts {
			row := base
			row.Recipient, row.Receipt, row.Error = r.Recipient, r.Text, r.Err
			switch {
			case r.Err == "":
				row.Outcome = store.OutcomeSent
			case r.Permanent:
				row.Outcome = "refused"
			}
			out = append(out, row)
		}
	}
	return out
}

func carries(refs []store.AlertRef, f Filter) bool {
	if f.Host == "" && f.Command == "" {
		return true
	}
	for _, r := range refs {
		if (f.Host == "" || r.Host == f.Host) && (f.Command == "" || r.Command == f.Command) {
			return true
		}
	}
	return false
}

// ParseSince reads --since: a duration back from now ("90m", "12h", "3d")
// or a time ("2026-12-03T03:00:00Z", "2026-12-03 03:00", "2026-12-03"), in
// loc when it names no zone.
func ParseSince(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if d, err := strconv.Atoi(n); err == nil && d > 0 {
			return now.Add(-time.Duration(d) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q is neither a duration back from now (90m, 12h, 3d) nor a time (2026-12-03 03:00, 2026-12-03T03:00:00Z)", s)
}

// Print writes rows as a table (times in loc), or as one JSON document.
func Print(w io.Writer, rows []Row, asJSON bool, loc *time.Location) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Deliveries []Row `json:"deliveries"`
		}{rows})
	}
	if len(rows) == 0 {
		_, err := fmt.Fprintln(w, "no delivery attempts recorded for this selection")
		return err
	}
	t := textout.NewTable(w, []string{"Time", "Message", "Handler", "Recipient", "Outcome", "Receipt or error", "Alerts"})
	for _, r := range rows {
		t.Row(r.Time.In(loc).Format("2006-01-02 15:04:05"), strconv.FormatInt(r.Message, 10), r.Handler,
			r.Recipient, r.Outcome, r.Receipt+r.Error, alertsText(r.Alerts))
	}
	t.Render()
	return nil
}

// alertsText is what a message carried, e.g. "web1 disk Use% > 90 / firing; +2 more".
// AlertsText is what a row's alerts say in a table: the first two, and
// how many more.
func (r Row) AlertsText() string { return alertsText(r.Alerts) }

func alertsText(refs []store.AlertRef) string {
	const shown = 2
	var parts []string
	for i, r := range refs {
		if i == shown {
			parts = append(parts, fmt.Sprintf("+%d more", len(refs)-shown))
			break
		}
		parts = append(parts, strings.Join(nonEmpty(r.Host, r.Command, r.Rule, r.Row, r.Status), " "))
	}
	return strings.Join(parts, "; ")
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Store is what Run reads.
type Store interface {
	Attempts(ctx context.Context, since time.Time) ([]store.Attempt, error)
}

// Last are the n newest rows of st's trail since since, newest first. An
// attempt gives one row or more, so the n newest attempts hold them.
func Last(ctx context.Context, st *store.Store, n int, since time.Time) ([]Row, error) {
	attempts, err := st.LastAttempts(ctx, since, n)
	if err != nil {
		return nil, err
	}
	rows := Rows(attempts, Filter{})
	rows = rows[max(len(rows)-n, 0):]
	slices.Reverse(rows)
	return rows, nil
}

// Run prints the trail of st that f selects.
func Run(ctx context.Context, st Store, f Filter, w io.Writer, asJSON bool, loc *time.Location) error {
	attempts, err := st.Attempts(ctx, f.Since)
	if err != nil {
		return err
	}
	return Print(w, Rows(attempts, f), asJSON, loc)
}
