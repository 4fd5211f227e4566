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
