package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	. "serverstats/alerts"
)

func key(command, rule, host, row string) Key {
	return Key{Command: command, Rule: rule, Host: host, Row: row}
}

var t0 = time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)

// firing is a transition that fires n keys of command c and queues one
// envelope naming them all for handler h.
func firing(c, h string, n int, now time.Time) Transition {
	var tr Transition
	e := Envelope{Handler: h}
	for i := range n {
		k := key(c, "Use% > 90", "web1", fmt.Sprintf("/mnt/%05d", i))
		tr.States = append(tr.States, State{Key: k, Phase: PhaseFiring, Count: 1, Since: now, LastValue: "99%", LastQueued: now, Notified: true})
		e.Notifications = append(e.Notifications, Notification{Status: StatusFiring, Command: c, Host: "web1", Key: k.Row, Value: "99%", Time: now})
		e.Keys = append(e.Keys, KeyMute{Key: k, MuteFor: time.Hour})
	}
	tr.Out = []Envelope{e}
	return tr
}

// A message of 5,000 keys lists at most MaxNotifications notifications (the
// rest counted in a summary), and its delivery starts the mute-for of every
// one of the 5,000 keys.
func TestBigMessageBoundedKeysKept(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, filepath.Join(t.TempDir(), "state.db"))
	const n = 5000
	_, err := s.Update(ctx, "disk", []string{"web1"}, t0, func(map[Key]State, []Mute) (Transition, error) { return firing("disk", "email", n, t0), nil })
	if err != nil {
		t.Fatal(err)
	}
	e, ok, err := s.Claim(ctx, t0, time.Minute, []string{"email"})
	if err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if len(e.Notifications) != MaxNotifications || e.Keys != n {
		t.Fatalf("message lists %d notifications for %d keys, want %d for %d", len(e.Notifications), e.Keys, MaxNotifications, n)
	}
	last := e.Notifications[len(e.Notifications)-1]
	if last.Status != StatusSummary || last.Omitted[StatusFiring] != n-MaxNotifications+1 {
		t.Errorf("summary = %+v", last)
	}
	at := t0.Add(time.Minute)
	if err := s.Done(ctx, e.ID, at); err != nil {
		t.Fatal(err)
	}
	states, err := s.States(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for k, st := range states {
		if !st.MuteUntil.Equal(at.Add(time.Hour)) || !st.LastNotified.Equal(at) {
			t.Fatalf("%s: not stamped by the delivery: %+v", k, st)
		}
	}
	if len(states) != n {
		t.Errorf("%d states, want %d", len(states), n)
	}
	var left int
	s.db.QueryRow(`SELECT count(*) FROM outbox_keys`).Scan(&left)
	if left != 0 {
		t.Errorf("%d outbox keys left after delivery", left)
	}
}

// Done stamps keys as alerts.Delivered does: a later delivery moves
// last_notified forward, never back; a mute-for window only grows; a key of
// a rule with no mute-for keeps its window.
func TestDoneMatchesDelivered(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, filepath.Join(t.TempDir(), "state.db"))
	k1 := key("disk", "r", "web1", "/")
	k2 := key("disk", "r", "web1", "/var")
	st1 := State{Key: k1, Phase: PhaseFiring, LastNotified: t0.Add(time.Hour), MuteUntil: t0.Add(3 * time.Hour), Notified: true}
	st2 := State{Key: k2, Phase: PhaseFiring, MuteUntil: t0.Add(time.Minute), Notified: true}
	env := Envelope{Handler: "h", Notifications: []Notification{{Status: StatusFiring}, {Status: StatusFiring}},
		Keys: []KeyMute{{Key: k1, MuteFor: time.Hour}, {Key: k2, MuteFor: 0}}}
	_, err := s.Update(ctx, "disk", nil, t0, func(map[Key]State, []Mute) (Transition, error) {
		return Transition{States: []State{st1, st2}, Out: []Envelope{env}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e, _, _ := s.Claim(ctx, t0, time.Minute, []string{"h"})
	at := t0.Add(30 * time.Minute)
	if err := s.Done(ctx, e.ID, at); err != nil {
		t.Fatal(err)
	}
	states, _ := s.States(ctx)
	for _, c := range []struct {
		st State
		mf time.Duration
	}{{st1, time.Hour}, {st2, 0}} {
		want := Delivered(c.st, at, c.mf)
		if got := states[c.st.Key]; got != want {
			t.Errorf("%s: %+v\nwant %+v", c.st.Key, got, want)
		}
	}
}

// Two processes running the same command at once, each deciding from what
// it read: the firing is queued once, because the second write finds the
// states changed and decides again.
func TestConcurrentUpdatesQueueOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	k := key("disk", "r", "web1", "/")
	var wg sync.WaitGroup
	for range 6 {
		s := openTestStore(t, path)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Update(ctx, "disk", []string{"web1"}, t0, func(states map[Key]State, _ []Mute) (Transition, error) {
				if _, ok := states[k]; ok {
					return Transition{}, nil // already firing: nothing to tell
				}
				time.Sleep(20 * time.Millisecond) // widen the window between read and write
				return Transition{States: []State{{Key: k, Phase: PhaseFiring, Notified: true}},
					Out: []Envelope{{Handler: "h", Notifications: []Notification{{Status: StatusFiring}}, Keys: []KeyMute{{Key: k}}}}}, nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	out, err := openTestStore(t, path).Outbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 {
		t.Errorf("%d messages queued, want 1", len(out))
	}
}

// While a handler is down, a key's reminders collapse into the message
// already waiting for that handler; another handler, or a key with nothing
// pending, still gets its reminder.
func TestRemindersCollapseWhileHandlerDown(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, filepath.Join(t.TempDir(), "state.db"))
	k := key("disk", "r", "web1", "/")
	other := key("disk", "r", "web2", "/")
	remind := func(handler string, keys ...Key) Envelope {
		e := Envelope{Handler: handler}
		for _, k := range keys {
			e.Notifications = append(e.Notifications, Notification{Status: StatusReminder, Host: k.Host})
			e.Keys = append(e.Keys, KeyMute{Key: k})
		}
		return e
	}
	steps := []Envelope{remind("sms", k), remind("sms", k), remind("sms", k, other), remind("email", k)}
	for i, e := range steps {
		_, err := s.Update(ctx, "disk", nil, t0.Add(time.Duration(i)*time.Hour), func(map[Key]State, []Mute) (Transition, error) {
			return Transition{Out: []Envelope{e}}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	out, _ := s.Outbox(ctx)
	var got []string
	for _, e := range out {
		got = append(got, fmt.Sprintf("%s:%d", e.Handler, len(e.Notifications)))
	}
	if fmt.Sprint(got) != "[sms:1 sms:1 email:1]" {
		t.Errorf("outbox = %v, want [sms:1 sms:1 email:1] (k's reminders collapsed, web2's and email's kept)", got)
	}
}

// A new state file and its directory are private; an old 0644 file is
// tightened; an existing directory is tightened only when asked (the
// default state directory), never a directory the user chose.
func TestFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "made")
	path := filepath.Join(dir, "state.db")
	s := openTestStore(t, path)
	mode := func(p string) os.FileMode {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Mode().Perm()
	}
	if m := mode(path); m != 0o600 {
		t.Errorf("state file mode %o, want 600", m)
	}
	if m := mode(dir); m != 0o700 {
		t.Errorf("directory mode %o, want 700", m)
	}
	if _, err := s.States(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m := mode(path + "-wal"); m&0o077 != 0 {
		t.Errorf("-wal mode %o, readable by others", m)
	}
	s.Close()
	shared := t.TempDir()
	os.Chmod(shared, 0o755)
	old := filepath.Join(shared, "state.db")
	os.WriteFile(old, nil, 0o644)
	os.Chmod(old, 0o644)
	openTestStore(t, old).Close()
	if m := mode(old); m != 0o600 {
		t.Errorf("old file mode %o, want 600", m)
	}
	if m := mode(shared); m != 0o755 {
		t.Errorf("a directory the user chose was changed to %o", m)
	}
	s2, err := Open(context.Background(), old, Options{TightenDir: true})
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
	if m := mode(shared); m != 0o700 {
		t.Errorf("default directory mode %o, want 700", m)
	}
}

// Each broken file is an *Error naming the file, its kind and the way out.
func TestBrokenFiles(t *testing.T) {
	ctx := context.Background()
	random := filepath.Join(t.TempDir(), "state.db")
	junk := make([]byte, 64<<10)
	rand.Read(junk)
	os.WriteFile(random, junk, 0o600)

	// A real file with data, then its second half cut off.
	truncated := filepath.Join(t.TempDir(), "state.db")
	s := openTestStore(t, truncated)
	if _, err := s.Update(ctx, "disk", nil, t0, func(map[Key]State, []Mute) (Transition, error) { return firing("disk", "email", 3000, t0), nil }); err != nil {
		t.Fatal(err)
	}
	s.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	s.Close()
	fi, _ := os.Stat(truncated)
	os.Truncate(truncated, fi.Size()/2)

	parentFile := filepath.Join(t.TempDir(), "afile")
	os.WriteFile(parentFile, []byte("x"), 0o600)

	for _, c := range []struct {
		name, path string
		kind       Kind
	}{
		{"random bytes", random, KindCorrupt},
		{"truncated", truncated, KindCorrupt},
		{"directory is a file", filepath.Join(parentFile, "state.db"), KindReadOnly},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := Open(ctx, c.path, Options{})
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			var se *Error
			if !errors.As(err, &se) || se.Kind != c.kind {
				t.Fatalf("error %v, want kind %q", err, c.kind)
			}
			if msg := err.Error(); !strings.Contains(msg, c.path) || !strings.Contains(msg, se.Fix()) {
				t.Errorf("message does not name the file and the fix: %s", msg)
			}
		})
	}
}

// Opening a file that is up to date never takes the write lock: a read
// command works while another process holds it; a write waits LockWait,
// then fails as KindLocked.
func TestOpenWhileLocked(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	openTestStore(t, path).Close()
	holder, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	conn, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN EXCLUSIVE`); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, `ROLLBACK`)
	s, err := Open(ctx, path, Options{LockWait: 300 * time.Millisecond})
	if err != nil {
		t.Fatalf("open while another process writes: %v", err)
	}
	defer s.Close()
	if _, err := s.States(ctx); err != nil {
		t.Errorf("read while locked: %v", err)
	}
	_, err = s.Update(ctx, "disk", nil, t0, func(map[Key]State, []Mute) (Transition, error) { return firing("disk", "h", 1, t0), nil })
	var se *Error
	if !errors.As(err, &se) || se.Kind != KindLocked {
		t.Errorf("update while locked: %v, want KindLocked", err)
	}
}

// A file made by serverstats before schema 2, with a message waiting (keys
// as JSON), opens; the message is delivered and stamps its key.
func TestMigratesOutboxKeys(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	old, _ := sql.Open("sqlite", "file:"+path)
	_, err := old.Exec(schema + `
INSERT INTO alerts VALUES ('disk', 'r', 'web1', '/', 'firing', 1, 1, '99%', 1, 0, 0, 0, 1, '');
INSERT INTO outbox (handler, origin, created, payload, keys, next_attempt, lease_owner)
	VALUES ('email', 'email', 1, '[{"status":"firing","host":"web1"}]', '[{"key":{"command":"disk","rule":"r","host":"web1","row":"/"},"mute_for":3600000000000}]', 1, 4242);`)
	if err != nil {
		t.Fatal(err)
	}
	old.Close()
	s := openTestStore(t, path)
	e, ok, err := s.Claim(ctx, t0, time.Minute, []string{"email"})
	if err != nil || !ok || e.Keys != 1 {
		t.Fatalf("claim after migration: %+v %v %v", e, ok, err)
	}
	if err := s.Done(ctx, e.ID, t0); err != nil {
		t.Fatal(err)
	}
	states, _ := s.States(ctx)
	if st := states[key("disk", "r", "web1", "/")]; !st.MuteUntil.Equal(t0.Add(time.Hour)) {
		t.Errorf("migrated key not stamped: %+v", st)
	}
}

// Prune removes what is past the retention, and only that.
func TestPrune(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(ctx, path, Options{Retention: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	old, recent := t0.Add(-48*time.Hour), t0.Add(-time.Hour)
	for _, c := range []struct {
		cmd string
		at  time.Time
	}{{"gone", old}, {"live", recent}} {
		_, err := s.Update(ctx, c.cmd, []string{"web1"}, c.at, func(map[Key]State, []Mute) (Transition, error) { return firing(c.cmd, "h", 2, c.at), nil })
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, at := range []time.Time{old, recent} { // two undeliverable messages
		if err := s.Enqueue(ctx, Envelope{Handler: "dead", Notifications: []Notification{{Host: "x"}}}, at); err != nil {
			t.Fatal(err)
		}
	}
	s.db.Exec(`UPDATE outbox SET dead=1 WHERE handler='dead'`)
	s.AddMute(ctx, Mute{Host: "web1", Until: old, Reason: "over"})
	s.AddMute(ctx, Mute{Host: "web1", Until: t0.Add(time.Hour), Reason: "in force"})
	p, err := s.Prune(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	if p != (Pruned{States: 2, Messages: 1, Mutes: 1}) {
		t.Errorf("pruned %+v, want 2 states, 1 message, 1 mute", p)
	}
	states, _ := s.States(ctx)
	for k := range states {
		if k.Command != "live" {
			t.Errorf("kept %s", k)
		}
	}
	in, err := s.Info(ctx)
	if err != nil || in.PrunedTotal != 4 || !in.LastPrune.Equal(t0) {
		t.Errorf("info = %+v, %v", in, err)
	}
	if p, _ := s.MaybePrune(ctx, t0.Add(time.Minute)); p != (Pruned{}) {
		t.Errorf("pruned again within the hour: %+v", p)
	}
}

// Reset moves a file aside and keeps the messages it can read.
func TestReset(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	s := openTestStore(t, path)
	if _, err := s.Update(ctx, "disk", nil, t0, func(map[Key]State, []Mute) (Transition, error) { return firing("disk", "email", 3, t0), nil }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	aside, kept, err := Reset(ctx, path, Options{}, t0)
	if err != nil || kept != 1 {
		t.Fatalf("reset: kept %d, %v", kept, err)
	}
	if _, err := os.Stat(aside); err != nil {
		t.Errorf("old file not moved aside: %v", err)
	}
	s = openTestStore(t, path)
	states, _ := s.States(ctx)
	out, _ := s.Outbox(ctx)
	if len(states) != 0 || len(out) != 1 || out[0].Keys != 3 || len(out[0].Notifications) != 3 {
		t.Errorf("after reset: %d states, outbox %+v", len(states), out)
	}
	// Random bytes: nothing to keep, but a fresh file all the same.
	junk := make([]byte, 8192)
	rand.Read(junk)
	s.Close()
	os.WriteFile(path, junk, 0o600)
	os.Remove(path + "-wal")
	if _, kept, err := Reset(ctx, path, Options{}, t0.Add(time.Second)); err != nil || kept != 0 {
		t.Errorf("reset of random bytes: kept %d, %v", kept, err)
	}
	openTestStore(t, path)
}

func benchStore(b *testing.B) *Store {
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "state.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkUpdate saves a run that fires n keys (new states and a message
// naming them all); its time per key should not grow with n.
func BenchmarkUpdate(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s := benchStore(b)
			ctx := context.Background()
			for i := 0; b.Loop(); i++ {
				cmd := fmt.Sprint("c", i)
				tr := firing(cmd, "h", n, t0)
				if _, err := s.Update(ctx, cmd, []string{"web1"}, t0, func(map[Key]State, []Mute) (Transition, error) { return tr, nil }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
		})
	}
}

// BenchmarkDone marks delivered a message of n keys.
func BenchmarkDone(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s := benchStore(b)
			ctx := context.Background()
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				cmd := fmt.Sprint("c", i)
				tr := firing(cmd, "h", n, t0)
				if _, err := s.Update(ctx, cmd, nil, t0, func(map[Key]State, []Mute) (Transition, error) { return tr, nil }); err != nil {
					b.Fatal(err)
				}
				e, ok, err := s.Claim(ctx, t0, time.Minute, []string{"h"})
				if err != nil || !ok {
					b.Fatal(ok, err)
				}
				b.StartTimer()
				if err := s.Done(ctx, e.ID, t0); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
		})
	}
}
