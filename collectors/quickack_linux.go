package collectors

import (
	"net"
	"syscall"
)

// quickAck makes the kernel acknowledge what c receives at once instead of
// delaying the ACK (up to 40 ms on Linux). sshd does not disable Nagle's
// algorithm on connections without a terminal, so it holds back a small
// packet (a channel-open confirmation, a command's exit status) until its
// previous one is acknowledged; with delayed ACKs every such exchange
// costs ~40 ms. Linux clears TCP_QUICKACK by itself, so it is set again
// after every read. Connections other than TCP sockets are returned as is.
func quickAck(c net.Conn) net.Conn {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return c
	}
	q := &quickAckConn{TCPConn: tc, raw: raw}
	q.set()
	return q
}

type quickAckConn struct {
	*net.TCPConn
	raw syscall.RawConn
}

func (c *quickAckConn) set() {
	_ = c.raw.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}

func (c *quickAckConn) Read(p []byte) (int, error) {
	n, err := c.TCPConn.Read(p)
	c.set()
	return n, err
}
