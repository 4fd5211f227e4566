package handlers

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"serverstats/collectors/testenv"
	"serverstats/config"
	"serverstats/handlers/message"
)

func newExecT(t *testing.T, timeout time.Duration, argv ...string) Handler {
	t.Helper()
	h, err := New(&config.Handler{Name: "notify", Type: "exec", Command: argv, Timeout: timeout}, testEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// gone waits up to testenv.NoHang(0) for the process whose pid is in pidFile to be gone
// (or a zombie nobody reaped yet).
func gone(t *testing.T, pidFile string) bool {
	t.Helper()
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		t.Fatalf("pid file %q", b)
	}
	for deadline := time.Now().Add(testenv.NoHang(0)); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
			return true
		}
		if stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
			if f := strings.Fields(string(stat)); len(f) > 2 && f[2] == "Z" {
				return true
			}
		}
	}
	_ = syscall.Kill(pid, syscall.SIGKILL) // a process this test started
	return false
}

func TestExecDelivers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "stdin.json")
	// No shell between serverstats and the command: the argument arrives as written.
	x := newExecT(t, 5*time.Second, "/bin/sh", "-c", `cat > "$1" && printf '%s' "$2" > "$1.arg"`, "sh", out, "$HOME; `id` *")
	ns := message.Sample(sampleTime)
	if retry, err := x.Send(context.Background(), ns); err != nil || retry {
		t.Fatalf("Send = %v, %v", retry, err)
	}
	got, _ := os.ReadFile(out)
	want, _ := message.JSON(message.New("notify", ns))
	if string(got) != string(want) {
		t.Errorf("stdin =\n%s\nwant\n%s", got, want)
	}
	if arg, _ := os.ReadFile(out + ".arg"); string(arg) != "$HOME; `id` *" {
		t.Errorf("argument = %q", arg)
	}
}

func TestExecFailures(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 600)
	for _, tc := range []struct {
		name  string
		argv  []string
		retry bool
		want  string // the whole error
	}{
		{"exit status", []string{"/bin/sh", "-c", "echo 'mail: relay down' >&2; echo 'try later' >&2; exit 3"}, true,
			"exec: /bin/sh exited with status 3: stderr: mail: relay down | try later"},
		{"no stderr", []string{"/bin/false"}, true, "exec: /bin/false exited with status 1"},
		{"long stderr", []string{"/bin/sh", "-c", "echo start >&2; echo " + long + " >&2; exit 1"}, true,
			"exec: /bin/sh exited with status 1: stderr: ..." + long[:500]},
		{"signal", []string{"/bin/sh", "-c", "kill -TERM $$"}, true, "exec: /bin/sh killed by signal terminated"},
		{"not found", []string{"/nonexistent/notify"}, false,
			"exec: start /nonexistent/notify: fork/exec /nonexistent/notify: no such file or directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			retry, err := newExecT(t, 5*time.Second, tc.argv...).Send(context.Background(), message.Sample(sampleTime))
			if err == nil || retry != tc.retry || err.Error() != tc.want {
				t.Errorf("Send = %v, %v\nwant  %v, %s", retry, err, tc.retry, tc.want)
			}
		})
	}
}

func TestExecTimeoutKillsGroup(t *testing.T) {
	t.Parallel()
	pidFile := filepath.Join(t.TempDir(), "pid")
	x := newExecT(t, shortTimeout, "/bin/sh", "-c", `sleep 30 & echo $! > "$1"; echo waiting >&2; wait`, "sh", pidFile)
	start := time.Now()
	retry, err := x.Send(context.Background(), message.Sample(sampleTime))
	elapsed := time.Since(start)
	want := "exec: /bin/sh: timed out after 300ms (process group killed): stderr: waiting"
	if !retry || err == nil || err.Error() != want {
		t.Errorf("Send = %v, %v\nwant  true, %s", retry, err, want)
	}
	checkTimedOut(t, "sleep 30", elapsed, shortTimeout)
	if !gone(t, pidFile) {
		t.Error("the command's background child survived the timeout")
	}
}

func TestExecKillsLeftovers(t *testing.T) {
	t.Parallel()
	pidFile := filepath.Join(t.TempDir(), "pid")
	// The child keeps stderr open: Send waits execWaitDelay for it, no more.
	x := newExecT(t, longTimeout, "/bin/sh", "-c", `sleep 30 & echo $! > "$1"`, "sh", pidFile)
	start := time.Now()
	if retry, err := x.Send(context.Background(), message.Sample(sampleTime)); err != nil || retry {
		t.Errorf("Send = %v, %v", retry, err)
	}
	if bound := testenv.NoHang(execWaitDelay); time.Since(start) > bound {
		t.Errorf("Send took %s, want at most %v, from execWaitDelay %v (the child sleeps 30 s)", time.Since(start), bound, execWaitDelay)
	}
	if !gone(t, pidFile) {
		t.Error("the command's background child survived")
	}
	t.Logf("Send and cleanup took %s", time.Since(start))
}

func TestTailBuffer(t *testing.T) {
	b := &tailBuffer{max: 10}
	for _, s := range []string{"0123", "456789", "abcdef"} {
		b.Write([]byte(s))
	}
	if got := string(b.b); got != "6789abcdef" {
		t.Errorf("kept %q", got)
	}
	if got := b.tail(4); got != "...cdef" {
		t.Errorf("tail(4) = %q", got)
	}
	u := &tailBuffer{max: 100}
	u.Write([]byte("é\nline two\n"))
	if got := u.tail(9); got != "...line two" {
		t.Errorf("tail(9) = %q", got)
	}
}
