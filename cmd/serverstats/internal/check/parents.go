package check

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"serverstats/alerts"
	"serverstats/alerts/store"
)

// parentMutes hold the notifications of the run's hosts whose parent
// (config hosts: depends-on, or by default the jump hosts of a ProxyJump) is down: it could not be checked, or its
// "alive" rule fires, in this run or as the state file knows. Their
// monitoring and resolution go on; what still fires is told once the
// parent is back.
func (c *Checker) parentMutes(ctx context.Context, st *store.Store, rep *Report, now time.Time) []alerts.Mute {
	if len(c.deps) == 0 {
		return nil
	}
	var parents []string
	for _, h := range rep.Hosts {
		parents = append(parents, c.deps.Parents(h.Target.Name)...)
	}
	if len(parents) == 0 {
		return nil
	}
	down, err := st.HostsDown(ctx, parents)
	if err != nil {
		c.env.Log.Warn("cannot tell whether parent hosts are down; not holding their children", "error", err)
		down = map[string][]string{}
	}
	// This run says how its own hosts are, whatever the file says of the
	// command's last run.
	for _, h := range rep.Hosts {
		name := h.Target.Name
		down[name] = slices.DeleteFunc(down[name], func(why string) bool { return strings.HasPrefix(why, rep.Command.Name+": ") })
		if label, _ := h.Failure(); label != "" {
			down[name] = append(down[name], rep.Command.Name+": "+label)
		}
	}
	var out []alerts.Mute
	for _, h := range rep.Hosts {
		for _, p := range c.deps.Parents(h.Target.Name) {
			if why := down[p]; len(why) > 0 {
				out = append(out, alerts.Mute{Host: h.Target.Name, Until: now.Add(time.Hour), Reason: fmt.Sprintf("suppressed: parent %s down (%s)", p, strings.Join(why, ", "))})
				break
			}
		}
	}
	return out
}
