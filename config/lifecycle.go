package config

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"

	"serverstats/alerts"
	"serverstats/collectors"
)

// flap reads an alert's flap detection: {changes: 5, within: 20} (runs),
// or off.
func (d *decoder) flap(p string, n *yaml.Node) *alerts.FlapPolicy {
	if n.Kind == yaml.ScalarNode {
		switch n.Value {
		case "off", "false", "no":
			return &alerts.FlapPolicy{}
		}
		d.fail(n, p, n.Value, "flap: is {changes: N, within: M} or off",
			fmt.Sprintf("write flap: {changes: %d, within: %d} (a key changing state %d times in %d runs is flapping), or flap: off",
				alerts.DefaultFlap.Changes, alerts.DefaultFlap.Within, alerts.DefaultFlap.Changes, alerts.DefaultFlap.Within))
		return nil
	}
	fp := alerts.DefaultFlap
	seen := d.mapping(n, p, []field{
		{"changes", d.integer(&fp.Changes, 2, "5")},
		{"within", d.integer(&fp.Within, 2, "20")},
	})
	if fp.Within < fp.Changes {
		d.fail(orAt(seen["within"], n), p+".within", strconv.Itoa(fp.Within),
			fmt.Sprintf("%d changes can never happen within %d runs (at most one change per run)", fp.Changes, fp.Within),
			"make within at least changes, e.g. flap: {changes: 5, within: 20}")
	}
	return &fp
}

// escalate reads an alert's escalation: a list of {after: 30m, handlers:
// [...]}, each later than the one before.
func (d *decoder) escalate(p string, n *yaml.Node, cmd *Command) []alerts.Escalation {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, p, short(n), "escalate: is a list of steps", "write escalate: [{after: 30m, handlers: [sms-oncall]}, {after: 2h, handlers: [sms-manager]}]")
		return nil
	}
	var out []alerts.Escalation
	for i, sn := range n.Content {
		sp := fmt.Sprintf("%s[%d]", p, i)
		var e alerts.Escalation
		var lines []int
		seen := d.mapping(sn, sp, []field{
			{"after", d.duration(&e.After, false)},
			{"handlers", d.list(&e.Handlers, &lines)},
		})
		if sn.Kind != yaml.MappingNode {
			continue
		}
		if seen["after"] == nil {
			d.fail(sn, sp+".after", "", "an escalation step needs after: how long the alert fires unacknowledged first", "write after: 30m")
		}
		if len(e.Handlers) == 0 {
			d.fail(sn, sp+".handlers", "", "an escalation step needs handlers: whom to tell", "write handlers: [sms-oncall]")
		}
		if len(out) > 0 && e.After <= out[len(out)-1].After && seen["after"] != nil {
			d.fail(seen["after"], sp+".after", e.After.String(), fmt.Sprintf("each step comes after the one before (%s)", out[len(out)-1].After),
				"list the steps in the order they happen")
		}
		for j, h := range e.Handlers {
			line := sn.Line
			if j < len(lines) {
				line = lines[j]
			}
			cmd.escalateRefs = append(cmd.escalateRefs, handlerRef{handler: h, key: sp + ".handlers", line: line})
		}
		out = append(out, e)
	}
	return out
}

// Window is a maintenance window: from each time Schedule fires, for
// Duration, nothing of its scope fires or reminds (monitoring and
// resolution go on; what still fires when it ends is told then).
type Window struct {
	Name     string
	Schedule string        // as written
	Cron     cron.Schedule // parsed, in Timezone
	Duration time.Duration
	Timezone string
	Groups   []string
	Hosts    []string // as written, and the hosts of Groups once resolved
	Commands []string
	Line     int
}

// ActiveAt says whether the window is open at now, and until when: the
// latest start at or before now whose duration has not run out. Starts
// follow the schedule's time zone, across DST changes.
func (w *Window) ActiveAt(now time.Time) (until time.Time, ok bool) {
	start := w.Cron.Next(now.Add(-w.Duration))
	if start.IsZero() || start.After(now) {
		return time.Time{}, false
	}
	// The latest start before now decides the end, if windows overlap.
	for next := w.Cron.Next(start); !next.IsZero() && !next.After(now); next = w.Cron.Next(next) {
		start = next
	}
	return start.Add(w.Duration), true
}

// Mutes are the window's scope as mutes until end: every pairing of its
// hosts and commands (an empty list matches all).
func (w *Window) Mutes(end time.Time) []alerts.Mute {
	hosts, cmds := w.Hosts, w.Commands
	if len(hosts) == 0 {
		hosts = []string{""}
	}
	if len(cmds) == 0 {
		cmds = []string{""}
	}
	var out []alerts.Mute
	for _, h := range hosts {
		for _, c := range cmds {
			out = append(out, alerts.Mute{Host: h, Command: c, Until: end, Reason: "maintenance " + w.Name})
		}
	}
	return out
}

// MaintenanceMutes are the mutes of every window open at now.
func (c *Config) MaintenanceMutes(now time.Time) []alerts.Mute {
	var out []alerts.Mute
	for _, w := range c.Maintenance {
		if end, ok := w.ActiveAt(now); ok {
			out = append(out, w.Mutes(end)...)
		}
	}
	return out
}

func (c *Config) decodeMaintenance(d *decoder, p string, n *yaml.Node) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, p, short(n), "maintenance: is a list of windows", `write maintenance: [{name: patching, schedule: "0 2 * * 0", duration: 2h, timezone: Europe/Paris, groups: [web]}]`)
		return
	}
	for i, wn := range n.Content {
		wp := fmt.Sprintf("%s[%d]", p, i)
		w := &Window{Line: wn.Line}
		seen := d.mapping(wn, wp, []field{
			{"name", d.str(&w.Name)},
			{"schedule", d.str(&w.Schedule)},
			{"duration", d.duration(&w.Duration, false)},
			{"timezone", d.str(&w.Timezone)},
			{"groups", d.list(&w.Groups, nil)},
			{"hosts", d.list(&w.Hosts, nil)},
			{"commands", d.list(&w.Commands, nil)},
		})
		if wn.Kind != yaml.MappingNode {
			continue
		}
		if w.Name == "" {
			w.Name = fmt.Sprintf("#%d", i+1)
		}
		if seen["duration"] == nil || w.Duration <= 0 {
			d.fail(orAt(seen["duration"], wn), wp+".duration", "", "a window needs duration: how long it lasts", "write duration: 2h")
		}
		spec := w.Schedule
		if w.Timezone != "" {
			if _, err := time.LoadLocation(w.Timezone); err != nil {
				d.fail(seen["timezone"], wp+".timezone", w.Timezone, "unknown time zone", "write an IANA name such as Europe/Paris or UTC")
				continue
			}
			if strings.HasPrefix(spec, "CRON_TZ=") || strings.HasPrefix(spec, "TZ=") {
				d.fail(seen["timezone"], wp+".timezone", w.Timezone, "timezone: and a CRON_TZ= prefix in schedule: say the same thing twice", "keep timezone: and remove the prefix")
				continue
			}
			spec = "CRON_TZ=" + w.Timezone + " " + spec
		}
		if seen["schedule"] == nil {
			d.fail(wn, wp+".schedule", "", "a window needs schedule: when it starts, in cron syntax", `write schedule: "0 2 * * 0" (Sundays at 02:00)`)
			continue
		}
		sched, err := CronParser.Parse(spec)
		if err != nil {
			d.fail(seen["schedule"], wp+".schedule", w.Schedule, "invalid schedule: "+err.Error(), `write 5 cron fields, e.g. "0 2 * * 0" (Sundays at 02:00)`)
			continue
		}
		w.Cron = sched
		c.Maintenance = append(c.Maintenance, w)
	}
}

// resolveMaintenance checks each window's groups, hosts and commands and
// adds the hosts of its groups.
func (c *Config) resolveMaintenance(d *decoder, groups map[string]*Group) {
	for i, w := range c.Maintenance {
		p := fmt.Sprintf("maintenance[%d]", i)
		for _, g := range w.Groups {
			grp, ok := groups[g]
			if !ok {
				d.errs = append(d.errs, &Error{File: c.File, Line: w.Line, Key: p + ".groups", Value: g, Msg: "undefined group", Fix: "name a group of groups:"})
				continue
			}
			for _, h := range grp.Hosts {
				if !slices.Contains(w.Hosts, h) {
					w.Hosts = append(w.Hosts, h)
				}
			}
		}
		for _, name := range w.Commands {
			if c.Command(name) == nil {
				d.errs = append(d.errs, &Error{File: c.File, Line: w.Line, Key: p + ".commands", Value: name, Msg: "undefined command", Fix: "name a command of commands:"})
			}
		}
	}
}

// decodeHosts reads per-host settings: hosts: {db1: {depends-on: [jump]}}.
func (c *Config) decodeHosts(d *decoder, p string, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, p, short(n), "hosts: maps a host to its settings", "write hosts: {db1.example.com: {depends-on: [jump.example.com]}}")
		return
	}
	c.DependsOn, c.hostLines = Dependencies{}, map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		host, hp := n.Content[i].Value, p+"."+n.Content[i].Value
		var parents []string
		d.mapping(n.Content[i+1], hp, []field{{"depends-on", d.list(&parents, nil)}})
		c.DependsOn[host], c.hostLines[host] = parents, n.Content[i].Line
	}
}

// resolveHosts checks that every host and parent named under hosts: is a
// host of some command, and that no host depends on itself, however far.
func (c *Config) resolveHosts(d *decoder) {
	known := map[string]bool{}
	for _, cmd := range c.Commands {
		for _, h := range cmd.Hosts {
			known[h] = true
		}
	}
	for _, host := range slices.Sorted(maps.Keys(c.DependsOn)) {
		line, key := c.hostLines[host], "hosts."+host
		if !known[host] {
			d.errs = append(d.errs, &Error{File: c.File, Line: line, Key: key, Value: host, Msg: "no command runs on this host", Fix: "write the host as a command's servers: name it (or remove it)"})
		}
		for _, p := range c.DependsOn[host] {
			if !known[p] {
				d.errs = append(d.errs, &Error{File: c.File, Line: line, Key: key + ".depends-on", Value: p, Msg: "no command runs on this host, so it is never known to be down", Fix: "name a host that a command checks (a ping or ssh check of the jump host)"})
			}
		}
		seen := map[string]bool{host: true}
		for queue := slices.Clone(c.DependsOn[host]); len(queue) > 0; queue = queue[1:] {
			if queue[0] == host {
				d.errs = append(d.errs, &Error{File: c.File, Line: line, Key: key + ".depends-on", Value: strings.Join(c.DependsOn[host], ", "), Msg: "the host depends on itself through its parents", Fix: "break the loop: a parent must not depend on its child"})
				break
			}
			if !seen[queue[0]] {
				seen[queue[0]] = true
				queue = append(queue, c.DependsOn[queue[0]]...)
			}
		}
	}
}

// Dependencies map each host to its direct parents: the hosts it is
// reached through, whose being down holds its notifications.
type Dependencies map[string][]string

// Parents are host's parents, transitively.
func (d Dependencies) Parents(host string) []string {
	var out []string
	for queue := slices.Clone(d[host]); len(queue) > 0; queue = queue[1:] {
		if p := queue[0]; p != host && !slices.Contains(out, p) {
			out = append(out, p)
			queue = append(queue, d[p]...)
		}
	}
	return out
}

// Children are the hosts that depend on host, directly or not, sorted.
func (d Dependencies) Children(host string) []string {
	var out []string
	for h := range d {
		if slices.Contains(d.Parents(h), host) {
			out = append(out, h)
		}
	}
	slices.Sort(out)
	return out
}

// WithJumpHosts adds to the configured dependencies those of the hosts
// reached through a ProxyJump: such a host depends on its jump hosts that
// a command checks, unless hosts: names its parents itself (depends-on: []
// for none). jumps gives a target's jump hosts as its ssh_config names
// them (collectors.SSH.JumpHosts).
func (c *Config) WithJumpHosts(jumps func(collectors.Target) []string) Dependencies {
	deps := maps.Clone(c.DependsOn)
	if deps == nil {
		deps = Dependencies{}
	}
	known := map[string]string{} // a name or an address as written -> the host's name
	for _, cmd := range c.Commands {
		for _, t := range cmd.Targets {
			if !t.Local {
				known[t.Name] = t.Name
				if _, ok := known[t.Host]; !ok {
					known[t.Host] = t.Name
				}
			}
		}
	}
	for _, cmd := range c.Commands {
		for _, t := range cmd.Targets {
			if _, set := c.DependsOn[t.Name]; set || t.Local {
				continue
			}
			for _, j := range jumps(t) {
				if p, ok := known[j]; ok && p != t.Name && !slices.Contains(deps[t.Name], p) {
					deps[t.Name] = append(deps[t.Name], p)
				}
			}
		}
	}
	return deps
}
