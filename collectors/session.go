package collectors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// killGrace bounds each of the two steps of stopping a timed-out command:
// waiting for the server to confirm the SIGKILL sent over the session, and
// then the fallback, if any (see runSession).
const killGrace = time.Second

// sessionEnd is how runSession ended.
type sessionEnd int

const (
	sessionExited      sessionEnd = iota // the command ended by itself (or the session broke); res has the outcome
	sessionOpenFailed                    // the session could not be opened; res.Err wraps ErrConnect
	sessionNotOpened                     // timed out before the server opened the session: nothing ran
	sessionKilled                        // timed out; the session ended after the kill
	sessionUnconfirmed                   // timed out; the session did not end after the kill
)

// sessionOpts is what differs between the callers of runSession.
type sessionOpts struct {
	// deadline ends the command; zero means limit from now.
	deadline time.Time
	// spawn runs f in a new goroutine; nil means a plain go statement.
	spawn func(f func())
	// fallback, if not nil, runs when the server has not confirmed the
	// kill within killGrace. It must return by deadline.
	fallback func(deadline time.Time)
	log      *slog.Logger
}

// openError is a failure to open a session.
type openError struct{ err error }

func (e *openError) Error() string { return "open session: " + e.err.Error() }

// errAbandoned ends a session opened after its Run had given up.
var errAbandoned = errors.New("session abandoned")

// runSession runs cmd, exactly as given, in a new session of client, and
// fills res with its output and exit status, or with the error. It is the
// one implementation of a command run behind SSH.Run and Pool.Run.
//
// At the command timeout (o.deadline, by default limit from now; or ctx
// ending first) it sends SIGKILL with
// the session's "signal" request and waits up to killGrace for the session
// to end: the server's exit-signal and channel close confirm the kill. If
// they do not come, o.fallback runs, and the session gets a last short
// chance to end. res.Err is then a *TimeoutError whose KillUnconfirmed says
// whether the command may still be running on the host. runSession returns
// within limit plus twice killGrace plus a little, whatever the server does.
// When it returns sessionUnconfirmed the session is left open: it ends when
// the connection is closed.
//
// The returned error is the session open failure for sessionOpenFailed.
func runSession(ctx context.Context, client *ssh.Client, hc hostConfig, cmd string, limit time.Duration, res *Result, o sessionOpts) (sessionEnd, error) {
	spawn := o.spawn
	if spawn == nil {
		spawn = func(f func()) { go f() }
	}
	deadline := o.deadline
	if deadline.IsZero() {
		deadline = time.Now().Add(limit)
	}
	cctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()

	stdout, stderr := newCapBuffer(MaxOutput), newCapBuffer(MaxOutput)
	var (
		mu      sync.Mutex
		gaveUp  bool // the Run has given up: do not start the command any more
		started *chanSession
	)
	done := make(chan error, 1)     // the session's end: Wait's error, or an *openError
	execDone := make(chan struct{}) // the exec request was answered (or failed)
	spawn(func() {
		sess, err := openChanSession(client, spawn)
		if err != nil {
			done <- &openError{err}
			return
		}
		mu.Lock()
		if gaveUp {
			mu.Unlock()
			_ = sess.close()
			done <- errAbandoned
			return
		}
		started = sess
		mu.Unlock()
		err = sess.start(cmd, stdout, stderr)
		close(execDone)
		if err == nil {
			err = sess.wait()
		}
		done <- err
	})

	select {
	case err := <-done:
		var oe *openError
		if errors.As(err, &oe) {
			res.Err = fmt.Errorf("open session on %s: %w: %w", hc.addr(), ErrConnect, oe.err)
			return sessionOpenFailed, oe.err
		}
		fillOutput(res, stdout, stderr)
		if held := (*outputHeld)(nil); errors.As(err, &held) {
			res.ExitStatus = held.status
			res.Stderr = append(res.Stderr, fmt.Sprintf("\n[serverstats: the command exited (status %d) but a process it left in the background kept the output open; read until then (that process may still run on the host: start it with >/dev/null 2>&1 &)]\n", held.status)...)
			return sessionExited, nil
		}
		setExit(res, hc, err)
		return sessionExited, nil
	case <-cctx.Done():
	}

	mu.Lock()
	gaveUp = true
	sess := started
	mu.Unlock()
	if sess == nil {
		res.Err = timeoutErr(ctx, limit, false)
		return sessionNotOpened, nil
	}

	start := time.Now()
	confirmed := killSession(sess, execDone, done)
	fellBack := !confirmed && o.fallback != nil
	if fellBack {
		o.fallback(time.Now().Add(killGrace))
		confirmed = waitOrTimeout(done, 100*time.Millisecond)
	}
	if confirmed {
		// A value is waiting on done. An *outputHeld: what was signalled
		// died, but something it started outside its process group still
		// holds the output, so not all of it is gone.
		v := <-done
		done <- v
		var held *outputHeld
		confirmed = !errors.As(v, &held)
	}
	if o.log != nil {
		o.log.Debug("command timed out", "target", res.Target.Name, "after", limit, "kill_confirmed", confirmed, "fallback", fellBack, "kill_took", time.Since(start))
	}
	fillOutput(res, stdout, stderr)
	res.Err = timeoutErr(ctx, limit, !confirmed)
	if confirmed {
		return sessionKilled, nil
	}
	return sessionUnconfirmed, nil
}

// killSession sends SIGKILL over sess once its exec request has been
// answered and reports whether the session ended (a value arrived on done)
// within killGrace.
//
// OpenSSH's sshd delivers the signal with killpg to the session's process
// group (the session's child calls setsid), so a command and what it started
// in the background (in the same group) die together. It refuses signals
// for sessions of a ForceCommand or a subsystem, and, without privilege
// separation after login (root logins), says "session signalling requires
// privilege separation": then nothing comes back and the kill is not
// confirmed.
func killSession(sess *chanSession, execDone <-chan struct{}, done chan error) bool {
	t := time.NewTimer(killGrace)
	defer t.Stop()
	select {
	case <-execDone:
	case v := <-done:
		done <- v
		return true
	case <-t.C:
		// No answer to the exec request: there is no process to signal
		// yet, and no time left to wait for one.
		_ = sess.sendSignal("KILL")
		return false
	}
	_ = sess.sendSignal("KILL")
	select {
	case v := <-done:
		done <- v
		return true
	case <-t.C:
		return false
	}
}

// waitOrTimeout waits for a value on ch, or d, whichever comes first, and
// reports whether one came. A value received is put back so later waits see
// it too.
func waitOrTimeout(ch chan error, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case v := <-ch:
		ch <- v
		return true
	case <-t.C:
		return false
	}
}

// reapScript is the optional last resort for a timed-out command whose kill
// the server did not confirm, run in a second session of a connection none
// of whose other sessions is in use by a Run (so every other session on it
// is an abandoned command). It kills the process group of each of that
// connection's sessions but its own: their shells are the children of its
// parent, the sshd process serving the connection, and each leads its own
// process group (sshd calls setsid). It is wrapped in "exec /bin/sh -c '...'"
// so it runs under any login shell (sh, bash, csh, tcsh, fish) and its
// parent is still that sshd process. It needs /bin/sh and pgrep or ps on the
// host; where it fails, nothing is lost but the attempt.
const reapScript = `exec /bin/sh -c 'for p in $(pgrep -P "$PPID" 2>/dev/null || ps -o pid= --ppid "$PPID" 2>/dev/null); do ` +
	`[ "$p" = "$$" ] || kill -s KILL -- "-$p" "$p" 2>/dev/null; done; true'`

// reapSessions runs reapScript on client, giving up at deadline.
func reapSessions(client *ssh.Client, deadline time.Time, spawn func(func()), log *slog.Logger, hc hostConfig) {
	finished := make(chan struct{})
	spawn(func() {
		defer close(finished)
		reaper, err := client.NewSession()
		if err != nil {
			log.Debug("could not open a session to kill abandoned commands", "host", hc.addr(), "err", err)
			return
		}
		defer reaper.Close()
		if err := reaper.Run(reapScript); err != nil {
			log.Debug("could not kill abandoned commands", "host", hc.addr(), "err", err)
		}
	})
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-finished:
	case <-t.C:
		log.Debug("gave up killing abandoned commands", "host", hc.addr())
	}
}
