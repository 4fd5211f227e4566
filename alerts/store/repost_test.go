package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	. "serverstats/alerts"
)

// A re-post (KeyMute.Repost) delivered stamps nothing: the key's
// LastNotified and mute-for stay as the last real message left them, so
// the other handlers' reminders keep their pace. A reminder while a
// re-post waits for the same handler collapses into it. Reposted survives
// the state file.
func TestStoreRepostStampsNothing(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, filepath.Join(t.TempDir(), "state.db"))
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	k := key("disk", "Use% > 90", "web1", "/var")
	told := now.Add(-10 * time.Minute)
	st := State{Key: k, Phase: PhaseFiring, Count: 3, Since: told, LastValue: "93%", LastQueued: told, LastNotified: told,
		MuteUntil: told.Add(time.Minute), Notified: true, Reposted: now}
	n := Notification{Status: StatusReminder, Command: "disk", Rule: "Use% > 90", Host: "web1", Key: "/var", Value: "93%", Time: now, Since: told}
	update := func(at time.Time) Envelope {
		var out []Envelope
		var err error
		out, err = s.Update(ctx, "disk", nil, at, func(map[Key]State, []Mute) (Transition, error) {
			return Transition{States: []State{st}, Out: []Envelope{{Handler: "am", Notifications: []Notification{n},
				Keys: []KeyMute{{Key: k, MuteFor: time.Hour, Repost: true}}}}}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(out) == 0 {
			return Envelope{}
		}
		return out[0]
	}
	update(now)
	if again := update(now.Add(time.Minute)); len(again.Notifications) != 0 {
		t.Errorf("a second re-post while one waits was queued: %+v", again)
	}
	entry, ok, err := s.Claim(ctx, now, time.Minute, []string{"am"})
	if err != nil || !ok {
		t.Fatalf("claim = %v, %v", ok, err)
	}
	if !entry.Notifications[0].Since.Equal(told) {
		t.Errorf("since = %v, want %v", entry.Notifications[0].Since, told)
	}
	if err := s.Done(ctx, entry.ID, now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	states, err := s.States(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := states[k]
	if !got.LastNotified.Equal(told) || !got.MuteUntil.Equal(told.Add(time.Minute)) {
		t.Errorf("after a re-post: last notified %v, mute until %v; want %v, %v (unchanged)", got.LastNotified, got.MuteUntil, told, told.Add(time.Minute))
	}
	if !got.Reposted.Equal(now) {
		t.Errorf("reposted = %v, want %v", got.Reposted, now)
	}
}
