package collectors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// keyEntry is a private key file as loaded (or not) from disk.
type keyEntry struct {
	signer ssh.Signer // nil when the file is not usable
	note   string     // why it is not usable, for error messages
	fatal  error      // the file is missing or not a key (for explicit options)
}

// keyCache loads each identity file once per SSH collector.
type keyCache struct {
	mu sync.Mutex
	m  map[string]keyEntry
}

// load returns the key at path, reading it on first use. Passphrase-protected
// keys are skipped with a debug log. Nothing from the file's content ends up
// in notes, errors or logs.
func (c *keyCache) load(path string, log *slog.Logger) keyEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if k, ok := c.m[path]; ok {
		return k
	}
	if c.m == nil {
		c.m = make(map[string]keyEntry)
	}
	var k keyEntry
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		k.note = "not found"
		k.fatal = fmt.Errorf("read %s: file not found", path)
	case err != nil:
		k.note = "unreadable"
		k.fatal = fmt.Errorf("read %s: %w", path, err)
	default:
		signer, err := ssh.ParsePrivateKey(b)
		var pm *ssh.PassphraseMissingError
		switch {
		case errors.As(err, &pm):
			k.note = "has a passphrase, skipped (load it into ssh-agent)"
			log.Debug("skipping identity file with a passphrase", "path", path)
		case err != nil:
			k.note = "not a usable private key"
			k.fatal = fmt.Errorf("parse %s: not a usable private key", path)
			log.Debug("skipping unusable identity file", "path", path)
		default:
			k.signer = signer
		}
	}
	c.m[path] = k
	return k
}

// authSet is what one connection offers to authenticate.
type authSet struct {
	methods []ssh.AuthMethod
	tried   []string // for the error message: sources and key files, no key material
	agent   net.Conn // open until the handshake is over
}

func (a *authSet) close() {
	if a.agent != nil {
		a.agent.Close()
	}
}

func (a *authSet) describe() string {
	if len(a.tried) == 0 {
		return "no keys (none configured, no default key files, no ssh-agent)"
	}
	return strings.Join(a.tried, "; ")
}

// authMethods collects the keys to offer for hc: ssh-agent's (if UseAgent and
// $SSH_AUTH_SOCK), then the identity files from the options and ssh_config,
// or the default key files when neither names one. Duplicate keys are offered
// once.
func (s *SSH) authMethods(ctx context.Context, hc hostConfig) (*authSet, error) {
	a := &authSet{}
	var signers []ssh.Signer
	seen := make(map[string]bool)
	add := func(sg ssh.Signer) bool {
		k := string(sg.PublicKey().Marshal())
		if seen[k] {
			return false
		}
		seen[k] = true
		signers = append(signers, sg)
		return true
	}

	if s.agentSock != "" {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "unix", s.agentSock)
		if err != nil {
			s.log.Debug("cannot reach ssh-agent", "socket", s.agentSock, "err", err)
			a.tried = append(a.tried, "ssh-agent: unreachable")
		} else {
			if dl, ok := ctx.Deadline(); ok {
				_ = conn.SetDeadline(dl)
			}
			a.agent = conn
			list, err := agent.NewClient(conn).Signers()
			if err != nil {
				s.log.Debug("cannot list ssh-agent keys", "socket", s.agentSock, "err", err)
				a.tried = append(a.tried, "ssh-agent: failed to list keys")
			} else {
				n := 0
				for _, sg := range list {
					if add(sg) {
						n++
					}
				}
				a.tried = append(a.tried, fmt.Sprintf("ssh-agent (%d keys)", n))
			}
		}
	}

	files := append(append([]string(nil), s.opts.IdentityFiles...), hc.identityFiles...)
	quietMissing := false
	if len(files) == 0 {
		quietMissing = true
		for _, f := range defaultIdentityFiles() {
			files = append(files, s.expandHome(f))
		}
	}
	done := make(map[string]bool)
	for _, path := range files {
		if done[path] {
			continue
		}
		done[path] = true
		k := s.keys.load(path, s.log)
		switch {
		case k.signer != nil:
			if add(k.signer) {
				pub := k.signer.PublicKey()
				a.tried = append(a.tried, fmt.Sprintf("%s (%s %s)", path, pub.Type(), ssh.FingerprintSHA256(pub)))
			}
		case quietMissing && k.note == "not found":
		default:
			a.tried = append(a.tried, path+": "+k.note)
		}
	}
	if quietMissing && len(signers) == 0 && a.agent == nil {
		a.tried = append(a.tried, "no default key file found ("+strings.Join(defaultIdentityFiles(), ", ")+")")
	}
	a.methods = []ssh.AuthMethod{ssh.PublicKeys(signers...)}
	return a, nil
}
