package textout

import (
	"fmt"
	"time"
)

// When shows a time with how far it is from now, e.g.
// "2026-03-04 05:06:07 (3m0s ago)"; "-" for the zero time.
func When(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := now.Sub(t).Round(time.Second)
	rel := d.String() + " ago"
	if d < 0 {
		rel = "in " + (-d).String()
	}
	return t.Local().Format("2006-01-02 15:04:05") + " (" + rel + ")"
}

// OrAny is s, or "(any)" when empty: a filter that matches everything.
func OrAny(s string) string {
	if s == "" {
		return "(any)"
	}
	return s
}

// HumanBytes is n as e.g. "1.5 MB".
func HumanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
