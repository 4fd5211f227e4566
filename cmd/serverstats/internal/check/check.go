// Package check is serverstats' pipeline: one run of one command, the same
// for the one-shot (`serverstats disk --alerts`), cron and the daemon.
//
// A run goes through these stages, each a function of its own:
//
//	plan      the command's targets (config resolved them at load)
//	collect   each target through its kind's collector (kind.go: shell
//	          line, Nagios plugin, built-in, URL, TCP), in parallel
//	judge     how each host's run ended, its output read into tables
//	observe   the rules on those tables (alerts.Observe)
//	verdict   OK, WARNING, CRITICAL or UNKNOWN (Report.Status)
//	settle    record the run in the state store (alerts.Decide inside
//	          store.Update), run the remediations due, queue what is due
//	          and, for the one-shot, deliver (handlers.Dispatcher)
//
// A Checker is built once per loaded config (the daemon builds one per
// generation): it holds the collectors of every target and the handlers.
// Run does the rest. Time and I/O come from Env, so every stage can be
// tested with an in-memory collector and queue.
package check

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"serverstats/alerts/store"
	"serverstats/collectors"
	"serverstats/config"
	"serverstats/handlers"
)

// Env is the world a Checker works in.
type Env struct {
	// Remote reaches the targets over SSH: collectors.SSH for the one-shot
	// (a connection per run), collectors.Pool for the daemon. Nil when no
	// target needs SSH.
	Remote collectors.Collector
	Stdout io.Writer // where print handlers write
	Stderr io.Writer
	Getenv func(string) string // nil: os.Getenv
	Log    *slog.Logger
	Now    func() time.Time // nil: time.Now
	// Observe counts delivery attempts by handler and outcome (metrics);
	// nil for none.
	Observe func(handler, outcome string)
	// StatusURL is the daemon's status page, where alertmanager alerts'
	// generatorURL points; "" when none listens (one-shot, cron).
	StatusURL string
}

// Checker runs the commands of one loaded config.
type Checker struct {
	cfg  *config.Config
	env  Env
	disp *handlers.Dispatcher // every handler, built once; Queue is set per flush
	deps config.Dependencies  // hosts: depends-on, and the jump hosts of ProxyJump targets

	mu         sync.Mutex
	collectors map[string]map[string]collectors.Collector // per command, by target name; built at its first run
}

// New builds a Checker for cfg. Handlers that cannot be built (a missing
// secret) are Broken: their messages wait in the outbox with the reason.
func New(cfg *config.Config, env Env) *Checker {
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Log == nil {
		env.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if env.Stdout == nil {
		env.Stdout = io.Discard
	}
	if env.Stderr == nil {
		env.Stderr = io.Discard
	}
	c := &Checker{cfg: cfg, env: env, collectors: map[string]map[string]collectors.Collector{}, deps: cfg.DependsOn}
	if j, ok := env.Remote.(interface {
		JumpHosts(collectors.Target) []string
	}); ok {
		c.deps = cfg.WithJumpHosts(j.JumpHosts)
	}
	c.disp = NewDispatcher(cfg, nil, env)
	return c
}

// Config is the config the Checker runs.
func (c *Checker) Config() *config.Config { return c.cfg }

// Options say how far a run goes.
type Options struct {
	// Alerts evaluates the rules, records the run in the state file and
	// queues what is due. Without it a run only reads the tables.
	Alerts bool
	// Flush delivers what is queued before Run returns (the one-shot and
	// cron); the daemon delivers in the background instead.
	Flush bool
	// State opens the state file (Alerts only). It may fail: the run's
	// alerts then go out directly, marked "state unavailable".
	State func(ctx context.Context) (*store.Store, error)
	// Timeout is the command timeout of this run; 0 means the command's
	// (config.Config.Timeout). The daemon cuts it so a run ends before the
	// next is due.
	Timeout time.Duration
	// Progress is told as hosts finish; nil for none.
	Progress func(done, total int)
	// Collected, when set, is called once the hosts are judged, before
	// anything is recorded or sent: the one-shot prints its tables there,
	// so that print handlers' lines come after them.
	Collected func(*Report)
	// SettleTimeout, when set, bounds recording and delivery on their own:
	// they are not cut short when the run's context ends by its deadline
	// (the daemon's runs end before the next is due; recording must not).
	SettleTimeout time.Duration
}

// Run is one run of cmd: collect, judge, observe and, with o.Alerts,
// settle. It never fails: what went wrong is in the Report (hosts UNKNOWN,
// StateErr).
func (c *Checker) Run(ctx context.Context, cmd *config.Command, o Options) *Report {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = c.cfg.Timeout(cmd)
	}
	if w := InsecureWarning(c.cfg); w != "" && NeedsSSH(cmd) {
		c.env.Log.Warn(w, "command", cmd.Name)
	}
	rctx := collectors.WithCommandTimeout(ctx, timeout)
	rep := &Report{Command: cmd, Started: c.env.Now()}
	// Hosts of another shard are not run at all: they are another
	// instance's (config.Shard).
	results := collectors.RunAll(rctx, c.pick(cmd), c.cfg.Shard.Targets(cmd.Targets), cmd.Cmd, c.cfg.SSH.Parallel, o.Progress)
	rep.Duration = c.env.Now().Sub(rep.Started)
	for _, r := range results {
		rep.Hosts = append(rep.Hosts, Judge(cmd, r, o.Alerts))
	}
	if o.Collected != nil {
		o.Collected(rep)
	}
	if !o.Alerts || errors.Is(ctx.Err(), context.Canceled) {
		// Cut short (shutdown, ^C): its hosts are not UNKNOWN, the caller
		// is stopping. Recording it would page for nothing.
		rep.Cancelled = ctx.Err() != nil
		return rep
	}
	if o.SettleTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), o.SettleTimeout)
		defer cancel()
	}
	st, openErr := (*store.Store)(nil), errors.New("no state file")
	if o.State != nil {
		st, openErr = o.State(ctx)
	}
	c.settle(ctx, rep, st, openErr, o.Flush)
	return rep
}

// pick is the collector of each target of cmd, built by cmd's kind at the
// command's first run and kept for the Checker's life.
func (c *Checker) pick(cmd *config.Command) func(collectors.Target) collectors.Collector {
	c.mu.Lock()
	byName, ok := c.collectors[cmd.Name]
	if !ok {
		k := kindOf(cmd)
		byName = make(map[string]collectors.Collector, len(cmd.Targets))
		for _, t := range cmd.Targets {
			byName[t.Name] = k.collector(c, cmd, t)
		}
		c.collectors[cmd.Name] = byName
	}
	c.mu.Unlock()
	return func(t collectors.Target) collectors.Collector { return byName[t.Name] }
}
