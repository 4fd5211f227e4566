package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"serverstats/alerts"
)

// ErrNoSuchMute is returned by Unmute for an unknown id.
var ErrNoSuchMute = errors.New("no such mute")

// AddMute stores a mute and returns its id.
func (s *Store) AddMute(ctx context.Context, m alerts.Mute) (int64, error) {
	var id int64
	err := s.writeRetry(ctx, "add mute", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO mutes (host, command, rule, until, reason, created, until_resolved) VALUES (?,?,?,?,?,?,?)`,
			m.Host, m.Command, m.Rule, ns(m.Until), alerts.Clip(m.Reason, alerts.MaxTextLen), ns(m.Created), m.UntilResolved)
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	return id, err
}

// Unmute removes a mute.
func (s *Store) Unmute(ctx context.Context, id int64) error {
	var n int64
	err := s.writeRetry(ctx, "unmute", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM mutes WHERE id=?`, id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("unmute %d: %w", id, ErrNoSuchMute)
	}
	return nil
}

// Mutes returns the mutes in force at now.
func (s *Store) Mutes(ctx context.Context, now time.Time) ([]alerts.Mute, error) {
	var out []alerts.Mute
	err := s.retry(ctx, func(ctx context.Context) (err error) {
		out, err = activeMutes(ctx, s.db, now)
		return err
	})
	return out, s.wrap("read mutes", err)
}

func activeMutes(ctx context.Context, q querier, now time.Time) ([]alerts.Mute, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, host, command, rule, until, reason, created, until_resolved FROM mutes WHERE until>? ORDER BY id`, ns(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []alerts.Mute
	for rows.Next() {
		var m alerts.Mute
		var until, created int64
		if err := rows.Scan(&m.ID, &m.Host, &m.Command, &m.Rule, &until, &m.Reason, &created, &m.UntilResolved); err != nil {
			return nil, err
		}
		m.Until, m.Created = fromNS(until), fromNS(created)
		out = append(out, m)
	}
	return out, rows.Err()
}
