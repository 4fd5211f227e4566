package collectors_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"serverstats/collectors"
	"serverstats/collectors/testenv"
)

// fakeServer is an in-process SSH server (golang.org/x/crypto/ssh) that
// misbehaves on purpose, for what a real sshd will not do.
type fakeServer struct {
	addr       string
	knownHosts string // a known_hosts file listing its key
	keyPath    string // a user key it accepts (it accepts any key)

	// silentExec: leave exec requests unanswered (handle is not called).
	silentExec atomic.Bool

	mu    sync.Mutex
	conns []net.Conn
}

// startFakeServer serves sessions with handle; exec requests are answered
// with true before handle runs.
func startFakeServer(t *testing.T, handle func(ch ssh.Channel, reqs <-chan *ssh.Request)) *fakeServer {
	t.Helper()
	dir := t.TempDir()
	_, hostPriv, _ := ed25519.GenerateKey(rand.Reader)
	hostSigner, err := ssh.NewSignerFromKey(hostPriv)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(ssh.ConnMetadata, ssh.PublicKey) (*ssh.Permissions, error) { return nil, nil },
	}
	cfg.AddHostKey(hostSigner)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fs := &fakeServer{addr: l.Addr().String()}
	port := l.Addr().(*net.TCPAddr).Port
	fs.knownHosts = filepath.Join(dir, "known_hosts")
	line := fmt.Sprintf("[127.0.0.1]:%d %s", port, ssh.MarshalAuthorizedKey(hostSigner.PublicKey()))
	if err := os.WriteFile(fs.knownHosts, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	_, userPriv, _ := ed25519.GenerateKey(rand.Reader)
	block, _ := ssh.MarshalPrivateKey(userPriv, "")
	fs.keyPath = filepath.Join(dir, "id_user")
	if err := os.WriteFile(fs.keyPath, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	t.Cleanup(func() {
		l.Close()
		fs.mu.Lock()
		for _, c := range fs.conns {
			c.Close()
		}
		fs.mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			fs.mu.Lock()
			fs.conns = append(fs.conns, nc)
			fs.mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, chans, reqs, err := ssh.NewServerConn(nc, cfg)
				if err != nil {
					return
				}
				go ssh.DiscardRequests(reqs)
				first := true
				for nch := range chans {
					if !first {
						continue // never answer a second channel (the reaper's)
					}
					first = false
					ch, creqs, err := nch.Accept()
					if err != nil {
						return
					}
					wg.Add(1)
					go func() {
						defer wg.Done()
						for r := range creqs {
							if r.Type == "exec" && fs.silentExec.Load() {
								continue
							}
							if r.Type == "exec" {
								r.Reply(true, nil)
								handle(ch, creqs)
								return
							}
							r.Reply(false, nil)
						}
					}()
				}
			}()
		}
	}()
	return fs
}

func (fs *fakeServer) collector(t *testing.T, commandTimeout time.Duration) *collectors.SSH {
	t.Helper()
	c, err := collectors.NewSSH(collectors.SSHOptions{
		User:           "tester",
		KnownHosts:     fs.knownHosts,
		IdentityFiles:  []string{fs.keyPath},
		ConnectTimeout: 2 * time.Second,
		CommandTimeout: commandTimeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A server that ignores signals and never ends the command: Run still
// returns soon after the command timeout, saying the kill is not confirmed.
func TestSSHUncooperativeServerTimesOut(t *testing.T) {
	t.Parallel()
	fs := startFakeServer(t, func(ch ssh.Channel, reqs <-chan *ssh.Request) {
		ch.Write([]byte("partial output\n"))
		for r := range reqs { // ignore "signal" and everything else
			if r.WantReply {
				r.Reply(false, nil)
			}
		}
	})
	const limit = time.Second
	c := fs.collector(t, limit)
	start := time.Now()
	r := c.Run(context.Background(), collectors.Target{Name: fs.addr, Host: "127.0.0.1", Port: portOf(t, fs.addr)}, "sleep 600")
	el := time.Since(start)
	if !errors.Is(r.Err, collectors.ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", r.Err)
	}
	// killGrace (1 s) for the signal, killGrace for the fallback (whose
	// second session this server never opens); the command never ends.
	if bound := testenv.NoHang(limit + 2*time.Second); el < limit || el > bound {
		t.Errorf("Run returned after %v, want within [%v, %v]", el, limit, bound)
	}
	var te *collectors.TimeoutError
	if !errors.As(r.Err, &te) || !te.KillUnconfirmed {
		t.Errorf("err = %v, want a timeout whose kill is not confirmed", r.Err)
	}
	if string(r.Stdout) != "partial output\n" {
		t.Errorf("stdout = %q, want the partial output", r.Stdout)
	}
	t.Logf("uncooperative server, timeout %v: Run returned after %v", limit, el)
}

// A server that never answers the exec request: both transports still
// return soon after the command timeout, saying the kill is not confirmed.
func TestExecNeverAnsweredTimesOut(t *testing.T) {
	t.Parallel()
	fs := startFakeServer(t, func(ch ssh.Channel, reqs <-chan *ssh.Request) {})
	fs.silentExec.Store(true)
	const limit = time.Second
	c := fs.collector(t, limit)
	p, err := collectors.NewPool(collectors.SSHOptions{
		User:           "tester",
		KnownHosts:     fs.knownHosts,
		IdentityFiles:  []string{fs.keyPath},
		ConnectTimeout: 2 * time.Second,
		CommandTimeout: limit,
	}, collectors.PoolOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	tg := collectors.Target{Name: fs.addr, Host: "127.0.0.1", Port: portOf(t, fs.addr)}
	for name, coll := range map[string]collectors.Collector{"SSH.Run": c, "Pool.Run": p} {
		start := time.Now()
		r := coll.Run(context.Background(), tg, "sleep 600")
		el := time.Since(start)
		var te *collectors.TimeoutError
		if !errors.As(r.Err, &te) || !te.KillUnconfirmed {
			t.Errorf("%s: err = %v, want a timeout whose kill is not confirmed", name, r.Err)
		}
		// The server never answers: only the timeout and the kill's
		// bounded steps end the Run.
		if bound := testenv.NoHang(limit + 2*time.Second); el < limit || el > bound {
			t.Errorf("%s: Run returned after %v, want within [%v, %v]", name, el, limit, bound)
		}
	}
}

// A server that closes the session without an exit status: a transport
// error, not a result.
func TestSSHMissingExitStatusIsConnectError(t *testing.T) {
	t.Parallel()
	fs := startFakeServer(t, func(ch ssh.Channel, _ <-chan *ssh.Request) {
		ch.Write([]byte("half"))
		ch.Close()
	})
	c := fs.collector(t, 5*time.Second)
	r := c.Run(context.Background(), collectors.Target{Name: fs.addr, Host: "127.0.0.1", Port: portOf(t, fs.addr)}, "true")
	if !errors.Is(r.Err, collectors.ErrConnect) || !strings.Contains(r.Err.Error(), "without an exit status") {
		t.Fatalf("err = %v, want ErrConnect about the missing exit status", r.Err)
	}
}

// A command killed by a signal is a result with the shell's 128+N status.
func TestSSHExitSignalIsAResult(t *testing.T) {
	t.Parallel()
	fs := startFakeServer(t, func(ch ssh.Channel, _ <-chan *ssh.Request) {
		ch.SendRequest("exit-signal", false, ssh.Marshal(struct {
			Signal     string
			CoreDumped bool
			Error      string
			Lang       string
		}{Signal: "KILL"}))
		ch.Close()
	})
	c := fs.collector(t, 5*time.Second)
	r := c.Run(context.Background(), collectors.Target{Name: fs.addr, Host: "127.0.0.1", Port: portOf(t, fs.addr)}, "true")
	if r.Err != nil || r.ExitStatus != 137 {
		t.Fatalf("err = %v, exit = %d; want nil, 137", r.Err, r.ExitStatus)
	}
}

// The agent's keys are used; a passphrase-protected identity file is
// skipped with a debug log instead of failing.
func TestSSHAgentAndEncryptedKey(t *testing.T) {
	fs := startFakeServer(t, func(ch ssh.Channel, _ <-chan *ssh.Request) {
		ch.Write([]byte("ok\n"))
		ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{0}))
		ch.Close()
	})
	dir := t.TempDir()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	encrypted := filepath.Join(dir, "id_encrypted")
	if err := os.WriteFile(encrypted, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}

	keyring := agent.NewKeyring()
	if err := keyring.Add(agent.AddedKey{PrivateKey: priv}); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = agent.ServeAgent(keyring, c)
			}()
		}
	}()
	t.Setenv("SSH_AUTH_SOCK", sock)

	logs := &logBuffer{}
	c, err := collectors.NewSSH(collectors.SSHOptions{
		User:          "tester",
		KnownHosts:    fs.knownHosts,
		IdentityFiles: []string{encrypted},
		UseAgent:      true,
		Logger:        slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	r := c.Run(context.Background(), collectors.Target{Name: fs.addr, Host: "127.0.0.1", Port: portOf(t, fs.addr)}, "true")
	if r.Err != nil || string(r.Stdout) != "ok\n" {
		t.Fatalf("err = %v stdout %q, want ok through the agent", r.Err, r.Stdout)
	}
	if !strings.Contains(logs.String(), "passphrase") || strings.Contains(logs.String(), "secret") {
		t.Errorf("want a debug log about skipping the encrypted key (and no secrets):\n%s", logs.String())
	}
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	tg, err := collectors.ParseTarget(addr)
	if err != nil {
		t.Fatal(err)
	}
	return tg.Port
}
