package collectors

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// quietGrace is how long a command's output may stay open, with nothing
// coming, after the server has reported the command's exit. Past it, a
// process the command started in the background holds the output (as in
// `daemon & echo started`): the output read so far is the command's.
const quietGrace = time.Second

// outputHeld ends a chanSession whose command exited (with status) while a
// process it left in the background kept its output open.
type outputHeld struct{ status int }

func (e *outputHeld) Error() string { return "output held open after exit" }

// chanSession runs one command on a raw "session" channel. It does what
// ssh.Session does, and one more thing: it tells when the server reports
// the command's exit (exit-status or exit-signal), which ssh.Session keeps
// to itself until the output has ended. OpenSSH's sshd reports the exit as
// soon as the command's process ends, and ends the output only when every
// process holding it has: a command that leaves a child in the background
// would otherwise hold the run until its timeout.
type chanSession struct {
	ch       ssh.Channel
	spawn    func(func())
	exited   chan struct{} // closed on exit-status or exit-signal
	closed   chan struct{} // closed when the server has closed the channel
	outEnded chan struct{} // closed when stdout and stderr have both ended
	activity chan struct{} // a value for output that came (buffered, 1)

	mu      sync.Mutex
	status  int    // exit status; 128+N for signal N
	signal  string // the exit signal's name, if any
	gotExit bool
}

// Wire formats of RFC 4254 section 6.
type (
	execMsg       struct{ Command string }
	signalMsg     struct{ Signal string }
	exitStatusMsg struct{ Status uint32 }
	exitSignalMsg struct {
		Signal     string
		CoreDumped bool
		Error      string
		Lang       string
	}
)

// signalNumbers are the exit signals with the usual Linux numbers.
var signalNumbers = map[string]int{"HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "ABRT": 6, "FPE": 8, "KILL": 9, "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15}

// openChanSession opens a session channel on client; spawn starts its
// goroutines.
func openChanSession(client *ssh.Client, spawn func(func())) (*chanSession, error) {
	ch, reqs, err := client.OpenChannel("session", nil)
	if err != nil {
		return nil, err
	}
	s := &chanSession{ch: ch, spawn: spawn, exited: make(chan struct{}), closed: make(chan struct{}), outEnded: make(chan struct{}), activity: make(chan struct{}, 1)}
	spawn(func() { s.serve(reqs) })
	return s, nil
}

// serve reads the server's requests on the channel until it is closed.
func (s *chanSession) serve(reqs <-chan *ssh.Request) {
	for r := range reqs {
		switch r.Type {
		case "exit-status":
			var m exitStatusMsg
			if ssh.Unmarshal(r.Payload, &m) == nil {
				s.setExit(int(m.Status), "")
			}
		case "exit-signal":
			var m exitSignalMsg
			if ssh.Unmarshal(r.Payload, &m) == nil {
				s.setExit(128+signalNumbers[m.Signal], m.Signal)
			}
		}
		if r.WantReply {
			_ = r.Reply(false, nil)
		}
	}
	close(s.closed)
}

func (s *chanSession) setExit(status int, signal string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.gotExit {
		s.status, s.signal, s.gotExit = status, signal, true
		close(s.exited)
	}
}

// start sends the exec request and copies the command's stdout and stderr
// to the writers until they end.
func (s *chanSession) start(cmd string, stdout, stderr io.Writer) error {
	ok, err := s.ch.SendRequest("exec", true, ssh.Marshal(&execMsg{cmd}))
	if err == nil && !ok {
		err = errors.New("the server refused to run the command")
	}
	if err != nil {
		return err
	}
	var open atomic.Int32 // the streams still open; the last to end closes outEnded
	open.Store(2)
	for _, c := range []struct {
		w io.Writer
		r io.Reader
	}{{stdout, s.ch}, {stderr, s.ch.Stderr()}} {
		s.spawn(func() {
			buf := copyBufs.Get().(*[copyBufSize]byte)
			_, _ = io.CopyBuffer(activityWriter{c.w, s.activity}, c.r, buf[:])
			copyBufs.Put(buf)
			if open.Add(-1) == 0 {
				close(s.outEnded)
			}
		})
	}
	return nil
}

// copyBufSize is one SSH packet's largest payload (x/crypto/ssh's and
// OpenSSH's channel packet size): a read never returns more.
const copyBufSize = 32 << 10

// copyBufs are the buffers output is copied through, reused: io.Copy's own
// would be two fresh 32 KB buffers per session, 64 MB of garbage for each
// sweep of 1,000 hosts (bench/README.md).
var copyBufs = sync.Pool{New: func() any { return new([copyBufSize]byte) }}

// wait returns when the command has ended: its output ended and the server
// closed the channel. It returns an *outputHeld, after closing the channel,
// when the server reported the exit but the output then stayed open with
// nothing coming for quietGrace; (a *sessionExit) error otherwise.
func (s *chanSession) wait() error {
	select {
	case <-s.outEnded:
		<-s.closed
		return s.exitErr()
	case <-s.closed:
		// The server closed the channel: the readers end now.
		<-s.outEnded
		return s.exitErr()
	case <-s.exited:
	}
	// The command exited: wait for its output to end, as long as some
	// keeps coming.
	quiet := time.NewTimer(quietGrace)
	defer quiet.Stop()
	for {
		select {
		case <-s.outEnded:
			<-s.closed
			return s.exitErr()
		case <-s.activity:
			quiet.Reset(quietGrace)
		case <-quiet.C:
			_ = s.ch.Close()
			<-s.outEnded
			s.mu.Lock()
			defer s.mu.Unlock()
			return &outputHeld{status: s.status}
		}
	}
}

// exitErr is nil for exit status 0, a *sessionExit for another status,
// and errNoExit when the server closed the channel without
// saying how the command ended.
func (s *chanSession) exitErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case !s.gotExit:
		return errNoExit
	case s.status == 0:
		return nil
	}
	return &sessionExit{status: s.status, signal: s.signal}
}

// sendSignal asks the server to signal the command (RFC 4254 6.9).
func (s *chanSession) sendSignal(name string) error {
	_, err := s.ch.SendRequest("signal", false, ssh.Marshal(&signalMsg{name}))
	return err
}

func (s *chanSession) close() error { return s.ch.Close() }

// sessionExit is a command's non-zero exit.
type sessionExit struct {
	status int
	signal string
}

func (e *sessionExit) Error() string {
	if e.signal != "" {
		return "command killed by signal " + e.signal
	}
	return "command exited with a non-zero status"
}

// errNoExit: the channel closed without an exit status (a dropped
// connection, or a server that does not send one).
var errNoExit = errors.New("connection closed without an exit status")

// activityWriter passes writes on and notes that output came.
type activityWriter struct {
	w        io.Writer
	activity chan struct{}
}

func (a activityWriter) Write(p []byte) (int, error) {
	select {
	case a.activity <- struct{}{}:
	default:
	}
	return a.w.Write(p)
}
