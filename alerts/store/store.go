// Package store is serverstats' state file: alert states, ad-hoc mutes and
// the outbox of undelivered messages, in one SQLite file shared by cron
// runs, one-shots and the daemon.
//
// Every call costs O(the keys it touches): reads run outside any
// transaction, writes are short IMMEDIATE transactions keyed by primary
// key, and nothing is decoded while the write lock is held. A busy file is
// retried until the caller's deadline (or Options.LockWait); every other
// failure is an *Error that names the file, says what kind of failure it
// is (corrupt, locked, full, not writable) and how to get out of it.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Store is an open state file.
type Store struct {
	db    *sql.DB
	Path  string
	opts  Options
	owner owner
}

// Options tune a Store; the zero value is the default.
type Options struct {
	// LockWait bounds how long one call waits for a file another process
	// holds, when the context has no earlier deadline (default 10s).
	LockWait time.Duration
	// Retention is how long delivered-or-dead history is kept: undeliverable
	// messages, expired mutes, and the states of a (command, host) pair not
	// run for that long (default 30 days).
	Retention time.Duration
	// TightenDir makes the file's directory 0700 even when it already
	// existed (the default state directory, which a package or systemd's
	// StateDirectory= may have made 0755). A directory the store creates is
	// always 0700.
	TightenDir bool
	// SkipCheck skips the integrity check at open (PRAGMA quick_check).
	SkipCheck bool
}

func (o Options) lockWait() time.Duration {
	if o.LockWait > 0 {
		return o.LockWait
	}
	return 10 * time.Second
}

func (o Options) retention() time.Duration {
	if o.Retention > 0 {
		return o.Retention
	}
	return 30 * 24 * time.Hour
}

// DefaultPath is where the state file lives when none is given:
// /var/lib/serverstats/state.db for root, else
// $XDG_STATE_HOME/serverstats/state.db (default ~/.local/state).
func DefaultPath(getenv func(string) string, uid int, home string) string {
	if uid == 0 {
		return "/var/lib/serverstats/state.db"
	}
	base := getenv("XDG_STATE_HOME")
	if base == "" {
		base = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(base, "serverstats", "state.db")
}

// Kind is what went wrong with the state file.
type Kind string

// Kinds of state failures.
const (
	KindCorrupt  Kind = "corrupt"      // not a database, or damaged pages
	KindLocked   Kind = "locked"       // another process held the write lock past our deadline
	KindFull     Kind = "full"         // no space left on the file's filesystem
	KindReadOnly Kind = "not writable" // permissions, a read-only mount, a directory that is a file
	KindOther    Kind = "failed"
)

// Error is a failure of the state file, named with its path and a way out.
type Error struct {
	Op   string // what was being done: open, update, claim, deliver, read, ...
	Path string
	Kind Kind
	Err  error
}

func (e *Error) Error() string {
	return fmt.Sprintf("state file %s: %s: %s (%v); %s", e.Path, e.Op, e.Kind, e.Err, e.Fix())
}

func (e *Error) Unwrap() error { return e.Err }

// Fix says how to get out of the failure.
func (e *Error) Fix() string {
	switch e.Kind {
	case KindCorrupt:
		return "run `serverstats state reset` to move it aside and start a fresh one (undelivered messages it can still read are kept)"
	case KindLocked:
		return fmt.Sprintf("another process holds it; find it with `fuser -v %s` and let it finish, or stop it", e.Path)
	case KindFull:
		return "free space on its filesystem, or point state-file (or --state) elsewhere"
	case KindReadOnly:
		return "check that its directory exists, is a directory and is writable by this user, or point state-file (or --state) elsewhere"
	}
	return "see the error above; `serverstats state reset` starts a fresh file if it is damaged"
}

// IsUnavailable reports whether err is a failure of the state file (as
// opposed to, say, a cancelled context).
func IsUnavailable(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

// wrap classifies err as an *Error of op.
func (s *Store) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Op: op, Path: s.Path, Kind: classify(err), Err: err}
}

func classify(err error) Kind {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return KindCorrupt
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return KindLocked
		case sqlite3.SQLITE_FULL:
			return KindFull
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH:
			return KindReadOnly
		case sqlite3.SQLITE_IOERR:
			if strings.Contains(strings.ToLower(err.Error()), "full") {
				return KindFull
			}
		}
	}
	switch {
	case errors.Is(err, errCorrupt):
		return KindCorrupt
	case errors.Is(err, errWaited):
		return KindLocked
	case errors.Is(err, os.ErrPermission), errors.Is(err, errNotDir):
		return KindReadOnly
	case strings.Contains(err.Error(), "no space left"):
		return KindFull
	}
	return KindOther
}

var (
	errCorrupt = errors.New("integrity check failed")
	errNotDir  = errors.New("not a directory")
	errWaited  = errors.New("gave up waiting for the file's lock")
)

// busy reports whether err is SQLITE_BUSY or SQLITE_LOCKED: worth waiting.
func busy(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	return false
}

// Open opens (creating if needed) the state file at path: its directory
// 0700, the file 0600, the schema brought up to date (taking the write
// lock only when it must change), and an integrity check.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	s := &Store{Path: path, opts: opts, owner: newOwner()}
	if err := prepareFile(path, opts.TightenDir); err != nil {
		return nil, s.wrap("open", err)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(250)") // each wait; retry() bounds the whole
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(OFF)")
	q.Add("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, s.wrap("open", err)
	}
	db.SetMaxOpenConns(4)
	s.db = db
	if err := s.retry(ctx, func(ctx context.Context) error { return s.setup(ctx) }); err != nil {
		db.Close()
		return nil, s.wrap("open", err)
	}
	if !opts.SkipCheck {
		if err := s.retry(ctx, s.check); err != nil {
			db.Close()
			return nil, s.wrap("open", err)
		}
	}
	return s, nil
}

// prepareFile makes the directory (0700) and the file (0600) so that
// SQLite, which gives its -wal and -shm files the database's mode, never
// creates them readable by others.
func prepareFile(path string, tighten bool) error {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			return err
		}
	case err != nil:
		if errors.Is(err, syscall.ENOTDIR) {
			return fmt.Errorf("%s: %w", dir, errNotDir)
		}
		return err
	case !fi.IsDir():
		return fmt.Errorf("%s is a file: %w", dir, errNotDir)
	case tighten && fi.Mode().Perm()&0o077 != 0:
		if err := os.Chmod(dir, 0o700); err != nil && !errors.Is(err, os.ErrPermission) {
			return err
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err = f.Stat()
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return fmt.Errorf("%s is a directory: %w", path, errNotDir)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		// Made by an older serverstats (0644) or by hand: tighten it and its
		// companions, which hold the same data.
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, os.ErrPermission) {
				return err
			}
		}
	}
	return nil
}

// schemaVersion is the user_version of a file with the current schema.
const schemaVersion = 5

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
	until INTEGER NOT NULL, reason TEXT NOT NULL, created INTEGER NOT NULL,
	until_resolved INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS outbox (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	handler TEXT NOT NULL, origin TEXT NOT NULL, created INTEGER NOT NULL,
	payload TEXT NOT NULL, keys TEXT NOT NULL DEFAULT '',
	attempts INTEGER NOT NULL DEFAULT 0, next_attempt INTEGER NOT NULL,
	last_error TEXT NOT NULL DEFAULT '', lease_until INTEGER NOT NULL DEFAULT 0,
	lease_owner INTEGER NOT NULL DEFAULT 0, dead INTEGER NOT NULL DEFAULT 0
);
`

// schemaV2 is what version 2 adds: per-key rows of outbox messages (so a
// delivery updates its keys by primary key), lease owners that survive PID
// namespaces, per-command versions for optimistic updates, the last run of
// each (command, host) for retention, and a small key-value table.
const schemaV2 = `
CREATE TABLE IF NOT EXISTS outbox_keys (
	outbox_id INTEGER NOT NULL, command TEXT NOT NULL, rule TEXT NOT NULL, host TEXT NOT NULL, row TEXT NOT NULL,
	mute_for INTEGER NOT NULL, status TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (outbox_id, command, rule, host, row)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS outbox_keys_by_key ON outbox_keys (command, rule, host, row);
CREATE TABLE IF NOT EXISTS versions (command TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (command TEXT NOT NULL, host TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (command, host)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
`

// setup brings the schema up to date. A file already at schemaVersion is
// only read: opening never takes the write lock for nothing.
func (s *Store) setup(ctx context.Context) error {
	var v int
	if err := s.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return err
	}
	if v == schemaVersion {
		return s.walMode(ctx)
	}
	if v > schemaVersion {
		return fmt.Errorf("made by a newer serverstats (schema %d, this one knows %d): %w", v, schemaVersion, errCorrupt)
	}
	var tables int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&tables); err != nil {
		return err
	}
	if tables == 0 {
		// A new file: let deletes give space back (prune runs incremental_vacuum).
		if _, err := s.db.ExecContext(ctx, `PRAGMA auto_vacuum=INCREMENTAL`); err != nil {
			return err
		}
	}
	if err := s.walMode(ctx); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil || v == schemaVersion {
			return err // another process migrated it meanwhile
		}
		if _, err := tx.ExecContext(ctx, schema); err != nil {
			return err
		}
		if err := migrateV1(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, schemaV2); err != nil {
			return err
		}
		if err := migrateV2(ctx, tx); err != nil {
			return err
		}
		if err := migrateV3(ctx, tx); err != nil {
			return err
		}
		if err := migrateV4(ctx, tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version=%d`, schemaVersion))
		return err
	})
}

func (s *Store) walMode(ctx context.Context) error {
	var mode string
	if err := s.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return err
	}
	if strings.EqualFold(mode, "wal") {
		return nil
	}
	return s.db.QueryRowContext(ctx, `PRAGMA journal_mode=WAL`).Scan(&mode)
}

// migrateV1 brings a file of serverstats before schema 2 up: the remedy
// column, and outbox keys from their JSON column into outbox_keys.
func migrateV1(ctx context.Context, tx *sql.Tx) error {
	has, err := columns(ctx, tx, "alerts")
	if err != nil {
		return err
	}
	if !has["remedy"] {
		if _, err := tx.ExecContext(ctx, `ALTER TABLE alerts ADD COLUMN remedy TEXT NOT NULL DEFAULT ''`); err != nil {
			return err
		}
	}
	if has, err = columns(ctx, tx, "outbox"); err != nil {
		return err
	}
	for _, c := range []struct{ name, def string }{
		{"lease_token", `TEXT NOT NULL DEFAULT ''`}, {"lease_pid", `INTEGER NOT NULL DEFAULT 0`}, {"lease_ns", `TEXT NOT NULL DEFAULT ''`},
	} {
		if !has[c.name] {
			if _, err := tx.ExecContext(ctx, `ALTER TABLE outbox ADD COLUMN `+c.name+` `+c.def); err != nil {
				return err
			}
		}
	}
	if _, err := tx.ExecContext(ctx, schemaV2); err != nil {
		return err
	}
	return moveOutboxKeys(ctx, tx)
}

// migrateV2 brings a schema 2 file up: mutes that end on resolve.
func migrateV2(ctx context.Context, tx *sql.Tx) error {
	has, err := columns(ctx, tx, "mutes")
	if err != nil || has["until_resolved"] {
		return err
	}
	_, err = tx.ExecContext(ctx, `ALTER TABLE mutes ADD COLUMN until_resolved INTEGER NOT NULL DEFAULT 0`)
	return err
}

// columns returns the names of table's columns.
func columns(ctx context.Context, tx *sql.Tx, table string) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	has := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		has[name] = true
	}
	return has, rows.Err()
}

// check runs SQLite's quick integrity check.
func (s *Store) check(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `PRAGMA quick_check(3)`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", errCorrupt, strings.Join(problems, "; "))
	}
	return nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// retry runs f until it succeeds, fails with something other than a busy
// file, or the wait is over: the context's deadline or LockWait, whichever
// comes first. SIGTERM (a cancelled context) ends the wait at once.
func (s *Store) retry(ctx context.Context, f func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.lockWait())
	defer cancel()
	pause := 20 * time.Millisecond
	var lastBusy error
	for {
		err := f(ctx)
		switch {
		case err == nil:
			return nil
		case busy(err):
			lastBusy = err
		case ctx.Err() != nil && lastBusy != nil:
			return lastBusy // the wait ran out while the file was held
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			return fmt.Errorf("%w (%v)", errWaited, err) // cut inside SQLite's own wait for the lock
		default:
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (%v)", errWaited, lastBusy)
		case <-time.After(pause):
		}
		pause = min(2*pause, 500*time.Millisecond)
	}
}

// write runs f in one IMMEDIATE transaction.
func (s *Store) write(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// writeRetry is write under retry, its error classified as op.
func (s *Store) writeRetry(ctx context.Context, op string, f func(*sql.Tx) error) error {
	return s.wrap(op, s.retry(ctx, func(ctx context.Context) error { return s.write(ctx, f) }))
}

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

// owner is who holds an outbox lease: a random token per open store, and
// the process and PID namespace, so that a holder known dead (same boot,
// same namespace, no such process) is taken over at once; any other holder
// only when its lease expires.
type owner struct {
	token string
	pid   int
	ns    string // boot id and PID namespace; "" when unknown
}

func newOwner() owner {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return owner{token: hex.EncodeToString(b), pid: os.Getpid(), ns: pidNamespace()}
}

func pidNamespace() string {
	boot, err1 := os.ReadFile("/proc/sys/kernel/random/boot_id")
	pidns, err2 := os.Readlink("/proc/self/ns/pid")
	if err1 != nil || err2 != nil {
		return ""
	}
	return strings.TrimSpace(string(boot)) + "/" + pidns
}
