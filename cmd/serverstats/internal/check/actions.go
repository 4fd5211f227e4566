package check

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"serverstats/alerts"
	"serverstats/alerts/store"
	"serverstats/collectors"
)

// ActionResult is what one remediation did.
type ActionResult struct {
	Rule       string `json:"rule"`
	Key        string `json:"key,omitempty"`
	Cmd        string `json:"cmd"`
	OK         bool   `json:"ok"`
	ExitStatus int    `json:"exit_status"`
	Error      string `json:"error,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

// String is the result as one line: "ACTION restart: ok (1.2s)".
func (r ActionResult) String() string {
	what := r.Cmd
	if r.Key != "" {
		what = r.Key + ": " + what
	}
	if r.OK {
		return fmt.Sprintf("ACTION %s: ok (%s)", what, time.Duration(r.DurationMS)*time.Millisecond)
	}
	return fmt.Sprintf("ACTION %s: FAILED: %s", what, r.Error)
}

// runActions runs the remediations a run decided, each on its host (here
// for a local target, leaving what it starts in the background running,
// else over SSH), hosts in parallel and one host's actions in order, each
// bounded by ssh.command-timeout. The same shell line runs at most once per
// host per run, however many alerts or rows asked for it. Results are
// attached to the report's hosts and logged. The failed actions are told to
// their rules' handlers through the same grouper as the run's alerts
// (alerts.Group: one message per handler), so a failure is never silent.
// The error is st's, if it could not queue them.
func (c *Checker) runActions(ctx context.Context, rep *Report, st *store.Store, reqs []alerts.ActionRequest) error {
	if len(reqs) == 0 {
		return nil
	}
	ctx = collectors.WithCommandTimeout(context.WithoutCancel(ctx), c.cfg.SSH.CommandTimeout)
	byHost := map[string][]alerts.ActionRequest{}
	var hosts []*Host
	for _, h := range rep.Hosts {
		for _, r := range reqs {
			if r.Key.Host == h.Target.Name {
				if byHost[h.Target.Name] == nil {
					hosts = append(hosts, h)
				}
				byHost[h.Target.Name] = append(byHost[h.Target.Name], r)
			}
		}
	}
	var (
		mu     sync.Mutex
		failed []alerts.Addressed
		wg     sync.WaitGroup
		sem    = make(chan struct{}, max(c.cfg.SSH.Parallel, 1))
	)
	for _, h := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			col := c.shellCollector(h.Target, true)
			ran := map[string]bool{}
			for _, req := range byHost[h.Target.Name] {
				attrs := []any{"command", req.Key.Command, "rule", req.Key.Rule, "host", req.Key.Host, "key", req.Row, "cmd", req.Cmd}
				if ran[req.Cmd] {
					// Two alerts (or two rows) asking for the same restart
					// get one: a service is not restarted twice in a run.
					c.env.Log.Info("action already ran on this host this run", attrs...)
					continue
				}
				ran[req.Cmd] = true
				res := runAction(ctx, col, h.Target, req)
				mu.Lock()
				h.Actions = append(h.Actions, res)
				if !res.OK {
					failed = append(failed, alerts.Addressed{Handlers: req.Handlers, Notification: alerts.Notification{
						Status: alerts.StatusFiring, Command: req.Key.Command, Rule: req.Key.Rule, Host: req.Key.Host,
						Key: req.Row, Severity: req.Severity, Message: "the remediation failed; the alert still fires",
						Action: "failed: " + req.Cmd + ": " + res.Error, Time: c.env.Now(),
					}})
				}
				mu.Unlock()
				attrs = append(attrs, "duration", time.Duration(res.DurationMS)*time.Millisecond)
				if res.OK {
					c.env.Log.Info("action ran", attrs...)
				} else {
					c.env.Log.Error("action failed", append(attrs, "error", res.Error)...)
				}
			}
		}()
	}
	wg.Wait()
	for _, e := range alerts.Group(failed) {
		if err := st.Enqueue(ctx, e, c.env.Now()); err != nil {
			c.env.Log.Error("failed actions not queued", "command", rep.Command.Name, "handler", e.Handler, "error", err)
			return err
		}
	}
	return nil
}

// runAction runs one remediation on t through col.
func runAction(ctx context.Context, col collectors.Collector, t collectors.Target, req alerts.ActionRequest) ActionResult {
	r := col.Run(ctx, t, req.Cmd)
	res := ActionResult{Rule: req.Key.Rule, Key: req.Row, Cmd: req.Cmd, ExitStatus: r.ExitStatus, DurationMS: r.Duration.Milliseconds()}
	switch {
	case r.Err != nil:
		res.Error = r.Err.Error()
	case r.ExitStatus != 0:
		res.Error = fmt.Sprintf("exit status %d", r.ExitStatus)
		if s := strings.TrimSpace(tail(string(r.Stderr), 3)); s != "" {
			res.Error += ": " + strings.ReplaceAll(s, "\n", " | ")
		}
	default:
		res.OK = true
	}
	return res
}
