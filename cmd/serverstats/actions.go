package main

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"serverstats/alerts"
	"serverstats/alerts/store"
	"serverstats/collectors"
	"serverstats/config"
)

// actionResult is what one remediation did.
type actionResult struct {
	Rule       string `json:"rule"`
	Key        string `json:"key,omitempty"`
	Cmd        string `json:"cmd"`
	OK         bool   `json:"ok"`
	ExitStatus int    `json:"exit_status"`
	Error      string `json:"error,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

// String is the result as one line: "restarted: ok (exit 0, 1.2s)".
func (r actionResult) String() string {
	what := r.Cmd
	if r.Key != "" {
		what = r.Key + ": " + what
	}
	if r.OK {
		return fmt.Sprintf("ACTION %s: ok (%s)", what, time.Duration(r.DurationMS)*time.Millisecond)
	}
	return fmt.Sprintf("ACTION %s: FAILED: %s", what, r.Error)
}

// runActions runs the remediations a run of sw decided, each on its host
// (here for a local target, else over remote), hosts in parallel and one
// host's actions in order, each bounded by ssh.command-timeout. The same
// shell line runs at most once per host per run, however many alerts or
// rows asked for it. Results are
// attached to the sweep's hosts and logged; the failed actions are told to
// their rules' handlers through st, one message per handler, so a failure
// is never silent. The error is st's, if it could not queue them.
func runActions(ctx context.Context, cfg *config.Config, sw *sweep, remote collectors.Collector, st *store.Store, reqs []alerts.ActionRequest, log *slog.Logger) error {
	if len(reqs) == 0 {
		return nil
	}
	ctx = collectors.WithCommandTimeout(context.WithoutCancel(ctx), cfg.SSH.CommandTimeout)
	pick := shellPicker(cfg, remote)
	byHost := map[string][]alerts.ActionRequest{}
	var hosts []*hostReport
	for _, h := range sw.Hosts {
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
		failed = map[string]*alerts.Envelope{} // by handler
		wg     sync.WaitGroup
		sem    = make(chan struct{}, max(cfg.SSH.Parallel, 1))
	)
	for _, h := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ran := map[string]bool{}
			for _, req := range byHost[h.Target.Name] {
				if ran[req.Cmd] {
					// Two alerts (or two rows) asking for the same restart
					// get one: a service is not restarted twice in a run.
					log.Info("action already ran on this host this run", "command", req.Key.Command, "rule", req.Key.Rule, "host", req.Key.Host, "key", req.Row, "cmd", req.Cmd)
					continue
				}
				ran[req.Cmd] = true
				res := runAction(ctx, pick, h.Target, req)
				mu.Lock()
				h.Actions = append(h.Actions, res)
				if !res.OK {
					n := alerts.Notification{
						Status: alerts.StatusFiring, Command: req.Key.Command, Rule: req.Key.Rule, Host: req.Key.Host,
						Key: req.Row, Severity: req.Severity, Message: "the remediation failed; the alert still fires",
						Action: "failed: " + req.Cmd + ": " + res.Error, Time: time.Now(),
					}
					for _, handler := range req.Handlers {
						if failed[handler] == nil {
							failed[handler] = &alerts.Envelope{Handler: handler}
						}
						failed[handler].Notifications = append(failed[handler].Notifications, n)
					}
				}
				mu.Unlock()
				attrs := []any{"command", req.Key.Command, "rule", req.Key.Rule, "host", req.Key.Host, "key", req.Row, "cmd", req.Cmd, "duration", time.Duration(res.DurationMS) * time.Millisecond}
				if res.OK {
					log.Info("action ran", attrs...)
				} else {
					log.Error("action failed", append(attrs, "error", res.Error)...)
				}
			}
		}()
	}
	wg.Wait()
	names := slices.Sorted(maps.Keys(failed))
	for _, h := range names {
		if err := st.Enqueue(ctx, *failed[h], time.Now()); err != nil {
			log.Error("failed actions not queued", "command", sw.Command.Name, "handler", h, "error", err)
			return err
		}
	}
	return nil
}

func runAction(ctx context.Context, pick func(collectors.Target) collectors.Collector, t collectors.Target, req alerts.ActionRequest) actionResult {
	r := collectors.Result{Target: t, Err: fmt.Errorf("no collector")}
	if c := pick(t); c != nil {
		r = c.Run(ctx, t, req.Cmd)
	}
	res := actionResult{Rule: req.Key.Rule, Key: req.Row, Cmd: req.Cmd, ExitStatus: r.ExitStatus, DurationMS: r.Duration.Milliseconds()}
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
