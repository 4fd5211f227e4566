package main

import (
	"context"
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"

	"serverstats/alerts"
	"serverstats/collectors"
	"serverstats/config"
	"serverstats/handlers"
	"serverstats/parse"
)

// dialer is a remote collector that can open connections from its hosts
// (collectors.SSH and collectors.Pool), for probes with via: ssh.
type dialer interface {
	Dial(ctx context.Context, t collectors.Target, network, addr string) (net.Conn, error)
}

// probeFor is the collector of a url: or tcp: command for one target: the
// probe, with {host} replaced by the target's host and, with via: ssh,
// connecting from the target through remote.
func probeFor(cfg *config.Config, cmd *config.Command, remote collectors.Collector, t collectors.Target) collectors.Collector {
	var dial collectors.DialFunc
	if cmd.Via == "ssh" {
		d, ok := remote.(dialer)
		if !ok {
			if remote == nil {
				remote = failing{fmt.Errorf("no SSH collector")}
			}
			return remote // it failed to build: every target UNKNOWN, with the reason
		}
		dial = d.Dial
	}
	timeout := cmd.Timeout
	if timeout == 0 {
		timeout = collectors.DefaultProbeTimeout
	}
	host := t.Host
	if host == "" {
		host = t.Name
	}
	switch cmd.Kind {
	case config.KindURL:
		h := cmd.HTTP
		headers, secrets, err := probeHeaders(h)
		if err != nil {
			return broken{err}
		}
		p := &collectors.HTTPProbe{
			URL: strings.ReplaceAll(h.URL, config.HostPlaceholder, host), Method: h.Method, Headers: headers, Body: h.Body,
			CAFile: h.CAFile, Insecure: h.Insecure, FollowRedirects: h.FollowRedirects, Timeout: timeout, Dial: dial,
		}
		if len(secrets) == 0 {
			return p
		}
		return redacting{p, handlers.NewRedactor(secrets...)}
	default:
		p := cmd.TCP
		addr := strings.ReplaceAll(p.Addr, config.HostPlaceholder, host)
		return &collectors.TCPProbe{Addr: addr, Send: p.Send, Expect: p.Expect, Timeout: timeout, Dial: dial}
	}
}

// probeHeaders are a url: probe's headers, with the secret ones read from
// their environment variables and files, and those secrets.
func probeHeaders(h *config.HTTPProbe) (map[string]string, []string, error) {
	if len(h.HeaderEnv) == 0 && len(h.HeaderFile) == 0 {
		return h.Headers, nil, nil
	}
	headers := maps.Clone(h.Headers)
	if headers == nil {
		headers = map[string]string{}
	}
	var secrets []string
	var first error
	secretHeaders(h, nil, func(_, name, value string, err error) {
		if err != nil {
			if first == nil {
				first = fmt.Errorf("header %s: %w", name, err)
			}
			return
		}
		headers[name] = value
		secrets = append(secrets, value)
	})
	if first != nil {
		return nil, nil, first
	}
	return headers, secrets, nil
}

// secretHeaders reads each secret header of h (getenv nil means
// os.Getenv) and calls fn with the key it is under (header-env or
// header-file), its name, and its value or why it cannot be read.
func secretHeaders(h *config.HTTPProbe, getenv func(string) string, fn func(key, name, value string, err error)) {
	for name, env := range h.HeaderEnv {
		v, err := handlers.ReadSecret(getenv, env, "")
		fn("header-env", name, v, err)
	}
	for name, file := range h.HeaderFile {
		v, err := handlers.ReadSecret(getenv, "", file)
		fn("header-file", name, v, err)
	}
}

// broken is a collector that cannot run: every target UNKNOWN, with why.
type broken struct{ err error }

func (b broken) Run(_ context.Context, t collectors.Target, _ string) collectors.Result {
	return collectors.Result{Target: t, Err: b.err}
}

// redacting removes secrets (a probe's credentials) from what a collector
// returns, in case the service echoes them.
type redacting struct {
	c collectors.Collector
	r *handlers.Redactor
}

func (p redacting) Run(ctx context.Context, t collectors.Target, cmd string) collectors.Result {
	res := p.c.Run(ctx, t, cmd)
	for i := range res.Fields {
		res.Fields[i].Value = p.r.String(res.Fields[i].Value)
	}
	res.Stdout, res.Stderr = []byte(p.r.String(string(res.Stdout))), []byte(p.r.String(string(res.Stderr)))
	if res.Err != nil {
		res.Err = p.r.Error(res.Err)
	}
	return res
}

// exitAccepted reports whether the exit status is a result rather than a
// failure: any status of a probe (it has none), 0-3 of a Nagios plugin (3,
// UNKNOWN, is judged from its output), ok-exit-codes otherwise.
func exitAccepted(cmd *config.Command, status int) bool {
	switch {
	case cmd.IsProbe():
		return true
	case cmd.Nagios:
		return status >= 0 && status <= 3
	}
	return slices.Contains(cmd.OKExitCodes, status)
}

// pluginStates are a Nagios plugin's exit statuses by name.
var pluginStates = []string{"OK", "WARNING", "CRITICAL", "UNKNOWN"}

// readOutput turns a good result into h's tables: the probe's fields, the
// built-in's normalized table, a plugin's perfdata (and its state in
// h.Plugin), or the parsed table of a shell line.
func readOutput(cmd *config.Command, h *hostReport) {
	r := h.Result
	switch {
	case cmd.IsProbe():
		t := &parse.Table{}
		row := parse.Row{Line: 1}
		for _, f := range r.Fields {
			t.Header = append(t.Header, f.Name)
			row.Cells = append(row.Cells, f.Value)
		}
		t.Rows = []parse.Row{row}
		h.Table = t
	case cmd.Builtin != nil:
		h.Table, h.ParseErr = cmd.Builtin.Normalize(string(r.Stdout))
	case cmd.Nagios:
		summary, perf, err := parse.ParsePlugin(string(r.Stdout))
		if summary == "" {
			summary = strings.TrimSpace(firstLine(string(r.Stderr)))
		}
		h.Table = perf
		if err != nil {
			h.Note = err.Error() // the good items are kept: the plugin's state still counts
		}
		state := pluginStates[r.ExitStatus]
		h.Plugin = &parse.Table{Header: append([]string(nil), parse.PluginStateHeader...),
			Rows: []parse.Row{{Line: 1, Cells: []string{state, fmt.Sprint(r.ExitStatus), summary}}}}
		if r.ExitStatus == 3 {
			h.Problem = "plugin says UNKNOWN: " + summary
		}
	default:
		h.Table, h.ParseErr = parse.ParseTable(string(r.Stdout), parse.Options{
			NoHeader: cmd.NoHeader, HeaderLine: cmd.HeaderLine, SkipLines: cmd.SkipLines,
			HasHeader: cmd.HasHeader, Table: cmd.Table,
		})
	}
}

// observe judges h's tables under cmd's rules. A plugin's rules on its state
// columns read h.Plugin; the rest read the perfdata.
func observe(cmd *config.Command, h *hostReport) []alerts.Observation {
	if h.Plugin == nil {
		return alerts.Observe(cmd.Name, h.Target.Name, cmd.Key, cmd.Alerts, h.Table)
	}
	var onState, onPerf []*alerts.Rule
	for _, r := range cmd.Alerts {
		if _, ok := h.Plugin.Column(r.Column); ok {
			onState = append(onState, r)
		} else {
			onPerf = append(onPerf, r)
		}
	}
	return append(alerts.Observe(cmd.Name, h.Target.Name, "", onState, h.Plugin),
		alerts.Observe(cmd.Name, h.Target.Name, cmd.Key, onPerf, h.Table)...)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
