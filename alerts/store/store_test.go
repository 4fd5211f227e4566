package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	. "serverstats/alerts"
)

func openTestStore(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "state.db")
	s := openTestStore(t, path)
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	k := key("disk", "Use% > 90", "web1", "/var")
	st := State{Key: k, Phase: PhaseFiring, Count: 3, Since: now, LastValue: "93%", LastQueued: now, Notified: true}
	n := Notification{Status: StatusFiring, Command: "disk", Host: "web1", Key: "/var", Value: "93%", Time: now}
	_, err := s.Update(ctx, "disk", nil, now, func(states map[Key]State, mutes []Mute) (Transition, error) {
		if len(states) != 0 || len(mutes) != 0 {
			t.Errorf("fresh store has %v %v", states, mutes)
		}
		return Transition{States: []State{st}, Out: []Envelope{{Handler: "email", Notifications: []Notification{n}, Keys: []KeyMute{{Key: k, MuteFor: time.Hour}}}}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A second process opening the same file sees it all.
	s2 := openTestStore(t, path)
	states, err := s2.States(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := states[k]; got != st {
		t.Errorf("state = %+v\nwant    %+v", got, st)
	}
	if _, ok, _ := s2.Claim(ctx, now, time.Minute, []string{"sms"}); ok {
		t.Errorf("claimed a message for a handler it was not asked for")
	}
	entry, ok, err := s2.Claim(ctx, now, time.Minute, []string{"email"})
	if err != nil || !ok || entry.Handler != "email" || entry.Notifications[0].Value != "93%" {
		t.Fatalf("claim = %+v, %v, %v", entry, ok, err)
	}
	// Leased (by a live process): nobody else gets it until the lease ends.
	if again, ok, _ := s.Claim(ctx, now.Add(30*time.Second), time.Minute, []string{"email"}); ok {
		t.Errorf("claimed twice: %+v", again)
	}
	if err := s2.Retry(ctx, entry.ID, "dial tcp: connection refused", now.Add(time.Minute), nil); err != nil {
		t.Fatal(err)
	}
	if due, ok, _ := s.Claim(ctx, now.Add(59*time.Second), time.Minute, []string{"email"}); ok {
		t.Errorf("claimed before its retry time: %+v", due)
	}
	due, ok, _ := s.Claim(ctx, now.Add(time.Minute), time.Minute, []string{"email"})
	if !ok || due.Attempts != 1 || due.LastError != "dial tcp: connection refused" {
		t.Fatalf("retry claim = %+v", due)
	}
	delivered := now.Add(61 * time.Second)
	if err := s.Done(ctx, due.ID, delivered); err != nil {
		t.Fatal(err)
	}
	if left, _ := s.Outbox(ctx); len(left) != 0 {
		t.Errorf("outbox after delivery: %+v", left)
	}
	states, _ = s.States(ctx)
	if got := states[k]; !got.LastNotified.Equal(delivered) || !got.MuteUntil.Equal(delivered.Add(time.Hour)) {
		t.Errorf("delivery did not start the mute: %+v", got)
	}
}

func TestStoreMutes(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, filepath.Join(t.TempDir(), "state.db"))
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	id, err := s.AddMute(ctx, Mute{Host: "web1", Until: now.Add(2 * time.Hour), Reason: "disk swap", Created: now})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		at   time.Time
		key  Key
		want bool
	}{
		{now, key("disk", "r", "web1", "/"), true},                           // in window, host matches
		{now, key("disk", "r", "web2", "/"), false},                          // other host
		{now.Add(2*time.Hour - time.Second), key("x", "", "web1", ""), true}, // last second of the window
		{now.Add(2 * time.Hour), key("disk", "r", "web1", "/"), false},       // expired
	}
	for _, c := range cases {
		ms, err := s.Mutes(ctx, c.at)
		if err != nil {
			t.Fatal(err)
		}
		got := len(ms) == 1 && ms[0].Matches(c.key)
		if got != c.want {
			t.Errorf("at %v key %v: muted %v, want %v", c.at, c.key, got, c.want)
		}
	}
	if err := s.Unmute(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := s.Unmute(ctx, id); !errors.Is(err, ErrNoSuchMute) {
		t.Errorf("second unmute: %v", err)
	}
}

// Many store handles (as many processes would) claim from one outbox at
// once: every entry is claimed exactly once.
func TestStoreConcurrentClaims(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	seed := openTestStore(t, path)
	const entries = 60 // 6 workers x 20 tries = 120 claims for 60 entries
	for i := 0; i < entries; i++ {
		if err := seed.Enqueue(ctx, Envelope{Handler: "h", Notifications: []Notification{{Host: "x"}}}, now); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	claimed := map[int64]int{}
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		s := openTestStore(t, path)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				e, ok, err := s.Claim(ctx, now, time.Hour, []string{"h"})
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					mu.Lock()
					claimed[e.ID]++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if len(claimed) != entries {
		t.Errorf("%d entries claimed, want %d", len(claimed), entries)
	}
	for id, n := range claimed {
		if n != 1 {
			t.Errorf("entry %d claimed %d times", id, n)
		}
	}
}

// A lease held by a process that died mid-send (SIGKILL) is taken over at
// once when it ran in this PID namespace; one held by a live process, or
// by any process of another PID namespace (whose PIDs mean nothing here),
// is respected until it expires.
func TestStoreClaimTakesOverDeadLease(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, filepath.Join(t.TempDir(), "state.db"))
	if s.owner.ns == "" {
		t.Fatal("cannot read this process's PID namespace (/proc/self/ns/pid)")
	}
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	if err := s.Enqueue(ctx, Envelope{Handler: "email", Notifications: []Notification{{Host: "web1"}}}, now); err != nil {
		t.Fatal(err)
	}
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		pid   int
		ns    string
		until time.Time
		want  bool
	}{
		{dead.Process.Pid, s.owner.ns, now.Add(time.Hour), true},            // its owner is gone: claimable now
		{os.Getppid(), s.owner.ns, now.Add(time.Hour), false},               // a live owner keeps its lease
		{dead.Process.Pid, "other-boot/pid:[1]", now.Add(time.Hour), false}, // another namespace: its PID says nothing
		{os.Getppid(), "other-boot/pid:[1]", now, true},                     // ... until the lease expires
	} {
		if _, err := s.db.Exec(`UPDATE outbox SET lease_until=?, lease_pid=?, lease_ns=?, lease_token='someone'`, ns(c.until), c.pid, c.ns); err != nil {
			t.Fatal(err)
		}
		_, ok, err := s.Claim(ctx, now, time.Minute, []string{"email"})
		if err != nil || ok != c.want {
			t.Errorf("owner %d in %q: claimed %v, want %v (%v)", c.pid, c.ns, ok, c.want, err)
		}
	}
}

// The remediation guard survives between runs: Update saves it, a second
// handle loads it, and a state without one stores nothing for it.
func TestStoreRemedyRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	s := openTestStore(t, path)
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	k := key("web", "status != up", "web1", "nginx")
	plain := key("disk", "Use% > 90", "web1", "/")
	st := State{Key: k, Phase: PhaseFiring, Count: 4, Since: now, LastValue: "down", Notified: true,
		Runs: 7, Acted: NewRunSet(3, 5, 7), GraceUntil: now.Add(90 * time.Second), GaveUp: true}
	other := State{Key: plain, Phase: PhasePending, Count: 1, Since: now, LastValue: "95%"}
	_, err := s.Update(ctx, "", nil, now, func(map[Key]State, []Mute) (Transition, error) {
		return Transition{States: []State{st, other}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	states, err := openTestStore(t, path).States(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := states[k]; got != st {
		t.Errorf("state = %+v\nwant    %+v", got, st)
	}
	if got := states[plain]; got != other {
		t.Errorf("state = %+v\nwant    %+v", got, other)
	}
	var remedy string
	if err := s.db.QueryRow(`SELECT remedy FROM alerts WHERE command='disk'`).Scan(&remedy); err != nil || remedy != "" {
		t.Errorf("remedy column of a state without remediation: %q, %v", remedy, err)
	}
	if err := s.db.QueryRow(`SELECT remedy FROM alerts WHERE command='web'`).Scan(&remedy); err != nil || !strings.Contains(remedy, `"acted":[3,5,7]`) {
		t.Errorf("remedy column: %q, %v", remedy, err)
	}
}

// A state file made before remediation (no remedy column) opens, keeps its
// rows, and then stores remediation like a new one.
func TestStoreMigratesOldSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	old, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	k := key("disk", "Use% > 90", "web1", "/var")
	_, err = old.Exec(`
CREATE TABLE alerts (
	command TEXT NOT NULL, rule TEXT NOT NULL, host TEXT NOT NULL, row TEXT NOT NULL,
	phase TEXT NOT NULL, count INTEGER NOT NULL, since INTEGER NOT NULL, last_value TEXT NOT NULL,
	last_queued INTEGER NOT NULL, last_notified INTEGER NOT NULL, mute_until INTEGER NOT NULL,
	suppressed INTEGER NOT NULL, notified INTEGER NOT NULL,
	PRIMARY KEY (command, rule, host, row)
);
INSERT INTO alerts VALUES ('disk', 'Use% > 90', 'web1', '/var', 'firing', 3, ?, '93%', ?, ?, ?, 0, 1);`,
		ns(now), ns(now), ns(now), ns(now.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	old.Close()
	want := State{Key: k, Phase: PhaseFiring, Count: 3, Since: now, LastValue: "93%", LastQueued: now,
		LastNotified: now, MuteUntil: now.Add(time.Hour), Notified: true}
	for i := 0; i < 2; i++ { // migrated once, then opened as it is
		s := openTestStore(t, path)
		states, err := s.States(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := states[k]; len(states) != 1 || got != want {
			t.Fatalf("open %d: states %+v\nwant %+v", i, states, want)
		}
		s.Close()
	}
	s := openTestStore(t, path)
	want.Runs, want.Acted = 4, NewRunSet(4)
	_, err = s.Update(ctx, "disk", nil, now, func(states map[Key]State, _ []Mute) (Transition, error) {
		return Transition{States: []State{want}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if states, _ := s.States(ctx); states[k] != want {
		t.Errorf("after saving remediation: %+v\nwant %+v", states[k], want)
	}
}

// Ack marks the matching firing keys (not OK ones, not another command's),
// keeps the lifecycle fields across a reopen, and makes a run deciding at
// the same time decide again.
func TestStoreAck(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	s := openTestStore(t, path)
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	firing := State{Key: key("disk", "Use% > 90", "web1", "/var"), Phase: PhaseFiring, Since: now, Notified: true,
		Judged: 4, Flips: NewRunSet(1, 3), Escalated: 1}
	ok := State{Key: key("disk", "Use% > 90", "web1", "/"), Phase: PhasePending, Since: now, Count: 1}
	other := State{Key: key("load", "load1 > 4", "web1", ""), Phase: PhaseFiring, Since: now, Notified: true}
	for _, st := range []State{firing, ok, other} {
		if _, err := s.Update(ctx, st.Command, nil, now, func(map[Key]State, []Mute) (Transition, error) {
			return Transition{States: []State{st}}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	until := now.Add(2 * time.Hour)
	acked, err := s.Ack(ctx, Mute{Command: "disk", Host: "web1"}, "replacing the disk", until, now.Add(time.Minute))
	if err != nil || len(acked) != 1 || acked[0] != firing.Key {
		t.Fatalf("acked %v, %v; want only %v", acked, err, firing.Key)
	}
	states, err := openTestStore(t, path).States(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := states[firing.Key]
	if !got.Acked(now.Add(time.Hour)) || got.Acked(until) || got.AckReason != "replacing the disk" || got.Flips != firing.Flips || got.Escalated != 1 {
		t.Errorf("after ack: %+v", got)
	}
	if states[ok.Key].Acked(now) || states[other.Key].Acked(now) {
		t.Error("acked a key it did not match")
	}
}
