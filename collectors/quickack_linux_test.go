package collectors

import (
	"net"
	"syscall"
	"testing"
)

// The client side of an SSH connection asks for immediate ACKs after every
// read (Linux clears the flag on its own, so once is not enough).
func TestQuickAckSetAfterEachRead(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() { c, _ := ln.Accept(); accepted <- c }()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c := quickAck(raw)
	defer c.Close()
	server := <-accepted
	defer server.Close()
	get := func() int {
		var v int
		sc, _ := raw.(*net.TCPConn).SyscallConn()
		_ = sc.Control(func(fd uintptr) { v, _ = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK) })
		return v
	}
	// Request and answer, as SSH does: this is what makes Linux delay ACKs
	// ("pingpong" mode), and what quickAck undoes.
	for i := range 5 {
		buf := make([]byte, 1)
		c.Write([]byte("q"))
		server.Read(buf)
		server.Write([]byte("x"))
		if _, err := c.Read(buf); err != nil {
			t.Fatal(err)
		}
		if v := get(); v != 1 {
			t.Fatalf("read %d: TCP_QUICKACK = %d, want 1", i, v)
		}
	}
	if _, ok := quickAck(&net.UnixConn{}).(*quickAckConn); ok {
		t.Error("a non-TCP connection was wrapped")
	}
}
