package collectors

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// DefaultProbeTimeout bounds a probe whose Timeout is zero.
const DefaultProbeTimeout = 10 * time.Second

// maxBanner bounds what TCPProbe reads of the first line.
const maxBanner = 4 << 10

// TCPProbe is a Collector that opens a TCP connection to Addr, optionally
// sends Send and reads the first line back (the banner). Its Result has no
// Stdout but Fields, one row:
//
//	connected   "true" or "false"
//	latency_ms  time to connect, in milliseconds ("" when not connected)
//	banner      the first line read (up to 4 KiB, trimmed), when Send or
//	            Expect is set
//	error       "" on success; why the connection failed, or that the
//	            banner did not contain Expect
//
// A refused, unreachable or silent port is an ordinary observation, not a
// transport failure: connected is "false", error says why and Result.Err is
// nil, so rules like `connected == false` fire on it (a probe has no other
// "transport" that could fail). Only a failure to reach the host through
// Dial itself (SSH connect, host key, auth with `via: ssh`) sets Result.Err,
// making the host UNKNOWN. Expect not found sets error but keeps
// connected "true".
type TCPProbe struct {
	Addr    string // "host:port"; see probeTargetAddr for an empty host (":22")
	Send    string // written after connecting, if not ""
	Expect  string // the banner must contain it, if not ""
	Timeout time.Duration
	// Dial opens the connection; nil dials from this machine. Use
	// (*SSH).Dial or (*Pool).Dial to connect from the target host.
	Dial DialFunc
}

var _ Collector = (*TCPProbe)(nil)

// TCPFields are the names of a TCPProbe's Fields, in order.
var TCPFields = []string{"connected", "latency_ms", "banner", "error"}

// Run probes p.Addr; the command argument is ignored.
func (p *TCPProbe) Run(ctx context.Context, t Target, _ string) (res Result) {
	start := time.Now()
	res.Target = t
	defer func() { res.Duration = time.Since(start) }()
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultProbeTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	f := map[string]string{"connected": "false"}
	defer func() {
		for _, n := range TCPFields {
			res.Fields = append(res.Fields, Field{n, f[n]})
		}
	}()

	addr := probeTargetAddr(p.Addr, t, p.Dial != nil)
	conn, err := dialProbe(ctx, p.Dial, t, "tcp", addr)
	if err != nil {
		f["error"] = err.Error()
		if p.Dial != nil && !isRemoteRefusal(err) {
			res.Err = err
		}
		return res
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	f["connected"] = "true"
	f["latency_ms"] = millis(time.Since(start))
	if p.Send == "" && p.Expect == "" {
		return res
	}
	if p.Send != "" {
		if _, err := io.WriteString(conn, p.Send); err != nil {
			f["error"] = "send: " + ioErrText(ctx, err, timeout)
			return res
		}
	}
	line, err := readLine(conn, maxBanner)
	f["banner"] = strings.TrimSpace(line)
	switch {
	case err != nil && line == "":
		f["error"] = "read banner: " + ioErrText(ctx, err, timeout)
	case p.Expect != "" && !strings.Contains(line, p.Expect):
		f["error"] = "banner does not contain " + strconv.Quote(p.Expect)
	}
	return res
}

// readLine reads up to the first newline or limit bytes.
func readLine(r io.Reader, limit int) (string, error) {
	br := bufio.NewReaderSize(io.LimitReader(r, int64(limit)), 512)
	var b strings.Builder
	for {
		c, err := br.ReadByte()
		if err != nil {
			return b.String(), err
		}
		if c == '\n' {
			return b.String(), nil
		}
		b.WriteByte(c)
	}
}

// probeTargetAddr fills in the host of an address with none (":8080"): the
// target's host, or 127.0.0.1 for a local target or when the connection is
// made from the target itself (remote).
func probeTargetAddr(addr string, t Target, remote bool) string {
	if h, port, err := net.SplitHostPort(addr); err == nil && h == "" {
		host := t.Host
		if t.Local || remote || host == "" {
			host = "127.0.0.1"
		}
		return net.JoinHostPort(host, port)
	}
	return addr
}

// dialProbe dials through d, or from this machine when d is nil; a local
// failure is described without the "dial tcp" noise.
func dialProbe(ctx context.Context, d DialFunc, t Target, network, addr string) (net.Conn, error) {
	if d != nil {
		return d(ctx, t, network, addr)
	}
	var nd net.Dialer
	c, err := nd.DialContext(ctx, network, addr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &probeError{kind: ErrTimeout, msg: "connect to " + addr + ": no answer in time"}
		}
		var op *net.OpError
		if errors.As(err, &op) && op.Err != nil {
			err = op.Err
		}
		return nil, &probeError{kind: ErrConnect, msg: "connect to " + addr + ": " + err.Error()}
	}
	return c, nil
}

// isRemoteRefusal reports whether a Dial through SSH failed only because the
// remote side could not reach the address (the SSH hop itself worked).
func isRemoteRefusal(err error) bool {
	return errors.Is(err, errRemoteUnreachable)
}

// probeError is a probe's own connect failure, wrapping ErrConnect or
// ErrTimeout.
type probeError struct {
	kind error
	msg  string
}

func (e *probeError) Error() string { return e.msg }
func (e *probeError) Unwrap() error { return e.kind }

func ioErrText(ctx context.Context, err error, timeout time.Duration) string {
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		return "no answer within " + timeout.String()
	}
	if errors.Is(err, io.EOF) {
		return "connection closed by the server"
	}
	return err.Error()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func millis(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64)
}
