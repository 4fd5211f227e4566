package collectors

import (
	"crypto/ed25519"
	"errors"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Fuzz targets: FuzzParseTarget (a target as written in the config) and
// FuzzKnownHostsLine (a line of known_hosts among good ones, as the SSH
// collector reads the file). Crashers land in testdata/fuzz/<target>/ and
// run as regression cases with every `go test`.

// FuzzParseTarget parses any text as a target: on success Name is the
// trimmed input, Host is non-empty, Port is 0 or 1..65535, no field has
// white space or control characters, Local is exactly the bare name
// "localhost", and the fields written back as user@host:port (host
// bracketed when it has a colon) parse to the same target.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{
		"web1", "  web1.example.com ", "deploy@web2", "web2:2222", "deploy@web2:2222", "10.0.0.5:22",
		"[::1]:2222", "[::1]", "root@[fe80::1]:65535", "::1", "2001:db8::7", "fe80::1%eth0", "localhost",
		"localhost:22", "root@localhost", "[localhost]", "127.0.0.1", "", "@web1", "web1:", "web1:0",
		"web1:65536", "web1:+22", "web1:0022", "[::1", "[::1]x", "[]:22", "a@b@c", "us:er@h", "h;rm -rf /",
		"web\u00a01", "web\x001", "-oProxyCommand=x", "user@", "[a[b]]", "1:2:3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s)
		if err != nil {
			if tg != (Target{}) || !strings.HasPrefix(err.Error(), "parse target") {
				t.Fatalf("ParseTarget(%q) = %+v, %v", s, tg, err)
			}
			return
		}
		if tg.Name != strings.TrimSpace(s) {
			t.Fatalf("%q: Name %q", s, tg.Name)
		}
		if tg.Host == "" || tg.Port < 0 || tg.Port > 65535 {
			t.Fatalf("%q: host %q, port %d", s, tg.Host, tg.Port)
		}
		for what, v := range map[string]string{"name": tg.Name, "host": tg.Host, "user": tg.User} {
			if strings.IndexFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
				t.Fatalf("%q: %s %q has white space or a control character", s, what, v)
			}
		}
		if strings.ContainsAny(tg.User, "@:[]/") || strings.ContainsAny(tg.Host, "[]@/\\,;'\"`$") {
			t.Fatalf("%q: user %q, host %q", s, tg.User, tg.Host)
		}
		if want := tg.User == "" && tg.Port == 0 && tg.Name == LocalName; tg.Local != want {
			t.Fatalf("%q: Local %v", s, tg.Local)
		}

		again := tg.Host
		if strings.Contains(again, ":") || strings.HasPrefix(tg.Name, "[") || strings.Contains(tg.Name, "@[") {
			again = "[" + again + "]"
		}
		if tg.User != "" {
			again = tg.User + "@" + again
		}
		if tg.Port != 0 {
			again += ":" + strconv.Itoa(tg.Port)
		}
		tg2, err := ParseTarget(again)
		if err != nil {
			t.Fatalf("%q parses as %+v, but %q written back from it does not: %v", s, tg, again, err)
		}
		tg2.Name = tg.Name
		if tg2 != tg {
			t.Fatalf("%q parses as %+v, %q written back from it as %+v", s, tg, again, tg2)
		}
	})
}

// fuzzKey is a deterministic ed25519 host key.
func fuzzKey(t testing.TB, b byte) ssh.PublicKey {
	t.Helper()
	seed := make([]byte, ed25519.SeedSize)
	seed[0] = b
	k, err := ssh.NewPublicKey(ed25519.NewKeyFromSeed(seed).Public())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// plainHost is a host name knownhosts.Line can write as a plain pattern.
var plainHost = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// FuzzKnownHostsLine writes a known_hosts file of a good line, the fuzzed
// line (or lines), a line that knownhosts.Line writes for the fuzzed host
// (hashed or not) and another good line, and reads it as the SSH collector
// does (loadKnownHosts). It never panics; the fuzzed lines that cannot be
// read are skipped, so the good hosts and the
// written host verify with their keys, a different key for the written host
// is "changed" (the known key listed) and an unrelated host is "unknown";
// and a plain line the fuzzed text holds, written back with knownhosts.Line,
// is accepted for its hosts on its own.
func FuzzKnownHostsLine(f *testing.F) {
	good := fuzzKey(f, 1)
	f.Add("# a comment", "web1", uint16(22), false)
	f.Add("", "web1.example.com", uint16(2222), true)
	f.Add(knownhosts.Line([]string{"db1", "10.0.0.7"}, fuzzKey(f, 9)), "10.0.0.7", uint16(0), false)
	f.Add(knownhosts.Line([]string{"[db1]:2222"}, fuzzKey(f, 9)), "::1", uint16(2222), false)
	f.Add("@cert-authority *.example.com "+strings.TrimSpace(string(ssh.MarshalAuthorizedKey(fuzzKey(f, 9)))), "web1", uint16(22), false)
	f.Add("@revoked * "+strings.TrimSpace(string(ssh.MarshalAuthorizedKey(fuzzKey(f, 9)))), "web1", uint16(22), false)
	f.Add(knownhosts.Line([]string{knownhosts.HashHostname("web1")}, fuzzKey(f, 9)), "web1", uint16(22), true)
	f.Add("web1,!web2,*.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl", "web2", uint16(22), false)
	f.Add("garbage", "web1", uint16(22), false)
	f.Add("web1 ssh-ed25519 AAAA", "web1", uint16(22), false)
	f.Add("web1 ssh-rsa\n\n  \nx", "web1", uint16(22), false)
	f.Fuzz(func(t *testing.T, line, host string, port uint16, hashed bool) {
		dir := t.TempDir()
		path := filepath.Join(dir, "known_hosts")
		written := fuzzKey(t, 2)
		addr := ""
		var file strings.Builder
		file.WriteString(knownhosts.Line([]string{"good.example"}, good) + "\n")
		file.WriteString(line + "\n")
		fuzzLines := strings.Count(line, "\n") + 1
		if plainHost.MatchString(host) || net.ParseIP(host) != nil {
			if port == 0 {
				port = DefaultSSHPort
			}
			addr = net.JoinHostPort(host, strconv.Itoa(int(port)))
			name := knownhosts.Normalize(addr)
			if hashed {
				name = knownhosts.HashHostname(name)
			}
			file.WriteString(knownhosts.Line([]string{name}, written) + "\n")
		}
		file.WriteString(knownhosts.Line([]string{"[other.example]:2222"}, good) + "\n")
		if err := os.WriteFile(path, []byte(file.String()), 0o600); err != nil {
			t.Fatal(err)
		}

		s, err := NewSSH(SSHOptions{KnownHosts: path, SSHConfig: "none"})
		if err != nil {
			t.Fatal(err)
		}
		db, err := s.loadKnownHosts(hostConfig{knownHosts: []string{path}})
		if err != nil {
			// Bad lines are skipped, up to maxBadKnownHostsLines of them.
			if fuzzLines <= maxBadKnownHostsLines {
				t.Fatalf("the fuzzed line %q fails the whole file: %v", line, err)
			}
			if !strings.Contains(err.Error(), path+":") {
				t.Fatalf("%q: error %q does not name the file", line, err)
			}
			return
		}

		revoked := strings.Contains(line, "@revoked")
		verifies := func(addr string, key ssh.PublicKey) {
			t.Helper()
			err := db(addr, probeAddr(), key)
			var re *knownhosts.RevokedError
			if err != nil && !(revoked && errors.As(err, &re)) {
				t.Fatalf("line %q: %s does not verify with its key: %v", line, addr, err)
			}
		}
		verifies("good.example:22", good)
		verifies("other.example:2222", good)
		if addr != "" {
			verifies(addr, written)
			var ke *knownhosts.KeyError
			if err := db(addr, probeAddr(), fuzzKey(t, 3)); !errors.As(err, &ke) || !hasKey(ke.Want, written) {
				t.Fatalf("line %q: %s with another key: %v, want a KeyError listing the written key", line, addr, err)
			}
		}
		if !strings.ContainsAny(line, "*?") && !strings.Contains(line, "unrelated") && !strings.Contains(host, "unrelated") {
			var ke *knownhosts.KeyError
			if err := db("unrelated.invalid:22", probeAddr(), written); !errors.As(err, &ke) || len(ke.Want) != 0 {
				t.Fatalf("line %q: an unrelated host: %v, want unknown", line, err)
			}
		}

		// The lines skipped are fuzzed ones, named by file and line.
		_, skipped, _ := readKnownHosts([]string{path})
		for _, w := range skipped {
			m := regexp.MustCompile("^" + regexp.QuoteMeta(path) + `:(\d+): skipped: `).FindStringSubmatch(w)
			if m == nil {
				t.Fatalf("%q: warning %q does not name the file and line", line, w)
			}
			if n, _ := strconv.Atoi(m[1]); n < 2 || n > 1+fuzzLines {
				t.Fatalf("%q: warning %q names line %d, not one of the fuzzed lines 2..%d", line, w, n, 1+fuzzLines)
			}
		}
		if len(skipped) > 0 {
			return
		}

		// Round trip: each plain line of the fuzzed text, written back.
		rest := []byte(line)
		for {
			marker, hosts, key, _, r, err := ssh.ParseKnownHosts(rest)
			if err != nil {
				break
			}
			rest = r
			if marker != "" || strings.ContainsAny(strings.Join(hosts, ","), "*?!|") {
				continue
			}
			again := filepath.Join(dir, "again")
			if err := os.WriteFile(again, []byte(knownhosts.Line(hosts, key)+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			db2, err := knownhosts.New(again)
			if err != nil {
				t.Fatalf("line %q, written back as %q: %v", line, knownhosts.Line(hosts, key), err)
			}
			for _, h := range hosts {
				a, ok := hostAddr(h)
				if !ok {
					continue
				}
				if err := db2(a, probeAddr(), key); err != nil {
					t.Fatalf("line %q, written back as %q: %s does not verify: %v", line, knownhosts.Line(hosts, key), a, err)
				}
			}
		}
	})
}

// hostAddr turns a known_hosts host ("web1", "[web1]:2222") into the
// host:port address the database is asked about.
func hostAddr(h string) (string, bool) {
	if !utf8.ValidString(h) || h == "" {
		return "", false
	}
	if strings.HasPrefix(h, "[") {
		host, port, err := net.SplitHostPort(h)
		if err != nil || host == "" || strings.ContainsAny(host, "[]") {
			return "", false
		}
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return "", false
		}
		return net.JoinHostPort(host, port), true
	}
	if strings.ContainsAny(h, "[]:") {
		return "", false
	}
	return net.JoinHostPort(h, "22"), true
}

func hasKey(ks []knownhosts.KnownKey, k ssh.PublicKey) bool {
	for _, w := range ks {
		if string(w.Key.Marshal()) == string(k.Marshal()) {
			return true
		}
	}
	return false
}
