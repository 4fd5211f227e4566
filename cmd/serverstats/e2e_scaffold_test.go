package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The scaffolded systemd unit passes systemd-analyze verify, and the
// scaffolded monit check, run by a real monit, restarts serverstats when
// its /healthz stops answering.
func TestScaffoldSystemdAndMonit(t *testing.T) {
	for _, tool := range []string{"systemd-analyze", "monit"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: apt-get install -y systemd monit (scripts/test does)", tool)
		}
	}
	dir := t.TempDir()
	d := startDaemon(t, dir, `daemon: {listen: "@ADDR@"}
commands:
  up:
    servers: [localhost]
    cmd: echo 1
    header: none
    schedule: "@every 1s"
`)
	out, err := exec.Command(binary, "scaffold", "-c", d.config, "--user", "root", "--out", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("scaffold: %v\n%s", err, out)
	}
	unit := filepath.Join(dir, "serverstats.service")
	if out, err := exec.Command("systemd-analyze", "verify", unit).CombinedOutput(); err != nil {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	unitText, _ := os.ReadFile(unit)
	for _, want := range []string{"Type=notify", "WatchdogSec=", "Restart=on-failure", "ExecReload=/bin/kill -HUP $MAINPID", "ProtectSystem=strict", "StateDirectory=serverstats", "ExecStart=" + binary + " run -c " + d.config} {
		if !strings.Contains(string(unitText), want) {
			t.Errorf("unit lacks %q", want)
		}
	}

	// monit's start and stop programs would be systemctl; here they start
	// and stop a daemon by hand. The check itself is the scaffolded one.
	check := filepath.Join(dir, "serverstats.monitrc")
	text, err := os.ReadFile(check)
	if err != nil {
		t.Fatal(err)
	}
	pidFile, starts := filepath.Join(dir, "restarted.pid"), filepath.Join(dir, "starts")
	startSh := filepath.Join(dir, "start.sh")
	script := "#!/bin/sh\necho started >> " + starts + "\n" + binary + " run -c " + d.config + " --state " + d.state + " > " + filepath.Join(dir, "restarted.log") + " 2>&1 &\necho $! > " + pidFile + "\n"
	if err := os.WriteFile(startSh, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if b, err := os.ReadFile(pidFile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	patched := strings.Replace(string(text), `"/bin/systemctl start serverstats"`, `"`+startSh+`"`, 1)
	patched = strings.Replace(patched, `"/bin/systemctl stop serverstats"`, `"/bin/true"`, 1)
	if patched == string(text) {
		t.Fatal("the scaffolded check has no systemctl start/stop programs to replace")
	}
	if err := os.WriteFile(check, []byte(patched), 0o600); err != nil {
		t.Fatal(err)
	}
	control := filepath.Join(dir, "monitrc")
	ctl := "set daemon 1\nset logfile " + filepath.Join(dir, "monit.log") + "\nset idfile " + filepath.Join(dir, "monit.id") +
		"\nset statefile " + filepath.Join(dir, "monit.state") + "\nset pidfile " + filepath.Join(dir, "monit.pid") + "\ninclude " + check + "\n"
	if err := os.WriteFile(control, []byte(ctl), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("monit", "-t", "-c", control).CombinedOutput(); err != nil {
		t.Fatalf("monit -t: %v\n%s", err, out)
	}
	monit := exec.Command("monit", "-I", "-c", control)
	if err := monit.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { monit.Process.Kill(); monit.Wait() })

	time.Sleep(3 * time.Second) // a few healthy cycles: monit leaves it alone
	if _, err := os.Stat(starts); err == nil {
		t.Fatalf("monit restarted a healthy serverstats; log:\n%s", readFile(filepath.Join(dir, "monit.log")))
	}
	d.cmd.Process.Signal(syscall.SIGKILL) // serverstats dies
	waitFor(t, "monit to restart serverstats", func() bool { _, err := os.Stat(starts); return err == nil })
	waitFor(t, "the restarted serverstats to answer /healthz", func() bool { code, _ := d.get("/healthz"); return code == 200 })
	if log := readFile(filepath.Join(dir, "monit.log")); !strings.Contains(log, "serverstats") {
		t.Errorf("monit log does not mention the failure:\n%s", log)
	}
}

func readFile(p string) string {
	b, _ := os.ReadFile(p)
	return string(b)
}
