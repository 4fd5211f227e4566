package scaffold

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"serverstats/config"
)

func TestCronSchedule(t *testing.T) {
	for _, c := range []struct{ in, want, note string }{
		{"", "*/5 * * * *", "no schedule"},
		{"*/10 * * * *", "*/10 * * * *", ""},
		{"30 */10 * * * *", "*/10 * * * *", "seconds field"},
		{"@every 5m", "*/5 * * * *", ""},
		{"@every 90s", "*/1 * * * *", "does not divide"},
		{"@every 10s", "* * * * *", "under a minute"},
		{"@every 2h", "0 */2 * * *", ""},
		{"@every 36h", "0 0 * * *", "once a day"},
		{"@hourly", "@hourly", ""},
		{"CRON_TZ=Europe/Paris 0 2 * * *", "0 2 * * *", "time zone"},
	} {
		got, note := CronSchedule(c.in)
		if got != c.want || (c.note == "") != (note == "") || !strings.Contains(note, c.note) {
			t.Errorf("CronSchedule(%q) = %q, %q; want %q, a note with %q", c.in, got, note, c.want, c.note)
		}
	}
}

// TestCrontab: one line per command, each a one-shot --alerts run under
// flock, appending to the log, in a form crontab itself accepts.
func TestCrontab(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "50% off") // % ends a crontab command unless escaped
	os.Mkdir(dir, 0o755)
	p := filepath.Join(dir, "serverstats.yaml")
	os.WriteFile(p, []byte(`commands:
  disk:
    servers: [localhost]
    cmd: df -h
    schedule: "@every 10m"
  load:
    servers: [localhost]
    cmd: uptime
`), 0o644)
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := Crontab(&b, cfg, "/usr/bin/serverstats", p, "root"); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"*/10 * * * * flock -n /var/log/serverstats/cron-disk.lock /usr/bin/serverstats -c '" + strings.ReplaceAll(p, "%", `\%`) + "' --alerts disk >>/var/log/serverstats/cron.log 2>&1\n",
		"# load: no schedule in the config; every 5 minutes\n",
		"*/5 * * * * flock -n /var/log/serverstats/cron-load.lock",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("crontab lacks %q:\n%s", want, out)
		}
	}
}

// With a shard (--shard, or shard: in the config), each line runs that
// shard's hosts only; and the unit of `scaffold --shard` is that shard's.
func TestScaffoldShardUnitAndCron(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "serverstats.yaml")
	os.WriteFile(p, []byte("commands:\n  load: {servers: [localhost], cmd: uptime}\n"), 0o644)
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Shard = config.Shard{K: 2, N: 3}
	var b strings.Builder
	if err := Crontab(&b, cfg, "/usr/bin/serverstats", p, "root"); err != nil {
		t.Fatal(err)
	}
	if want := " --alerts --shard 2/3 load >>"; !strings.Contains(b.String(), want) {
		t.Errorf("crontab lacks %q:\n%s", want, b.String())
	}
	wrote, err := Write(cfg, Options{Dir: dir, User: "root", Shard: cfg.Shard})
	if err != nil || len(wrote) != 2 || filepath.Base(wrote[0]) != "serverstats-shard-2-of-3.service" {
		t.Fatalf("wrote %v, %v", wrote, err)
	}
	unit, _ := os.ReadFile(wrote[0])
	if !strings.Contains(string(unit), " run -c "+p+" --state /var/lib/serverstats/state.db --shard 2/3\n") {
		t.Errorf("unit's ExecStart lacks --shard 2/3:\n%s", unit)
	}
}
