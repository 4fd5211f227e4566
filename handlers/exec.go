package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"slices"
	"syscall"
	"time"
	"unicode/utf8"

	"serverstats/alerts"
	"serverstats/collectors/childenv"
	"serverstats/collectors/procgroup"
	"serverstats/config"
	"serverstats/handlers/message"
)

// Exec runs a command for each group: argv from the config, no shell, the
// group as JSON (message.Payload) on stdin, stdout discarded, a clean
// environment (childenv.Clean: PATH, HOME, LANG, LC_*, TZ, USER, LOGNAME,
// TMPDIR, SERVERSTATS_CONFIG, the variables the handler's env: names, and
// SERVERSTATS_HANDLER set to the handler's name), never the secrets in
// serverstats's environment or SSH_AUTH_SOCK. Its stderr, shown in errors,
// goes through the redactor of every configured secret (Env.Redact). Exit status 0 means delivered.
//
// The command runs in its own process group. At the handler's timeout the
// whole group is killed; when the command exits, whatever it left running
// in its group is killed too, so a stuck notifier cannot pile up.
//
// Retry: a non-zero exit and a timeout are temporary (the error ends with
// the tail of stderr); a command that cannot be started (not found, not
// executable) is permanent.
type Exec struct {
	name    string
	argv    []string
	env     []string // names passed through (env:)
	timeout time.Duration
	redact  *Redactor
	log     *slog.Logger
}

var _ Handler = (*Exec)(nil)

const (
	// execWaitDelay bounds how long Send waits for the command's stderr to
	// close after it exited (a background child may hold it open).
	execWaitDelay = time.Second
	// stderrKeep is how much of the end of stderr Send keeps.
	stderrKeep = 4 << 10
	// stderrShown is how much of the end of stderr an error shows.
	stderrShown = 500
)

func newExec(h *config.Handler, env Env) (Handler, error) {
	if len(h.Command) == 0 || h.Command[0] == "" {
		return nil, fmt.Errorf("handler %q: missing command", h.Name)
	}
	return &Exec{name: h.Name, argv: slices.Clone(h.Command), env: slices.Clone(h.Env), timeout: attemptTimeout(h.Timeout),
		redact: env.Redact, log: env.logger()}, nil
}

// Send implements Handler: one run of the command with the whole group.
func (x *Exec) Send(ctx context.Context, ns []alerts.Notification) (bool, error) {
	payload, err := message.JSON(message.New(x.name, ns))
	if err != nil {
		return false, fmt.Errorf("exec: %w", err)
	}
	ctx, cancel := attemptContext(ctx, x.timeout)
	defer cancel()

	stderr := &tailBuffer{max: stderrKeep}
	cmd := exec.CommandContext(ctx, x.argv[0], x.argv[1:]...)
	cmd.Stdin = bytes.NewReader(payload)
	cmd.Stderr = stderr // not an *os.File: exec copies it, and WaitDelay bounds that
	cmd.Env = childenv.Clean(nil, x.env, "SERVERSTATS_HANDLER="+x.name)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return procgroup.Kill(cmd.Process.Pid) }
	cmd.WaitDelay = execWaitDelay

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return false, fmt.Errorf("exec: start %s: %w", x.argv[0], err)
	}
	pgid := cmd.Process.Pid
	err = cmd.Wait()
	// The group id cannot be reused while a member lives, so this reaches
	// only what the command started.
	_ = procgroup.Kill(pgid)

	// Redacted before it is cut: a secret cut in half would not match.
	stderr.b = []byte(x.redact.String(string(stderr.b)))
	tail := stderr.tail(stderrShown)
	withTail := func(err error) error {
		if tail != "" {
			return fmt.Errorf("%w: stderr: %s", err, tail)
		}
		return err
	}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return true, withTail(fmt.Errorf("exec: %s: %w (process group killed)", x.argv[0], context.Cause(ctx)))
	case err == nil, errors.Is(err, exec.ErrWaitDelay):
		x.log.Debug("exec delivered", "handler", x.name, "command", x.argv[0],
			"duration", time.Since(start).Round(time.Millisecond))
		noteReceipt(ctx, Receipt{Text: "exit status 0"})
		return false, nil
	case errors.As(err, &exitErr):
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return true, withTail(fmt.Errorf("exec: %s killed by signal %s", x.argv[0], ws.Signal()))
		}
		return true, withTail(fmt.Errorf("exec: %s exited with status %d", x.argv[0], exitErr.ExitCode()))
	}
	return true, withTail(fmt.Errorf("exec: wait for %s: %w", x.argv[0], err))
}

// tailBuffer is an io.Writer keeping the last max bytes written.
type tailBuffer struct {
	max int
	b   []byte
}

// Write implements io.Writer.
func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

// tail is the last n bytes or less of what was written, on one line
// (lines joined by " | "), starting with "..." when cut.
func (t *tailBuffer) tail(n int) string {
	b := bytes.TrimSpace(t.b)
	cut := false
	if len(b) > n {
		b, cut = b[len(b)-n:], true
		for len(b) > 0 && !utf8.RuneStart(b[0]) {
			b = b[1:]
		}
	}
	s := message.OneLine(string(bytes.ToValidUTF8(b, []byte("?"))))
	if cut {
		s = "..." + s
	}
	return s
}
