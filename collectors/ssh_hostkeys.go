package collectors

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// hostKeyCheck is the host key verification for one connection.
type hostKeyCheck struct {
	callback   ssh.HostKeyCallback
	algorithms []string // HostKeyAlgorithms to offer; nil means the library's default
	knownTypes []string // key types known_hosts lists for the host
	lookup     string   // the host's name in known_hosts: "host" or "[host]:port"

	mu      sync.Mutex
	verdict error // why the callback refused the key
	passed  bool  // the callback accepted the key
}

func (h *hostKeyCheck) refuse(err error) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.verdict = err
	return err
}

func (h *hostKeyCheck) accept() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.passed = true
}

func (h *hostKeyCheck) result() (verdict error, passed bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.verdict, h.passed
}

// hostKeyCheck prepares the host key verification for hc according to the
// policy. known_hosts is checked for changes on every connection, so keys
// added by hand or by another process are seen at once.
func (s *SSH) hostKeyCheck(hc hostConfig) (*hostKeyCheck, error) {
	checkAddr := hc.addr()
	if hc.hostKeyAlias != "" {
		checkAddr = net.JoinHostPort(hc.hostKeyAlias, strconv.Itoa(DefaultSSHPort))
	}
	h := &hostKeyCheck{lookup: knownhosts.Normalize(checkAddr)}

	if s.opts.HostKeyPolicy == PolicyInsecureIgnore {
		h.callback = func(_ string, _ net.Addr, key ssh.PublicKey) error {
			s.log.Warn("host key NOT verified (host-key-policy: insecure-ignore)", "host", hc.addr(), "key", ssh.FingerprintSHA256(key))
			h.accept()
			return nil
		}
		return h, nil
	}

	db, err := s.loadKnownHosts(hc)
	if err != nil {
		return nil, err
	}
	// Ask the database which keys it has for this host, so the server is
	// asked for a key of a known type (an ed25519 entry must not get an RSA
	// key offered first and refused as "changed").
	var ke *knownhosts.KeyError
	if err := db(checkAddr, probeAddr(), probeKey{}); errors.As(err, &ke) {
		for _, k := range ke.Want {
			if t := k.Key.Type(); !slices.Contains(h.knownTypes, t) {
				h.knownTypes = append(h.knownTypes, t)
			}
		}
		h.algorithms = hostKeyAlgorithms(h.knownTypes)
	}

	h.callback = func(_ string, remote net.Addr, key ssh.PublicKey) error {
		err := db(checkAddr, remote, key)
		if err == nil {
			h.accept()
			return nil
		}
		var ke *knownhosts.KeyError
		var re *knownhosts.RevokedError
		switch {
		case errors.As(err, &ke) && len(ke.Want) == 0:
			if s.opts.HostKeyPolicy == PolicyAcceptNew {
				if err := s.addKnownHost(hc, checkAddr, key); err != nil {
					return h.refuse(err)
				}
				h.accept()
				return nil
			}
			return h.refuse(s.unknownKeyErr(hc, h.lookup, key))
		case errors.As(err, &ke):
			return h.refuse(s.changedKeyErr(hc, h.lookup, key, ke.Want))
		case errors.As(err, &re):
			return h.refuse(fmt.Errorf("verify host key of %s: %w: the server offered %s key %s, which is marked @revoked in %s:%d",
				hc.addr(), ErrHostKeyChanged, key.Type(), ssh.FingerprintSHA256(key), re.Revoked.Filename, re.Revoked.Line))
		default:
			return h.refuse(fmt.Errorf("verify host key of %s: %w: %w", hc.addr(), ErrHostKeyUnknown, err))
		}
	}
	return h, nil
}

// loadKnownHosts returns the known_hosts database of hc: its user files
// (ssh_config UserKnownHostsFile, else SSHOptions.KnownHosts) and the
// global ones (GlobalKnownHostsFile, else DefaultGlobalKnownHosts); a
// missing file is empty, a line that cannot be read is skipped with a
// warning. The files are parsed again only when one has changed (another
// inode, size, modification or change time) since they were last parsed:
// every connection still sees keys added by hand or by another process,
// but a fleet of N hosts does not parse N lines per connection, nor keep a
// copy of the database per connection (the callback lives as long as the
// connection).
func (s *SSH) loadKnownHosts(hc hostConfig) (ssh.HostKeyCallback, error) {
	files := append(slices.Clone(hc.knownHosts), hc.globalKnownHosts...)
	return s.known.load(files, s.log)
}

// knownHostsCache holds the last parsed database of each set of files.
type knownHostsCache struct {
	mu   sync.Mutex
	sets map[string]*knownHostsSet // by the files, joined by newlines
}

type knownHostsSet struct {
	ids []fileID
	db  ssh.HostKeyCallback
}

// fileID tells whether a file has changed.
type fileID struct {
	exists       bool
	ino          uint64
	size         int64
	mtime, ctime syscall.Timespec
}

func statID(path string) (fileID, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		if errors.Is(err, syscall.ENOENT) {
			return fileID{}, nil
		}
		return fileID{}, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	return fileID{exists: true, ino: st.Ino, size: st.Size, mtime: st.Mtim, ctime: st.Ctim}, nil
}

func (c *knownHostsCache) load(files []string, log *slog.Logger) (ssh.HostKeyCallback, error) {
	ids := make([]fileID, len(files))
	for i, f := range files {
		id, err := statID(f)
		if err != nil {
			return nil, fmt.Errorf("read known_hosts: %w: %w", ErrHostKeyUnknown, err)
		}
		ids[i] = id
	}
	key := strings.Join(files, "\n")
	c.mu.Lock()
	defer c.mu.Unlock()
	if set := c.sets[key]; set != nil && slices.Equal(set.ids, ids) {
		return set.db, nil
	}
	db, warnings, err := readKnownHosts(files)
	if err != nil {
		return nil, fmt.Errorf("read known_hosts: %w: %w", ErrHostKeyUnknown, err)
	}
	for _, w := range warnings {
		log.Warn("known_hosts line not read; the other hosts are still checked", "line", w)
	}
	if c.sets == nil {
		c.sets = map[string]*knownHostsSet{}
	}
	c.sets[key] = &knownHostsSet{ids: ids, db: db}
	return db, nil
}

func (s *SSH) unknownKeyErr(hc hostConfig, lookup string, key ssh.PublicKey) error {
	where := hc.userKnownHosts()
	if _, err := os.Stat(hc.userKnownHosts()); errors.Is(err, os.ErrNotExist) {
		where += " (which does not exist)"
	}
	scan := "ssh-keyscan "
	if hc.port != DefaultSSHPort {
		scan += "-p " + strconv.Itoa(hc.port) + " "
	}
	scan += hc.host
	return fmt.Errorf("verify host key of %s: %w: the server offered %s key %s, which %s does not list for %s; if that is the host's key, add it with `%s >> %s` (or set host-key-policy: accept-new)",
		hc.addr(), ErrHostKeyUnknown, key.Type(), ssh.FingerprintSHA256(key), where, lookup, scan, hc.userKnownHosts())
}

func (s *SSH) changedKeyErr(hc hostConfig, lookup string, key ssh.PublicKey, want []knownhosts.KnownKey) error {
	var known []string
	for _, k := range want {
		known = append(known, fmt.Sprintf("%s key %s (%s:%d)", k.Key.Type(), ssh.FingerprintSHA256(k.Key), k.Filename, k.Line))
	}
	return fmt.Errorf("verify host key of %s: %w: the server offered %s key %s but known_hosts has %s; someone may be intercepting the connection, or the host was reinstalled; if the change is expected, remove the old key with `ssh-keygen -R '%s' -f %s` and add the new one",
		hc.addr(), ErrHostKeyChanged, key.Type(), ssh.FingerprintSHA256(key), strings.Join(known, ", "), lookup, hc.userKnownHosts())
}

// addKnownHost appends key for checkAddr to known_hosts (policy accept-new).
// It takes an exclusive flock on the file, re-reads it under the lock (another
// process or connection may have added the host meanwhile, possibly with a
// different key) and appends one line, hashed if HashKnownHosts says so.
func (s *SSH) addKnownHost(hc hostConfig, checkAddr string, key ssh.PublicKey) error {
	s.knownMu.Lock()
	defer s.knownMu.Unlock()
	fail := func(err error) error {
		return fmt.Errorf("add host key of %s to %s: %w: %w", hc.addr(), hc.userKnownHosts(), ErrHostKeyUnknown, err)
	}

	if err := os.MkdirAll(filepath.Dir(hc.userKnownHosts()), 0o700); err != nil {
		return fail(err)
	}
	f, err := os.OpenFile(hc.userKnownHosts(), os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	if err := lockFile(f, 5*time.Second); err != nil {
		return fail(err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)

	db, _, err := readKnownHosts([]string{hc.userKnownHosts()})
	if err != nil {
		return fail(err)
	}
	var ke *knownhosts.KeyError
	switch err := db(checkAddr, probeAddr(), key); {
	case err == nil:
		return nil // added meanwhile
	case errors.As(err, &ke) && len(ke.Want) > 0:
		return s.changedKeyErr(hc, knownhosts.Normalize(checkAddr), key, ke.Want)
	}

	name := knownhosts.Normalize(checkAddr)
	if hc.hashKnownHosts {
		name = knownhosts.HashHostname(name)
	}
	line := knownhosts.Line([]string{name}, key) + "\n"
	if needsNewline(f) {
		line = "\n" + line
	}
	if _, err := f.WriteString(line); err != nil {
		return fail(err)
	}
	s.log.Info("added host key to known_hosts (host-key-policy: accept-new)", "host", hc.addr(), "key", key.Type()+" "+ssh.FingerprintSHA256(key), "file", hc.userKnownHosts())
	return nil
}

// needsNewline reports whether f is non-empty and does not end in a newline.
func needsNewline(f *os.File) bool {
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return false
	}
	var b [1]byte
	if _, err := f.ReadAt(b[:], st.Size()-1); err != nil && err != io.EOF {
		return false
	}
	return b[0] != '\n'
}

// lockFile takes an exclusive flock on f, polling for at most wait.
func lockFile(f *os.File, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			return fmt.Errorf("lock file: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// hostKeyAlgorithms lists the host key algorithms that can produce keys of
// the given types, strongest first.
func hostKeyAlgorithms(types []string) []string {
	order := []string{
		ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521,
		ssh.KeyAlgoSKED25519, ssh.KeyAlgoSKECDSA256, ssh.KeyAlgoRSA,
	}
	var algos []string
	add := func(t string) {
		if t == ssh.KeyAlgoRSA {
			algos = append(algos, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
			return
		}
		algos = append(algos, t)
	}
	for _, t := range order {
		if slices.Contains(types, t) {
			add(t)
		}
	}
	for _, t := range types {
		if !slices.Contains(order, t) {
			add(t)
		}
	}
	return algos
}

// probeAddr stands in for the remote address when asking the known_hosts
// database about a host (the host name is what is looked up).
func probeAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4zero, Port: 22} }

// probeKey is a public key that matches nothing, used to make the
// known_hosts database list the keys it has for a host.
type probeKey struct{}

func (probeKey) Type() string    { return "serverstats-probe" }
func (probeKey) Marshal() []byte { return []byte("\x00\x00\x00\x11serverstats-probe") }
func (probeKey) Verify(_ []byte, _ *ssh.Signature) error {
	return errors.New("probe key verifies nothing")
}
