package testenv

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// recorder is a testing.TB that records how the test would have ended.
type recorder struct {
	testing.TB
	ended string // "", "fail: MSG" or "skip: MSG"
}

type stop struct{}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.ended = "fail: " + fmt.Sprintf(format, args...)
	panic(stop{})
}
func (r *recorder) Skipf(format string, args ...any) {
	r.ended = "skip: " + fmt.Sprintf(format, args...)
	panic(stop{})
}

func (r *recorder) run(f func()) {
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(stop); !ok {
				panic(p)
			}
		}
	}()
	f()
}

func TestRule(t *testing.T) {
	missing := errors.New("stat /usr/sbin/nginx: no such file or directory")
	cases := []struct {
		ci, skip string // "-" for unset
		err      error
		want     string // prefix of how the test ends, "" for it going on
	}{
		{"-", "-", nil, ""},
		{"-", "-", missing, "fail: nginx not installed: apt-get install -y nginx-light: stat /usr/sbin/nginx: no such file or directory; or set SERVERSTATS_SKIP_NGINX=1 to skip this test (refused in CI)"},
		{"-", "1", missing, "skip: nginx not installed: apt-get install -y nginx-light: stat /usr/sbin/nginx: no such file or directory (skipped: SERVERSTATS_SKIP_NGINX=1)"},
		{"-", "yes", missing, "fail: "}, // only 1 skips
		{"-", "1", nil, ""},             // the service is there: the test runs
		{"", "1", missing, "skip: "},    // CI= is not CI
		{"false", "1", missing, "skip: "},
		{"true", "-", nil, ""},
		{"true", "-", missing, "fail: nginx not installed"},
		{"true", "1", missing, "fail: SERVERSTATS_SKIP_NGINX=1 is set, but skipping is refused in CI (CI=true)"},
		{"true", "1", nil, "fail: SERVERSTATS_SKIP_NGINX=1 is set, but skipping is refused in CI (CI=true)"},
		{"1", "0", nil, "fail: SERVERSTATS_SKIP_NGINX=0 is set, but skipping is refused in CI (CI=1)"}, // any value
		{"true", "", missing, "fail: nginx not installed"},                                             // empty is unset
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("CI=%s,skip=%s,missing=%v", tc.ci, tc.skip, tc.err != nil), func(t *testing.T) {
			setenv(t, "CI", tc.ci)
			setenv(t, "SERVERSTATS_SKIP_NGINX", tc.skip)
			r := &recorder{TB: t}
			r.run(func() { Need(r, "NGINX", tc.err, "nginx not installed: apt-get install -y nginx-light") })
			if tc.want == "" && r.ended != "" || !strings.HasPrefix(r.ended, tc.want) {
				t.Errorf("ended %q\nwant   %q", r.ended, tc.want)
			}
		})
	}
}

// setenv sets name to v for the test, or unsets it when v is "-".
func setenv(t *testing.T, name, v string) {
	t.Setenv(name, v) // restores the old value at the end
	if v == "-" {
		if err := os.Unsetenv(name); err != nil {
			t.Fatal(err)
		}
	}
}

// NoHang gives the larger of the two margins, and never less than expected.
func TestNoHang(t *testing.T) {
	for _, tc := range []struct{ expected, want time.Duration }{
		{0, 5 * time.Second},
		{300 * time.Millisecond, 5300 * time.Millisecond},
		{2 * time.Second, 7 * time.Second},
		{2500 * time.Millisecond, 7500 * time.Millisecond}, // both margins agree
		{3 * time.Second, 9 * time.Second},
		{time.Minute, 3 * time.Minute},
	} {
		if got := NoHang(tc.expected); got != tc.want {
			t.Errorf("NoHang(%v) = %v, want %v", tc.expected, got, tc.want)
		}
	}
}
