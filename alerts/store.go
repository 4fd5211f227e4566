package alerts

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	_ "modernc.org/sqlite" // pure-Go SQLite driver "sqlite"
)

// Store persists alert states, ad-hoc mutes and the outbox of undelivered
// notifications in one SQLite file, so that cron runs and daemon restarts
// keep debounce counters, mutes and pending deliveries. Several processes may
// use one file at once: every change is one IMMEDIATE transaction, and
// outbox entries are leased before they are sent.
type Store struct {
	db   *sql.DB
	Path string
}

const schema = `
CREATE TABLE IF NOT EXISTS alerts (
	command TEXT NOT NULL, rule TEXT NOT NULL, host TEXT NOT NULL, row TEXT NOT NULL,
	phase TEXT NOT NULL, count INTEGER NOT NULL, since INTEGER NOT NULL, last_value TEXT NOT NULL,
	last_queued INTEGER NOT NULL, last_notified INTEGER NOT NULL, mute_until INTEGER NOT NULL,
	suppressed INTEGER NOT NULL, notified INTEGER NOT NULL,
	remedy TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (command, rule, host, row)
);
CREATE TABLE IF NOT EXISTS mutes (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	host TEXT NOT NULL, command TEXT NOT NULL, rule TEXT NOT NULL,
	until INTEGER NOT NULL, reason TEXT NOT NULL, created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	handler TEXT NOT NULL, origin TEXT NOT NULL, created INTEGER NOT NULL,
	payload TEXT NOT NULL, keys TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0, next_attempt INTEGER NOT NULL,
	last_error TEXT NOT NULL DEFAULT '', lease_until INTEGER NOT NULL DEFAULT 0,
	lease_owner INTEGER NOT NULL DEFAULT 0, dead INTEGER NOT NULL DEFAULT 0
);
`

// DefaultStatePath is where the state file lives when --state is not given:
// /var/lib/serverstats/state.db for root, else
// $XDG_STATE_HOME/serverstats/state.db (default ~/.local/state).
func DefaultStatePath(getenv func(string) string, uid int, home string) string {
	if uid == 0 {
		return "/var/lib/serverstats/state.db"
	}
	base := getenv("XDG_STATE_HOME")
	if base == "" {
		base = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(base, "serverstats", "state.db")
}

// OpenStore opens (creating if needed) the state file at path.
func OpenStore(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open state: %w", err)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(15000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open state %s: %w", path, err)
	}
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("open state %s: %w", path, err)
	}
	if err := migrate(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open state %s: %w", path, err)
	}
	return &Store{db: db, Path: path}, nil
}

// migrate brings a state file made by an older serverstats up to the
// schema, in one IMMEDIATE transaction so that two processes opening it at
// once do not both alter it: the alerts table gains the remedy column.
func migrate(db *sql.DB) error {
	tx, err := db.Begin()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.Query(`SELECT name FROM pragma_table_info('alerts')`)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	has := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return fmt.Errorf("migrate: %w", err)
		}
		has[name] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if !has["remedy"] {
		if _, err := tx.Exec(`ALTER TABLE alerts ADD COLUMN remedy TEXT NOT NULL DEFAULT ''`); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	return tx.Commit()
}

// remedyJSON is the remediation part of a State, stored as JSON in the
// alerts table's remedy column ("" when all zero).
type remedyJSON struct {
	Runs       int    `json:"runs,omitempty"`
	Acted      RunSet `json:"acted,omitzero"`
	GraceUntil int64  `json:"grace_until,omitempty"` // Unix nanoseconds
	GaveUp     bool   `json:"gave_up,omitempty"`
}

func encodeRemedy(st State) (string, error) {
	r := remedyJSON{Runs: st.Runs, Acted: st.Acted, GraceUntil: ns(st.GraceUntil), GaveUp: st.GaveUp}
	if r == (remedyJSON{}) {
		return "", nil
	}
	b, err := json.Marshal(r)
	return string(b), err
}

func decodeRemedy(s string, st *State) error {
	if s == "" {
		return nil
	}
	var r remedyJSON
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return err
	}
	st.Runs, st.Acted, st.GraceUntil, st.GaveUp = r.Runs, r.Acted, fromNS(r.GraceUntil), r.GaveUp
	return nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

func ns(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNS(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// Envelope is one message for one handler: a group of notifications, and
// the alert keys whose mute-for windows start when it is delivered.
type Envelope struct {
	Handler       string
	Notifications []Notification
	Keys          []KeyMute
}

// KeyMute is an alert key and its rule's mute-for.
type KeyMute struct {
	Key     Key           `json:"key"`
	MuteFor time.Duration `json:"mute_for"`
}

// Transition is what one run decided for one command.
type Transition struct {
	States  []State // new or changed states
	Removed []Key   // keys to forget
	Out     []Envelope
	// Actions are the remediations due, to be run after the transition is
	// saved (so a crash never runs one twice: it may run one fewer).
	Actions []ActionRequest
}

// ActionRequest is one remediation to run: Cmd on Key.Host, on behalf of
// the rule Key.Rule, whose handlers are told if it fails.
type ActionRequest struct {
	Key      Key
	Cmd      string
	Handlers []string
	Severity Severity
	Row      string // the row's key, for messages
}

// Update loads the states of command and the mutes in force at now, lets
// decide compute the run's transition, and saves it, with its outbox
// entries, in one transaction. Two processes running the same command at
// once take turns here, so neither sees a stale state and nothing is queued
// twice.
func (s *Store) Update(ctx context.Context, command string, now time.Time, decide func(map[Key]State, []Mute) (Transition, error)) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("update state: %w", err)
	}
	defer tx.Rollback()
	states, err := loadStates(ctx, tx, command)
	if err != nil {
		return err
	}
	mutes, err := activeMutes(ctx, tx, now)
	if err != nil {
		return err
	}
	tr, err := decide(states, mutes)
	if err != nil {
		return err
	}
	for _, st := range tr.States {
		remedy, err := encodeRemedy(st)
		if err != nil {
			return fmt.Errorf("save state %s: %w", st.Key, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO alerts (`+alertColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			st.Command, st.Rule, st.Host, st.Row, string(st.Phase), st.Count, ns(st.Since), st.LastValue,
			ns(st.LastQueued), ns(st.LastNotified), ns(st.MuteUntil), st.Suppressed, st.Notified, remedy); err != nil {
			return fmt.Errorf("save state %s: %w", st.Key, err)
		}
	}
	for _, k := range tr.Removed {
		if _, err := tx.ExecContext(ctx, `DELETE FROM alerts WHERE command=? AND rule=? AND host=? AND row=?`, k.Command, k.Rule, k.Host, k.Row); err != nil {
			return fmt.Errorf("forget state %s: %w", k, err)
		}
	}
	for _, e := range tr.Out {
		if err := enqueue(ctx, tx, e, e.Handler, now); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("update state: %w", err)
	}
	return nil
}

const alertColumns = `command, rule, host, row, phase, count, since, last_value, last_queued, last_notified, mute_until, suppressed, notified, remedy`

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func loadStates(ctx context.Context, q querier, command string) (map[Key]State, error) {
	where, args := "", []any{}
	if command != "" {
		where, args = " WHERE command=?", []any{command}
	}
	rows, err := q.QueryContext(ctx, `SELECT `+alertColumns+` FROM alerts`+where, args...)
	if err != nil {
		return nil, fmt.Errorf("load state: %w", err)
	}
	defer rows.Close()
	out := map[Key]State{}
	for rows.Next() {
		var st State
		var phase, remedy string
		var since, lq, ln, mu int64
		if err := rows.Scan(&st.Command, &st.Rule, &st.Host, &st.Row, &phase, &st.Count, &since, &st.LastValue, &lq, &ln, &mu, &st.Suppressed, &st.Notified, &remedy); err != nil {
			return nil, fmt.Errorf("load state: %w", err)
		}
		if err := decodeRemedy(remedy, &st); err != nil {
			return nil, fmt.Errorf("load state %s: remedy: %w", st.Key, err)
		}
		st.Phase, st.Since, st.LastQueued, st.LastNotified, st.MuteUntil = Phase(phase), fromNS(since), fromNS(lq), fromNS(ln), fromNS(mu)
		out[st.Key] = st
	}
	return out, rows.Err()
}

// States returns every stored alert state.
func (s *Store) States(ctx context.Context) (map[Key]State, error) {
	return loadStates(ctx, s.db, "")
}

func enqueue(ctx context.Context, q querier, e Envelope, origin string, now time.Time) error {
	payload, err := json.Marshal(e.Notifications)
	if err != nil {
		return fmt.Errorf("queue for %s: %w", e.Handler, err)
	}
	keys, err := json.Marshal(e.Keys)
	if err != nil {
		return fmt.Errorf("queue for %s: %w", e.Handler, err)
	}
	_, err = q.ExecContext(ctx, `INSERT INTO outbox (handler, origin, created, payload, keys, next_attempt) VALUES (?,?,?,?,?,?)`,
		e.Handler, origin, ns(now), string(payload), string(keys), ns(now))
	if err != nil {
		return fmt.Errorf("queue for %s: %w", e.Handler, err)
	}
	return nil
}

// Enqueue stores one envelope for delivery outside any run (test-alert,
// fallbacks).
func (s *Store) Enqueue(ctx context.Context, e Envelope, now time.Time) (int64, error) {
	payload, _ := json.Marshal(e.Notifications)
	keys, _ := json.Marshal(e.Keys)
	res, err := s.db.ExecContext(ctx, `INSERT INTO outbox (handler, origin, created, payload, keys, next_attempt) VALUES (?,?,?,?,?,?)`,
		e.Handler, e.Handler, ns(now), string(payload), string(keys), ns(now))
	if err != nil {
		return 0, fmt.Errorf("queue for %s: %w", e.Handler, err)
	}
	return res.LastInsertId()
}

// OutboxEntry is one stored message.
type OutboxEntry struct {
	ID          int64     `json:"id"`
	Handler     string    `json:"handler"`
	Origin      string    `json:"origin"` // the handler it was first meant for (differs after a fallback)
	Created     time.Time `json:"created"`
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt"`
	LastError   string    `json:"last_error,omitempty"`
	Dead        bool      `json:"dead"` // refused for good and no fallback took it: kept for a person to see

	Notifications []Notification `json:"notifications"`
	Keys          []KeyMute      `json:"-"`
}

const outboxColumns = `id, handler, origin, created, attempts, next_attempt, last_error, dead, payload, keys`

func scanEntries(rows *sql.Rows) ([]OutboxEntry, error) {
	var out []OutboxEntry
	err := scanRows(rows, func(e OutboxEntry, _, _ int64) { out = append(out, e) })
	return out, err
}

// scanRows reads outbox rows selected with outboxColumns (and, when the
// query adds them, lease_until and lease_owner).
func scanRows(rows *sql.Rows, each func(e OutboxEntry, leaseUntil, owner int64)) error {
	defer rows.Close()
	cols, _ := rows.Columns()
	for rows.Next() {
		var e OutboxEntry
		var created, next, leaseUntil, owner int64
		var payload, keys string
		dest := []any{&e.ID, &e.Handler, &e.Origin, &created, &e.Attempts, &next, &e.LastError, &e.Dead, &payload, &keys}
		if len(cols) > len(dest) {
			dest = append(dest, &leaseUntil, &owner)
		}
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("read outbox: %w", err)
		}
		e.Created, e.NextAttempt = fromNS(created), fromNS(next)
		if err := json.Unmarshal([]byte(payload), &e.Notifications); err != nil {
			return fmt.Errorf("read outbox entry %d: %w", e.ID, err)
		}
		_ = json.Unmarshal([]byte(keys), &e.Keys)
		each(e, leaseUntil, owner)
	}
	return rows.Err()
}

// Claim leases the oldest due entry for one of handlers to this process
// until now+lease, so that no other process sends it meanwhile, and
// returns it (ok is false when nothing is due). Entries for other handlers
// are left alone: a process that shares the state file with another config
// never takes, or fails, messages it cannot send. A lease held by a process
// that no longer exists (killed mid-send) is taken over at once: its
// message is sent again rather than lost.
func (s *Store) Claim(ctx context.Context, now time.Time, lease time.Duration, handlers []string) (e OutboxEntry, ok bool, err error) {
	if len(handlers) == 0 {
		return e, false, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return e, false, fmt.Errorf("claim outbox: %w", err)
	}
	defer tx.Rollback()
	args := []any{ns(now)}
	marks := make([]string, len(handlers))
	for i, h := range handlers {
		marks[i] = "?"
		args = append(args, h)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+outboxColumns+`, lease_until, lease_owner FROM outbox WHERE dead=0 AND next_attempt<=? AND handler IN (`+strings.Join(marks, ",")+`) ORDER BY id`, args...)
	if err != nil {
		return e, false, fmt.Errorf("claim outbox: %w", err)
	}
	err = scanRows(rows, func(c OutboxEntry, leaseUntil, owner int64) {
		if !ok && (leaseUntil <= ns(now) || !processAlive(int(owner))) {
			e, ok = c, true
		}
	})
	if err != nil || !ok {
		return e, false, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE outbox SET lease_until=?, lease_owner=? WHERE id=?`, ns(now.Add(lease)), os.Getpid(), e.ID); err != nil {
		return e, false, fmt.Errorf("claim outbox: %w", err)
	}
	return e, true, tx.Commit()
}

// processAlive reports whether process pid exists (0: no owner recorded).
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Done removes a delivered entry and starts the mute-for windows of its keys.
func (s *Store) Done(ctx context.Context, e OutboxEntry, at time.Time) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("mark delivered: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE id=?`, e.ID); err != nil {
		return fmt.Errorf("mark delivered: %w", err)
	}
	for _, km := range e.Keys {
		states, err := loadStates(ctx, tx, km.Key.Command)
		if err != nil {
			return err
		}
		st, ok := states[km.Key]
		if !ok {
			continue
		}
		st = Delivered(st, at, km.MuteFor)
		if _, err := tx.ExecContext(ctx, `UPDATE alerts SET last_notified=?, mute_until=? WHERE command=? AND rule=? AND host=? AND row=?`,
			ns(st.LastNotified), ns(st.MuteUntil), st.Command, st.Rule, st.Host, st.Row); err != nil {
			return fmt.Errorf("mark delivered: %w", err)
		}
	}
	return tx.Commit()
}

// Retry records a failed attempt and when to try again.
func (s *Store) Retry(ctx context.Context, id int64, lastErr string, next time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE outbox SET attempts=attempts+1, last_error=?, next_attempt=?, lease_until=0 WHERE id=?`, lastErr, ns(next), id)
	if err != nil {
		return fmt.Errorf("record failed delivery: %w", err)
	}
	return nil
}

// Reroute hands an entry to another handler (a fallback), to be tried now.
// Its age (for the fallback's max-age) counts from now.
func (s *Store) Reroute(ctx context.Context, id int64, handler, lastErr string, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE outbox SET handler=?, attempts=0, last_error=?, next_attempt=?, created=?, lease_until=0 WHERE id=?`, handler, lastErr, ns(now), ns(now), id)
	if err != nil {
		return fmt.Errorf("reroute to %s: %w", handler, err)
	}
	return nil
}

// Bury keeps an entry that no handler will take, for `serverstats status`
// to show; it is never retried.
func (s *Store) Bury(ctx context.Context, id int64, lastErr string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE outbox SET attempts=attempts+1, dead=1, last_error=?, lease_until=0 WHERE id=?`, lastErr, id)
	if err != nil {
		return fmt.Errorf("record undeliverable: %w", err)
	}
	return nil
}

// Outbox lists every stored entry, pending and dead.
func (s *Store) Outbox(ctx context.Context) ([]OutboxEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+outboxColumns+` FROM outbox ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	return scanEntries(rows)
}

// Mute is an ad-hoc silence: every alert whose command, rule and host match
// (an empty field matches anything) is held back until Until.
type Mute struct {
	ID      int64     `json:"id"`
	Host    string    `json:"host,omitempty"`
	Command string    `json:"command,omitempty"`
	Rule    string    `json:"rule,omitempty"`
	Until   time.Time `json:"until"`
	Reason  string    `json:"reason"`
	Created time.Time `json:"created"`
}

// Matches reports whether the mute covers key k.
func (m Mute) Matches(k Key) bool {
	return (m.Host == "" || m.Host == k.Host) && (m.Command == "" || m.Command == k.Command) && (m.Rule == "" || m.Rule == k.Rule)
}

// ErrNoSuchMute is returned by Unmute for an unknown id.
var ErrNoSuchMute = errors.New("no such mute")

// AddMute stores a mute and returns its id.
func (s *Store) AddMute(ctx context.Context, m Mute) (int64, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO mutes (host, command, rule, until, reason, created) VALUES (?,?,?,?,?,?)`,
		m.Host, m.Command, m.Rule, ns(m.Until), m.Reason, ns(m.Created))
	if err != nil {
		return 0, fmt.Errorf("add mute: %w", err)
	}
	return res.LastInsertId()
}

// Unmute removes a mute.
func (s *Store) Unmute(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM mutes WHERE id=?`, id)
	if err != nil {
		return fmt.Errorf("unmute: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("unmute %d: %w", id, ErrNoSuchMute)
	}
	return nil
}

// Mutes returns the mutes in force at now.
func (s *Store) Mutes(ctx context.Context, now time.Time) ([]Mute, error) {
	return activeMutes(ctx, s.db, now)
}

func activeMutes(ctx context.Context, q querier, now time.Time) ([]Mute, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, host, command, rule, until, reason, created FROM mutes WHERE until>? ORDER BY id`, ns(now))
	if err != nil {
		return nil, fmt.Errorf("load mutes: %w", err)
	}
	defer rows.Close()
	var out []Mute
	for rows.Next() {
		var m Mute
		var until, created int64
		if err := rows.Scan(&m.ID, &m.Host, &m.Command, &m.Rule, &until, &m.Reason, &created); err != nil {
			return nil, fmt.Errorf("load mutes: %w", err)
		}
		m.Until, m.Created = fromNS(until), fromNS(created)
		out = append(out, m)
	}
	return out, rows.Err()
}
