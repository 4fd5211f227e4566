package collectors

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"unicode"
)

// LocalName is the target name that ParseTarget treats as "this machine":
// a bare "localhost" (no user, no port) runs the command locally without SSH.
// To reach the local sshd instead, write it with a user or a port
// ("root@localhost", "localhost:22") or use 127.0.0.1.
const LocalName = "localhost"

// ParseTarget parses a target as written in the config: "host", "user@host",
// "host:port", "user@host:port", "[::1]", "[::1]:2222", "user@[fe80::1]:22"
// or a bare IPv6 address such as "::1" (no port possible then).
//
// Name is the input with surrounding spaces removed, Host is the host part
// (brackets stripped), Port is 0 when not given, User is "" when not given.
// Local is set only for the bare name "localhost" (see LocalName). Host is
// not resolved against ~/.ssh/config here; the SSH collector does that when
// it connects, so an ssh_config alias is a valid host.
func ParseTarget(s string) (Target, error) {
	name := strings.TrimSpace(s)
	if name == "" {
		return Target{}, errors.New("parse target: empty name")
	}
	if i := strings.IndexFunc(name, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }); i >= 0 {
		return Target{}, fmt.Errorf("parse target %q: contains white space or a control character", name)
	}
	t := Target{Name: name}

	rest := name
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		t.User, rest = rest[:i], rest[i+1:]
		if t.User == "" {
			return Target{}, fmt.Errorf("parse target %q: empty user before '@'", name)
		}
		if strings.ContainsAny(t.User, "@:[]/") {
			return Target{}, fmt.Errorf("parse target %q: invalid user %q", name, t.User)
		}
	}
	if rest == "" {
		return Target{}, fmt.Errorf("parse target %q: empty host", name)
	}

	var host, port string
	switch {
	case strings.HasPrefix(rest, "["):
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return Target{}, fmt.Errorf("parse target %q: missing ']' after IPv6 address", name)
		}
		host = rest[1:end]
		after := rest[end+1:]
		switch {
		case after == "":
		case strings.HasPrefix(after, ":"):
			port = after[1:]
			if port == "" {
				return Target{}, fmt.Errorf("parse target %q: empty port after ':'", name)
			}
		default:
			return Target{}, fmt.Errorf("parse target %q: unexpected %q after ']'", name, after)
		}
		if host == "" {
			return Target{}, fmt.Errorf("parse target %q: empty host in brackets", name)
		}
		if strings.ContainsAny(host, "[]") {
			return Target{}, fmt.Errorf("parse target %q: invalid host %q", name, host)
		}
	case strings.Count(rest, ":") > 1:
		// A bare IPv6 address; a port needs the bracketed form.
		if net.ParseIP(rest) == nil {
			return Target{}, fmt.Errorf("parse target %q: %q is not an IPv6 address; write [addr]:port for an IPv6 address with a port", name, rest)
		}
		host = rest
	default:
		var found bool
		host, port, found = strings.Cut(rest, ":")
		if found && port == "" {
			return Target{}, fmt.Errorf("parse target %q: empty port after ':'", name)
		}
		if host == "" {
			return Target{}, fmt.Errorf("parse target %q: empty host", name)
		}
		if strings.ContainsAny(host, "[]") {
			return Target{}, fmt.Errorf("parse target %q: invalid host %q", name, host)
		}
	}
	if strings.ContainsAny(host, "/\\,;'\"`$") {
		return Target{}, fmt.Errorf("parse target %q: invalid character in host %q", name, host)
	}
	t.Host = host

	if port != "" {
		p, err := strconv.Atoi(port)
		if err != nil || p < 1 || p > 65535 || port[0] == '+' {
			return Target{}, fmt.Errorf("parse target %q: invalid port %q: want a number from 1 to 65535", name, port)
		}
		t.Port = p
	}

	t.Local = t.User == "" && port == "" && name == LocalName
	return t, nil
}
