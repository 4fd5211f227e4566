package alerts

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestClip(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"0123456789abc", 10, "0123456…"},
		{"ééééééé", 8, "éé…"}, // never a broken rune
	} {
		if got := Clip(c.in, c.n); got != c.want || len(got) > c.n {
			t.Errorf("Clip(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

// A notification whose fields come from remote output is cut to bounds;
// stderr keeps its tail (the last lines say what went wrong).
func TestBounded(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	n := Notification{Value: big, Raw: big, Message: big, Error: big, Stderr: big + "the real error", Key: big}.Bounded()
	if len(n.Value) > MaxValueLen || len(n.Raw) > MaxValueLen || len(n.Key) > MaxValueLen ||
		len(n.Message) > MaxTextLen || len(n.Error) > MaxTextLen || len(n.Stderr) > MaxTextLen {
		t.Errorf("not bounded: %d %d %d %d %d", len(n.Value), len(n.Raw), len(n.Message), len(n.Error), len(n.Stderr))
	}
	if !strings.HasSuffix(n.Stderr, "the real error") {
		t.Errorf("stderr lost its tail: ...%s", n.Stderr[len(n.Stderr)-20:])
	}
}

// Compact keeps the most urgent notifications in their order and counts
// the rest by status in one summary.
func TestCompact(t *testing.T) {
	var ns []Notification
	for i := range 300 {
		st := StatusResolved
		if i%3 == 0 {
			st = StatusFiring
		}
		ns = append(ns, Notification{Status: st, Host: fmt.Sprint("h", i), Severity: SeverityCritical, Time: time.Unix(int64(i), 0)})
	}
	out := Compact(ns)
	if len(out) != MaxNotifications {
		t.Fatalf("%d notifications, want %d", len(out), MaxNotifications)
	}
	firing := 0
	for i, n := range out[:len(out)-1] {
		if n.Status == StatusFiring {
			firing++
		}
		if i > 0 && out[i-1].Host > n.Host && len(out[i-1].Host) >= len(n.Host) {
			t.Errorf("order changed at %d: %s after %s", i, n.Host, out[i-1].Host)
		}
	}
	if firing != 100 {
		t.Errorf("kept %d of 100 firing notifications; firing must come first", firing)
	}
	sum := out[len(out)-1]
	if sum.Status != StatusSummary || sum.Omitted[StatusResolved] != 101 || sum.Omitted[StatusFiring] != 0 {
		t.Errorf("summary = %+v", sum)
	}
	if len(Compact(ns[:MaxNotifications])) != MaxNotifications {
		t.Error("a message at the bound was cut")
	}
}

// Without state, every finding that holds is told as firing (even before
// its `for`), every host not checked as unknown, all marked; no resolves,
// no remediation.
func TestDirect(t *testing.T) {
	rule := &Rule{Name: "Use% > 90", Column: "Use%", For: 3, Handlers: []string{"mail"}, Action: &Action{Cmd: "restart"}}
	run := Run{
		Command: "disk", Rules: []*Rule{rule}, FailureHandlers: []string{"pager"},
		Hosts: []HostRun{
			{Host: "web1", Observations: []Observation{
				{Key: Key{Command: "disk", Rule: rule.Name, Host: "web1", Row: "/"}, Holds: true, Value: "95%", Finding: Finding{Status: StatusFiring, Host: "web1", Key: "/"}},
				{Key: Key{Command: "disk", Rule: rule.Name, Host: "web1", Row: "/home"}, Clears: true, Value: "10%"},
			}},
			{Host: "web2", Failure: &Notification{Status: StatusUnknown, Command: "disk", Host: "web2", Error: "connection refused"}},
		},
	}
	envs := Direct(run, nil, time.Unix(0, 0), "state unavailable: state file corrupt")
	got := map[string][]string{}
	for _, e := range envs {
		for _, n := range e.Notifications {
			if n.Warning != "state unavailable: state file corrupt" {
				t.Errorf("not marked: %+v", n)
			}
			got[e.Handler] = append(got[e.Handler], string(n.Status)+" "+n.Host+n.Key)
		}
	}
	if fmt.Sprint(got) != "map[mail:[firing web1/] pager:[unknown web2]]" {
		t.Errorf("direct = %v", got)
	}
	if rule.For != 3 || rule.Action == nil {
		t.Error("Direct changed the config's rule")
	}
}

// Past MaxFindingsPerHost rows of one rule on one host, the rest are left
// as they were (not fired, not resolved) and a note says so.
func TestDecideFindingsBound(t *testing.T) {
	rule := &Rule{Name: "r", Column: "c", For: 1, Handlers: []string{"h"}}
	n := MaxFindingsPerHost + 5
	obs := make([]Observation, n)
	for i := range obs {
		obs[i] = Observation{Key: Key{Command: "c", Rule: "r", Host: "web1", Row: fmt.Sprint(i)}, Holds: true, Value: "1"}
	}
	// A row past the bound that was firing before stays firing (not resolved).
	last := obs[n-1].Key
	states := map[Key]State{last: {Key: last, Phase: PhaseFiring, Notified: true}}
	tr := Decide(Run{Command: "c", Rules: []*Rule{rule}, Hosts: []HostRun{{Host: "web1", Observations: obs}}}, states, nil, time.Unix(0, 0))
	if len(tr.States) != MaxFindingsPerHost+1 {
		t.Errorf("%d states saved, want %d (the bound, plus the untouched old one)", len(tr.States), MaxFindingsPerHost+1)
	}
	if len(tr.Removed) != 0 || len(tr.Out) != 1 || len(tr.Out[0].Notifications) != MaxFindingsPerHost {
		t.Errorf("removed %d, notifications %d", len(tr.Removed), len(tr.Out[0].Notifications))
	}
	if len(tr.Notes) != 1 || !strings.Contains(tr.Notes[0], fmt.Sprint(n, " rows hold")) {
		t.Errorf("notes = %q", tr.Notes)
	}
}
