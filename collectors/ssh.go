package collectors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/user"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// Host key policies for SSHOptions.HostKeyPolicy.
const (
	// PolicyStrict refuses any host whose key is not already in known_hosts.
	PolicyStrict = "strict"
	// PolicyAcceptNew adds the key of a host known_hosts does not list yet
	// (trust on first use) but still refuses a changed key.
	PolicyAcceptNew = "accept-new"
	// PolicyInsecureIgnore does not check host keys at all. It must be asked
	// for by name and logs a warning on every connection.
	PolicyInsecureIgnore = "insecure-ignore"
)

// Default file locations; "~/" is the home directory.
const (
	DefaultKnownHosts = "~/.ssh/known_hosts"
	DefaultSSHConfig  = "~/.ssh/config"
)

// DefaultSSHPort is the port dialed when neither the target nor ssh_config
// names one; known_hosts writes hosts on it without a port.
const DefaultSSHPort = 22

// defaultIdentityFiles are the keys offered when neither SSHOptions nor
// ~/.ssh/config name any (as OpenSSH does); missing ones are skipped quietly.
func defaultIdentityFiles() []string {
	return []string{"~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa"}
}

const (
	// maxJumps bounds ProxyJump chains (and loops in ~/.ssh/config).
	maxJumps = 8
)

// SSHOptions configures an SSH collector. The zero value of each field
// selects its default.
type SSHOptions struct {
	// User logs in when neither the target ("user@host") nor ~/.ssh/config
	// names a user; "" means $USER (or the current user's name).
	User string
	// KnownHosts is the OpenSSH known_hosts file host keys are checked
	// against (and added to with PolicyAcceptNew); "" means DefaultKnownHosts.
	// A missing file is an empty one. ssh_config's UserKnownHostsFile
	// takes its place for the hosts it is set for.
	KnownHosts string
	// GlobalKnownHosts are read-only known_hosts files read after the
	// user's: "" means DefaultGlobalKnownHosts, "none" none, else a
	// space-separated list. ssh_config's GlobalKnownHostsFile takes its
	// place for the hosts it is set for.
	GlobalKnownHosts string
	// HostKeyPolicy is PolicyStrict (also ""), PolicyAcceptNew or
	// PolicyInsecureIgnore.
	HostKeyPolicy string
	// IdentityFiles are private keys to offer, before any from ~/.ssh/config.
	// When neither names a key, ~/.ssh/id_ed25519, ~/.ssh/id_ecdsa and
	// ~/.ssh/id_rsa are tried (those that exist). Keys with a
	// passphrase are skipped (load them into ssh-agent instead).
	IdentityFiles []string
	// SSHConfig is the ssh_config file honoured for HostName, User, Port,
	// IdentityFile, ProxyJump, HostKeyAlias, HashKnownHosts,
	// UserKnownHostsFile and GlobalKnownHostsFile. "" or "none"
	// means no file; pass DefaultSSHConfig for ~/.ssh/config (which may be
	// missing; any other named file must exist). The system-wide
	// /etc/ssh/ssh_config is not read.
	SSHConfig string
	// UseAgent offers the keys of the ssh-agent at $SSH_AUTH_SOCK first, if
	// that is set.
	UseAgent bool
	// ConnectTimeout bounds dialing, the SSH handshake and authentication
	// (all hops of a ProxyJump chain together); 0 means DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// CommandTimeout bounds the remote command, from opening the session to
	// its exit; 0 means DefaultCommandTimeout.
	CommandTimeout time.Duration
	// Logger gets debug details and security warnings; nil discards them.
	// Key material is never logged.
	Logger *slog.Logger
}

// SSH is a Collector that runs commands over SSH, one connection per Run.
// It is safe for concurrent use.
//
// The command is sent exactly as given: the user's login shell on the host
// runs it with "-c", whichever shell that is (sh, bash, csh, tcsh, fish).
// At the command timeout, Run sends SIGKILL over the session (runSession),
// which OpenSSH's sshd delivers to the session's whole process group, so
// what the command started in the background goes too, and waits up to a
// second for the session to end: that confirms the kill. sshd refuses the
// signal for root logins ("session signalling requires privilege
// separation") and for ForceCommand sessions; and a process that left the
// group (setsid) keeps the session open. Then, since the connection is this
// Run's alone, Run tries reapScript in a second session (it needs /bin/sh
// and pgrep or ps on the host; failing is harmless) and waits up to another
// second. A kill still not confirmed is reported in the error ("the server
// did not confirm the kill: the command may still be running on the
// host"), and the connection is closed. Pool.Run behaves the same.
type SSH struct {
	opts             SSHOptions // with defaults filled in and paths expanded
	log              *slog.Logger
	home             string
	localUser        string
	knownHosts       string
	globalKnownHosts []string
	config           *sshConfig // nil when no ssh_config is used
	keys             keyCache
	known            knownHostsCache
	agentSock        string
	knownMu          sync.Mutex // serialises this process's known_hosts appends
	jumps            jumpConns  // connections to jump hosts, shared

	// dial opens the TCP connection to a first hop; tests replace it.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

var _ Collector = (*SSH)(nil)

// NewSSH checks opts and returns an SSH collector. It fails on an unknown
// host key policy, an ssh_config file that is named but missing or does not
// parse, or an identity file in opts that is missing or not a private key.
func NewSSH(opts SSHOptions) (*SSH, error) {
	s := &SSH{opts: opts, log: opts.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = "/"
	}
	s.home = home
	s.localUser = os.Getenv("USER")
	if s.localUser == "" {
		if u, err := user.Current(); err == nil {
			s.localUser = u.Username
		}
	}
	switch opts.HostKeyPolicy {
	case "", PolicyStrict:
		s.opts.HostKeyPolicy = PolicyStrict
	case PolicyAcceptNew, PolicyInsecureIgnore:
	default:
		return nil, fmt.Errorf("check ssh options: unknown host key policy %q: want %q, %q or %q", opts.HostKeyPolicy, PolicyStrict, PolicyAcceptNew, PolicyInsecureIgnore)
	}
	if s.opts.ConnectTimeout <= 0 {
		s.opts.ConnectTimeout = DefaultConnectTimeout
	}
	if s.opts.CommandTimeout <= 0 {
		s.opts.CommandTimeout = DefaultCommandTimeout
	}
	s.knownHosts = opts.KnownHosts
	if s.knownHosts == "" {
		s.knownHosts = DefaultKnownHosts
	}
	s.knownHosts = s.expandHome(s.knownHosts)
	switch g := strings.TrimSpace(opts.GlobalKnownHosts); {
	case g == "":
		s.globalKnownHosts = DefaultGlobalKnownHosts
	case !strings.EqualFold(g, "none"):
		s.globalKnownHosts = strings.Fields(g)
	}

	switch opts.SSHConfig {
	case "", "none":
	default:
		path := s.expandHome(opts.SSHConfig)
		cfg, err := loadSSHConfig(path)
		switch {
		case errors.Is(err, os.ErrNotExist) && path == s.expandHome(DefaultSSHConfig):
			s.log.Debug("no ssh_config file", "path", path)
		case err != nil:
			return nil, fmt.Errorf("load ssh_config: %w", err)
		default:
			s.config = cfg
		}
	}

	s.opts.IdentityFiles = nil
	for _, f := range opts.IdentityFiles {
		path := s.expandHome(f)
		if k := s.keys.load(path, s.log); k.fatal != nil {
			return nil, fmt.Errorf("load identity file: %w", k.fatal)
		}
		s.opts.IdentityFiles = append(s.opts.IdentityFiles, path)
	}
	if opts.UseAgent {
		s.agentSock = os.Getenv("SSH_AUTH_SOCK")
		if s.agentSock == "" {
			s.log.Debug("ssh-agent requested but SSH_AUTH_SOCK is not set")
		}
	}
	var d net.Dialer
	s.dial = d.DialContext
	return s, nil
}

// Run connects to t, runs cmd and returns what happened. Result.Target is t
// with Host, Port and User resolved (ssh_config, options, defaults). Run
// returns within ConnectTimeout + CommandTimeout + about two seconds
// (stopping a timed-out command: see SSH), whatever the server does.
func (s *SSH) Run(ctx context.Context, t Target, cmd string) (res Result) {
	start := time.Now()
	res.Target = t
	defer func() { res.Duration = time.Since(start) }()

	hc, err := s.resolve(t, "")
	if err != nil {
		res.Err = err
		return res
	}
	res.Target.Host, res.Target.Port, res.Target.User = hc.host, hc.port, hc.user

	cctx, cancel := context.WithTimeout(ctx, s.opts.ConnectTimeout)
	conn, err := s.connect(cctx, hc, 0, nil)
	cancel()
	if err != nil {
		res.Err = err
		return res
	}
	defer conn.Close()
	s.runCommand(ctx, conn.client, hc, cmd, &res)
	return res
}

// runCommand runs cmd on client (this Run's own connection) with
// runSession. When the server does not confirm the kill of a timed-out
// command, the fallback runs reapScript on the connection: no other session
// of it belongs to anyone else.
func (s *SSH) runCommand(ctx context.Context, client *ssh.Client, hc hostConfig, cmd string, res *Result) {
	limit := commandTimeout(ctx, s.opts.CommandTimeout)
	spawn := func(f func()) { go f() }
	runSession(ctx, client, hc, cmd, limit, res, sessionOpts{
		log: s.log,
		fallback: func(deadline time.Time) {
			reapSessions(client, deadline, spawn, s.log, hc)
		},
	})
}

// setExit records how a session ended: its exit status (a non-zero exit or a
// signal is a result) or, for a session that ended without one, an
// ErrConnect error.
func setExit(res *Result, hc hostConfig, err error) {
	var exitErr *sessionExit
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		res.ExitStatus = exitErr.status
	case errors.Is(err, errNoExit):
		res.Err = fmt.Errorf("run command on %s: %w: connection closed without an exit status", hc.addr(), ErrConnect)
	case errors.Is(err, ErrConnect):
		res.Err = err
	default:
		res.Err = fmt.Errorf("run command on %s: %w: %w", hc.addr(), ErrConnect, err)
	}
}

// hostConfig is a target resolved against ssh_config, options and defaults.
type hostConfig struct {
	name           string // the target's name, for messages
	alias          string // the host as written, the ssh_config lookup key
	host           string // to dial
	port           int
	user           string
	identityFiles  []string // from ssh_config, expanded
	proxyJump      string   // "" for a direct connection
	hostKeyAlias   string
	hashKnownHosts bool
	// knownHosts are the user known_hosts files (the first gets the keys
	// accept-new adds); globalKnownHosts are read only.
	knownHosts, globalKnownHosts []string
}

// userKnownHosts is the known_hosts file keys are added to and named in
// fixes.
func (hc hostConfig) userKnownHosts() string { return hc.knownHosts[0] }

func (hc hostConfig) addr() string { return net.JoinHostPort(hc.host, strconv.Itoa(hc.port)) }

// resolve applies the precedence: the target's own user/port > ssh_config >
// SSHOptions.User > $USER, and port 22. jump, if not "", overrides the
// ProxyJump setting (used for the hops of a "a,b" chain).
func (s *SSH) resolve(t Target, jump string) (hostConfig, error) {
	hc := hostConfig{name: t.Name, alias: t.Host, host: t.Host, port: t.Port, user: t.User}
	if hc.name == "" {
		hc.name = t.Host
	}
	if t.Host == "" {
		return hc, fmt.Errorf("resolve target %q: %w: empty host", t.Name, ErrConnect)
	}
	if c := s.config; c != nil {
		get := func(key string) string { return c.get(t.Host, key) }
		if v := get("HostName"); v != "" {
			hc.host = expandTokens(v, map[byte]string{'h': t.Host})
		}
		if hc.port == 0 {
			if v := get("Port"); v != "" {
				p, err := strconv.Atoi(v)
				if err != nil || p < 1 || p > 65535 {
					return hc, fmt.Errorf("resolve target %q: %w: bad Port %q in %s", t.Name, ErrConnect, v, c.path)
				}
				hc.port = p
			}
		}
		if hc.user == "" {
			hc.user = get("User")
		}
		hc.proxyJump = get("ProxyJump")
		if v := get("ProxyCommand"); v != "" && !strings.EqualFold(v, "none") {
			return hc, fmt.Errorf("resolve target %q: %w: ProxyCommand in %s is not supported (use ProxyJump)", t.Name, ErrConnect, c.path)
		}
		hc.hostKeyAlias = get("HostKeyAlias")
		hc.hashKnownHosts = strings.EqualFold(get("HashKnownHosts"), "yes")
	}
	if hc.port == 0 {
		hc.port = DefaultSSHPort
	}
	if hc.user == "" {
		hc.user = s.opts.User
	}
	if hc.user == "" {
		hc.user = s.localUser
	}
	if jump != "" {
		hc.proxyJump = jump
	}
	if strings.EqualFold(hc.proxyJump, "none") {
		hc.proxyJump = ""
	}
	hc.knownHosts, hc.globalKnownHosts = []string{s.knownHosts}, s.globalKnownHosts
	if c := s.config; c != nil {
		tokens := map[byte]string{'d': s.home, 'u': s.localUser, 'h': hc.host, 'r': hc.user, 'p': strconv.Itoa(hc.port)}
		files := func(key string) []string {
			var out []string
			for _, f := range strings.Fields(c.get(t.Host, key)) {
				out = append(out, s.expandHome(expandTokens(f, tokens)))
			}
			return out
		}
		if f := files("UserKnownHostsFile"); len(f) > 0 && !strings.EqualFold(f[0], "none") {
			hc.knownHosts = f
		}
		if f := files("GlobalKnownHostsFile"); len(f) > 0 {
			hc.globalKnownHosts = f
			if strings.EqualFold(f[0], "none") {
				hc.globalKnownHosts = nil
			}
		}
		for _, f := range c.getAll(t.Host, "IdentityFile") {
			if strings.EqualFold(f, "none") {
				continue
			}
			f = expandTokens(f, map[byte]string{'d': s.home, 'u': s.localUser, 'h': hc.host, 'r': hc.user, 'p': strconv.Itoa(hc.port)})
			hc.identityFiles = append(hc.identityFiles, s.expandHome(f))
		}
	}
	return hc, nil
}

// sshConn is an established connection and the jump hosts it goes through.
type sshConn struct {
	client     *ssh.Client
	releaseVia func() // gives back the shared jump connection; nil for a direct one

	mu    sync.Mutex
	ended bool   // the transport has ended
	onEnd func() // run once when it ends
}

// newSSHConn wraps an established connection. It does with one goroutine,
// started with spawn (nil: a go statement), what ssh.NewClient does with
// three: refuse the global requests and channel opens of the server (as
// OpenSSH's client does; the server's keepalives get their answer) and
// notice the end of the transport (see whenEnded). A pooled connection
// costs that much less memory. The client is fit for sessions and
// DialContext, not for remote port forwarding (Listen).
func newSSHConn(cc ssh.Conn, chans <-chan ssh.NewChannel, reqs <-chan *ssh.Request, releaseVia func(), spawn func(func())) *sshConn {
	c := &sshConn{client: &ssh.Client{Conn: cc}, releaseVia: releaseVia}
	if spawn == nil {
		spawn = func(f func()) { go f() }
	}
	spawn(func() { c.serve(chans, reqs) })
	return c
}

// serve answers the server until the transport ends (the library closes
// both channels then), and then runs onEnd.
func (c *sshConn) serve(chans <-chan ssh.NewChannel, reqs <-chan *ssh.Request) {
	for chans != nil || reqs != nil {
		select {
		case nc, ok := <-chans:
			if !ok {
				chans = nil
				continue
			}
			_ = nc.Reject(ssh.UnknownChannelType, "unknown channel type: "+nc.ChannelType())
		case r, ok := <-reqs:
			if !ok {
				reqs = nil
				continue
			}
			if r.WantReply {
				_ = r.Reply(false, nil)
			}
		}
	}
	c.mu.Lock()
	c.ended = true
	f := c.onEnd
	c.mu.Unlock()
	if f != nil {
		f()
	}
}

// whenEnded runs f once the transport has ended: at once, in this
// goroutine, if it has already; else in the connection's own goroutine.
func (c *sshConn) whenEnded(f func()) {
	c.mu.Lock()
	if !c.ended {
		c.onEnd = f
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	f()
}

// isEnded reports whether the transport has ended.
func (c *sshConn) isEnded() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ended
}

// Close closes the connection and gives back its jump host's.
func (c *sshConn) Close() error {
	err := c.client.Close()
	if c.releaseVia != nil {
		c.releaseVia()
	}
	return err
}

// connect dials hc (through its ProxyJump hosts, if any), verifies the host
// key and authenticates, all before ctx's deadline. Each connection's
// goroutine (see newSSHConn) is started with spawn (nil: a go statement).
func (s *SSH) connect(ctx context.Context, hc hostConfig, depth int, spawn func(func())) (*sshConn, error) {
	addr := hc.addr()
	var (
		nc         net.Conn
		via        *sshConn
		releaseVia func()
		err        error
	)
	if hc.proxyJump != "" {
		if depth >= maxJumps {
			return nil, fmt.Errorf("connect to %s: %w: more than %d ProxyJump hops (a loop in ssh_config?)", addr, ErrConnect, maxJumps)
		}
		hops := strings.Split(hc.proxyJump, ",")
		last := strings.TrimSpace(hops[len(hops)-1])
		jt, err := ParseTarget(last)
		if err != nil {
			return nil, fmt.Errorf("connect to %s: %w: bad ProxyJump: %w", addr, ErrConnect, err)
		}
		jhc, err := s.resolve(jt, strings.Join(hops[:len(hops)-1], ","))
		if err != nil {
			return nil, err
		}
		via, releaseVia, err = s.jumps.acquire(ctx, jhc, func() (*sshConn, error) { return s.connect(ctx, jhc, depth+1, spawn) })
		if err != nil {
			return nil, fmt.Errorf("connect to %s via jump host %s: %w", addr, jhc.name, err)
		}
		nc, err = via.client.DialContext(ctx, "tcp", addr)
		if err != nil {
			releaseVia()
			return nil, fmt.Errorf("dial %s via jump host %s: %w: %w", addr, jhc.name, ErrConnect, err)
		}
	} else {
		nc, err = s.dial(ctx, "tcp", addr)
		if err != nil {
			return nil, s.dialErr(ctx, addr, err)
		}
		nc = quickAck(nc)
	}

	closeAll := func() {
		nc.Close()
		if releaseVia != nil {
			releaseVia()
		}
	}
	// Bound the handshake: a deadline on a real socket, and closing the
	// connection when ctx ends (this also covers connections through a
	// jump host, which have no deadlines).
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { nc.Close() })

	hk, err := s.hostKeyCheck(hc)
	if err != nil {
		stop()
		closeAll()
		return nil, err
	}
	auth, err := s.authMethods(ctx, hc)
	if err != nil {
		stop()
		closeAll()
		return nil, err
	}
	defer auth.close()

	cfg := &ssh.ClientConfig{
		User:              hc.user,
		Auth:              auth.methods,
		HostKeyCallback:   hk.callback,
		HostKeyAlgorithms: hk.algorithms,
	}
	cc, chans, reqs, err := ssh.NewClientConn(nc, addr, cfg)
	if !stop() {
		// ctx ended during the handshake and the connection was closed.
		if err == nil {
			cc.Close()
		}
		closeAll()
		if verdict, _ := hk.result(); verdict != nil {
			return nil, verdict
		}
		return nil, s.dialErr(ctx, addr, ctx.Err())
	}
	if err != nil {
		closeAll()
		if verdict, _ := hk.result(); verdict == nil && errors.Is(err, os.ErrDeadlineExceeded) {
			// The socket deadline (same instant as ctx's) fired first.
			return nil, fmt.Errorf("connect to %s: %w: no answer within %s", addr, ErrConnect, s.opts.ConnectTimeout)
		}
		return nil, s.handshakeErr(hc, hk, auth, err)
	}
	_ = nc.SetDeadline(time.Time{})
	return newSSHConn(cc, chans, reqs, releaseVia, spawn), nil
}

// dialErr turns a failed dial (or a handshake cut short by ctx) into an
// ErrConnect error with a readable cause.
func (s *SSH) dialErr(ctx context.Context, addr string, err error) error {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("connect to %s: %w: no answer within %s", addr, ErrConnect, s.opts.ConnectTimeout)
	case ctx.Err() != nil:
		return fmt.Errorf("connect to %s: %w: canceled", addr, ErrConnect)
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return fmt.Errorf("connect to %s: %w: %w", addr, ErrConnect, op.Err)
	}
	return fmt.Errorf("connect to %s: %w: %w", addr, ErrConnect, err)
}

// handshakeErr classifies a failed SSH handshake.
func (s *SSH) handshakeErr(hc hostConfig, hk *hostKeyCheck, auth *authSet, err error) error {
	verdict, passed := hk.result()
	if verdict != nil {
		return verdict
	}
	var neg *ssh.AlgorithmNegotiationError
	if errors.As(err, &neg) && strings.Contains(neg.What, "host key") && len(hk.algorithms) > 0 {
		return fmt.Errorf("verify host key of %s: %w: known_hosts (%s) lists only %s keys for it but the server offers %s; if the host was reinstalled, remove the old entry with `ssh-keygen -R '%s' -f %s` and add the new key",
			hc.addr(), ErrHostKeyChanged, hc.userKnownHosts(), strings.Join(hk.knownTypes, ", "), strings.Join(neg.RequestedAlgorithms, ", "), hk.lookup, hc.userKnownHosts())
	}
	msg := err.Error()
	if passed && (strings.Contains(msg, "unable to authenticate") || strings.Contains(msg, "no supported methods remain") || strings.Contains(msg, "Too many authentication failures")) {
		return fmt.Errorf("log in as %s on %s: %w: the server accepted none of: %s", hc.user, hc.addr(), ErrAuth, auth.describe())
	}
	return fmt.Errorf("handshake with %s: %w: %w", hc.addr(), ErrConnect, err)
}

// expandHome replaces a leading "~/" (or a lone "~") with the home directory.
func (s *SSH) expandHome(p string) string {
	if p == "~" {
		return s.home
	}
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return s.home + "/" + rest
	}
	return p
}

// expandTokens replaces ssh_config %-tokens from vals; "%%" is "%", unknown
// tokens are left alone.
func expandTokens(s string, vals map[byte]string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		if s[i] == '%' {
			b.WriteByte('%')
		} else if v, ok := vals[s[i]]; ok {
			b.WriteString(v)
		} else {
			b.WriteByte('%')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// JumpHosts are the hosts t is reached through, from its ssh_config
// ProxyJump chain (the first hop first), each as written there without its
// user and port. Nil for a direct connection or a target that does not
// resolve.
func (s *SSH) JumpHosts(t Target) []string {
	hc, err := s.resolve(t, "")
	if err != nil || hc.proxyJump == "" {
		return nil
	}
	var out []string
	for depth := 0; hc.proxyJump != "" && depth < maxJumps; depth++ {
		hops := strings.Split(hc.proxyJump, ",")
		last := strings.TrimSpace(hops[len(hops)-1])
		jt, err := ParseTarget(last)
		if err != nil {
			break
		}
		out = append([]string{jt.Host}, out...)
		if hc, err = s.resolve(jt, strings.Join(hops[:len(hops)-1], ",")); err != nil {
			break
		}
	}
	return out
}

// JumpHosts are the hosts t is reached through (see SSH.JumpHosts).
func (p *Pool) JumpHosts(t Target) []string { return p.ssh.JumpHosts(t) }
