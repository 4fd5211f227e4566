package collectors

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"

	"serverstats/collectors/childenv"
	"serverstats/collectors/procgroup"
)

// localWaitDelay bounds how long Local waits for the command's output pipes
// to close after the shell is gone (a background child may hold them open).
const localWaitDelay = time.Second

// Local runs commands on this machine with "SHELL -c CMD", without SSH, in a
// clean environment (childenv.Clean: PATH, HOME, LANG, LC_*, TZ, USER, ...;
// never serverstats's secrets or SSH_AUTH_SOCK). The
// command runs in its own process group; at the command timeout the whole
// group is killed, and when the shell exits any process it left in its group
// is killed too, so neither "sleep 600" nor "sleep 600 & sleep 600" can hang
// Run or leak processes (a child that moves to another process group or
// session escapes this, as it would from a terminal).
type Local struct {
	CommandTimeout time.Duration // 0 means DefaultCommandTimeout
	Shell          string        // "" means /bin/sh
	// KeepBackground leaves what the shell started in the background
	// running after it exits (a remediation that starts a daemon); only a
	// timeout kills the group then.
	KeepBackground bool
}

var _ Collector = (*Local)(nil)

// Run runs cmd with the shell and returns its output and exit status. A
// non-zero exit is a result (Err nil); a shell that cannot be started wraps
// ErrConnect; a command stopped at the timeout or by ctx wraps ErrTimeout.
func (l *Local) Run(ctx context.Context, t Target, cmd string) (res Result) {
	start := time.Now()
	res.Target = t
	defer func() { res.Duration = time.Since(start) }()

	limit := commandTimeout(ctx, l.CommandTimeout)
	if limit <= 0 {
		limit = DefaultCommandTimeout
	}
	shell := l.Shell
	if shell == "" {
		shell = "/bin/sh"
	}
	cctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()

	stdout, stderr := newCapBuffer(MaxOutput), newCapBuffer(MaxOutput)
	c := exec.CommandContext(cctx, shell, "-c", cmd)
	c.Stdout, c.Stderr = stdout, stderr // not *os.File: exec copies and WaitDelay bounds it
	c.Env = childenv.Clean(nil, nil)
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error { return procgroup.Kill(c.Process.Pid) }
	c.WaitDelay = localWaitDelay

	if err := c.Start(); err != nil {
		res.Err = fmt.Errorf("start %s: %w: %w", shell, ErrConnect, err)
		return res
	}
	pgid := c.Process.Pid
	err := c.Wait()
	// Whatever the shell left running in its group goes with it. The group
	// id cannot be reused while any member is alive, and pids are handed out
	// in sequence, so this reaches only what the command started.
	if !l.KeepBackground || cctx.Err() != nil {
		_ = procgroup.Kill(pgid)
	}
	fillOutput(&res, stdout, stderr)

	if cctx.Err() != nil {
		res.Err = timeoutErr(ctx, limit, false)
		return res
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil, errors.Is(err, exec.ErrWaitDelay):
		res.ExitStatus = 0
	case errors.As(err, &exitErr):
		res.ExitStatus = exitStatus(exitErr)
	default:
		res.Err = fmt.Errorf("wait for %s: %w: %w", shell, ErrConnect, err)
	}
	return res
}

// exitStatus is the shell convention: the exit code, or 128+N for a command
// killed by signal N.
func exitStatus(e *exec.ExitError) int {
	if ws, ok := e.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return e.ExitCode()
}
