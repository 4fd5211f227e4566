package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"serverstats/collectors/sshdtest"
	"serverstats/handlers/smtptest"
)

// lifeRig runs the binary in cron mode (one-shots sharing a state file)
// over a real sshd host whose disk is full.
type lifeRig struct {
	dir, cfg, state string
	env             []string
}

func newLifeRig(t *testing.T, handlers, alert, extra string) *lifeRig {
	t.Helper()
	f := sshdtest.Start(t, 1)
	r := &lifeRig{dir: t.TempDir()}
	r.cfg, r.state = filepath.Join(r.dir, "serverstats.yaml"), filepath.Join(r.dir, "state.db")
	cfg := fleetSSH(f) + "handlers:\n" + handlers + extra + fmt.Sprintf(`
commands:
  disk:
    servers: [%q]
    cmd: printf 'Filesystem  Use%%%% Mounted on\n/dev/vda1    95%%%% /\n'
    key: Mounted on
    alerts:
      - %s
`, f.Servers[0].Name, alert)
	if err := os.WriteFile(r.cfg, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *lifeRig) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	c := exec.Command(binary, append([]string{"-c", r.cfg, "--state", r.state}, args...)...)
	c.Env = append(append(os.Environ(), "NO_COLOR=1"), r.env...)
	var out, errb strings.Builder
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("run %v: %v", args, err)
	}
	return c.ProcessState.ExitCode(), out.String(), errb.String()
}

// A maintenance window (every 10 s for 5 s, UTC) holds a firing disk alert:
// the run inside it still judges (exit 2) but tells no one; the first run
// after it tells the alert.
func TestE2EMaintenanceWindowHoldsThenTells(t *testing.T) {
	r := newLifeRig(t, "  console: {type: print}\n", `{column: Use%, trigger: "> 90", handlers: [console]}`,
		"maintenance:\n  - {name: patching, schedule: \"*/10 * * * * *\", duration: 5s, timezone: UTC}\n")
	// Inside a window: well after its start, well before its end.
	waitUntilSecondMod(t, 10, 1, 3)
	code, out, stderr := r.run(t, "disk", "--alerts")
	if code != exitCritical || strings.Contains(out, "Use% 95% > 90") {
		t.Fatalf("inside the window: exit %d, told:\n%s\n%s", code, out, stderr)
	}
	code, out, _ = r.run(t, "status")
	if code != 0 || !strings.Contains(out, "held: maintenance patching") || !strings.Contains(out, "OPEN until") {
		t.Errorf("status does not show the window holding the alert:\n%s", out)
	}
	waitUntilSecondMod(t, 10, 6, 9)
	code, out, stderr = r.run(t, "disk", "--alerts")
	if code != exitCritical || strings.Count(out, "Use% 95% > 90") != 1 {
		t.Errorf("after the window: exit %d, want the alert told once:\n%s\n%s", code, out, stderr)
	}
}

// waitUntilSecondMod waits (at most one period) until the wall clock's
// second within a period of mod seconds is in [from, to).
func waitUntilSecondMod(t *testing.T, mod, from, to int) {
	t.Helper()
	for deadline := time.Now().Add(time.Duration(mod+1) * time.Second); ; time.Sleep(50 * time.Millisecond) {
		now := time.Now().UTC()
		if s := now.Second() % mod; s >= from && s < to && now.Nanosecond() < 500e6 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the clock never reached second %d..%d mod %d", from, to, mod)
		}
	}
}

// An unacknowledged alert reaches its escalation handler, a real SMTP
// server, once its time has come, and only once.
func TestE2EEscalationReachesSecondHandler(t *testing.T) {
	smtp := smtptest.Start(t, "plain", false)
	r := newLifeRig(t, fmt.Sprintf("  console: {type: print}\n  manager: {type: email, smtp: %q, tls: none, from: serverstats@example.com, to: [manager@example.com], timeout: 5s}\n", smtp.Addr),
		`{column: Use%, trigger: "> 90", handlers: [console], escalate: [{after: 2s, handlers: [manager]}]}`, "")
	code, out, _ := r.run(t, "disk", "--alerts")
	if code != exitCritical || !strings.Contains(out, "Use% 95% > 90") || len(smtp.Messages(t)) != 0 {
		t.Fatalf("first run: exit %d, %d emails:\n%s", code, len(smtp.Messages(t)), out)
	}
	time.Sleep(2100 * time.Millisecond)
	r.run(t, "disk", "--alerts")
	r.run(t, "disk", "--alerts") // told already: not again
	msgs := smtp.Messages(t)
	if len(msgs) != 1 {
		t.Fatalf("%d emails to the escalation handler, want 1", len(msgs))
	}
	if subj := msgs[0].Header.Get("Subject"); !strings.Contains(subj, "1 firing") || !strings.Contains(subj, "Use% 95% > 90") {
		t.Errorf("escalation email subject %q", subj)
	}
	if body, _ := io.ReadAll(msgs[0].Body); !strings.Contains(string(body), "escalated: firing since") {
		t.Errorf("the escalation email does not say it is one:\n%s", body)
	}
}

// `serverstats ack` stops the reminders of a firing alert; status shows the
// acknowledgement.
func TestE2EAckStopsReminders(t *testing.T) {
	r := newLifeRig(t, "  console: {type: print}\n", `{column: Use%, trigger: "> 90", handlers: [console], repeat: 1s}`, "")
	if code, out, _ := r.run(t, "disk", "--alerts"); code != exitCritical || !strings.Contains(out, "Use% 95% > 90") {
		t.Fatalf("first run: exit %d:\n%s", code, out)
	}
	time.Sleep(1100 * time.Millisecond)
	if _, out, _ := r.run(t, "disk", "--alerts"); !strings.Contains(out, "STILL Use% 95% > 90") {
		t.Fatalf("no reminder before the ack:\n%s", out)
	}
	host := ""
	if code, out, _ := r.run(t, "status", "--json"); code == 0 {
		if i := strings.Index(out, `"host": "`); i >= 0 {
			host = strings.SplitN(out[i+9:], `"`, 2)[0]
		}
	}
	code, out, stderr := r.run(t, "ack", "--host", host, "--command", "disk", "--reason", "replacing the disk")
	if code != 0 || !strings.Contains(out, "acknowledged disk/Use% > 90@") {
		t.Fatalf("ack: exit %d:\n%s%s", code, out, stderr)
	}
	for range 2 {
		time.Sleep(1100 * time.Millisecond)
		if _, out, _ := r.run(t, "disk", "--alerts"); strings.Contains(out, "STILL") {
			t.Errorf("a reminder after the ack:\n%s", out)
		}
	}
	if _, out, _ := r.run(t, "status"); !strings.Contains(out, "acked") || !strings.Contains(out, "replacing the disk") {
		t.Errorf("status does not show the ack:\n%s", out)
	}
}
