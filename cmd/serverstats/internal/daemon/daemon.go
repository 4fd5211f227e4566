package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/robfig/cron/v3"

	"serverstats/alerts"
	"serverstats/alerts/store"
	"serverstats/cmd/serverstats/internal/check"
	"serverstats/cmd/serverstats/internal/heartbeat"
	"serverstats/collectors"
	"serverstats/config"
	"serverstats/handlers"
)

// Options are what the daemon needs from its caller.
type Options struct {
	// Load reads and validates the config: at start and on every SIGHUP.
	Load func() (*config.Config, error)
	// OpenState opens the state file of cfg; StatePath names it.
	OpenState func(ctx context.Context, cfg *config.Config) (*store.Store, error)
	StatePath func(cfg *config.Config) string
	Stdout    io.Writer // print handlers
	Stderr    io.Writer // the log, unless daemon.log-file is set
	Getenv    func(string) string
	Version   string

	clock clock // the scheduler's clock; realClock{} when nil (tests wedge it)
}

// ConfigError is a config that cannot be loaded at start, or a log file
// that cannot be opened.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// daemon is `serverstats run`: it runs every command that has a schedule,
// keeps SSH connections open, retries the outbox in the background, serves
// /healthz, /metrics and /api/status, reloads on SIGHUP and stops cleanly
// on SIGTERM or SIGINT.
type daemon struct {
	opts    Options
	log     *slog.Logger
	metrics *metrics
	started time.Time

	mu      sync.Mutex
	gen     *generation    // the config in force
	retired sync.WaitGroup // generations replaced by a reload, until their runs end
	reloads struct{ ok, failed int }
	lastErr string // last reload error

	flushNow chan struct{}
	pings    *heartbeat.Serial // heartbeat outcome pings, in order, never holding a run up
	pingMu   sync.Mutex
	csrfKey  []byte // signs the page's CSRF tokens; new at every start

	stateMu    sync.Mutex
	st         *store.Store // nil until it opens; closed and reopened after a failure
	stateFails int          // consecutive failed state operations
	stateErr   string       // the last one

	statusURL string // the status page, for alertmanager's generatorURL
}

// stateUnhealthyAfter is how many consecutive state failures turn /healthz
// to 503.
const stateUnhealthyAfter = 3

// state returns the open state file, opening it if needed (a file fixed or
// reset while the daemon runs is picked up at the next run).
func (d *daemon) state(ctx context.Context) (*store.Store, error) {
	return d.stateFor(ctx, d.current().cfg)
}

// stateFor is state for cfg, before a generation of it is current.
func (d *daemon) stateFor(ctx context.Context, cfg *config.Config) (*store.Store, error) {
	d.stateMu.Lock()
	defer d.stateMu.Unlock()
	if d.st != nil {
		return d.st, nil
	}
	st, err := d.opts.OpenState(ctx, cfg)
	if err != nil {
		d.failedLocked("open", err)
		return nil, err
	}
	d.st = st
	return st, nil
}

// stateFailed records a failed state operation: counted by op, logged, and
// the file closed so that the next operation opens it afresh.
func (d *daemon) stateFailed(op string, err error) {
	d.stateMu.Lock()
	defer d.stateMu.Unlock()
	d.failedLocked(op, err)
	d.closeLocked()
}

func (d *daemon) failedLocked(op string, err error) {
	d.stateFails++
	d.stateErr = err.Error()
	d.metrics.stateErrors.WithLabelValues(op).Inc()
	d.log.Error("STATE UNAVAILABLE: alerts are delivered directly, without debounce, mutes or reminders", "op", op, "error", err, "consecutive_failures", d.stateFails)
}

// stateOK records a state operation that worked.
func (d *daemon) stateOK() {
	d.stateMu.Lock()
	d.stateFails, d.stateErr = 0, ""
	d.stateMu.Unlock()
}

// stateHealth says whether the state file is failing, and why.
func (d *daemon) stateHealth() (failing bool, why string) {
	d.stateMu.Lock()
	defer d.stateMu.Unlock()
	return d.stateFails >= stateUnhealthyAfter, d.stateErr
}

func (d *daemon) closeState() {
	d.stateMu.Lock()
	defer d.stateMu.Unlock()
	d.closeLocked()
}

func (d *daemon) closeLocked() {
	if d.st != nil {
		d.st.Close()
		d.st = nil
	}
}

// generation is one loaded config with its scheduler, connections and
// handlers.
type generation struct {
	cfg     *config.Config
	sched   *scheduler
	remote  collectors.Collector
	closer  io.Closer           // the remote's connections, closed when the generation ends
	checker *check.Checker      // runs its commands; its handlers are built once
	stop    context.CancelFunc  // stops scheduling (runs in flight go on)
	stopped chan struct{}       // closed when the loop has returned and its runs have ended
	last    map[string]runInfo  // per command
	runs    map[string]*pageRun // per command: the last run, as the status page shows it
	lastMu  sync.Mutex
	auth    pageAuth           // the credential of the page's actions
	beat    *heartbeat.Pinger  // nil without heartbeat:
	limit   *heartbeat.Limiter // at most one ping per heartbeat.every
}

// runInfo is what /api/status tells of a command's last run.
type runInfo struct {
	At       time.Time `json:"at"`
	Duration float64   `json:"duration_seconds"`
	OK       int       `json:"hosts_ok"`
	Unknown  int       `json:"hosts_unknown"`
	Firing   int       `json:"findings_firing"`
	Queued   int       `json:"messages_queued"`
}

// Run runs the daemon until ctx ends (SIGTERM, SIGINT), then stops within
// daemon.grace. The error is a *ConfigError when the config or the log file
// cannot be loaded at start; other errors say why it could not start.
func Run(ctx context.Context, o Options) error {
	cfg, err := o.Load()
	if err != nil {
		return &ConfigError{err}
	}
	log, closeLog, err := newLogger(cfg.Daemon, o.Stderr, time.Now)
	if err != nil {
		return &ConfigError{err}
	}
	defer closeLog()
	d := &daemon{opts: o, log: log, metrics: newMetrics(), started: time.Now(), flushNow: make(chan struct{}, 1), csrfKey: newCSRFKey(), pings: heartbeat.NewSerial(16)}
	defer d.closeState()
	d.metrics.registerPool(func() collectors.PoolStats {
		if p, ok := d.current().remote.(*collectors.Pool); ok {
			return p.Stats()
		}
		return collectors.PoolStats{}
	})

	ln, err := net.Listen("tcp", cfg.Daemon.Listen)
	if err != nil {
		log.Error("cannot listen for the status endpoint", "listen", cfg.Daemon.Listen, "error", err)
		return fmt.Errorf("listen for the status endpoint on %s: %w", cfg.Daemon.Listen, err)
	}
	if !isLoopback(ln.Addr()) {
		log.Warn("the status endpoint listens beyond this machine; /metrics and /api/status show hosts and alerts", "listen", ln.Addr().String())
	}
	d.statusURL = statusURL(ln.Addr())
	srv := &http.Server{
		Handler:           d.routes(isLoopback(ln.Addr())),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("status endpoint stopped", "error", err)
		}
	}()

	runCtx, cancelRuns := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRuns()
	d.start(runCtx, cfg, nil)
	statePath := o.StatePath(cfg)
	if _, err := d.state(ctx); err == nil {
		d.stateOK()
	} // else logged loudly; runs deliver directly until it opens
	log.Info("serverstats running", "version", o.Version, "config", cfg.File, "state", statePath, "listen", ln.Addr().String(), "commands", len(d.gen.sched.jobs))

	// Deliveries get their own context: stopping the flusher must not cut a
	// delivery short; only the end of the grace period does.
	deliveryCtx, cancelDeliveries := context.WithCancel(context.Background())
	defer cancelDeliveries()
	flushDone := make(chan struct{})
	loopCtx, stopFlush := context.WithCancel(context.Background())
	go func() { d.flushLoop(loopCtx, deliveryCtx); close(flushDone) }()

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	sd := newNotifier(o.Getenv, os.Getpid(), log) // systemd: Type=notify, WatchdogSec=
	sd.send("READY=1")
	go sd.watchdogLoop(ctx, func(now time.Time) bool { return d.current().sched.alive(now) })
	for running := true; running; {
		select {
		case <-ctx.Done():
			running = false
		case <-hup:
			sd.send(reloading())
			d.reload(runCtx)
			sd.send("READY=1")
		}
	}

	// Shutdown: stop scheduling, let runs and deliveries finish within the
	// grace period, leave anything undelivered in the outbox.
	grace := d.current().cfg.Daemon.Grace
	sd.send("STOPPING=1")
	log.Info("stopping", "grace", grace)
	graceCtx, cancelGrace := context.WithTimeout(context.Background(), grace)
	defer cancelGrace()
	g := d.current()
	g.stop()
	runsDone := make(chan struct{})
	go func() { <-g.stopped; d.retired.Wait(); close(runsDone) }()
	select {
	case <-runsDone:
	case <-graceCtx.Done():
		log.Warn("runs still going at the end of the grace period; stopping them")
		cancelRuns()
		<-runsDone
	}
	stopFlush()
	d.pings.Close() // each is bounded by heartbeat.timeout
	select {
	case <-flushDone:
	case <-graceCtx.Done():
		cancelDeliveries()
		<-flushDone
	}
	// One last attempt at what is due, within what is left of the grace.
	stopAt := context.AfterFunc(graceCtx, cancelDeliveries)
	if st, err := d.state(graceCtx); err == nil {
		if res, err := g.checker.Dispatcher(st).Flush(deliveryCtx); err != nil || res.Retrying+res.Undeliverable > 0 {
			log.Info("left in the outbox for the next start", "retrying", res.Retrying, "error", errString(err))
		}
	}
	stopAt()
	cancelDeliveries()
	shutCtx, cancelShut := context.WithTimeout(context.Background(), 2*time.Second)
	_ = srv.Shutdown(shutCtx)
	cancelShut()
	if g.closer != nil {
		g.closer.Close()
	}
	log.Info("stopped")
	return nil
}

func orOK(why string) string {
	if why == "" {
		return "every host checked"
	}
	return why
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func isLoopback(addr net.Addr) bool {
	ta, ok := addr.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

// now is the daemon's clock: the scheduler's.
func (d *daemon) now() time.Time {
	if d.opts.clock != nil {
		return d.opts.clock.Now()
	}
	return time.Now()
}

func (d *daemon) current() *generation {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.gen
}

// start builds a generation for cfg and starts its scheduler. prev is the
// generation it replaces on a reload, nil at start.
func (d *daemon) start(runCtx context.Context, cfg *config.Config, prev *generation) {
	g := &generation{cfg: cfg, stopped: make(chan struct{}), last: map[string]runInfo{}, runs: map[string]*pageRun{}}
	g.auth = d.readAuth(cfg)
	var err error
	if g.beat, err = heartbeat.New(cfg, d.opts.Getenv, d.log); err != nil {
		d.log.Error("heartbeat not sent", "error", err)
	}
	g.limit = &heartbeat.Limiter{Every: cfg.Heartbeat.Every}
	g.remote, g.closer = check.DaemonRemote(cfg, d.log)
	g.checker = check.New(cfg, check.Env{
		Remote: g.remote, Stdout: d.opts.Stdout, Stderr: d.opts.Stderr, Getenv: d.opts.Getenv, Log: d.log, StatusURL: d.statusURL,
		Observe: func(h, outcome string) {
			d.metrics.notifications.WithLabelValues(h, outcome).Inc()
		},
	})
	d.metrics.setShard(cfg)
	if cfg.Shard.N > 1 {
		d.log.Info("sharded: running this shard's hosts only", "shard", cfg.Shard.String(), "hosts", cfg.Shard.Hosts(cfg))
	}
	missed := d.missedRuns(runCtx, cfg)
	if prev != nil {
		// A reload misses nothing the running config was scheduling: its
		// run in progress has not recorded its mark yet, and would look
		// missed and run twice at once.
		for _, c := range prev.cfg.Commands {
			delete(missed, c.Name)
		}
	}
	var jobs []job
	for _, c := range cfg.Commands {
		if c.Cron == nil {
			d.log.Info("command has no schedule; the daemon does not run it", "command", c.Name)
			continue
		}
		if missed[c.Name] {
			d.log.Info("running at once: a scheduled run was missed while the daemon was not running", "command", c.Name)
		}
		jobs = append(jobs, job{name: c.Name, schedule: c.Cron, catchUp: missed[c.Name], run: func(ctx context.Context, at, deadline time.Time) {
			d.runOnce(ctx, g, c, deadline)
		}})
		d.metrics.runs.WithLabelValues(c.Name)
		d.metrics.skipped.WithLabelValues(c.Name)
	}
	var clk clock = realClock{}
	if d.opts.clock != nil {
		clk = d.opts.clock
	}
	g.sched = newScheduler(clk, jobs)
	g.sched.onSkip = func(name string) {
		d.metrics.skipped.WithLabelValues(name).Inc()
		d.log.Warn("run skipped: the previous run is still going", "command", name)
	}
	schedCtx, stop := context.WithCancel(context.Background())
	g.stop = stop
	// Current before its scheduler starts: a run caught up at start goes
	// at once, and reads the state file through the current generation
	// (it read a nil one when this came after).
	d.mu.Lock()
	d.gen = g
	d.mu.Unlock()
	go func() {
		g.sched.loop(schedCtx, runCtx)
		close(g.stopped)
	}()
}

// missedRuns are the scheduled commands whose last run (as the state file
// knows it) is older than their last scheduled time, or that never ran:
// started after a downtime, or for the first time, the daemon runs them at
// once instead of staying blind until their next time (anacron's rule: a
// restart inside an interval adds no run). Without a state file, every
// command is run at once.
func (d *daemon) missedRuns(ctx context.Context, cfg *config.Config) map[string]bool {
	var marks map[string]store.RunMark
	if st, err := d.stateFor(ctx, cfg); err == nil {
		marks, _ = st.RunMarks(ctx)
	}
	now := d.now()
	out := map[string]bool{}
	for _, c := range cfg.Commands {
		if c.Cron != nil {
			out[c.Name] = missedRun(c.Cron, marks[c.Name].LastRun, now)
		}
	}
	return out
}

// missedRun reports whether a run of schedule fell due after last (zero:
// never ran) and by now.
func missedRun(schedule cron.Schedule, last, now time.Time) bool {
	return last.IsZero() || !schedule.Next(last).After(now)
}

// runOnce is one scheduled run of c: collect, record, queue, and wake the
// outbox flusher.
func (d *daemon) runOnce(parent context.Context, g *generation, c *config.Command, deadline time.Time) {
	// The command's own timeout, cut to end before the next run is due; the
	// context's deadline is only a backstop, so that a host that runs late
	// reads "TIMED OUT after 4.5s", not "canceled".
	timeout := min(g.cfg.Timeout(c), time.Until(deadline))
	ctx, cancel := context.WithDeadline(parent, deadline.Add(2*time.Second))
	defer cancel()
	d.metrics.runs.WithLabelValues(c.Name).Inc()
	d.pingMu.Lock() // /start reaches the sender in the order the limiter decided it, as the outcomes do
	beat := g.beat.BeginQueued(context.WithoutCancel(ctx), g.beat != nil && g.limit.Start(d.now()), d.pings.Go)
	d.pingMu.Unlock()
	rep := g.checker.Run(ctx, c, check.Options{
		Alerts: true, Timeout: timeout, State: func(ctx context.Context) (*store.Store, error) { return d.stateFor(ctx, g.cfg) },
		SettleTimeout: g.cfg.Daemon.Grace, // recording is not cut by shutdown, but bounded
	})
	if rep.Cancelled {
		d.log.Info("run cut short by shutdown; not recorded", "command", c.Name)
		return
	}
	d.metrics.observeRun(rep)
	info := runInfo{At: rep.Started, Duration: rep.Duration.Seconds(), Queued: len(rep.Queued)}
	for _, h := range rep.Hosts {
		if label, reason := h.Failure(); label != "" {
			info.Unknown++
			d.log.Warn("host not checked", "command", c.Name, "host", h.Target.Name, "state", label, "error", reason)
		} else {
			info.OK++
		}
		for _, f := range h.Findings {
			if f.Status == alerts.StatusFiring {
				info.Firing++
			}
		}
	}
	switch {
	case rep.StateErr == nil:
		d.stateOK()
	case rep.StateOp == "open":
		d.observeOutcome(rep.Delivery) // the failure is counted in state()
	default:
		d.stateFailed(rep.StateOp, rep.StateErr)
		d.observeOutcome(rep.Delivery)
	}
	if g.beat != nil {
		code, why := rep.Health()
		d.pingMu.Lock() // the outcomes reach the sender in the order the limiter decided them
		if overall, ping := g.limit.Finish(d.now(), c.Name, code, beat.Started()); ping {
			if !d.pings.Go(func() { beat.End(context.WithoutCancel(ctx), overall, c.Name+": "+orOK(why)) }) {
				d.log.Warn("heartbeat ping dropped: the heartbeat service is not answering")
			}
		}
		d.pingMu.Unlock()
	}
	g.lastMu.Lock()
	g.last[c.Name] = info
	g.runs[c.Name] = newPageRun(rep)
	g.lastMu.Unlock()
	sctx, cancelState := context.WithTimeout(context.WithoutCancel(ctx), g.cfg.Daemon.Grace)
	defer cancelState()
	if rep.StateErr == nil {
		d.recordHistory(sctx, rep)
	}
	d.updateFiring(sctx)
	d.log.Info("run", "command", c.Name, "duration", rep.Duration.Round(time.Millisecond), "hosts_ok", info.OK, "hosts_unknown", info.Unknown, "firing", info.Firing, "queued", info.Queued)
	if info.Queued > 0 {
		select {
		case d.flushNow <- struct{}{}:
		default:
		}
	}
}

// updateFiring refreshes the firing gauge from the store.
func (d *daemon) updateFiring(ctx context.Context) {
	st, err := d.state(ctx)
	if err != nil {
		return
	}
	states, err := st.States(ctx)
	if err != nil {
		d.stateFailed("read", err)
		return
	}
	count := map[string]int{}
	for _, c := range d.current().cfg.Commands {
		count[c.Name] = 0
	}
	for _, s := range states {
		if s.Phase == alerts.PhaseFiring && s.Rule != "" {
			count[s.Command]++
		}
	}
	for c, n := range count {
		d.metrics.firing.WithLabelValues(c).Set(float64(n))
	}
}

// observeOutcome counts deliveries made outside a dispatcher with Observe
// (direct delivery when the state file is unavailable).
func (d *daemon) observeOutcome(o handlers.Outcome) {
	d.metrics.notifications.WithLabelValues("direct", "sent").Add(float64(o.Sent))
	d.metrics.notifications.WithLabelValues("direct", "undeliverable").Add(float64(o.Retrying + o.Rerouted + o.Undeliverable))
}

// flushLoop retries the outbox every few seconds, and at once after a run
// queued something.
// The loop ends when stop ends; deliveries run under deliveries.
func (d *daemon) flushLoop(stop, deliveries context.Context) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-stop.Done():
			return
		case <-t.C:
		case <-d.flushNow:
		}
		octx, cancel := context.WithTimeout(deliveries, time.Minute)
		st, err := d.state(octx)
		if err != nil {
			cancel()
			continue
		}
		g := d.current()
		if _, err := g.checker.Dispatcher(st).Flush(deliveries); err != nil && deliveries.Err() == nil {
			if store.IsUnavailable(err) {
				d.stateFailed("deliver", err)
			} else {
				d.log.Error("outbox flush failed", "error", err)
			}
		}
		if entries, err := st.Outbox(octx); err == nil {
			d.metrics.queued.Set(float64(len(entries)))
		}
		cancel()
	}
}

// reload validates the config file again and swaps it in; an invalid one is
// refused and the running one kept.
func (d *daemon) reload(runCtx context.Context) {
	cfg, err := d.opts.Load()
	if err != nil {
		d.mu.Lock()
		d.reloads.failed++
		// Without the values of the file: /api/status and the log are read
		// by more people than the config, which may hold a pasted secret.
		d.lastErr = config.Public(err)
		d.mu.Unlock()
		d.metrics.reloads.WithLabelValues("failed").Inc()
		d.log.Error("config reload refused; keeping the running config", "error", config.Public(err))
		return
	}
	old := d.current()
	if cfg.Daemon.Listen != old.cfg.Daemon.Listen {
		d.log.Warn("daemon.listen changed; it takes effect at the next restart", "listen", old.cfg.Daemon.Listen)
	}
	old.stop()
	d.start(runCtx, cfg, old)
	d.retired.Add(1)
	go func() { // the old runs finish on the old connections, then those close
		defer d.retired.Done()
		<-old.stopped
		if old.closer != nil {
			old.closer.Close()
		}
	}()
	d.mu.Lock()
	d.reloads.ok++
	d.lastErr = ""
	d.mu.Unlock()
	d.metrics.reloads.WithLabelValues("ok").Inc()
	d.log.Info("config reloaded", "config", cfg.File, "commands", len(d.current().sched.jobs))
}

// statusURL is the status page's URL as another machine (Alertmanager's
// users) reaches it: this host's name when it listens on every address.
func statusURL(addr net.Addr) string {
	ta, ok := addr.(*net.TCPAddr)
	if !ok {
		return ""
	}
	host := ta.IP.String()
	if ta.IP.IsUnspecified() {
		if h, err := os.Hostname(); err == nil {
			host = h
		}
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(ta.Port)) + "/"
}
