package collectors_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"serverstats/collectors"
	"serverstats/collectors/sshdtest"
	"serverstats/collectors/testenv"
)

// transports returns the one-shot SSH collector and a Pool for fleet f,
// logging in as user, and the debug log of each.
func transports(t *testing.T, f *sshdtest.Fleet, user string, limit time.Duration) (map[string]collectors.Collector, map[string]*logBuffer) {
	t.Helper()
	edit := func(o *collectors.SSHOptions) {
		o.User = user
		o.CommandTimeout = limit
	}
	c, clog := newSSH(t, f, edit)
	p, plog := newPool(t, f, edit, collectors.PoolOptions{})
	return map[string]collectors.Collector{"SSH.Run": c, "Pool.Run": p}, map[string]*logBuffer{"SSH.Run": clog, "Pool.Run": plog}
}

// killWay is how the kill of the one timed-out command in logs went, from
// its debug line: "kill_confirmed=B fallback=B".
func killWay(t *testing.T, logs *logBuffer) string {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `msg="command timed out"`) {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("%d \"command timed out\" lines in the debug log, want 1:\n%s", len(lines), logs)
	}
	var way []string
	for _, f := range strings.Fields(lines[0]) {
		if strings.HasPrefix(f, "kill_confirmed=") || strings.HasPrefix(f, "fallback=") {
			way = append(way, f)
		}
	}
	return strings.Join(way, " ")
}

// The one-shot and the daemon give the same result whatever the login
// shell: neither adds anything to the command (csh, tcsh and fish do not
// understand "export X=...; cmd").
func TestTransportsAgreeUnderAnyLoginShell(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 1)
	tg := target(t, f.Servers[0].Name)
	cmds := []struct {
		cmd, stdout string
		exit        int
	}{
		{"echo one two", "one two\n", 0},
		{"echo 'a  b'; exit 3", "a  b\n", 3},
		{"false", "", 1},
	}
	for _, shell := range []string{"/bin/sh", "/usr/bin/csh", "/usr/bin/fish"} {
		user := f.AddUser(shell)
		cs, _ := transports(t, f, user, 10*time.Second)
		for _, tc := range cmds {
			var got []collectors.Result
			for _, name := range []string{"SSH.Run", "Pool.Run"} {
				r := cs[name].Run(context.Background(), tg, tc.cmd)
				if r.Err != nil || r.ExitStatus != tc.exit || string(r.Stdout) != tc.stdout {
					t.Errorf("%s, login shell %s, %q: err %v exit %d stdout %q stderr %q; want exit %d stdout %q",
						name, shell, tc.cmd, r.Err, r.ExitStatus, r.Stdout, r.Stderr, tc.exit, tc.stdout)
				}
				got = append(got, r)
			}
			if !bytes.Equal(got[0].Stdout, got[1].Stdout) || got[0].ExitStatus != got[1].ExitStatus {
				t.Errorf("login shell %s, %q: SSH.Run gave %q/%d, Pool.Run %q/%d", shell, tc.cmd,
					got[0].Stdout, got[0].ExitStatus, got[1].Stdout, got[1].ExitStatus)
			}
		}
	}
}

// The server's login shell gets exactly the command line the user wrote, as
// its -c argument, from both transports.
func TestRemoteGetsExactlyTheCommandLine(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 1)
	tg := target(t, f.Servers[0].Name)
	logPath := filepath.Join(f.Dir, "shell-args.log")
	wrapper := f.WriteFile("logging-shell", "#!/bin/sh\n"+
		"# Logs its -c argument, NUL-terminated, then runs it with /bin/sh.\n"+
		`printf '%s\0' "$2" >> `+logPath+"\n"+
		`exec /bin/sh "$@"`+"\n")
	if err := os.Chmod(wrapper, 0o755); err != nil {
		t.Fatal(err)
	}
	user := f.AddUser(wrapper)
	// The log is written by the test user.
	if err := os.WriteFile(logPath, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(logPath, 0o666); err != nil {
		t.Fatal(err)
	}
	cs, _ := transports(t, f, user, 10*time.Second)
	cmds := []string{
		"echo hi",
		`df -P / | awk 'NR>1 {print $5}'; echo "a;b" $HOME`,
		"printf 'x\\n'\necho second line  ",
	}
	for _, name := range []string{"SSH.Run", "Pool.Run"} {
		for _, cmd := range cmds {
			r := cs[name].Run(context.Background(), tg, cmd)
			if r.Err != nil {
				t.Fatalf("%s %q: %v (stderr %q)", name, cmd, r.Err, r.Stderr)
			}
			b, err := os.ReadFile(logPath)
			if err != nil {
				t.Fatal(err)
			}
			entries := strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
			if last := entries[len(entries)-1]; last != cmd {
				t.Errorf("%s: the login shell got -c %q, want exactly %q", name, last, cmd)
			}
		}
	}
}

// A timed-out command, and what it started in the background, is killed by
// the SIGKILL sent over the session (sshd's killpg), for a non-root login:
// the kill is confirmed, and the pool keeps its connection.
func TestTimeoutKillIsConfirmedForNonRootLogin(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 1)
	s := f.Servers[0]
	tg := target(t, s.Name)
	const limit = 2 * time.Second
	user := f.AddUser("/bin/sh")
	cs, logs := transports(t, f, user, limit)
	for i, name := range []string{"SSH.Run", "Pool.Run"} {
		proc := "sleep " + []string{"610", "611"}[i]
		cmd := proc + " & " + proc + "; echo never"
		done := make(chan collectors.Result, 1)
		start := time.Now()
		go func() { done <- cs[name].Run(context.Background(), tg, cmd) }()
		if !poll(limit, func() bool { return len(s.Pids(proc)) == 2 }) {
			t.Fatalf("%s: want 2 remote %q, have %v", name, proc, s.Pids(proc))
		}
		var r collectors.Result
		select {
		case r = <-done:
		case <-time.After(testenv.NoHang(limit)):
			t.Fatalf("%s: Run still running %v after a %v timeout", name, time.Since(start), limit)
		}
		el := time.Since(start)
		var te *collectors.TimeoutError
		if !errors.As(r.Err, &te) || !errors.Is(r.Err, collectors.ErrTimeout) || te.KillUnconfirmed {
			t.Fatalf("%s: err = %v, want a confirmed timeout", name, r.Err)
		}
		if want := "TIMED OUT after 2s"; r.Err.Error() != want {
			t.Errorf("%s: err = %q, want %q", name, r.Err, want)
		}
		// Confirmed by the signal alone: no fallback.
		if way := killWay(t, logs[name]); way != "kill_confirmed=true fallback=false" {
			t.Errorf("%s: the debug log says %q, want the kill confirmed by the signal, without the fallback", name, way)
		}
		if el < limit {
			t.Errorf("%s: Run returned after %v, before its %v timeout", name, el, limit)
		}
		t.Logf("%s, non-root login: timed out, kill confirmed; Run returned %v after the start (timeout %v)", name, el, limit)
		// Confirmed means gone: no waiting.
		if p := s.Pids(proc); len(p) != 0 {
			t.Errorf("%s: kill confirmed but %q still running: %v", name, proc, p)
		}
		if strings.Contains(s.Log(), "refusing to send signal") || strings.Contains(s.Log(), "signalling requires") {
			t.Errorf("%s: sshd refused the signal for a non-root login", name)
		}
	}
	p := cs["Pool.Run"].(*collectors.Pool)
	mustOK(t, p.Run(context.Background(), tg, "true"))
	if st := p.Stats(); st.Dials != 1 {
		t.Errorf("pool after a confirmed kill: %+v, want the connection kept (1 dial)", st)
	}
}

// A command that escapes the session's process group (setsid) and keeps
// its output open survives the kill: the session never ends, and the
// result says the kill was not confirmed, which is true.
func TestTimeoutKillUnconfirmedWhenACommandEscapes(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 1)
	s := f.Servers[0]
	tg := target(t, s.Name)
	const limit = 2 * time.Second
	user := f.AddUser("/bin/sh")
	cs, logs := transports(t, f, user, limit)
	for i, name := range []string{"SSH.Run", "Pool.Run"} {
		proc := "sleep " + []string{"612", "613"}[i]
		cmd := "setsid " + proc + " & " + proc
		start := time.Now()
		r := cs[name].Run(context.Background(), tg, cmd)
		el := time.Since(start)
		var te *collectors.TimeoutError
		if !errors.As(r.Err, &te) || !errors.Is(r.Err, collectors.ErrTimeout) || !te.KillUnconfirmed {
			t.Fatalf("%s: err = %v, want an unconfirmed timeout", name, r.Err)
		}
		want := "TIMED OUT after 2s; the server did not confirm the kill: the command may still be running on the host"
		if r.Err.Error() != want {
			t.Errorf("%s: err = %q, want %q", name, r.Err, want)
		}
		// Signal, then the fallback, each bounded by killGrace (1 s).
		if way := killWay(t, logs[name]); way != "kill_confirmed=false fallback=true" {
			t.Errorf("%s: the debug log says %q, want the kill unconfirmed after the fallback", name, way)
		}
		if bound := testenv.NoHang(limit + 2*time.Second); el < limit || el > bound {
			t.Errorf("%s: Run returned after %v, want within [%v, %v] (the escaped sleep holds the session 600 s)", name, el, limit, bound)
		}
		t.Logf("%s: kill not confirmed; Run returned %v after the start (timeout %v)", name, el, limit)
		if p := s.Pids(proc); len(p) != 1 {
			t.Errorf("%s: %q processes %v, want the escaped one still running (the message says so)", name, proc, p)
		}
	}
	p := cs["Pool.Run"].(*collectors.Pool)
	mustOK(t, p.Run(context.Background(), tg, "true"))
	if st := p.Stats(); st.Dials != 2 {
		t.Errorf("pool after an unconfirmed kill: %+v, want the connection retired (2 dials)", st)
	}
}

// sshd refuses signals for root logins ("session signalling requires
// privilege separation"). The one-shot connection is the Run's alone, so
// the fallback kills its command's process group and the kill is confirmed
// after all; so for the pool when the connection has no other Run. With
// another Run on the pooled connection, the fallback must not touch it: the
// result says the kill was not confirmed, the connection is retired, and
// the abandoned command is killed once that other Run is done.
func TestTimeoutRootLogin(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 1)
	s := f.Servers[0]
	tg := target(t, s.Name)
	if f.User != "root" {
		t.Fatalf("the fleet logs in as %s, not root (sshdtest runs as root): this test needs a root login", f.User)
	}
	const limit = 2 * time.Second
	cs, logs := transports(t, f, "root", limit)
	for i, name := range []string{"SSH.Run", "Pool.Run"} {
		proc := "sleep " + []string{"614", "615"}[i]
		start := time.Now()
		r := cs[name].Run(context.Background(), tg, proc+" & "+proc)
		el := time.Since(start)
		var te *collectors.TimeoutError
		if !errors.As(r.Err, &te) || te.KillUnconfirmed {
			t.Fatalf("%s, root alone on its connection: err = %v, want a confirmed timeout", name, r.Err)
		}
		t.Logf("%s, root login: kill confirmed by the fallback; Run returned %v after the start (timeout %v)", name, el, limit)
		if way := killWay(t, logs[name]); way != "kill_confirmed=true fallback=true" {
			t.Errorf("%s: the debug log says %q, want the kill confirmed by the fallback", name, way)
		}
		if bound := testenv.NoHang(limit + 2*time.Second); el > bound {
			t.Errorf("%s: Run returned after %v, want within %v (the sleep runs 600 s)", name, el, bound)
		}
		if p := s.Pids(proc); len(p) != 0 {
			t.Errorf("%s: kill confirmed but %q still running: %v", name, proc, p)
		}
	}
	if !strings.Contains(s.Log(), "session signalling requires privilege separation") {
		t.Errorf("sshd log does not say it refused the signal for root")
	}

	// A bystander on the same pooled connection.
	p := cs["Pool.Run"].(*collectors.Pool)
	bystander := make(chan collectors.Result, 1)
	bctx := collectors.WithCommandTimeout(context.Background(), 2*limit)
	go func() { bystander <- p.Run(bctx, tg, "sleep 617; echo done") }()
	if !poll(limit, func() bool { return len(s.Pids("sleep 617")) == 1 }) {
		t.Fatal("the bystander's sleep never showed up")
	}
	r := p.Run(context.Background(), tg, "sleep 616 & sleep 616")
	var te *collectors.TimeoutError
	if !errors.As(r.Err, &te) || !te.KillUnconfirmed {
		t.Fatalf("root with a bystander: err = %v, want an unconfirmed timeout", r.Err)
	}
	if n := len(s.Pids("sleep 616")); n != 2 {
		t.Errorf("%d remote `sleep 616` left, want both (the bystander's connection must not be reaped yet)", n)
	}
	if n := len(s.Pids("sleep 617")); n != 1 {
		t.Errorf("the bystander's sleep was killed (%d left)", n)
	}
	b := <-bystander
	if !errors.Is(b.Err, collectors.ErrTimeout) {
		t.Errorf("bystander: err = %v, want its own timeout", b.Err)
	}
	// The bystander was the last Run on the retired connection: the
	// abandoned command goes with it.
	if !poll(5*time.Second, func() bool { return len(s.Pids("sleep 616"))+len(s.Pids("sleep 617")) == 0 }) {
		t.Errorf("abandoned commands still running after the retired connection was released: %v %v", s.Pids("sleep 616"), s.Pids("sleep 617"))
	}
	if !poll(5*time.Second, func() bool { return p.Stats().Open == 0 }) {
		t.Errorf("retired connection still open: %+v", p.Stats())
	}
}

// A command that exits while a child it left in the background still
// writes: the output is read as long as some keeps coming (gaps shorter
// than the quiet grace), so nothing the child printed is lost; and a
// child that then holds the output silently ends the read with a note,
// not a timeout.
func TestExitedCommandBackgroundOutput(t *testing.T) {
	t.Parallel()
	f := sshdtest.Start(t, 1)
	tg := target(t, f.Servers[0].Name)
	cs, _ := transports(t, f, f.User, 8*time.Second)
	for _, name := range []string{"SSH.Run", "Pool.Run"} {
		r := cs[name].Run(context.Background(), tg, "(for i in 1 2 3; do sleep 0.3; echo $i; done) & echo x")
		if r.Err != nil || string(r.Stdout) != "x\n1\n2\n3\n" || strings.Contains(string(r.Stderr), "[serverstats:") {
			t.Errorf("%s: writing child: err %v, stdout %q, stderr %q; want all four lines and no note", name, r.Err, r.Stdout, r.Stderr)
		}
		r = cs[name].Run(context.Background(), tg, "sleep 7 & echo y; exit 3")
		if r.Err != nil || r.ExitStatus != 3 || string(r.Stdout) != "y\n" || !strings.Contains(string(r.Stderr), "[serverstats: the command exited (status 3)") {
			t.Errorf("%s: silent child: err %v, exit %d, stdout %q, stderr %q; want exit 3, y and the note", name, r.Err, r.ExitStatus, r.Stdout, r.Stderr)
		}
		r = cs[name].Run(context.Background(), tg, "kill -TERM $$")
		if r.Err != nil || r.ExitStatus != 128+15 {
			t.Errorf("%s: killed by SIGTERM: err %v, exit %d; want 143", name, r.Err, r.ExitStatus)
		}
	}
}
