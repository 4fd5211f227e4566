package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

// pruneEvery is how often MaybePrune prunes.
const pruneEvery = time.Hour

// pruneBatch bounds the rows one prune transaction deletes per table, so
// that it never holds the write lock for long; the rest waits for the next.
const pruneBatch = 5000

// Pruned counts what one prune removed.
type Pruned struct {
	States, Messages, Mutes int64
}

// MaybePrune prunes when the last prune is older than an hour: cheap
// enough to call after every run.
func (s *Store) MaybePrune(ctx context.Context, now time.Time) (Pruned, error) {
	last, err := s.meta(ctx, "last_prune")
	if err != nil {
		return Pruned{}, s.wrap("prune", err)
	}
	if t, _ := strconv.ParseInt(last, 10, 64); t != 0 && now.Sub(fromNS(t)) < pruneEvery {
		return Pruned{}, nil
	}
	return s.Prune(ctx, now)
}

// Prune removes what is past the retention: undeliverable messages, mutes
// that ended, the states of (command, host) pairs that have not run (a
// command or host gone from every config using this file), and the run
// records themselves; then gives the space back to the filesystem.
func (s *Store) Prune(ctx context.Context, now time.Time) (Pruned, error) {
	cut := ns(now.Add(-s.opts.retention()))
	var p Pruned
	err := s.writeRetry(ctx, "prune", func(tx *sql.Tx) error {
		p = Pruned{}
		if _, err := execN(ctx, tx, `DELETE FROM outbox_keys WHERE outbox_id IN (SELECT id FROM outbox WHERE dead=1 AND created<? ORDER BY id LIMIT ?)`, cut, pruneBatch); err != nil {
			return err
		}
		var err error
		if p.Messages, err = execN(ctx, tx, `DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE dead=1 AND created<? ORDER BY id LIMIT ?)`, cut, pruneBatch); err != nil {
			return err
		}
		if p.Mutes, err = execN(ctx, tx, `DELETE FROM mutes WHERE id IN (SELECT id FROM mutes WHERE until<? LIMIT ?)`, cut, pruneBatch); err != nil {
			return err
		}
		if p.States, err = execN(ctx, tx, `DELETE FROM alerts WHERE rowid IN (SELECT a.rowid FROM alerts a
				WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.command=a.command AND r.host=a.host AND r.at>=?) LIMIT ?)`, cut, pruneBatch); err != nil {
			return err
		}
		// The history of keys no longer written (a host or command gone).
		if _, err := execN(ctx, tx, `DELETE FROM history WHERE (command, rule, host, row, at) IN (SELECT command, rule, host, row, at FROM history WHERE at<? LIMIT ?)`, cut, pruneBatch); err != nil {
			return err
		}
		if _, err := execN(ctx, tx, `DELETE FROM runs WHERE (command, host) IN (SELECT command, host FROM runs WHERE at<? LIMIT ?)`, cut, pruneBatch); err != nil {
			return err
		}
		total, _ := strconv.ParseInt(metaTx(ctx, tx, "pruned_total"), 10, 64)
		total += p.States + p.Messages + p.Mutes
		if err := setMeta(ctx, tx, "pruned_total", strconv.FormatInt(total, 10)); err != nil {
			return err
		}
		return setMeta(ctx, tx, "last_prune", strconv.FormatInt(ns(now), 10))
	})
	if err != nil {
		return p, err
	}
	if p != (Pruned{}) {
		// Give pages back (files made with auto_vacuum=INCREMENTAL; a no-op otherwise).
		_ = s.retry(ctx, func(ctx context.Context) error {
			_, err := s.db.ExecContext(ctx, `PRAGMA incremental_vacuum(2000)`)
			return err
		})
	}
	return p, nil
}

func execN(ctx context.Context, tx *sql.Tx, q string, args ...any) (int64, error) {
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (s *Store) meta(ctx context.Context, name string) (string, error) {
	var v string
	err := s.retry(ctx, func(ctx context.Context) error {
		err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE name=?`, name).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			v = ""
			return nil
		}
		return err
	})
	return v, err
}

func metaTx(ctx context.Context, tx *sql.Tx, name string) string {
	var v string
	_ = tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE name=?`, name).Scan(&v)
	return v
}

func setMeta(ctx context.Context, tx *sql.Tx, name, value string) error {
	_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)`, name, value)
	return err
}

// Info is what `serverstats status` says about the file itself.
type Info struct {
	Path        string        `json:"path"`
	SizeBytes   int64         `json:"size_bytes"` // the file and its write-ahead log
	States      int64         `json:"states"`
	Messages    int64         `json:"messages"`
	Dead        int64         `json:"undeliverable"`
	Retention   time.Duration `json:"retention_ns"`
	LastPrune   time.Time     `json:"last_prune,omitzero"`
	PrunedTotal int64         `json:"pruned_total"`
	// HistoryPoints counts the stored points of the status page's plots
	// (at most HistoryPoints per alert key).
	HistoryPoints int64 `json:"history_points"`
}

// Info describes the file: its size, row counts and retention.
func (s *Store) Info(ctx context.Context) (Info, error) {
	in := Info{Path: s.Path, Retention: s.opts.retention()}
	for _, p := range []string{s.Path, s.Path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			in.SizeBytes += fi.Size()
		}
	}
	err := s.retry(ctx, func(ctx context.Context) error {
		return s.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM alerts), (SELECT count(*) FROM outbox WHERE dead=0), (SELECT count(*) FROM outbox WHERE dead=1), (SELECT count(*) FROM history)`).
			Scan(&in.States, &in.Messages, &in.Dead, &in.HistoryPoints)
	})
	if err != nil {
		return in, s.wrap("read", err)
	}
	last, err := s.meta(ctx, "last_prune")
	if err != nil {
		return in, s.wrap("read", err)
	}
	if t, _ := strconv.ParseInt(last, 10, 64); t != 0 {
		in.LastPrune = fromNS(t)
	}
	total, err := s.meta(ctx, "pruned_total")
	if err != nil {
		return in, s.wrap("read", err)
	}
	in.PrunedTotal, _ = strconv.ParseInt(total, 10, 64)
	return in, nil
}

// Reset moves the state file at path aside (to path.broken-TIMESTAMP, with
// its -wal and -shm) and starts a fresh one, into which it copies the
// messages of the outbox it can still read, pending and undeliverable. It
// returns where the old file went and how many messages were kept. Alert
// states and mutes start over: a firing alert fires (and is told) again.
func Reset(ctx context.Context, path string, opts Options, now time.Time) (aside string, kept int, err error) {
	aside = fmt.Sprintf("%s.broken-%s", path, now.UTC().Format("20060102T150405Z"))
	var salvaged []Entry
	var keys [][]keyRow
	if _, err := os.Stat(path); err == nil {
		salvaged, keys = salvage(ctx, path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", 0, err
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Rename(path+suffix, aside+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", 0, fmt.Errorf("move %s aside: %w", path+suffix, err)
		}
	}
	s, err := Open(ctx, path, opts)
	if err != nil {
		return aside, 0, err
	}
	defer s.Close()
	err = s.writeRetry(ctx, "reset", func(tx *sql.Tx) error {
		for i, e := range salvaged {
			if err := restore(ctx, tx, e, keys[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return aside, 0, err
	}
	return aside, len(salvaged), nil
}

type keyRow struct {
	command, rule, host, row string
	muteFor                  int64
}

// salvage reads what it can of a damaged file's outbox, row by row: a row
// it cannot read is skipped, not fatal.
func salvage(ctx context.Context, path string) ([]Entry, [][]keyRow) {
	// A copy, so that reading never writes to (or locks) the broken file.
	tmp, err := os.CreateTemp("", "serverstats-salvage-*.db")
	if err != nil {
		return nil, nil
	}
	defer os.Remove(tmp.Name())
	src, err := os.Open(path)
	if err != nil {
		tmp.Close()
		return nil, nil
	}
	_, _ = io.Copy(tmp, src)
	src.Close()
	if wal, err := os.ReadFile(path + "-wal"); err == nil {
		_ = os.WriteFile(tmp.Name()+"-wal", wal, 0o600)
		defer os.Remove(tmp.Name() + "-wal")
	}
	tmp.Close()
	defer os.Remove(tmp.Name() + "-shm")
	db, err := sql.Open("sqlite", "file:"+tmp.Name())
	if err != nil {
		return nil, nil
	}
	defer db.Close()
	var ids []int64
	rows, err := db.QueryContext(ctx, `SELECT id FROM outbox ORDER BY id`)
	if err != nil {
		return nil, nil
	}
	for rows.Next() {
		var id int64
		if rows.Scan(&id) == nil {
			ids = append(ids, id)
		}
	}
	rows.Close()
	var out []Entry
	var keys [][]keyRow
	for _, id := range ids {
		var e Entry
		var created, next int64
		var payload string
		err := db.QueryRowContext(ctx, `SELECT id, handler, origin, created, attempts, next_attempt, last_error, dead, payload FROM outbox WHERE id=?`, id).
			Scan(&e.ID, &e.Handler, &e.Origin, &created, &e.Attempts, &next, &e.LastError, &e.Dead, &payload)
		if err != nil || json.Unmarshal([]byte(payload), &e.Notifications) != nil {
			continue
		}
		e.Created, e.NextAttempt = fromNS(created), fromNS(next)
		var ks []keyRow
		if kr, err := db.QueryContext(ctx, `SELECT command, rule, host, row, mute_for FROM outbox_keys WHERE outbox_id=?`, id); err == nil {
			for kr.Next() {
				var k keyRow
				if kr.Scan(&k.command, &k.rule, &k.host, &k.row, &k.muteFor) == nil {
					ks = append(ks, k)
				}
			}
			kr.Close()
		}
		out, keys = append(out, e), append(keys, ks)
	}
	return out, keys
}

func restore(ctx context.Context, tx *sql.Tx, e Entry, keys []keyRow) error {
	payload, err := json.Marshal(e.Notifications)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO outbox (handler, origin, created, payload, keys, attempts, next_attempt, last_error, dead) VALUES (?,?,?,?,'',?,?,?,?)`,
		e.Handler, e.Origin, ns(e.Created), string(payload), e.Attempts, ns(e.NextAttempt), e.LastError, e.Dead)
	if err != nil {
		return err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return err
	}
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO outbox_keys (outbox_id, command, rule, host, row, mute_for) VALUES (?,?,?,?,?,?)`,
			id, k.command, k.rule, k.host, k.row, k.muteFor); err != nil {
			return err
		}
	}
	return nil
}
