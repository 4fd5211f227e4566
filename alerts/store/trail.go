package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"serverstats/alerts"
)

// schemaV5 is what version 5 adds: the delivery trail (every attempt at
// every message, with the provider's receipts), and the recipients of a
// pending message already done with (delivered, or refused for good), so
// that a retry goes only to the others.
const schemaV5 = `
CREATE TABLE IF NOT EXISTS trail (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	at INTEGER NOT NULL, message INTEGER NOT NULL, handler TEXT NOT NULL,
	outcome TEXT NOT NULL, error TEXT NOT NULL DEFAULT '',
	receipts TEXT NOT NULL DEFAULT '', alerts TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS trail_by_at ON trail (at);
`

// migrateV4 brings a schema 4 file up: the trail, and outbox.done.
func migrateV4(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, schemaV5); err != nil {
		return err
	}
	has, err := columns(ctx, tx, "outbox")
	if err != nil || has["done"] {
		return err
	}
	_, err = tx.ExecContext(ctx, `ALTER TABLE outbox ADD COLUMN done TEXT NOT NULL DEFAULT ''`)
	return err
}

// Receipt is what a provider answered one delivery to one recipient: the
// SMTP server's reply to DATA (its queue id), Twilio's message SID and
// status, a webhook's HTTP status line, an exit status. Err is set when
// that recipient failed; Permanent when retrying cannot help (a number
// Twilio refuses with 400, an address the SMTP server refuses with 5xx):
// that recipient is then not tried again.
type Receipt struct {
	Recipient string `json:"recipient,omitempty"` // address, number; "" when the channel has one
	Text      string `json:"receipt,omitempty"`   // the provider's answer, secrets redacted
	Err       string `json:"error,omitempty"`
	Permanent bool   `json:"permanent,omitempty"`
}

// Done reports whether r ends that recipient's part of a message: it was
// delivered, or refused for good.
func (r Receipt) Done() bool { return r.Err == "" || r.Permanent }

// Outcomes of a delivery attempt, as the dispatcher records them.
const (
	OutcomeSent          = "sent"
	OutcomeRetry         = "retry"
	OutcomeRerouted      = "rerouted"
	OutcomeUndeliverable = "undeliverable"
)

// AlertRef names one alert a message carried.
type AlertRef struct {
	Host    string `json:"host"`
	Command string `json:"command"`
	Rule    string `json:"rule,omitempty"`
	Row     string `json:"row,omitempty"`
	Status  string `json:"status"`
}

// Attempt is one delivery attempt of one message, as kept in the trail.
type Attempt struct {
	At       time.Time  `json:"time"`
	Message  int64      `json:"message"`
	Handler  string     `json:"handler"`
	Outcome  string     `json:"outcome"` // sent, retry, rerouted, undeliverable
	Error    string     `json:"error,omitempty"`
	Receipts []Receipt  `json:"receipts"`
	Alerts   []AlertRef `json:"alerts"`
}

// Refs lists the alerts of ns, for the trail.
func Refs(ns []alerts.Notification) []AlertRef {
	out := make([]AlertRef, 0, len(ns))
	for _, n := range ns {
		out = append(out, AlertRef{Host: n.Host, Command: n.Command, Rule: n.Rule, Row: n.Key, Status: string(n.Status)})
	}
	return out
}

// TrailLimits bound the trail: attempts older than MaxAge, and all but the
// newest MaxEntries, are deleted as attempts are written.
type TrailLimits struct {
	MaxAge     time.Duration
	MaxEntries int
}

// AddAttempt writes a to the trail and prunes it to lim (relative to
// a.At), in one transaction.
func (s *Store) AddAttempt(ctx context.Context, a Attempt, lim TrailLimits) error {
	receipts, err := json.Marshal(clipReceipts(a.Receipts))
	if err != nil {
		return fmt.Errorf("trail: %w", err)
	}
	refs, err := json.Marshal(a.Alerts)
	if err != nil {
		return fmt.Errorf("trail: %w", err)
	}
	return s.writeRetry(ctx, "record delivery attempt", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO trail (at, message, handler, outcome, error, receipts, alerts) VALUES (?,?,?,?,?,?,?)`,
			ns(a.At), a.Message, a.Handler, a.Outcome, alerts.Clip(a.Error, alerts.MaxTextLen), string(receipts), string(refs)); err != nil {
			return err
		}
		if lim.MaxAge > 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM trail WHERE id IN (SELECT id FROM trail WHERE at<? ORDER BY id LIMIT ?)`,
				ns(a.At.Add(-lim.MaxAge)), pruneBatch); err != nil {
				return err
			}
		}
		if lim.MaxEntries > 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM trail WHERE id IN (SELECT id FROM trail WHERE id <=
				(SELECT id FROM trail ORDER BY id DESC LIMIT 1 OFFSET ?) ORDER BY id LIMIT ?)`, lim.MaxEntries, pruneBatch); err != nil {
				return err
			}
		}
		return nil
	})
}

// clipReceipts bounds what a provider's answer may take in the file.
func clipReceipts(rs []Receipt) []Receipt {
	out := make([]Receipt, len(rs))
	for i, r := range rs {
		r.Text, r.Err = alerts.Clip(r.Text, alerts.MaxTextLen), alerts.Clip(r.Err, alerts.MaxTextLen)
		out[i] = r
	}
	return out
}

// Attempts returns the trail since since, oldest first.
func (s *Store) Attempts(ctx context.Context, since time.Time) ([]Attempt, error) {
	return s.attempts(ctx, `SELECT at, message, handler, outcome, error, receipts, alerts FROM trail WHERE at>=? ORDER BY at, id`, ns(since))
}

// LastAttempts returns the n newest attempts of the trail since since,
// oldest first: what a page showing the last ones needs, without reading
// the whole trail.
func (s *Store) LastAttempts(ctx context.Context, since time.Time, n int) ([]Attempt, error) {
	out, err := s.attempts(ctx, `SELECT at, message, handler, outcome, error, receipts, alerts FROM trail WHERE at>=? ORDER BY at DESC, id DESC LIMIT ?`, ns(since), n)
	slices.Reverse(out)
	return out, err
}

// attempts runs a query of the trail's columns and decodes its rows.
func (s *Store) attempts(ctx context.Context, query string, args ...any) ([]Attempt, error) {
	var out []Attempt
	err := s.retry(ctx, func(ctx context.Context) error {
		out = nil
		rows, err := s.db.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a Attempt
			var at int64
			var receipts, refs string
			if err := rows.Scan(&at, &a.Message, &a.Handler, &a.Outcome, &a.Error, &receipts, &refs); err != nil {
				return err
			}
			a.At = fromNS(at)
			if err := json.Unmarshal([]byte(receipts), &a.Receipts); err != nil {
				return fmt.Errorf("trail of message %d: %w", a.Message, err)
			}
			if err := json.Unmarshal([]byte(refs), &a.Alerts); err != nil {
				return fmt.Errorf("trail of message %d: %w", a.Message, err)
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, s.wrap("read delivery trail", err)
}

// doneJSON encodes the recipients done with, for outbox.done.
func doneJSON(rs []Receipt) string {
	if len(rs) == 0 {
		return ""
	}
	b, _ := json.Marshal(clipReceipts(rs)) // a []Receipt always encodes
	return string(b)
}

// MarkHandler records whether handler's last delivery attempt failed (why
// says how) or succeeded, and reports whether that changed its health: the
// dispatcher tells a handler's fallback once when it starts failing and
// once when it delivers again, not at every attempt.
func (s *Store) MarkHandler(ctx context.Context, handler string, failing bool, why string) (changed bool, err error) {
	key := "handler_failing/" + handler
	err = s.writeRetry(ctx, "record handler health", func(tx *sql.Tx) error {
		changed = (metaTx(ctx, tx, key) != "") != failing
		switch {
		case !changed:
			return nil
		case failing:
			return setMeta(ctx, tx, key, alerts.Clip(cmp.Or(why, "failed"), alerts.MaxTextLen))
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM meta WHERE name=?`, key)
		return err
	})
	return changed, err
}
