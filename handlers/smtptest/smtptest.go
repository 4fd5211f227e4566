// Package smtptest starts a real SMTP server (Debian's python3-aiosmtpd,
// driven by smtpd.py beside this file) for tests: STARTTLS, implicit TLS or
// plain, optional AUTH, every received message written to a directory.
package smtptest

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	netmail "net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"serverstats/collectors/testenv"
)

// script is the path of smtpd.py, found beside this source file.
func script() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "smtpd.py")
}

// SystemPython is Debian's python3, which has python3-aiosmtpd (the PATH may
// lead to another python without it).
const SystemPython = "/usr/bin/python3"

// The AUTH credentials of a server started with auth.
const (
	User     = "alerts"
	Password = "pw-Secret-7f3a9" // recognisable, to look for in errors
)

// Server is a running smtpd.py (aiosmtpd).
type Server struct {
	Addr    string // 127.0.0.1:PORT
	Maildir string
	CAFile  string // the CA that signed the server's certificate
}

// Need fails the test when the system python lacks aiosmtpd (or skips it
// with SERVERSTATS_SKIP_SMTP=1 outside CI: the rule of package testenv).
func Need(t testing.TB) {
	t.Helper()
	out, err := exec.Command(SystemPython, "-c", "import aiosmtpd").CombinedOutput()
	if err != nil {
		testenv.Missing(t, "SMTP", fmt.Sprintf("%s cannot import aiosmtpd (%v: %s): install it with apt-get install -y python3-aiosmtpd", SystemPython, err, bytes.TrimSpace(out)))
	}
	testenv.Check(t, "SMTP")
}

// CA writes a CA certificate and a server certificate for 127.0.0.1
// and localhost, signed by it, into dir.
func CA(t testing.TB, dir string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "serverstats test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("cert.pem", "CERTIFICATE", der), write("key.pem", "EC PRIVATE KEY", keyDER)
}

// Start starts smtpd.py in mode (starttls, tls, plain), with
// AUTH for User/Password when auth is set, and extra arguments.
// t.Cleanup stops it.
func Start(t testing.TB, mode string, auth bool, extra ...string) *Server {
	t.Helper()
	Need(t)
	dir := t.TempDir()
	s := &Server{Maildir: filepath.Join(dir, "mail")}
	if err := os.Mkdir(s.Maildir, 0o700); err != nil {
		t.Fatal(err)
	}
	var certFile, keyFile string
	s.CAFile, certFile, keyFile = CA(t, dir)
	args := []string{script(), "--mode", mode, "--cert", certFile, "--key", keyFile, "--maildir", s.Maildir}
	if auth {
		args = append(args, "--user", User, "--password", Password)
	}
	args = append(args, extra...)
	cmd := exec.Command(SystemPython, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr // read only after Wait
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		stdin.Close() // the server stops when its stdin closes
		select {
		case <-exited:
		case <-time.After(3 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("smtpd.py stderr:\n%s", stderr.String())
		}
	})
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- line
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case line := <-ready:
		port, ok := strings.CutPrefix(strings.TrimSpace(line), "READY ")
		if !ok {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
			t.Fatalf("smtpd.py did not start: %q\n%s", line, stderr.String())
		}
		s.Addr = "127.0.0.1:" + port
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		t.Fatalf("smtpd.py not ready after 15s:\n%s", stderr.String())
	}
	return s
}

// Messages returns the messages the server received, in order.
func (s *Server) Messages(t testing.TB) []*netmail.Message {
	t.Helper()
	var out []*netmail.Message
	for i := 1; ; i++ {
		b, err := os.ReadFile(filepath.Join(s.Maildir, fmt.Sprintf("%d.eml", i)))
		if errors.Is(err, os.ErrNotExist) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		m, err := netmail.ReadMessage(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("message %d: %v\n%s", i, err, b)
		}
		out = append(out, m)
	}
}
