package check

import (
	"testing"

	"serverstats/collectors"
)

// {host} takes the target's host; an IPv6 literal is bracketed where the
// template does not bracket it, and its zone escaped in URLs.
func TestWithHost(t *testing.T) {
	for _, tt := range []struct {
		tmpl, host string
		url        bool
		want       string
	}{
		{"{host}:22", "web1.example.com", false, "web1.example.com:22"},
		{"{host}:22", "10.0.0.7", false, "10.0.0.7:22"},
		{"{host}:22", "::1", false, "[::1]:22"},
		{"[{host}]:22", "::1", false, "[::1]:22"},
		{"http://{host}:8080/health?from={host}", "2001:db8::7", true, "http://[2001:db8::7]:8080/health?from=[2001:db8::7]"},
		{"http://{host}/", "fe80::1%eth0", true, "http://[fe80::1%25eth0]/"},
		{"{host}:22", "fe80::1%eth0", false, "[fe80::1%eth0]:22"},
		{"{host}:22", "::ffff:10.0.0.7", false, "[::ffff:10.0.0.7]:22"},
		{"no placeholder", "::1", false, "no placeholder"},
	} {
		if got := withHost(tt.tmpl, collectors.Target{Name: "n", Host: tt.host}, tt.url); got != tt.want {
			t.Errorf("withHost(%q, %q, url=%v) = %q, want %q", tt.tmpl, tt.host, tt.url, got, tt.want)
		}
	}
}
