package config

import (
	"fmt"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Checks of single values that would otherwise fail only at run time.

// checkEmail checks that addr is one mail address, as an SMTP server
// takes it in MAIL FROM and RCPT TO.
func (d *decoder) checkEmail(at *yaml.Node, path, addr string) {
	a, err := mail.ParseAddress(addr)
	if err == nil && strings.Count(a.Address, "@") == 1 && !strings.HasPrefix(a.Address, "@") && !strings.HasSuffix(a.Address, "@") {
		return
	}
	key, _, item := strings.Cut(lastKey(path), "[")
	fix := "write one address, e.g. " + key + ": oncall@example.com"
	if item {
		fix = "write one address per item, e.g. " + key + ": [oncall@example.com, ops@example.com]"
	}
	d.fail(at, path, addr, "not an email address", fix)
}

// checkPort checks the port of host:port: a number from 1 to 65535 (or 0,
// any free port, for a listen address).
func (d *decoder) checkPort(at *yaml.Node, path, hostport, example string) {
	_, port, err := net.SplitHostPort(hostport)
	if err != nil || port == "0" && lastKey(path) == "listen" {
		return // reported by the caller's own host:port check
	}
	if badPort(port) {
		d.fail(at, path, hostport, fmt.Sprintf("bad port %q: want a number from 1 to 65535", port), "write e.g. "+lastKey(path)+": "+example)
	}
}

// badPort says whether port is not a number from 1 to 65535.
func badPort(port string) bool {
	n, err := strconv.Atoi(port)
	return err != nil || n < 1 || n > 65535
}

// everyTooShort says why an "@every D" schedule does not mean what it
// says: the scheduler runs it at most once a second (0s, 100ms and -5m
// all become every second).
func everyTooShort(spec string) string {
	rest, ok := strings.CutPrefix(strings.TrimSpace(spec), "@every ")
	if !ok {
		return ""
	}
	v, err := time.ParseDuration(strings.TrimSpace(rest))
	if err != nil || v >= time.Second {
		return ""
	}
	return "@every needs at least 1s: a shorter interval would run the command every second"
}

// execWords is the fix for an exec handler's command written as one
// string: the program and its arguments as a list.
func execWords(s string) string {
	return "write command: [" + strings.Join(strings.Fields(s), ", ") + "] (a list: the program, then each argument; no shell)"
}
