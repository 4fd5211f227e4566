package collectors_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"serverstats/collectors"
	"serverstats/collectors/sshdtest"
	"serverstats/collectors/testenv"
)

// logBuffer collects slog output for assertions; safe for concurrent use.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newSSH returns an SSH collector set up for fleet f (its known_hosts, user
// key and user); edit adjusts the options first.
func newSSH(t *testing.T, f *sshdtest.Fleet, edit func(*collectors.SSHOptions)) (*collectors.SSH, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	opts := collectors.SSHOptions{
		User:           f.User,
		KnownHosts:     f.KnownHostsPath,
		IdentityFiles:  []string{f.UserKeyPath},
		ConnectTimeout: 5 * time.Second,
		CommandTimeout: 10 * time.Second,
		Logger:         slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if edit != nil {
		edit(&opts)
	}
	c, err := collectors.NewSSH(opts)
	if err != nil {
		t.Fatalf("NewSSH: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("collector log:\n%s", logs.String())
		}
	})
	return c, logs
}

func target(t *testing.T, s string) collectors.Target {
	t.Helper()
	tg, err := collectors.ParseTarget(s)
	if err != nil {
		t.Fatalf("ParseTarget(%q): %v", s, err)
	}
	return tg
}

func mustOK(t *testing.T, r collectors.Result) {
	t.Helper()
	if r.Err != nil || r.ExitStatus != 0 {
		t.Fatalf("%s: err=%v exit=%d stdout=%q stderr=%q", r.Target.Name, r.Err, r.ExitStatus, r.Stdout, r.Stderr)
	}
}

func TestSSHGroupEachHostAnswers(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 3)
	c, _ := newSSH(t, f, nil)
	var targets []collectors.Target
	for _, s := range f.Servers {
		targets = append(targets, target(t, s.Name))
	}
	pick := func(collectors.Target) collectors.Collector { return c }
	res := collectors.RunAll(context.Background(), pick, targets, "echo $SERVERSTATS_HOST", 0, nil)
	if len(res) != 3 {
		t.Fatalf("got %d results, want 3", len(res))
	}
	for i, r := range res {
		mustOK(t, r)
		s := f.Servers[i]
		if got := strings.TrimSpace(string(r.Stdout)); got != s.Label {
			t.Errorf("%s answered %q, want %q", s.Name, got, s.Label)
		}
		if r.Target.Name != s.Name || r.Target.Host != "127.0.0.1" || r.Target.Port != s.Port || r.Target.User != f.User {
			t.Errorf("result target = %+v, want name %s host 127.0.0.1 port %d user %s", r.Target, s.Name, s.Port, f.User)
		}
		t.Logf("%s: %s in %v", s.Name, bytes.TrimSpace(r.Stdout), r.Duration)
	}

	// Latency of one connect+command, sequentially, for the report.
	var total time.Duration
	const n = 5
	for range n {
		r := c.Run(context.Background(), targets[0], "true")
		mustOK(t, r)
		total += r.Duration
	}
	t.Logf("connect + `true` over loopback: %v per run (mean of %d)", total/n, n)
}

func TestSSHUnknownHostKeyRefused(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 2)
	known := f.WriteKnownHosts("known_hosts_partial", f.Servers[0])
	c, _ := newSSH(t, f, func(o *collectors.SSHOptions) { o.KnownHosts = known })

	mustOK(t, c.Run(context.Background(), target(t, f.Servers[0].Name), "true"))

	s := f.Servers[1]
	r := c.Run(context.Background(), target(t, s.Name), "echo ran")
	if !errors.Is(r.Err, collectors.ErrHostKeyUnknown) {
		t.Fatalf("err = %v, want ErrHostKeyUnknown", r.Err)
	}
	msg := r.Err.Error()
	for _, want := range []string{
		ssh.FingerprintSHA256(s.HostKey),
		fmt.Sprintf("ssh-keyscan -p %d 127.0.0.1 >> %s", s.Port, known),
		"accept-new",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if len(r.Stdout) != 0 {
		t.Errorf("command ran on a refused host: %q", r.Stdout)
	}
	for _, other := range []error{collectors.ErrHostKeyChanged, collectors.ErrConnect, collectors.ErrAuth} {
		if errors.Is(r.Err, other) {
			t.Errorf("err also wraps %v", other)
		}
	}

	// A missing known_hosts file: every host is unknown, and the message says so.
	c2, _ := newSSH(t, f, func(o *collectors.SSHOptions) { o.KnownHosts = filepath.Join(f.Dir, "nope", "known_hosts") })
	r = c2.Run(context.Background(), target(t, s.Name), "true")
	if !errors.Is(r.Err, collectors.ErrHostKeyUnknown) || !strings.Contains(r.Err.Error(), "does not exist") {
		t.Fatalf("missing known_hosts: err = %v, want ErrHostKeyUnknown saying the file does not exist", r.Err)
	}
}

func TestSSHChangedHostKeyRefused(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 1)
	s := f.Servers[0]
	c, _ := newSSH(t, f, nil)
	mustOK(t, c.Run(context.Background(), target(t, s.Name), "true"))

	old := s.HostKey
	s.RotateHostKey()
	r := c.Run(context.Background(), target(t, s.Name), "echo ran")
	if !errors.Is(r.Err, collectors.ErrHostKeyChanged) {
		t.Fatalf("err = %v, want ErrHostKeyChanged", r.Err)
	}
	msg := r.Err.Error()
	for _, want := range []string{
		ssh.FingerprintSHA256(old),
		ssh.FingerprintSHA256(s.HostKey),
		fmt.Sprintf("ssh-keygen -R '[127.0.0.1]:%d' -f %s", s.Port, f.KnownHostsPath),
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if len(r.Stdout) != 0 {
		t.Errorf("command ran on a refused host: %q", r.Stdout)
	}
}

// A host with an ECDSA and an ed25519 key, known_hosts listing only one of
// them: the client must ask for the known type (sshd would otherwise show
// the ECDSA key first, which would look like a changed key).
func TestSSHHostKeyAlgorithmsFollowKnownHosts(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 1)
	s := f.Servers[0]
	ecdsaKey := s.AddECDSAHostKey()

	c, _ := newSSH(t, f, nil) // known_hosts: the ed25519 key only
	r := c.Run(context.Background(), target(t, s.Name), "echo $SERVERSTATS_HOST")
	mustOK(t, r)

	onlyECDSA := f.WriteFile("known_hosts_ecdsa", fmt.Sprintf("[127.0.0.1]:%d %s", s.Port, ssh.MarshalAuthorizedKey(ecdsaKey)))
	c2, _ := newSSH(t, f, func(o *collectors.SSHOptions) { o.KnownHosts = onlyECDSA })
	mustOK(t, c2.Run(context.Background(), target(t, s.Name), "true"))

	// Hashed entries work too.
	hashed := f.WriteFile("known_hosts_hashed", hashedLine(t, fmt.Sprintf("[127.0.0.1]:%d", s.Port), s.HostKey))
	c3, _ := newSSH(t, f, func(o *collectors.SSHOptions) { o.KnownHosts = hashed })
	mustOK(t, c3.Run(context.Background(), target(t, s.Name), "true"))
}

func hashedLine(t *testing.T, name string, key ssh.PublicKey) string {
	t.Helper()
	return fmt.Sprintf("%s %s", knownhosts.HashHostname(name), ssh.MarshalAuthorizedKey(key))
}

func TestSSHAcceptNew(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 3)
	known := filepath.Join(f.Dir, "fresh", "known_hosts") // neither file nor directory exist yet
	c, logs := newSSH(t, f, func(o *collectors.SSHOptions) {
		o.KnownHosts = known
		o.HostKeyPolicy = collectors.PolicyAcceptNew
	})

	var targets []collectors.Target
	for _, s := range f.Servers {
		targets = append(targets, target(t, s.Name))
	}
	pick := func(collectors.Target) collectors.Collector { return c }
	// Each host twice, concurrently: its key must still be added only once.
	for _, r := range collectors.RunAll(context.Background(), pick, append(targets, targets...), "echo $SERVERSTATS_HOST", 0, nil) {
		mustOK(t, r)
	}
	data, err := os.ReadFile(known)
	if err != nil {
		t.Fatalf("accept-new did not create known_hosts: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 3 {
		t.Fatalf("known_hosts has %d lines, want 3:\n%s", len(lines), data)
	}
	for _, s := range f.Servers {
		if !strings.Contains(string(data), s.KnownHostsLine()) {
			t.Errorf("known_hosts lacks %q:\n%s", s.KnownHostsLine(), data)
		}
	}
	if !strings.Contains(logs.String(), "added host key") {
		t.Errorf("no log of the added keys:\n%s", logs.String())
	}

	// The added keys now pass the strict policy, and nothing is added twice.
	strict, _ := newSSH(t, f, func(o *collectors.SSHOptions) { o.KnownHosts = known })
	mustOK(t, strict.Run(context.Background(), targets[0], "true"))
	mustOK(t, c.Run(context.Background(), targets[0], "true"))

	// accept-new still refuses a changed key, and leaves the file alone.
	f.Servers[1].RotateHostKey()
	r := c.Run(context.Background(), targets[1], "echo ran")
	if !errors.Is(r.Err, collectors.ErrHostKeyChanged) {
		t.Fatalf("changed key with accept-new: err = %v, want ErrHostKeyChanged", r.Err)
	}
	after, _ := os.ReadFile(known)
	if !bytes.Equal(after, data) {
		t.Errorf("known_hosts changed after a refused key:\nbefore:\n%s\nafter:\n%s", data, after)
	}
}

func TestSSHInsecureIgnoreWarns(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 1)
	empty := f.WriteKnownHosts("known_hosts_empty")
	c, logs := newSSH(t, f, func(o *collectors.SSHOptions) {
		o.KnownHosts = empty
		o.HostKeyPolicy = collectors.PolicyInsecureIgnore
	})
	for range 2 {
		mustOK(t, c.Run(context.Background(), target(t, f.Servers[0].Name), "true"))
	}
	if n := strings.Count(logs.String(), "host key NOT verified"); n != 2 {
		t.Errorf("got %d warnings for 2 unverified connections:\n%s", n, logs.String())
	}
	if _, err := collectors.NewSSH(collectors.SSHOptions{HostKeyPolicy: "insecure"}); err == nil {
		t.Error("NewSSH accepted an unknown host key policy")
	}
}

func TestSSHWrongUserKeyIsAuthError(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 1)
	s := f.Servers[0]
	wrong, _ := f.NewUserKey("id_wrong")
	c, _ := newSSH(t, f, func(o *collectors.SSHOptions) { o.IdentityFiles = []string{wrong} })
	r := c.Run(context.Background(), target(t, s.Name), "echo ran")
	if !errors.Is(r.Err, collectors.ErrAuth) {
		t.Fatalf("err = %v, want ErrAuth", r.Err)
	}
	msg := r.Err.Error()
	for _, want := range []string{f.User, s.Name, wrong} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	key, _ := os.ReadFile(wrong)
	for _, line := range strings.Split(string(key), "\n") {
		if len(line) > 20 && !strings.HasPrefix(line, "-----") && strings.Contains(msg, line) {
			t.Errorf("error contains private key material: %q", msg)
		}
	}
}

func TestSSHCommandTimeoutKillsRemoteCommand(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 1)
	s := f.Servers[0]
	tg := target(t, s.Name)
	const limit = 2 * time.Second
	c, _ := newSSH(t, f, func(o *collectors.SSHOptions) { o.CommandTimeout = limit })

	type outcome struct {
		r       collectors.Result
		elapsed time.Duration
	}
	run := func(ctx context.Context, c *collectors.SSH, cmd string) <-chan outcome {
		done := make(chan outcome, 1)
		start := time.Now()
		go func() {
			r := c.Run(ctx, tg, cmd)
			done <- outcome{r, time.Since(start)}
		}()
		return done
	}

	// A bystander on another connection to the same host must survive the
	// clean-up of the timed-out commands.
	long, _ := newSSH(t, f, func(o *collectors.SSHOptions) { o.CommandTimeout = time.Minute })
	bctx, bcancel := context.WithCancel(context.Background())
	defer bcancel()
	bystander := run(bctx, long, "sleep 602")
	if !poll(5*time.Second, func() bool { return len(s.Pids("sleep 602")) == 1 }) {
		t.Fatalf("remote `sleep 602` never showed up")
	}

	cases := []struct {
		cmd, proc string
		n         int
	}{
		{"sleep 600", "sleep 600", 1},
		{"sleep 601 & sleep 601", "sleep 601", 2}, // a background child too
	}
	var runs []<-chan outcome
	for _, tc := range cases {
		runs = append(runs, run(context.Background(), c, tc.cmd))
	}
	// The remote processes must really have been running (so "gone" below
	// means something).
	for _, tc := range cases {
		if !poll(limit, func() bool { return len(s.Pids(tc.proc)) == tc.n }) {
			t.Fatalf("%q: want %d remote %q processes, have %v", tc.cmd, tc.n, tc.proc, s.Pids(tc.proc))
		}
	}
	for i, tc := range cases {
		var o outcome
		select {
		case o = <-runs[i]:
		case <-time.After(testenv.NoHang(limit)):
			t.Fatalf("%q: Run still running %v after a %v command timeout", tc.cmd, testenv.NoHang(limit), limit)
		}
		var te *collectors.TimeoutError
		if !errors.As(o.r.Err, &te) || !errors.Is(o.r.Err, collectors.ErrTimeout) || te.KillUnconfirmed {
			t.Fatalf("%q: err = %v, want ErrTimeout with the kill confirmed", tc.cmd, o.r.Err)
		}
		if !strings.Contains(o.r.Err.Error(), "TIMED OUT after 2s") {
			t.Errorf("%q: err = %q, want it to say TIMED OUT after 2s", tc.cmd, o.r.Err)
		}
		if o.elapsed < limit {
			t.Errorf("%q: Run returned after %v, before its %v timeout", tc.cmd, o.elapsed, limit)
		}
		t.Logf("%q, timeout %v: Run returned after %v (Duration %v)", tc.cmd, limit, o.elapsed, o.r.Duration)
		if !poll(testenv.NoHang(0), func() bool { return len(s.Pids(tc.proc)) == 0 }) {
			t.Errorf("%q: remote processes still running: %v", tc.cmd, s.Pids(tc.proc))
		}
	}

	if n := len(s.Pids("sleep 602")); n != 1 {
		t.Errorf("the bystander's remote sleep was killed too (%d left)", n)
	}
	bcancel()
	select {
	case o := <-bystander:
		var te *collectors.TimeoutError
		if !errors.As(o.r.Err, &te) || !te.Canceled {
			t.Errorf("canceled bystander: err = %v, want a canceled TimeoutError", o.r.Err)
		}
	case <-time.After(testenv.NoHang(0)):
		t.Fatal("canceled Run did not return")
	}
	if !poll(testenv.NoHang(0), func() bool { return len(s.Pids("sleep 602")) == 0 }) {
		t.Errorf("canceled command still running remotely")
	}
}

// poll calls cond every 20ms until it is true (true) or d has passed (false).
func poll(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSSHClosedPortIsConnectError(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 1)
	s := f.Servers[0]
	s.Stop()
	// Refused at once: far from waiting for the connect timeout.
	const limit = time.Minute
	c, _ := newSSH(t, f, func(o *collectors.SSHOptions) { o.ConnectTimeout = limit })
	start := time.Now()
	r := c.Run(context.Background(), target(t, s.Name), "true")
	if el := time.Since(start); el > testenv.NoHang(0) {
		t.Errorf("closed port took %v, want it refused at once, not after the %v connect timeout", el, limit)
	}
	if !errors.Is(r.Err, collectors.ErrConnect) || !strings.Contains(r.Err.Error(), "refused") {
		t.Fatalf("err = %v, want ErrConnect saying connection refused", r.Err)
	}
}

// A server that accepts TCP but never speaks SSH: the handshake is bounded by
// the connect timeout.
func TestSSHSilentServerIsConnectErrorWithinTimeout(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // hold it open, say nothing
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	const limit = time.Second
	c, err := collectors.NewSSH(collectors.SSHOptions{KnownHosts: filepath.Join(t.TempDir(), "kh"), ConnectTimeout: limit})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := c.Run(context.Background(), target(t, l.Addr().String()), "true")
	el := time.Since(start)
	if !errors.Is(r.Err, collectors.ErrConnect) {
		t.Fatalf("err = %v, want ErrConnect", r.Err)
	}
	// The server holds the connection until the test ends.
	if bound := testenv.NoHang(limit); el < limit-50*time.Millisecond || el > bound {
		t.Errorf("silent server: Run returned after %v, want within [%v, %v]", el, limit-50*time.Millisecond, bound)
	}
	if !strings.Contains(r.Err.Error(), "no answer within 1s") {
		t.Errorf("err = %q, want it to say no answer within 1s", r.Err)
	}
}

func TestSSHNonZeroExitIsAResult(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 1)
	c, _ := newSSH(t, f, nil)
	r := c.Run(context.Background(), target(t, f.Servers[0].Name), "echo out; echo err >&2; exit 3")
	if r.Err != nil {
		t.Fatalf("err = %v, want nil for a non-zero exit", r.Err)
	}
	if r.ExitStatus != 3 || string(r.Stdout) != "out\n" || string(r.Stderr) != "err\n" {
		t.Errorf("got exit %d stdout %q stderr %q, want 3 \"out\\n\" \"err\\n\"", r.ExitStatus, r.Stdout, r.Stderr)
	}
}

func TestSSHOutputIsCapped(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 1)
	c, _ := newSSH(t, f, nil)
	r := c.Run(context.Background(), target(t, f.Servers[0].Name), fmt.Sprintf("head -c %d /dev/zero", collectors.MaxOutput+12345))
	mustOK(t, r)
	if len(r.Stdout) != collectors.MaxOutput || !r.Truncated || !strings.Contains(string(r.Stderr), "stdout truncated") {
		t.Errorf("got %d bytes, truncated=%v, stderr %q; want %d bytes, truncated, a note", len(r.Stdout), r.Truncated, r.Stderr, collectors.MaxOutput)
	}
}

func TestSSHResultsInTargetOrder(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 3)
	c, _ := newSSH(t, f, nil)
	var targets []collectors.Target
	for _, s := range f.Servers {
		targets = append(targets, target(t, s.Name))
	}
	var progress []int
	pick := func(collectors.Target) collectors.Collector { return c }
	// host1 answers last.
	cmd := `if [ "$SERVERSTATS_HOST" = host1 ]; then sleep 1; fi; echo $SERVERSTATS_HOST; date +%s%N`
	res := collectors.RunAll(context.Background(), pick, targets, cmd, 3, func(done, total int) {
		if total != 3 {
			t.Errorf("progress total = %d, want 3", total)
		}
		progress = append(progress, done)
	})
	var finished []int64
	for i, r := range res {
		mustOK(t, r)
		fields := strings.Fields(string(r.Stdout))
		if len(fields) != 2 || fields[0] != f.Servers[i].Label {
			t.Fatalf("result %d: %q, want %s first", i, r.Stdout, f.Servers[i].Label)
		}
		n, _ := strconv.ParseInt(fields[1], 10, 64)
		finished = append(finished, n)
	}
	if !(finished[0] > finished[1] && finished[0] > finished[2]) {
		t.Errorf("host1 did not finish last (%v): the test proves nothing", finished)
	}
	if fmt.Sprint(progress) != "[1 2 3]" {
		t.Errorf("progress calls = %v, want [1 2 3]", progress)
	}
}

func TestSSHConfigHostNamePortUserIdentityFile(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 2)
	s1, s2 := f.Servers[0], f.Servers[1]
	cfg := f.WriteFile("ssh_config", fmt.Sprintf(`
Host web1
    HostName 127.0.0.1
    Port %d
    User %s
    IdentityFile %s

Host web*
    Port %d
`, s1.Port, f.User, f.UserKeyPath, s2.Port))
	// No identity file and a wrong default user in the options: ssh_config
	// must supply both.
	c, _ := newSSH(t, f, func(o *collectors.SSHOptions) {
		o.SSHConfig = cfg
		o.IdentityFiles = nil
		o.User = "nosuchuser"
	})
	r := c.Run(context.Background(), target(t, "web1"), "echo $SERVERSTATS_HOST")
	mustOK(t, r)
	if got := strings.TrimSpace(string(r.Stdout)); got != "host1" {
		t.Errorf("web1 answered %q, want host1", got)
	}
	if r.Target.Host != "127.0.0.1" || r.Target.Port != s1.Port || r.Target.User != f.User || r.Target.Name != "web1" {
		t.Errorf("resolved target = %+v", r.Target)
	}
	// The port in the target beats ssh_config.
	r = c.Run(context.Background(), target(t, fmt.Sprintf("web1:%d", s2.Port)), "echo $SERVERSTATS_HOST")
	mustOK(t, r)
	if got := strings.TrimSpace(string(r.Stdout)); got != "host2" {
		t.Errorf("web1:%d answered %q, want host2", s2.Port, got)
	}
	// The user in the target beats ssh_config.
	r = c.Run(context.Background(), target(t, "nobody@web1"), "true")
	if !errors.Is(r.Err, collectors.ErrAuth) || !strings.Contains(r.Err.Error(), "nobody") {
		t.Errorf("nobody@web1: err = %v, want ErrAuth naming nobody", r.Err)
	}
	// A named ssh_config that does not exist is an error at setup.
	if _, err := collectors.NewSSH(collectors.SSHOptions{SSHConfig: filepath.Join(f.Dir, "missing_config")}); err == nil {
		t.Error("NewSSH accepted a missing ssh_config file")
	}
}

func TestSSHConfigProxyJump(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 2)
	jump, behind := f.Servers[0], f.Servers[1]
	cfg := f.WriteFile("ssh_config", fmt.Sprintf(`
Host jumphost
    HostName 127.0.0.1
    Port %d

Host behind
    HostName 127.0.0.1
    Port %d
    ProxyJump jumphost
`, jump.Port, behind.Port))
	c, _ := newSSH(t, f, func(o *collectors.SSHOptions) { o.SSHConfig = cfg })
	r := c.Run(context.Background(), target(t, "behind"), "echo $SERVERSTATS_HOST")
	mustOK(t, r)
	if got := strings.TrimSpace(string(r.Stdout)); got != behind.Label {
		t.Errorf("behind answered %q, want %s", got, behind.Label)
	}
	// The jump host is really used: without it, "behind" is unreachable.
	jump.Stop()
	r = c.Run(context.Background(), target(t, "behind"), "true")
	if !errors.Is(r.Err, collectors.ErrConnect) || !strings.Contains(r.Err.Error(), "jump host") {
		t.Errorf("with the jump host down: err = %v, want ErrConnect naming the jump host", r.Err)
	}
}

// known_hosts as OpenSSH reads it: a line that cannot be parsed is skipped
// with a warning naming file:line (the other hosts still verify, a host
// that only that line named is unknown); the global files are read after
// the user's; ssh_config's UserKnownHostsFile takes the user file's place
// for its hosts, and accept-new writes there, never to a global file.
func TestKnownHostsFiles(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 2)
	good, err := os.ReadFile(f.KnownHostsPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSpace(string(good)), "\n")
	var s0, s1 []string // each server's lines
	for _, l := range lines {
		if strings.Contains(l, fmt.Sprintf("]:%d ", f.Servers[0].Port)) {
			s0 = append(s0, l)
		} else {
			s1 = append(s1, l)
		}
	}
	if len(s0) == 0 || len(s1) == 0 {
		t.Fatalf("cannot tell the servers' lines apart in %s:\n%s", f.KnownHostsPath, good)
	}

	// 1. A bad line between host0's and host1's: both still verify.
	broken := f.WriteFile("known_hosts_broken", strings.Join(s0, "")+"\n|1|not-base64|x ssh-ed25519 AAAA\ngarbage\n"+strings.Join(s1, ""))
	c, logs := newSSH(t, f, func(o *collectors.SSHOptions) { o.KnownHosts = broken; o.GlobalKnownHosts = "none" })
	for _, s := range f.Servers {
		mustOK(t, c.Run(context.Background(), target(t, s.Name), "true"))
	}
	for _, want := range []string{broken + ":" + strconv.Itoa(len(s0)+2) + ": skipped", broken + ":" + strconv.Itoa(len(s0)+3) + ": skipped"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no warning naming %q in the log:\n%s", want, logs.String())
		}
	}

	// 2. The user file knows host0 only, a global file host1: both verify.
	user := f.WriteFile("known_hosts_user", strings.Join(s0, ""))
	global := f.WriteFile("known_hosts_global", strings.Join(s1, ""))
	c, _ = newSSH(t, f, func(o *collectors.SSHOptions) { o.KnownHosts = user; o.GlobalKnownHosts = global })
	for _, s := range f.Servers {
		mustOK(t, c.Run(context.Background(), target(t, s.Name), "true"))
	}
	c, _ = newSSH(t, f, func(o *collectors.SSHOptions) { o.KnownHosts = user; o.GlobalKnownHosts = "none" })
	if r := c.Run(context.Background(), target(t, f.Servers[1].Name), "true"); !errors.Is(r.Err, collectors.ErrHostKeyUnknown) {
		t.Errorf("without the global file, host1: err = %v, want ErrHostKeyUnknown", r.Err)
	}

	// 3. ssh_config's UserKnownHostsFile wins for its host; accept-new
	// writes to it, and leaves the options' file and the global one alone.
	fresh := filepath.Join(f.Dir, "known_hosts_fresh")
	cfg := f.WriteFile("ssh_config_khf", fmt.Sprintf("Host h1\n\tHostName %s\n\tPort %d\n\tUserKnownHostsFile %s\n\tGlobalKnownHostsFile none\n", f.Servers[1].Host, f.Servers[1].Port, fresh))
	c, _ = newSSH(t, f, func(o *collectors.SSHOptions) {
		o.KnownHosts, o.GlobalKnownHosts, o.SSHConfig, o.HostKeyPolicy = user, global, cfg, collectors.PolicyAcceptNew
	})
	mustOK(t, c.Run(context.Background(), target(t, "h1"), "true"))
	if b, err := os.ReadFile(fresh); err != nil || !strings.Contains(string(b), fmt.Sprintf("]:%d ", f.Servers[1].Port)) {
		t.Errorf("accept-new did not write to UserKnownHostsFile %s: %q, %v", fresh, b, err)
	}
	for _, p := range []string{user, global} {
		if b, _ := os.ReadFile(p); strings.Count(string(b), "\n") != strings.Count(map[string]string{user: strings.Join(s0, ""), global: strings.Join(s1, "")}[p], "\n") {
			t.Errorf("%s changed:\n%s", p, b)
		}
	}
}
