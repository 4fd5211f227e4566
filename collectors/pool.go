package collectors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// Pool defaults, used when a PoolOptions field is zero or negative.
const (
	DefaultMaxSessions       = 8
	DefaultIdleTimeout       = 5 * time.Minute
	DefaultKeepaliveInterval = 15 * time.Second
	DefaultKeepaliveMax      = 3
	DefaultReconnectMin      = time.Second
	DefaultReconnectMax      = time.Minute
)

// PoolOptions configures a Pool. The zero value of each field selects its
// default.
type PoolOptions struct {
	// MaxSessions bounds the sessions (commands) running at once on one
	// connection; more concurrent Runs for the host wait for a free one,
	// within their command timeout. Keep it below the server's MaxSessions
	// (OpenSSH: 10): a timed-out command whose kill the server does not
	// confirm needs one more session for the fallback (see Pool). Default
	// DefaultMaxSessions.
	MaxSessions int
	// IdleTimeout closes a connection no session has used for that long.
	// Default DefaultIdleTimeout.
	IdleTimeout time.Duration
	// KeepaliveInterval is how often each connection is checked: one
	// that the server gave no sign of life since the last check (a
	// command's exit) is sent a keepalive@openssh.com request, whose reply
	// is due within the same interval. Busy connections, answering a
	// sweep's commands, are not sent one (like OpenSSH's
	// ServerAliveInterval, which counts what the server sends). Default
	// DefaultKeepaliveInterval.
	KeepaliveInterval time.Duration
	// KeepaliveMax is how many keepalives in a row may go unanswered before
	// the connection is declared dead and closed, so a dead peer is noticed
	// after KeepaliveInterval*KeepaliveMax to KeepaliveInterval*(KeepaliveMax+2)
	// of silence. Default DefaultKeepaliveMax.
	KeepaliveMax int
	// ReconnectMin and ReconnectMax bound the jittered exponential backoff
	// between failed dials to the same host: after n failures in a row the
	// next dial waits a random time in [d/2, d], d = min(ReconnectMin*2^n,
	// ReconnectMax), and never less than ReconnectMin. Defaults
	// DefaultReconnectMin and DefaultReconnectMax.
	ReconnectMin, ReconnectMax time.Duration
	// Now is the clock for the backoff and idle bookkeeping (tests inject
	// one); nil means time.Now. Timers (keepalive, the idle janitor's tick,
	// timeouts) use real time.
	Now func() time.Time
	// Logger gets connection events (debug) and failures; nil means the
	// SSHOptions.Logger.
	Logger *slog.Logger
}

// PoolStats is a snapshot of a Pool's state and counters since NewPool.
type PoolStats struct {
	Hosts             int    // hosts the pool keeps state for
	Open              int    // connections open now
	SessionsInUse     int    // sessions running now, over all connections
	Waiting           int    // Runs waiting for a free session now
	Dials             uint64 // connection attempts (a ProxyJump chain counts once)
	DialFailures      uint64 // attempts that failed (connect, host key, auth)
	Reconnects        uint64 // successful dials to a host whose last connection broke (not idle-closed)
	Keepalives        uint64 // keepalive requests sent
	KeepaliveFailures uint64 // connections declared dead by keepalive
	IdleClosed        uint64 // connections closed for being idle
}

// Pool is a Collector that keeps one SSH connection per host (per resolved
// user, address, ProxyJump chain and identity files) and runs every command
// on it, at most MaxSessions at a time. It is safe for concurrent use.
//
// It behaves like SSH.Run: the same resolution, host key policy (checked on
// every connect and reconnect), authentication, timeouts and errors. In
// addition:
//   - A connection that breaks (the server closes it, or KeepaliveMax
//     keepalives in a row go unanswered) is dropped; a Run whose command was
//     running on it fails with ErrConnect and is not retried (that could run
//     the command twice), but the next Run dials again. A Run whose session
//     could not even be opened on a broken connection dials once more.
//   - After a failed dial, Runs for that host fail at once, until the
//     backoff (see PoolOptions) has passed, with an error wrapping the
//     sentinel of the last failure (ErrConnect for a refused or silent host,
//     ErrHostKeyChanged for a changed key, ...) and saying when the next
//     attempt is.
//   - The command is sent exactly as given, as SSH.Run sends it, so any
//     login shell (sh, bash, csh, tcsh, fish, ...) gets the same command
//     line from both, and a timed-out command is stopped the same way, by
//     the same code (runSession): SIGKILL over the session, which OpenSSH
//     delivers to the session's process group only, so the connection's
//     other sessions are not disturbed. A kill the server confirms (the
//     session ends within a second) keeps the connection. A kill it does
//     not confirm (sshd refuses signals for root logins and ForceCommand
//     sessions; a process that left the group keeps the output open; a
//     server that ignores the request) retires the connection: new Runs get
//     a new one, and it is closed once its other Runs end. If no other Run
//     holds the connection at that moment, every other session on it is an
//     abandoned command and the pool tries reapScript on it at once, as
//     SSH.Run does, and waits up to another second for the session to end;
//     otherwise it tries reapScript when the last Run releases the
//     connection, just before closing it. That script needs /bin/sh and
//     pgrep or ps on the host and is only a best effort: the pool assumes
//     neither a POSIX login shell nor /proc on the host. A kill still not
//     confirmed when Run returns is reported in the error: the command may
//     still be running on the host.
//
// Close closes every connection and ends every goroutine the pool started.
type Pool struct {
	ssh  *SSH
	opts PoolOptions // defaults filled in
	log  *slog.Logger
	now  func() time.Time

	ctx    context.Context // ended by Close; bounds dials
	cancel context.CancelFunc
	wg     sync.WaitGroup // every goroutine and every Run in progress

	mu     sync.Mutex
	closed bool
	hosts  map[string]*poolHost
	conns  map[*poolConn]struct{} // every connection not yet closed
	nextID uint64
	stats  PoolStats
}

var _ Collector = (*Pool)(nil)

// poolHost is the pool's state for one host. Its fields are guarded by
// Pool.mu.
type poolHost struct {
	hc       hostConfig
	conn     *poolConn // the connection new Runs use; nil when there is none
	dial     *dialCall // the dial in progress, if any
	failures int       // failed dials in a row
	retryAt  time.Time // no dial before this
	lastErr  error     // of the last failed dial
	lost     bool      // the last connection broke (for Stats.Reconnects)
	lastUsed time.Time
}

// dialCall is one dial, shared by every Run that waits for it.
type dialCall struct {
	done chan struct{} // closed when conn or err is set
	conn *poolConn
	err  error
}

// poolConn is one pooled connection.
type poolConn struct {
	id     uint64
	host   *poolHost
	sc     *sshConn
	sem    chan struct{} // one token per session in use
	closed chan struct{} // closed when the connection is closed
	once   sync.Once

	// Guarded by Pool.mu.
	refs     int  // Runs holding the connection (waiting for or using a session)
	retired  bool // no new Runs; closed when refs reaches 0
	gone     bool // closed or being closed
	lastUsed time.Time
	// reapOnClose: a timed-out command's kill was not confirmed while other
	// Runs held c; run reapScript when the last one releases it (abandon).
	reapOnClose bool
	kaPending   bool // a keepalive is in flight
	kaMissed    int  // ticks in a row that found it unanswered
	exited      bool // a command on it exited since the last keepalive tick: the server was alive then
}

func (c *poolConn) close() {
	c.once.Do(func() {
		close(c.closed)
		_ = c.sc.Close()
	})
}

// Why a connection is closed.
type dropReason int

const (
	dropBroken dropReason = iota // the transport ended
	dropKeepalive
	dropIdle
	dropRetired
	dropClosing // Pool.Close
)

func (r dropReason) String() string {
	return [...]string{"connection closed", "keepalive unanswered", "idle", "retired", "pool closed"}[r]
}

// NewPool checks opts (as NewSSH does) and p and returns a Pool. It starts
// the idle janitor and the keepalive ticker; call Close to stop them.
func NewPool(opts SSHOptions, p PoolOptions) (*Pool, error) {
	s, err := NewSSH(opts)
	if err != nil {
		return nil, err
	}
	if p.MaxSessions <= 0 {
		p.MaxSessions = DefaultMaxSessions
	}
	if p.IdleTimeout <= 0 {
		p.IdleTimeout = DefaultIdleTimeout
	}
	if p.KeepaliveInterval <= 0 {
		p.KeepaliveInterval = DefaultKeepaliveInterval
	}
	if p.KeepaliveMax <= 0 {
		p.KeepaliveMax = DefaultKeepaliveMax
	}
	if p.ReconnectMin <= 0 {
		p.ReconnectMin = DefaultReconnectMin
	}
	if p.ReconnectMax <= 0 {
		p.ReconnectMax = DefaultReconnectMax
	}
	if p.ReconnectMax < p.ReconnectMin {
		p.ReconnectMax = p.ReconnectMin
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Logger == nil {
		p.Logger = s.log
	}
	pool := &Pool{
		ssh:   s,
		opts:  p,
		log:   p.Logger,
		now:   p.Now,
		hosts: make(map[string]*poolHost),
		conns: make(map[*poolConn]struct{}),
	}
	pool.ctx, pool.cancel = context.WithCancel(context.Background())
	pool.wg.Add(2)
	go pool.janitor()
	go pool.keepalives()
	return pool, nil
}

// Run runs cmd on t over the host's pooled connection, dialing it if needed,
// and returns what happened, as SSH.Run does. It returns within
// ConnectTimeout + CommandTimeout + about two seconds (stopping a timed-out
// command: see Pool); the wait for a free session counts against the
// command timeout.
func (p *Pool) Run(ctx context.Context, t Target, cmd string) (res Result) {
	start := time.Now()
	res.Target = t
	defer func() { res.Duration = time.Since(start) }()

	hc, err := p.ssh.resolve(t, "")
	if err != nil {
		res.Err = err
		return res
	}
	res.Target.Host, res.Target.Port, res.Target.User = hc.host, hc.port, hc.user

	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		res.Err = errPoolClosed(hc)
		return res
	}
	p.wg.Add(1)
	p.mu.Unlock()
	defer p.wg.Done()

	limit := commandTimeout(ctx, p.ssh.opts.CommandTimeout)
	var deadline time.Time // of the command
	for attempt := 0; ; attempt++ {
		connStart := time.Now()
		c, fresh, err := p.conn(ctx, hc)
		if err != nil {
			res.Err = err
			return res
		}
		if attempt == 0 {
			deadline = time.Now().Add(limit)
		} else {
			deadline = deadline.Add(time.Since(connStart)) // redialing does not count
		}
		cctx, cancel := context.WithDeadline(ctx, deadline)
		retry := p.runOn(ctx, cctx, c, hc, cmd, &res, limit)
		cancel()
		// Only a connection that was already pooled is worth a second try
		// (this Run has not spent its connect time yet).
		if !retry || fresh || attempt > 0 || ctx.Err() != nil {
			return res
		}
		p.log.Debug("pooled connection was broken before the command started; dialing again", "host", hc.addr(), "err", res.Err)
		res = Result{Target: res.Target}
	}
}

// conn returns hc's connection with a reference taken (release it with
// release), dialing if there is none (fresh is then true). It fails fast
// while the host is in backoff after a failed dial.
func (p *Pool) conn(ctx context.Context, hc hostConfig) (c *poolConn, fresh bool, err error) {
	if ctx.Err() != nil {
		return nil, false, fmt.Errorf("connect to %s: %w: canceled", hc.addr(), ErrConnect)
	}
	key := poolKey(hc)
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, false, errPoolClosed(hc)
	}
	now := p.now()
	h := p.hosts[key]
	if h == nil {
		h = &poolHost{hc: hc}
		p.hosts[key] = h
	}
	h.lastUsed = now
	if c := h.conn; c != nil {
		c.refs++
		p.mu.Unlock()
		return c, false, nil
	}
	d := h.dial
	if d == nil {
		if now.Before(h.retryAt) {
			err := p.backoffErr(h, now)
			p.mu.Unlock()
			return nil, false, err
		}
		d = &dialCall{done: make(chan struct{})}
		h.dial = d
		p.stats.Dials++
		p.wg.Add(1)
		go p.dial(h, d)
	}
	p.mu.Unlock()

	select {
	case <-d.done:
	case <-ctx.Done():
		return nil, true, fmt.Errorf("connect to %s: %w: canceled", hc.addr(), ErrConnect)
	}
	if d.err != nil {
		return nil, true, d.err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := d.conn; !c.gone && !c.retired {
		c.refs++
		return c, true, nil
	}
	return nil, true, fmt.Errorf("connect to %s: %w: the connection closed right after it was established", hc.addr(), ErrConnect)
}

// dial connects to h, verifying its host key and logging in, and records the
// outcome in h and d.
func (p *Pool) dial(h *poolHost, d *dialCall) {
	defer p.wg.Done()
	ctx, cancel := context.WithTimeout(p.ctx, p.ssh.opts.ConnectTimeout)
	sc, err := p.ssh.connect(ctx, h.hc, 0, p.spawn)
	cancel()
	var c *poolConn

	p.mu.Lock()
	h.dial = nil
	switch {
	case err == nil && p.closed:
		_ = sc.Close()
		err = errPoolClosed(h.hc)
	case p.closed:
		err = errPoolClosed(h.hc)
	case err != nil:
		h.failures++
		h.lastErr = err
		wait := p.backoff(h.failures)
		h.retryAt = p.now().Add(wait)
		p.stats.DialFailures++
		p.log.Debug("dial failed", "host", h.hc.addr(), "failures", h.failures, "retry_in", wait, "err", err)
	default:
		p.nextID++
		c = &poolConn{
			id:       p.nextID,
			host:     h,
			sc:       sc,
			sem:      make(chan struct{}, p.opts.MaxSessions),
			closed:   make(chan struct{}),
			lastUsed: p.now(),
		}
		if h.lost {
			p.stats.Reconnects++
			h.lost = false
		}
		h.failures, h.retryAt, h.lastErr = 0, time.Time{}, nil
		h.conn = c
		p.conns[c] = struct{}{}
		p.stats.Open++
		d.conn = c
		p.log.Debug("connected", "host", h.hc.addr(), "conn", c.id)
	}
	d.err = err
	p.mu.Unlock()
	if c != nil {
		// Drop c as soon as its transport ends.
		c.sc.whenEnded(func() { p.drop(c, dropBroken) })
	}
	close(d.done)
}

// backoff is the wait before the next dial after n failed dials in a row.
func (p *Pool) backoff(n int) time.Duration {
	lo, hi := p.opts.ReconnectMin, p.opts.ReconnectMax
	d := hi
	if n < 63 && lo <= hi>>n {
		d = lo << n
	}
	wait := d/2 + time.Duration(mrand.Int64N(int64(d/2)+1))
	return max(lo, min(wait, hi))
}

// backoffErr is the error of a Run refused because h is in backoff.
func (p *Pool) backoffErr(h *poolHost, now time.Time) error {
	return fmt.Errorf("connect to %s: %w: %d failed attempt(s), next attempt in %s (at %s); last error: %v",
		h.hc.addr(), sentinelOf(h.lastErr), h.failures, h.retryAt.Sub(now).Round(time.Millisecond), h.retryAt.Format("15:04:05.000"), h.lastErr)
}

// sentinelOf returns the transport sentinel err wraps (ErrConnect if none).
func sentinelOf(err error) error {
	for _, s := range []error{ErrHostKeyChanged, ErrHostKeyUnknown, ErrAuth, ErrConnect} {
		if errors.Is(err, s) {
			return s
		}
	}
	return ErrConnect
}

// runOn runs cmd in a session of c and fills res. It releases c. It reports
// whether the command never started because c was broken (or was closed
// while the Run waited), so the caller may try once more on a new
// connection; res.Err is set then too.
func (p *Pool) runOn(ctx, cctx context.Context, c *poolConn, hc hostConfig, cmd string, res *Result, limit time.Duration) (retry bool) {
	defer p.release(c)

	p.mu.Lock()
	p.stats.Waiting++
	p.mu.Unlock()
	acquired := false
	select {
	case c.sem <- struct{}{}:
		acquired = true
	case <-c.closed:
	case <-cctx.Done():
	}
	p.mu.Lock()
	p.stats.Waiting--
	if acquired {
		p.stats.SessionsInUse++
	}
	p.mu.Unlock()
	if !acquired {
		select {
		case <-c.closed:
			res.Err = fmt.Errorf("run command on %s: %w: connection closed", hc.addr(), ErrConnect)
			return true
		default:
			res.Err = fmt.Errorf("wait for a free session on %s (%d in use): %w", hc.addr(), p.opts.MaxSessions, timeoutErr(ctx, limit, false))
			return false
		}
	}
	defer func() {
		p.mu.Lock()
		p.stats.SessionsInUse--
		p.mu.Unlock()
		<-c.sem
	}()

	deadline, _ := cctx.Deadline()
	end, openErr := runSession(ctx, c.sc.client, hc, cmd, limit, res, sessionOpts{
		deadline: deadline,
		spawn:    p.spawn,
		log:      p.log,
		fallback: func(deadline time.Time) {
			p.abandon(c, hc, deadline)
		},
	})
	switch end {
	case sessionExited:
		if res.Err == nil {
			p.mu.Lock()
			c.exited = true
			p.mu.Unlock()
		}
	case sessionOpenFailed:
		var refused *ssh.OpenChannelError
		if errors.As(openErr, &refused) {
			return false // the server said no (its MaxSessions?); the connection is fine
		}
		p.drop(c, dropBroken)
		return true
	case sessionNotOpened:
		p.retire(c, "session not opened within the command timeout")
	}
	return false
}

// spawn runs f in a goroutine that Close waits for.
func (p *Pool) spawn(f func()) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		f()
	}()
}

// abandon is the fallback for a timed-out command on c whose kill the
// server did not confirm. It retires c, so that no new Run uses it. If this
// Run is then the only one holding c, every other session on c is an
// abandoned command, and reapScript runs at once (by deadline); otherwise it
// runs when the last Run holding c releases it, just before c is closed.
func (p *Pool) abandon(c *poolConn, hc hostConfig, deadline time.Time) {
	p.retire(c, "the server did not confirm the kill of a timed-out command")
	p.mu.Lock()
	alone := c.refs == 1 && !c.gone
	c.reapOnClose = !alone // else done now
	p.mu.Unlock()
	if alone {
		reapSessions(c.sc.client, deadline, p.spawn, p.log, hc)
	}
}

// release gives back a reference taken by conn.
func (p *Pool) release(c *poolConn) {
	p.mu.Lock()
	c.refs--
	c.lastUsed = p.now()
	closeIt := c.retired && c.refs == 0 && p.markGone(c, dropRetired)
	reap := closeIt && c.reapOnClose
	p.mu.Unlock()
	switch {
	case reap:
		p.spawn(func() {
			reapSessions(c.sc.client, time.Now().Add(p.ssh.opts.ConnectTimeout+killGrace), p.spawn, p.log, c.host.hc)
			c.close()
		})
	case closeIt:
		c.close()
	}
}

// retire takes c out of use: new Runs get a new connection, and c is closed
// when the Runs using it are done.
func (p *Pool) retire(c *poolConn, why string) {
	p.mu.Lock()
	closeIt := false
	if !c.gone && !c.retired {
		c.retired = true
		if c.host.conn == c {
			c.host.conn = nil
		}
		c.host.lost = true
		closeIt = c.refs == 0 && p.markGone(c, dropRetired)
		p.log.Debug("retiring connection", "host", c.host.hc.addr(), "conn", c.id, "why", why)
	}
	p.mu.Unlock()
	if closeIt {
		c.close()
	}
}

// drop closes c now.
func (p *Pool) drop(c *poolConn, why dropReason) {
	p.mu.Lock()
	closeIt := p.markGone(c, why)
	p.mu.Unlock()
	if closeIt {
		c.close()
	}
}

// markGone takes c out of the pool for why and reports whether the caller
// must close it (false if that is already done). Call with p.mu held.
func (p *Pool) markGone(c *poolConn, why dropReason) bool {
	if c.gone {
		return false
	}
	c.gone = true
	if c.host.conn == c {
		c.host.conn = nil
	}
	switch why {
	case dropIdle:
		p.stats.IdleClosed++
	case dropKeepalive:
		p.stats.KeepaliveFailures++
		c.host.lost = true
	case dropBroken:
		c.host.lost = true
	}
	delete(p.conns, c)
	p.stats.Open--
	lvl := slog.LevelDebug
	if why == dropKeepalive {
		lvl = slog.LevelWarn
	}
	p.log.Log(context.Background(), lvl, "closing pooled connection", "host", c.host.hc.addr(), "conn", c.id, "why", why.String())
	return true
}

// keepalives sends keepalive@openssh.com once a KeepaliveInterval, from one
// ticker for the whole pool, on every open connection on which no command
// exited since the last tick (a fleet swept more often than that sends
// none: at 1,000 hosts they were 12 % of the daemon's CPU), and drops a
// connection whose last KeepaliveMax ticks found its keepalive unanswered.
// Any answer counts (OpenSSH answers "failure" to this request). Only a
// request in flight holds a goroutine (until its answer, or the connection's
// end), so an idle pooled connection costs no goroutine of its own here.
func (p *Pool) keepalives() {
	defer p.wg.Done()
	tick := time.NewTicker(p.opts.KeepaliveInterval)
	defer tick.Stop()
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-tick.C:
		}
		var send, dead []*poolConn
		p.mu.Lock()
		for c := range p.conns {
			if c.exited {
				c.exited = false
				continue // the server answered a command since the last check
			}
			if !c.kaPending {
				c.kaPending = true
				send = append(send, c)
				continue
			}
			c.kaMissed++
			p.log.Debug("keepalive unanswered", "host", c.host.hc.addr(), "conn", c.id, "missed", c.kaMissed)
			if c.kaMissed >= p.opts.KeepaliveMax {
				dead = append(dead, c)
			}
		}
		p.stats.Keepalives += uint64(len(send))
		p.mu.Unlock()
		for _, c := range dead {
			p.drop(c, dropKeepalive)
		}
		for _, c := range send {
			p.spawn(func() { p.keepalive(c) })
		}
	}
}

// keepalive sends one keepalive on c and records the answer.
func (p *Pool) keepalive(c *poolConn) {
	if _, _, err := c.sc.client.SendRequest("keepalive@openssh.com", true, nil); err != nil {
		p.drop(c, dropBroken)
		return
	}
	p.mu.Lock()
	c.kaPending, c.kaMissed = false, 0
	p.mu.Unlock()
}

// janitor closes idle connections and forgets hosts with nothing to remember.
func (p *Pool) janitor() {
	defer p.wg.Done()
	period := min(max(p.opts.IdleTimeout/4, 10*time.Millisecond), 30*time.Second)
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-tick.C:
		}
		var idle []*poolConn
		p.mu.Lock()
		now := p.now()
		for key, h := range p.hosts {
			if c := h.conn; c != nil {
				if c.refs == 0 && now.Sub(c.lastUsed) >= p.opts.IdleTimeout && p.markGone(c, dropIdle) {
					idle = append(idle, c)
				}
				continue
			}
			stale := h.failures == 0 || now.Sub(h.retryAt) >= p.opts.IdleTimeout
			if h.dial == nil && stale && now.Sub(h.lastUsed) >= p.opts.IdleTimeout {
				delete(p.hosts, key)
			}
		}
		p.mu.Unlock()
		for _, c := range idle {
			c.close()
		}
	}
}

// Stats returns the pool's current state and counters.
func (p *Pool) Stats() PoolStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.stats
	s.Hosts = len(p.hosts)
	return s
}

// Close closes every connection, waits for the Runs in progress (which then
// fail with ErrConnect) and for every goroutine of the pool to end. Runs after
// Close fail with ErrConnect. It always returns nil.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		p.wg.Wait()
		return nil
	}
	p.closed = true
	var conns []*poolConn
	for c := range p.conns {
		if p.markGone(c, dropClosing) {
			conns = append(conns, c)
		}
	}
	p.mu.Unlock()
	p.cancel()
	for _, c := range conns {
		c.close()
	}
	p.wg.Wait()
	return nil
}

func errPoolClosed(hc hostConfig) error {
	return fmt.Errorf("connect to %s: %w: connection pool closed", hc.addr(), ErrConnect)
}

// poolKey identifies the connection hc needs.
func poolKey(hc hostConfig) string {
	parts := append([]string{hc.user, hc.host, strconv.Itoa(hc.port), hc.proxyJump, hc.hostKeyAlias, strconv.FormatBool(hc.hashKnownHosts)}, hc.identityFiles...)
	return strings.Join(parts, "\x00")
}
