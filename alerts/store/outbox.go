package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"

	"serverstats/alerts"
)

// Entry is one stored message.
type Entry struct {
	ID          int64     `json:"id"`
	Handler     string    `json:"handler"`
	Origin      string    `json:"origin"` // the handler it was first meant for (differs after a fallback)
	Created     time.Time `json:"created"`
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt"`
	LastError   string    `json:"last_error,omitempty"`
	Dead        bool      `json:"dead"` // refused for good and no fallback took it: kept for a person to see

	Notifications []alerts.Notification `json:"notifications"`
	// Keys counts the alert keys whose mute-for starts when it is delivered.
	Keys int `json:"keys"`
	// Done are the recipients of this handler already done with (delivered,
	// or refused for good) in earlier attempts: a retry skips them.
	Done []Receipt `json:"done,omitempty"`
}

// repostStatus is the outbox_keys status of a key's re-post
// (alerts.KeyMute.Repost): its delivery stamps nothing.
const repostStatus = "repost"

// enqueue stores one envelope for delivery, in the caller's transaction. A
// reminder for a key that already has a message waiting for the same
// handler is dropped: while a handler is down, its reminders collapse into
// the one pending (it says the alert still fires), instead of flooding it
// when it comes back. The message lists at most alerts.MaxNotifications
// notifications; every key is recorded.
//
// It returns the envelope as queued: without the collapsed reminders (no
// notifications when nothing was left to queue).
func enqueue(ctx context.Context, tx *sql.Tx, e alerts.Envelope, origin string, now time.Time) (alerts.Envelope, error) {
	ns_, keys := e.Notifications, e.Keys
	if len(keys) == len(ns_) {
		pending, err := tx.PrepareContext(ctx, `SELECT 1 FROM outbox_keys k JOIN outbox o ON o.id=k.outbox_id
			WHERE k.command=? AND k.rule=? AND k.host=? AND k.row=? AND o.handler=? AND o.dead=0 LIMIT 1`)
		if err != nil {
			return alerts.Envelope{}, err
		}
		defer pending.Close()
		var keepN []alerts.Notification
		var keepK []alerts.KeyMute
		for i, n := range ns_ {
			if n.Status == alerts.StatusReminder {
				k := keys[i].Key
				var one int
				err := pending.QueryRowContext(ctx, k.Command, k.Rule, k.Host, k.Row, e.Handler).Scan(&one)
				if err == nil {
					continue // collapsed into the message already waiting
				}
				if !errors.Is(err, sql.ErrNoRows) {
					return alerts.Envelope{}, err
				}
			}
			keepN, keepK = append(keepN, n), append(keepK, keys[i])
		}
		ns_, keys = keepN, keepK
	}
	queued := alerts.Envelope{Handler: e.Handler, Notifications: ns_, Keys: keys}
	if len(ns_) == 0 {
		return queued, nil
	}
	payload, err := json.Marshal(alerts.Compact(ns_))
	if err != nil {
		return alerts.Envelope{}, fmt.Errorf("queue for %s: %w", e.Handler, err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO outbox (handler, origin, created, payload, keys, next_attempt) VALUES (?,?,?,?,'',?)`,
		e.Handler, origin, ns(now), string(payload), ns(now))
	if err != nil {
		return alerts.Envelope{}, fmt.Errorf("queue for %s: %w", e.Handler, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return alerts.Envelope{}, err
	}
	if len(keys) == 0 {
		return queued, nil
	}
	put, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO outbox_keys (outbox_id, command, rule, host, row, mute_for, status) VALUES (?,?,?,?,?,?,?)`)
	if err != nil {
		return alerts.Envelope{}, err
	}
	defer put.Close()
	for i, km := range keys {
		status := ""
		if len(keys) == len(ns_) {
			status = string(ns_[i].Status)
		}
		if km.Repost {
			status = repostStatus
		}
		if _, err := put.ExecContext(ctx, id, km.Key.Command, km.Key.Rule, km.Key.Host, km.Key.Row, int64(km.MuteFor), status); err != nil {
			return alerts.Envelope{}, fmt.Errorf("queue for %s: %w", e.Handler, err)
		}
	}
	return queued, nil
}

// moveOutboxKeys moves the keys of messages queued by a serverstats before
// schema 2 (a JSON column) into outbox_keys. It runs once, in the migration.
func moveOutboxKeys(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, keys FROM outbox WHERE keys<>''`)
	if err != nil {
		return err
	}
	type old struct {
		id   int64
		keys []alerts.KeyMute
	}
	var all []old
	for rows.Next() {
		var o old
		var js string
		if err := rows.Scan(&o.id, &js); err != nil {
			rows.Close()
			return err
		}
		_ = json.Unmarshal([]byte(js), &o.keys) // unreadable keys: the message is still sent, its mute-for not started
		all = append(all, o)
	}
	rows.Close()
	for _, o := range all {
		for _, km := range o.keys {
			if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO outbox_keys (outbox_id, command, rule, host, row, mute_for) VALUES (?,?,?,?,?,?)`,
				o.id, km.Key.Command, km.Key.Rule, km.Key.Host, km.Key.Row, int64(km.MuteFor)); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET keys='' WHERE id=?`, o.id); err != nil {
			return err
		}
	}
	return nil
}

// Enqueue stores one envelope for delivery outside any run (test-alert,
// failed remediations).
func (s *Store) Enqueue(ctx context.Context, e alerts.Envelope, now time.Time) error {
	return s.writeRetry(ctx, "queue", func(tx *sql.Tx) error {
		_, err := enqueue(ctx, tx, e, e.Handler, now)
		return err
	})
}

const entryColumns = `id, handler, origin, created, attempts, next_attempt, last_error, dead, payload, (SELECT count(*) FROM outbox_keys k WHERE k.outbox_id=outbox.id), done`

func scanEntries(rows *sql.Rows) ([]Entry, error) {
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var created, next int64
		var payload, done string
		if err := rows.Scan(&e.ID, &e.Handler, &e.Origin, &created, &e.Attempts, &next, &e.LastError, &e.Dead, &payload, &e.Keys, &done); err != nil {
			return nil, err
		}
		if done != "" {
			_ = json.Unmarshal([]byte(done), &e.Done) // unreadable: every recipient is tried again (a duplicate, not a loss)
		}
		e.Created, e.NextAttempt = fromNS(created), fromNS(next)
		if err := json.Unmarshal([]byte(payload), &e.Notifications); err != nil {
			return nil, fmt.Errorf("outbox message %d: %w", e.ID, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Claim leases the oldest due message for one of handlers to this store
// until now+lease, so that no other process sends it meanwhile, and returns
// it (ok is false when nothing is due). Messages for other handlers are
// left alone: a process sharing the state file with another config never
// takes messages it cannot send. A lease is taken over when it has
// expired, or at once when its holder is known dead: the same boot and PID
// namespace, and no such process (killed mid-send). A holder in another
// PID namespace (a container, `unshare -p`) is never judged by its PID.
// The holder extends its lease with Renew while it sends.
func (s *Store) Claim(ctx context.Context, now time.Time, lease time.Duration, handlers []string) (e Entry, ok bool, err error) {
	if len(handlers) == 0 {
		return e, false, nil
	}
	var id int64
	err = s.retry(ctx, func(ctx context.Context) error {
		id = 0
		return s.write(ctx, func(tx *sql.Tx) error {
			args := []any{ns(now)}
			marks := make([]string, len(handlers))
			for i, h := range handlers {
				marks[i] = "?"
				args = append(args, h)
			}
			rows, err := tx.QueryContext(ctx, `SELECT id, lease_until, lease_pid, lease_ns FROM outbox
				WHERE dead=0 AND next_attempt<=? AND handler IN (`+strings.Join(marks, ",")+`) ORDER BY id`, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var cand, until int64
				var pid int
				var pidns string
				if err := rows.Scan(&cand, &until, &pid, &pidns); err != nil {
					rows.Close()
					return err
				}
				if until <= ns(now) || (pidns != "" && pidns == s.owner.ns && !processAlive(pid)) {
					id = cand
					break
				}
			}
			rows.Close()
			if id == 0 {
				return nil
			}
			_, err = tx.ExecContext(ctx, `UPDATE outbox SET lease_until=?, lease_token=?, lease_pid=?, lease_ns=? WHERE id=?`,
				ns(now.Add(lease)), s.owner.token, s.owner.pid, s.owner.ns, id)
			return err
		})
	})
	if err != nil || id == 0 {
		return e, false, s.wrap("claim", err)
	}
	// Read it once leased, outside the write lock.
	var entries []Entry
	err = s.retry(ctx, func(ctx context.Context) error {
		rows, err := s.db.QueryContext(ctx, `SELECT `+entryColumns+` FROM outbox WHERE id=?`, id)
		if err != nil {
			return err
		}
		entries, err = scanEntries(rows)
		return err
	})
	if err != nil {
		return e, false, s.wrap("claim", err)
	}
	if len(entries) == 0 {
		return e, false, nil // delivered by someone else meanwhile
	}
	return entries[0], true, nil
}

// processAlive reports whether process pid exists (0: no owner recorded).
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Renew extends this store's lease on message id to until (while a slow
// handler is still sending it). It reports false when the lease is no
// longer ours.
func (s *Store) Renew(ctx context.Context, id int64, until time.Time) (bool, error) {
	var n int64
	err := s.writeRetry(ctx, "renew lease", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET lease_until=? WHERE id=? AND lease_token=?`, ns(until), id, s.owner.token)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n > 0, err
}

// Done removes a delivered message and starts the mute-for windows of its
// keys (alerts.Delivered, done in SQL): one update by primary key per key.
func (s *Store) Done(ctx context.Context, id int64, at time.Time) error {
	t := ns(at)
	return s.writeRetry(ctx, "mark delivered", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE alerts SET
				last_notified = max(alerts.last_notified, ?1),
				mute_until = CASE WHEN k.mute_for > 0 AND ?1 + k.mute_for > alerts.mute_until THEN ?1 + k.mute_for ELSE alerts.mute_until END
			FROM outbox_keys k
			WHERE k.outbox_id = ?2 AND k.status != '`+repostStatus+`' AND alerts.command = k.command AND alerts.rule = k.rule AND alerts.host = k.host AND alerts.row = k.row`, t, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM outbox_keys WHERE outbox_id=?`, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE id=?`, id)
		return err
	})
}

// Retry records a failed attempt and when to try again, and the
// recipients done with so far (they are not sent to again).
func (s *Store) Retry(ctx context.Context, id int64, lastErr string, next time.Time, done []Receipt) error {
	return s.writeRetry(ctx, "record failed delivery", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET attempts=attempts+1, last_error=?, next_attempt=?, done=?, lease_until=0, lease_token='' WHERE id=?`,
			alerts.Clip(lastErr, alerts.MaxTextLen), ns(next), doneJSON(done), id)
		return err
	})
}

// Reroute hands a message to another handler (a fallback), to be tried now.
// Its age (for the fallback's max-age) counts from now, and its recipients
// are the fallback's (none done yet).
func (s *Store) Reroute(ctx context.Context, id int64, handler, lastErr string, now time.Time) error {
	return s.writeRetry(ctx, "reroute to "+handler, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET handler=?, attempts=0, last_error=?, next_attempt=?, created=?, done='', lease_until=0, lease_token='' WHERE id=?`,
			handler, alerts.Clip(lastErr, alerts.MaxTextLen), ns(now), ns(now), id)
		return err
	})
}

// Bury keeps a message that no handler will take, for `serverstats status`
// to show; it is never retried, and pruned after the retention.
func (s *Store) Bury(ctx context.Context, id int64, lastErr string) error {
	return s.writeRetry(ctx, "record undeliverable", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET attempts=attempts+1, dead=1, last_error=?, lease_until=0, lease_token='' WHERE id=?`,
			alerts.Clip(lastErr, alerts.MaxTextLen), id)
		return err
	})
}

// Outbox lists every stored message, pending and dead.
func (s *Store) Outbox(ctx context.Context) ([]Entry, error) {
	var out []Entry
	err := s.retry(ctx, func(ctx context.Context) error {
		rows, err := s.db.QueryContext(ctx, `SELECT `+entryColumns+` FROM outbox ORDER BY id`)
		if err != nil {
			return err
		}
		out, err = scanEntries(rows)
		return err
	})
	return out, s.wrap("read outbox", err)
}
