package collectors

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"serverstats/collectors/testenv"
)

func TestResolvePrecedence(t *testing.T) {
	t.Setenv("USER", "envuser")
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config")
	cfg := `
Host alias
    HostName real-%h.example
    Port 2200
    User cfguser
    IdentityFile ~/keys/%r@%h
    IdentityFile /abs/key
    ProxyJump bastion
    HashKnownHosts yes

Host plain
    IdentityFile none
`
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := NewSSH(SSHOptions{SSHConfig: cfgPath, User: "optuser"})
	if err != nil {
		t.Fatal(err)
	}
	s.home = "/home/me"

	tests := []struct {
		target           string
		host, user, jump string
		port             int
		ids              []string
	}{
		{"alias", "real-alias.example", "cfguser", "bastion", 2200, []string{"/home/me/keys/cfguser@real-alias.example", "/abs/key"}},
		{"bob@alias:22", "real-alias.example", "bob", "bastion", 22, []string{"/home/me/keys/bob@real-alias.example", "/abs/key"}},
		{"plain", "plain", "optuser", "", 22, nil},
	}
	for _, tt := range tests {
		tg, err := ParseTarget(tt.target)
		if err != nil {
			t.Fatal(err)
		}
		hc, err := s.resolve(tg, "")
		if err != nil {
			t.Fatalf("resolve %s: %v", tt.target, err)
		}
		if hc.host != tt.host || hc.port != tt.port || hc.user != tt.user || hc.proxyJump != tt.jump || !slices.Equal(hc.identityFiles, tt.ids) {
			t.Errorf("resolve %s = %+v, want host %s port %d user %s jump %q ids %v", tt.target, hc, tt.host, tt.port, tt.user, tt.jump, tt.ids)
		}
	}
	if hc, _ := s.resolve(Target{Name: "alias", Host: "alias"}, ""); !hc.hashKnownHosts {
		t.Error("HashKnownHosts yes not honoured")
	}

	// Without ssh_config and options.User, $USER is the last resort.
	s2, err := NewSSH(SSHOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if hc, _ := s2.resolve(Target{Name: "alias", Host: "alias"}, ""); hc.user != "envuser" || hc.host != "alias" || hc.port != 22 {
		t.Errorf("no ssh_config: %+v", hc)
	}
	// "none" and "" read no file; a missing ~/.ssh/config is fine.
	for _, v := range []string{"", "none"} {
		if s, err := NewSSH(SSHOptions{SSHConfig: v}); err != nil || s.config != nil {
			t.Errorf("SSHConfig %q: config %v err %v", v, s.config, err)
		}
	}
	t.Setenv("HOME", dir)
	for _, p := range []string{DefaultSSHConfig, filepath.Join(dir, ".ssh", "config")} {
		if _, err := NewSSH(SSHOptions{SSHConfig: p}); err != nil {
			t.Errorf("missing default ssh_config %s: %v", p, err)
		}
	}
	if _, err := NewSSH(SSHOptions{IdentityFiles: []string{filepath.Join(dir, "nokey")}}); err == nil {
		t.Error("NewSSH accepted a missing identity file")
	}
	if _, err := NewSSH(SSHOptions{IdentityFiles: []string{cfgPath}}); err == nil {
		t.Error("NewSSH accepted an identity file that is not a key")
	}
}

func TestExpandTokens(t *testing.T) {
	vals := map[byte]string{'h': "web1", 'r': "root"}
	for in, want := range map[string]string{
		"plain":        "plain",
		"%h":           "web1",
		"%r@%h.key":    "root@web1.key",
		"100%%":        "100%",
		"%x stays":     "%x stays",
		"trailing %":   "trailing %",
		"%%h is not h": "%h is not h",
	} {
		if got := expandTokens(in, vals); got != want {
			t.Errorf("expandTokens(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHostKeyAlgorithms(t *testing.T) {
	got := hostKeyAlgorithms([]string{ssh.KeyAlgoRSA, ssh.KeyAlgoED25519})
	want := []string{ssh.KeyAlgoED25519, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	if !slices.Equal(got, want) {
		t.Errorf("hostKeyAlgorithms = %v, want %v", got, want)
	}
	if got := hostKeyAlgorithms(nil); got != nil {
		t.Errorf("no known types: %v, want nil (library default)", got)
	}
}

func TestCapBuffer(t *testing.T) {
	b := newCapBuffer(5)
	for _, p := range []string{"abc", "def", "ghij"} {
		if n, err := b.Write([]byte(p)); n != len(p) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", p, n, err)
		}
	}
	got, dropped := b.snapshot()
	if string(got) != "abcde" || dropped != 5 {
		t.Errorf("kept %q dropped %d, want abcde 5", got, dropped)
	}
}

// An address that never answers (a black hole): the dial is bounded by
// ConnectTimeout. The dial seam stands in for the network.
func TestConnectTimeoutBoundsDial(t *testing.T) {
	const limit = 300 * time.Millisecond
	s, err := NewSSH(SSHOptions{ConnectTimeout: limit, KnownHosts: filepath.Join(t.TempDir(), "kh")})
	if err != nil {
		t.Fatal(err)
	}
	s.dial = func(ctx context.Context, _, _ string) (net.Conn, error) {
		<-ctx.Done()
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: ctx.Err()}
	}
	start := time.Now()
	r := s.Run(context.Background(), Target{Name: "blackhole", Host: "192.0.2.1"}, "true")
	el := time.Since(start)
	if !errors.Is(r.Err, ErrConnect) || !strings.Contains(r.Err.Error(), "no answer within 300ms") {
		t.Fatalf("err = %v, want ErrConnect saying no answer within 300ms", r.Err)
	}
	if bound := testenv.NoHang(limit); el < limit || el > bound { // without the timeout it never returns
		t.Errorf("Run returned after %v, want within [%v, %v]", el, limit, bound)
	}
}

// JumpHosts follows the whole ProxyJump chain, the first hop first: a
// comma list, a jump host with its own ProxyJump, user@ and :port dropped.
func TestJumpHosts(t *testing.T) {
	cfgPath := filepath.Join(t.TempDir(), "config")
	cfg := `
Host db*
    ProxyJump admin@bastion:2222
Host bastion
    ProxyJump gw
Host chain
    ProxyJump a,b
Host direct
    ProxyJump none
Host loop1
    ProxyJump loop2
Host loop2
    ProxyJump loop1
`
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := NewSSH(SSHOptions{SSHConfig: cfgPath, User: "u"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		target string
		want   []string
	}{
		{"db1", []string{"gw", "bastion"}},
		{"root@db2:22", []string{"gw", "bastion"}},
		{"bastion", []string{"gw"}},
		{"chain", []string{"a", "b"}},
		{"direct", nil},
		{"other", nil},
	} {
		tg, err := ParseTarget(tt.target)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.JumpHosts(tg); !slices.Equal(got, tt.want) {
			t.Errorf("JumpHosts(%s) = %q, want %q", tt.target, got, tt.want)
		}
	}
	tg, _ := ParseTarget("loop1")
	if got := s.JumpHosts(tg); len(got) != maxJumps {
		t.Errorf("a ProxyJump loop gives %d hops, want it bounded at %d: %q", len(got), maxJumps, got)
	}
}
