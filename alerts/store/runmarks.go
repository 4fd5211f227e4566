package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"
)

// RunMark is what the state file remembers of a command's runs for
// `serverstats status`: the last run, its health code (0: every host and
// rule checked; 3: some could not be; see check.Report.Health) and the
// last run that checked everything.
type RunMark struct {
	Command string    `json:"command"`
	LastRun time.Time `json:"last_run"`
	Health  int       `json:"health"`
	Why     string    `json:"why,omitempty"` // why the last run was not OK
	LastOK  time.Time `json:"last_ok,omitzero"`
}

// runMarkPrefix names a command's mark in the meta table (no schema
// change: a row per command).
const runMarkPrefix = "run:"

// MarkRun records a run of command at at with its health code.
func (s *Store) MarkRun(ctx context.Context, command string, at time.Time, health int, why string) error {
	return s.writeRetry(ctx, "mark run", func(tx *sql.Tx) error {
		var m RunMark
		if old := metaTx(ctx, tx, runMarkPrefix+command); old != "" {
			_ = json.Unmarshal([]byte(old), &m) // a damaged mark starts over
		}
		m.Command, m.LastRun, m.Health, m.Why = command, at, health, why
		if health == 0 {
			m.LastOK = at
		}
		b, err := json.Marshal(m)
		if err != nil {
			return err
		}
		return setMeta(ctx, tx, runMarkPrefix+command, string(b))
	})
}

// RunMarks returns the mark of every command that has run, by command.
func (s *Store) RunMarks(ctx context.Context) (map[string]RunMark, error) {
	var out map[string]RunMark
	err := s.retry(ctx, func(ctx context.Context) error {
		out = map[string]RunMark{}
		rows, err := s.db.QueryContext(ctx, `SELECT name, value FROM meta WHERE name >= ? AND name < ?`, runMarkPrefix, "run;")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name, value string
			if err := rows.Scan(&name, &value); err != nil {
				return err
			}
			var m RunMark
			if json.Unmarshal([]byte(value), &m) == nil {
				out[strings.TrimPrefix(name, runMarkPrefix)] = m
			}
		}
		return rows.Err()
	})
	return out, s.wrap("read run marks", err)
}
