package sshdtest_test

import (
	"bytes"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"serverstats/collectors/sshdtest"
	"serverstats/collectors/testenv"
)

// dialAndRun logs in to s with the fleet's key and runs cmd.
func dialAndRun(t *testing.T, f *sshdtest.Fleet, s *sshdtest.Server, cmd string) (string, error) {
	t.Helper()
	b, err := os.ReadFile(f.UserKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(b)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ssh.Dial("tcp", s.Name, &ssh.ClientConfig{
		User:            f.User,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.FixedHostKey(s.HostKey),
		Timeout:         5 * time.Second,
	})
	if err != nil {
		return "", err
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		return "", err
	}
	defer sess.Close()
	out, err := sess.Output(cmd)
	return string(out), err
}

func TestFleet(t *testing.T) {
	f := sshdtest.Start(t, 2)
	if len(f.Servers) != 2 || len(f.Names()) != 2 {
		t.Fatalf("got %d servers", len(f.Servers))
	}
	kh, err := os.ReadFile(f.KnownHostsPath)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range f.Servers {
		if s.Name != net.JoinHostPort("127.0.0.1", itoa(s.Port)) {
			t.Errorf("server %d name %q port %d", i, s.Name, s.Port)
		}
		if !bytes.Contains(kh, []byte(s.KnownHostsLine())) || !strings.HasPrefix(s.KnownHostsLine(), "[127.0.0.1]:") {
			t.Errorf("known_hosts lacks %q", s.KnownHostsLine())
		}
		out, err := dialAndRun(t, f, s, "echo $SERVERSTATS_HOST; echo $HOME")
		if err != nil {
			t.Fatalf("%s: %v", s.Label, err)
		}
		if lines := strings.Fields(out); len(lines) != 2 || lines[0] != s.Label || !strings.HasPrefix(lines[1], f.Dir) {
			t.Errorf("%s answered %q, want its label and a HOME in the fleet", s.Label, out)
		}
	}

	s := f.Servers[0]
	port, key := s.Port, s.HostKey
	s.Stop()
	if s.Running() {
		t.Error("Running after Stop")
	}
	if c, err := net.DialTimeout("tcp", s.Name, time.Second); err == nil {
		c.Close()
		t.Error("port still open after Stop")
	}
	s.Restart()
	if !s.Running() || s.Port != port || !bytes.Equal(s.HostKey.Marshal(), key.Marshal()) {
		t.Errorf("Restart changed the port or key, or did not start")
	}
	if _, err := dialAndRun(t, f, s, "true"); err != nil {
		t.Errorf("after Restart: %v", err)
	}
	s.RotateHostKey()
	if bytes.Equal(s.HostKey.Marshal(), key.Marshal()) {
		t.Error("RotateHostKey kept the key")
	}
	if _, err := dialAndRun(t, f, s, "true"); err != nil {
		t.Errorf("after RotateHostKey (with the new key): %v", err)
	}
}

// Cleanup stops the servers and what their sessions started.
func TestCleanupKillsSessions(t *testing.T) {
	var name string
	var pids []int
	var s0 *sshdtest.Server
	t.Run("fleet", func(t *testing.T) {
		f := sshdtest.Start(t, 1)
		s0 = f.Servers[0]
		name = s0.Name
		b, _ := os.ReadFile(f.UserKeyPath)
		signer, _ := ssh.ParsePrivateKey(b)
		c, err := ssh.Dial("tcp", name, &ssh.ClientConfig{User: f.User, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, HostKeyCallback: ssh.FixedHostKey(s0.HostKey)})
		if err != nil {
			t.Fatal(err)
		}
		sess, _ := c.NewSession()
		if err := sess.Start("sleep 603"); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for len(pids) == 0 && time.Now().Before(deadline) {
			pids = s0.Pids("sleep 603")
			time.Sleep(20 * time.Millisecond)
		}
		if len(pids) != 1 {
			t.Fatalf("remote sleep not found: %v", pids)
		}
		// The connection is left open on purpose.
	})
	if c, err := net.DialTimeout("tcp", name, time.Second); err == nil {
		c.Close()
		t.Error("port still open after cleanup")
	}
	deadline := time.Now().Add(testenv.NoHang(0))
	for len(s0.Pids("sleep 603")) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if p := s0.Pids("sleep 603"); len(p) > 0 {
		t.Errorf("session process still running after cleanup: %v", p)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
