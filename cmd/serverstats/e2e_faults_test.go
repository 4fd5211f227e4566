package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"serverstats/collectors/sshdtest"
	"serverstats/collectors/testenv"
	"serverstats/handlers/smtptest"
)

// The fault suite: one test per fault, each run by the real binary against
// real sshd hosts, a real webhook receiver, SMTP server or Twilio-shaped
// API, all on 127.0.0.1. Each test checks the visible state, the exit code,
// and counts what the receiving server got: nothing lost, nothing twice.
// The README's "Reliability" table lists them.

// faultRig is one command on one target, with on-command-failure going to
// a webhook receiver that counts the messages it gets.
type faultRig struct {
	fleet  *sshdtest.Fleet
	hook   *hook
	config string
	state  string
}

// faultOpts is what differs between the rigs' configs.
type faultOpts struct {
	user           string // SSH login; default the fleet's
	key            string // identity file; default the fleet's key
	knownHosts     string // default the fleet's
	connectTimeout string // default 1s
	targets        []string
	cmd            string
	timeout        string // command timeout; default 2s
}

// newFaultRig starts a one-host fleet and a webhook receiver; configure
// writes the config.
func newFaultRig(t *testing.T, hosts int) *faultRig {
	t.Helper()
	f := sshdtest.Start(t, hosts)
	return &faultRig{fleet: f, hook: startHook(t), state: filepath.Join(f.Dir, "state.db")}
}

func (r *faultRig) configure(t *testing.T, o faultOpts) {
	t.Helper()
	f := r.fleet
	user := cmpOr(o.user, f.User)
	var targets []string
	for _, tg := range o.targets {
		targets = append(targets, fmt.Sprintf("%q", tg))
	}
	r.config = f.WriteFile("faults.yaml", fmt.Sprintf(`ssh:
  user: %q
  known-hosts: %q
  identity-files: [%q]
  agent: false
  ssh-config: none
  connect-timeout: %s
delivery: {retry-initial: 1s, retry-max: 2s}
handlers:
  hook: {type: webhook, url: %q, timeout: 5s}
on-command-failure: {handlers: [hook]}
commands:
  c:
    servers: [%s]
    cmd: %q
    timeout: %s
    header: none
`, user, cmpOr(o.knownHosts, f.KnownHostsPath), cmpOr(o.key, f.UserKeyPath), cmpOr(o.connectTimeout, "1s"),
		r.hook.url, strings.Join(targets, ", "), o.cmd, cmpOr(o.timeout, "2s")))
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// faultRun is one run of the binary.
type faultRun struct {
	code    int
	stdout  string
	stderr  string
	elapsed time.Duration
	maxRSS  int64 // peak resident set of the process, in KiB
}

// faultProc is a started run of the binary.
type faultProc struct {
	cmd       *exec.Cmd
	args      []string
	out, errb bytes.Buffer
	start     time.Time
	done      chan error
	waited    bool
}

// startFault starts `serverstats -c CONFIG --state STATE args...` (prefix,
// if set, runs it through another program).
func startFault(t *testing.T, cfg, state string, env []string, prefix []string, args ...string) *faultProc {
	t.Helper()
	argv := append(append([]string{}, prefix...), binary, "-c", cfg, "--state", state)
	argv = append(argv, args...)
	p := &faultProc{cmd: exec.Command(argv[0], argv[1:]...), args: args, done: make(chan error, 1)}
	p.cmd.Env = append(append(os.Environ(), "NO_COLOR=1"), env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.errb
	p.start = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if !p.waited { // the test failed before waiting: kill it, by PID
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// wait waits for the run to end, up to 60 s.
func (p *faultProc) wait(t *testing.T) faultRun {
	t.Helper()
	p.waited = true
	var err error
	select {
	case err = <-p.done:
	case <-time.After(60 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("%v: still running after 60s; stdout:\n%s\nstderr:\n%s", p.args, p.out.String(), p.errb.String())
	}
	res := faultRun{stdout: p.out.String(), stderr: p.errb.String(), elapsed: time.Since(p.start)}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", p.args, err)
	}
	if ru, ok := p.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.maxRSS = ru.Maxrss
	}
	return res
}

// runFault runs the binary and waits for it.
func runFault(t *testing.T, cfg, state string, env []string, prefix []string, args ...string) faultRun {
	t.Helper()
	return startFault(t, cfg, state, env, prefix, args...).wait(t)
}

func (r *faultRig) run(t *testing.T, args ...string) faultRun {
	t.Helper()
	return runFault(t, r.config, r.state, nil, nil, args...)
}

// told is the on-command-failure messages received so far, with the
// status of each notification ("unknown", "recovered", ...).
func (r *faultRig) told() []string {
	r.hook.mu.Lock()
	defer r.hook.mu.Unlock()
	var out []string
	for _, m := range r.hook.completed {
		var st []string
		for _, n := range m.Notifications {
			var v struct{ Status string }
			_ = json.Unmarshal(n, &v)
			st = append(st, v.Status)
		}
		out = append(out, strings.Join(st, ","))
	}
	return out
}

// expectFailure checks one failing run: the exit code, the host's block
// in the table (label and reason), and that the run took at most within,
// a bound that proves it did not hang (see testenv.NoHang).
func expectFailure(t *testing.T, res faultRun, label, reason string, within time.Duration) {
	t.Helper()
	t.Logf("exit %d after %v:\n%s", res.code, res.elapsed.Round(time.Millisecond), res.stdout)
	if res.code != exitUnknown {
		t.Errorf("exit %d, want %d (UNKNOWN); stderr:\n%s", res.code, exitUnknown, res.stderr)
	}
	if !strings.Contains(res.stdout, "\n"+label) || !strings.Contains(res.stdout, reason) {
		t.Errorf("output lacks %q with %q:\n%s\nstderr:\n%s", label, reason, res.stdout, res.stderr)
	}
	if res.elapsed > within {
		t.Errorf("the run took %v, want at most %v", res.elapsed, within)
	}
}

// expectToldOnce runs the failing command a second time and checks that
// on-command-failure heard of the outage once, in one message.
func (r *faultRig) expectToldOnce(t *testing.T, args ...string) {
	t.Helper()
	second := r.run(t, args...)
	if second.code != exitUnknown {
		t.Errorf("second run: exit %d, want %d", second.code, exitUnknown)
	}
	if got := r.told(); len(got) != 1 || got[0] != "unknown" {
		t.Errorf("on-command-failure got %q, want one message with one unknown notification", got)
	}
}

// silentPort is 127.0.0.1:PORT where a socket listens but never accepts:
// the kernel completes the TCP handshake and then nothing is ever said.
func silentPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}

// Host down: the port takes the connection and never answers. The host is
// UNKNOWN at the connect timeout (1s), not hung; told once.
func TestFaultHostDown(t *testing.T) {
	r := newFaultRig(t, 1)
	r.configure(t, faultOpts{targets: []string{silentPort(t)}, cmd: "echo ok"})
	res := r.run(t, "c", "--alerts")
	expectFailure(t, res, "UNKNOWN: ", "no answer within 1s", testenv.NoHang(time.Second))
	r.expectToldOnce(t, "c", "--alerts")
}

// Auth failure: a key the host does not know. UNKNOWN at once; told once.
func TestFaultAuthFailure(t *testing.T) {
	r := newFaultRig(t, 1)
	wrong, _ := r.fleet.NewUserKey("wrong_key")
	r.configure(t, faultOpts{targets: []string{r.fleet.Servers[0].Name}, key: wrong, cmd: "echo ok"})
	res := r.run(t, "c", "--alerts")
	expectFailure(t, res, "UNKNOWN: ", "authentication failed: the server accepted none of: "+wrong, testenv.NoHang(0))
	r.expectToldOnce(t, "c", "--alerts")
}

// Host key changed: the host offers a new key that known_hosts does not
// list. Refused, with the new key's fingerprint and the fix; told once.
func TestFaultHostKeyChanged(t *testing.T) {
	r := newFaultRig(t, 1)
	s := r.fleet.Servers[0]
	r.configure(t, faultOpts{targets: []string{s.Name}, cmd: "echo ok"})
	if res := r.run(t, "c", "--alerts"); res.code != 0 {
		t.Fatalf("before the change: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	s.RotateHostKey()
	res := r.run(t, "c", "--alerts")
	expectFailure(t, res, "UNKNOWN: ", "SHA256:", testenv.NoHang(0))
	if !strings.Contains(res.stdout, "ssh-keyscan") && !strings.Contains(res.stdout, "ssh-keygen") {
		t.Errorf("the refusal does not say how to fix it:\n%s", res.stdout)
	}
	r.expectToldOnce(t, "c", "--alerts")
}

// startNXDomain answers every DNS query on 127.0.0.1:53/udp with NXDOMAIN,
// as a real resolver does for a .invalid name. It reports false when the
// port is taken (another test's resolver): queries then meet a closed port,
// on loopback still.
func startNXDomain(t *testing.T) bool {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:53")
	if err != nil {
		t.Logf("no NXDOMAIN responder (%v): lookups meet a closed port", err)
		return false
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if n < 12 {
				continue
			}
			resp := append([]byte(nil), buf[:n]...)
			resp[2] = 0x80 | resp[2]&0x79 // QR, keep opcode and RD
			resp[3] = 0x80 | 3            // RA, RCODE NXDOMAIN
			_, _ = pc.WriteTo(resp, from)
		}
	}()
	return true
}

// Unresolvable name: a .invalid name (RFC 6761: it never resolves). The
// binary runs in its own mount namespace whose /etc/resolv.conf names
// 127.0.0.1, so the lookup never leaves the machine. UNKNOWN at once,
// naming the lookup; told once.
func TestFaultUnresolvableName(t *testing.T) {
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Fatalf("this test needs unshare (apt-get install -y util-linux): %v", err)
	}
	r := newFaultRig(t, 1)
	startNXDomain(t)
	resolv := r.fleet.WriteFile("resolv.conf", "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
	r.configure(t, faultOpts{targets: []string{"monitored-host.invalid"}, cmd: "echo ok"})
	ns := []string{"unshare", "--mount", "--propagation", "private", "sh", "-c", `mount --bind "$0" /etc/resolv.conf && exec "$@"`, resolv}
	run := func() faultRun { return runFault(t, r.config, r.state, nil, ns, "c", "--alerts") }
	res := run()
	expectFailure(t, res, "UNKNOWN: ", "lookup monitored-host.invalid", testenv.NoHang(time.Second)) // the resolver's timeout:1
	if again := run(); again.code != exitUnknown {
		t.Errorf("second run: exit %d", again.code)
	}
	if got := r.told(); len(got) != 1 || got[0] != "unknown" {
		t.Errorf("on-command-failure got %q, want one message with one unknown notification", got)
	}
}

// waitGone waits (up to testenv.NoHang(0)) until server s runs no process
// with command line cmdline, and fails the test if one is left.
func waitGone(t *testing.T, s *sshdtest.Server, cmdline string) {
	t.Helper()
	deadline := time.Now().Add(testenv.NoHang(0))
	for len(s.Pids(cmdline)) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if p := s.Pids(cmdline); len(p) > 0 {
		t.Errorf("%s: %q still running on the host: pids %v", s.Label, cmdline, p)
	}
}

// Hung command, non-root login (sshd honours the session's signal):
// TIMED OUT at the 2s timeout, the remote process is killed, told once.
func TestFaultHungCommand(t *testing.T) {
	r := newFaultRig(t, 1)
	s := r.fleet.Servers[0]
	r.configure(t, faultOpts{targets: []string{s.Name}, user: r.fleet.AddUser("/bin/sh"), cmd: "sleep 601"})
	res := r.run(t, "c", "--alerts")
	expectFailure(t, res, "TIMED OUT after 2s", "TIMED OUT after 2s", testenv.NoHang(2*time.Second))
	if strings.Contains(res.stdout, "not confirmed") {
		t.Errorf("the kill of a non-root session was not confirmed:\n%s", res.stdout)
	}
	waitGone(t, s, "sleep 601")
	if got := r.told(); len(got) != 1 || got[0] != "unknown" {
		t.Errorf("on-command-failure got %q, want one message with one unknown notification", got)
	}
}

// A command that exits but leaves a background child holding its stdout
// (`sleep 31 & echo done`): sshd reports the exit at once and ends the
// output only when the child does. The run reads what came, says why the
// output ended there (after a second of quiet), and is OK long before the
// 60s timeout or the child's end: no false TIMED OUT, nothing told.
func TestFaultBackgroundChildHoldsStdout(t *testing.T) {
	r := newFaultRig(t, 1)
	s := r.fleet.Servers[0]
	r.configure(t, faultOpts{targets: []string{s.Name}, cmd: "sleep 31 & echo done", timeout: "60s"})
	t.Cleanup(func() {
		for _, pid := range s.Pids("sleep 31") { // started by this test on its own sshd
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	res := r.run(t, "c", "--alerts")
	if res.code != 0 {
		t.Fatalf("exit %d, want 0 (the command exited 0)\n%s%s", res.code, res.stdout, res.stderr)
	}
	for _, want := range []string{"done", "note: the command exited (status 0) but a process it left in the background kept the output open"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, res.stdout)
		}
	}
	if strings.Contains(res.stdout, "TIMED OUT") || res.elapsed > testenv.NoHang(time.Second) {
		t.Errorf("held by the child or until the timeout (%v):\n%s", res.elapsed, res.stdout)
	}
	if got := r.told(); len(got) != 0 {
		t.Errorf("on-command-failure got %q, want nothing told", got)
	}
}

// sshd killed while the command runs: the connection drops mid-command.
// UNKNOWN at once, saying so (not a hang until the 60s timeout, which
// would say TIMED OUT); told once.
func TestFaultSSHDKilledMidCommand(t *testing.T) {
	r := newFaultRig(t, 1)
	s := r.fleet.Servers[0]
	r.configure(t, faultOpts{targets: []string{s.Name}, cmd: "sleep 50", timeout: "60s"})
	p := startFault(t, r.config, r.state, nil, nil, "c", "--alerts")
	waitForUpTo(t, 10*time.Second, "the remote sleep 50", func() bool { return len(s.Pids("sleep 50")) > 0 })
	stopped := time.Now()
	s.Stop()
	res := p.wait(t)
	expectFailure(t, res, "UNKNOWN: ", "connection closed without an exit status", time.Minute)
	if after := time.Since(stopped); after > testenv.NoHang(0) {
		t.Errorf("the run ended %v after sshd died, want within %v", after, testenv.NoHang(0))
	}
	if got := r.told(); len(got) != 1 || got[0] != "unknown" {
		t.Errorf("on-command-failure got %q, want one message with one unknown notification", got)
	}
}

// delayRelay forwards TCP connections to target, holding every chunk for
// delay in each direction: a slow network in front of a host. The delay is
// read when a chunk is due to go out, so raising it also slows what is
// already in flight.
type delayRelay struct {
	ln     net.Listener
	target string
	delay  atomic.Int64 // nanoseconds
	mu     sync.Mutex
	conns  []net.Conn
}

func startDelayRelay(t *testing.T, target string, delay time.Duration) *delayRelay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &delayRelay{ln: ln, target: target}
	r.delay.Store(int64(delay))
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
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			r.mu.Lock()
			r.conns = append(r.conns, c, up)
			r.mu.Unlock()
			go r.pipe(up, c)
			go r.pipe(c, up)
		}
	}()
	return r
}

func (r *delayRelay) addr() string { return r.ln.Addr().String() }

// pipe copies src to dst, each chunk delay after it was read.
func (r *delayRelay) pipe(dst, src net.Conn) {
	type chunk struct {
		read time.Time
		b    []byte
	}
	ch := make(chan chunk, 4096)
	go func() {
		defer close(ch)
		for {
			b := make([]byte, 32<<10)
			n, err := src.Read(b)
			if n > 0 {
				ch <- chunk{time.Now(), b[:n]}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range ch {
		for {
			wait := time.Until(c.read.Add(time.Duration(r.delay.Load())))
			if wait <= 0 {
				break
			}
			time.Sleep(min(wait, 10*time.Millisecond)) // a delay line, not a wait for an event
		}
		if _, err := dst.Write(c.b); err != nil {
			break
		}
	}
	for range ch { // src is closed by the cleanup at the latest
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
}

// Host slow: 200 ms each way in front of two hosts (an SSH login is about
// eight round trips: ~3.5 s, well within the 30s connect timeout). On the first
// the command still succeeds within its 2s timeout. On the second the
// network gets slower (3 s each way) right after login: the command cannot
// even start within 2s and is TIMED OUT, while the first is unaffected.
func TestFaultHostSlow(t *testing.T) {
	r := newFaultRig(t, 2)
	fast, slow := r.fleet.Servers[0], r.fleet.Servers[1]
	r1 := startDelayRelay(t, fast.Name, 200*time.Millisecond)
	r2 := startDelayRelay(t, slow.Name, 200*time.Millisecond)
	viaRelay := func(s *sshdtest.Server, r *delayRelay) string {
		_, port, _ := net.SplitHostPort(r.addr())
		return strings.Replace(s.KnownHostsLine(), fmt.Sprintf("]:%d ", s.Port), "]:"+port+" ", 1) + "\n"
	}
	known := r.fleet.WriteFile("known_hosts_relays", viaRelay(fast, r1)+viaRelay(slow, r2))
	r.configure(t, faultOpts{targets: []string{r1.addr(), r2.addr()}, knownHosts: known, connectTimeout: "30s", cmd: "echo $SERVERSTATS_HOST"})
	loggedIn, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(loggedIn)
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			select {
			case <-ended:
				return
			default:
			}
			if strings.Contains(slow.Log(), "Accepted publickey") {
				r2.delay.Store(int64(3 * time.Second))
				return
			}
		}
	}()
	res := r.run(t, "c", "--alerts")
	close(ended)
	<-loggedIn
	t.Logf("exit %d after %v:\n%s", res.code, res.elapsed.Round(time.Millisecond), res.stdout)
	if res.code != exitUnknown {
		t.Errorf("exit %d, want %d (the slow host timed out)", res.code, exitUnknown)
	}
	blocks := strings.Split(res.stdout, "\n\n")
	if len(blocks) != 2 || !strings.Contains(blocks[0], "| host1 ") || !strings.Contains(blocks[1], "\nTIMED OUT after 2s") {
		t.Errorf("want host1's answer through the 200 ms relay, then TIMED OUT for the slower one:\n%s", res.stdout)
	}
	// A login (~3.5 s) and the command timeout (2s): the slow host's
	// command never ends by itself.
	if bound := testenv.NoHang(6 * time.Second); res.elapsed > bound {
		t.Errorf("the run took %v, want within %v", res.elapsed, bound)
	}
	if got := r.told(); len(got) != 1 || got[0] != "unknown" {
		t.Errorf("on-command-failure got %q, want one message with one unknown notification", got)
	}
}

// peakRSS runs the binary under GNU time and returns the run and its peak
// resident set in KiB. (The rusage Go's os/exec reports is no good here: the
// child is started with CLONE_VM, so its high-water mark includes this test
// process's.)
func (r *faultRig) peakRSS(t *testing.T, args ...string) (faultRun, int64) {
	t.Helper()
	const gnuTime = "/usr/bin/time"
	if _, err := os.Stat(gnuTime); err != nil {
		t.Fatalf("this test needs GNU time (apt-get install -y time): %v", err)
	}
	out := filepath.Join(r.fleet.Dir, "maxrss")
	res := runFault(t, r.config, r.state, nil, []string{gnuTime, "-o", out, "-f", "%M"}, args...)
	b, err := os.ReadFile(out)
	var kib int64
	if _, scanErr := fmt.Sscan(string(b), &kib); err != nil || scanErr != nil {
		t.Fatalf("read %s: %v %v: %q", out, err, scanErr, b)
	}
	return res, kib
}

// 50 MB of output: the binary keeps the first 4 MiB (the collectors'
// MaxOutput), shows what it kept with a note saying what it dropped, and
// its peak memory does not grow with the output: 50 MiB costs what 4 MiB
// costs, and printed raw it stays under 50 MiB over a run printing "ok".
func TestFaultHugeOutput(t *testing.T) {
	r := newFaultRig(t, 1)
	s := r.fleet.Servers[0]
	output := func(size int) string {
		return fmt.Sprintf("yes 'line of fifty bytes of output, again and again.' | head -c %d", size)
	}
	measure := func(cmd string, args ...string) (faultRun, int64) {
		t.Helper()
		r.configure(t, faultOpts{targets: []string{s.Name}, cmd: cmd, timeout: "20s"})
		res, kib := r.peakRSS(t, args...)
		t.Logf("%s %v: exit %d after %v, peak RSS %d KiB", cmd, args, res.code, res.elapsed.Round(time.Millisecond), kib)
		if res.code != 0 {
			t.Errorf("exit %d, want 0; stderr:\n%s", res.code, res.stderr)
		}
		return res, kib
	}
	_, base := measure("echo ok", "c")
	_, kept := measure(output(4<<20), "c")
	res, huge := measure(output(50<<20), "c", "--alerts")
	t.Logf("tail:\n%s", tailLines(res.stdout, 4))
	if !strings.Contains(res.stdout, "\nnote: stdout truncated: kept 4194304 bytes, dropped 48234496\n") {
		t.Errorf("the output does not say it was truncated")
	}
	if strings.Contains(res.stdout, "| line of fifty by ") {
		t.Errorf("the line cut at 4 MiB is shown as a row")
	}
	if len(res.stdout) > 8<<20 {
		t.Errorf("printed %d bytes", len(res.stdout))
	}
	if huge > kept+kept/4+8<<10 {
		t.Errorf("peak RSS %d KiB for 50 MiB of output, %d KiB for 4 MiB: it grows with the output", huge, kept)
	}
	raw, rawKiB := measure(output(50<<20), "c", "--raw")
	if rawKiB-base > 50<<10 || !strings.Contains(raw.stdout, "stdout truncated") {
		t.Errorf("--raw: peak RSS %d KiB, %d KiB over the baseline; want under 50 MiB, and the truncation said", rawKiB, rawKiB-base)
	}
}

// Binary output and invalid UTF-8 (bytes 0xff 0xfe, NUL, terminal escapes
// that would clear the screen or retitle it, then random bytes): no crash,
// --json is valid JSON, and the table shows them defused (U+FFFD for a bad
// byte, a space for a control character), never raw.
func TestFaultBinaryOutput(t *testing.T) {
	r := newFaultRig(t, 1)
	r.configure(t, faultOpts{targets: []string{r.fleet.Servers[0].Name},
		cmd: `printf 'ok\377\376 nul\000 \033[2J\033]0;pwned\007 end\n'; head -c 4096 /dev/urandom`})
	res := r.run(t, "c")
	if res.code != 0 {
		t.Errorf("table: exit %d, want 0; stderr:\n%s", res.code, res.stderr)
	}
	if !utf8.ValidString(res.stdout) || strings.ContainsAny(res.stdout, "\x00\x1b\x07") {
		t.Errorf("the table passes raw bytes to the terminal: %q", tailLines(res.stdout, 3))
	}
	// In a table cell an invalid byte is U+FFFD, a control character a
	// space, and a terminal escape sequence (here: clear the screen, set
	// the window title) is dropped, as parse drops colour codes.
	if !strings.Contains(res.stdout, "| ok\uFFFD\uFFFD nul   end ") || strings.Contains(res.stdout, "pwned") {
		t.Errorf("the first line is not shown escaped:\n%s", strings.Split(res.stdout, "\n")[4][:200])
	}
	doc, stderr := runJSON(t, r.config, r.state, "c")
	if doc.ExitCode != 0 || len(doc.Hosts) != 1 || doc.Hosts[0].Status != "ok" {
		t.Errorf("--json: %+v\n%s", doc, stderr)
	}
	js := runFault(t, r.config, r.state, nil, nil, "c", "--json")
	if !json.Valid([]byte(js.stdout)) || !utf8.ValidString(js.stdout) {
		t.Errorf("--json output is not valid UTF-8 JSON")
	}
	if got := r.told(); len(got) != 0 {
		t.Errorf("on-command-failure got %q, want nothing", got)
	}
}

// deliveryRig is a local command whose one rule fires on every run, told
// to a handler under test (with the webhook receiver as its fallback).
type deliveryRig struct {
	dir, config, state string
	hook               *hook
	env                []string
}

func newDeliveryRig(t *testing.T, handler string, env ...string) *deliveryRig {
	t.Helper()
	d := &deliveryRig{dir: t.TempDir(), hook: startHook(t), env: env}
	d.state = filepath.Join(d.dir, "state.db")
	d.config = filepath.Join(d.dir, "delivery.yaml")
	writeFile(t, d.config, fmt.Sprintf(`delivery: {retry-initial: 1s, retry-max: 2s}
handlers:
  fallback: {type: webhook, url: %q, timeout: 5s}
  %s
commands:
  c:
    servers: [localhost]
    cmd: echo 95
    header: none
    alerts:
      - {value-type: number, trigger: "> 90", msg: "value over 90", handlers: [h]}
`, d.hook.url, handler), 0o600)
	return d
}

// deliveryDoc is the delivery part of a run's --json.
type deliveryDoc struct {
	ExitCode int `json:"exit_code"`
	Queued   []struct{ Handler string }
	Delivery struct {
		Sent, Retrying, Rerouted, Undeliverable int
		Errors                                  []string
	}
}

func (d *deliveryRig) run(t *testing.T) (deliveryDoc, faultRun) {
	t.Helper()
	res := runFault(t, d.config, d.state, d.env, nil, "c", "--alerts", "--json")
	var doc deliveryDoc
	if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil {
		t.Fatalf("--json: %v\n%s\nstderr: %s", err, res.stdout, res.stderr)
	}
	if res.code != exitCritical || doc.ExitCode != exitCritical {
		t.Errorf("exit %d (JSON %d), want %d: the rule fired whatever the delivery did", res.code, doc.ExitCode, exitCritical)
	}
	t.Logf("exit %d after %v: queued %v, delivery %+v", res.code, res.elapsed.Round(time.Millisecond), doc.Queued, doc.Delivery)
	return doc, res
}

// outbox is the number of messages `serverstats status` shows waiting.
func (d *deliveryRig) outbox(t *testing.T) int {
	t.Helper()
	res := runFault(t, d.config, d.state, d.env, nil, "status", "--json")
	var st struct{ Outbox []json.RawMessage }
	if err := json.Unmarshal([]byte(res.stdout), &st); err != nil {
		t.Fatalf("status --json: %v\n%s", err, res.stdout)
	}
	return len(st.Outbox)
}

// SMTP refusing (550 at RCPT): a permanent failure. The message goes to
// the fallback once, is not retried (no new connection on later runs),
// and nothing is left in the outbox.
func TestFaultSMTPRefusing(t *testing.T) {
	smtp := smtptest.Start(t, "plain", false)
	relay := startRelay(t, smtp.Addr) // counts the connections
	d := newDeliveryRig(t, fmt.Sprintf(`h: {type: email, smtp: %q, tls: none, from: serverstats@example.com, to: [reject@example.com], timeout: 3s, fallback: fallback}`, relay.addr()))
	doc, _ := d.run(t)
	if doc.Delivery.Rerouted != 1 || doc.Delivery.Retrying != 0 || len(doc.Delivery.Errors) == 0 || !strings.Contains(strings.Join(doc.Delivery.Errors, " "), "550") {
		t.Errorf("delivery %+v, want the message rerouted to the fallback with the 550 said", doc.Delivery)
	}
	attempts := relay.accepted.Load()
	for range 2 {
		d.run(t)
	}
	if n := relay.accepted.Load(); n != attempts || attempts != 1 {
		t.Errorf("%d connections to the SMTP server after the first run, %d after two more: want 1, then no retry", attempts, n)
	}
	if done, health := d.hook.split(); done != 1 || health != 1 || len(smtp.Messages(t)) != 0 {
		t.Errorf("fallback got %d messages and %d notices that h fails, SMTP %d; want 1, 1 and 0", done, health, len(smtp.Messages(t)))
	}
	if n := d.outbox(t); n != 0 {
		t.Errorf("%d messages left in the outbox", n)
	}
}

// SMTP timing out (the server takes the connection and never answers):
// the run ends soon after the handler's 1s timeout with the message
// queued; once the server answers, a later run delivers it, exactly once.
func TestFaultSMTPTimeout(t *testing.T) {
	smtp := smtptest.Start(t, "plain", false)
	relay := startRelay(t, smtp.Addr)
	relay.mode.Store(relayHung)
	d := newDeliveryRig(t, fmt.Sprintf(`h: {type: email, smtp: %q, tls: none, from: serverstats@example.com, to: [oncall@example.com], timeout: 1s, fallback: fallback}`, relay.addr()))
	doc, res := d.run(t)
	// Sent: the notice that h fails, to the fallback.
	// The relay never answers: only the handler's timeout ends the send.
	if bound := testenv.NoHang(time.Second); doc.Delivery.Retrying != 1 || doc.Delivery.Sent != 1 || res.elapsed > bound {
		t.Errorf("after %v: delivery %+v, want 1 retrying within %v, the notice sent", res.elapsed, doc.Delivery, bound)
	}
	if n := d.outbox(t); n != 1 {
		t.Errorf("%d messages in the outbox, want 1 queued", n)
	}
	relay.mode.Store(relayUp)
	for i := 0; i < 8 && len(smtp.Messages(t)) == 0; i++ { // the retry is due 1s after the failure
		time.Sleep(500 * time.Millisecond)
		d.run(t)
	}
	d.run(t)
	if got := len(smtp.Messages(t)); got != 1 {
		t.Errorf("the SMTP server got %d messages: want exactly 1", got)
	}
	if done, health := d.hook.split(); done != 0 || health != 2 {
		t.Errorf("the fallback got %d messages (a timeout is not permanent) and %d notices; want 0, and 2 (h fails, h delivers again)", done, health)
	}
	if n := d.outbox(t); n != 0 {
		t.Errorf("%d messages left in the outbox", n)
	}
}

// Twilio-shaped Messages API (the account and token the tests use).
const (
	faultTwilioSID   = "AC0123456789abcdef0123456789abcdef"
	faultTwilioToken = "tok5ecret9f8e7d6c5b4a"
)

// fakeSMSAPI answers POST /2010-04-01/Accounts/{sid}/Messages.json with
// status (201 and the message resource, or Twilio's error body), counting
// the requests and the messages it accepted.
type fakeSMSAPI struct {
	url      string
	status   atomic.Int32
	requests atomic.Int32
	accepted atomic.Int32
	// perNumber overrides status for a To number (string → int).
	perNumber sync.Map
	mu        sync.Mutex
	byNumber  map[string]int // requests per To number
}

// requestsTo is how many requests the API got for number.
func (f *fakeSMSAPI) requestsTo(number string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.byNumber[number]
}

func startFakeSMSAPI(t *testing.T, status int) *fakeSMSAPI {
	t.Helper()
	f := &fakeSMSAPI{byNumber: map[string]int{}}
	f.status.Store(int32(status))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.url = "http://" + ln.Addr().String()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		if r.URL.Path != "/2010-04-01/Accounts/"+faultTwilioSID+"/Messages.json" || user != faultTwilioSID || pass != faultTwilioToken {
			http.Error(w, "not the request Twilio expects", http.StatusNotFound)
			return
		}
		f.requests.Add(1)
		to := r.FormValue("To")
		f.mu.Lock()
		f.byNumber[to]++
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		status := int(f.status.Load())
		if v, ok := f.perNumber.Load(to); ok {
			status = v.(int)
		}
		w.WriteHeader(status)
		if status == http.StatusCreated {
			n := f.accepted.Add(1)
			fmt.Fprintf(w, `{"sid": "SM%032d", "status": "queued", "to": %q}`, n, r.FormValue("To"))
			return
		}
		fmt.Fprintf(w, `{"code": %d, "message": "fault %d", "more_info": "https://www.twilio.com/docs/errors/%d", "status": %d}`, 20000+status, status, 20000+status, status)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return f
}

func smsDeliveryRig(t *testing.T, api *fakeSMSAPI) *deliveryRig {
	return newDeliveryRig(t, fmt.Sprintf(`h: {type: sms, account-sid-env: TWILIO_ACCOUNT_SID, auth-token-env: TWILIO_AUTH_TOKEN, from: "+15550001111", to: ["+15552223333"], api-url: %q, timeout: 2s, fallback: fallback}`, api.url),
		"TWILIO_ACCOUNT_SID="+faultTwilioSID, "TWILIO_AUTH_TOKEN="+faultTwilioToken)
}

// Twilio answering 400 (a bad number): permanent. One request, the
// message goes to the fallback once, and later runs send no more requests.
func TestFaultTwilio400(t *testing.T) {
	api := startFakeSMSAPI(t, http.StatusBadRequest)
	d := smsDeliveryRig(t, api)
	doc, _ := d.run(t)
	if doc.Delivery.Rerouted != 1 || doc.Delivery.Retrying != 0 || !strings.Contains(strings.Join(doc.Delivery.Errors, " "), "HTTP 400") {
		t.Errorf("delivery %+v, want rerouted to the fallback, the 400 said", doc.Delivery)
	}
	for range 2 {
		d.run(t)
	}
	if n := api.requests.Load(); n != 1 {
		t.Errorf("the API got %d requests, want 1: a 400 is not retried", n)
	}
	if done, health := d.hook.split(); done != 1 || health != 1 {
		t.Errorf("the fallback got %d messages and %d notices that h fails, want 1 and 1", done, health)
	}
	if n := d.outbox(t); n != 0 {
		t.Errorf("%d messages left in the outbox", n)
	}
}

// expectRetriedOnce checks a temporary API failure: the first run leaves
// the message queued, a run after the API recovers sends it, and the API
// accepted exactly one message, with no request between the retries.
func expectRetriedOnce(t *testing.T, api *fakeSMSAPI, status int) {
	t.Helper()
	d := smsDeliveryRig(t, api)
	doc, _ := d.run(t)
	if doc.Delivery.Retrying != 1 || doc.Delivery.Rerouted != 0 || !strings.Contains(strings.Join(doc.Delivery.Errors, " "), fmt.Sprintf("HTTP %d", status)) {
		t.Errorf("delivery %+v, want 1 retrying, the %d said", doc.Delivery, status)
	}
	d.run(t) // before the retry is due (1s): no request
	if n := api.requests.Load(); n != 1 {
		t.Errorf("%d requests before the retry was due, want 1", n)
	}
	api.status.Store(http.StatusCreated)
	for i := 0; i < 8 && api.accepted.Load() == 0; i++ { // the retry is due 1s after the failure
		time.Sleep(500 * time.Millisecond)
		d.run(t)
	}
	d.run(t)
	if n := api.accepted.Load(); n != 1 {
		t.Errorf("the API accepted %d messages: want exactly 1", n)
	}
	if n := api.requests.Load(); n != 2 {
		t.Errorf("the API got %d requests, want 2 (the failure, the retry)", n)
	}
	if done, health := d.hook.split(); done != 0 || health != 2 {
		t.Errorf("the fallback got %d messages (a %d is not permanent) and %d notices; want 0, and 2 (h fails, h delivers again)", done, status, health)
	}
}

// Twilio answering 429 (too many requests): retried with backoff, then
// delivered exactly once.
func TestFaultTwilio429(t *testing.T) {
	expectRetriedOnce(t, startFakeSMSAPI(t, http.StatusTooManyRequests), http.StatusTooManyRequests)
}

// Twilio answering 500: retried with backoff, then delivered exactly once.
func TestFaultTwilio500(t *testing.T) {
	expectRetriedOnce(t, startFakeSMSAPI(t, http.StatusInternalServerError), http.StatusInternalServerError)
}
