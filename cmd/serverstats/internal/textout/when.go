package textout

import "time"

// When shows t in layout with how far it is from now, e.g.
// "2026-12-03 03:12:00 (5m0s ago)" or "... (in 2m0s)"; zero for the zero
// time. Convert t (Local, UTC) before.
func When(t, now time.Time, layout, zero string) string {
	if t.IsZero() {
		return zero
	}
	d := now.Sub(t).Round(time.Second)
	rel := d.String() + " ago"
	if d < 0 {
		rel = "in " + (-d).String()
	}
	return t.Format(layout) + " (" + rel + ")"
}
