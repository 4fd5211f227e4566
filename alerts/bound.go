package alerts

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Sizes that bound what one run can put into the state file, the outbox and
// a message, whatever the remote output holds (a ps of 20,000 processes, a
// df of hundreds of overlay mounts, a megabyte on stderr).
const (
	// MaxNotifications is the most notifications one message lists; the
	// rest are counted in a last StatusSummary notification. Every key is
	// still recorded, so each one's mute-for starts when the message is
	// delivered.
	MaxNotifications = 200
	// MaxFindingsPerHost is the most rows of one rule, on one host, that a
	// run judges as firing. Rows past it (in output order) are left as they
	// were, neither fired nor resolved, and the host's failure notice says so.
	MaxFindingsPerHost = 50000
	// MaxValueLen bounds a cell value (display and raw form) in state and
	// messages, in bytes.
	MaxValueLen = 256
	// MaxTextLen bounds a message, an error and a stderr tail, in bytes.
	MaxTextLen = 1024
)

// StatusSummary marks the last notification of a message that lists only
// MaxNotifications of them: it stands for the rest, counted in Omitted.
const StatusSummary Status = "summary"

// Clip cuts s to at most n bytes at a rune boundary, ending in "…" when cut.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:max(cut, 0)] + "…"
}

// Bounded returns n with every free-text field cut to its bound.
func (n Notification) Bounded() Notification {
	n.Value, n.Raw = Clip(n.Value, MaxValueLen), Clip(n.Raw, MaxValueLen)
	n.Key = Clip(n.Key, MaxValueLen)
	n.Message, n.Error, n.Action = Clip(n.Message, MaxTextLen), Clip(n.Error, MaxTextLen), Clip(n.Action, MaxTextLen)
	n.Trigger = Clip(n.Trigger, MaxValueLen)
	if len(n.Stderr) > MaxTextLen { // keep the tail: the last lines say what went wrong
		s := n.Stderr[len(n.Stderr)-MaxTextLen+len("…"):]
		for len(s) > 0 && !utf8.RuneStart(s[0]) {
			s = s[1:]
		}
		n.Stderr = "…" + s
	}
	return n
}

// Compact bounds a message: every notification cut to size, and when there
// are more than MaxNotifications, the most urgent MaxNotifications-1 kept
// (in their order) and the rest counted in one StatusSummary notification.
// Keys are kept whole.
func Compact(ns []Notification) []Notification {
	out := make([]Notification, 0, min(len(ns), MaxNotifications))
	if len(ns) <= MaxNotifications {
		for _, n := range ns {
			out = append(out, n.Bounded())
		}
		return out
	}
	idx := make([]int, len(ns))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return Urgency(ns[a]) - Urgency(ns[b]) })
	keep := idx[:MaxNotifications-1]
	slices.Sort(keep)
	kept := map[int]bool{}
	for _, i := range keep {
		kept[i] = true
		out = append(out, ns[i].Bounded())
	}
	sum := Notification{Status: StatusSummary, Omitted: map[Status]int{}}
	for i, n := range ns {
		if kept[i] {
			continue
		}
		sum.Omitted[n.Status]++
		if sum.Time.Before(n.Time) {
			sum.Time = n.Time
		}
		if sum.Command == "" || sum.Command == n.Command {
			sum.Command = n.Command
		} else {
			sum.Command = "(several)"
		}
	}
	sum.Severity = SeverityCritical
	sum.Message = "not listed: " + omittedText(sum.Omitted) + " (every one is recorded; see serverstats status)"
	return append(out, sum)
}

// omittedText is e.g. "4800 firing, 12 resolved".
func omittedText(m map[Status]int) string {
	var parts []string
	for _, s := range []Status{StatusFiring, StatusReminder, StatusUnknown, StatusResolved} {
		if m[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", m[s], s))
		}
	}
	return strings.Join(parts, ", ")
}

// Urgency orders notifications: firing before reminders before unknown
// before resolved, critical before warning (lower is more urgent).
func Urgency(n Notification) int {
	rank := 6
	switch n.Status {
	case StatusFiring:
		rank = 0
	case StatusReminder:
		rank = 2
	case StatusUnknown:
		rank = 4
	}
	if n.Severity != SeverityCritical {
		rank++
	}
	return rank
}

// Direct is what a run tells when its state cannot be read or written:
// without state there is no debounce, no mute-for, no resolve and no
// remediation guard, so every finding that holds now is told as firing and
// every host that could not be checked as unknown, each marked with
// warning (e.g. "state unavailable: ..."). At least once beats never. The
// mutes known without the state file (maintenance windows) still hold.
func Direct(run Run, mutes []Mute, now time.Time, warning string) []Envelope {
	rules := make([]*Rule, len(run.Rules))
	for i, r := range run.Rules {
		c := *r
		c.For, c.MuteFor, c.Repeat, c.Action = 1, 0, 0, nil
		rules[i] = &c
	}
	run.Rules = rules
	run.SendResolved = func(string) bool { return false }
	tr := Decide(run, map[Key]State{}, mutes, now)
	for i := range tr.Out {
		for j := range tr.Out[i].Notifications {
			tr.Out[i].Notifications[j].Warning = warning
		}
	}
	return tr.Out
}
