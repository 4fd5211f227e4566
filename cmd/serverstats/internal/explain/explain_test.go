package explain

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"serverstats/alerts"
	"serverstats/alerts/store"
	"serverstats/config"
)

// now is the injected clock: 2026-12-03 03:12 UTC, a Thursday.
var now = time.Date(2026, 12, 3, 3, 12, 0, 0, time.UTC)

const testConfig = `groups:
  web: [web1, web2, gw]
handlers:
  email: {type: email, smtp: "127.0.0.1:25", from: mon@example.com, to: [ops@example.com, dba@example.com], fallback: pager}
  pager: {type: sms, account-sid-env: SID, auth-token-env: TOK, from: "+15550001111", to: ["+15552223333"]}
on-command-failure: {handlers: [pager]}
maintenance:
  - {name: thursday-patching, schedule: "0 3 * * 4", duration: 1h, hosts: [web2], commands: [disk]}
commands:
  disk:
    servers: [web]
    cmd: df -P
    key: Mounted on
    schedule: "*/5 * * * *"
    alerts:
      - {name: full, column: Use%, value-type: percent, trigger: "> 90", for: 3, handlers: [email], repeat: 4h}
`

func load(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Parse("serverstats.yaml", []byte(testConfig))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

var full = alerts.Key{Command: "disk", Rule: "full", Host: "web1", Row: "/var"}

func firing(k alerts.Key) alerts.State {
	return alerts.State{Key: k, Phase: alerts.PhaseFiring, Count: 4, Since: now.Add(-10 * time.Minute), LastValue: "93%"}
}

func one(t *testing.T, cfg *config.Config, snap Snapshot, host string) Reason {
	t.Helper()
	rs, err := Explain(cfg, snap, Query{Host: host, Command: "disk", Rule: "full"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 {
		t.Fatalf("%d reasons, want 1: %+v", len(rs), rs)
	}
	return rs[0]
}

func states(ss ...alerts.State) map[alerts.Key]alerts.State {
	m := map[alerts.Key]alerts.State{}
	for _, s := range ss {
		m[s.Key] = s
	}
	return m
}

// Each reason a notification is or is not sent, from the state file's
// snapshot and the config, at an injected time.
func TestExplainReasons(t *testing.T) {
	cfg := load(t)
	muted := firing(full)
	muted.Suppressed, muted.HeldBy = true, "mute 4: disk swap tonight"
	acked := firing(full)
	acked.Notified, acked.LastNotified, acked.LastQueued = true, now.Add(-9*time.Minute), now.Add(-10*time.Minute)
	acked.AckedAt, acked.AckReason = now.Add(-5*time.Minute), "replacing the disk"
	pending := alerts.State{Key: full, Phase: alerts.PhasePending, Count: 1, Since: now.Add(-2 * time.Minute), LastValue: "95%"}
	told := firing(full)
	told.Notified, told.LastNotified, told.LastQueued = true, now.Add(-9*time.Minute), now.Add(-10*time.Minute)
	flap := firing(full)
	flap.Flapping, flap.FlapSince = true, now.Add(-30*time.Minute)
	parent := firing(full)
	parent.Suppressed, parent.HeldBy = true, "suppressed: parent gw down (ping: UNKNOWN)"
	queued := firing(full)
	queued.Notified = true
	ackedQueued := queued
	ackedQueued.AckedAt, ackedQueued.AckReason = now.Add(-time.Minute), "on it"
	web2 := firing(alerts.Key{Command: "disk", Rule: "full", Host: "web2", Row: "/"})
	web2.Suppressed, web2.HeldBy = true, "maintenance thursday-patching"
	hostDown := alerts.State{Key: alerts.Key{Command: "disk", Host: "web1"}, Phase: alerts.PhaseFiring, Since: now.Add(-7 * time.Minute)}
	msg := func(dead bool) store.Entry {
		return store.Entry{ID: 12, Handler: "email", Origin: "email", Created: now.Add(-10 * time.Minute), Attempts: 3, NextAttempt: now.Add(2 * time.Minute),
			LastError: "dial tcp 127.0.0.1:25: connection refused", Dead: dead,
			Notifications: []alerts.Notification{{Status: alerts.StatusFiring, Command: "disk", Rule: "full", Host: "web1", Key: "/var"}}}
	}

	for _, c := range []struct {
		name    string
		host    string
		snap    Snapshot
		verdict string
		want    []string
	}{
		{"muted", "web1", Snapshot{States: states(muted), Mutes: []alerts.Mute{{ID: 4, Host: "web1", Until: now.Add(3 * time.Hour), Reason: "disk swap tonight"}}},
			Muted, []string{"Muted by mute 4 (\"disk swap tonight\") until 2026-12-03 06:12:00 UTC (in 3h0m0s)", "serverstats unmute 4", "Firing since 2026-12-03 03:02:00 UTC", "Use% is 93% (trigger > 90)"}},
		{"maintenance", "web2", Snapshot{States: states(web2)},
			Maintenance, []string{"In maintenance window thursday-patching until 2026-12-03 04:00:00 UTC (in 48m0s)"}},
		{"acked", "web1", Snapshot{States: states(acked)},
			Acked, []string{"Acknowledged 2026-12-03 03:07:00 UTC (5m0s ago) (\"replacing the disk\"), until it resolves", "Told: the last notification was delivered 2026-12-03 03:03:00 UTC", "No reminders while acknowledged"}},
		{"waiting for for", "web1", Snapshot{States: states(pending)},
			Waiting, []string{"held on 1 of 3 consecutive runs", "after 2 more run(s)", "at the earliest 2026-12-03 03:20:00 UTC (in 8m0s)"}},
		{"told, next reminder", "web1", Snapshot{States: states(told)},
			Told, []string{"delivered 2026-12-03 03:03:00 UTC (9m0s ago)", "Next reminder at the first run from 2026-12-03 07:03:00 UTC", "repeat: 4h0m0s"}},
		{"flapping", "web1", Snapshot{States: states(flap)},
			Flapping, []string{"Flapping since 2026-12-03 02:42:00 UTC (30m0s ago)"}},
		{"suppressed by parent", "web1", Snapshot{States: states(parent)},
			Parent, []string{"Held: parent gw down (ping: UNKNOWN)"}},
		{"queued", "web1", Snapshot{States: states(queued), Outbox: []store.Entry{msg(false)}},
			Queued, []string{"Queued: message 12 to email since 2026-12-03 03:02:00 UTC (10m0s ago), 3 attempt(s), next attempt 2026-12-03 03:14:00 UTC (in 2m0s); last error: dial tcp 127.0.0.1:25: connection refused"}},
		{"queued before an ack: still queued", "web1", Snapshot{States: states(ackedQueued), Outbox: []store.Entry{msg(false)}},
			Queued, []string{"Acknowledged", "Queued: message 12 to email"}},
		{"undeliverable", "web1", Snapshot{States: states(queued), Outbox: []store.Entry{msg(true)}},
			Undeliverable, []string{"UNDELIVERABLE: message 12 to email", "connection refused; its fallback pager did not take it either"}},
		{"not firing, from the history", "web1", Snapshot{States: states(), Last: map[alerts.Key]store.Point{full: {Key: full, At: now.Add(-2 * time.Minute), Value: 42}}},
			NotFiring, []string{"Not firing: Use% was 42 on /var at 2026-12-03 03:10:00 UTC (2m0s ago); the trigger is > 90"}},
		{"never ran", "web1", Snapshot{States: states()},
			NotFiring, []string{"has not run with --alerts"}},
	} {
		r := one(t, cfg, c.snap, c.host)
		text := strings.Join(r.Why, "\n")
		if r.Verdict != c.verdict {
			t.Errorf("%s: verdict %q, want %q\n%s", c.name, r.Verdict, c.verdict, text)
		}
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: no %q in\n%s", c.name, w, text)
			}
		}
		if !strings.Contains(text, "Handlers: email (email: ops@example.com, dba@example.com, fallback pager).") {
			t.Errorf("%s: handlers not named:\n%s", c.name, text)
		}
		if len(r.Recipients) != 2 || r.Recipients[0] != "ops@example.com" {
			t.Errorf("%s: recipients %q", c.name, r.Recipients)
		}
	}

	// The host itself could not be checked: its failure comes first, told
	// to on-command-failure, and its rules are not judged.
	rs, err := Explain(cfg, Snapshot{States: states(hostDown), Run: &store.RunMark{LastRun: now.Add(-2 * time.Minute), Health: 3, Why: "web1: UNKNOWN: connection refused"}},
		Query{Host: "web1", Command: "disk"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Verdict != NotChecked || rs[1].Verdict != NotChecked ||
		!strings.Contains(rs[0].Why[0], "web1: UNKNOWN: connection refused") || rs[0].Recipients[0] != "+15552223333" {
		t.Errorf("host down: %+v", rs)
	}
}

// A query naming what the config does not have is refused, naming what it has.
func TestExplainErrors(t *testing.T) {
	cfg := load(t)
	for q, want := range map[Query]string{
		{Host: "web1", Command: "dsk"}:               `--command "dsk": no such command`,
		{Host: "db9", Command: "disk"}:               `--host "db9": command disk does not run on it (its hosts: web1, web2, gw)`,
		{Host: "web1", Command: "disk", Rule: "use"}: `--rule "use": command disk has no such rule (its rules: "full")`,
	} {
		if _, err := Explain(cfg, Snapshot{}, q, now); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: %v, want %q", q, err, want)
		}
	}
}

// The text form: a headline per key, then the sentences, wrapped.
func TestPrint(t *testing.T) {
	var b bytes.Buffer
	Print(&b, []Reason{{Key: full, Verdict: Muted, Why: []string{strings.Repeat("word ", 30)}}})
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if lines[0] != "disk/full@web1[/var]: MUTED" || len(lines) != 3 || !strings.HasPrefix(lines[2], "    word") {
		t.Errorf("text:\n%s", b.String())
	}
	for _, l := range lines {
		if len(l) > 100 {
			t.Errorf("line longer than 100: %q", l)
		}
	}
}
