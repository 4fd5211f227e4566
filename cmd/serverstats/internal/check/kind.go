package check

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"serverstats/alerts"
	"serverstats/collectors"
	"serverstats/config"
	"serverstats/parse"
)

// kind is what a command runs. Each kind lives in a file of its own
// (kind_shell.go, kind_nagios.go, ...) and is registered in kinds; adding one
// touches that file, its test and config's table of the keys each kind
// accepts (config/kinds.go), which is where the YAML is read.
type kind interface {
	// collector builds the collector of one target of cmd, once per
	// Checker (that is, per loaded config).
	collector(c *Checker, cmd *config.Command, t collectors.Target) collectors.Collector
	// accepts reports whether an exit status is a result to read rather
	// than a failure of the host.
	accepts(cmd *config.Command, status int) bool
	// read turns a good result into h's tables (h.Table, and h.Plugin for
	// a Nagios plugin), setting h.ParseErr, h.Problem or h.Note.
	read(cmd *config.Command, h *Host)
	// observe judges h's tables under cmd's rules.
	observe(cmd *config.Command, h *Host) []alerts.Observation
}

// kinds is every kind of command, by the key that names it in the config
// (a Nagios plugin is a cmd: with nagios: true).
var kinds = map[string]kind{
	string(config.KindShell):   shellKind{},
	kindNagios:                 nagiosKind{},
	string(config.KindBuiltin): builtinKind{},
	string(config.KindURL):     urlKind{},
	string(config.KindTCP):     tcpKind{},
}

const kindNagios = "nagios"

// kindOf is cmd's kind.
func kindOf(cmd *config.Command) kind {
	if cmd.Nagios {
		return kinds[kindNagios]
	}
	if k, ok := kinds[string(cmd.Kind)]; ok {
		return k
	}
	return kinds[string(config.KindShell)]
}

// observeTable is the observation of every kind but a Nagios plugin: the
// rules on the one table.
func observeTable(cmd *config.Command, h *Host) []alerts.Observation {
	return alerts.Observe(cmd.Name, h.Target.Name, cmd.Key, cmd.Alerts, h.Table)
}

// probeKind is what the url: and tcp: probes share: any exit status is a
// result (a probe has none), and the probe's fields are a one-row table.
type probeKind struct{}

func (probeKind) accepts(*config.Command, int) bool { return true }

func (probeKind) read(_ *config.Command, h *Host) {
	t := &parse.Table{}
	row := parse.Row{Line: 1}
	for _, f := range h.Result.Fields {
		t.Header = append(t.Header, f.Name)
		row.Cells = append(row.Cells, f.Value)
	}
	t.Rows = []parse.Row{row}
	h.Table = t
}

func (probeKind) observe(cmd *config.Command, h *Host) []alerts.Observation {
	return observeTable(cmd, h)
}

// shellCollector runs a shell line on a target: here for a local target,
// else over Env.Remote.
func (c *Checker) shellCollector(t collectors.Target, keepBackground bool) collectors.Collector {
	if t.Local {
		return &collectors.Local{KeepBackground: keepBackground}
	}
	if c.env.Remote == nil {
		return Failing{fmt.Errorf("%w: no SSH collector", collectors.ErrConnect)}
	}
	return c.env.Remote
}

// dialer is a remote collector that can open connections from its hosts
// (collectors.SSH and collectors.Pool), for probes with via: ssh.
type dialer interface {
	Dial(ctx context.Context, t collectors.Target, network, addr string) (net.Conn, error)
}

// probe builds a probe of cmd with build, given how it connects: from here
// (dial nil), or with via: ssh from the target through the remote
// collector. A remote that cannot dial (it failed to build) is the
// collector instead: every target UNKNOWN, with the reason.
func (c *Checker) probe(cmd *config.Command, build func(dial collectors.DialFunc) collectors.Collector) collectors.Collector {
	if cmd.Via != "ssh" {
		return build(nil)
	}
	if d, ok := c.env.Remote.(dialer); ok {
		return build(d.Dial)
	}
	if c.env.Remote == nil {
		return Failing{fmt.Errorf("%w: no SSH collector", collectors.ErrConnect)}
	}
	return c.env.Remote
}

// probeTimeout is a probe's timeout: its own, else the probes' default.
func probeTimeout(cmd *config.Command) time.Duration {
	if cmd.Timeout > 0 {
		return cmd.Timeout
	}
	return collectors.DefaultProbeTimeout
}

// hostOf is the host name {host} stands for in a probe of t.
// withHost puts t's host in for each {host} of s. An IPv6 literal is
// bracketed, unless s already brackets the placeholder, so that
// "{host}:22" and "http://{host}:8080/" stay valid; in a URL (url set) the
// % of its zone is escaped as %25.
func withHost(s string, t collectors.Target, url bool) string {
	host := hostOf(t)
	a, err := netip.ParseAddr(host)
	if err != nil || !a.Is6() {
		return strings.ReplaceAll(s, config.HostPlaceholder, host)
	}
	if url {
		host = strings.Replace(host, "%", "%25", 1)
	}
	var b strings.Builder
	for {
		before, after, found := strings.Cut(s, config.HostPlaceholder)
		b.WriteString(before)
		if !found {
			return b.String()
		}
		if strings.HasSuffix(before, "[") && strings.HasPrefix(after, "]") {
			b.WriteString(host)
		} else {
			b.WriteString("[" + host + "]")
		}
		s = after
	}
}

func hostOf(t collectors.Target) string {
	if t.Host != "" {
		return t.Host
	}
	return t.Name
}

// Failing is a collector that could not be built (SSH keys unreadable, a
// probe's secret header missing): every run is UNKNOWN with the reason.
type Failing struct{ Err error }

// Run fails.
func (f Failing) Run(_ context.Context, t collectors.Target, _ string) collectors.Result {
	return collectors.Result{Target: t, Err: f.Err}
}
