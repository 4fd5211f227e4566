package textout

import (
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.Local)
	for _, c := range []struct{ got, want string }{
		{When(time.Time{}, now), "-"},
		{When(now.Add(-3*time.Minute), now), "2026-03-04 05:03:07 (3m0s ago)"},
		{When(now.Add(90*time.Second), now), "2026-03-04 05:07:37 (in 1m30s)"},
		{OrAny(""), "(any)"},
		{OrAny("web1"), "web1"},
		{HumanBytes(512), "512 bytes"},
		{HumanBytes(1536), "1.5 kB"},
		{HumanBytes(3 << 20), "3.0 MB"},
		{HumanBytes(5 << 30), "5.0 GB"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
