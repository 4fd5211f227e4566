// Package sshdtest starts real OpenSSH sshd processes on 127.0.0.1 for tests:
// a Fleet of servers on ephemeral ports, each with its own ed25519 host key,
// one user key authorised on all of them, and a known_hosts file listing
// every server as "[127.0.0.1]:PORT ssh-ed25519 ...".
//
// Each server sets SERVERSTATS_HOST=hostN in its sessions, so the command
// `echo $SERVERSTATS_HOST` tells which server answered. It also sets HOME to
// an empty directory of the fleet: the login shell then skips the real
// home's shell start-up files (root's ~/.bashrc here takes ~0.45 s a
// command), while the session still starts in the real home directory.
//
// The fleet logs in as the current user (root here, for which sshd refuses
// signals over a session); AddUser adds a non-root user with any login
// shell, e.g. /usr/bin/csh or /usr/bin/fish.
//
// It needs Debian's openssh-server (/usr/sbin/sshd) and root (sshd's
// privilege separation). Without either, Start fails the test with a hint
// to install it, or skips it when SERVERSTATS_SKIP_SSHD=1 outside CI (the
// rule of package testenv). Everything is
// cleaned up by t.Cleanup: only processes this package started, or that its
// servers started, are killed.
package sshdtest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"serverstats/collectors/testenv"
)

// SSHDPath is where Debian's openssh-server installs sshd (it must be started
// with an absolute path).
const SSHDPath = "/usr/sbin/sshd"

const (
	startAttempts = 5
	readyTimeout  = 10 * time.Second
	stopTimeout   = 3 * time.Second
)

// Fleet is a set of running sshd servers sharing one user key.
type Fleet struct {
	Servers            []*Server
	Dir                string // temporary directory holding every file below
	User               string // the user to log in as (the current user)
	UserKeyPath        string // unencrypted ed25519 private key (OpenSSH format), authorised on every server
	UserPublicKey      ssh.PublicKey
	AuthorizedKeysPath string
	KnownHostsPath     string // every server's current host key, written by Start

	t     testing.TB
	id    string   // unique per fleet, tags the processes its servers start
	users []string // added by AddUser, deleted by cleanup
}

// Server is one sshd of a Fleet.
type Server struct {
	Label       string // "host1", "host2", ...: the SERVERSTATS_HOST value
	Name        string // "127.0.0.1:PORT", usable as a serverstats target
	Host        string // "127.0.0.1"
	Port        int
	HostKeyPath string
	HostKey     ssh.PublicKey // the current (ed25519) host key
	ConfigPath  string
	// ExtraHostKeys are more host keys the server offers (AddECDSAHostKey).
	ExtraHostKeys []ssh.PublicKey

	extraKeyPaths []string

	fleet *Fleet
	mu    sync.Mutex
	proc  *process // nil when stopped
}

// process is a started sshd.
type process struct {
	cmd     *exec.Cmd
	exited  chan struct{}
	logPath string
}

// Start starts n sshd servers (host1..hostN) and registers their cleanup
// with t. It fails the test if they cannot be started.
func Start(t testing.TB, n int) *Fleet {
	t.Helper()
	_, err := os.Stat(SSHDPath)
	testenv.Need(t, "SSHD", err, "sshd not found: install openssh-server (apt-get install -y openssh-server)")
	if os.Geteuid() != 0 {
		testenv.Missing(t, "SSHD", "sshdtest needs root to run sshd (privilege separation, logging in as yourself)")
	}
	// sshd's privilege separation needs this directory.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatalf("create /run/sshd for sshd: %v", err)
	}
	u, err := user.Current()
	if err != nil {
		t.Fatalf("look up current user: %v", err)
	}
	var idb [6]byte
	_, _ = rand.Read(idb[:])
	f := &Fleet{Dir: t.TempDir(), User: u.Username, t: t, id: hex.EncodeToString(idb[:])}
	if err := os.Mkdir(filepath.Join(f.Dir, "home"), 0o700); err != nil {
		t.Fatalf("create fleet home: %v", err)
	}
	t.Cleanup(f.cleanup)

	f.UserKeyPath = filepath.Join(f.Dir, "id_user")
	f.UserPublicKey = writeKey(t, f.UserKeyPath, "serverstats-test-user")
	f.AuthorizedKeysPath = filepath.Join(f.Dir, "authorized_keys")
	if err := os.WriteFile(f.AuthorizedKeysPath, ssh.MarshalAuthorizedKey(f.UserPublicKey), 0o600); err != nil {
		t.Fatalf("write authorized_keys: %v", err)
	}

	for i := 1; i <= n; i++ {
		s := &Server{Label: fmt.Sprintf("host%d", i), Host: "127.0.0.1", fleet: f}
		s.HostKeyPath = filepath.Join(f.Dir, s.Label+"_ed25519")
		s.HostKey = writeKey(t, s.HostKeyPath, s.Label)
		s.ConfigPath = filepath.Join(f.Dir, s.Label+"_sshd_config")
		f.Servers = append(f.Servers, s)
		if err := s.start(); err != nil {
			t.Fatalf("start sshd %s: %v", s.Label, err)
		}
	}
	f.KnownHostsPath = f.WriteKnownHosts("known_hosts", f.Servers...)
	return f
}

// Names returns every server's Name ("127.0.0.1:PORT"), in order.
func (f *Fleet) Names() []string {
	var names []string
	for _, s := range f.Servers {
		names = append(names, s.Name)
	}
	return names
}

// WriteKnownHosts writes a known_hosts file called name in Dir listing the
// current host keys of servers (none: an empty file) and returns its path.
func (f *Fleet) WriteKnownHosts(name string, servers ...*Server) string {
	f.t.Helper()
	var b strings.Builder
	for _, s := range servers {
		b.WriteString(s.KnownHostsLine())
		b.WriteByte('\n')
	}
	return f.WriteFile(name, b.String())
}

// WriteSSHConfig writes an ssh_config file called name in Dir with a Host
// block per server, "Host hostN" with its HostName, Port, User, the fleet's
// IdentityFile and UserKnownHostsFile, and returns its path. extra, if not
// empty, is appended as is. It lets `ssh -F PATH host1 ...` and an SSH
// collector given the file reach the servers by label.
func (f *Fleet) WriteSSHConfig(name, extra string) string {
	f.t.Helper()
	var b strings.Builder
	for _, s := range f.Servers {
		fmt.Fprintf(&b, "Host %s\n\tHostName %s\n\tPort %d\n\tUser %s\n\tIdentityFile %s\n\tUserKnownHostsFile %s\n\tStrictHostKeyChecking yes\n\n",
			s.Label, s.Host, s.Port, f.User, f.UserKeyPath, f.KnownHostsPath)
	}
	b.WriteString(extra)
	return f.WriteFile(name, b.String())
}

// WriteFile writes content to the file called name in Dir (mode 0600) and
// returns its path.
func (f *Fleet) WriteFile(name, content string) string {
	f.t.Helper()
	p := filepath.Join(f.Dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		f.t.Fatalf("write %s: %v", p, err)
	}
	return p
}

// NewUserKey writes a fresh unencrypted ed25519 key called name in Dir,
// authorised nowhere, and returns its path and public key.
func (f *Fleet) NewUserKey(name string) (string, ssh.PublicKey) {
	f.t.Helper()
	p := filepath.Join(f.Dir, name)
	return p, writeKey(f.t, p, name)
}

// usersMu serialises this process's useradd and userdel runs (they lock
// /etc/passwd and fail rather than wait).
var usersMu sync.Mutex

// AddUser creates a system user (not root) whose login shell is shell, an
// absolute path, and returns its name; the fleet's user key logs in as it
// on every server, and t.Cleanup deletes it. Its home directory is an empty
// directory of the fleet, where its sessions start (HOME is still the
// fleet's shared home, made writable for it). It makes Dir and its parent
// searchable by everyone, so files there that are readable by everyone (a
// shell wrapper script) are usable by the user.
//
// It edits the machine's /etc/passwd with useradd (Debian's passwd
// package); the user's password is "*" (no password login, but not locked,
// which sshd without PAM would refuse).
func (f *Fleet) AddUser(shell string) string {
	f.t.Helper()
	if _, err := exec.LookPath("useradd"); err != nil {
		f.t.Fatalf("AddUser needs useradd (apt-get install -y passwd): %v", err)
	}
	if st, err := os.Stat(shell); err != nil || st.Mode()&0o111 == 0 {
		f.t.Fatalf("login shell %s is not an executable file (err %v); install it first (e.g. apt-get install -y csh fish)", shell, err)
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := "sst" + hex.EncodeToString(b[:])
	home := filepath.Join(f.Dir, "home-"+name)
	for _, d := range []string{filepath.Dir(f.Dir), f.Dir} {
		if err := os.Chmod(d, 0o711); err != nil {
			f.t.Fatalf("make %s searchable: %v", d, err)
		}
	}
	// sshd reads authorized_keys as the user logging in.
	if err := os.Chmod(f.AuthorizedKeysPath, 0o644); err != nil {
		f.t.Fatalf("make %s readable: %v", f.AuthorizedKeysPath, err)
	}
	if err := os.Chmod(filepath.Join(f.Dir, "home"), 0o1777); err != nil {
		f.t.Fatalf("make the fleet's home writable: %v", err)
	}
	if err := os.Mkdir(home, 0o755); err != nil {
		f.t.Fatalf("create home of %s: %v", name, err)
	}
	if out, err := userCmd("useradd", "--system", "-M", "-N", "-d", home, "-s", shell, "-p", "*", name); err != nil {
		f.t.Fatalf("create test user %s: %v: %s", name, err, out)
	}
	f.users = append(f.users, name)
	u, err := user.Lookup(name)
	if err != nil {
		f.t.Fatalf("look up test user %s: %v", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(home, uid, gid); err != nil {
		f.t.Fatalf("chown home of %s: %v", name, err)
	}
	return name
}

// userCmd runs useradd or userdel, trying again for up to 5 s while another
// process holds the lock on /etc/passwd.
func userCmd(name string, args ...string) ([]byte, error) {
	usersMu.Lock()
	defer usersMu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for {
		out, err := exec.Command(name, args...).CombinedOutput()
		if err == nil || !bytes.Contains(out, []byte("lock")) || time.Now().After(deadline) {
			return out, err
		}
		time.Sleep(50 * time.Millisecond) // bounded by deadline
	}
}

// KnownHostsLine is the server's known_hosts line for its current host key.
func (s *Server) KnownHostsLine() string {
	return fmt.Sprintf("[%s]:%d %s", s.Host, s.Port, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.HostKey))))
}

// Running reports whether the server's sshd is running.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return false
	}
	select {
	case <-s.proc.exited:
		return false
	default:
		return true
	}
}

// Stop stops the server: its sshd and every process its sessions started.
// Its port is closed afterwards (until Restart).
func (s *Server) Stop() {
	s.fleet.t.Helper()
	if err := s.stop(); err != nil {
		s.fleet.t.Errorf("stop sshd %s: %v", s.Label, err)
	}
}

// Restart stops the server if it is running and starts it again on the same
// port with its current host key.
func (s *Server) Restart() {
	s.fleet.t.Helper()
	if err := s.stop(); err != nil {
		s.fleet.t.Fatalf("stop sshd %s: %v", s.Label, err)
	}
	if err := s.start(); err != nil {
		s.fleet.t.Fatalf("restart sshd %s: %v", s.Label, err)
	}
}

// RotateHostKey gives the server a new ed25519 host key and restarts it; the
// fleet's known_hosts file still has the old key. It returns the new key.
func (s *Server) RotateHostKey() ssh.PublicKey {
	s.fleet.t.Helper()
	if err := s.stop(); err != nil {
		s.fleet.t.Fatalf("stop sshd %s: %v", s.Label, err)
	}
	s.HostKey = writeKey(s.fleet.t, s.HostKeyPath, s.Label)
	if err := s.start(); err != nil {
		s.fleet.t.Fatalf("restart sshd %s: %v", s.Label, err)
	}
	return s.HostKey
}

// AddECDSAHostKey gives the server a second host key, ECDSA P-256, and
// restarts it; known_hosts files are not changed. It returns the new key.
// A client that does not restrict its host key algorithms to those
// known_hosts lists would be shown this key first by sshd.
func (s *Server) AddECDSAHostKey() ssh.PublicKey {
	s.fleet.t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		s.fleet.t.Fatalf("generate ECDSA key: %v", err)
	}
	path := fmt.Sprintf("%s_ecdsa%d", strings.TrimSuffix(s.HostKeyPath, "_ed25519"), len(s.extraKeyPaths))
	pub := writePrivateKey(s.fleet.t, path, priv, &priv.PublicKey, s.Label)
	if err := s.stop(); err != nil {
		s.fleet.t.Fatalf("stop sshd %s: %v", s.Label, err)
	}
	s.extraKeyPaths = append(s.extraKeyPaths, path)
	s.ExtraHostKeys = append(s.ExtraHostKeys, pub)
	if err := s.start(); err != nil {
		s.fleet.t.Fatalf("restart sshd %s: %v", s.Label, err)
	}
	return pub
}

// Pids returns the live processes that this server's sessions started (found
// by an environment tag) whose command line, arguments joined by spaces, is
// cmdline. Zombies are not counted.
func (s *Server) Pids(cmdline string) []int {
	var pids []int
	for _, p := range listProcs() {
		if p.state != 'Z' && p.cmdline == cmdline && p.hasEnv(s.tag()) {
			pids = append(pids, p.pid)
		}
	}
	return pids
}

// Log returns the last 64 KiB of the server's sshd log (its stderr, with
// LogLevel VERBOSE), across restarts.
func (s *Server) Log() string {
	return tail(filepath.Join(s.fleet.Dir, s.Label+".log"), 64<<10)
}

func (s *Server) tag() string { return "SERVERSTATS_SSHD=" + s.fleet.id + "-" + s.Label }

// start starts sshd: on s.Port if set (Restart), else on a free port, trying
// again with a new port if another process took it meanwhile.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	fixed := s.Port != 0
	var lastErr error
	for attempt := 0; attempt < startAttempts; attempt++ {
		port := s.Port
		if !fixed {
			p, err := freePort()
			if err != nil {
				return err
			}
			port = p
		}
		p, err := s.launch(port)
		if err != nil {
			return err
		}
		if err = waitReady(port, s.HostKey, p, readyTimeout); err == nil {
			s.proc, s.Port, s.Name = p, port, net.JoinHostPort(s.Host, strconv.Itoa(port))
			return nil
		}
		killTree(p)
		lastErr = fmt.Errorf("port %d: %w; sshd log:\n%s", port, err, tail(p.logPath, 4<<10))
		if fixed {
			time.Sleep(100 * time.Millisecond) // bounded: startAttempts tries
		}
	}
	return lastErr
}

// launch writes the config for port and starts sshd in its own process group.
func (s *Server) launch(port int) (*process, error) {
	f := s.fleet
	cfg := strings.Join([]string{
		"ListenAddress 127.0.0.1",
		"Port " + strconv.Itoa(port),
		"HostKey " + strings.Join(append([]string{s.HostKeyPath}, s.extraKeyPaths...), "\nHostKey "),
		"AuthorizedKeysFile " + f.AuthorizedKeysPath,
		"PidFile " + filepath.Join(f.Dir, s.Label+".pid"),
		"StrictModes no",
		"UsePAM no",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"PubkeyAuthentication yes",
		"PermitRootLogin yes",
		"AllowTcpForwarding yes",
		"PrintMotd no",
		"PrintLastLog no",
		"MaxStartups 200:30:400",
		"MaxSessions 100",
		"MaxAuthTries 10",
		"LogLevel VERBOSE",
		"SetEnv SERVERSTATS_HOST=" + s.Label + " " + s.tag() + " HOME=" + filepath.Join(f.Dir, "home"),
		"",
	}, "\n")
	if err := os.WriteFile(s.ConfigPath, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	// The log is a file, not a pipe: sshd's children inherit it, and a pipe
	// would keep Wait waiting for them.
	logPath := filepath.Join(f.Dir, s.Label+".log")
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	p := &process{exited: make(chan struct{}), logPath: logPath}
	p.cmd = exec.Command(SSHDPath, "-D", "-e", "-f", s.ConfigPath)
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", SSHDPath, err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// stop kills the running sshd, if any, and what its sessions started.
func (s *Server) stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return nil
	}
	p := s.proc
	s.proc = nil
	// Connection handlers call setsid, so they are not in sshd's process
	// group: kill sshd's descendants and the tagged session processes too.
	victims := descendants(p.cmd.Process.Pid)
	for _, q := range listProcs() {
		if q.hasEnv(s.tag()) {
			victims = append(victims, q.pid)
		}
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	for _, pid := range victims {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	select {
	case <-p.exited:
		return nil
	case <-time.After(stopTimeout):
		return fmt.Errorf("sshd pid %d still running %s after SIGKILL", p.cmd.Process.Pid, stopTimeout)
	}
}

func (f *Fleet) cleanup() {
	for _, s := range f.Servers {
		if f.t.Failed() {
			if l := s.Log(); l != "" {
				f.t.Logf("sshd %s (%s) log:\n%s", s.Label, s.Name, l)
			}
		}
		if err := s.stop(); err != nil {
			f.t.Errorf("stop sshd %s: %v", s.Label, err)
		}
	}
	// After the servers, so that no session of the user is left.
	for _, name := range f.users {
		if out, err := userCmd("userdel", "-f", name); err != nil {
			f.t.Errorf("delete test user %s: %v: %s", name, err, out)
		}
	}
}

// killTree kills a started sshd that did not become ready.
func killTree(p *process) {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-p.exited:
	case <-time.After(stopTimeout):
	}
}

// freePort returns a port that was free on 127.0.0.1 a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

var errProbeDone = errors.New("sshdtest: probe done")

// waitReady polls until the sshd on port answers with hostKey (so it is ours,
// not another process that took the port), p exits, or timeout passes.
func waitReady(port int, hostKey ssh.PublicKey, p *process, timeout time.Duration) error {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	want := hostKey.Marshal()
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-p.exited:
			return fmt.Errorf("sshd exited: %v", p.cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sshd not ready after %s", timeout)
		}
		if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			var ours bool
			_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
			_, _, _, err := ssh.NewClientConn(conn, addr, &ssh.ClientConfig{
				User: "probe",
				HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
					ours = bytes.Equal(key.Marshal(), want)
					return errProbeDone
				},
				HostKeyAlgorithms: []string{hostKey.Type()},
			})
			conn.Close()
			if errors.Is(err, errProbeDone) && ours {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// writeKey generates an ed25519 key, writes the private key to path (0600,
// OpenSSH format) and the public key to path+".pub", and returns the latter.
func writeKey(t testing.TB, path, comment string) ssh.PublicKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	return writePrivateKey(t, path, priv, pub, comment)
}

// writePrivateKey writes priv to path (0600, OpenSSH format) and pub to
// path+".pub", and returns pub as an SSH public key.
func writePrivateKey(t testing.TB, path string, priv crypto.PrivateKey, pub crypto.PublicKey, comment string) ssh.PublicKey {
	t.Helper()
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		t.Fatalf("marshal key: %v", err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatalf("write key: %v", err)
	}
	spub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatalf("convert public key: %v", err)
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(spub))) + " " + comment + "\n"
	if err := os.WriteFile(path+".pub", []byte(line), 0o644); err != nil {
		t.Fatalf("write public key: %v", err)
	}
	return spub
}

// tail returns the last max bytes of the file at path ("" if unreadable).
func tail(path string, max int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	off := st.Size() - max
	if off < 0 {
		off = 0
	}
	b := make([]byte, st.Size()-off)
	n, _ := f.ReadAt(b, off)
	return string(b[:n])
}
