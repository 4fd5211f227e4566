package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"serverstats/collectors/sshdtest"
	"serverstats/handlers/smtptest"
)

// relay forwards TCP connections to target while up; while down it accepts
// and closes them at once (the SMTP server is "down"); while hung it
// accepts and never answers (a stuck server).
type relay struct {
	ln       net.Listener
	target   string
	mode     atomic.Int32 // relayUp, relayDown, relayHung
	accepted atomic.Int32
	mu       sync.Mutex
	conns    []net.Conn
}

const (
	relayUp int32 = iota
	relayDown
	relayHung
)

func startRelay(t *testing.T, target string) *relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{ln: ln, target: target}
	t.Cleanup(func() {
		ln.Close()
		r.mu.Lock()
		for _, c := range r.conns {
			c.Close()
		}
		r.mu.Unlock()
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r.accepted.Add(1)
			r.mu.Lock()
			r.conns = append(r.conns, c)
			r.mu.Unlock()
			switch r.mode.Load() {
			case relayDown:
				c.Close()
			case relayHung: // hold it open, say nothing
			default:
				go r.forward(c)
			}
		}
	}()
	return r
}

func (r *relay) forward(c net.Conn) {
	up, err := net.Dial("tcp", r.target)
	if err != nil {
		c.Close()
		return
	}
	r.mu.Lock()
	r.conns = append(r.conns, up)
	r.mu.Unlock()
	go func() { io.Copy(up, c); up.Close() }()
	io.Copy(c, up)
	c.Close()
}

func (r *relay) addr() string { return r.ln.Addr().String() }

// alertsRig is one sshd host whose df output the test controls, a real SMTP
// server behind a relay, and a config mailing the disk alerts.
type alertsRig struct {
	fleet  *sshdtest.Fleet
	smtp   *smtptest.Server
	relay  *relay
	dfFile string
	config string
	state  string
}

const dfFull = `Filesystem      Size  Used Avail Use% Mounted on
/dev/vda        252G  240G   12G  95% /
tmpfs            12G     0   12G   0% /dev/shm
`

const dfCleared = `Filesystem      Size  Used Avail Use% Mounted on
/dev/vda        252G  120G  132G  48% /
tmpfs            12G     0   12G   0% /dev/shm
`

func newAlertsRig(t *testing.T, repeat string) *alertsRig {
	t.Helper()
	f := sshdtest.Start(t, 1)
	smtp := smtptest.Start(t, "starttls", true)
	r := &alertsRig{fleet: f, smtp: smtp, relay: startRelay(t, smtp.Addr), dfFile: filepath.Join(f.Dir, "df.out"), state: filepath.Join(f.Dir, "state.db")}
	r.setDisk(t, dfFull)
	cfg := fmt.Sprintf(`
ssh:
  user: %q
  known-hosts: %q
  identity-files: [%q]
  agent: false
  ssh-config: none
  connect-timeout: 5s
  command-timeout: 20s
delivery: {retry-initial: 1s, retry-max: 2s}
handlers:
  mail:
    type: email
    smtp: %q
    tls: starttls
    ca-file: %q
    username: %s
    password-env: SMTP_PASSWORD
    from: serverstats@example.com
    to: [oncall@example.com]
    timeout: 3s
on-command-failure: {handlers: [mail]}
commands:
  disk:
    servers: [%q]
    cmd: cat %s
    key: Mounted on
    alerts:
      - column: Use%%
        value-type: percent
        trigger: "> 90"
        clear: "< 85"
        repeat: %s
        msg: "Disk space over 90%% full"
        handlers: [mail]
`, f.User, f.KnownHostsPath, f.UserKeyPath, r.relay.addr(), smtp.CAFile, smtptest.User, f.Servers[0].Name, r.dfFile, repeat)
	r.config = f.WriteFile("alerts.yaml", cfg)
	return r
}

func (r *alertsRig) setDisk(t *testing.T, content string) {
	t.Helper()
	if err := os.WriteFile(r.dfFile, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// runOnce is one cron run: `serverstats disk --alerts --json`.
type cronRun struct {
	code   int
	queued int // messages queued for mail this run
	sent   int // messages delivered this run (this run's and older ones)
	stderr string
}

func (r *alertsRig) cmd(args ...string) *exec.Cmd {
	c := exec.Command(binary, append([]string{"-c", r.config, "--state", r.state}, args...)...)
	c.Env = append(os.Environ(), "SMTP_PASSWORD="+smtptest.Password)
	return c
}

func (r *alertsRig) run(t *testing.T) cronRun {
	t.Helper()
	c := r.cmd("disk", "--alerts", "--json")
	var errb strings.Builder
	c.Stderr = &errb
	out, err := c.Output()
	res := cronRun{stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		res.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run: %v", err)
	}
	var doc struct {
		Queued []struct {
			Handler       string
			Notifications []json.RawMessage
		}
		Delivery struct{ Sent int }
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("JSON: %v\n%s\nstderr: %s", err, out, res.stderr)
	}
	for _, q := range doc.Queued {
		if q.Handler == "mail" {
			res.queued++
		}
	}
	res.sent = doc.Delivery.Sent
	if strings.Contains(res.stderr, smtptest.Password) {
		t.Errorf("the SMTP password leaked to stderr:\n%s", res.stderr)
	}
	return res
}

// subjects returns the received emails' subjects without the prefix.
func (r *alertsRig) subjects(t *testing.T) []string {
	var out []string
	for _, m := range r.smtp.Messages(t) {
		out = append(out, strings.TrimPrefix(m.Header.Get("Subject"), "[serverstats] "))
	}
	return out
}

// Cron every second (a shortened clock) against a host whose disk stays
// full: exactly one firing email, a reminder per repeat, nothing lost and
// nothing sent twice while the SMTP server is down for a while, and one
// resolved email when the disk clears.
//
// Each phase lasts until what it is about has happened (bounded), not a
// fixed time: under load a run takes seconds, and a fixed 9 s outage could
// end before any reminder fell due in it.
func TestE2ECronEmailThroughOutage(t *testing.T) {
	const repeat = 4 * time.Second
	r := newAlertsRig(t, repeat.String())
	var runs []cronRun
	// cron runs every second until done holds after a run; it fails the
	// test if that takes longer than limit.
	cron := func(what string, limit time.Duration, done func() bool) {
		t.Helper()
		for deadline := time.Now().Add(limit); ; {
			start := time.Now()
			runs = append(runs, r.run(t))
			if done() {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("cron every second for %v: %s never happened", limit, what)
			}
			time.Sleep(time.Second - time.Since(start))
		}
	}
	count := func() map[string]int {
		c := map[string]int{}
		for _, s := range r.subjects(t) {
			kind, _, _ := strings.Cut(s, ":")
			c[kind]++
		}
		return c
	}
	sum := func(runs []cronRun) (queued, sent int) {
		for _, cr := range runs {
			queued += cr.queued
			sent += cr.sent
		}
		return queued, sent
	}
	limit := 3*repeat + 30*time.Second // a run takes seconds at load 10 on 2 cores

	// Full disk, SMTP up: firing, then a reminder after the repeat.
	firingSince := time.Now()
	cron("a reminder delivered before the outage", limit, func() bool { return count()["1 still firing"] >= 1 })

	// SMTP down until a reminder has been queued in the outage and a whole
	// repeat more has passed: the next reminder then falls due while the
	// first still waits, and must collapse into it.
	r.relay.mode.Store(relayDown)
	outage := len(runs)
	var queuedAt time.Time
	cron("a reminder queued in the outage, then a repeat more", limit, func() bool {
		if queuedAt.IsZero() && runs[len(runs)-1].queued > 0 {
			queuedAt = time.Now()
		}
		return !queuedAt.IsZero() && time.Since(queuedAt) > repeat+time.Second
	})
	inOutage := runs[outage:]
	queuedDuringOutage, _ := sum(inOutage)
	if n := count()["1 still firing"]; n != 1 {
		t.Errorf("%d reminders received by the end of the outage, want the 1 from before it", n)
	}

	// SMTP back: the backlog goes out.
	r.relay.mode.Store(relayUp)
	cron("the backlog delivered", limit, func() bool { q, s := sum(runs); return q == s })

	// Cleared: one resolved, and nothing more after it.
	r.setDisk(t, dfCleared)
	firing := time.Since(firingSince)
	cron("the resolved email", limit, func() bool { return count()["1 resolved"] >= 1 })
	more := len(runs) + 2
	cron("two more runs", limit, func() bool { return len(runs) >= more })

	queued, sent := sum(runs)
	subjects := r.subjects(t)
	c := count()
	t.Logf("%d runs (%d in the outage) over %v firing; %d messages queued, %d sent; received: %v", len(runs), len(inOutage), firing.Round(time.Second), queued, sent, c)
	if c["1 firing"] != 1 || c["1 resolved"] != 1 {
		t.Errorf("want exactly one firing and one resolved email, got %v", c)
	}
	// A reminder every repeat at most, except that while the SMTP server is
	// down they collapse into the one waiting: one before the outage, the
	// one queued in it, and at most one per repeat of the firing time.
	if n, most := c["1 still firing"], int(firing/repeat); n < 2 || n > most {
		t.Errorf("%d reminders over %v firing with repeat %v, want 2-%d", n, firing.Round(time.Second), repeat, most)
	}
	if queuedDuringOutage != 1 {
		t.Errorf("%d reminders queued during the outage, want 1: the later ones collapse into the one waiting", queuedDuringOutage)
	}
	if queued != len(subjects) || sent != len(subjects) {
		t.Errorf("queued %d, delivered %d, received %d: each queued message must arrive exactly once", queued, sent, len(subjects))
	}
	if r.relay.accepted.Load() <= int32(len(subjects)) {
		t.Errorf("the outage caused no failed attempt (%d connections for %d emails)", r.relay.accepted.Load(), len(subjects))
	}
	// Nothing left behind.
	out, err := r.cmd("status", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var st struct{ Outbox []any }
	if err := json.Unmarshal(out, &st); err != nil || len(st.Outbox) != 0 {
		t.Errorf("outbox after the run: %s (%v)", out, err)
	}
}

// A run killed with SIGKILL while it is sending leaves its message in the
// outbox; the next run delivers it, once.
func TestE2EKilledMidSend(t *testing.T) {
	r := newAlertsRig(t, "1h")
	r.relay.mode.Store(relayHung) // the SMTP server accepts and never answers
	c := r.cmd("disk", "--alerts")
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(15 * time.Second); r.relay.accepted.Load() == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			c.Process.Kill()
			t.Fatal("the run never connected to the SMTP server")
		}
	}
	if err := c.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = c.Wait()
	if n := len(r.smtp.Messages(t)); n != 0 {
		t.Fatalf("%d emails before the restart", n)
	}
	r.relay.mode.Store(relayUp)
	res := r.run(t)
	if res.queued != 0 || res.sent != 1 {
		t.Errorf("next run queued %d (want 0: the alert was already recorded) and sent %d (want 1)", res.queued, res.sent)
	}
	if s := r.subjects(t); len(s) != 1 || !strings.HasPrefix(s[0], "1 firing") {
		t.Errorf("received %q, want one firing email", s)
	}
}

// Overlapping cron runs (eight processes at once, three times) share one
// state file: it stays readable, and the alert is told exactly once.
func TestE2EOverlappingRuns(t *testing.T) {
	r := newAlertsRig(t, "1h")
	for round := 0; round < 3; round++ {
		var wg sync.WaitGroup
		results := make([]cronRun, 8)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = r.run(t)
			}()
		}
		wg.Wait()
		for i, res := range results {
			if res.code != 2 {
				t.Errorf("round %d run %d: exit %d, stderr %s", round, i, res.code, res.stderr)
			}
		}
	}
	if s := r.subjects(t); len(s) != 1 || !strings.HasPrefix(s[0], "1 firing") {
		t.Errorf("received %q, want exactly one firing email", s)
	}
	out, err := r.cmd("status", "--json").Output()
	if err != nil || !json.Valid(out) {
		t.Errorf("status after the overlap: %v\n%s", err, out)
	}
}
