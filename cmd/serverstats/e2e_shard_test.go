package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"serverstats/config"
)

// shardConfig is a config over six local targets (sharded by name; they
// are never contacted here).
const shardConfig = `groups: {fleet: [a.example, b.example, c.example, d.example, e.example, f.example]}
commands:
  up: {servers: [fleet], cmd: uptime}
`

// `scaffold --shard K/N` writes that shard's unit, which systemd accepts
// and whose daemon runs --shard K/N.
func TestScaffoldShard(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Fatal("systemd-analyze not found: apt-get install -y systemd (scripts/test does)")
	}
	dir := t.TempDir()
	cfg := writeConfig(t, shardConfig)
	out, err := exec.Command(binary, "scaffold", "-c", cfg, "--user", "root", "--out", dir, "--shard", "2/3").CombinedOutput()
	if err != nil {
		t.Fatalf("scaffold --shard: %v\n%s", err, out)
	}
	unit := filepath.Join(dir, "serverstats-shard-2-of-3.service")
	text, err := os.ReadFile(unit)
	if err != nil {
		t.Fatalf("scaffold --shard 2/3 wrote %s: %v", out, err)
	}
	for _, want := range []string{"--state /var/lib/serverstats/state.db --shard 2/3\n", "Description=serverstats threshold monitoring and alerting (shard 2/3)", "systemctl enable --now serverstats-shard-2-of-3"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("unit lacks %q:\n%s", want, text)
		}
	}
	if out, err := exec.Command("systemd-analyze", "verify", unit).CombinedOutput(); err != nil {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	if monit, err := os.ReadFile(filepath.Join(dir, "serverstats-shard-2-of-3.monitrc")); err != nil || !strings.Contains(string(monit), "systemctl start serverstats-shard-2-of-3") {
		t.Errorf("monit check: %v\n%s", err, monit)
	}
}

// `status` shows the shard and its host count (the switch winning over
// shard:); a bad --shard is a usage error naming the fix.
func TestStatusShard(t *testing.T) {
	cfg := writeConfig(t, "shard: 1/3\n"+shardConfig)
	state := filepath.Join(t.TempDir(), "state.db")
	want := 0
	for _, h := range []string{"a.example", "b.example", "c.example", "d.example", "e.example", "f.example"} {
		if config.ShardOf(h, 3) == 2 {
			want++
		}
	}
	code, out, errOut := runApp(t, "", nil, "status", "-c", cfg, "--state", state, "--shard", "2/3")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("Shard: 2/3 (%d hosts;", want)) {
		t.Errorf("status: exit %d, stdout:\n%s\nstderr: %s", code, out, errOut)
	}
	code, out, _ = runApp(t, "", nil, "status", "-c", cfg, "--state", state, "--json")
	var doc struct {
		Shard string
		Hosts int `json:"shard_hosts"`
	}
	if err := json.Unmarshal([]byte(out), &doc); code != 0 || err != nil || doc.Shard != "1/3" || doc.Hosts != (config.Shard{K: 1, N: 3}).Hosts(mustLoad(t, cfg)) {
		t.Errorf("status --json: exit %d, %+v (%v)", code, doc, err)
	}
	code, _, errOut = runApp(t, "", nil, "status", "-c", cfg, "--state", state, "--shard", "4/3")
	if code != exitUsage || !strings.Contains(errOut, `switch --shard: not a shard K/N with 1 ≤ K ≤ N: "4/3" (e.g. --shard 2/3)`) {
		t.Errorf("--shard 4/3: exit %d, stderr %q", code, errOut)
	}
}

func mustLoad(t *testing.T, path string) *config.Config {
	t.Helper()
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
