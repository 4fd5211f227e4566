package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"serverstats/collectors/sshdtest"
)

// An output that loses one column (a tool upgraded, an option dropped):
// only the rule on that column is UNKNOWN (told once to
// on-command-failure); the other rules are still judged and the host is
// checked. When the column comes back, the UNKNOWN resolves.
func TestE2EMissingColumnIsUnknownPerRule(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "plugin.out")
	write := func(s string) {
		if err := os.WriteFile(out, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(dir, "serverstats.yaml")
	if err := os.WriteFile(cfg, []byte(`
handlers:
  ops: {type: print, send-resolved: true}
on-command-failure: {handlers: [ops]}
commands:
  db:
    cmd: cat `+out+`
    servers: [localhost]
    key: name
    alerts:
      - {column: connections, trigger: "> 100"}
      - {column: lag, trigger: "> 30"}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state.db")

	both := "name  connections  lag\nmain          150    5\n"
	write(both)
	doc, _ := runJSON(t, cfg, state, "db")
	if doc.ExitCode != exitCritical || doc.Hosts[0].Status != "ok" {
		t.Fatalf("both columns: exit %d, host %q", doc.ExitCode, doc.Hosts[0].Status)
	}

	write("name  connections\nmain          150\n") // lag left out
	doc, _ = runJSON(t, cfg, state, "db")
	var unknown, other []string
	for _, q := range doc.Queued {
		for _, n := range q.Notifications {
			if q.Handler == "ops" && n.Status == "unknown" {
				unknown = append(unknown, n.Rule)
			} else {
				other = append(other, q.Handler+":"+n.Status+":"+n.Rule)
			}
		}
	}
	if doc.Hosts[0].Status != "ok" || doc.Hosts[0].Error != "" {
		t.Errorf("host %q (%s), want checked: one missing column is not a host failure", doc.Hosts[0].Status, doc.Hosts[0].Error)
	}
	if strings.Join(unknown, ",") != "lag > 30" || len(other) != 0 {
		t.Errorf("told UNKNOWN for %q and also %q; want only the lag rule, once", unknown, other)
	}
	if doc.ExitCode != exitCritical { // connections still fires: CRITICAL wins over UNKNOWN
		t.Errorf("exit %d, want %d", doc.ExitCode, exitCritical)
	}

	doc, _ = runJSON(t, cfg, state, "db") // still missing: told already
	if len(doc.Queued) != 0 {
		t.Errorf("third run queued %+v, want nothing new", doc.Queued)
	}

	write(both)
	doc, _ = runJSON(t, cfg, state, "db")
	resolved := 0
	for _, q := range doc.Queued {
		for _, n := range q.Notifications {
			if q.Handler == "ops" && n.Status == "resolved" && n.Rule == "lag > 30" {
				resolved++
			}
		}
	}
	if resolved != 1 {
		t.Errorf("column back: queued %+v, want the lag UNKNOWN resolved once to ops", doc.Queued)
	}
}

// The one-shot and the daemon send the remote exactly the command line of
// the config, so any login shell works: a csh user (csh has no `export`)
// gets the same table from `serverstats CMD` and from `serverstats run`, and
// a logging login shell sees the same -c argument from both.
func TestE2ESameCommandLineBothModes(t *testing.T) {
	csh, err := exec.LookPath("csh")
	if err != nil {
		t.Fatal("csh not found: apt-get install -y csh (scripts/test does)")
	}
	f := sshdtest.Start(t, 1)
	logPath := filepath.Join(f.Dir, "shell-args.log")
	wrapper := f.WriteFile("logging-shell", "#!/bin/sh\n"+`printf '%s\0' "$2" >> `+logPath+"\n"+`exec `+csh+` "$@"`+"\n")
	if err := os.Chmod(wrapper, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(logPath, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(logPath, 0o666); err != nil {
		t.Fatal(err)
	}
	const line = `echo "name value"; echo "csh-ok 7"`
	for _, shell := range []string{csh, wrapper} {
		user := f.AddUser(shell)
		cfg := fmt.Sprintf("ssh: {user: %q, known-hosts: %q, identity-files: [%q], agent: false, ssh-config: none, connect-timeout: 3s}\n",
			user, f.KnownHostsPath, f.UserKeyPath) + fmt.Sprintf(`daemon: {listen: "@ADDR@"}
commands:
  probe:
    servers: [%q]
    cmd: '%s'
    schedule: "@every 1s"
    alerts: [{column: value, trigger: "> 5"}]
`, f.Servers[0].Name, line)
		dir := t.TempDir()
		d := startDaemon(t, dir, cfg)
		waitFor(t, "a daemon run", func() bool { return d.status(t).runs("probe") >= 2 })
		st := d.status(t)
		d.stop(t, 10*time.Second)
		if c := st.Commands[0]; c.LastRun == nil || c.LastRun.HostsOK != 1 {
			t.Errorf("%s: daemon's last run %+v, want the host OK", shell, c.LastRun)
		}
		doc, stderr := runJSON(t, d.config, filepath.Join(dir, "oneshot.db"), "probe")
		if doc.Hosts[0].Status != "ok" || doc.cell(0, 0, "value") != "7" || doc.ExitCode != exitCritical {
			t.Errorf("%s: one-shot host %q, value %q, exit %d: %s", shell, doc.Hosts[0].Status, doc.cell(0, 0, "value"), doc.ExitCode, stderr)
		}
	}
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
	if len(got) < 2 {
		t.Fatalf("the logging shell saw %q, want runs from both modes", got)
	}
	for _, g := range got {
		if g != line {
			t.Errorf("the remote got -c %q, want exactly %q", g, line)
		}
	}
}
