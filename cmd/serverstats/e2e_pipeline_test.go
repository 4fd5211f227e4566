package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
