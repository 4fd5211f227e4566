package collectors_test

import (
	"strings"
	"testing"

	"serverstats/collectors"
)

func TestParseTarget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want collectors.Target
	}{
		{"web1", collectors.Target{Name: "web1", Host: "web1"}},
		{"  web1.example.com ", collectors.Target{Name: "web1.example.com", Host: "web1.example.com"}},
		{"deploy@web2", collectors.Target{Name: "deploy@web2", Host: "web2", User: "deploy"}},
		{"web2:2222", collectors.Target{Name: "web2:2222", Host: "web2", Port: 2222}},
		{"deploy@web2:2222", collectors.Target{Name: "deploy@web2:2222", Host: "web2", Port: 2222, User: "deploy"}},
		{"10.0.0.5:22", collectors.Target{Name: "10.0.0.5:22", Host: "10.0.0.5", Port: 22}},
		{"[::1]:2222", collectors.Target{Name: "[::1]:2222", Host: "::1", Port: 2222}},
		{"[::1]", collectors.Target{Name: "[::1]", Host: "::1"}},
		{"root@[fe80::1]:65535", collectors.Target{Name: "root@[fe80::1]:65535", Host: "fe80::1", Port: 65535, User: "root"}},
		{"::1", collectors.Target{Name: "::1", Host: "::1"}},
		{"2001:db8::7", collectors.Target{Name: "2001:db8::7", Host: "2001:db8::7"}},
		{"localhost", collectors.Target{Name: "localhost", Host: "localhost", Local: true}},
		{"localhost:22", collectors.Target{Name: "localhost:22", Host: "localhost", Port: 22}},
		{"root@localhost", collectors.Target{Name: "root@localhost", Host: "localhost", User: "root"}},
		{"127.0.0.1", collectors.Target{Name: "127.0.0.1", Host: "127.0.0.1"}},
		{"first.last@host", collectors.Target{Name: "first.last@host", Host: "host", User: "first.last"}},
	}
	for _, tt := range tests {
		got, err := collectors.ParseTarget(tt.in)
		if err != nil {
			t.Errorf("ParseTarget(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseTarget(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestParseTargetErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, wantErr string }{
		{"", "empty name"},
		{"   ", "empty name"},
		{"web 1", "white space"},
		{"@web1", "empty user"},
		{"deploy@", "empty host"},
		{"a@b@c", "invalid user"},
		{"web1:", "empty port"},
		{"web1:0", "invalid port \"0\""},
		{"web1:65536", "invalid port \"65536\""},
		{"web1:-1", "invalid port"},
		{"web1:+22", "invalid port"},
		{"web1:ssh", "invalid port \"ssh\""},
		{"web1:22:33", "not an IPv6 address"},
		{"[::1", "missing ']'"},
		{"[::1]x", "unexpected \"x\""},
		{"[::1]:", "empty port"},
		{"[]:22", "empty host"},
		{":22", "empty host"},
		{"web/1", "invalid character"},
		{"web1;rm", "invalid character"},
	}
	for _, tt := range tests {
		got, err := collectors.ParseTarget(tt.in)
		if err == nil {
			t.Errorf("ParseTarget(%q) = %+v, want an error", tt.in, got)
			continue
		}
		if !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "parse target") {
			t.Errorf("ParseTarget(%q) error %q, want it to start with \"parse target\" and mention %q", tt.in, err, tt.wantErr)
		}
	}
}
