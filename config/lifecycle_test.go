package config

import (
	"testing"
	"time"
)

func window(t *testing.T, yaml string) *Window {
	t.Helper()
	c, err := Parse("m.yaml", []byte(`groups:
  web: [web1.example.com, web2.example.com]
commands:
  disk:
    cmd: df -P
    servers: [web]
maintenance:
`+yaml))
	if err != nil {
		t.Fatal(err)
	}
	return c.Maintenance[0]
}

// A weekly window in its own time zone: the same wall-clock hours in
// winter and summer, a two-hour window that spans the spring DST change
// lasting two real hours, and its scope as mutes.
func TestMaintenanceWindow(t *testing.T) {
	w := window(t, `  - {name: patching, schedule: "0 2 * * 0", duration: 2h, timezone: Europe/Paris, groups: [web], commands: [disk]}
`)
	paris, _ := time.LoadLocation("Europe/Paris")
	for _, c := range []struct {
		at     time.Time
		active bool
		until  time.Time
	}{
		{time.Date(2026, 1, 11, 1, 59, 0, 0, paris), false, time.Time{}}, // Sunday, winter, before
		{time.Date(2026, 1, 11, 2, 0, 0, 0, paris), true, time.Date(2026, 1, 11, 4, 0, 0, 0, paris)},
		{time.Date(2026, 1, 11, 3, 59, 0, 0, paris), true, time.Date(2026, 1, 11, 4, 0, 0, 0, paris)},
		{time.Date(2026, 1, 11, 4, 0, 0, 0, paris), false, time.Time{}},
		{time.Date(2026, 1, 12, 2, 30, 0, 0, paris), false, time.Time{}},                                 // Monday
		{time.Date(2026, 7, 12, 2, 30, 0, 0, paris), true, time.Date(2026, 7, 12, 4, 0, 0, 0, paris)},    // summer: 02:00 local still
		{time.Date(2026, 7, 12, 1, 30, 0, 0, time.UTC), true, time.Date(2026, 7, 12, 4, 0, 0, 0, paris)}, // = 03:30 CEST
	} {
		until, ok := w.ActiveAt(c.at)
		if ok != c.active || !until.Equal(c.until) {
			t.Errorf("at %s: active %v until %s; want %v until %s", c.at, ok, until, c.active, c.until)
		}
	}
	// 29 March 2026, 01:00 CET, two real hours: until 04:00 CEST (02:00 does not exist that day).
	dst := window(t, `  - {name: night, schedule: "0 1 * * 0", duration: 2h, timezone: Europe/Paris}
`)
	start := time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC) // 01:00 CET
	if until, ok := dst.ActiveAt(start.Add(90 * time.Minute)); !ok || !until.Equal(start.Add(2*time.Hour)) {
		t.Errorf("across the DST change: active %v until %s, want until %s", ok, until, start.Add(2*time.Hour))
	}
	if _, ok := dst.ActiveAt(start.Add(2*time.Hour + time.Second)); ok {
		t.Error("still active after two real hours")
	}
	ms := w.Mutes(time.Date(2026, 1, 11, 4, 0, 0, 0, paris))
	if len(ms) != 2 || ms[0].Host != "web1.example.com" || ms[1].Command != "disk" || ms[0].Reason != "maintenance patching" {
		t.Errorf("mutes %+v", ms)
	}
}

func TestMaintenanceErrors(t *testing.T) {
	for text, want := range map[string]string{
		`  - {schedule: "0 2 * * 0", duration: 2h, timezone: Mars/Olympus}`: "m.yaml:8: maintenance[0].timezone: unknown time zone (got \"Mars/Olympus\")",
		`  - {schedule: "0 2 * * 0"}`:                                       "m.yaml:8: maintenance[0].duration: a window needs duration",
		`  - {schedule: "0 2 * * 0", duration: 1h, groups: [db]}`:           "m.yaml:8: maintenance[0].groups: undefined group (got \"db\")",
		`  - {schedule: "61 2 * * 0", duration: 1h}`:                        "m.yaml:8: maintenance[0].schedule: invalid schedule",
	} {
		_, err := Parse("m.yaml", []byte(`groups:
  web: [web1.example.com]
commands:
  disk:
    cmd: df -P
    servers: [web]
maintenance:
`+text+"\n"))
		if err == nil || len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
			t.Errorf("%s:\n got  %v\n want %s", text, err, want)
		}
	}
}

func TestDependsOn(t *testing.T) {
	base := `groups:
  dc: [jump, db1.example.com, db2.example.com]
commands:
  disk:
    cmd: df -P
    servers: [dc]
hosts:
`
	c, err := Parse("h.yaml", []byte(base+"  db1.example.com: {depends-on: [db2.example.com]}\n  db2.example.com: {depends-on: [jump]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p := c.DependsOn.Parents("db1.example.com"); len(p) != 2 || p[0] != "db2.example.com" || p[1] != "jump" {
		t.Errorf("parents %v", p)
	}
	if k := c.DependsOn.Children("jump"); len(k) != 2 {
		t.Errorf("children of jump %v", k)
	}
	for text, want := range map[string]string{
		"  db1.example.com: {depends-on: [bastion.example.com]}\n":                                                 `h.yaml:8: hosts.db1.example.com.depends-on: no command runs on this host, so it is never known to be down (got "bastion.example.com")`,
		"  db1.example.com: {depends-on: [db2.example.com]}\n  db2.example.com: {depends-on: [db1.example.com]}\n": `h.yaml:8: hosts.db1.example.com.depends-on: the host depends on itself through its parents`,
	} {
		_, err := Parse("h.yaml", []byte(base+text))
		if err == nil || len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
			t.Errorf("got  %v\nwant %s", err, want)
		}
	}
}
