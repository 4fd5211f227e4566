package config

import (
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"

	"serverstats/alerts"
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
