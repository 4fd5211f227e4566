package collectors_test

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"serverstats/collectors"
	"serverstats/collectors/testenv"
)

var tcpFields = []string{"connected", "latency_ms", "banner", "error"}

// bannerServer listens on 127.0.0.1: it greets with banner, or, when banner
// is "", echoes the first line it reads in upper case.
func bannerServer(t *testing.T, banner string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				if banner != "" {
					c.Write([]byte(banner + "\r\n"))
				} else {
					line, _ := bufio.NewReader(c).ReadString('\n')
					c.Write([]byte(strings.ToUpper(line)))
				}
				time.Sleep(100 * time.Millisecond)
			}()
		}
	}()
	return ln.Addr().String()
}

func runTCP(t *testing.T, p *collectors.TCPProbe) (collectors.Result, map[string]string) {
	t.Helper()
	r := p.Run(context.Background(), collectors.Target{Name: "local", Local: true}, "")
	return r, fieldMap(t, r, tcpFields...)
}

func TestTCPProbe(t *testing.T) {
	addr := bannerServer(t, "SSH-2.0-Fake_1.0")
	r, f := runTCP(t, &collectors.TCPProbe{Addr: addr, Expect: "SSH-2.0"})
	if r.Err != nil || f["connected"] != "true" || f["banner"] != "SSH-2.0-Fake_1.0" || f["error"] != "" || f["latency_ms"] == "" {
		t.Errorf("banner: err %v fields %v", r.Err, f)
	}
	// Expect not met: still connected, error says why.
	_, f = runTCP(t, &collectors.TCPProbe{Addr: addr, Expect: "HTTP/1.1"})
	if f["connected"] != "true" || !strings.Contains(f["error"], "HTTP/1.1") {
		t.Errorf("wrong banner: %v", f)
	}
	// Connect only: no banner read.
	_, f = runTCP(t, &collectors.TCPProbe{Addr: addr})
	if f["connected"] != "true" || f["banner"] != "" || f["error"] != "" {
		t.Errorf("connect only: %v", f)
	}
	// Send and read the answer.
	echo := bannerServer(t, "")
	_, f = runTCP(t, &collectors.TCPProbe{Addr: echo, Send: "ping\n", Expect: "PING"})
	if f["banner"] != "PING" || f["error"] != "" {
		t.Errorf("send: %v", f)
	}
	// ":port" means the local machine for a local target.
	_, port, _ := net.SplitHostPort(addr)
	_, f = runTCP(t, &collectors.TCPProbe{Addr: ":" + port})
	if f["connected"] != "true" {
		t.Errorf(":port: %v", f)
	}
}

func TestTCPProbeClosedPort(t *testing.T) {
	r, f := runTCP(t, &collectors.TCPProbe{Addr: closedPort(t), Expect: "x"})
	if r.Err != nil || f["connected"] != "false" || !strings.Contains(f["error"], "refused") || f["latency_ms"] != "" {
		t.Errorf("err %v fields %v", r.Err, f)
	}
}

func TestTCPProbeSilentServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	start := time.Now()
	// The timeout covers the connect too: long enough for a loaded machine
	// to connect (the kernel accepts), far shorter than the silence.
	const limit = 2 * time.Second
	r, f := runTCP(t, &collectors.TCPProbe{Addr: ln.Addr().String(), Expect: "hello", Timeout: limit})
	if el := time.Since(start); el < limit || el > testenv.NoHang(limit) {
		t.Errorf("took %s with a %v timeout, want within [%v, %v]", el, limit, limit, testenv.NoHang(limit))
	}
	if r.Err != nil || f["connected"] != "true" || !strings.Contains(f["error"], "no answer within") {
		t.Errorf("err %v fields %v", r.Err, f)
	}
}
