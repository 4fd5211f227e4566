package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"serverstats/alerts"
)

// extraJSON is the part of a State kept as JSON in the alerts table's
// remedy column ("" when all zero): the remediation guard and flap
// detection, which most keys never use.
type extraJSON struct {
	Runs       int           `json:"runs,omitempty"`
	Acted      alerts.RunSet `json:"acted,omitzero"`
	GraceUntil int64         `json:"grace_until,omitempty"` // Unix nanoseconds
	GaveUp     bool          `json:"gave_up,omitempty"`
	Judged     int           `json:"judged,omitempty"`
	Flips      alerts.RunSet `json:"flips,omitzero"`
	Flapping   bool          `json:"flapping,omitempty"`
	FlapSince  int64         `json:"flap_since,omitempty"`
	AckedAt    int64         `json:"acked_at,omitempty"`
	AckUntil   int64         `json:"ack_until,omitempty"`
	AckReason  string        `json:"ack_reason,omitempty"`
	Escalated  int           `json:"escalated,omitempty"`
	HeldBy     string        `json:"held_by,omitempty"`
	Reposted   int64         `json:"reposted,omitempty"`
}

func encodeRemedy(st alerts.State) (string, error) {
	r := extraJSON{Runs: st.Runs, Acted: st.Acted, GraceUntil: ns(st.GraceUntil), GaveUp: st.GaveUp,
		Judged: st.Judged, Flips: st.Flips, Flapping: st.Flapping, FlapSince: ns(st.FlapSince),
		AckedAt: ns(st.AckedAt), AckUntil: ns(st.AckUntil), AckReason: st.AckReason, Escalated: st.Escalated, HeldBy: st.HeldBy,
		Reposted: ns(st.Reposted)}
	if r == (extraJSON{}) {
		return "", nil
	}
	b, err := json.Marshal(r)
	return string(b), err
}

func decodeRemedy(s string, st *alerts.State) error {
	if s == "" {
		return nil
	}
	var r extraJSON
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return err
	}
	st.Runs, st.Acted, st.GraceUntil, st.GaveUp = r.Runs, r.Acted, fromNS(r.GraceUntil), r.GaveUp
	st.Judged, st.Flips, st.Flapping, st.FlapSince = r.Judged, r.Flips, r.Flapping, fromNS(r.FlapSince)
	st.AckedAt, st.AckUntil, st.AckReason, st.Escalated = fromNS(r.AckedAt), fromNS(r.AckUntil), r.AckReason, r.Escalated
	st.HeldBy, st.Reposted = r.HeldBy, fromNS(r.Reposted)
	return nil
}

const alertColumns = `command, rule, host, row, phase, count, since, last_value, last_queued, last_notified, mute_until, suppressed, notified, remedy`

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func loadStates(ctx context.Context, q querier, command string) (map[alerts.Key]alerts.State, error) {
	where, args := "", []any{}
	if command != "" {
		where, args = " WHERE command=?", []any{command}
	}
	rows, err := q.QueryContext(ctx, `SELECT `+alertColumns+` FROM alerts`+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[alerts.Key]alerts.State{}
	for rows.Next() {
		var st alerts.State
		var phase, remedy string
		var since, lq, ln, mu int64
		if err := rows.Scan(&st.Command, &st.Rule, &st.Host, &st.Row, &phase, &st.Count, &since, &st.LastValue, &lq, &ln, &mu, &st.Suppressed, &st.Notified, &remedy); err != nil {
			return nil, err
		}
		if err := decodeRemedy(remedy, &st); err != nil {
			return nil, fmt.Errorf("state %s: remedy: %w", st.Key, err)
		}
		st.Phase, st.Since, st.LastQueued, st.LastNotified, st.MuteUntil = alerts.Phase(phase), fromNS(since), fromNS(lq), fromNS(ln), fromNS(mu)
		out[st.Key] = st
	}
	return out, rows.Err()
}

// States returns every stored alert state.
func (s *Store) States(ctx context.Context) (map[alerts.Key]alerts.State, error) {
	var out map[alerts.Key]alerts.State
	err := s.retry(ctx, func(ctx context.Context) (err error) {
		out, err = loadStates(ctx, s.db, "")
		return err
	})
	return out, s.wrap("read", err)
}

// errStale says another process changed the command's states between our
// read and our write.
var errStale = errors.New("states changed meanwhile")

// Update loads the states of command and the mutes in force at now (no
// lock held), lets decide compute the run's transition, and saves it with
// its outbox messages in one short transaction: only the states that
// changed are written, each by primary key. If another process saved a
// transition of the same command in between, the states are read again
// and decide called again (it must be pure), so two processes running the
// same command at once never both queue the same firing.
//
// hosts are the hosts the run covered (checked or not): their last run is
// recorded, which is what retention goes by. It returns the envelopes as
// queued: a reminder that collapsed into a message already waiting is not
// in them.
func (s *Store) Update(ctx context.Context, command string, hosts []string, now time.Time, decide func(map[alerts.Key]alerts.State, []alerts.Mute) (alerts.Transition, error)) ([]alerts.Envelope, error) {
	for attempt := 0; ; attempt++ {
		queued, err := s.update(ctx, command, hosts, now, decide)
		if !errors.Is(err, errStale) || attempt == 8 {
			return queued, s.wrap("update", err)
		}
	}
}

func (s *Store) update(ctx context.Context, command string, hosts []string, now time.Time, decide func(map[alerts.Key]alerts.State, []alerts.Mute) (alerts.Transition, error)) (queued []alerts.Envelope, err error) {
	var (
		version int64
		states  map[alerts.Key]alerts.State
		mutes   []alerts.Mute
	)
	err = s.retry(ctx, func(ctx context.Context) (err error) {
		// The version first: a write landing after it makes ours stale.
		if version, err = commandVersion(ctx, s.db, command); err != nil {
			return err
		}
		if states, err = loadStates(ctx, s.db, command); err != nil {
			return err
		}
		mutes, err = activeMutes(ctx, s.db, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	tr, err := decide(states, mutes)
	if err != nil {
		return nil, err
	}
	type row struct {
		st     alerts.State
		remedy string
	}
	var changed []row
	for _, st := range tr.States {
		if old, ok := states[st.Key]; ok && old == st {
			continue
		}
		remedy, err := encodeRemedy(st)
		if err != nil {
			return nil, fmt.Errorf("state %s: %w", st.Key, err)
		}
		changed = append(changed, row{st, remedy})
	}
	err = s.retry(ctx, func(ctx context.Context) error {
		queued = nil
		return s.write(ctx, func(tx *sql.Tx) error {
			v, err := commandVersion(ctx, tx, command)
			if err != nil {
				return err
			}
			if v != version {
				return errStale
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO versions (command, version) VALUES (?, ?) ON CONFLICT (command) DO UPDATE SET version=excluded.version`, command, v+1); err != nil {
				return err
			}
			if len(changed) > 0 {
				put, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO alerts (`+alertColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
				if err != nil {
					return err
				}
				defer put.Close()
				for _, r := range changed {
					st := r.st
					if _, err := put.ExecContext(ctx, st.Command, st.Rule, st.Host, st.Row, string(st.Phase), st.Count, ns(st.Since), st.LastValue,
						ns(st.LastQueued), ns(st.LastNotified), ns(st.MuteUntil), st.Suppressed, st.Notified, r.remedy); err != nil {
						return fmt.Errorf("save state %s: %w", st.Key, err)
					}
				}
			}
			if len(tr.Removed) > 0 {
				del, err := tx.PrepareContext(ctx, `DELETE FROM alerts WHERE command=? AND rule=? AND host=? AND row=?`)
				if err != nil {
					return err
				}
				defer del.Close()
				for _, k := range tr.Removed {
					if _, err := del.ExecContext(ctx, k.Command, k.Rule, k.Host, k.Row); err != nil {
						return fmt.Errorf("forget state %s: %w", k, err)
					}
				}
			}
			if len(hosts) > 0 {
				ran, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO runs (command, host, at) VALUES (?,?,?)`)
				if err != nil {
					return err
				}
				defer ran.Close()
				for _, h := range hosts {
					if _, err := ran.ExecContext(ctx, command, h, ns(now)); err != nil {
						return err
					}
				}
			}
			for _, id := range tr.EndMutes {
				if _, err := tx.ExecContext(ctx, `UPDATE mutes SET until=? WHERE id=? AND until>?`, ns(now), id, ns(now)); err != nil {
					return err
				}
			}
			for _, e := range tr.Out {
				q, err := enqueue(ctx, tx, e, e.Handler, now)
				if err != nil {
					return err
				}
				if len(q.Notifications) > 0 {
					queued = append(queued, q)
				}
			}
			return nil
		})
	})
	return queued, err
}

func commandVersion(ctx context.Context, q querier, command string) (int64, error) {
	var v int64
	err := q.QueryRowContext(ctx, `SELECT version FROM versions WHERE command=?`, command).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return v, err
}

// Ack acknowledges every firing alert that m matches (its Host, Command and
// Rule; empty matches any) with reason, until it resolves or, when until
// is not zero, until then: its reminders and escalation stop, its resolve
// is still told. It returns the keys acknowledged. Each command touched
// gets a new version, so a run deciding meanwhile decides again.
func (s *Store) Ack(ctx context.Context, m alerts.Mute, reason string, until, now time.Time) ([]alerts.Key, error) {
	var acked []alerts.Key
	err := s.writeRetry(ctx, "ack", func(tx *sql.Tx) error {
		acked = nil
		states, err := loadStates(ctx, tx, m.Command)
		if err != nil {
			return err
		}
		put, err := tx.PrepareContext(ctx, `UPDATE alerts SET remedy=? WHERE command=? AND rule=? AND host=? AND row=?`)
		if err != nil {
			return err
		}
		defer put.Close()
		commands := map[string]bool{}
		for k, st := range states {
			if st.Phase != alerts.PhaseFiring || k.Rule == "" || !m.Matches(k) {
				continue
			}
			st.AckedAt, st.AckUntil, st.AckReason = now, until, alerts.Clip(reason, alerts.MaxTextLen)
			extra, err := encodeRemedy(st)
			if err != nil {
				return err
			}
			if _, err := put.ExecContext(ctx, extra, k.Command, k.Rule, k.Host, k.Row); err != nil {
				return err
			}
			acked = append(acked, k)
			commands[k.Command] = true
		}
		for c := range commands {
			if _, err := tx.ExecContext(ctx, `INSERT INTO versions (command, version) VALUES (?, 1) ON CONFLICT (command) DO UPDATE SET version=version+1`, c); err != nil {
				return err
			}
		}
		return nil
	})
	slices.SortFunc(acked, func(a, b alerts.Key) int { return strings.Compare(a.String(), b.String()) })
	return acked, err
}

// HostsDown says which of hosts are down as far as the state file knows: a
// command cannot be checked on it (its failure key fires), or a rule named
// "alive" fires on it. The values say why, by command: "ping: UNKNOWN",
// "ping: alive fires".
func (s *Store) HostsDown(ctx context.Context, hosts []string) (map[string][]string, error) {
	down := map[string][]string{}
	if len(hosts) == 0 {
		return down, nil
	}
	err := s.retry(ctx, func(ctx context.Context) error {
		clear(down)
		marks := strings.TrimSuffix(strings.Repeat("?,", len(hosts)), ",")
		args := make([]any, len(hosts))
		for i, h := range hosts {
			args[i] = h
		}
		rows, err := s.db.QueryContext(ctx, `SELECT host, command, rule FROM alerts WHERE phase='firing' AND ((rule='' AND row='') OR rule='alive') AND host IN (`+marks+`) ORDER BY host, command, rule`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var host, command, rule string
			if err := rows.Scan(&host, &command, &rule); err != nil {
				return err
			}
			why := command + ": UNKNOWN"
			if rule != "" {
				why = command + ": alive fires"
			}
			down[host] = append(down[host], why)
		}
		return rows.Err()
	})
	return down, s.wrap("read hosts down", err)
}
