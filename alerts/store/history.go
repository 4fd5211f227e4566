package store

import (
	"context"
	"database/sql"
	"time"

	"serverstats/alerts"
)

// HistoryPoints is how many points the store keeps per alert key: a week
// at one run every five minutes. Older points are pruned as new ones are
// written.
const HistoryPoints = 2016

// schemaV4 is what version 4 adds: the observed values of each alert key
// over time, for the status page's plots.
const schemaV4 = `
CREATE TABLE IF NOT EXISTS history (
	command TEXT NOT NULL, rule TEXT NOT NULL, host TEXT NOT NULL, row TEXT NOT NULL,
	at INTEGER NOT NULL, value REAL NOT NULL,
	PRIMARY KEY (command, rule, host, row, at)
) WITHOUT ROWID;
`

// migrateV3 brings a schema 3 file up: the history table.
func migrateV3(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, schemaV4)
	return err
}

// Point is one observed numeric value of an alert key.
type Point struct {
	Key   alerts.Key
	At    time.Time
	Value float64
}

// Record stores points, and prunes each key touched down to its newest
// HistoryPoints: the history never grows past that per key. A point at the
// same time as one stored replaces it.
func (s *Store) Record(ctx context.Context, points []Point) error {
	if len(points) == 0 {
		return nil
	}
	return s.writeRetry(ctx, "record history", func(tx *sql.Tx) error {
		put, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO history (command, rule, host, row, at, value) VALUES (?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer put.Close()
		trim, err := tx.PrepareContext(ctx, `DELETE FROM history WHERE command=?1 AND rule=?2 AND host=?3 AND row=?4 AND at <=
			(SELECT at FROM history WHERE command=?1 AND rule=?2 AND host=?3 AND row=?4 ORDER BY at DESC LIMIT 1 OFFSET ?5)`)
		if err != nil {
			return err
		}
		defer trim.Close()
		seen := map[alerts.Key]bool{}
		for _, p := range points {
			k := p.Key
			if _, err := put.ExecContext(ctx, k.Command, k.Rule, k.Host, k.Row, ns(p.At), p.Value); err != nil {
				return err
			}
			seen[k] = true
		}
		for k := range seen {
			if _, err := trim.ExecContext(ctx, k.Command, k.Rule, k.Host, k.Row, HistoryPoints); err != nil {
				return err
			}
		}
		return nil
	})
}

// History returns the points of command's rules on host since since,
// oldest first, by key.
func (s *Store) History(ctx context.Context, command, host string, since time.Time) (map[alerts.Key][]Point, error) {
	var out map[alerts.Key][]Point
	err := s.retry(ctx, func(ctx context.Context) error {
		out = map[alerts.Key][]Point{}
		rows, err := s.db.QueryContext(ctx, `SELECT rule, row, at, value FROM history WHERE command=? AND host=? AND at>=? ORDER BY rule, row, at`, command, host, ns(since))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p := Point{Key: alerts.Key{Command: command, Host: host}}
			var at int64
			if err := rows.Scan(&p.Key.Rule, &p.Key.Row, &at, &p.Value); err != nil {
				return err
			}
			p.At = fromNS(at)
			out[p.Key] = append(out[p.Key], p)
		}
		return rows.Err()
	})
	return out, s.wrap("read history", err)
}
