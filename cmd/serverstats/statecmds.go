package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"serverstats/alerts"
	"serverstats/alerts/store"
	"serverstats/cmd/serverstats/internal/statusview"
	"serverstats/config"
	"serverstats/handlers"
	"serverstats/handlers/message"
)

// status prints the alert states that are not OK, the mutes in force and
// the undelivered messages.
func (a *app) status(ctx context.Context, o *opts) int {
	cfg, st, code := a.loadAndOpen(ctx, o, true)
	if st == nil {
		return code
	}
	defer st.Close()
	now := time.Now()
	states, err1 := st.States(ctx)
	mutes, err2 := st.Mutes(ctx, now)
	outbox, err3 := st.Outbox(ctx)
	info, err4 := st.Info(ctx)
	runs, err5 := st.RunMarks(ctx)
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
		return exitUnknown
	}
	view := statusview.View{Path: st.Path, Info: info, States: states, Mutes: mutes, Outbox: outbox, Runs: runs, Config: cfg, Now: now}
	if o.json {
		statusview.JSON(a.stdout, view)
	} else {
		statusview.Text(a.stdout, view)
	}
	return exitOK
}

func orAny(s string) string {
	if s == "" {
		return "(any)"
	}
	return s
}

// parseFor reads a mute length: a Go duration or whole days ("3d").
func parseFor(s string) (time.Duration, error) {
	if strings.HasSuffix(s, "d") {
		if n, err := strconv.Atoi(strings.TrimSuffix(s, "d")); err == nil && n > 0 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--for %q is not a positive duration (e.g. 30m, 2h, 3d)", s)
	}
	return d, nil
}

// mute adds an ad-hoc mute. Every mute expires: --for is required.
func (a *app) mute(ctx context.Context, o *opts) int {
	m := o.muteOpt
	if m.forText == "" && m.untilResolved {
		m.forText = "7d" // it ends on resolve; this bounds it when nothing resolves
	}
	if m.forText == "" {
		fmt.Fprintln(a.stderr, "serverstats: mute needs --for (e.g. --for 2h) or --until-resolved: every mute expires, so none is forgotten")
		return exitUsage
	}
	d, err := parseFor(m.forText)
	if err != nil {
		fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
		return exitUsage
	}
	if m.host == "" && m.command == "" && m.rule == "" {
		fmt.Fprintln(a.stderr, "serverstats: mute needs at least one of --host, --command, --rule (muting everything hides every outage)")
		return exitUsage
	}
	st, code := a.openFor(ctx, o, m)
	if st == nil {
		return code
	}
	defer st.Close()
	now := time.Now()
	id, err := st.AddMute(ctx, alerts.Mute{Host: m.host, Command: m.command, Rule: m.rule, Until: now.Add(d), Reason: m.reason, Created: now, UntilResolved: m.untilResolved})
	if err != nil {
		fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
		return exitUnknown
	}
	ends := "until " + now.Add(d).Local().Format("2006-01-02 15:04:05")
	if m.untilResolved {
		ends = "until an alert it covers resolves, at the latest " + now.Add(d).Local().Format("2006-01-02 15:04:05")
	}
	fmt.Fprintf(a.stdout, "mute %d: host=%s command=%s rule=%s %s; undo with: serverstats unmute %d\n",
		id, orAny(m.host), orAny(m.command), orAny(m.rule), ends, id)
	return exitOK
}

// ack acknowledges the firing alerts of a host and command (and rule): no
// reminders nor escalation until they resolve, or until --until.
func (a *app) ack(ctx context.Context, o *opts) int {
	m := o.muteOpt
	if m.host == "" || m.command == "" || m.reason == "" {
		fmt.Fprintln(a.stderr, "serverstats: ack needs --host, --command and --reason (and may take --rule and --until)")
		return exitUsage
	}
	now := time.Now()
	var until time.Time
	if m.until != "" {
		d, err := parseFor(m.until)
		if err != nil {
			fmt.Fprintf(a.stderr, "serverstats: --until: %v\n", err)
			return exitUsage
		}
		until = now.Add(d)
	}
	st, code := a.openFor(ctx, o, m)
	if st == nil {
		return code
	}
	defer st.Close()
	keys, err := st.Ack(ctx, alerts.Mute{Host: m.host, Command: m.command, Rule: m.rule}, m.reason, until, now)
	if err != nil {
		fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
		return exitUnknown
	}
	if len(keys) == 0 {
		fmt.Fprintf(a.stderr, "serverstats: nothing firing for host=%s command=%s rule=%s (serverstats status lists the alerts)\n", m.host, m.command, orAny(m.rule))
		return 1
	}
	ends := "until it resolves"
	if !until.IsZero() {
		ends = "until it resolves or " + until.Local().Format("2006-01-02 15:04:05")
	}
	for _, k := range keys {
		fmt.Fprintf(a.stdout, "acknowledged %s %s\n", k, ends)
	}
	return exitOK
}

// openFor loads the config, checks that m names a command, rule and host
// that exist, and opens the state file; st is nil (and code says why) when
// it could not.
func (a *app) openFor(ctx context.Context, o *opts, m muteOpts) (st *store.Store, code int) {
	cfg, err := a.loadConfig(o.config)
	if err == nil {
		err = checkMuteTarget(cfg, m)
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
		return nil, exitUsage
	}
	if st, err = a.openStore(ctx, cfg, o); err != nil {
		fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
		return nil, exitUnknown
	}
	return st, exitOK
}

// checkMuteTarget refuses a mute that could never match: an unknown command,
// rule or host.
func checkMuteTarget(cfg *config.Config, m muteOpts) error {
	var cmds []*config.Command
	if m.command != "" {
		c := cfg.Command(m.command)
		if c == nil {
			return fmt.Errorf("--command %q: no such command in %s", m.command, cfg.File)
		}
		cmds = []*config.Command{c}
	} else {
		cmds = cfg.Commands
	}
	if m.rule != "" && !slices.ContainsFunc(cmds, func(c *config.Command) bool {
		return slices.ContainsFunc(c.Alerts, func(r *alerts.Rule) bool { return r.Name == m.rule })
	}) {
		return fmt.Errorf("--rule %q: no such rule (a rule's name is its name: key, else \"<column> <trigger>\")", m.rule)
	}
	if m.host != "" && !slices.ContainsFunc(cmds, func(c *config.Command) bool { return slices.Contains(c.Hosts, m.host) }) {
		return fmt.Errorf("--host %q: no command runs on that host (write it as in the config)", m.host)
	}
	return nil
}

func (a *app) unmute(ctx context.Context, o *opts) int {
	if len(o.args) != 1 {
		fmt.Fprintln(a.stderr, "serverstats: usage: serverstats unmute ID (serverstats status lists them)")
		return exitUsage
	}
	id, err := strconv.ParseInt(o.args[0], 10, 64)
	if err != nil {
		fmt.Fprintf(a.stderr, "serverstats: unmute: %q is not a mute id\n", o.args[0])
		return exitUsage
	}
	cfg, _ := a.loadConfig(o.config)
	st, err := a.openStore(ctx, cfg, o)
	if err != nil {
		fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
		return exitUnknown
	}
	defer st.Close()
	if err := st.Unmute(ctx, id); err != nil {
		fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
		return 1
	}
	fmt.Fprintf(a.stdout, "mute %d removed\n", id)
	return exitOK
}

// testAlert sends a sample group through one handler right away and says
// whether it was accepted.
func (a *app) testAlert(ctx context.Context, o *opts) int {
	if len(o.args) != 1 {
		fmt.Fprintln(a.stderr, "serverstats: usage: serverstats test-alert HANDLER")
		return exitUsage
	}
	cfg, err := a.loadConfig(o.config)
	if err != nil {
		fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
		return exitUsage
	}
	hc := cfg.Handler(o.args[0])
	if hc == nil {
		names := make([]string, len(cfg.Handlers))
		for i, h := range cfg.Handlers {
			names[i] = h.Name
		}
		fmt.Fprintf(a.stderr, "serverstats: no handler %q (handlers: %s)\n", o.args[0], strings.Join(names, ", "))
		return exitUsage
	}
	redact := handlers.NewRedactor(handlers.ConfigSecrets(cfg, a.getenv)...)
	h, err := handlers.New(hc, handlers.Env{Stdout: a.stdout, Stderr: a.stderr, Getenv: a.getenv, Redact: redact})
	if err != nil {
		fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
		return 1
	}
	sctx, cancel := context.WithTimeout(ctx, hc.Timeout)
	defer cancel()
	start := time.Now()
	retry, err := h.Send(sctx, message.Sample(start))
	if err != nil {
		kind := "permanent: fix the handler's settings"
		if retry {
			kind = "temporary: serverstats would retry"
		}
		fmt.Fprintf(a.stderr, "serverstats: test-alert %s: not delivered (%s): %s\n", hc.Name, kind, redact.String(err.Error()))
		return 1
	}
	fmt.Fprintf(a.stdout, "test-alert %s: delivered in %s\n", hc.Name, time.Since(start).Round(time.Millisecond))
	return exitOK
}

// state manages the state file itself: `state reset` moves a damaged file
// aside and starts a fresh one, keeping the outbox messages it can read.
func (a *app) state(ctx context.Context, o *opts) int {
	if len(o.args) != 1 || o.args[0] != "reset" {
		fmt.Fprintln(a.stderr, "serverstats: usage: serverstats state reset (moves the state file aside and starts a fresh one)")
		return exitUsage
	}
	cfg, _ := a.loadConfig(o.config)
	path, isDefault := a.statePath(cfg, o)
	aside, kept, err := store.Reset(ctx, path, store.Options{TightenDir: isDefault}, time.Now())
	if err != nil {
		fmt.Fprintf(a.stderr, "serverstats: state reset: %v\n", err)
		return exitUnknown
	}
	fmt.Fprintf(a.stdout, "moved %s aside to %s; a fresh state file is in place with %d undelivered message(s) kept.\nAlert states and mutes start over: alerts still firing are told again at their next run.\n", path, aside, kept)
	return exitOK
}
