package collectors

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"golang.org/x/crypto/ssh"
)

// DialFunc opens a network connection on behalf of a probe; HTTPProbe and
// TCPProbe take one to connect from somewhere other than this machine.
// (*SSH).Dial and (*Pool).Dial connect from the target host (`via: ssh`).
type DialFunc func(ctx context.Context, t Target, network, addr string) (net.Conn, error)

var (
	_ DialFunc = (*SSH)(nil).Dial
	_ DialFunc = (*Pool)(nil).Dial
)

// Dial opens a TCP connection from the remote host t to addr ("host:port" as
// seen from t, typically "127.0.0.1:8080" for a service bound to localhost
// there), tunnelled through a new SSH connection to t (a direct-tcpip
// channel, like `ssh -W`). Host keys, authentication, ProxyJump and the
// connect timeout are handled as in Run, with the same errors; a refused or
// unreachable addr on the remote side fails with ErrConnect. The SSH
// connection lives as long as the returned conn: closing it closes both.
// The server must allow TCP forwarding (OpenSSH: AllowTcpForwarding yes, the
// default).
func (s *SSH) Dial(ctx context.Context, t Target, network, addr string) (net.Conn, error) {
	hc, err := s.resolve(t, "")
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, s.opts.ConnectTimeout)
	defer cancel()
	sc, err := s.connect(cctx, hc, 0, nil)
	if err != nil {
		return nil, err
	}
	nc, err := sc.client.DialContext(cctx, network, addr)
	if err != nil {
		_ = sc.Close()
		return nil, forwardErr(cctx, hc, addr, err)
	}
	return &tunnelConn{Conn: nc, onClose: func() { _ = sc.Close() }}, nil
}

// Dial is SSH.Dial over t's pooled connection (dialed if needed, with the
// pool's backoff): many probes share one SSH connection, and closing the
// returned conn only closes its channel. If the pooled connection turns out
// to be broken, Dial dials once more.
func (p *Pool) Dial(ctx context.Context, t Target, network, addr string) (net.Conn, error) {
	hc, err := p.ssh.resolve(t, "")
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, p.ssh.opts.ConnectTimeout)
	defer cancel()
	for attempt := 0; ; attempt++ {
		c, fresh, err := p.conn(cctx, hc)
		if err != nil {
			return nil, err
		}
		nc, err := c.sc.client.DialContext(cctx, network, addr)
		if err == nil {
			return &tunnelConn{Conn: nc, onClose: func() { p.release(c) }}, nil
		}
		// The server rejects the channel when it cannot reach addr
		// (refused, no route, forwarding disabled): the connection is fine.
		var oce *ssh.OpenChannelError
		remoteRefused := errors.As(err, &oce)
		p.release(c)
		if remoteRefused || fresh || attempt > 0 || cctx.Err() != nil {
			return nil, forwardErr(cctx, hc, addr, err)
		}
		// The channel could not even be opened: the connection is probably
		// dead; retire it and dial again.
		p.retire(c, "could not open a forwarding channel: "+err.Error())
	}
}

// forwardErr describes a failed direct-tcpip channel.
func forwardErr(ctx context.Context, hc hostConfig, addr string, err error) error {
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("connect to %s from %s: %w: no answer in time", addr, hc.addr(), ErrTimeout)
		}
		return fmt.Errorf("connect to %s from %s: %w: canceled", addr, hc.addr(), ErrConnect)
	}
	var oce *ssh.OpenChannelError
	if errors.As(err, &oce) {
		return fmt.Errorf("connect to %s from %s: %w: %w: %s", addr, hc.addr(), ErrConnect, errRemoteUnreachable, oce.Message)
	}
	return fmt.Errorf("connect to %s from %s: %w: %w", addr, hc.addr(), ErrConnect, err)
}

// errRemoteUnreachable marks a Dial whose SSH connection worked but whose
// remote end could not reach the address (the server rejected the
// forwarding channel: refused, no route, forwarding disabled).
var errRemoteUnreachable = errors.New("unreachable from the remote host")

// tunnelConn is a forwarded connection that runs onClose once when closed.
type tunnelConn struct {
	net.Conn
	once    sync.Once
	onClose func()
}

func (c *tunnelConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.onClose)
	return err
}
