package config

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"serverstats/collectors"
)

// resolve checks references between sections and expands groups into hosts.
func (c *Config) resolve(d *decoder) {
	if c.Handler(DefaultHandler) == nil {
		c.Handlers = append(c.Handlers, &Handler{Name: DefaultHandler, Type: "print", Stream: "stdout",
			SendResolved: true, Timeout: DefaultHandlerTimeout, MaxAge: DefaultMaxAge})
	}
	handlerNames := make([]string, len(c.Handlers))
	for i, h := range c.Handlers {
		handlerNames[i] = h.Name
	}
	checkHandler := func(name, key string, line int) {
		if c.Handler(name) != nil || d.brokenHandlers[name] || d.brokenSections["handlers"] {
			return
		}
		fix := "define it under handlers: or use one of: " + strings.Join(handlerNames, ", ")
		if s := suggest(name, handlerNames); s != "" {
			fix = fmt.Sprintf("did you mean %q? %s", s, fix)
		}
		d.errs = append(d.errs, &Error{File: c.File, Line: line, Key: key, Value: name, Msg: "undefined handler", Fix: fix})
	}
	for _, h := range c.Handlers {
		if h.Fallback == "" {
			continue
		}
		if h.Fallback == h.Name {
			d.errs = append(d.errs, &Error{File: c.File, Line: h.Line, Key: "handlers." + h.Name + ".fallback", Value: h.Fallback, Msg: "a handler cannot be its own fallback", Fix: "name another handler, e.g. one of another type"})
			continue
		}
		checkHandler(h.Fallback, "handlers."+h.Name+".fallback", h.Line)
	}
	for _, h := range c.Handlers {
		if h.Fallback == h.Name {
			continue // reported above
		}
		// A fallback chain must end: A -> B -> A would pass a message around forever.
		seen := map[string]bool{h.Name: true}
		for next := c.Handler(h.Fallback); next != nil && next.Fallback != ""; next = c.Handler(next.Fallback) {
			if seen[next.Fallback] {
				d.errs = append(d.errs, &Error{File: c.File, Line: h.Line, Key: "handlers." + h.Name + ".fallback", Value: h.Fallback, Msg: "fallbacks form a loop back to " + next.Fallback, Fix: "end the chain with a handler that has no fallback"})
				break
			}
			seen[next.Name] = true
		}
	}
	if len(c.OnCommandFailure.Handlers) == 0 {
		// An unreachable host must never be silent.
		c.OnCommandFailure.Handlers = []string{DefaultHandler}
		c.OnCommandFailure.lines = []int{0}
	}
	for i, h := range c.OnCommandFailure.Handlers {
		checkHandler(h, fmt.Sprintf("on-command-failure.handlers[%d]", i), c.OnCommandFailure.lines[i])
	}
	groups := map[string]*Group{}
	groupNames := make([]string, len(c.Groups))
	for i, g := range c.Groups {
		groups[g.Name] = g
		groupNames[i] = g.Name
	}
	for _, g := range c.Groups {
		for i, h := range g.Hosts {
			k := fmt.Sprintf("groups.%s[%d]", g.Name, i)
			if h == g.Name {
				d.fail(d.at(k, &yaml.Node{Line: g.Line}), k, h, "the group names itself", "remove it: a group lists hosts")
			} else if groups[h] != nil {
				d.fail(d.at(k, &yaml.Node{Line: g.Line}), k, h, "names a group, and groups do not nest: it would be read as a host called "+h,
					"list the hosts of "+h+" here, or name both groups where they are used: servers: ["+h+", "+g.Name+"]")
			}
		}
	}
	for _, cmd := range c.Commands {
		for i, r := range cmd.Alerts {
			for j, h := range r.Handlers {
				checkHandler(h, fmt.Sprintf("commands.%s.alerts[%d].handlers", cmd.Name, i), cmd.handlerLines[i][j])
			}
		}
		for j, h := range cmd.Handlers {
			checkHandler(h, fmt.Sprintf("commands.%s.handlers", cmd.Name), cmd.defaultHandlerLines[j])
		}
		for _, ref := range cmd.escalateRefs {
			checkHandler(ref.handler, ref.key, ref.line)
		}
		if cmd.Local {
			cmd.Hosts = []string{cmd.localName()}
			continue
		}
		seen := map[string]bool{}
		add := func(h string) {
			if !seen[h] {
				seen[h] = true
				cmd.Hosts = append(cmd.Hosts, h)
			}
		}
		for i, s := range cmd.Servers {
			line := cmd.serverLines[i]
			if g, ok := groups[s]; ok {
				for _, h := range g.Hosts {
					add(h)
				}
				continue
			}
			if looksLikeHost(s) {
				if err := checkHost(s); err != nil {
					d.errs = append(d.errs, &Error{File: c.File, Line: line, Key: "commands." + cmd.Name + ".servers", Value: s, Msg: err.Error(), Fix: "write host, user@host or user@host:port"})
				}
				add(s)
				continue
			}
			if d.brokenSections["groups"] {
				continue
			}
			fix := "define it under groups:, or name a host directly with a dot, user@ or :port (localhost runs here)"
			if len(groupNames) > 0 {
				fix = "defined groups: " + strings.Join(groupNames, ", ") + "; or " + fix
			}
			if g := suggest(s, groupNames); g != "" {
				fix = fmt.Sprintf("did you mean %q? %s", g, fix)
			}
			d.errs = append(d.errs, &Error{File: c.File, Line: line, Key: "commands." + cmd.Name + ".servers", Value: s, Msg: "undefined group", Fix: fix})
		}
	}
	for _, cmd := range c.Commands {
		cmd.Targets = targets(cmd)
	}
	c.resolveMaintenance(d, groups)
	c.resolveHosts(d)
	if len(c.Commands) == 0 && len(d.errs) == 0 {
		d.errs = append(d.errs, &Error{File: c.File, Line: 1, Key: "commands", Msg: "no commands defined", Fix: "add commands: with at least one named command"})
	}
}

// looksLikeHost says whether a servers: entry that is not a group names a
// host directly. Bare words must be groups, so a typo in a group name is an
// error rather than an unreachable host.
func looksLikeHost(s string) bool {
	return s == "localhost" || strings.ContainsAny(s, ".@:[")
}

// targets are cmd's hosts as collectors' targets, in config order. A
// command that runs here (local: true, or a probe without servers) has
// local targets, even when named after what it probes.
func targets(cmd *Command) []collectors.Target {
	out := make([]collectors.Target, 0, len(cmd.Hosts))
	for _, h := range cmd.Hosts {
		t, err := collectors.ParseTarget(h)
		if err != nil {
			t = collectors.Target{Name: h, Host: h} // already reported as a config error
		}
		if cmd.Local {
			t.Local = true
		}
		out = append(out, t)
	}
	return out
}

// checkHost validates host, user@host, host:port, user@host:port, [v6]:port.
func checkHost(s string) error {
	_, err := collectors.ParseTarget(s)
	return err
}
